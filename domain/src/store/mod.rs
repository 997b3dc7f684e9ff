//! Storage ports: one trait per capability, so a handler asks only for what it uses, and the adapters behind
//! them. Both adapters pass the same contract suite (`domain/tests/store_contract.rs`).

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "embedded")]
pub mod embedded;

use std::{future::Future, sync::Arc};

use crate::{Link, ShortId};

/// A link in the units and attribute names both stores keep: the URL's text, `createdAt` in epoch milliseconds
/// and `expiresAt` in epoch seconds (DynamoDB's TTL unit). The embedded store keeps exactly this, as JSON.
#[cfg_attr(not(any(feature = "dynamodb", feature = "embedded")), allow(dead_code))]
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct StoredParts<'a> {
    #[serde(borrow)]
    url: std::borrow::Cow<'a, str>,
    #[serde(rename = "createdAt")]
    created_at_ms: i64,
    #[serde(rename = "expiresAt", default, skip_serializing_if = "Option::is_none")]
    expires_at_s: Option<i64>,
}

#[cfg_attr(not(any(feature = "dynamodb", feature = "embedded")), allow(dead_code))]
impl<'a> StoredParts<'a> {
    fn of(link: &'a Link) -> Self {
        Self {
            url: link.url.as_str().into(),
            created_at_ms: i64::try_from(link.created_at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX),
            expires_at_s: link.expires_at.map(time::OffsetDateTime::unix_timestamp),
        }
    }

    /// The link back, every rule checked again; an item that breaks one is [`StoreError::Corrupt`].
    fn into_link(self, id: &ShortId) -> Result<Link, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt { id: id.to_string(), reason };
        let url = crate::TargetUrl::parse_stored(&self.url).map_err(|e| corrupt(e.to_string()))?;
        let created_at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.created_at_ms) * 1_000_000)
            .map_err(|e| corrupt(e.to_string()))?;
        let expires_at = self
            .expires_at_s
            .map(time::OffsetDateTime::from_unix_timestamp)
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?;
        Ok(Link { id: id.clone(), url, created_at, expires_at })
    }
}

/// A store failure that is not the caller's fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached or did not answer in time: worth retrying later (HTTP 503).
    #[error("store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The store refused the call for a reason retrying will not fix (a missing table, missing permissions, an
    /// invalid request): a fault of ours, not an outage (HTTP 500).
    #[error("store rejected the call: {0}")]
    Rejected(String),
    /// An item exists but cannot be read back as a link.
    #[error("stored item for {id} is malformed: {reason}")]
    Corrupt {
        /// The ID of the unreadable item.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl StoreError {
    /// Wraps any error as [`StoreError::Unavailable`].
    pub fn unavailable(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unavailable(error.into())
    }
}

/// Why a new link was not written.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// A link with this ID already exists; nothing was written.
    #[error("the ID is taken")]
    Taken,
    /// The store failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads links by ID: all that the resolver needs.
pub trait LinkReader: Send + Sync {
    /// The link stored under `id`, expired or not; `None` if there is none.
    fn get(&self, id: &ShortId) -> impl Future<Output = Result<Option<Link>, StoreError>> + Send;
}

/// Writes new links, never overwriting one.
pub trait LinkWriter: Send + Sync {
    /// Stores `link` only if its ID is free (a conditional put); [`PutError::Taken`] if any link holds it, even
    /// an identical one: of concurrent creates of one ID, exactly one succeeds. (An adapter whose transport
    /// retries internally must recognise its own earlier attempt and succeed.)
    fn put_new(&self, link: &Link) -> impl Future<Output = Result<(), PutError>> + Send;
}

impl<T: LinkReader> LinkReader for Arc<T> {
    fn get(&self, id: &ShortId) -> impl Future<Output = Result<Option<Link>, StoreError>> + Send {
        T::get(self, id)
    }
}

impl<T: LinkWriter> LinkWriter for Arc<T> {
    fn put_new(&self, link: &Link) -> impl Future<Output = Result<(), PutError>> + Send {
        T::put_new(self, link)
    }
}
