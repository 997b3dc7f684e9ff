//! `edge-resolver`: turns `GET|HEAD /{id}` into a redirect. Hot IDs are answered from in-process `moka` caches;
//! a miss makes one store read however many requests wait for it; unknown IDs are remembered apart, so scans
//! cannot evict links; and when the store fails, recently resolved IDs keep resolving. The same
//! [`Resolver::handle`] runs in the Lambda (function URL events forwarded by CloudFront), in the local stack, and
//! in the tests.

mod front;
mod pages;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use moka::future::Cache;
use pages::Page;
use shortener_domain::{
    Link, Resolution, ShortId,
    headers::{CACHE_HEADER, RETRY_AFTER_SECONDS},
    logging,
    store::{LinkReader, StoreError},
};

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
    /// Longest time the edge keeps an answer about a link (`s-maxage`), in seconds. Capped by the seconds left
    /// before the link expires and, for an answer from memory, by what is left of the memory copy's life.
    #[arg(long = "edge-ttl-seconds", env = "EDGE_TTL_SECONDS", default_value_t = Self::DEFAULT_EDGE_TTL_SECONDS)]
    pub edge_ttl_seconds: u64,
    /// Longest time a browser keeps an answer about a link (`max-age`), in seconds; a browser cannot be told of a
    /// change, so this is short. Capped like the edge's and never longer than it.
    #[arg(long = "browser-max-age-seconds", env = "BROWSER_MAX_AGE_SECONDS", default_value_t = Self::DEFAULT_BROWSER_MAX_AGE_SECONDS)]
    pub browser_max_age_seconds: u64,
    /// How long an unknown ID is remembered, at the edge and in memory, in seconds.
    #[arg(long = "negative-ttl-seconds", env = "NEGATIVE_TTL_SECONDS", default_value_t = Self::DEFAULT_NEGATIVE_TTL_SECONDS)]
    pub negative_ttl_seconds: u64,
    /// How long a link read from the store is served from memory before the store is asked again, in seconds,
    /// counted from when the read began.
    #[arg(long = "cache-ttl-seconds", env = "CACHE_TTL_SECONDS", default_value_t = Self::DEFAULT_CACHE_TTL_SECONDS)]
    pub cache_ttl_seconds: u64,
    /// How long a resolved link can still be served while the store is failing, in seconds: by the resolver from
    /// memory, and by the edge past `s-maxage` while the function fails (`stale-if-error`).
    #[arg(long = "stale-if-error-seconds", env = "STALE_IF_ERROR_SECONDS", default_value_t = Self::DEFAULT_STALE_IF_ERROR_SECONDS)]
    pub stale_if_error_seconds: u64,
    /// How long the edge may answer with a copy past its `s-maxage` while it fetches the answer again, in seconds
    /// (`stale-while-revalidate`). Never given to an answer from memory, whose copies end with the memory copy.
    #[arg(long = "stale-while-revalidate-seconds", env = "STALE_WHILE_REVALIDATE_SECONDS", default_value_t = Self::DEFAULT_STALE_WHILE_REVALIDATE_SECONDS)]
    pub stale_while_revalidate_seconds: u64,
    /// Memory bound of the in-process caches together, in bytes (IDs, URLs and bookkeeping), split 2:1:2 between
    /// found links, unknown IDs and the stale-if-error copies. Each thread that answers redirects may also hold, in
    /// its copies of hot links, links the found cache has dropped: at most a sixteenth of the found links' share.
    #[arg(long = "cache-max-bytes", env = "CACHE_MAX_BYTES", default_value_t = Self::DEFAULT_CACHE_MAX_BYTES)]
    pub cache_max_bytes: u64,
}

impl ResolverConfig {
    const DEFAULT_EDGE_TTL_SECONDS: u64 = 86_400;
    const DEFAULT_BROWSER_MAX_AGE_SECONDS: u64 = 300;
    const DEFAULT_NEGATIVE_TTL_SECONDS: u64 = 60;
    const DEFAULT_CACHE_TTL_SECONDS: u64 = 300;
    const DEFAULT_STALE_IF_ERROR_SECONDS: u64 = 86_400;
    const DEFAULT_STALE_WHILE_REVALIDATE_SECONDS: u64 = 60;
    const DEFAULT_CACHE_MAX_BYTES: u64 = 32 * 1024 * 1024;
}

