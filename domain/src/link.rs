//! A link: a short ID, where it leads, when it was made and, optionally, when it stops working; and its
//! lifecycle: the owner's edits and deletion, the operator's takedown, each a new version of the link.

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{ManageToken, ShortId, TargetUrl, TokenHash};

/// A stored short link.
///
/// `url` is `None` exactly when `state` is [`LinkState::Deleted`], and `disabled_note` is set only while the
/// link is disabled; the transitions below keep both rules, and the stores refuse to read back an item that
/// breaks the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The ID in the short URL.
    pub id: ShortId,
    /// Where the short URL redirects; `None` once the link is deleted (the URL is dropped, the ID stays taken).
    pub url: Option<TargetUrl>,
    /// When the link was created (stored with millisecond precision).
    pub created_at: OffsetDateTime,
    /// When the link stops redirecting (stored with second precision); `None` for never.
    pub expires_at: Option<OffsetDateTime>,
    /// The hash of the owner's manage token; `None` for links made before tokens existed, which only the
    /// operator can change.
    pub token_hash: Option<TokenHash>,
    /// When the link last changed (stored with millisecond precision); `None` if it never has.
    pub updated_at: Option<OffsetDateTime>,
    /// 0 at creation, one more with each change: every update is conditional on the version it started from.
    pub version: u64,
    /// Whether the link redirects, was deleted by its owner, or was taken down by the operator.
    pub state: LinkState,
    /// The operator's note on a takedown; never shown to viewers.
    pub disabled_note: Option<String>,
}

/// Where a link stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// It redirects (until it expires).
    Active,
    /// Its owner or the operator deleted it: it leads nowhere, and its ID is never handed out again.
    Deleted,
    /// The operator took it down; it can be enabled again.
    Disabled {
        /// Why, as viewers are told.
        reason: DisableReason,
    },
}

/// Why the operator took a link down: a category that viewers may see (the operator's own words go in
/// [`Link::disabled_note`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum DisableReason {
    /// It leads to a page that imitates another to steal credentials or money.
    Phishing,
    /// It leads to malicious software.
    Malware,
    /// It was spread as unsolicited bulk messages.
    Spam,
    /// It leads to content that is unlawful to host or link to.
    Illegal,
    /// Any other breach of the terms of use.
    Other,
}

impl DisableReason {
    /// Every category, in a stable order.
    pub const ALL: [Self; 5] = [Self::Phishing, Self::Malware, Self::Spam, Self::Illegal, Self::Other];

    /// The lowercase name stored and shown: `phishing`, `malware`, `spam`, `illegal`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phishing => "phishing",
            Self::Malware => "malware",
            Self::Spam => "spam",
            Self::Illegal => "illegal",
            Self::Other => "other",
        }
    }

    /// The category stored as `raw`; a name this version does not know (written by a newer one) reads as
    /// [`DisableReason::Other`], so the link still answers as disabled.
    pub fn from_stored(raw: &str) -> Self {
        Self::ALL.into_iter().find(|reason| reason.as_str() == raw).unwrap_or(Self::Other)
    }
}

impl std::fmt::Display for DisableReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request for a link's short URL should get at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution<'a> {
    /// A redirect to the target.
    Redirect(&'a TargetUrl),
    /// Nothing: the link has expired.
    Expired,
    /// Nothing: the link was deleted.
    Deleted,
    /// Nothing: the operator took the link down, for this reason.
    Disabled(DisableReason),
}

/// An owner's change of a link, as the fields of a JSON merge patch: an absent field keeps its value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkEdit {
    /// A new target, or `None` to keep it.
    pub url: Option<TargetUrl>,
    /// `Some(Some(at))` sets the expiry, `Some(None)` clears it, `None` keeps it.
    pub expires_at: Option<Option<OffsetDateTime>>,
}

/// Who asks for a change: the rules differ for a disabled link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Whoever holds the link's manage token.
    Owner,
    /// The service's operator.
    Operator,
}

/// Why a link cannot change as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// The link was deleted; nothing about it can change any more.
    #[error("the link was deleted")]
    Deleted,
    /// The operator disabled the link; its owner can no longer change it.
    #[error("the link was disabled by the operator")]
    Disabled,
    /// Only a disabled link can be enabled.
    #[error("the link is not disabled")]
    NotDisabled,
}

