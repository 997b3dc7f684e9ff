//! The resolver's contract, through the same `Resolver::handle` the Lambda runs, on real stores.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::{sync::Arc, time::Duration as StdDuration};

use edge_resolver::{RedirectStatus, Resolver, ResolverConfig};
use http::{Method, Request, Response, StatusCode, header};
use shortener_domain::{
    Link,
    headers::CACHE_HEADER,
    store::{LinkReader, LinkWriter},
    testing::{self, CountingReader, FailSwitch, link},
};
use time::Duration;

async fn put<S: LinkWriter>(store: &S, link: &Link) {
    store.put_new(link).await.unwrap_or_else(|e| panic!("put {}: {e:?}", link.id));
}

async fn get<S: LinkReader>(resolver: &Resolver<S>, method: Method, path: &str) -> Response<String> {
    let request = Request::builder().method(method).uri(path).body(()).unwrap();
    resolver.handle(&request).await
}

fn header<'a>(response: &'a Response<String>, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn max_age(response: &Response<String>) -> u64 {
    header(response, "cache-control")
        .strip_prefix("public, max-age=")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no public max-age in {:?}", response.headers()))
}

#[tokio::test]
async fn a_known_id_redirects_with_301_location_and_the_edge_ttl() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("abc1234", "https://example.com/landing?x=1", None)).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let response = get(&resolver, Method::GET, "/abc1234").await;

    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&response, "location"), "https://example.com/landing?x=1");
    assert_eq!(header(&response, "cache-control"), "public, max-age=86400");
    assert_eq!(header(&response, CACHE_HEADER), "miss");
}

#[tokio::test]
async fn a_second_request_is_a_cache_hit_that_does_not_read_the_store() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("abc1234", "https://example.com/", None)).await;
    let store = Arc::new(CountingReader::new(store));
    let resolver = Resolver::new(ResolverConfig::default(), Arc::clone(&store));

    let first = get(&resolver, Method::GET, "/abc1234").await;
    let second = get(&resolver, Method::GET, "/abc1234").await;

    assert_eq!(header(&first, CACHE_HEADER), "miss");
    assert_eq!(header(&second, CACHE_HEADER), "hit");
    assert_eq!(second.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&second, "location"), "https://example.com/");
    assert_eq!(store.reads(), 1);
}

#[tokio::test]
async fn the_redirect_status_is_configurable() {
    for (setting, status) in [
        (RedirectStatus::Found, StatusCode::FOUND),
        (RedirectStatus::Temporary, StatusCode::TEMPORARY_REDIRECT),
        (RedirectStatus::PermanentKeepMethod, StatusCode::PERMANENT_REDIRECT),
    ] {
        let (store, _dir) = testing::embedded_store();
        put(&store, &link("abc1234", "https://example.com/", None)).await;
        let config = ResolverConfig { redirect_status: setting, ..ResolverConfig::default() };
        let resolver = Resolver::new(config, store);
        assert_eq!(get(&resolver, Method::GET, "/abc1234").await.status(), status);
    }
}

#[tokio::test]
async fn max_age_is_capped_by_the_seconds_left_before_the_link_expires() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("soon-gone", "https://example.com/", Some(Duration::seconds(120)))).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let response = get(&resolver, Method::GET, "/soon-gone").await;

    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    let age = max_age(&response);
    assert!((115..=120).contains(&age), "max-age {age} should be the ~120 s left, not the edge TTL");
}

#[tokio::test]
async fn an_expired_link_answers_410_with_a_page() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("gone-now", "https://example.com/", Some(Duration::seconds(-1)))).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let response = get(&resolver, Method::GET, "/gone-now").await;

    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&response, "cache-control"), "public, max-age=86400");
    assert!(response.body().contains("expired"), "{}", response.body());
    assert!(response.headers().get(header::LOCATION).is_none());
}

#[tokio::test]
async fn an_unknown_id_answers_404_and_is_remembered_without_another_store_read() {
    let (store, _dir) = testing::embedded_store();
    let store = Arc::new(CountingReader::new(store));
    let resolver = Resolver::new(ResolverConfig::default(), Arc::clone(&store));

    let first = get(&resolver, Method::GET, "/nosuchid").await;
    let second = get(&resolver, Method::GET, "/nosuchid").await;

    assert_eq!(first.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&first, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&first, "cache-control"), "public, max-age=60");
    assert_eq!(header(&first, CACHE_HEADER), "miss");
    assert_eq!(second.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&second, CACHE_HEADER), "negative");
    assert_eq!(store.reads(), 1);
}

