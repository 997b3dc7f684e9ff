//! `edge-resolver`: turns `GET|HEAD /{id}` into a redirect. Hot IDs are answered from an in-process `moka`
//! cache; a miss makes one store read however many requests wait for it; unknown IDs are cached too; and when
//! the store fails, recently resolved IDs keep resolving. The same [`Resolver::handle`] runs in the Lambda
//! (function URL events forwarded by CloudFront), in the local stack, and in the tests.

mod pages;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use moka::{Expiry, future::Cache};
use shortener_domain::{
    Link, ShortId,
    store::{LinkReader, StoreError},
};
use time::OffsetDateTime;

/// The response header that tells whether the answer came from the in-memory cache.
pub const CACHE_HEADER: &str = "x-shortener-cache";

/// Seconds a client should wait before retrying after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// Bytes a cache entry costs beyond its ID and URL: moka's bookkeeping, the `Link` and its `Arc`, and the
/// allocator's slack. Measured by `cargo bench -p edge-resolver --bench cache_memory` (about 1.4 KiB of RSS per
/// resident link, which sits in both caches), so that the budget bounds real memory, not a guess.
const ENTRY_OVERHEAD_BYTES: u32 = 640;

/// The resolver's configuration, from flags or environment variables.
#[derive(Debug, Clone, clap::Args)]
pub struct ResolverConfig {
    /// Status of a redirect: 301 (permanent, cached by browsers), 302, 307 or 308.
    #[arg(long = "redirect-status", env = "REDIRECT_STATUS", value_enum, default_value = "301")]
    pub redirect_status: RedirectStatus,
    /// Longest `max-age` of a redirect at the edge, in seconds (capped by the time left before the link expires).
    #[arg(long = "edge-ttl-seconds", env = "EDGE_TTL_SECONDS", default_value_t = Self::DEFAULT_EDGE_TTL_SECONDS)]
    pub edge_ttl_seconds: u64,
    /// How long an unknown ID is remembered, at the edge and in memory, in seconds.
    #[arg(long = "negative-ttl-seconds", env = "NEGATIVE_TTL_SECONDS", default_value_t = Self::DEFAULT_NEGATIVE_TTL_SECONDS)]
    pub negative_ttl_seconds: u64,
    /// How long a resolved link is served from memory before the store is asked again, in seconds.
    #[arg(long = "cache-ttl-seconds", env = "CACHE_TTL_SECONDS", default_value_t = Self::DEFAULT_CACHE_TTL_SECONDS)]
    pub cache_ttl_seconds: u64,
    /// How long a resolved link can still be served while the store is failing, in seconds (stale-if-error).
    #[arg(long = "stale-if-error-seconds", env = "STALE_IF_ERROR_SECONDS", default_value_t = Self::DEFAULT_STALE_IF_ERROR_SECONDS)]
    pub stale_if_error_seconds: u64,
    /// Memory bound of the in-process caches together, in bytes (IDs, URLs and bookkeeping); half goes to the
    /// fresh cache, half to the stale-if-error cache.
    #[arg(long = "cache-max-bytes", env = "CACHE_MAX_BYTES", default_value_t = Self::DEFAULT_CACHE_MAX_BYTES)]
    pub cache_max_bytes: u64,
}

impl ResolverConfig {
    const DEFAULT_EDGE_TTL_SECONDS: u64 = 86_400;
    const DEFAULT_NEGATIVE_TTL_SECONDS: u64 = 60;
    const DEFAULT_CACHE_TTL_SECONDS: u64 = 300;
    const DEFAULT_STALE_IF_ERROR_SECONDS: u64 = 86_400;
    const DEFAULT_CACHE_MAX_BYTES: u64 = 32 * 1024 * 1024;
}

/// The same defaults as the flags and environment variables.
impl Default for ResolverConfig {
    fn default() -> Self {
        Self {
            redirect_status: RedirectStatus::Permanent,
            edge_ttl_seconds: Self::DEFAULT_EDGE_TTL_SECONDS,
            negative_ttl_seconds: Self::DEFAULT_NEGATIVE_TTL_SECONDS,
            cache_ttl_seconds: Self::DEFAULT_CACHE_TTL_SECONDS,
            stale_if_error_seconds: Self::DEFAULT_STALE_IF_ERROR_SECONDS,
            cache_max_bytes: Self::DEFAULT_CACHE_MAX_BYTES,
        }
    }
}

/// The status of a redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RedirectStatus {
    /// 301 Moved Permanently: browsers cache it; the classic short link.
    #[value(name = "301")]
    Permanent,
    /// 302 Found.
    #[value(name = "302")]
    Found,
    /// 307 Temporary Redirect.
    #[value(name = "307")]
    Temporary,
    /// 308 Permanent Redirect.
    #[value(name = "308")]
    PermanentKeepMethod,
}