impl Link {
    /// A new, active link at version 0, owned by whoever holds the token behind `token_hash`.
    pub fn new(
        id: ShortId,
        url: TargetUrl,
        created_at: OffsetDateTime,
        expires_at: Option<OffsetDateTime>,
        token_hash: Option<TokenHash>,
    ) -> Self {
        Self {
            id,
            url: Some(url),
            created_at,
            expires_at,
            token_hash,
            updated_at: None,
            version: 0,
            state: LinkState::Active,
            disabled_note: None,
        }
    }

    /// Whether the link no longer redirects at `now`.
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|expires| expires <= now)
    }

    /// Whole seconds the link still redirects after `now`; `None` for a link that never expires.
    pub fn seconds_left(&self, now: OffsetDateTime) -> Option<u64> {
        self.expires_at.map(|expires| u64::try_from((expires - now).whole_seconds()).unwrap_or(0))
    }

    /// What its short URL answers at `now`. A takedown outranks the expiry.
    pub fn resolve(&self, now: OffsetDateTime) -> Resolution<'_> {
        match (self.state, &self.url) {
            (LinkState::Disabled { reason }, _) => Resolution::Disabled(reason),
            (LinkState::Deleted, _) | (LinkState::Active, None) => Resolution::Deleted,
            (LinkState::Active, Some(_)) if self.is_expired_at(now) => Resolution::Expired,
            (LinkState::Active, Some(url)) => Resolution::Redirect(url),
        }
    }

    /// What its short URL answers now, and the whole seconds it still redirects ([`Link::seconds_left`]). The
    /// clock is read only for a link that expires: most never do, and a resolver answers this for every click.
    pub fn resolve_now(&self) -> (Resolution<'_>, Option<u64>) {
        match self.expires_at {
            Some(_) => {
                let now = OffsetDateTime::now_utc();
                (self.resolve(now), self.seconds_left(now))
            }
            // Without an expiry, neither depends on the time.
            None => (self.resolve(OffsetDateTime::UNIX_EPOCH), None),
        }
    }

    /// Whether `token` is this link's manage token (compared in constant time). A link without one has no
    /// owner who can change it.
    pub fn is_managed_by(&self, token: &ManageToken) -> bool {
        self.token_hash.is_some_and(|hash| hash.verifies(token))
    }

    /// The link after its owner's `edit`, as the next version.
    pub fn edited(&self, edit: &LinkEdit, now: OffsetDateTime) -> Result<Self, ChangeError> {
        self.check_writable(Actor::Owner)?;
        let mut next = self.next_version(now);
        if let Some(url) = &edit.url {
            next.url = Some(url.clone());
        }
        if let Some(expires_at) = edit.expires_at {
            next.expires_at = expires_at.map(to_seconds);
        }
        Ok(next)
    }

    /// The link deleted, as the next version: its URL and expiry are dropped (without an expiry, the item is
    /// never removed by the store's TTL, so the ID is never handed out again). The owner cannot delete a link
    /// the operator disabled; the operator can.
    pub fn deleted(&self, by: Actor, now: OffsetDateTime) -> Result<Self, ChangeError> {
        self.check_writable(by)?;
        let mut next = self.next_version(now);
        next.url = None;
        next.expires_at = None;
        next.state = LinkState::Deleted;
        next.disabled_note = None;
        Ok(next)
    }

    /// The link taken down by the operator, as the next version; a disabled link can be disabled again with a
    /// new reason and note.
    pub fn disabled(
        &self,
        reason: DisableReason,
        note: Option<String>,
        now: OffsetDateTime,
    ) -> Result<Self, ChangeError> {
        self.check_writable(Actor::Operator)?;
        let mut next = self.next_version(now);
        next.state = LinkState::Disabled { reason };
        next.disabled_note = note;
        Ok(next)
    }

    /// The disabled link enabled again by the operator, as the next version.
    pub fn enabled(&self, now: OffsetDateTime) -> Result<Self, ChangeError> {
        self.check_writable(Actor::Operator)?;
        if !matches!(self.state, LinkState::Disabled { .. }) {
            return Err(ChangeError::NotDisabled);
        }
        let mut next = self.next_version(now);
        next.state = LinkState::Active;
        next.disabled_note = None;
        Ok(next)
    }

    fn check_writable(&self, by: Actor) -> Result<(), ChangeError> {
        match (self.state, by) {
            (LinkState::Deleted, _) => Err(ChangeError::Deleted),
            (LinkState::Disabled { .. }, Actor::Owner) => Err(ChangeError::Disabled),
            _ => Ok(()),
        }
    }

    fn next_version(&self, now: OffsetDateTime) -> Self {
        Self { version: self.version.saturating_add(1), updated_at: Some(to_millis(now)), ..self.clone() }
    }
}

