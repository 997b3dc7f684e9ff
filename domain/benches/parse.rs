//! Input validation costs: URL rules (with normalization), alias rules and ID generation. Prints per-operation
//! times.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a failed expectation aborts the run")]

use shortener_domain::{PublicBase, ShortId, TargetUrl};

fn main() {
    divan::main();
}

fn base() -> PublicBase {
    PublicBase::parse("https://sho.rt/").unwrap()
}

#[divan::bench(args = [
    "https://example.com/",
    "https://www.example.com/blog/2026/11/a-fairly-typical-article-slug?utm_source=newsletter&utm_medium=email",
    "https://bücher.example/straße",
])]
fn target_url_parse(bencher: divan::Bencher, raw: &str) {
    let base = base();
    bencher.bench_local(|| TargetUrl::parse(divan::black_box(raw), &base));
}

#[divan::bench]
fn target_url_parse_2048_bytes(bencher: divan::Bencher) {
    let base = base();
    let raw = format!("https://example.com/{}", "a".repeat(2048 - "https://example.com/".len()));
    bencher.bench_local(|| TargetUrl::parse(divan::black_box(&raw), &base));
}

#[divan::bench]
fn target_url_rejects_user_info(bencher: divan::Bencher) {
    let base = base();
    bencher.bench_local(|| TargetUrl::parse(divan::black_box("https://bank.com@evil.example/"), &base));
}

#[divan::bench]
fn alias_parse(bencher: divan::Bencher) {
    bencher.bench_local(|| ShortId::parse(divan::black_box("my-campaign_2026")));
}

#[divan::bench]
fn id_generate(bencher: divan::Bencher) {
    bencher.bench_local(ShortId::generate);
}
