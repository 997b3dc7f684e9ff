//! What every simulated user saw, gathered without locks on the hot path: latencies, statuses, the resolver's
//! cache header, CloudFront's edge hits, bytes, and every failed check by reason.

use std::{
    collections::BTreeMap,
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Instant,
};

use crate::histogram::Histogram;

/// The kinds of request a run makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `GET /{id}` of a known link.
    Redirect,
    /// `POST /shorten`.
    Create,
    /// `GET /{id}` of an unknown ID.
    Miss,
    /// `PATCH /api/links/{id}` of a hot link, with its manage token.
    Edit,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 4] = [Kind::Redirect, Kind::Create, Kind::Miss, Kind::Edit];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Redirect => "redirect",
            Kind::Create => "create",
            Kind::Miss => "miss",
            Kind::Edit => "edit",
        }
    }
}

/// The resolver's `x-shortener-cache` answers, and its absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheAnswer {
    /// From memory.
    Hit,
    /// The store was read.
    Miss,
    /// An unknown ID remembered, or a malformed one never looked up.
    Negative,
    /// The store failed; the last good answer was served.
    Stale,
    /// No header, or a value the contract does not know.
    Absent,
}

impl CacheAnswer {
    /// Every answer, in report order.
    pub const ALL: [CacheAnswer; 5] =
        [CacheAnswer::Hit, CacheAnswer::Miss, CacheAnswer::Negative, CacheAnswer::Stale, CacheAnswer::Absent];

    /// Reads the header value.
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("hit") => Self::Hit,
            Some("miss") => Self::Miss,
            Some("negative") => Self::Negative,
            Some("stale") => Self::Stale,
            _ => Self::Absent,
        }
    }

    /// The header value, or `absent`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Negative => "negative",
            Self::Stale => "stale",
            Self::Absent => "absent",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// Counters of one kind of request.
#[derive(Debug, Default)]
pub struct KindStats {
    /// Time from sending the request to having read the whole response, in microseconds.
    pub latency: Histogram,
    statuses: Mutex<BTreeMap<u16, u64>>,
    status_fast: [AtomicU64; 7],
    failures: Mutex<BTreeMap<String, u64>>,
    failed: AtomicU64,
    /// By [`CacheAnswer`], of the responses CloudFront did not answer from its cache.
    cache: [AtomicU64; 5],
    edge_hits: AtomicU64,
    response_bytes: AtomicU64,
    request_bytes: AtomicU64,
}

/// Status codes the hot path counts without a lock: 200, 201, 301, 302, 307, 308, 404.
const FAST_STATUSES: [u16; 7] = [200, 201, 301, 302, 307, 308, 404];

/// What one response looked like.
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    /// The status, `None` when no response came (connection error, timeout).
    pub status: Option<u16>,
    /// Microseconds from sending to having the whole response.
    pub micros: u64,
    /// The resolver's cache header.
    pub cache: CacheAnswer,
    /// CloudFront's `x-cache` said `Hit from cloudfront`.
    pub edge_hit: bool,
    /// Bytes of the request as sent.
    pub request_bytes: u64,
    /// Bytes of the response as received.
    pub response_bytes: u64,
}

impl KindStats {
    /// Counts a response; `failure` names the broken check, if any.
    pub fn observe(&self, seen: &Observation, failure: Option<&str>) {
        self.latency.record(seen.micros);
        let status = seen.status.unwrap_or(0);
        match FAST_STATUSES.iter().position(|&s| s == status) {
            Some(slot) => {
                self.status_fast[slot].fetch_add(1, Ordering::Relaxed);
            }
            None => *lock(&self.statuses).entry(status).or_default() += 1,
        }
        if seen.edge_hit {
            self.edge_hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.cache[seen.cache.slot()].fetch_add(1, Ordering::Relaxed);
        }
        self.request_bytes.fetch_add(seen.request_bytes, Ordering::Relaxed);
        self.response_bytes.fetch_add(seen.response_bytes, Ordering::Relaxed);
        if let Some(reason) = failure {
            self.failed.fetch_add(1, Ordering::Relaxed);
            *lock(&self.failures).entry(reason.to_owned()).or_default() += 1;
        }
    }

    /// Responses counted.
    pub fn requests(&self) -> u64 {
        self.latency.count()
    }

    /// Responses that failed a check (including no response at all).
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// Failed checks by reason.
    pub fn failures(&self) -> BTreeMap<String, u64> {
        lock(&self.failures).clone()
    }

