//! The one logging setup of every binary: `RUST_LOG` filtering (default `info`), JSON lines for CloudWatch in
//! Lambda, readable text locally; and the one line logged per answered request, by the one wrapper every entry
//! point (both Lambdas, the local stack) puts around its handler.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use tracing_subscriber::EnvFilter;

use crate::{
    ShortId,
    headers::CACHE_HEADER,
    paths::{self, Origin},
};

/// Longest path written to a log line; longer ones (scanners, junk) are cut, so a log line stays small.
const MAX_LOGGED_PATH: usize = 128;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line, without a timestamp (CloudWatch adds its own). Inside a Lambda invocation the line
    /// carries the runtime's span, so `span.requestId` is the invocation's request ID.
    Json,
    /// Human-readable lines with timestamps, for a terminal.
    Text,
}

/// Installs the global subscriber; call once, first thing in `main`.
pub fn init(format: Format) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        Format::Json => builder.json().with_current_span(true).with_span_list(false).without_time().init(),
        Format::Text => builder.init(),
    }
}

/// Awaits `handler`, the answer to `method` on `path`, and logs the request's one `answered` line: method, path
/// (cut to 128 bytes), the short ID it names if any, status, the resolver's [`CACHE_HEADER`] if any, and the
/// handler's time. Bodies are never logged, so neither is a target URL.
pub async fn answered<B>(
    method: &http::Method,
    path: &str,
    handler: impl Future<Output = http::Response<B>>,
) -> http::Response<B> {
    let started = Instant::now();
    let response = handler.await;
    let cache = response.headers().get(CACHE_HEADER).and_then(|value| value.to_str().ok());
    log_answered(method.as_str(), path, response.status().as_u16(), cache, started.elapsed());
    response
}

fn log_answered(method: &str, path: &str, status: u16, cache: Option<&str>, elapsed: Duration) {
    // The short ID is parsed again only for the log: skip that on the hot path when the line would be dropped.
    if !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let short_id = short_id_in(path);
    let path = cut(path, MAX_LOGGED_PATH);
    let elapsed_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        method,
        path,
        short_id = short_id.as_ref().map(ShortId::as_str),
        status,
        cache,
        elapsed_us,
        "answered"
    );
}

/// The short ID a path names: `/{id}` for the resolver, `/api/links/{id}` for the API.
fn short_id_in(path: &str) -> Option<ShortId> {
    let candidate = match path.strip_prefix("/api/links/") {
        Some(id) => id,
        None if paths::origin(path) == Origin::Resolver => path.strip_prefix('/')?,
        None => return None,
    };
    ShortId::parse(candidate).ok()
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// For a binary's `main` at init: the value, or the error logged as `init failed` and the process ended with
/// status 1, which Lambda reports as an init error instead of starting a function that could never answer.
pub fn or_exit<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|error| {
        tracing::error!(%error, "init failed");
        std::process::exit(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_short_id_a_path_names() {
        assert_eq!(short_id_in("/abc1234").as_ref().map(ShortId::as_str), Some("abc1234"));
        assert_eq!(short_id_in("/api/links/my-alias").as_ref().map(ShortId::as_str), Some("my-alias"));
        assert_eq!(short_id_in("/shorten"), None);
        assert_eq!(short_id_in("/assets/app.js"), None);
        assert_eq!(short_id_in("/not%20an%20id"), None);
    }

    #[test]
    fn cuts_on_a_character_boundary() {
        assert_eq!(cut("abc", 10), "abc");
        assert_eq!(cut("abcdef", 3), "abc");
        assert_eq!(cut("aé", 2), "a");
    }
}
