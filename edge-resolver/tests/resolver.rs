//! The resolver's contract, through the same `Resolver::handle` the Lambda runs, on real stores.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::{
    sync::Arc,
    time::{Duration as StdDuration, Instant},
};

use edge_resolver::{RedirectStatus, Resolver, ResolverConfig};
use http::{Method, Request, Response, StatusCode, header};
use shortener_domain::{
    Actor, DisableReason, Link, LinkEdit, ShortId, TargetUrl,
    headers::CACHE_HEADER,
    store::{
        LinkReader, LinkUpdater, LinkWriter,
        dynamodb::{DynamoSettings, DynamoStore},
    },
    testing::{self, CountingReader, FailSwitch, link},
};
use time::{Duration, OffsetDateTime};

async fn put<S: LinkWriter>(store: &S, link: &Link) {
    store.put_new(link).await.unwrap_or_else(|e| panic!("put {}: {e:?}", link.id));
}

async fn get<S: LinkReader>(resolver: &Resolver<S>, method: Method, path: &str) -> Response<String> {
    let request = Request::builder().method(method).uri(path).body(()).unwrap();
    resolver.handle(&request).await
}

fn header(response: &Response<String>, name: impl http::header::AsHeaderName) -> &str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The value of `directive` (`max-age`, `s-maxage`) in a public `Cache-Control`.
fn directive(response: &Response<String>, directive: &str) -> u64 {
    let cache_control = header(response, "cache-control");
    cache_control
        .strip_prefix("public, ")
        .into_iter()
        .flat_map(|rest| rest.split(", "))
        .find_map(|part| part.strip_prefix(directive)?.strip_prefix('=')?.parse().ok())
        .unwrap_or_else(|| panic!("no public {directive} in {cache_control:?}"))
}

fn max_age(response: &Response<String>) -> u64 {
    directive(response, "max-age")
}

fn s_maxage(response: &Response<String>) -> u64 {
    directive(response, "s-maxage")
}

#[tokio::test]
async fn a_known_id_redirects_with_301_location_and_the_edge_ttl() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("abc1234", "https://example.com/landing?x=1", None)).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let response = get(&resolver, Method::GET, "/abc1234").await;

    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&response, "location"), "https://example.com/landing?x=1");
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=300, s-maxage=86400, stale-while-revalidate=60, stale-if-error=86400"
    );
    assert_eq!(header(&response, CACHE_HEADER), "miss");
    assert_eq!(header(&response, "x-robots-tag"), "noindex");
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
    assert_eq!(header(&second, "x-robots-tag"), "noindex");
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
async fn both_lifetimes_are_capped_by_the_seconds_left_before_the_link_expires() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("soon-gone", "https://example.com/", Some(Duration::seconds(120)))).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let response = get(&resolver, Method::GET, "/soon-gone").await;

    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    let (browser, edge) = (max_age(&response), s_maxage(&response));
    assert!((115..=120).contains(&edge), "s-maxage {edge} should be the ~120 s left, not the edge TTL");
    assert_eq!(browser, edge, "max-age is the browser setting (300) capped the same way");
    assert!(!header(&response, "cache-control").contains("stale-"), "no edge copy may outlive the link's expiry");
}

#[tokio::test]
async fn an_expired_link_answers_410_with_a_page() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("gone-now", "https://example.com/", Some(Duration::seconds(-1)))).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let response = get(&resolver, Method::GET, "/gone-now").await;

    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&response, "cache-control"), "public, max-age=300, s-maxage=86400");
    assert_eq!(header(&response, "x-robots-tag"), "noindex");
    assert!(response.body().contains("expired"), "{}", response.body());
    assert!(response.headers().get(header::LOCATION).is_none());
}