#[tokio::test]
async fn a_remembered_404_may_be_cached_at_the_edge_only_for_what_is_left_of_the_negative_ttl() {
    let (store, _dir) = testing::embedded_store();
    let resolver = Resolver::new(ResolverConfig::default(), store);
    assert_eq!(max_age(&get(&resolver, Method::GET, "/nosuchid").await), 60);

    tokio::time::sleep(StdDuration::from_millis(2100)).await;
    let later = get(&resolver, Method::GET, "/nosuchid").await;

    assert_eq!(header(&later, CACHE_HEADER), "negative");
    assert!(max_age(&later) <= 58, "max-age {} should shrink as the entry ages", max_age(&later));
}

#[tokio::test]
async fn a_scan_of_unknown_ids_never_evicts_a_link() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("hotlink", "https://example.com/hot", None)).await;
    let config = ResolverConfig { cache_max_bytes: 320 * 1024, ..ResolverConfig::default() };
    let resolver = Resolver::new(config, store);
    assert_eq!(header(&get(&resolver, Method::GET, "/hotlink").await, CACHE_HEADER), "miss");

    // 20,000 unknown IDs, a hundred times what the unknown-ID cache holds, and no click on the link meanwhile.
    for n in 0..20_000 {
        get(&resolver, Method::GET, &format!("/scan{n:05}")).await;
    }
    let stats = resolver.cache_stats().await;
    let hot = get(&resolver, Method::GET, "/hotlink").await;

    assert!(stats.unknown_weight <= 64 * 1024, "unknown IDs stay within their fifth of the budget: {stats:?}");
    assert!(stats.unknown_entries > 0, "{stats:?}");
    assert_eq!(header(&hot, CACHE_HEADER), "hit", "the scan evicted the link: {stats:?}");
}

#[tokio::test]
async fn malformed_ids_answer_404_without_reading_the_store() {
    let (store, _dir) = testing::embedded_store();
    let store = Arc::new(CountingReader::new(store));
    let resolver = Resolver::new(ResolverConfig::default(), Arc::clone(&store));

    for path in ["/x", "/a.b", "/abc/def", "/abc1234/", "/%41bcdef", "/api", &format!("/{}", "a".repeat(65))] {
        let response = get(&resolver, Method::GET, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(header(&response, "cache-control"), "public, max-age=60", "{path}");
    }
    assert_eq!(store.reads(), 0);
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("abc1234", "https://example.com/", None)).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let found = get(&resolver, Method::HEAD, "/abc1234").await;
    let missing = get(&resolver, Method::HEAD, "/nosuchid").await;

    assert_eq!(found.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&found, "location"), "https://example.com/");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&missing, "content-type"), "text/html; charset=utf-8");
    assert!(missing.body().is_empty());
}

#[tokio::test]
async fn other_methods_answer_405_with_allow() {
    let (store, _dir) = testing::embedded_store();
    let resolver = Resolver::new(ResolverConfig::default(), store);
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS, Method::PATCH] {
        let response = get(&resolver, method.clone(), "/abc1234").await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(header(&response, "allow"), "GET, HEAD", "{method}");
    }
}

#[tokio::test]
async fn a_failing_store_with_nothing_cached_answers_503_with_retry_after_and_no_store() {
    let (store, _dir) = testing::embedded_store();
    let store = FailSwitch::new(store);
    store.set_failing(true);
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let response = get(&resolver, Method::GET, "/abc1234").await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&response, "retry-after"), "5");
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert!(!response.body().contains("switched off"), "the cause must not leak: {}", response.body());
}

#[tokio::test]
async fn an_answered_id_keeps_resolving_while_the_store_is_failing() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("abc1234", "https://example.com/", None)).await;
    let store = FailSwitch::new(store);
    let resolver = Resolver::new(ResolverConfig::default(), store.clone());
    assert_eq!(get(&resolver, Method::GET, "/abc1234").await.status(), StatusCode::MOVED_PERMANENTLY);

    store.set_failing(true);
    let response = get(&resolver, Method::GET, "/abc1234").await;

    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&response, "location"), "https://example.com/");
    assert_eq!(get(&resolver, Method::GET, "/other12").await.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn after_the_fresh_ttl_a_failing_store_gets_the_last_good_answer_marked_stale() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("abc1234", "https://example.com/", None)).await;
    let store = FailSwitch::new(store);
    let config = ResolverConfig { cache_ttl_seconds: 1, ..ResolverConfig::default() };
    let resolver = Resolver::new(config, store.clone());
    assert_eq!(header(&get(&resolver, Method::GET, "/abc1234").await, CACHE_HEADER), "miss");

    store.set_failing(true);
    tokio::time::sleep(StdDuration::from_millis(1200)).await;
    let response = get(&resolver, Method::GET, "/abc1234").await;

    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&response, CACHE_HEADER), "stale");
    store.set_failing(false);
    assert_eq!(header(&get(&resolver, Method::GET, "/abc1234").await, CACHE_HEADER), "miss");
}