impl RedirectStatus {
    /// The HTTP status code.
    pub fn status_code(self) -> StatusCode {
        match self {
            Self::Permanent => StatusCode::MOVED_PERMANENTLY,
            Self::Found => StatusCode::FOUND,
            Self::Temporary => StatusCode::TEMPORARY_REDIRECT,
            Self::PermanentKeepMethod => StatusCode::PERMANENT_REDIRECT,
        }
    }
}

/// Where an answer came from, as sent in [`CACHE_HEADER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// A link found in memory.
    Hit,
    /// The store was read.
    Miss,
    /// An ID known to be unknown (from memory, or malformed and never looked up).
    Negative,
    /// The store failed; the last good answer was served.
    Stale,
}

impl CacheStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Negative => "negative",
            Self::Stale => "stale",
        }
    }
}

/// Entry counts and weights (estimated bytes) of the resolver's caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Found and unknown IDs answered without the store.
    pub fresh_entries: u64,
    /// Their weight in bytes, at most half of `CACHE_MAX_BYTES`.
    pub fresh_weight: u64,
    /// Links kept for stale-if-error.
    pub last_good_entries: u64,
    /// Their weight in bytes, at most half of `CACHE_MAX_BYTES`.
    pub last_good_weight: u64,
}

/// What the store said about an ID.
#[derive(Debug, Clone)]
enum Entry {
    Found(Arc<Link>),
    /// Unknown when the store was asked, at this instant (the edge may cache the 404 only for what is left).
    Unknown(Instant),
}

/// Gives found links the fresh TTL and unknown IDs the negative TTL.
struct EntryExpiry {
    found: Duration,
    unknown: Duration,
}

impl Expiry<ShortId, Entry> for EntryExpiry {
    fn expire_after_create(&self, _: &ShortId, entry: &Entry, _: Instant) -> Option<Duration> {
        Some(match entry {
            Entry::Found(_) => self.found,
            Entry::Unknown(_) => self.unknown,
        })
    }
}

fn weight(id: &ShortId, link: Option<&Link>) -> u32 {
    let bytes = id.as_str().len() + link.map_or(0, |l| l.url.as_str().len());
    u32::try_from(bytes).unwrap_or(u32::MAX).saturating_add(ENTRY_OVERHEAD_BYTES)
}

/// The resolver: configuration, a store that can read links, and the caches in front of it.
pub struct Resolver<S> {
    config: ResolverConfig,
    store: S,
    /// What the store said recently: found links for `cache_ttl`, unknown IDs for `negative_ttl`.
    fresh: Cache<ShortId, Entry>,
    /// The last link read for each ID, kept for `stale_if_error` and used only when the store fails.
    last_good: Cache<ShortId, Arc<Link>>,
}

impl<S> std::fmt::Debug for Resolver<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver").field("config", &self.config).finish_non_exhaustive()
    }
}

impl<S: LinkReader> Resolver<S> {
    /// A resolver over `store`, with its caches allocated.
    pub fn new(config: ResolverConfig, store: S) -> Self {
        // Each cache gets half the budget; a link held by both is counted twice, so the bound is conservative.
        let budget = config.cache_max_bytes / 2;
        let fresh = Cache::builder()
            .max_capacity(budget)
            .weigher(|id: &ShortId, entry: &Entry| match entry {
                Entry::Found(link) => weight(id, Some(link)),
                Entry::Unknown(_) => weight(id, None),
            })
            .expire_after(EntryExpiry {
                found: Duration::from_secs(config.cache_ttl_seconds),
                unknown: Duration::from_secs(config.negative_ttl_seconds),
            })
            .build();
        let last_good = Cache::builder()
            .max_capacity(budget)
            .weigher(|id: &ShortId, link: &Arc<Link>| weight(id, Some(link)))
            .time_to_live(Duration::from_secs(config.stale_if_error_seconds))
            .build();
        Self { config, store, fresh, last_good }
    }

    /// Answers one request; only its method and path matter.
    pub async fn handle<B>(&self, request: &Request<B>) -> Response<String> {
        self.resolve(request.method(), request.uri().path()).await
    }

