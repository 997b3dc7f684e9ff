//! `edge-resolver`: turns `GET|HEAD /{id}` into a redirect. Hot IDs are answered from in-process `moka` caches;
//! a miss makes one store read however many requests wait for it; unknown IDs are remembered apart, so scans
//! cannot evict links; and when the store fails, recently resolved IDs keep resolving. The same
//! [`Resolver::handle`] runs in the Lambda (function URL events forwarded by CloudFront), in the local stack, and
//! in the tests.

mod pages;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use moka::future::Cache;
use shortener_domain::{
    Link, Resolution, ShortId,
    headers::{CACHE_HEADER, RETRY_AFTER_SECONDS},
    store::{LinkReader, StoreError},
};
use time::OffsetDateTime;

/// Bytes a cache entry costs beyond its ID and URL: moka's bookkeeping, the `Link` and its `Arc`, and the
/// allocator's slack. Measured by `cargo bench -p edge-resolver --bench cache_memory` (about 1.4 KiB of RSS per
/// resident link, which sits in two caches), so that the budget bounds real memory, not a guess.
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
    /// Memory bound of the in-process caches together, in bytes (IDs, URLs and bookkeeping), split 2:1:2 between
    /// found links, unknown IDs and the stale-if-error copies.
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
    /// Links answered without the store.
    pub found_entries: u64,
    /// Their weight in bytes, at most 2/5 of `CACHE_MAX_BYTES`.
    pub found_weight: u64,
    /// Unknown IDs answered without the store.
    pub unknown_entries: u64,
    /// Their weight in bytes, at most 1/5 of `CACHE_MAX_BYTES`.
    pub unknown_weight: u64,
    /// Links kept for stale-if-error.
    pub last_good_entries: u64,
    /// Their weight in bytes, at most 2/5 of `CACHE_MAX_BYTES`.
    pub last_good_weight: u64,
}

/// Why a load did not produce a link. Returned as moka's error so that concurrent waiters share one store read
/// whatever its outcome, and so that nothing but links ever enters the `found` cache.
#[derive(Debug)]
enum Miss {
    /// The store has no such ID (asked at this instant; the negative entry was recorded).
    Unknown(Instant),
    /// The store failed.
    Store(StoreError),
}

fn weight(id: &ShortId, link: Option<&Link>) -> u32 {
    let bytes = id.as_str().len() + link.and_then(|l| l.url.as_ref()).map_or(0, |url| url.as_str().len());
    u32::try_from(bytes).unwrap_or(u32::MAX).saturating_add(ENTRY_OVERHEAD_BYTES)
}

/// The resolver: configuration, a store that can read links, and the caches in front of it.
pub struct Resolver<S> {
    config: ResolverConfig,
    store: S,
    /// Links read recently, for `cache_ttl`.
    found: Cache<ShortId, Arc<Link>>,
    /// IDs the store did not know, for `negative_ttl`, with the instant it was asked. Kept apart from `found` so a
    /// scan of random IDs can never evict a link.
    unknown: Cache<ShortId, Instant>,
    /// The last link read for each ID, kept for `stale_if_error` and used only when the store fails.
    last_good: Cache<ShortId, Arc<Link>>,
}

impl<S> std::fmt::Debug for Resolver<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver").field("config", &self.config).finish_non_exhaustive()
    }
}

impl<S: LinkReader> Resolver<S> {
    /// A resolver over `store`, with its caches allocated. `CACHE_MAX_BYTES` is split 2:1:2 between found links,
    /// unknown IDs and the stale-if-error copies; a link held by two caches is counted in both, so the bound is
    /// conservative.
    pub fn new(config: ResolverConfig, store: S) -> Self {
        let fifth = config.cache_max_bytes / 5;
        let found = Cache::builder()
            .max_capacity(2 * fifth)
            .weigher(|id: &ShortId, link: &Arc<Link>| weight(id, Some(link)))
            .time_to_live(Duration::from_secs(config.cache_ttl_seconds))
            .build();
        let unknown = Cache::builder()
            .max_capacity(fifth)
            .weigher(|id: &ShortId, _: &Instant| weight(id, None))
            .time_to_live(Duration::from_secs(config.negative_ttl_seconds))
            .build();
        let last_good = Cache::builder()
            .max_capacity(2 * fifth)
            .weigher(|id: &ShortId, link: &Arc<Link>| weight(id, Some(link)))
            .time_to_live(Duration::from_secs(config.stale_if_error_seconds))
            .build();
        Self { config, store, found, unknown, last_good }
    }

    /// Answers one request; only its method and path matter.
    pub async fn handle<B>(&self, request: &Request<B>) -> Response<String> {
        self.resolve(request.method(), request.uri().path()).await
    }

