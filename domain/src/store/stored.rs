//! The item layout both adapters share: how a link and a host block are kept (attribute names and units), read
//! back with every rule checked again, and the rules a conditional update and a quota count obey.

use std::borrow::Cow;

use time::OffsetDateTime;

use super::{StoreError, UpdateError};
use crate::{BlockedHost, DisableReason, HostBlock, Link, LinkState, ShortId, TokenHash};

/// A link in the units and attribute names both stores keep: the URL's text, `createdAt` and `updatedAt` in epoch
/// milliseconds, `expiresAt` in epoch seconds (DynamoDB's TTL unit), the state by name. Items written before the
/// lifecycle existed lack `tokenHash`, `updatedAt`, `version` and `state`, and read as active links at version 0.
/// The embedded store keeps exactly this, as JSON.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct StoredParts<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub(super) url: Option<Cow<'a, str>>,
    #[serde(rename = "createdAt")]
    pub(super) created_at_ms: i64,
    #[serde(rename = "expiresAt", default, skip_serializing_if = "Option::is_none")]
    pub(super) expires_at_s: Option<i64>,
    #[serde(rename = "tokenHash", borrow, default, skip_serializing_if = "Option::is_none")]
    pub(super) token_hash: Option<Cow<'a, str>>,
    #[serde(rename = "updatedAt", default, skip_serializing_if = "Option::is_none")]
    pub(super) updated_at_ms: Option<i64>,
    #[serde(default)]
    pub(super) version: u64,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub(super) state: Option<Cow<'a, str>>,
    #[serde(rename = "disabledReason", borrow, default, skip_serializing_if = "Option::is_none")]
    pub(super) disabled_reason: Option<Cow<'a, str>>,
    #[serde(rename = "disabledNote", borrow, default, skip_serializing_if = "Option::is_none")]
    pub(super) disabled_note: Option<Cow<'a, str>>,
}

/// Stored names of the link states.
const ACTIVE: &str = "active";
const DELETED: &str = "deleted";
const DISABLED: &str = "disabled";

impl<'a> StoredParts<'a> {
    pub(super) fn of(link: &'a Link) -> Self {
        let (state, reason) = match link.state {
            LinkState::Active => (ACTIVE, None),
            LinkState::Deleted => (DELETED, None),
            LinkState::Disabled { reason } => (DISABLED, Some(reason.as_str().into())),
        };
        Self {
            url: link.url.as_ref().map(|url| url.as_str().into()),
            created_at_ms: epoch_millis(link.created_at),
            expires_at_s: link.expires_at.map(OffsetDateTime::unix_timestamp),
            token_hash: link.token_hash.map(|hash| hash.to_hex().into()),
            updated_at_ms: link.updated_at.map(epoch_millis),
            version: link.version,
            state: Some(state.into()),
            disabled_reason: reason,
            disabled_note: link.disabled_note.as_deref().map(Into::into),
        }
    }

    /// The link back, every rule checked again; an item that breaks one is [`StoreError::Corrupt`].
    pub(super) fn into_link(self, id: &ShortId) -> Result<Link, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt { id: id.to_string(), reason };
        let state = match self.state.as_deref() {
            None | Some(ACTIVE) => LinkState::Active,
            Some(DELETED) => LinkState::Deleted,
            Some(DISABLED) => LinkState::Disabled {
                reason: DisableReason::from_stored(self.disabled_reason.as_deref().unwrap_or_default()),
            },
            Some(other) => return Err(corrupt(format!("unknown state {other:?}"))),
        };
        let url = match (state, self.url) {
            (LinkState::Deleted, _) => None,
            (_, Some(url)) => Some(crate::TargetUrl::parse_stored(&url).map_err(|e| corrupt(e.to_string()))?),
            (_, None) => return Err(corrupt("url is missing".to_owned())),
        };
        let at_millis = |ms: i64| from_epoch_millis(ms).map_err(|e| corrupt(e.to_string()));
        let expires_at = self
            .expires_at_s
            .map(OffsetDateTime::from_unix_timestamp)
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?;
        let token_hash = self
            .token_hash
            .map(|hex| TokenHash::from_hex(&hex))
            .transpose()
            .map_err(|_| corrupt("tokenHash is not 64 hexadecimal digits".to_owned()))?;
        Ok(Link {
            id: id.clone(),
            url,
            created_at: at_millis(self.created_at_ms)?,
            expires_at,
            token_hash,
            updated_at: self.updated_at_ms.map(at_millis).transpose()?,
            version: self.version,
            state,
            disabled_note: self.disabled_note.map(Cow::into_owned),
        })
    }
}

/// A host block in the units and attribute names both stores keep (the host is the key).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct StoredBlock<'a> {
    #[serde(borrow)]
    pub(super) reason: Cow<'a, str>,
    #[serde(rename = "createdAt")]
    pub(super) created_at_ms: i64,
}

impl<'a> StoredBlock<'a> {
    pub(super) fn of(block: &HostBlock) -> Self {
        Self { reason: block.reason.as_str().into(), created_at_ms: epoch_millis(block.created_at) }
    }

    pub(super) fn into_block(self, host: &str) -> Result<HostBlock, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt { id: format!("block of {host}"), reason };
        Ok(HostBlock {
            host: BlockedHost::parse(host).map_err(|e| corrupt(e.to_string()))?,
            reason: DisableReason::from_stored(&self.reason),
            created_at: from_epoch_millis(self.created_at_ms).map_err(|e| corrupt(e.to_string()))?,
        })
    }
}

pub(super) fn epoch_millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(super) fn from_epoch_millis(ms: i64) -> Result<OffsetDateTime, time::error::ComponentRange> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
}

/// Refuses to write `link` over `expected_version` unless it is the very next version: a write that kept the
/// version would let a later writer holding the same expected version overwrite it unnoticed.
pub(super) fn check_successor(link: &Link, expected_version: u64) -> Result<(), UpdateError> {
    if expected_version.checked_add(1) == Some(link.version) {
        return Ok(());
    }
    Err(StoreError::Rejected(format!(
        "link {} at version {} cannot replace version {expected_version}",
        link.id, link.version
    ))
    .into())
}

/// When (epoch seconds) the count of `hour` may be forgotten: an hour after the hour ends.
pub(super) fn quota_expiry_s(hour: i64) -> i64 {
    hour.saturating_add(2).saturating_mul(3600)
}

/// A UTC day as both stores key it: `YYYY-MM-DD`, which sorts as the days do.
pub(super) fn day_key(date: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// Days a click count is kept after its day, beyond the [`crate::clicks::STATS_DAYS`] a stats read shows.
pub(super) const COUNT_RETENTION_DAYS: i64 = 100;

/// Days a log-file chunk's marker is kept: longer than any redelivery (an SQS queue keeps a message at most 14
/// days, and CloudFront delivers a late line within a day).
pub(super) const MARKER_RETENTION_DAYS: i64 = 30;
