//! Test support shared by every crate's tests: real stores (DynamoDB Local, a redb file in a temporary folder)
//! and wrappers around them that count reads or make calls fail on demand.
//!
//! DynamoDB Local is started by `scripts/test`, which passes its URL in [`DYNAMODB_ENDPOINT_VAR`].

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support: a failure here is the failure of the test that called it"
)]

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use time::{Date, OffsetDateTime};

use crate::{
    BlockedHost, HostBlock, Link, ManageToken, ShortId,
    clicks::{ClickStats, LogFileKey, TallyChunk},
    store::{
        ChunkOutcome, ClickCounts, HostBlocklist, LinkReader, LinkUpdater, LinkWriter, LinksByHost, PutError,
        QuotaCounter, QuotaOutcome, StoreError, UpdateError,
        dynamodb::{DynamoSettings, DynamoStore},
        embedded::EmbeddedStore,
    },
};

/// The environment variable holding DynamoDB Local's URL during tests.
pub const DYNAMODB_ENDPOINT_VAR: &str = "SHORTENER_TEST_DYNAMODB_ENDPOINT";

/// DynamoDB Local's URL; panics with instructions when the tests were not started by `scripts/test`.
pub fn dynamodb_endpoint() -> String {
    std::env::var(DYNAMODB_ENDPOINT_VAR).unwrap_or_else(|_| {
        panic!("{DYNAMODB_ENDPOINT_VAR} is not set: run the tests with scripts/test, which starts DynamoDB Local")
    })
}

/// Settings for a fresh, uniquely named table on DynamoDB Local, with timeouts generous enough for a busy CI
/// machine and a cold JVM (these tests are about behaviour, not about timeouts).
pub fn fresh_dynamo_settings() -> DynamoSettings {
    let suffix = ShortId::generate().map(|id| id.to_string()).expect("CSPRNG");
    DynamoSettings {
        attempt_timeout_ms: 10_000,
        max_attempts: 3,
        ..DynamoSettings::new(format!("links-{suffix}"), Some(dynamodb_endpoint()))
    }
}

/// A store on a fresh, empty table in DynamoDB Local.
pub async fn dynamo_store() -> DynamoStore {
    let store = DynamoStore::connect(&fresh_dynamo_settings()).await;
    store.create_table_if_missing().await.expect("creating the test table");
    store
}

/// A store in a fresh redb file; the folder lives as long as the returned guard.
pub fn embedded_store() -> (EmbeddedStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = EmbeddedStore::open(&dir.path().join("links.redb")).expect("open");
    (store, dir)
}

/// Counts the reads that reach the wrapped store.
#[derive(Debug, Default)]
pub struct CountingReader<S> {
    inner: S,
    reads: AtomicUsize,
    delay: std::time::Duration,
}

impl<S> CountingReader<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self { inner, reads: AtomicUsize::new(0), delay: std::time::Duration::ZERO }
    }

    /// Wraps `inner`, holding every read for `delay` once it has read, so concurrent callers surely overlap: each
    /// sees what was stored when it began, however long the store itself takes to answer under load.
    pub fn slowed(inner: S, delay: std::time::Duration) -> Self {
        Self { inner, reads: AtomicUsize::new(0), delay }
    }

    /// Reads so far.
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl<S: LinkReader> LinkReader for CountingReader<S> {
    async fn get(&self, id: &ShortId) -> Result<Option<Link>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let read = self.inner.get(id).await;
        tokio::time::sleep(self.delay).await;
        read
    }
}

impl<S: LinkWriter> LinkWriter for CountingReader<S> {
    async fn put_new(&self, link: &Link) -> Result<(), PutError> {
        self.inner.put_new(link).await
    }
}

impl<S: LinkUpdater> LinkUpdater for CountingReader<S> {
    async fn replace(&self, link: &Link, expected_version: u64) -> Result<(), UpdateError> {
        self.inner.replace(link, expected_version).await
    }
}

impl<S: HostBlocklist> HostBlocklist for CountingReader<S> {
    async fn block(&self, block: &HostBlock) -> Result<(), StoreError> {
        self.inner.block(block).await
    }