/// `at` cut to what the stores keep of a creation time: whole milliseconds.
pub fn to_millis(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_millisecond(at.millisecond()).unwrap_or(at)
}

/// `at` cut to what the stores keep of an expiry: whole seconds.
pub fn to_seconds(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(0).unwrap_or(at)
}

/// Why an `expiresAt` value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    /// Not an RFC 3339 timestamp.
    #[error("expiresAt must be an RFC 3339 timestamp such as 2030-01-31T12:00:00Z")]
    Format,
    /// Not in the future.
    #[error("expiresAt must be in the future")]
    Past,
}

/// Parses a client's `expiresAt` (RFC 3339), which must lie in the future of `now`; truncated to whole seconds.
pub fn parse_expiry(raw: &str, now: OffsetDateTime) -> Result<OffsetDateTime, ExpiryError> {
    let at = to_seconds(OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| ExpiryError::Format)?);
    if at <= now {
        return Err(ExpiryError::Past);
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn active(url: &str) -> Link {
        let base = crate::PublicBase::parse("https://sho.rt/").unwrap();
        let token = ManageToken::parse(&"A".repeat(ManageToken::LEN)).unwrap();
        Link::new(
            ShortId::parse("abc1234").unwrap(),
            TargetUrl::parse(url, &base).unwrap(),
            datetime!(2026-01-01 00:00 UTC),
            None,
            Some(token.hash()),
        )
    }

    fn target(url: &str) -> TargetUrl {
        TargetUrl::parse_stored(url).unwrap()
    }

    #[test]
    fn an_edit_changes_only_what_it_names_and_makes_the_next_version() {
        let now = datetime!(2026-01-02 00:00:00.123456 UTC);
        let link = active("https://old.example/");
        let moved =
            link.edited(&LinkEdit { url: Some(target("https://new.example/")), expires_at: None }, now).unwrap();
        assert_eq!(moved.url, Some(target("https://new.example/")));
        assert_eq!((moved.version, moved.updated_at), (1, Some(datetime!(2026-01-02 00:00:00.123 UTC))));
        assert_eq!((moved.id, moved.created_at, moved.token_hash), (link.id.clone(), link.created_at, link.token_hash));

        let expiring = link
            .edited(
                &LinkEdit { expires_at: Some(Some(datetime!(2027-01-01 00:00:00.5 UTC))), ..LinkEdit::default() },
                now,
            )
            .unwrap();
        assert_eq!((&expiring.url, expiring.expires_at), (&link.url, Some(datetime!(2027-01-01 00:00 UTC))));
        let cleared = expiring.edited(&LinkEdit { expires_at: Some(None), ..LinkEdit::default() }, now).unwrap();
        assert_eq!((cleared.expires_at, cleared.version), (None, 2));
    }

    #[test]
    fn resolving_now_reads_the_clock_for_an_expiring_link_only_and_answers_as_resolve_does() {
        let link = active("https://old.example/");
        assert_eq!(link.resolve_now(), (Resolution::Redirect(&target("https://old.example/")), None));

        let mut expiring = link.clone();
        expiring.expires_at = Some(OffsetDateTime::now_utc() + time::Duration::hours(1));
        let (resolution, left) = expiring.resolve_now();
        assert_eq!(resolution, Resolution::Redirect(&target("https://old.example/")));
        assert!(left.is_some_and(|left| (3_500..=3_600).contains(&left)), "{left:?} seconds left");

        expiring.expires_at = Some(OffsetDateTime::now_utc() - time::Duration::seconds(1));
        assert_eq!(expiring.resolve_now(), (Resolution::Expired, Some(0)));

        let mut disabled = link;
        disabled.state = LinkState::Disabled { reason: DisableReason::Spam };
        assert_eq!(disabled.resolve_now(), (Resolution::Disabled(DisableReason::Spam), None));
    }

    #[test]
    fn a_deleted_link_drops_its_url_and_expiry_and_refuses_every_later_change() {
        let now = datetime!(2026-01-02 00:00 UTC);
        let mut link = active("https://old.example/");
        link.expires_at = Some(datetime!(2027-01-01 00:00 UTC));
        let deleted = link.deleted(Actor::Owner, now).unwrap();
        assert_eq!(
            (deleted.state, deleted.url.clone(), deleted.expires_at, deleted.version),
            (LinkState::Deleted, None, None, 1)
        );
        assert_eq!(deleted.resolve(now), Resolution::Deleted);
        assert_eq!(deleted.edited(&LinkEdit::default(), now), Err(ChangeError::Deleted));
        assert_eq!(deleted.deleted(Actor::Operator, now), Err(ChangeError::Deleted));
        assert_eq!(deleted.disabled(DisableReason::Spam, None, now), Err(ChangeError::Deleted));
        assert_eq!(deleted.enabled(now), Err(ChangeError::Deleted));
    }

    #[test]
    fn a_disabled_link_is_out_of_its_owners_hands_until_the_operator_enables_it() {
        let now = datetime!(2026-01-02 00:00 UTC);
        let link = active("https://old.example/");
        assert_eq!(link.enabled(now), Err(ChangeError::NotDisabled));
        let disabled = link.disabled(DisableReason::Phishing, Some("ticket 7".to_owned()), now).unwrap();
        assert_eq!(disabled.resolve(now), Resolution::Disabled(DisableReason::Phishing));
        assert_eq!(disabled.url, link.url, "kept, so enabling restores it");
        assert_eq!(disabled.edited(&LinkEdit::default(), now), Err(ChangeError::Disabled));
        assert_eq!(disabled.deleted(Actor::Owner, now), Err(ChangeError::Disabled));
        assert_eq!(disabled.deleted(Actor::Operator, now).map(|l| l.state), Ok(LinkState::Deleted));
        let enabled = disabled.enabled(now).unwrap();
        assert_eq!((enabled.state, enabled.disabled_note.clone(), enabled.version), (LinkState::Active, None, 2));
        assert_eq!(enabled.resolve(now), Resolution::Redirect(&target("https://old.example/")));
    }

    #[test]
    fn a_takedown_outranks_the_expiry_and_the_expiry_outranks_the_redirect() {
        let mut link = active("https://old.example/");
        link.expires_at = Some(datetime!(2026-01-01 01:00 UTC));
        assert_eq!(
            link.resolve(datetime!(2026-01-01 00:59:59 UTC)),
            Resolution::Redirect(&target("https://old.example/"))
        );
        assert_eq!(link.resolve(datetime!(2026-01-01 01:00 UTC)), Resolution::Expired);
        let disabled = link.disabled(DisableReason::Malware, None, datetime!(2026-01-01 00:30 UTC)).unwrap();
        assert_eq!(disabled.resolve(datetime!(2026-01-01 02:00 UTC)), Resolution::Disabled(DisableReason::Malware));
    }

    #[test]
    fn only_the_links_own_token_manages_it_and_a_link_without_one_has_no_owner() {
        let link = active("https://old.example/");
        assert!(link.is_managed_by(&ManageToken::parse(&"A".repeat(ManageToken::LEN)).unwrap()));
        assert!(!link.is_managed_by(&ManageToken::generate().unwrap()));
        let unowned = Link { token_hash: None, ..link };
        assert!(!unowned.is_managed_by(&ManageToken::parse(&"A".repeat(ManageToken::LEN)).unwrap()));
    }

    #[test]
    fn disable_reasons_are_stored_lowercase_and_unknown_ones_read_as_other() {
        let names: Vec<&str> = DisableReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, ["phishing", "malware", "spam", "illegal", "other"]);
        for reason in DisableReason::ALL {
            assert_eq!(DisableReason::from_stored(reason.as_str()), reason);
        }
        assert_eq!(DisableReason::from_stored("copyright"), DisableReason::Other);
    }

    #[test]
    fn expiry_must_be_rfc3339_and_in_the_future() {
        let now = datetime!(2026-01-01 00:00 UTC);
        assert_eq!(parse_expiry("2026-01-01T00:00:01Z", now), Ok(datetime!(2026-01-01 00:00:01 UTC)));
        assert_eq!(parse_expiry("2026-01-01T01:00:00.9+01:00", now), Err(ExpiryError::Past));
        assert_eq!(parse_expiry("2025-12-31T23:59:59Z", now), Err(ExpiryError::Past));
        assert_eq!(parse_expiry("tomorrow", now), Err(ExpiryError::Format));
        assert_eq!(parse_expiry("2026-01-02", now), Err(ExpiryError::Format));
    }
}
