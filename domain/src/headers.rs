//! Response header values both origins send and the logs and clients read: written once here so the resolver,
//! the API and the `answered` log line agree on them.

/// The response header that tells whether a resolver answer came from its in-memory cache (`hit`, `miss`,
/// `negative` or `stale`). A `HeaderName`, not text: a map looks a name given as text up only after checking and
/// lowercasing it, on every request.
pub const CACHE_HEADER: http::HeaderName = http::HeaderName::from_static("x-shortener-cache");

/// Seconds a client should wait before retrying when the store is unavailable: the `Retry-After` of every 503.
pub const RETRY_AFTER_SECONDS: u32 = 5;
