//! The resolver's hot path: a request answered from the in-memory cache, response built. Prints the time per
//! operation; a cache hit must cost well under 10 µs of handler time.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a failed expectation aborts the run")]

use edge_resolver::{Resolver, ResolverConfig};
use http::Method;
use shortener_domain::{Link, PublicBase, ShortId, TargetUrl, store::LinkWriter, testing};
use time::OffsetDateTime;

fn main() {
    divan::main();
}

struct Warm {
    runtime: tokio::runtime::Runtime,
    resolver: Resolver<shortener_domain::store::embedded::EmbeddedStore>,
    _dir: tempfile::TempDir,
}

fn warm() -> Warm {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (store, dir) = testing::embedded_store();
    let base = PublicBase::parse("https://sho.rt/").unwrap();
    let link = Link {
        id: ShortId::parse("abc1234").unwrap(),
        url: TargetUrl::parse("https://example.com/some/article?utm_source=newsletter", &base).unwrap(),
        created_at: OffsetDateTime::now_utc(),
        expires_at: None,
    };
    let resolver = Resolver::new(ResolverConfig::default(), store.clone());
    runtime.block_on(async {
        store.put_new(&link).await.unwrap();
        resolver.resolve(&Method::GET, "/abc1234").await;
        resolver.resolve(&Method::GET, "/unknown").await;
    });
    Warm { runtime, resolver, _dir: dir }
}

#[divan::bench]
fn cache_hit_redirect(bencher: divan::Bencher) {
    let warm = warm();
    bencher.bench_local(|| warm.runtime.block_on(warm.resolver.resolve(&Method::GET, divan::black_box("/abc1234"))));
}

#[divan::bench]
fn negative_cache_hit_404(bencher: divan::Bencher) {
    let warm = warm();
    bencher.bench_local(|| warm.runtime.block_on(warm.resolver.resolve(&Method::GET, divan::black_box("/unknown"))));
}

#[divan::bench]
fn malformed_id_404(bencher: divan::Bencher) {
    let warm = warm();
    bencher.bench_local(|| warm.runtime.block_on(warm.resolver.resolve(&Method::GET, divan::black_box("/a.b"))));
}