#[tokio::test]
async fn the_edge_may_serve_a_redirect_stale_for_the_configured_windows_but_never_a_404_an_expiry_or_a_failure() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("abc1234", "https://example.com/", None)).await;
    put(&store, &link("soon-gone", "https://example.com/", Some(Duration::seconds(3_700)))).await;
    put(&store, &link("gone-now", "https://example.com/", Some(Duration::seconds(-1)))).await;
    let config = ResolverConfig {
        edge_ttl_seconds: 3_600,
        stale_while_revalidate_seconds: 30,
        stale_if_error_seconds: 600,
        ..ResolverConfig::default()
    };
    let store = Arc::new(store);
    let resolver = Resolver::new(config.clone(), Arc::clone(&store));

    for path in ["/abc1234", "/abc1234+"] {
        // A resolver of its own, so the preview too is read from the store.
        let response = get(&Resolver::new(config.clone(), Arc::clone(&store)), Method::GET, path).await;
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=300, s-maxage=3600, stale-while-revalidate=30, stale-if-error=600",
            "{path}"
        );
    }
    let expiring = get(&resolver, Method::GET, "/soon-gone").await;
    let (edge, until_expiry) = (s_maxage(&expiring), 3_700 - s_maxage(&expiring));
    assert_eq!(edge, 3_600);
    assert!(
        directive(&expiring, "stale-if-error") <= until_expiry && directive(&expiring, "stale-if-error") >= 95,
        "stale-if-error ends when the link expires: {:?}",
        expiring.headers()
    );
    let expired = get(&resolver, Method::GET, "/gone-now").await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(!header(&expired, "cache-control").contains("stale-"), "{:?}", expired.headers());
    let unknown = get(&resolver, Method::GET, "/nosuchid").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&unknown, "cache-control"), "public, max-age=60");
    let wrong_method = get(&resolver, Method::POST, "/abc1234").await;
    assert_eq!(header(&wrong_method, "cache-control"), "no-store");
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
    // A preview has a body; answered from memory (this thread's copy of the link), HEAD still sends none.
    let preview = get(&resolver, Method::GET, "/abc1234+").await;
    let head = get(&resolver, Method::HEAD, "/abc1234+").await;
    assert!(!preview.body().is_empty());
    assert_eq!((head.status(), header(&head, CACHE_HEADER)), (StatusCode::OK, "hit"));
    assert_eq!(header(&head, "x-robots-tag"), "noindex");
    assert!(head.body().is_empty());
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
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=0, s-maxage=0, stale-if-error=86400",
        "its memory copy is past its life; the edge may still fall back on it"
    );
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
    assert!(s_maxage(&response) <= 3600);
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

async fn replace<S: LinkUpdater>(store: &S, next: &Link) {
    store.replace(next, next.version - 1).await.unwrap_or_else(|e| panic!("replace {}: {e:?}", next.id));
}

fn moved(link: &Link, url: &str) -> Link {
    let edit = LinkEdit { url: Some(TargetUrl::parse_stored(url).unwrap()), expires_at: None };
    link.edited(&edit, OffsetDateTime::now_utc()).unwrap()
}

/// Checks the 404 page a removed or disabled link answers for `path` (kept like a redirect) and returns its body.
fn assert_removed_page(response: &Response<String>, path: &str) -> String {
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    assert_eq!(header(response, "content-type"), "text/html; charset=utf-8", "{path}");
    if header(response, CACHE_HEADER) == "miss" {
        assert_eq!(
            header(response, "cache-control"),
            "public, max-age=300, s-maxage=86400, stale-while-revalidate=60, stale-if-error=86400",
            "{path}"
        );
    } else {
        let (browser, edge) = (max_age(response), s_maxage(response));
        assert!(edge <= 300 && browser <= edge, "{path}: from memory, kept no longer than memory keeps it");
    }
    assert_eq!(header(response, "x-robots-tag"), "noindex", "{path}");
    assert!(response.headers().get(header::LOCATION).is_none(), "{path}");
    response.body().clone()
}

async fn removed_and_disabled_links_answer_their_own_404_pages_kept_like_a_redirect<
    S: LinkReader + LinkWriter + LinkUpdater,