    /// Answers `method` on `path` (`/{id}`).
    pub async fn resolve(&self, method: &Method, path: &str) -> Response<String> {
        if method != Method::GET && method != Method::HEAD {
            let mut response = page(StatusCode::METHOD_NOT_ALLOWED, NO_STORE, None);
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
        if let Some(link) = self.found.get(&id).await {
            return self.found(&link, CacheStatus::Hit);
        }
        if let Some(asked) = self.unknown.get(&id).await {
            return self.not_found(CacheStatus::Negative, Some(asked));
        }
        let loaded = self
            .found
            .try_get_with_by_ref(&id, async {
                match self.store.get(&id).await {
                    Ok(Some(link)) => {
                        let link = Arc::new(link);
                        self.last_good.insert(id.clone(), Arc::clone(&link)).await;
                        Ok(link)
                    }
                    Ok(None) => {
                        let asked = Instant::now();
                        self.unknown.insert(id.clone(), asked).await;
                        Err(Miss::Unknown(asked))
                    }
                    Err(error) => Err(Miss::Store(error)),
                }
            })
            .await;
        let miss = match loaded {
            Ok(link) => return self.found(&link, CacheStatus::Miss),
            Err(miss) => miss,
        };
        let error = match &*miss {
            Miss::Unknown(asked) => return self.not_found(CacheStatus::Miss, Some(*asked)),
            Miss::Store(error) => error,
        };
        match self.last_good.get(&id).await {
            Some(link) => {
                tracing::warn!(short_id = %id, %error, "store failed; serving the last good answer");
                self.found(&link, CacheStatus::Stale)
            }
            None if matches!(error, StoreError::Unavailable(_)) => {
                tracing::warn!(short_id = %id, %error, cause = ?error, "store unavailable; nothing cached");
                let mut response = page(StatusCode::SERVICE_UNAVAILABLE, NO_STORE, None);
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
                response
            }
            None => {
                tracing::error!(short_id = %id, %error, cause = ?error, "store rejected the read");
                page(StatusCode::INTERNAL_SERVER_ERROR, NO_STORE, None)
            }
        }
    }

    fn found(&self, link: &Link, cache: CacheStatus) -> Response<String> {
        let now = OffsetDateTime::now_utc();
        let Resolution::Redirect(url) = link.resolve(now) else {
            return page(StatusCode::GONE, public_max_age(self.config.edge_ttl_seconds), Some(cache));
        };
        let max_age =
            link.seconds_left(now).map_or(self.config.edge_ttl_seconds, |left| left.min(self.config.edge_ttl_seconds));
        // Built per answer rather than cached: a second copy of every URL would cost a fifth of the cache's links
        // (see the cache_memory benchmark) to save about 50 ns.
        let Ok(location) = HeaderValue::from_str(url.as_str()) else {
            tracing::error!(short_id = %link.id, "stored URL is not a valid header value");
            return page(StatusCode::INTERNAL_SERVER_ERROR, NO_STORE, None);
        };
        let mut response = Response::new(String::new());
        *response.status_mut() = self.config.redirect_status.status_code();
        let headers = response.headers_mut();
        headers.insert(header::LOCATION, location);
        headers.insert(header::CACHE_CONTROL, public_max_age(max_age));
        headers.insert(CACHE_HEADER, HeaderValue::from_static(cache.as_str()));
        response
    }

    /// A 404 that the edge may cache for what is left of the negative TTL since the store was `asked`.
    fn not_found(&self, cache: CacheStatus, asked: Option<Instant>) -> Response<String> {
        let elapsed = asked.map_or(0, |asked| asked.elapsed().as_secs());
        let max_age = self.config.negative_ttl_seconds.saturating_sub(elapsed);
        page(StatusCode::NOT_FOUND, public_max_age(max_age), Some(cache))
    }

    /// What the in-memory caches hold now (after running their pending maintenance).
    pub async fn cache_stats(&self) -> CacheStats {
        self.found.run_pending_tasks().await;
        self.unknown.run_pending_tasks().await;
        self.last_good.run_pending_tasks().await;
        CacheStats {
            found_entries: self.found.entry_count(),
            found_weight: self.found.weighted_size(),
            unknown_entries: self.unknown.entry_count(),
            unknown_weight: self.unknown.weighted_size(),
            last_good_entries: self.last_good.entry_count(),
            last_good_weight: self.last_good.weighted_size(),
        }
    }
}

/// `Cache-Control: public, max-age=<seconds>`.
fn public_max_age(seconds: u64) -> HeaderValue {
    HeaderValue::try_from(format!("public, max-age={seconds}")).unwrap_or(NO_STORE)
}

/// `Cache-Control: no-store`, for answers no cache may keep.
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// A page answer: the fixed HTML for `status`, its `Cache-Control`, and the cache header where a lookup was made.
fn page(status: StatusCode, cache_control: HeaderValue, cache: Option<CacheStatus>) -> Response<String> {
    let mut response = Response::new(pages::for_status(status).to_owned());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, cache_control);
    if let Some(cache) = cache {
        headers.insert(CACHE_HEADER, HeaderValue::from_static(cache.as_str()));
    }
    response
}
