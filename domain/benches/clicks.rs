//! What counting clicks from CloudFront's logs costs: reading and adding up log lines (lines per second, for a
//! viral link and for many links), and the memory a tally holds per distinct ID (the process's real RSS growth
//! while it holds a tally of many IDs). The figures back "a day of logs for a viral link is counted in seconds".

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a failed expectation aborts the run")]

use divan::{Bencher, counter::ItemsCount};
use shortener_domain::{
    clicks::Tally,
    testing::rss_bytes,
    testing::{log_file, log_line},
};

/// Lines of the benchmarked log files.
const LINES: usize = 100_000;
/// Distinct IDs in the memory figure under `cargo bench`, and under `cargo test --all-targets`.
const MEMORY_IDS: usize = 200_000;
const SMOKE_MEMORY_IDS: usize = 2_000;

const BROWSER: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) \
                       Version/18.1 Mobile/15E148 Safari/604.1";

/// A log of `lines` requests spread over `ids` IDs: mostly edge hits, some misses, a bot now and then, and a 404.
fn log_of(lines: usize, ids: usize) -> String {
    let lines: Vec<String> = (0..lines)
        .map(|n| {
            let path = format!("/v{:06}", n % ids);
            let at = format!("2026-11-29 {:02}:{:02}:{:02}", n / 3600 % 24, n / 60 % 60, n % 60);
            match n % 50 {
                0 => log_line(&at, "GET", &path, 301, "Miss", BROWSER),
                1 => log_line(&at, "GET", &path, 301, "Hit", "facebookexternalhit/1.1"),
                2 => log_line(&at, "GET", "/nothere", 404, "Error", BROWSER),
                _ => log_line(&at, "GET", &path, 301, "Hit", BROWSER),
            }
        })
        .collect();
    log_file(&lines)
}

#[divan::bench(args = [1, 10_000])]
fn tally_lines(bencher: Bencher, ids: usize) {
    let log = log_of(LINES, ids);
    bencher.counter(ItemsCount::new(LINES)).bench_local(|| Tally::from_log(divan::black_box(&log)));
}

#[divan::bench]
fn chunks_of_10_000_ids(bencher: Bencher) {
    let tally = Tally::from_log(&log_of(LINES, 10_000));
    bencher.counter(ItemsCount::new(tally.len())).bench_local(|| divan::black_box(&tally).chunks().len());
}

/// Tallies files of one click each on `ids` distinct IDs, merged as one tally, and prints the RSS it grew by.
#[expect(clippy::print_stdout, reason = "a benchmark's figures are its output")]
fn memory_per_id(ids: usize) {
    let per_file = ids.min(10_000);
    let files: Vec<String> =
        (0..ids.div_ceil(per_file)).map(|f| log_of(per_file, per_file).replace("/v", &format!("/f{f:03}v"))).collect();
    let before = rss_bytes();
    let mut tally = Tally::new();
    for file in &files {
        tally.merge(Tally::from_log(file));
    }
    let grown = rss_bytes().saturating_sub(before);
    println!(
        "tally memory: {} distinct (ID, day) counts; RSS grew {:.1} MiB ({} bytes per distinct ID)",
        tally.len(),
        grown as f64 / (1024.0 * 1024.0),
        grown / tally.len().max(1) as u64,
    );
}

/// `cargo bench` passes `--bench`: then the memory figure is taken on [`MEMORY_IDS`] IDs; under
/// `cargo test --all-targets` only a small smoke run is made.
fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    memory_per_id(if measuring { MEMORY_IDS } else { SMOKE_MEMORY_IDS });
    divan::main();
}