    async fn unblock(&self, host: &BlockedHost) -> Result<bool, StoreError> {
        self.inner.unblock(host).await
    }

    async fn list(&self) -> Result<Vec<HostBlock>, StoreError> {
        self.inner.list().await
    }

    async fn is_blocked(&self, host: &str) -> Result<bool, StoreError> {
        self.inner.is_blocked(host).await
    }
}

impl<S: QuotaCounter> QuotaCounter for CountingReader<S> {
    async fn take(&self, client: &str, hour: i64, limit: u32) -> Result<QuotaOutcome, StoreError> {
        self.inner.take(client, hour, limit).await
    }
}

/// Passes calls to the wrapped store until told to fail, then answers [`StoreError::Unavailable`] without
/// calling it, as an unreachable store would.
#[derive(Debug, Clone, Default)]
pub struct FailSwitch<S> {
    inner: S,
    failing: Arc<AtomicBool>,
}

impl<S> FailSwitch<S> {
    /// Wraps `inner`, initially working.
    pub fn new(inner: S) -> Self {
        Self { inner, failing: Arc::new(AtomicBool::new(false)) }
    }

    /// Makes every later call fail (`true`) or pass through again (`false`).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::unavailable("store switched off by the test"));
        }
        Ok(())
    }
}

impl<S: LinkReader> LinkReader for FailSwitch<S> {
    async fn get(&self, id: &ShortId) -> Result<Option<Link>, StoreError> {
        self.check()?;
        self.inner.get(id).await
    }
}

impl<S: LinkWriter> LinkWriter for FailSwitch<S> {
    async fn put_new(&self, link: &Link) -> Result<(), PutError> {
        self.check()?;
        self.inner.put_new(link).await
    }
}

impl<S: LinkUpdater> LinkUpdater for FailSwitch<S> {
    async fn replace(&self, link: &Link, expected_version: u64) -> Result<(), UpdateError> {
        self.check()?;
        self.inner.replace(link, expected_version).await
    }
}

impl<S: LinksByHost> LinksByHost for FailSwitch<S> {
    async fn links_to(&self, host: &BlockedHost) -> Result<Vec<Link>, StoreError> {
        self.check()?;
        self.inner.links_to(host).await
    }
}

impl<S: HostBlocklist> HostBlocklist for FailSwitch<S> {
    async fn block(&self, block: &HostBlock) -> Result<(), StoreError> {
        self.check()?;
        self.inner.block(block).await
    }

    async fn unblock(&self, host: &BlockedHost) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.unblock(host).await
    }

    async fn list(&self) -> Result<Vec<HostBlock>, StoreError> {
        self.check()?;
        self.inner.list().await
    }

    async fn is_blocked(&self, host: &str) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.is_blocked(host).await
    }
}

impl<S: QuotaCounter> QuotaCounter for FailSwitch<S> {
    async fn take(&self, client: &str, hour: i64, limit: u32) -> Result<QuotaOutcome, StoreError> {
        self.check()?;
        self.inner.take(client, hour, limit).await
    }
}

/// Adds the first `chunks` chunks it is given, then fails every later chunk (before the store sees it) as a
/// function that crashes or times out halfway through a log file would.
#[derive(Debug)]
pub struct FailAfterChunks<S> {
    inner: S,
    left: AtomicUsize,
}

impl<S> FailAfterChunks<S> {
    /// Wraps `inner`, letting `chunks` chunks through.
    pub fn new(inner: S, chunks: usize) -> Self {
        Self { inner, left: AtomicUsize::new(chunks) }
    }
}

impl<S: ClickCounts> ClickCounts for FailAfterChunks<S> {
    async fn record_chunk(&self, file: &LogFileKey, chunk: &TallyChunk<'_>) -> Result<ChunkOutcome, StoreError> {
        if self.left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1)).is_err() {
            return Err(StoreError::unavailable("failure injected by the test"));
        }
        self.inner.record_chunk(file, chunk).await
    }

    async fn advance_counted_until(&self, at: OffsetDateTime) -> Result<(), StoreError> {
        self.inner.advance_counted_until(at).await
    }

    async fn stats(&self, id: &ShortId, today: Date, days: u16) -> Result<ClickStats, StoreError> {
        self.inner.stats(id, today, days).await
    }
}