    /// Responses by status; 0 stands for "no response".
    pub fn statuses(&self) -> BTreeMap<u16, u64> {
        let mut all = lock(&self.statuses).clone();
        for (status, count) in FAST_STATUSES.iter().zip(&self.status_fast) {
            let count = count.load(Ordering::Relaxed);
            if count > 0 {
                all.insert(*status, count);
            }
        }
        all
    }

    /// Responses that reached the resolver, by cache answer.
    pub fn cache(&self, answer: CacheAnswer) -> u64 {
        self.cache[answer.slot()].load(Ordering::Relaxed)
    }

    /// Responses CloudFront answered from its cache.
    pub fn edge_hits(&self) -> u64 {
        self.edge_hits.load(Ordering::Relaxed)
    }

    /// Mean bytes of a request.
    pub fn mean_request_bytes(&self) -> f64 {
        mean(self.request_bytes.load(Ordering::Relaxed), self.requests())
    }

    /// Mean bytes of a response.
    pub fn mean_response_bytes(&self) -> f64 {
        mean(self.response_bytes.load(Ordering::Relaxed), self.requests())
    }
}

fn mean(total: u64, count: u64) -> f64 {
    if count == 0 { 0.0 } else { total as f64 / count as f64 }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Everything a run saw, shared by every user.
#[derive(Debug)]
pub struct RunStats {
    origin: Instant,
    first_start: AtomicU64,
    last_end: AtomicU64,
    kinds: [KindStats; 4],
    unknown_seen: Box<[AtomicBool]>,
    unknown_windows: Mutex<Vec<Window>>,
    repeated_reads: AtomicU64,
}

/// The negative-TTL window an unknown ID's store read opened: the first read's request started at `start` and
/// was answered by `end` (µs since the run's origin), so the resolver remembered the ID somewhere in between.
#[derive(Debug, Default, Clone, Copy)]
struct Window {
    start: u64,
    end: u64,
    reads: u64,
}

impl RunStats {
    /// Fresh counters for a run that draws unknown IDs from a pool of `unknown_ids`.
    pub fn new(unknown_ids: usize) -> Self {
        Self {
            origin: Instant::now(),
            first_start: AtomicU64::new(u64::MAX),
            last_end: AtomicU64::new(0),
            kinds: Default::default(),
            unknown_seen: (0..unknown_ids).map(|_| AtomicBool::new(false)).collect(),
            unknown_windows: Mutex::new(vec![Window::default(); unknown_ids]),
            repeated_reads: AtomicU64::new(0),
        }
    }

    /// The counters of one kind.
    pub fn kind(&self, kind: Kind) -> &KindStats {
        &self.kinds[kind as usize]
    }

    /// Marks the start of a request; returns the instant to pass to [`RunStats::finish`].
    pub fn start(&self) -> Instant {
        let now = Instant::now();
        self.first_start.fetch_min(micros(now - self.origin), Ordering::Relaxed);
        now
    }

    /// Records a finished request that began at `started`.
    pub fn finish(&self, kind: Kind, started: Instant, mut seen: Observation, failure: Option<&str>) {
        let now = Instant::now();
        seen.micros = micros(now - started);
        self.last_end.fetch_max(micros(now - self.origin), Ordering::Relaxed);
        self.kind(kind).observe(&seen, failure);
    }

    /// Checks a store read (`x-shortener-cache: miss`) of unknown ID number `index`, asked at `started` and
    /// answered at `ended`, against negative caching: once a read has answered, the resolver remembers the ID for
    /// `negative_ttl`, so a request sent after that answer and answered before the TTL ran out must not read
    /// again. Requests that overlapped the first read may (they waited for it). Each of `instances` resolver
    /// processes has its own memory, so each may read once per window. Returns `false` for a read negative
    /// caching should have spared. Edits of links do not open a window: the local stack forgets only the ID it
    /// changed.
    pub fn unknown_read(
        &self,
        index: usize,
        started: Instant,
        ended: Instant,
        negative_ttl: std::time::Duration,
        instances: u64,
    ) -> bool {
        let (start, end, ttl) = (micros(started - self.origin), micros(ended - self.origin), micros(negative_ttl));
        let mut windows = lock(&self.unknown_windows);
        let Some(window) = windows.get_mut(index) else { return true };
        if window.reads == 0 || end > window.start + ttl {
            *window = Window { start, end, reads: 1 };
            return true;
        }
        if start < window.end {
            return true;
        }
        window.reads += 1;
        if window.reads <= instances.max(1) {
            return true;
        }
        self.repeated_reads.fetch_add(1, Ordering::Relaxed);
        false
    }

    /// Store reads of unknown IDs that negative caching should have spared.
    pub fn repeated_reads(&self) -> u64 {
        self.repeated_reads.load(Ordering::Relaxed)
    }

    /// Notes that unknown ID number `index` of the pool was requested.
    pub fn saw_unknown(&self, index: usize) {
        if let Some(seen) = self.unknown_seen.get(index) {
            seen.store(true, Ordering::Relaxed);
        }
    }

    /// How many distinct unknown IDs were requested.
    pub fn distinct_unknown(&self) -> usize {
        self.unknown_seen.iter().filter(|s| s.load(Ordering::Relaxed)).count()
    }

    /// Seconds from the first request's start to the last one's end.
    pub fn elapsed_seconds(&self) -> f64 {
        let first = self.first_start.load(Ordering::Relaxed);
        let last = self.last_end.load(Ordering::Relaxed);
        if first == u64::MAX || last <= first { 0.0 } else { (last - first) as f64 / 1e6 }
    }
}

fn micros(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn seen(status: Option<u16>, cache: CacheAnswer, edge_hit: bool) -> Observation {
        Observation { status, micros: 100, cache, edge_hit, request_bytes: 10, response_bytes: 200 }
    }

    #[test]
    fn statuses_cache_answers_and_failures_are_counted_apart() {
        let stats = KindStats::default();
        stats.observe(&seen(Some(301), CacheAnswer::Hit, false), None);
        stats.observe(&seen(Some(301), CacheAnswer::Miss, false), None);
        stats.observe(&seen(Some(301), CacheAnswer::Hit, true), None);
        stats.observe(&seen(Some(503), CacheAnswer::Absent, false), Some("status 503"));
        stats.observe(&seen(None, CacheAnswer::Absent, false), Some("no response"));
        assert_eq!(stats.requests(), 5);
        assert_eq!(stats.statuses(), BTreeMap::from([(0, 1), (301, 3), (503, 1)]));
        assert_eq!(stats.failed(), 2);
        assert_eq!(stats.failures(), BTreeMap::from([("no response".into(), 1), ("status 503".into(), 1)]));
        assert_eq!((stats.cache(CacheAnswer::Hit), stats.cache(CacheAnswer::Miss), stats.edge_hits()), (1, 1, 1));
        assert_eq!(stats.cache(CacheAnswer::Absent), 2);
        assert!((stats.mean_response_bytes() - 200.0).abs() < 1e-9);
    }

    #[test]
    fn the_cache_header_is_read_strictly() {
        let parsed = ["hit", "miss", "negative", "stale", "HIT", ""].map(|v| CacheAnswer::parse(Some(v)));
        assert_eq!(
            parsed,
            [
                CacheAnswer::Hit,
                CacheAnswer::Miss,
                CacheAnswer::Negative,
                CacheAnswer::Stale,
                CacheAnswer::Absent,
                CacheAnswer::Absent
            ]
        );
        assert_eq!(CacheAnswer::parse(None), CacheAnswer::Absent);
    }

    #[test]
    fn distinct_unknown_ids_are_counted_once() {
        let run = RunStats::new(3);
        for i in [0, 2, 2, 0, 7] {
            run.saw_unknown(i);
        }
        assert_eq!(run.distinct_unknown(), 2);
        assert_eq!(run.elapsed_seconds(), 0.0);
        let started = run.start();
        run.finish(Kind::Redirect, started, seen(Some(301), CacheAnswer::Hit, false), None);
        assert_eq!(run.kind(Kind::Redirect).requests(), 1);
        assert_eq!(run.kind(Kind::Create).requests(), 0);
    }

    #[test]
    fn an_unknown_id_may_read_the_store_once_per_negative_ttl() {
        let run = RunStats::new(1);
        let ttl = Duration::from_secs(60);
        let at = |ms: u64| run.origin + Duration::from_millis(ms);
        assert!(run.unknown_read(0, at(0), at(10), ttl, 1), "the first read");
        assert!(run.unknown_read(0, at(5), at(10), ttl, 1), "a request that waited for the first read");
        assert!(!run.unknown_read(0, at(20), at(30), ttl, 1), "sent after the first answer, within the TTL");
        assert_eq!(run.repeated_reads(), 1);
        assert!(run.unknown_read(0, at(60_000), at(60_010), ttl, 1), "the TTL ran out: a new window");
        assert!(run.unknown_read(0, at(60_020), at(60_030), ttl, 2), "a second resolver instance may read too");
        assert!(!run.unknown_read(0, at(60_040), at(60_050), ttl, 2), "but not a third time");
        assert_eq!(run.repeated_reads(), 2);
    }
}