>(
    store: S,
) {
    let now = OffsetDateTime::now_utc();
    let removed = link("removed1", "https://example.com/a", Some(Duration::hours(1)));
    let taken_down = link("takedown", "https://example.com/b", Some(Duration::hours(1)));
    put(&store, &removed).await;
    put(&store, &taken_down).await;
    replace(&store, &removed.deleted(Actor::Owner, now).unwrap()).await;
    let note = "ticket 4711, reported by abuse@bank.example";
    replace(&store, &taken_down.disabled(DisableReason::Phishing, Some(note.to_owned()), now).unwrap()).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    for path in ["/removed1", "/removed1+"] {
        let body = assert_removed_page(&get(&resolver, Method::GET, path).await, path);
        assert!(body.contains("was removed"), "{path}: {body}");
        assert!(!body.contains("expired") && !body.contains("disabled"), "{path}: {body}");
    }
    for path in ["/takedown", "/takedown+"] {
        let body = assert_removed_page(&get(&resolver, Method::GET, path).await, path);
        assert!(body.contains("disabled") && body.contains("<strong>phishing</strong>"), "{path}: {body}");
        assert!(!body.contains("4711") && !body.contains("abuse@"), "the operator's note leaked: {body}");
        assert!(!body.contains("expired") && !body.contains("removed"), "{path}: {body}");
    }
    let head = get(&resolver, Method::HEAD, "/takedown").await;
    assert_removed_page(&head, "HEAD /takedown");
    assert!(head.body().is_empty());
}

#[tokio::test]
async fn removed_and_disabled_links_answer_their_own_404_pages_kept_like_a_redirect_on_the_embedded_store() {
    let (store, _dir) = testing::embedded_store();
    removed_and_disabled_links_answer_their_own_404_pages_kept_like_a_redirect(store).await;
}

#[tokio::test]
async fn removed_and_disabled_links_answer_their_own_404_pages_kept_like_a_redirect_on_dynamodb() {
    removed_and_disabled_links_answer_their_own_404_pages_kept_like_a_redirect(testing::dynamo_store().await).await;
}

#[tokio::test]
async fn an_answer_from_memory_is_kept_elsewhere_no_longer_than_its_memory_copy_lives() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("abc1234", "https://example.com/", None)).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let miss = get(&resolver, Method::GET, "/abc1234").await;
    let miss_done = Instant::now();
    tokio::time::sleep(StdDuration::from_millis(1100)).await;
    let hit_start = Instant::now();
    let hit = get(&resolver, Method::GET, "/abc1234").await;
    let preview = get(&resolver, Method::GET, "/abc1234+").await;

    assert_eq!((header(&miss, CACHE_HEADER), s_maxage(&miss)), ("miss", 86_400), "read from the store: the full TTL");
    assert_eq!(header(&hit, CACHE_HEADER), "hit");
    let left = 300.0 - (hit_start - miss_done).as_secs_f64();
    let edge = s_maxage(&hit);
    assert!((edge as f64) <= left && edge >= 290, "s-maxage {edge} must not exceed the {left:.1} s left in memory");
    assert!(max_age(&hit) <= edge, "{:?}", hit.headers());
    assert!(
        header(&hit, "cache-control").ends_with(&format!("s-maxage={edge}, stale-if-error=86400")),
        "no stale-while-revalidate past the memory copy: {:?}",
        hit.headers()
    );
    assert_eq!(header(&preview, CACHE_HEADER), "hit");
    assert!(s_maxage(&preview) <= edge, "{:?}", preview.headers());
}

#[tokio::test]
async fn a_short_memory_life_caps_both_lifetimes_of_a_hit() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("abc1234", "https://example.com/", None)).await;
    let config = ResolverConfig { cache_ttl_seconds: 2, ..ResolverConfig::default() };
    let resolver = Resolver::new(config, store);
    get(&resolver, Method::GET, "/abc1234").await;

    tokio::time::sleep(StdDuration::from_millis(1100)).await;
    let hit = get(&resolver, Method::GET, "/abc1234").await;

    assert_eq!(header(&hit, CACHE_HEADER), "hit");
    assert_eq!(header(&hit, "cache-control"), "public, max-age=0, s-maxage=0, stale-if-error=86400");
}

