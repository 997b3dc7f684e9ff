//! What the resolver's caches really cost: fills them with far more IDs than fit, then prints the resident
//! entries, their estimated weight and the process's real RSS growth, for links and for a scan of unknown IDs.
//! The figures back `ENTRY_OVERHEAD_BYTES` and the claim that the default budget fits a 128 MB Lambda.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a failed expectation aborts the run")]

use std::{future::Future, time::Instant};

use edge_resolver::{Resolver, ResolverConfig};
use http::Method;
use shortener_domain::{
    Link, PublicBase, ShortId, TargetUrl,
    store::{LinkReader, StoreError},
    testing::rss_bytes,
};
use time::OffsetDateTime;

/// IDs resolved per run under `cargo bench`: several times what fits in the default budget.
const IDS: usize = 400_000;
/// IDs resolved when `cargo test --all-targets` runs this file: enough to exercise it, not to measure.
const SMOKE_IDS: usize = 2_000;

/// A link for every ID, made up on the spot: the benchmark measures the caches, not a store.
struct EveryIdExists(PublicBase);

impl LinkReader for EveryIdExists {
    fn get(&self, id: &ShortId) -> impl Future<Output = Result<Option<Link>, StoreError>> + Send {
        let url = format!("https://www.example.com/articles/2026/{id}?utm_source=newsletter&utm_medium=email");
        let link = TargetUrl::parse(&url, &self.0)
            .map(|url| Link::new(id.clone(), url, OffsetDateTime::now_utc(), None, None));
        std::future::ready(link.map(Some).map_err(|e| StoreError::Rejected(e.to_string())))
    }
}

/// No ID exists: a scan of random IDs.
struct NoIdExists;

impl LinkReader for NoIdExists {
    fn get(&self, _: &ShortId) -> impl Future<Output = Result<Option<Link>, StoreError>> + Send {
        std::future::ready(Ok(None))
    }
}

#[expect(clippy::print_stdout, reason = "a benchmark's figures are its output")]
fn fill<S: LinkReader>(label: &str, store: S, count: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let config = ResolverConfig::default();
    let budget = config.cache_max_bytes;
    let resolver = Resolver::new(config, store);
    let ids: Vec<String> = (0..count).map(|_| ShortId::generate().map(|id| format!("/{id}")).unwrap()).collect();
    let before = rss_bytes();
    let started = Instant::now();
    let stats = runtime.block_on(async {
        for id in &ids {
            resolver.resolve(&Method::GET, id).await;
        }
        resolver.cache_stats().await
    });
    let grown = rss_bytes().saturating_sub(before);
    let resident = stats.found_entries.max(stats.last_good_entries).max(stats.unknown_entries).max(1);
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{label}: {count} IDs in {:.1} s; resident {} found + {} unknown + {} stale-if-error entries; estimated weight \
         {:.1} MiB of a {:.1} MiB budget; RSS grew {:.1} MiB ({} bytes per resident ID)",
        started.elapsed().as_secs_f64(),
        stats.found_entries,
        stats.unknown_entries,
        stats.last_good_entries,
        mib(stats.found_weight + stats.unknown_weight + stats.last_good_weight),
        mib(budget),
        mib(grown),
        grown / resident,
    );
}

/// Each scenario runs in a fresh process of this same binary, so one's freed memory cannot hide the other's.
/// `cargo bench` passes `--bench`; without it (`cargo test --all-targets`) only a small smoke run is made.
fn main() {
    let base = PublicBase::parse("https://sho.rt/").unwrap();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let measuring = args.iter().any(|a| a == "--bench");
    let ids = if measuring { IDS } else { SMOKE_IDS };
    match args.first().map(String::as_str) {
        Some("links") => fill("links", EveryIdExists(base), ids),
        Some("scan") => fill("unknown-ID scan", NoIdExists, ids),
        _ => {
            let exe = std::env::current_exe().unwrap();
            for scenario in ["links", "scan"] {
                let mode = if measuring { "--bench" } else { "--smoke" };
                let status = std::process::Command::new(&exe).args([scenario, mode]).status();
                assert!(status.is_ok_and(|s| s.success()), "scenario {scenario} failed");
            }
        }
    }
}
