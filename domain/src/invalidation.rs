//! The edge-invalidation port: how a change to a link is told to the CDN in front of the resolver, so that the
//! edge stops serving the old answer. CloudFront implements it in the cloud, Varnish in the local edge cache.

use std::{fmt, future::Future, sync::Arc};

use crate::ShortId;

/// DynamoDB Stream event names of a change after which the edge may hold a wrong answer: an item changed
/// (`MODIFY`) or deleted (`REMOVE`, by a writer or by TTL). `INSERT`, a create, is not one: nothing can have kept an
/// answer of a link before it existed (a remembered 404 lives only as long as the negative TTL).
pub const STREAM_CHANGE_EVENTS: [&str; 2] = ["MODIFY", "REMOVE"];

/// Longest path an invalidation accepts (CloudFront's limit on one invalidation path).
pub const MAX_EDGE_PATH_BYTES: usize = 4000;

/// A path to invalidate at the edge: `/`, then printable ASCII without spaces, quotes or backslashes; one `*`
/// allowed, as the last character, meaning "every path that starts with what comes before".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EdgePath(String);

/// Why a string is not an [`EdgePath`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdgePathError {
    /// The path does not start with `/`.
    #[error("an edge path starts with /")]
    NotAbsolute,
    /// The path is longer than [`MAX_EDGE_PATH_BYTES`].
    #[error("an edge path has at most {MAX_EDGE_PATH_BYTES} bytes")]
    TooLong,
    /// The path holds a character the edge cannot take literally (space, control, quote, backslash, non-ASCII).
    #[error("an edge path is printable ASCII without spaces, quotes or backslashes")]
    BadCharacter,
    /// A `*` stands somewhere other than at the end.
    #[error("an edge path may hold one *, as its last character")]
    MisplacedWildcard,
}

impl EdgePath {
    /// Checks `path` against the rules above.
    pub fn parse(path: &str) -> Result<Self, EdgePathError> {
        if !path.starts_with('/') {
            return Err(EdgePathError::NotAbsolute);
        }
        if path.len() > MAX_EDGE_PATH_BYTES {
            return Err(EdgePathError::TooLong);
        }
        if !path.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\') {
            return Err(EdgePathError::BadCharacter);
        }
        if path[..path.len() - 1].contains('*') {
            return Err(EdgePathError::MisplacedWildcard);
        }
        Ok(Self(path.to_owned()))
    }

    /// The path of a link's redirect, `/{id}`.
    pub fn of_link(id: &ShortId) -> Self {
        Self(format!("/{id}"))
    }

    /// Every path the edge may keep an answer of a link under: its redirect `/{id}` and its preview `/{id}+`.
    pub fn all_of_link(id: &ShortId) -> [Self; 2] {
        [Self::of_link(id), Self(format!("/{id}+"))]
    }

    /// The path as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What comes before the trailing `*` if the path is a wildcard; `None` for an exact path.
    pub fn prefix(&self) -> Option<&str> {
        self.0.strip_suffix('*')
    }
}

impl fmt::Display for EdgePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an invalidation did not happen; nothing is known to be invalidated when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum InvalidationError {
    /// The edge could not be reached, or asked to slow down: worth retrying later.
    #[error("edge unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The edge refused the request for a reason retrying will not fix (permissions, a malformed request).
    #[error("edge rejected the invalidation: {0}")]
    Rejected(String),
}

impl InvalidationError {
    /// Wraps any error as [`InvalidationError::Unavailable`].
    pub fn unavailable(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unavailable(error.into())
    }
}

/// Tells the edge to forget what it keeps for some paths, so that the next request for each reaches the origin.
pub trait EdgeInvalidator: Send + Sync {
    /// Invalidates every cached answer for `paths` (whatever query string it was asked with). Returns once the
    /// edge has accepted the request; an empty slice is a no-op.
    fn invalidate(&self, paths: &[EdgePath]) -> impl Future<Output = Result<(), InvalidationError>> + Send;

    /// Invalidates `paths` as the request named `request`, for a caller that may send the same request again (a
    /// retried batch): an edge that remembers request names (CloudFront's `CallerReference`) acts on a name once.
    /// By default the name is not used, for an edge where invalidating twice is harmless.
    fn invalidate_once(
        &self,
        request: &str,
        paths: &[EdgePath],
    ) -> impl Future<Output = Result<(), InvalidationError>> + Send {
        let _ = request;
        self.invalidate(paths)
    }
}

impl<T: EdgeInvalidator> EdgeInvalidator for Arc<T> {
    fn invalidate(&self, paths: &[EdgePath]) -> impl Future<Output = Result<(), InvalidationError>> + Send {
        T::invalidate(self, paths)
    }

    fn invalidate_once(
        &self,
        request: &str,
        paths: &[EdgePath],
    ) -> impl Future<Output = Result<(), InvalidationError>> + Send {
        T::invalidate_once(self, request, paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_the_edge_takes_literally_are_accepted() {
        for path in ["/", "/abc1234", "/abc1234+", "/abc*", "/*", "/assets/app.js", "/a?b=c"] {
            assert_eq!(EdgePath::parse(path).map(|p| p.to_string()), Ok(path.to_owned()));
        }
    }

    #[test]
    fn paths_the_edge_cannot_take_are_refused_with_the_reason() {
        assert_eq!(EdgePath::parse("abc"), Err(EdgePathError::NotAbsolute));
        assert_eq!(EdgePath::parse(""), Err(EdgePathError::NotAbsolute));
        assert_eq!(EdgePath::parse(&format!("/{}", "a".repeat(MAX_EDGE_PATH_BYTES))), Err(EdgePathError::TooLong));
        for path in ["/a b", "/a\"b", "/a\\b", "/a\nb", "/é"] {
            assert_eq!(EdgePath::parse(path), Err(EdgePathError::BadCharacter), "{path:?}");
        }
        for path in ["/a*b", "/a**", "/*a"] {
            assert_eq!(EdgePath::parse(path), Err(EdgePathError::MisplacedWildcard), "{path:?}");
        }
    }

    #[test]
    fn a_wildcard_path_names_its_prefix() {
        assert_eq!(EdgePath::parse("/abc*").unwrap().prefix(), Some("/abc"));
        assert_eq!(EdgePath::parse("/abc").unwrap().prefix(), None);
    }

    #[test]
    fn a_link_is_invalidated_at_its_redirect_path() {
        let id = ShortId::parse("abc1234").unwrap();
        assert_eq!(EdgePath::of_link(&id).as_str(), "/abc1234");
        assert_eq!(EdgePath::all_of_link(&id).map(|p| p.to_string()), ["/abc1234", "/abc1234+"]);
    }
}