#[tokio::test]
async fn forget_makes_the_next_request_read_the_store_for_a_found_and_an_unknown_id() {
    let (store, _dir) = testing::embedded_store();
    let original = link("abc1234", "https://example.com/old", None);
    put(&store, &original).await;
    let store = FailSwitch::new(store);
    let resolver = Resolver::new(ResolverConfig::default(), store.clone());
    let id = |raw: &str| ShortId::parse(raw).unwrap();
    get(&resolver, Method::GET, "/abc1234").await;
    assert_eq!(get(&resolver, Method::GET, "/newlink").await.status(), StatusCode::NOT_FOUND);

    replace(&store, &moved(&original, "https://example.com/new")).await;
    put(&store, &link("newlink", "https://example.com/created", None)).await;
    let before = get(&resolver, Method::GET, "/abc1234").await;
    resolver.forget(&id("abc1234")).await;
    resolver.forget(&id("newlink")).await;
    let edited = get(&resolver, Method::GET, "/abc1234").await;
    let created = get(&resolver, Method::GET, "/newlink").await;

    assert_eq!((header(&before, "location"), header(&before, CACHE_HEADER)), ("https://example.com/old", "hit"));
    assert_eq!((header(&edited, "location"), header(&edited, CACHE_HEADER)), ("https://example.com/new", "miss"));
    assert_eq!((header(&created, "location"), header(&created, CACHE_HEADER)), ("https://example.com/created", "miss"));

    resolver.forget(&id("abc1234")).await;
    store.set_failing(true);
    let failing = get(&resolver, Method::GET, "/abc1234").await;
    assert_eq!(failing.status(), StatusCode::SERVICE_UNAVAILABLE, "the forgotten link's stale copy is gone too");
}

#[tokio::test]
async fn forget_drops_only_the_id_it_is_given() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("changed", "https://example.com/changed", None)).await;
    put(&store, &link("kept123", "https://example.com/kept", None)).await;
    let store = Arc::new(CountingReader::new(store));
    let resolver = Resolver::new(ResolverConfig::default(), Arc::clone(&store));
    for path in ["/changed", "/kept123", "/nosuch1"] {
        get(&resolver, Method::GET, path).await;
    }
    assert_eq!(store.reads(), 3);

    resolver.forget(&ShortId::parse("changed").unwrap()).await;
    let kept = get(&resolver, Method::GET, "/kept123").await;
    let unknown = get(&resolver, Method::GET, "/nosuch1").await;
    let changed = get(&resolver, Method::GET, "/changed").await;

    assert_eq!((header(&kept, "location"), header(&kept, CACHE_HEADER)), ("https://example.com/kept", "hit"));
    assert_eq!((unknown.status(), header(&unknown, CACHE_HEADER)), (StatusCode::NOT_FOUND, "negative"));
    assert_eq!(header(&changed, CACHE_HEADER), "miss");
    assert_eq!(store.reads(), 4, "only the forgotten ID was read again");
}

/// Holds the first answer of the wrapped store, once read, until the test lets it go: a read under way, paused
/// at a point the test chooses. Every later read goes straight through.
struct FirstReadPaused<S> {
    store: S,
    first: std::sync::atomic::AtomicBool,
    read: tokio::sync::Notify,
    go_on: tokio::sync::Notify,
}

impl<S> FirstReadPaused<S> {
    fn new(store: S) -> Self {
        let (read, go_on) = (tokio::sync::Notify::new(), tokio::sync::Notify::new());
        Self { store, first: std::sync::atomic::AtomicBool::new(true), read, go_on }
    }
}

impl<S: LinkReader> LinkReader for FirstReadPaused<S> {
    async fn get(&self, id: &ShortId) -> Result<Option<Link>, shortener_domain::store::StoreError> {
        let answer = self.store.get(id).await;
        if self.first.swap(false, std::sync::atomic::Ordering::SeqCst) {
            self.read.notify_one();
            self.go_on.notified().await;
        }
        answer
    }
}

