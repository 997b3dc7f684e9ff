//! The creation quota: who a client is (an address no client can forge) and how many links it may still create
//! this hour.
//!
//! The front end that received the request states the peer's address as a [`ClientAddress`] extension: the
//! local stack its TCP peer, the Lambda API Gateway's `requestContext.http.sourceIp`. Behind CloudFront that
//! peer is CloudFront itself, so the viewer's address is taken from `CloudFront-Viewer-Address` (which
//! CloudFront sets, replacing whatever a client sent) — but only from a request carrying the origin secret
//! CloudFront adds, so a client calling API Gateway directly cannot name its own address. `X-Forwarded-For` is
//! never read: any client can write it.

use std::{
    fmt,
    net::{IpAddr, Ipv6Addr},
    str::FromStr,
};

use http::{HeaderMap, HeaderName};
use time::OffsetDateTime;

/// The header CloudFront adds to every request it forwards to the API, holding [`OriginSecret`].
pub const ORIGIN_SECRET_HEADER: HeaderName = HeaderName::from_static("x-origin-verify");

/// The header in which CloudFront reports the viewer's address and port (`198.51.100.10:46532`,
/// `2001:db8::1:46532`).
pub const VIEWER_ADDRESS_HEADER: HeaderName = HeaderName::from_static("cloudfront-viewer-address");

/// The address of the peer that sent a request, as the front end that accepted the connection saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The secret CloudFront sends in [`ORIGIN_SECRET_HEADER`]; whoever shows it is CloudFront. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct OriginSecret(String);

impl FromStr for OriginSecret {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.len() < 16 {
            return Err("the origin secret must be at least 16 characters".to_owned());
        }
        Ok(Self(raw.to_owned()))
    }
}

impl fmt::Debug for OriginSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OriginSecret(…)")
    }
}

impl OriginSecret {
    /// Whether `headers` carry this secret, compared without an early exit.
    fn is_shown_in(&self, headers: &HeaderMap) -> bool {
        let Some(shown) = headers.get(&ORIGIN_SECRET_HEADER) else {
            return false;
        };
        let (shown, ours) = (shown.as_bytes(), self.0.as_bytes());
        let difference = shown.iter().zip(ours).fold(0u8, |acc, (a, b)| acc | std::hint::black_box(a ^ b));
        shown.len() == ours.len() && std::hint::black_box(difference) == 0
    }
}

/// The client a creation is counted against: the viewer address CloudFront reports when the request proves it
/// came through CloudFront, else the peer address the front end stated; `None` when neither is known.
pub fn client_of(headers: &HeaderMap, peer: Option<ClientAddress>, secret: Option<&OriginSecret>) -> Option<IpAddr> {
    let viewer = secret
        .filter(|secret| secret.is_shown_in(headers))
        .and_then(|_| headers.get(&VIEWER_ADDRESS_HEADER)?.to_str().ok().and_then(parse_viewer_address));
    viewer.or(peer.map(|ClientAddress(ip)| ip))
}

/// `198.51.100.10:46532` or `2001:db8::1:46532` (CloudFront writes IPv6 without brackets): the address before
/// the last colon.
fn parse_viewer_address(raw: &str) -> Option<IpAddr> {
    let (address, port) = raw.trim().rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    address.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// The quota key of `ip`: an IPv4 address itself, an IPv6 address its /64 (one subscriber's network holds a
/// whole /64, so counting single IPv6 addresses would count nothing).
pub fn quota_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{}/64", Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    }
}

/// Whole seconds from `now` to the start of the next hour: when an exhausted quota starts afresh.
pub fn seconds_to_next_hour(now: OffsetDateTime) -> u64 {
    let into_hour = now.unix_timestamp().rem_euclid(3600);
    u64::try_from(3600 - into_hour).unwrap_or(3600)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;
    use time::macros::datetime;

    use super::*;

    fn headers(pairs: &[(&HeaderName, &str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| ((*name).clone(), HeaderValue::from_str(value).unwrap())).collect()
    }

    #[test]
    fn the_viewer_address_counts_only_beside_the_origin_secret() {
        let secret: OriginSecret = "s3cret-s3cret-s3cret".parse().unwrap();
        let peer = Some(ClientAddress("192.0.2.1".parse().unwrap()));
        let through_cloudfront = headers(&[
            (&ORIGIN_SECRET_HEADER, "s3cret-s3cret-s3cret"),
            (&VIEWER_ADDRESS_HEADER, "198.51.100.10:46532"),
        ]);
        assert_eq!(client_of(&through_cloudfront, peer, Some(&secret)), Some("198.51.100.10".parse().unwrap()));
        let forged =
            headers(&[(&ORIGIN_SECRET_HEADER, "s3cret-s3cret-s3creT"), (&VIEWER_ADDRESS_HEADER, "10.0.0.9:1")]);
        assert_eq!(client_of(&forged, peer, Some(&secret)), Some("192.0.2.1".parse().unwrap()));
        let prefix = headers(&[(&ORIGIN_SECRET_HEADER, "s3cret"), (&VIEWER_ADDRESS_HEADER, "10.0.0.9:1")]);
        assert_eq!(client_of(&prefix, peer, Some(&secret)), Some("192.0.2.1".parse().unwrap()));
        assert_eq!(client_of(&through_cloudfront, peer, None), Some("192.0.2.1".parse().unwrap()), "no secret set");
        let forwarded = headers(&[(&HeaderName::from_static("x-forwarded-for"), "10.0.0.9")]);
        assert_eq!(client_of(&forwarded, None, Some(&secret)), None);
    }

    #[test]
    fn cloudfront_viewer_addresses_of_both_families_are_read() {
        assert_eq!(parse_viewer_address("198.51.100.10:46532"), Some("198.51.100.10".parse().unwrap()));
        assert_eq!(parse_viewer_address("2001:db8::1:46532"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse_viewer_address("198.51.100.10"), None);
        assert_eq!(parse_viewer_address("evil:1"), None);
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(quota_key("2001:db8:1:2:aaaa::1".parse().unwrap()), "2001:db8:1:2::/64");
        assert_eq!(quota_key("2001:db8:1:2:bbbb::9".parse().unwrap()), "2001:db8:1:2::/64");
        assert_eq!(quota_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_eq!(quota_key("192.0.2.7".parse().unwrap()), "192.0.2.7");
    }

    #[test]
    fn a_quota_starts_afresh_on_the_hour() {
        assert_eq!(seconds_to_next_hour(datetime!(2026-01-01 10:59:30 UTC)), 30);
        assert_eq!(seconds_to_next_hour(datetime!(2026-01-01 10:00:00 UTC)), 3600);
    }
}
