//! The public base URL: where short links live. It builds every `shortUrl` and tells the loop rule which host
//! is ours.

use std::str::FromStr;

use url::Url;

use crate::ShortId;

/// The public base URL of the service (`https://sho.rt/`), with a path ending in `/` and no query or fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBase(Url);

impl PublicBase {
    /// Parses an absolute `http`/`https` URL with a host; a missing trailing `/` is added.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut url = Url::parse(raw).map_err(|e| format!("public base URL {raw:?}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!("public base URL {raw:?} must be an http(s) URL with a host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("public base URL {raw:?} must not have a query or fragment"));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self(url))
    }

    /// The short URL of `id`.
    pub fn short_url(&self, id: &ShortId) -> String {
        format!("{}{}", self.0, id.as_str())
    }

    /// The host (lower-case, punycode) that links must never point back to.
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    /// The base URL itself.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl FromStr for PublicBase {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_urls_join_the_base_and_the_id() -> Result<(), String> {
        let id = ShortId::parse("abc1234").map_err(|e| e.to_string())?;
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