/// A read of `/abc1234` has the store's old answer in hand when the link changes and [`Resolver::forget`] is
/// called; a request sent after the forget joins it; then the read goes on. Neither request gets the old answer,
/// and memory does not keep it (the next request is a hit on the new one).
async fn a_read_overtaken_by_forget(before: Option<&Link>, after: &Link) {
    let (store, _dir) = testing::embedded_store();
    if let Some(before) = before {
        put(&store, before).await;
    }
    let paused = Arc::new(FirstReadPaused::new(store.clone()));
    let resolver = Arc::new(Resolver::new(ResolverConfig::default(), Arc::clone(&paused)));
    let request = |resolver: &Arc<Resolver<_>>| {
        let resolver = Arc::clone(resolver);
        tokio::spawn(async move { get(&resolver, Method::GET, "/abc1234").await })
    };

    let in_flight = request(&resolver);
    paused.read.notified().await;
    if before.is_some() {
        replace(&store, after).await;
    } else {
        put(&store, after).await;
    }
    resolver.forget(&after.id).await;
    let after_forget = request(&resolver);
    tokio::task::yield_now().await;
    paused.go_on.notify_one();
    let (in_flight, after_forget) = (in_flight.await.unwrap(), after_forget.await.unwrap());
    let later = get(&resolver, Method::GET, "/abc1234").await;

    let new = after.url.as_ref().unwrap().as_str();
    assert_eq!(header(&in_flight, "location"), new, "the read under way is read again");
    assert_eq!(header(&after_forget, "location"), new, "a request after the forget never gets the old answer");
    assert_eq!((header(&later, "location"), header(&later, CACHE_HEADER)), (new, "hit"), "memory holds the new link");
}

#[tokio::test]
async fn a_link_read_under_way_when_forget_is_called_is_not_kept_in_memory() {
    let original = link("abc1234", "https://example.com/old", None);
    a_read_overtaken_by_forget(Some(&original), &moved(&original, "https://example.com/new")).await;
}

#[tokio::test]
async fn an_unknown_id_read_under_way_when_forget_is_called_is_not_kept_in_memory() {
    a_read_overtaken_by_forget(None, &link("abc1234", "https://example.com/created", None)).await;
}

/// The HTML-escaped text of `attribute="…"` in `body`, unescaped.
fn attribute(body: &str, attribute: &str) -> String {
    let start = body.find(&format!("{attribute}=\"")).unwrap_or_else(|| panic!("no {attribute} in {body}"));
    let rest = &body[start + attribute.len() + 2..];
    let value = &rest[..rest.find('"').unwrap()];
    value.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

#[tokio::test]
async fn the_preview_shows_where_a_link_leads_and_never_redirects() {
    let (store, _dir) = testing::embedded_store();
    put(&store, &link("abc1234", "https://www.example.com/landing?x=1&y=2", Some(Duration::days(30)))).await;
    put(&store, &link("gone-now", "https://example.com/", Some(Duration::seconds(-1)))).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let preview = get(&resolver, Method::GET, "/abc1234+").await;
    let head = get(&resolver, Method::HEAD, "/abc1234+").await;

    assert_eq!(preview.status(), StatusCode::OK);
    assert!(preview.headers().get(header::LOCATION).is_none());
    assert_eq!(header(&preview, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&preview, "x-robots-tag"), "noindex");
    let (browser, edge) = (max_age(&preview), s_maxage(&preview));
    assert!(browser == 300 && edge == 86_400, "{:?}", preview.headers());
    let body = preview.body();
    assert!(body.contains("<strong id=\"host\">www.example.com</strong>"), "{body}");
    assert!(body.contains("https://www.example.com/landing?x=1&amp;y=2"), "{body}");
    assert!(body.contains(">Continue to www.example.com</a>"), "{body}");
    assert_eq!(attribute(body, "href"), "https://www.example.com/landing?x=1&y=2");
    let year = OffsetDateTime::now_utc().year().to_string();
    assert!(body.contains("Created</dt><dd>") && body.contains(&year) && !body.contains("Never"), "{body}");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(header(&head, CACHE_HEADER), "hit");
    assert!(s_maxage(&head) <= 300 && max_age(&head) <= s_maxage(&head), "{:?}", head.headers());
    assert!(head.body().is_empty());

    assert_eq!(get(&resolver, Method::GET, "/nosuchid+").await.status(), StatusCode::NOT_FOUND);
    let expired = get(&resolver, Method::GET, "/gone-now+").await;
    assert_eq!(expired.status(), StatusCode::GONE, "an expired link's preview says it expired");
    assert_eq!(header(&expired, "x-robots-tag"), "noindex");
    for malformed in ["/+", "/abc1234++", "/a.b+"] {
        assert_eq!(get(&resolver, Method::GET, malformed).await.status(), StatusCode::NOT_FOUND, "{malformed}");
    }
}

#[tokio::test]
async fn the_preview_escapes_a_hostile_url() {
    let (store, _dir) = testing::embedded_store();
    let hostile = "https://example.com/a'onmouseover='alert(1)'/?q=\"><script>alert(1)</script>&x=<b>#'\"><img>";
    let stored = link("hostile", hostile, None);
    put(&store, &stored).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let preview = get(&resolver, Method::GET, "/hostile+").await;

    let body = preview.body();
    assert_eq!(preview.status(), StatusCode::OK);
    for raw in ["<script", "<img", "<b>", "'onmouseover"] {
        assert!(!body.contains(raw), "{raw:?} reached the page unescaped: {body}");
    }
    assert_eq!(attribute(body, "href"), stored.url.as_ref().unwrap().as_str(), "the link leads exactly to the target");
    assert!(header(&preview, "content-security-policy").contains("default-src 'none'"), "{:?}", preview.headers());
}

/// The calls a fake DynamoDB received: each one's `X-Amz-Target` and body.
type Calls = Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// A DynamoDB endpoint that answers every call with an empty JSON object (a `GetItem` that found nothing) and
/// records the calls.
fn recording_dynamodb() -> (String, Calls) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = Arc::clone(&calls);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            loop {
                let (mut target, mut length) = (String::new(), 0);
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    let lower = line.to_ascii_lowercase();
                    if let Some(value) = lower.strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    if lower.starts_with("x-amz-target:") {
                        target = line["x-amz-target:".len()..].trim().to_owned();
                    }
                    line.clear();
                }
                if line.is_empty() {
                    break;
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    break;
                }
                recorded.lock().unwrap().push((target, String::from_utf8_lossy(&body).into_owned()));
                let answer =
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: 2\r\n\r\n{}";
                if reader.get_mut().write_all(answer.as_bytes()).is_err() {
                    break;
                }
            }
        }
    });
    (endpoint, calls)
}