/// The same defaults as the flags and environment variables.
impl Default for ResolverConfig {
    fn default() -> Self {
        Self {
            redirect_status: RedirectStatus::Permanent,
            edge_ttl_seconds: Self::DEFAULT_EDGE_TTL_SECONDS,
            browser_max_age_seconds: Self::DEFAULT_BROWSER_MAX_AGE_SECONDS,
            negative_ttl_seconds: Self::DEFAULT_NEGATIVE_TTL_SECONDS,
            cache_ttl_seconds: Self::DEFAULT_CACHE_TTL_SECONDS,
            stale_if_error_seconds: Self::DEFAULT_STALE_IF_ERROR_SECONDS,
            stale_while_revalidate_seconds: Self::DEFAULT_STALE_WHILE_REVALIDATE_SECONDS,
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

/// Set by [`Resolver::forget`] on the reads of its ID under way when it is called: what they bring back may be
/// older than the change, so it is never served from memory.
type Forgotten = Arc<AtomicBool>;

/// A link as the store gave it, with when the read began and whether it was forgotten while under way. Its memory
/// copy lives `CACHE_TTL_SECONDS` from `at`, and answers served from it are kept elsewhere no longer.
#[derive(Debug)]
struct Read {
    link: Link,
    at: Instant,
    forgotten: Forgotten,
}

/// When the store was asked about an ID it did not know, and whether that was forgotten while under way.
#[derive(Debug, Clone)]
struct Asked {
    at: Instant,
    forgotten: Forgotten,
}

/// Whether a memory of an ID may be served: [`Resolver::forget`] was not called while its read was under way.
fn current(forgotten: &Forgotten) -> bool {
    !forgotten.load(Ordering::Acquire)
}

/// The reads of one ID under way: the flag they share, and how many there are.
#[derive(Debug)]
struct Readers {
    forgotten: Forgotten,
    count: usize,
}

/// The reads under way, by ID: [`Resolver::forget`] flags those of its ID.
type Reading = Mutex<HashMap<ShortId, Readers>>;

/// One load's place in [`Reading`], from before its store read begins until after its result is in the caches.
struct Registered<'a> {
    reading: &'a Reading,
    id: &'a ShortId,
    forgotten: Forgotten,
}

impl<'a> Registered<'a> {
    fn new(reading: &'a Reading, id: &'a ShortId) -> Self {
        let mut under_way = reading.lock().unwrap_or_else(PoisonError::into_inner);
        let readers =
            under_way.entry(id.clone()).or_insert_with(|| Readers { forgotten: Forgotten::default(), count: 0 });
        readers.count += 1;
        let forgotten = Arc::clone(&readers.forgotten);
        Self { reading, id, forgotten }
    }
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        let mut under_way = self.reading.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(readers) = under_way.get_mut(self.id)
            && Arc::ptr_eq(&readers.forgotten, &self.forgotten)
        {
            readers.count -= 1;
            if readers.count == 0 {
                under_way.remove(self.id);
            }
        }
    }
}

/// Why a load did not produce a link. Returned as moka's error so that concurrent waiters share one store read
/// whatever its outcome, and so that nothing but links ever enters the `found` cache.
#[derive(Debug)]
enum Miss {
    /// The store has no such ID (the negative entry was recorded).
    Unknown(Asked),
    /// The store failed.
    Store(StoreError),
}

/// What a request for an ID asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// `/{id}`: the redirect.
    Redirect,
    /// `/{id}+`: a page showing where the link leads.
    Preview,
}

/// Whether other caches may serve an answer after it goes stale (`stale-while-revalidate`, `stale-if-error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stale {
    /// A redirect, a preview or a removed link's page: an old copy beats an error while the origin fails.
    Allowed,
    /// An expired link's page: final, nothing to fall back to.
    Refused,
}