/// A link as the stores keep it (creation time in whole milliseconds, expiry in whole seconds), created now and
/// expiring `expires_in` from now (in the past when negative), without a manage token. Panics on an ID or URL
/// that breaks the rules.
pub fn link(id: &str, url: &str, expires_in: Option<time::Duration>) -> Link {
    let base = crate::PublicBase::parse("https://sho.rt/").unwrap();
    let now = time::OffsetDateTime::now_utc();
    Link::new(
        ShortId::parse(id).unwrap_or_else(|e| panic!("{id}: {e}")),
        crate::TargetUrl::parse(url, &base).unwrap_or_else(|e| panic!("{url}: {e}")),
        crate::to_millis(now),
        expires_in.map(|d| crate::to_seconds(now + d)),
        None,
    )
}

/// A [`link`] that never expires, owned by the returned manage token.
pub fn owned_link(id: &str, url: &str) -> (Link, ManageToken) {
    let token = ManageToken::generate().expect("CSPRNG");
    (Link { token_hash: Some(token.hash()), ..link(id, url, None) }, token)
}

/// A DynamoDB store whose endpoint is a loopback port nobody listens on, so every connection is refused at once,
/// with attempt timeouts far longer than a refusal takes: a call that waited for them would show.
pub async fn refusing_dynamo_store() -> (DynamoStore, DynamoSettings) {
    dynamo_store_on_port(free_loopback_port(), 10_000).await
}

/// A loopback port that was free a moment ago (bound, then released).
pub fn free_loopback_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().map(|a| a.port()).unwrap()
}

/// A DynamoDB store whose endpoint accepts connections and never answers, as a hung network does: only the
/// (short) timeouts end a call. The listener lives as long as the test process.
pub async fn silent_dynamo_store() -> (DynamoStore, DynamoSettings) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().map(|a| a.port()).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    dynamo_store_on_port(port, 300).await
}

/// A store on `127.0.0.1:port` making two attempts per call, each allowed `attempt_timeout_ms`.
async fn dynamo_store_on_port(port: u16, attempt_timeout_ms: u64) -> (DynamoStore, DynamoSettings) {
    let settings = DynamoSettings {
        attempt_timeout_ms,
        max_attempts: 2,
        ..DynamoSettings::new("links", Some(format!("http://127.0.0.1:{port}")))
    };
    (DynamoStore::connect(&settings).await, settings)
}

/// One line of a CloudFront standard log in its documented 33 fields: a request of `path` by `method` at `at`
/// (`YYYY-MM-DD HH:MM:SS`, UTC) answered with `status` and classified `result`, from `user_agent` (escaped as
/// CloudFront escapes it).
pub fn log_line(at: &str, method: &str, path: &str, status: u16, result: &str, user_agent: &str) -> String {
    let (date, time) = at.split_once(' ').expect("YYYY-MM-DD HH:MM:SS");
    let agent = user_agent.replace('%', "%25").replace(' ', "%20");
    [
        date,
        time,
        "FRA56-P1",
        "512",
        "2001:db8::7",
        method,
        "d111111abcdef8.cloudfront.net",
        path,
        &status.to_string(),
        "-",
        &agent,
        "-",
        "-",
        result,
        "XbXi2ZA2YQ==",
        "sho.rt",
        "https",
        "120",
        "0.002",
        "-",
        "TLSv1.3",
        "TLS_AES_128_GCM_SHA256",
        result,
        "HTTP/2.0",
        "-",
        "-",
        "52144",
        "0.002",
        result,
        "-",
        "0",
        "-",
        "-",
    ]
    .join("\t")
}

/// A whole log file: CloudFront's `#Version` and `#Fields` lines, then `lines`.
pub fn log_file(lines: &[String]) -> String {
    let mut file = format!("#Version: 1.0\n#Fields: {}\n", crate::clicks::CLOUDFRONT_FIELDS.join(" "));
    for line in lines {
        file.push_str(line);
        file.push('\n');
    }
    file
}

/// This process's resident set size in bytes (`VmRSS` of `/proc/self/status`; 0 where there is none), for the
/// memory benchmarks.
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    kib * 1024
}
