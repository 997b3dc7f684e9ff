//! Target URLs: the rules a link's destination must meet before it is stored or put in a `Location` header.

use std::fmt;

use url::Url;

use crate::PublicBase;

/// Longest accepted target URL, in bytes, before and after normalization.
pub const MAX_URL_BYTES: usize = 2048;

/// An absolute `http`/`https` URL with a host and no user-info, normalized by the `url` crate (IDN to
/// punycode), at most [`MAX_URL_BYTES`] long, without whitespace or control characters: safe for `Location`.
#[derive(Clone, PartialEq, Eq)]
pub struct TargetUrl(Url);

/// Why a target URL is refused. The messages are written for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Empty input.
    #[error("the URL is empty")]
    Empty,
    /// Over [`MAX_URL_BYTES`].
    #[error("the URL is longer than {MAX_URL_BYTES} bytes")]
    TooLong,
    /// Spaces, tabs, newlines or other control characters anywhere in the input.
    #[error("the URL contains whitespace or control characters")]
    Whitespace,
    /// Not an absolute URL.
    #[error("not an absolute URL: {0}")]
    Invalid(String),
    /// A scheme other than `http` or `https` (`javascript:`, `data:`, `file:`…).
    #[error("only http and https URLs can be shortened")]
    Scheme,
    /// No host.
    #[error("the URL has no host")]
    NoHost,
    /// User-info before the host, as in `https://bank.com@evil.example`.
    #[error("URLs with a user name or password are not accepted")]
    UserInfo,
    /// A link back to this service, which would redirect in a loop.
    #[error("links to this service itself are not accepted")]
    Loop,
}

impl TargetUrl {
    /// Applies every rule to a URL a client sent; `base` is this service's public URL (the loop rule).
    pub fn parse(raw: &str, base: &PublicBase) -> Result<Self, UrlError> {
        let url = Self::parse_stored(raw)?;
        if base.is_own_host(url.0.host_str().unwrap_or_default()) {
            return Err(UrlError::Loop);
        }
        Ok(url)
    }

    /// Applies every rule but the loop rule, which depends on configuration: for URLs read back from a store.
    pub fn parse_stored(raw: &str) -> Result<Self, UrlError> {
        if raw.is_empty() {
            return Err(UrlError::Empty);
        }
        if raw.len() > MAX_URL_BYTES {
            return Err(UrlError::TooLong);
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UrlError::Whitespace);
        }
        let url = Url::parse(raw).map_err(|e| UrlError::Invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UrlError::Scheme);
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(UrlError::NoHost);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::UserInfo);
        }
        if url.as_str().len() > MAX_URL_BYTES {
            return Err(UrlError::TooLong);
        }
        Ok(Self(url))
    }

    /// The normalized URL.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host, for logs that must not carry the full URL.
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }
}

impl fmt::Display for TargetUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shows only the scheme and host, so a URL's path and query never reach a log by accident.
impl fmt::Debug for TargetUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TargetUrl({}://{}/…)", self.0.scheme(), self.host())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> PublicBase {
        PublicBase::parse("https://sho.rt/").unwrap()
    }

    fn parse(raw: &str) -> Result<String, UrlError> {
        TargetUrl::parse(raw, &base()).map(|u| u.to_string())
    }

    #[test]
    fn http_and_https_urls_are_accepted_and_normalized() {
        assert_eq!(parse("https://example.com"), Ok("https://example.com/".to_owned()));
        assert_eq!(parse("HTTP://Example.COM/a?b=c#d"), Ok("http://example.com/a?b=c#d".to_owned()));
        assert_eq!(parse("https://bücher.example/x"), Ok("https://xn--bcher-kva.example/x".to_owned()));
        assert_eq!(parse("https://example.com:8443/"), Ok("https://example.com:8443/".to_owned()));
    }

    #[test]
    fn dangerous_schemes_are_refused() {
        for raw in ["javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd", "ftp://example.com/"] {
            assert_eq!(parse(raw), Err(UrlError::Scheme), "{raw}");
        }
    }

    #[test]
    fn relative_and_hostless_urls_are_refused() {
        assert!(matches!(parse("example.com/path"), Err(UrlError::Invalid(_))));
        assert!(matches!(parse("/relative"), Err(UrlError::Invalid(_))));
        assert!(matches!(parse("https://"), Err(UrlError::Invalid(_) | UrlError::NoHost)));
        assert_eq!(parse(""), Err(UrlError::Empty));
    }

    #[test]
    fn user_info_tricks_are_refused() {
        assert_eq!(parse("https://bank.com@evil.example/"), Err(UrlError::UserInfo));
        assert_eq!(parse("https://user:pw@example.com/"), Err(UrlError::UserInfo));
        assert_eq!(parse("https://:pw@example.com/"), Err(UrlError::UserInfo));
    }

    #[test]
    fn whitespace_and_control_characters_are_refused() {
        for raw in [
            " https://a.example/",
            "https://a.example/ x",
            "https://a.example/\r\nSet-Cookie:x",
            "https://a.example/\t",
            "https://a.example/\u{0}",
        ] {
            assert_eq!(parse(raw), Err(UrlError::Whitespace), "{raw:?}");
        }
    }

    #[test]
    fn urls_over_2048_bytes_are_refused() {
        let prefix = "https://example.com/";
        let exact = format!("{prefix}{}", "a".repeat(MAX_URL_BYTES - prefix.len()));
        assert!(parse(&exact).is_ok());
        assert_eq!(parse(&format!("{exact}a")), Err(UrlError::TooLong));
    }

    #[test]
    fn links_to_the_service_itself_are_refused() {
        assert_eq!(parse("https://sho.rt/abc1234"), Err(UrlError::Loop));
        assert_eq!(parse("http://SHO.RT./x"), Err(UrlError::Loop));
        assert_eq!(parse("https://sho.rt:444/x"), Err(UrlError::Loop));
        assert!(parse("https://notsho.rt/x").is_ok());
    }

    #[test]
    fn debug_output_hides_the_path_and_query() {
        let url = TargetUrl::parse("https://example.com/secret?token=1", &base()).map(|u| format!("{u:?}"));
        assert_eq!(url, Ok("TargetUrl(https://example.com/…)".to_owned()));
    }
}