/// Where the answer about a link came from, and so how long other caches may keep it.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// Read from the store for this request: other caches may keep it for the full TTLs.
    Store,
    /// Served from a memory copy with this many whole seconds (rounded down) left to live: no longer.
    Memory(u64),
}

fn weight(id: &ShortId, link: Option<&Link>) -> u32 {
    let bytes = id.as_str().len() + link.and_then(|l| l.url.as_ref()).map_or(0, |url| url.as_str().len());
    u32::try_from(bytes).unwrap_or(u32::MAX).saturating_add(ENTRY_OVERHEAD_BYTES)
}

/// Each thread's copies of hot links weigh at most this share of the `found` cache's budget.
const FRONT_SHARE: u64 = 16;

/// Loads of one ID before a load that [`Resolver::forget`] overtook is answered as it is.
const LOAD_ATTEMPTS: u32 = 3;

/// The resolver: configuration, a store that can read links, and the caches in front of it. Besides the redirect
/// it answers `/{id}+` with a preview of where the link leads, and a link that expired, was removed or was
/// disabled with a 410 page saying which. An answer served from memory tells the edge and browsers to keep it no
/// longer than its memory copy lives, which bounds how long a change takes to reach every viewer.
pub struct Resolver<S> {
    config: ResolverConfig,
    store: S,
    /// Links read recently, for `cache_ttl` (served only while that is not over since their read began).
    found: Cache<ShortId, Arc<Read>>,
    /// IDs the store did not know, for `negative_ttl`. Kept apart from `found` so a scan of random IDs can never
    /// evict a link.
    unknown: Cache<ShortId, Asked>,
    /// The last link read for each ID, kept for `stale_if_error` and used only when the store fails.
    last_good: Cache<ShortId, Arc<Read>>,
    /// The store reads under way, so that [`Resolver::forget`] can mark what they bring back as too old to serve.
    reading: Reading,
    /// Per-thread copies of hot `found` entries, so that a hit writes nothing shared.
    front: front::Front,
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
            .weigher(|id: &ShortId, read: &Arc<Read>| weight(id, Some(&read.link)))
            .time_to_live(Duration::from_secs(config.cache_ttl_seconds))
            .build();
        let unknown = Cache::builder()
            .max_capacity(fifth)
            .weigher(|id: &ShortId, _: &Asked| weight(id, None))
            .time_to_live(Duration::from_secs(config.negative_ttl_seconds))
            .build();
        let last_good = Cache::builder()
            .max_capacity(2 * fifth)
            .weigher(|id: &ShortId, read: &Arc<Read>| weight(id, Some(&read.link)))
            .time_to_live(Duration::from_secs(config.stale_if_error_seconds))
            .build();
        Self {
            config,
            store,
            found,
            unknown,
            last_good,
            reading: Reading::default(),
            front: front::Front::new(2 * fifth / FRONT_SHARE),
        }
    }

    /// Answers one request; only its method and path matter.
    pub async fn handle<B>(&self, request: &Request<B>) -> Response<String> {
        self.resolve(request.method(), request.uri().path()).await
    }

    /// Answers `method` on `path` (`/{id}` or `/{id}+`).
    pub async fn resolve(&self, method: &Method, path: &str) -> Response<String> {
        let mut response = if method == Method::GET || method == Method::HEAD {
            self.answer(path).await
        } else {
            let mut response = page(Page::MethodNotAllowed, NO_STORE, None);
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            response
        };
        response.headers_mut().insert(ROBOTS_HEADER, HeaderValue::from_static("noindex"));
        if method == Method::HEAD {
            response.body_mut().clear();
        }
        response
    }

    /// Drops what memory holds about `id`, found (every thread's copy included), unknown or kept for
    /// stale-if-error, and marks any read of it under way as older than the change, so that what it brings back is
    /// never served from memory; every other ID stays in memory (threads take their copies again from the found
    /// cache). For a process that also writes links (the local stack): call it once a change of `id`
    /// is acknowledged, and the next request reads the store.
    pub async fn forget(&self, id: &ShortId) {
        let under_way = self.reading.lock().unwrap_or_else(PoisonError::into_inner).remove(id);
        if let Some(readers) = under_way {
            readers.forgotten.store(true, Ordering::Release);
        }
        self.found.invalidate(id).await;
        self.unknown.invalidate(id).await;
        self.last_good.invalidate(id).await;
        self.front.forgot();
    }

    async fn answer(&self, path: &str) -> Response<String> {
        let path = path.strip_prefix('/').unwrap_or(path);
        let (raw, view) = path.strip_suffix('+').map_or((path, View::Redirect), |raw| (raw, View::Preview));
        if ShortId::check(raw).is_err() {
            return self.not_found(CacheStatus::Negative, None);
        }
        // A hit is looked up by the path's text: no ID is made for it.
        let generation = self.front.generation();
        if let Some(response) = self.front.with(generation, raw, |read, at| self.hit_since(read, at, view)) {
            return response;
        }
        if let Some(read) = self.found.get(raw).await {
            if let Some(response) = self.hit(&read, view) {
                self.front.keep(generation, &read, weight(&read.link.id, Some(&read.link)));
                return response;
            }
            self.found.invalidate(raw).await;
        }
        let Ok(id) = ShortId::parse(raw) else {
            return self.not_found(CacheStatus::Negative, None);
        };
        if let Some(asked) = self.unknown.get(&id).await
            && current(&asked.forgotten)
        {
            return self.not_found(CacheStatus::Negative, Some(asked.at));
        }
        // Boxed: the store read's state is large (an SDK call's), and a cache hit should not carry, or move, it.
        let miss = match Box::pin(self.load(&id)).await {
            Ok(read) => return self.link_answer(&read.link, view, CacheStatus::Miss, Source::Store),
            Err(miss) => miss,
        };
        let error = match &*miss {
            Miss::Unknown(_) => return self.not_found(CacheStatus::Miss, None),
            Miss::Store(error) => error,
        };
        match self.last_good.get(&id).await.filter(|read| current(&read.forgotten)) {
            Some(read) => {
                tracing::warn!(short_id = %id, %error, "store failed; serving the last good answer");
                self.link_answer(&read.link, view, CacheStatus::Stale, Source::Memory(0))
            }
            None if matches!(error, StoreError::Unavailable(_)) => {
                tracing::warn!(short_id = %id, %error, cause = ?error, "store unavailable; nothing cached");
                let mut response = page(Page::Unavailable, NO_STORE, None);
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
                response
            }
            None => {
                tracing::error!(short_id = %id, %error, cause = ?error, "store rejected the read");
                page(Page::Failed, NO_STORE, None)
            }
        }
    }

    /// The answer from a memory copy, while it may be served.
    fn hit(&self, read: &Read, view: View) -> Option<Response<String>> {
        if !current(&read.forgotten) {
            return None;
        }
        self.hit_since(read, read.at, view)
    }

    /// The answer from a memory copy whose read began `at` and was not forgotten, while its life is not over.
    fn hit_since(&self, read: &Read, at: Instant, view: View) -> Option<Response<String>> {
        // moka counts the life from the insertion, a little after the read began: that rest is not served.
        let left = Duration::from_secs(self.config.cache_ttl_seconds).saturating_sub(at.elapsed());
        (!left.is_zero()).then(|| self.link_answer(&read.link, view, CacheStatus::Hit, Source::Memory(left.as_secs())))
    }

    /// One store read of `id` shared by every request waiting for it, read again (up to [`LOAD_ATTEMPTS`] in all)
    /// while [`Resolver::forget`] of `id` was called during the read. The read stays registered until its result
    /// is in the caches, so a forget either marks it or comes after it and drops it.
    async fn load(&self, id: &ShortId) -> Result<Arc<Read>, Arc<Miss>> {
        let mut attempts = 1;
        loop {
            let registered = Registered::new(&self.reading, id);
            let loaded = self.found.try_get_with_by_ref(id, self.read(id, &registered.forgotten)).await;
            drop(registered);
            let forgotten = match &loaded {
                Ok(read) => !current(&read.forgotten),
                Err(miss) => matches!(&**miss, Miss::Unknown(asked) if !current(&asked.forgotten)),
            };
            if !forgotten || attempts == LOAD_ATTEMPTS {
                return loaded;
            }
            attempts += 1;
            self.found.invalidate(id).await;
        }
    }

    async fn read(&self, id: &ShortId, forgotten: &Forgotten) -> Result<Arc<Read>, Miss> {
        let at = Instant::now();
        let forgotten = Arc::clone(forgotten);
        match self.store.get(id).await {
            Ok(Some(link)) => {
                let read = Arc::new(Read { link, at, forgotten });
                self.last_good.insert(id.clone(), Arc::clone(&read)).await;
                Ok(read)
            }
            Ok(None) => {
                let asked = Asked { at, forgotten };
                self.unknown.insert(id.clone(), asked.clone()).await;
                Err(Miss::Unknown(asked))
            }
            Err(error) => Err(Miss::Store(error)),
        }
    }

    /// The answer about `link` for `view`: the redirect or the preview while it is active, else its 410 page.
    fn link_answer(&self, link: &Link, view: View, cache: CacheStatus, source: Source) -> Response<String> {
        let (resolution, seconds_left) = link.resolve_now();
        let gone = match resolution {
            Resolution::Redirect(url) => {
                let cache_control = self.cache_control(source, seconds_left, Stale::Allowed);
                return match view {
                    View::Redirect => self.redirect(link, url, cache_control, cache),
                    View::Preview => {
                        let mut response = html(StatusCode::OK, pages::preview(link, url), cache_control);
                        response.headers_mut().insert(CACHE_HEADER, HeaderValue::from_static(cache.as_str()));
                        response
                    }
                };
            }
            Resolution::Expired => Page::Expired,
            Resolution::Deleted => Page::Deleted,
            Resolution::Disabled(reason) => Page::Disabled(reason),
        };
        // An expired link is expired for good: no cache needs an old copy of that answer.
        let stale = if gone == Page::Expired { Stale::Refused } else { Stale::Allowed };
        page(gone, self.cache_control(source, None, stale), Some(cache))
    }

    fn redirect(
        &self,
        link: &Link,
        url: &shortener_domain::TargetUrl,
        cache_control: HeaderValue,
        cache: CacheStatus,
    ) -> Response<String> {
        // Built per answer rather than cached: a second copy of every URL would cost a fifth of the cache's links
        // (see the cache_memory benchmark) to save about 50 ns.
        let Ok(location) = HeaderValue::from_str(url.as_str()) else {
            tracing::error!(short_id = %link.id, "stored URL is not a valid header value");
            return page(Page::Failed, NO_STORE, None);
        };
        let mut response = Response::new(String::new());
        *response.status_mut() = self.config.redirect_status.status_code();
        let headers = response.headers_mut();
        headers.insert(header::LOCATION, location);
        headers.insert(header::CACHE_CONTROL, cache_control);
        headers.insert(CACHE_HEADER, HeaderValue::from_static(cache.as_str()));
        response
    }

    /// `Cache-Control` of an answer about a link: the edge keeps it `EDGE_TTL_SECONDS` (`s-maxage`), browsers
    /// `BROWSER_MAX_AGE_SECONDS` (`max-age`), both capped by `expires_in` (seconds until the answer changes on its
    /// own) and, for an answer from memory, by what is left of the memory copy, so that no copy outlives its source.
    /// Where `stale` allows it, the edge may then serve the copy `STALE_WHILE_REVALIDATE_SECONDS` longer while it
    /// fetches it again (never past the memory copy's end) and `STALE_IF_ERROR_SECONDS` longer while the function
    /// fails, neither past `expires_in`.
    fn cache_control(&self, source: Source, expires_in: Option<u64>, stale: Stale) -> HeaderValue {
        let mut edge = self.config.edge_ttl_seconds.min(expires_in.unwrap_or(u64::MAX));
        let mut source_left = u64::MAX;
        if let Source::Memory(left) = source {
            edge = edge.min(left);
            source_left = left.saturating_sub(edge);
        }
        let browser = self.config.browser_max_age_seconds.min(edge);
        let mut value = Directives::new();
        value.push("public, max-age=", browser);
        value.push(", s-maxage=", edge);
        if stale == Stale::Allowed {
            let until_expiry = expires_in.map_or(u64::MAX, |left| left.saturating_sub(edge));
            let revalidate = self.config.stale_while_revalidate_seconds.min(until_expiry).min(source_left);
            let if_error = self.config.stale_if_error_seconds.min(until_expiry);
            if revalidate > 0 {
                value.push(", stale-while-revalidate=", revalidate);
            }
            if if_error > 0 {
                value.push(", stale-if-error=", if_error);
            }
        }
        value.header()
    }

    /// A 404 that the edge may cache for the negative TTL, or for what is left of it since the store was `asked`.
    fn not_found(&self, cache: CacheStatus, asked: Option<Instant>) -> Response<String> {
        let ttl = Duration::from_secs(self.config.negative_ttl_seconds);
        let left = asked.map_or(ttl, |asked| ttl.saturating_sub(asked.elapsed())).as_secs();
        let mut cache_control = Directives::new();
        cache_control.push("public, max-age=", left);
        page(Page::NotFound, cache_control.header(), Some(cache))
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

/// A `Cache-Control` value of `directive=seconds` parts, written on the stack without the formatting machinery and
/// copied once into the header: one is built for every answer. The longest value the resolver writes (four
/// directives, four 20-digit numbers) is 149 bytes.
struct Directives {
    bytes: [u8; 160],
    /// Bytes written; `usize::MAX` once a part did not fit, which [`Directives::header`] refuses.
    len: usize,
}

impl Directives {
    fn new() -> Self {
        Self { bytes: [0; 160], len: 0 }
    }

    /// Appends `directive` (with its separator and `=`) and `seconds`.
    fn push(&mut self, directive: &str, seconds: u64) {
        let mut digits = [0; 20];
        for part in [directive, logging::decimal(seconds, &mut digits)] {
            let end = self.len.saturating_add(part.len());
            match self.bytes.get_mut(self.len..end) {
                Some(room) => {
                    room.copy_from_slice(part.as_bytes());
                    self.len = end;
                }
                None => self.len = usize::MAX,
            }
        }
    }

    /// The header value; `no-store` if a part did not fit.
    fn header(&self) -> HeaderValue {
        self.bytes.get(..self.len).and_then(|bytes| HeaderValue::from_bytes(bytes).ok()).unwrap_or(NO_STORE)
    }
}

/// Every answer of the resolver carries `X-Robots-Tag: noindex`: short links and their pages are not content.
pub const ROBOTS_HEADER: HeaderName = HeaderName::from_static("x-robots-tag");

/// `Cache-Control: no-store`, for answers no cache may keep.
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// What a resolver page may load: nothing but its own inline style; never framed.
const PAGE_CONTENT_SECURITY_POLICY: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
);

/// An HTML answer with its `Cache-Control` and the headers every page carries.
fn html(status: StatusCode, body: String, cache_control: HeaderValue) -> Response<String> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, PAGE_CONTENT_SECURITY_POLICY);
    headers.insert(header::CACHE_CONTROL, cache_control);
    response
}

/// A fixed page, its `Cache-Control`, and the cache header where a lookup was made.
fn page(page: Page, cache_control: HeaderValue, cache: Option<CacheStatus>) -> Response<String> {
    let mut response = html(page.status(), page.html().to_owned(), cache_control);
    if let Some(cache) = cache {
        response.headers_mut().insert(CACHE_HEADER, HeaderValue::from_static(cache.as_str()));
    }
    response
}
