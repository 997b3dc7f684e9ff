//! A link: a short ID, where it leads, when it was made and, optionally, when it stops working.

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{ShortId, TargetUrl};

/// A stored short link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The ID in the short URL.
    pub id: ShortId,
    /// Where the short URL redirects.
    pub url: TargetUrl,
    /// When the link was created (stored with millisecond precision).
    pub created_at: OffsetDateTime,
    /// When the link stops redirecting (stored with second precision); `None` for never.
    pub expires_at: Option<OffsetDateTime>,
}

impl Link {
    /// Whether the link no longer redirects at `now`.
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|expires| expires <= now)
    }

    /// Whole seconds the link still redirects after `now`; `None` for a link that never expires.
    pub fn seconds_left(&self, now: OffsetDateTime) -> Option<u64> {
        self.expires_at.map(|expires| u64::try_from((expires - now).whole_seconds()).unwrap_or(0))
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
