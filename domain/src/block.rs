//! Host blocks: target hosts an operator has refused, and the rule that a block on a domain covers every
//! subdomain, so `a.evil.example` cannot slip past a block on `evil.example`.

use std::fmt;

use time::OffsetDateTime;

use crate::DisableReason;

/// A host as blocks name it: normalized the way the `url` crate normalizes a target URL's host (lowercase, IDN
/// to punycode, IPv4 in dotted decimal, IPv6 in brackets), without a trailing dot.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockedHost(String);

/// Why a host cannot be blocked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// Not a host name or IP address.
    #[error("not a host name: {0}")]
    Invalid(String),
}

impl BlockedHost {
    /// Parses what an operator typed: a bare host (`Evil.Example.`, `bücher.example`, `[::1]`) or a URL whose
    /// host is meant (`https://evil.example/login`).
    pub fn parse(raw: &str) -> Result<Self, HostError> {
        let invalid = || HostError::Invalid(raw.to_owned());
        let raw = raw.trim();
        let host = if raw.contains("://") {
            let url = url::Url::parse(raw).map_err(|_| invalid())?;
            url.host().ok_or_else(invalid)?.to_string()
        } else {
            url::Host::parse(raw).map_err(|_| invalid())?.to_string()
        };
        let host = host.trim_end_matches('.');
        if host.is_empty() || host.starts_with('.') || host.contains("..") {
            return Err(invalid());
        }
        Ok(Self(host.to_owned()))
    }

    /// The normalized host.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this block covers `host` (a target URL's host as the `url` crate gives it): the same host, or a
    /// subdomain of it. An IP address covers only itself.
    pub fn covers(&self, host: &str) -> bool {
        covering_hosts(host).any(|candidate| candidate == self.0)
    }
}

impl fmt::Display for BlockedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BlockedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlockedHost({})", self.0)
    }
}

/// Every host whose block covers `host`, most specific first: `a.evil.example`, `evil.example`, `example`.
/// `host` is a target URL's host as the `url` crate normalizes it; a trailing dot is ignored and letters are
/// lowercased. An IP address yields only itself.
pub fn covering_hosts(host: &str) -> impl Iterator<Item = String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let is_ip = host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok();
    let suffix_starts: Vec<usize> = if is_ip || host.is_empty() {
        vec![0]
    } else {
        std::iter::once(0).chain(host.match_indices('.').map(|(dot, _)| dot + 1)).collect()
    };
    suffix_starts.into_iter().map(move |start| host[start..].to_owned())
}

/// A blocked host: links to it or to its subdomains cannot be created, and the operator's tool disables the
/// existing ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostBlock {
    /// The blocked host.
    pub host: BlockedHost,
    /// Why, as the category the links to it are disabled with.
    pub reason: DisableReason,
    /// When the block was made (stored with millisecond precision).
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(raw: &str) -> String {
        BlockedHost::parse(raw).map(|h| h.to_string()).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn hosts_are_normalized_as_target_urls_normalize_them() {
        assert_eq!(host("Evil.Example."), "evil.example");
        assert_eq!(host("  evil.example  "), "evil.example");
        assert_eq!(host("bücher.example"), "xn--bcher-kva.example");
        assert_eq!(host("https://EVIL.example:8443/login?x=1"), "evil.example");
        assert_eq!(host("[::1]"), "[::1]");
        assert_eq!(host("0x7f.1"), "127.0.0.1");
    }

    #[test]
    fn what_is_not_a_host_is_refused() {
        for raw in ["", ".", "evil.example/path", "evil example", "a..b", ".evil.example", "user@evil.example"] {
            assert!(BlockedHost::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn a_block_covers_its_host_and_every_subdomain_only() -> Result<(), HostError> {
        let block = BlockedHost::parse("evil.example")?;
        for covered in ["evil.example", "a.evil.example", "x.y.evil.example", "EVIL.example.", "a.evil.example."] {
            assert!(block.covers(covered), "{covered}");
        }
        for free in ["notevil.example", "evil.example.com", "example", "evil.exampl"] {
            assert!(!block.covers(free), "{free}");
        }
        Ok(())
    }

    #[test]
    fn an_ip_address_covers_only_itself() -> Result<(), HostError> {
        assert_eq!(covering_hosts("10.0.0.1").collect::<Vec<_>>(), ["10.0.0.1"]);
        assert_eq!(covering_hosts("[2001:db8::1]").collect::<Vec<_>>(), ["[2001:db8::1]"]);
        assert!(BlockedHost::parse("10.0.0.1")?.covers("10.0.0.1"));
        assert!(!BlockedHost::parse("0.0.1")?.covers("10.0.0.1"));
        Ok(())
    }

    #[test]
    fn a_block_covers_its_host_however_a_target_url_spells_it() -> Result<(), HostError> {
        let base = crate::PublicBase::parse("https://sho.rt/").map_err(|e| HostError::Invalid(e.to_string()))?;
        let covers = |block: &str, url: &str| {
            let target = crate::TargetUrl::parse(url, &base).map_err(|e| HostError::Invalid(e.to_string()))?;
            Ok::<_, HostError>(BlockedHost::parse(block)?.covers(target.host()))
        };
        for url in [
            "https://EVIL.Example/",
            "https://evil.example./x",
            "https://a.evil.example:8443/",
            "https://%65vil.example/",
            "https://evil%2Eexample/",
            "https://ＥＶＩＬ.example/",
        ] {
            assert!(covers("evil.example", url)?, "{url}");
        }
        assert!(covers("bücher.example", "https://xn--bcher-kva.example/")?);
        assert!(covers("xn--bcher-kva.example", "https://shop.Bücher.example/")?);
        assert!(covers("127.0.0.1", "http://0x7f.0.0.1/")?);
        assert!(covers("127.0.0.1", "http://2130706433/")?);
        assert!(covers("[::1]", "http://[0:0::1]/")?);
        Ok(())
    }

    #[test]
    fn covering_hosts_run_from_the_most_specific() {
        assert_eq!(covering_hosts("a.evil.example").collect::<Vec<_>>(), ["a.evil.example", "evil.example", "example"]);
    }
}