async fn hundred_concurrent_resolves_make_one_store_read<S: LinkReader + LinkWriter + 'static>(store: S) {
    put(&store, &link("popular", "https://example.com/viral", None)).await;
    // The read is held for 50 ms, so all 100 requests arrive while it is under way.
    let store = Arc::new(CountingReader::slowed(store, StdDuration::from_millis(50)));
    let resolver = Arc::new(Resolver::new(ResolverConfig::default(), Arc::clone(&store)));

    let requests = (0..100).map(|_| {
        let resolver = Arc::clone(&resolver);
        tokio::spawn(async move { get(&resolver, Method::GET, "/popular").await })
    });
    let responses = futures::future::join_all(requests).await;

    for response in responses {
        let response = response.unwrap();
        assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
        assert_eq!(header(&response, "location"), "https://example.com/viral");
    }
    assert_eq!(store.reads(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_resolves_of_one_uncached_id_make_one_dynamodb_read() {
    hundred_concurrent_resolves_make_one_store_read(testing::dynamo_store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_resolves_of_one_uncached_id_make_one_embedded_read() {
    let (store, _dir) = testing::embedded_store();
    hundred_concurrent_resolves_make_one_store_read(store).await;
}

#[tokio::test]
async fn a_link_in_dynamodb_resolves() {
    let store = testing::dynamo_store().await;
    put(&store, &link("dynamo1", "https://example.com/from-dynamo", Some(Duration::hours(1)))).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let response = get(&resolver, Method::GET, "/dynamo1").await;

    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&response, "location"), "https://example.com/from-dynamo");
    assert!(max_age(&response) <= 3600);
}

#[tokio::test]
async fn on_dynamodb_known_ids_keep_resolving_after_the_table_is_gone_and_unknown_ones_get_500() {
    let store = testing::dynamo_store().await;
    put(&store, &link("known01", "https://example.com/known", None)).await;
    // With no fresh period every request goes to the store, so what follows is served only because of
    // stale-if-error.
    let config = ResolverConfig { cache_ttl_seconds: 0, ..ResolverConfig::default() };
    let resolver = Resolver::new(config, store.clone());
    assert_eq!(header(&get(&resolver, Method::GET, "/known01").await, CACHE_HEADER), "miss");

    store.client().delete_table().table_name(store.table()).send().await.unwrap();
    let known = get(&resolver, Method::GET, "/known01").await;
    let unknown = get(&resolver, Method::GET, "/unknown1").await;

    assert_eq!(known.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&known, "location"), "https://example.com/known");
    assert_eq!(header(&known, CACHE_HEADER), "stale");
    assert_eq!(unknown.status(), StatusCode::INTERNAL_SERVER_ERROR, "a missing table is our fault, not an outage");
    assert_eq!(header(&unknown, "cache-control"), "no-store");
}

#[tokio::test]
async fn a_dynamodb_that_never_answers_gets_503_within_the_configured_bound() {
    let (store, settings) = testing::silent_dynamo_store().await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let started = std::time::Instant::now();
    let response = get(&resolver, Method::GET, "/abc1234").await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert!(started.elapsed() <= settings.worst_case() + StdDuration::from_secs(1), "{:?}", started.elapsed());
}

mod function_url_events {
    //! Events shaped as CloudFront forwards them to the function URL, parsed the way the Lambda parses them.

    use super::*;

    async fn invoke<S: LinkReader>(resolver: &Resolver<S>, fixture: &str) -> Response<String> {
        let path = format!("{}/tests/fixtures/{fixture}.json", env!("CARGO_MANIFEST_DIR"));
        let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let request = lambda_http::request::from_str(&json).unwrap_or_else(|e| panic!("{fixture}: {e}"));
        resolver.handle(&request).await
    }

    async fn resolver() -> (Resolver<shortener_domain::store::embedded::EmbeddedStore>, tempfile::TempDir) {
        let (store, dir) = testing::embedded_store();
        put(&store, &link("fixture1", "https://example.com/from-event", None)).await;
        (Resolver::new(ResolverConfig::default(), store), dir)
    }

    #[tokio::test]
    async fn a_get_with_a_query_string_redirects_and_ignores_the_query() {
        let (resolver, _dir) = resolver().await;
        let response = invoke(&resolver, "function-url-get").await;
        assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
        assert_eq!(header(&response, "location"), "https://example.com/from-event");
    }

    #[tokio::test]
    async fn a_head_redirects_without_a_body() {
        let (resolver, _dir) = resolver().await;
        let response = invoke(&resolver, "function-url-head").await;
        assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
        assert!(response.body().is_empty());
    }

    #[tokio::test]
    async fn unknown_and_malformed_ids_answer_404() {
        let (resolver, _dir) = resolver().await;
        assert_eq!(invoke(&resolver, "function-url-unknown").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(invoke(&resolver, "function-url-malformed").await.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_post_answers_405() {
        let (resolver, _dir) = resolver().await;
        assert_eq!(invoke(&resolver, "function-url-post").await.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
