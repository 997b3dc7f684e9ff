//! The public base URL: where short links live. It builds every `shortUrl` and tells the loop rule which host
//! is ours.

use std::str::FromStr;

use url::Url;

use crate::ShortId;

/// The public base URL of the service (`https://sho.rt/`), with a path ending in `/` and no query or fragment,
/// plus any other host names the service answers on (a CloudFront domain beside a custom one, `localhost`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBase {
    url: Url,
    other_hosts: Vec<String>,
}

/// Why a public base URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    /// Not an absolute URL.
    #[error("public base URL {raw:?}: {reason}")]
    Invalid {
        /// The value given.
        raw: String,
        /// What the URL parser said.
        reason: String,
    },
    /// Not `http`/`https`, no host, or a query or fragment.
    #[error("public base URL {0:?} must be an http(s) URL with a host and no query or fragment")]
    Shape(String),
}

impl PublicBase {
    /// Parses an absolute `http`/`https` URL with a host; a missing trailing `/` is added.
    pub fn parse(raw: &str) -> Result<Self, BaseUrlError> {
        let mut url =
            Url::parse(raw).map_err(|e| BaseUrlError::Invalid { raw: raw.to_owned(), reason: e.to_string() })?;
        let shaped = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|h| !h.is_empty())
            && url.query().is_none()
            && url.fragment().is_none();
        if !shaped {
            return Err(BaseUrlError::Shape(raw.to_owned()));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self { url, other_hosts: Vec::new() })
    }

    /// Adds host names that also reach this service, so links to them are refused as loops too.
    pub fn with_other_hosts<H: AsRef<str>>(mut self, hosts: impl IntoIterator<Item = H>) -> Self {
        for host in hosts {
            let host = host.as_ref().trim();
            if host.is_empty() {
                continue;
            }
            let normalized = url::Host::parse(host).map_or_else(|_| host.to_ascii_lowercase(), |h| h.to_string());
            self.other_hosts.push(normalized.trim_end_matches('.').to_owned());
        }
        self
    }

    /// The short URL of `id`.
    pub fn short_url(&self, id: &ShortId) -> String {
        format!("{}{}", self.url, id.as_str())
    }

    /// Whether `host` (as the `url` crate normalizes it) is one of this service's own hosts.
    pub fn is_own_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        let primary = self.url.host_str().unwrap_or_default().trim_end_matches('.');
        host.eq_ignore_ascii_case(primary) || self.other_hosts.iter().any(|own| host.eq_ignore_ascii_case(own))
    }

    /// The base URL itself.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }
}

impl FromStr for PublicBase {
    type Err = BaseUrlError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_hosts_count_as_ours_after_normalization() -> Result<(), BaseUrlError> {
        let base = PublicBase::parse("https://sho.rt/")?.with_other_hosts([
            "d111.cloudfront.net",
            "LocalHost.",
            "Bücher.example",
        ]);
        assert!(base.is_own_host("sho.rt"));
        assert!(base.is_own_host("d111.cloudfront.net"));
        assert!(base.is_own_host("localhost"));
        assert!(base.is_own_host("xn--bcher-kva.example"));
        assert!(!base.is_own_host("example.com"));
        Ok(())
    }

    #[test]
    fn short_urls_join_the_base_and_the_id() -> Result<(), Box<dyn std::error::Error>> {
        let id = ShortId::parse("abc1234")?;
        assert_eq!(PublicBase::parse("https://sho.rt")?.short_url(&id), "https://sho.rt/abc1234");
        assert_eq!(PublicBase::parse("https://x.io/s")?.short_url(&id), "https://x.io/s/abc1234");
        Ok(())
    }

    #[test]
    fn bases_that_cannot_hold_short_links_are_rejected() {
        assert!(PublicBase::parse("sho.rt").is_err());
        assert!(PublicBase::parse("ftp://sho.rt/").is_err());
        assert!(PublicBase::parse("https://sho.rt/?q=1").is_err());
    }
}