#[tokio::test]
async fn a_miss_on_dynamodb_is_one_strongly_consistent_get_item() {
    let (endpoint, calls) = recording_dynamodb();
    let store = DynamoStore::connect(&DynamoSettings::new("links", Some(endpoint))).await;
    let resolver = Resolver::new(ResolverConfig::default(), store);

    let response = get(&resolver, Method::GET, "/abc1234").await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].0, "DynamoDB_20120810.GetItem");
    assert!(calls[0].1.contains("\"ConsistentRead\":true"), "{}", calls[0].1);
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

/// Each thread keeps its own copies of hot links (so that a hit writes nothing another core reads): a forget on
/// one thread must reach the copies of every other, whose next request reads the store.
#[test]
fn forget_reaches_the_copies_every_thread_keeps() {
    const THREADS: usize = 4;
    let runtime = || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (store, _dir) = testing::embedded_store();
    let original = link("abc1234", "https://example.com/old", None);
    runtime().block_on(put(&store, &original));
    let resolver = Resolver::new(ResolverConfig::default(), store.clone());
    let (copied, forgotten) = (std::sync::Barrier::new(THREADS + 1), std::sync::Barrier::new(THREADS + 1));

    let answers: Vec<_> = std::thread::scope(|threads| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                threads.spawn(|| {
                    let runtime = runtime();
                    runtime.block_on(get(&resolver, Method::GET, "/abc1234"));
                    let before = runtime.block_on(get(&resolver, Method::GET, "/abc1234"));
                    copied.wait();
                    forgotten.wait();
                    let after = runtime.block_on(get(&resolver, Method::GET, "/abc1234"));
                    let again = runtime.block_on(get(&resolver, Method::GET, "/abc1234"));
                    [before, after, again]
                        .map(|r| (header(&r, "location").to_owned(), header(&r, CACHE_HEADER).to_owned()))
                })
            })
            .collect();
        copied.wait();
        let runtime = runtime();
        runtime.block_on(replace(&store, &moved(&original, "https://example.com/new")));
        runtime.block_on(resolver.forget(&original.id));
        forgotten.wait();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });

    for [before, after, again] in answers {
        assert_eq!(before, ("https://example.com/old".to_owned(), "hit".to_owned()));
        assert_eq!(after.0, "https://example.com/new", "a thread's copy outlived the forget");
        assert_eq!(again, ("https://example.com/new".to_owned(), "hit".to_owned()));
    }
}