    /// Answers `method` on `path` (`/{id}`).
    pub async fn resolve(&self, method: &Method, path: &str) -> Response<String> {
        if method != Method::GET && method != Method::HEAD {
            let mut response = self.page(StatusCode::METHOD_NOT_ALLOWED, "no-store", None);
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let mut response = self.answer(path).await;
        if method == Method::HEAD {
            response.body_mut().clear();
        }
        response
    }

    async fn answer(&self, path: &str) -> Response<String> {
        let Ok(id) = ShortId::parse(path.strip_prefix('/').unwrap_or(path)) else {
            return self.not_found(CacheStatus::Negative, None);
        };
        if let Some(entry) = self.fresh.get(&id).await {
            return match entry {
                Entry::Found(link) => self.found(&link, CacheStatus::Hit),
                Entry::Unknown(asked) => self.not_found(CacheStatus::Negative, Some(asked)),
            };
        }
        let loaded = self
            .fresh
            .try_get_with_by_ref(&id, async {
                let entry = match self.store.get(&id).await? {
                    Some(link) => {
                        let link = Arc::new(link);
                        self.last_good.insert(id.clone(), Arc::clone(&link)).await;
                        Entry::Found(link)
                    }
                    None => Entry::Unknown(Instant::now()),
                };
                Ok::<_, StoreError>(entry)
            })
            .await;
        match loaded {
            Ok(Entry::Found(link)) => self.found(&link, CacheStatus::Miss),
            Ok(Entry::Unknown(asked)) => self.not_found(CacheStatus::Miss, Some(asked)),
            Err(error) => match self.last_good.get(&id).await {
                Some(link) => {
                    tracing::warn!(short_id = %id, error = %error, "store failed; serving the last good answer");
                    self.found(&link, CacheStatus::Stale)
                }
                None if matches!(*error, StoreError::Unavailable(_)) => {
                    tracing::warn!(short_id = %id, error = %error, cause = ?error, "store unavailable; nothing cached");
                    let mut response = self.page(StatusCode::SERVICE_UNAVAILABLE, "no-store", None);
                    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
                    response
                }
                None => {
                    tracing::error!(short_id = %id, error = %error, cause = ?error, "store rejected the read");
                    self.page(StatusCode::INTERNAL_SERVER_ERROR, "no-store", None)
                }
            },
        }
    }

    fn found(&self, link: &Link, cache: CacheStatus) -> Response<String> {
        let now = OffsetDateTime::now_utc();
        if link.is_expired_at(now) {
            return self.page(StatusCode::GONE, &self.public_max_age(self.config.edge_ttl_seconds), Some(cache));
        }
        let max_age =
            link.seconds_left(now).map_or(self.config.edge_ttl_seconds, |left| left.min(self.config.edge_ttl_seconds));
        let Ok(location) = HeaderValue::from_str(link.url.as_str()) else {
            tracing::error!(short_id = %link.id, "stored URL is not a valid header value");
            return self.page(StatusCode::INTERNAL_SERVER_ERROR, "no-store", None);
        };
        let mut response = Response::new(String::new());
        *response.status_mut() = self.config.redirect_status.status_code();
        let headers = response.headers_mut();
        headers.insert(header::LOCATION, location);
        headers.insert(header::CACHE_CONTROL, cache_control(&self.public_max_age(max_age)));
        headers.insert(CACHE_HEADER, HeaderValue::from_static(cache.as_str()));
        response
    }

    /// A 404 that the edge may cache for what is left of the negative TTL since the store was `asked`.
    fn not_found(&self, cache: CacheStatus, asked: Option<Instant>) -> Response<String> {
        let elapsed = asked.map_or(0, |asked| asked.elapsed().as_secs());
        let max_age = self.config.negative_ttl_seconds.saturating_sub(elapsed);
        self.page(StatusCode::NOT_FOUND, &self.public_max_age(max_age), Some(cache))
    }

    /// What the in-memory caches hold now (after running their pending maintenance).
    pub async fn cache_stats(&self) -> CacheStats {
        self.fresh.run_pending_tasks().await;
        self.last_good.run_pending_tasks().await;
        CacheStats {
            fresh_entries: self.fresh.entry_count(),
            fresh_weight: self.fresh.weighted_size(),
            last_good_entries: self.last_good.entry_count(),
            last_good_weight: self.last_good.weighted_size(),
        }
    }

    fn public_max_age(&self, seconds: u64) -> String {
        format!("public, max-age={seconds}")
    }

    fn page(&self, status: StatusCode, cache_control_value: &str, cache: Option<CacheStatus>) -> Response<String> {
        let (title, message) = match status {
            StatusCode::NOT_FOUND => ("Link not found", "There is no short link at this address. Check it for typos."),
            StatusCode::GONE => ("Link expired", "This short link has expired and no longer leads anywhere."),
            StatusCode::METHOD_NOT_ALLOWED => ("Method not allowed", "Short links answer only GET and HEAD."),
            StatusCode::SERVICE_UNAVAILABLE => {
                ("Temporarily unavailable", "This link cannot be looked up right now. Please try again in a moment.")
            }
            _ => ("Something went wrong", "This link cannot be followed right now."),
        };
        let mut response = Response::new(pages::page(title, message));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(header::CACHE_CONTROL, cache_control(cache_control_value));
        if let Some(cache) = cache {
            headers.insert(CACHE_HEADER, HeaderValue::from_static(cache.as_str()));
        }
        response
    }
}

fn cache_control(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("no-store"))
}
