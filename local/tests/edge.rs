//! The local edge in front of the real local stack: Varnish, started by `scripts/edge-cache` with the VCL rendered
//! from the path table, proves through a real cache what CloudFront would do with the stack's answers.
//!
//! These tests need `varnishd`. Without it they pass with a loud message, unless `SHORTENER_TEST_REQUIRE_EDGE` is
//! set (as CI sets it), in which case they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

#[path = "support/stack.rs"]
mod stack;

use std::{
    path::PathBuf,
    process::Command,
    time::{Duration, Instant},
};

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use shortener_domain::{
    ShortId,
    invalidation::{EdgeInvalidator, EdgePath, InvalidationError},
    testing::{free_loopback_port, fresh_dynamo_settings},
};
use shortener_local::edge_cache::VarnishInvalidator;
use stack::{Running, client, location_of, repository_root, shorten, start};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// A Varnish of this test's own, in its own folder; stopped by `scripts/edge-cache stop` when dropped.
struct Edge {
    dir: tempfile::TempDir,
    base: String,
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").env("EDGE_CACHE_DIR", self.dir.path()).status();
    }
}

impl Edge {
    fn workdir(&self) -> PathBuf {
        self.dir.path().join("varnish")
    }

    /// Requests Varnish has sent to the origins since it started.
    fn backend_requests(&self) -> u64 {
        let output = Command::new("varnishstat")
            .arg("-n")
            .arg(self.workdir())
            .args(["-1", "-f", "MAIN.backend_req"])
            .output()
            .expect("running varnishstat");
        let text = String::from_utf8_lossy(&output.stdout);
        text.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("varnishstat: {text}"))
    }

    /// The access log's lines for `path` (header lines skipped), once there are `count` of them, split in fields.
    async fn log_lines(&self, path: &str, count: usize) -> Vec<Vec<String>> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default();
            let lines: Vec<Vec<String>> = log
                .lines()
                .filter(|line| !line.starts_with('#'))
                .map(|line| line.split('\t').map(str::to_owned).collect::<Vec<_>>())
                .filter(|fields| fields.get(7).map(String::as_str) == Some(path))
                .collect();
            if lines.len() >= count || Instant::now() > deadline {
                assert_eq!(lines.len(), count, "access log lines for {path}:\n{log}");
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn script() -> PathBuf {
    repository_root().join("scripts/edge-cache")
}

/// Whether the edge tests can run here; panics if they must and cannot.
fn varnish_present() -> bool {
    let present = Command::new("varnishd").arg("-V").output().is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("SHORTENER_TEST_REQUIRE_EDGE").is_none(),
            "SHORTENER_TEST_REQUIRE_EDGE is set but varnishd is missing: apt-get install varnish"
        );
        // Written to the process's stderr, not through eprintln!, which the test harness captures for passing tests.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"\n!!!!!!!! SKIPPED: varnishd is not installed, so the edge tests did not run. apt-get install varnish \
              (or set SHORTENER_TEST_REQUIRE_EDGE to make this a failure). !!!!!!!!\n",
        );
    }
    present
}

/// A Varnish in front of the local stacks on `ports`, taken in turn.
fn edge_in_front_of(ports: &[u16]) -> Edge {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(script())
        .arg("start")
        .args(ports.iter().map(u16::to_string))
        .env("EDGE_CACHE_DIR", dir.path())
        .env("EDGE_CACHE_CONFIG_BIN", env!("CARGO_BIN_EXE_shortener-edge-config"))
        .output()
        .expect("running scripts/edge-cache start");
    let base = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let edge = Edge { dir, base };
    assert!(output.status.success(), "scripts/edge-cache start: {}", String::from_utf8_lossy(&output.stderr));
    assert!(edge.base.starts_with("http://127.0.0.1:"), "scripts/edge-cache start printed {:?}", edge.base);
    edge
}

/// A local stack (embedded store, extra `args`) with a Varnish in front of it; `None` if Varnish is missing.
async fn stack_behind_edge(args: &[&str]) -> Option<(Running, Edge, tempfile::TempDir)> {
    if !varnish_present() {
        return None;
    }
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8").to_owned();
    let port = free_loopback_port();
    let stack = start(port, &[&["--data-dir", data_dir.as_str()], args].concat()).await;
    Some((stack, edge_in_front_of(&[port]), data))
}

async fn create(edge: &Edge, body: Value) -> String {
    let (status, created) = shorten(&edge.base, body).await;
    assert_eq!(status, StatusCode::CREATED, "POST /shorten through the edge: {created}");
    created["id"].as_str().unwrap_or_else(|| panic!("no id in {created}")).to_owned()
}

async fn get(url: &str) -> Response {
    client().get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// Whether Varnish answered from its cache: a hit names two transactions in `X-Varnish`, a fetch one.
fn from_edge_cache(response: &Response) -> bool {
    header(response, "x-varnish").split_whitespace().count() == 2
}

#[tokio::test]
async fn repeat_clicks_are_answered_by_the_edge_without_reaching_the_resolver() {
    let Some((_stack, edge, _data)) = stack_behind_edge(&[]).await else { return };
    let id = create(&edge, json!({ "urlToShorten": "https://example.com/hot" })).await;
    let before = edge.backend_requests();

    let first = get(&format!("{}/{id}", edge.base)).await;
    assert_eq!(first.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&first, "x-shortener-cache"), "miss", "the first click reads the store");
    assert!(!from_edge_cache(&first));
    for query in ["", "", "?utm_source=mail", ""] {
        let again = get(&format!("{}/{id}{query}", edge.base)).await;
        assert_eq!(again.status(), StatusCode::MOVED_PERMANENTLY);
        assert_eq!(header(&again, "location"), "https://example.com/hot");
        assert_eq!(
            header(&again, "x-shortener-cache"),
            "miss",
            "a repeat click is the first answer kept at the edge; the resolver would have said hit"
        );
        assert!(from_edge_cache(&again), "X-Varnish {:?}", header(&again, "x-varnish"));
        assert_eq!(header(&again, "x-cache"), "Hit from edge-cache");
    }
    assert_eq!(edge.backend_requests() - before, 1, "five clicks, one request to the stack");

    let lines = edge.log_lines(&format!("/{id}"), 5).await;
    let results: Vec<&str> = lines.iter().map(|fields| fields[13].as_str()).collect();
    assert_eq!(results, ["Miss", "Hit", "Hit", "Hit", "Hit"], "x-edge-result-type");
    for fields in &lines {
        assert_eq!(fields.len(), 33, "CloudFront's 33 fields: {fields:?}");
        assert_eq!((fields[5].as_str(), fields[8].as_str()), ("GET", "301"), "cs-method and sc-status");
    }
    assert_eq!(lines[3][11], "utm_source=mail", "cs-uri-query");
    assert_eq!(lines[0][11], "-", "no query string");
    let today = OffsetDateTime::now_utc().date().to_string();
    assert_eq!(lines[0][0], today, "the date is in UTC");
}

#[tokio::test]
async fn the_api_is_never_cached_and_short_links_take_only_get_and_head() {
    let Some((_stack, edge, _data)) = stack_behind_edge(&[]).await else { return };
    let id = create(&edge, json!({ "urlToShorten": "https://example.com/api" })).await;
    let before = edge.backend_requests();
    for _ in 0..3 {
        let read = get(&format!("{}/api/links/{id}", edge.base)).await;
        assert_eq!(read.status(), StatusCode::OK);
        assert!(!from_edge_cache(&read), "an API answer came from the edge");
    }
    assert_eq!(edge.backend_requests() - before, 3, "every API read reaches the stack");

    let post = client().post(format!("{}/{id}", edge.base)).send().await.unwrap();
    assert_eq!(post.status(), StatusCode::FORBIDDEN, "CloudFront answers a method the behaviour does not allow");
    assert_eq!(edge.backend_requests() - before, 3, "the refused POST never reached the stack");
    let head = client().head(format!("{}/{id}", edge.base)).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::MOVED_PERMANENTLY);
}

#[tokio::test]
async fn an_unknown_id_is_kept_for_the_error_caching_minimum_even_when_the_resolver_asks_for_less() {
    let Some((_stack, edge, _data)) = stack_behind_edge(&["--negative-ttl-seconds", "1"]).await else { return };
    let url = format!("{}/nosuch1", edge.base);
    let first = get(&url).await;
    assert_eq!(first.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&first, "cache-control"), "public, max-age=1");
    let before = edge.backend_requests();

    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = get(&url).await;
    assert_eq!(later.status(), StatusCode::NOT_FOUND);
    assert!(from_edge_cache(&later), "a 404 is kept 10 s whatever its max-age: X-Varnish {:?}", {
        header(&later, "x-varnish")
    });
    assert!(header(&later, "age").parse::<u64>().is_ok_and(|age| age >= 2), "Age {:?}", header(&later, "age"));
    assert_eq!(edge.backend_requests(), before);
}

#[tokio::test]
async fn an_expired_link_stops_at_its_expiry() {
    let Some((_stack, edge, _data)) = stack_behind_edge(&[]).await else { return };
    let expires_at = (OffsetDateTime::now_utc() + Duration::from_secs(4)).replace_nanosecond(0).unwrap();
    let expiry = expires_at.format(&Rfc3339).unwrap();
    let id = create(&edge, json!({ "urlToShorten": "https://example.com/soon", "expiresAt": expiry })).await;

    assert_eq!(location_of(&edge.base, &id).await, (StatusCode::MOVED_PERMANENTLY, "https://example.com/soon".into()));
    let kept = get(&format!("{}/{id}", edge.base)).await;
    assert!(from_edge_cache(&kept), "before its expiry the link is served by the edge");
    let cache_control = header(&kept, "cache-control");
    let edge_ttl: u64 = cache_control
        .split(", ")
        .find_map(|directive| directive.strip_prefix("s-maxage="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("Cache-Control {cache_control:?}"));
    assert!(edge_ttl <= 4, "the edge keeps the redirect no longer than the link lives: {cache_control}");

    let left = expires_at - OffsetDateTime::now_utc();
    tokio::time::sleep(Duration::try_from(left).unwrap_or_default() + Duration::from_millis(200)).await;
    let before = edge.backend_requests();
    for _ in 0..2 {
        let gone = get(&format!("{}/{id}", edge.base)).await;
        assert_eq!(gone.status(), StatusCode::GONE, "right after its expiry the link no longer redirects");
        assert!(!from_edge_cache(&gone), "CloudFront does not keep a 410");
    }
    assert_eq!(edge.backend_requests() - before, 2, "every click on an expired link reaches the resolver");
}

#[tokio::test]
async fn a_ban_through_the_varnish_adapter_sends_the_next_click_to_the_resolver() {
    let Some((_stack, edge, _data)) = stack_behind_edge(&[]).await else { return };
    let id = create(&edge, json!({ "urlToShorten": "https://example.com/banned" })).await;
    let other = create(&edge, json!({ "urlToShorten": "https://example.com/kept" })).await;
    for path in [&id, &id, &other, &other] {
        get(&format!("{}/{path}", edge.base)).await;
    }
    let invalidator = VarnishInvalidator::new(edge.workdir());

    let link = EdgePath::of_link(&ShortId::parse(&id).unwrap());
    invalidator.invalidate(&[link]).await.expect("ban accepted");
    let after = get(&format!("{}/{id}", edge.base)).await;
    assert!(!from_edge_cache(&after), "the banned path was fetched again");
    assert_eq!(header(&after, "x-shortener-cache"), "hit", "the resolver answered it, from its own memory");
    assert!(from_edge_cache(&get(&format!("{}/{other}", edge.base)).await), "other paths stay cached");

    let everything = EdgePath::parse("/*").unwrap();
    invalidator.invalidate(&[everything]).await.expect("wildcard ban accepted");
    assert!(!from_edge_cache(&get(&format!("{}/{other}", edge.base)).await), "a wildcard covers every path");
}

#[tokio::test]
async fn invalidating_an_edge_that_is_not_running_is_unavailable() {
    if !varnish_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let invalidator = VarnishInvalidator::new(dir.path().join("varnish"));
    let result = invalidator.invalidate(&[EdgePath::parse("/abc1234").unwrap()]).await;
    assert!(matches!(result, Err(InvalidationError::Unavailable(_))), "{result:?}");
}

#[tokio::test]
async fn two_resolver_instances_behind_the_edge_each_keep_their_own_memory() {
    if !varnish_present() {
        return;
    }
    let settings = fresh_dynamo_settings();
    let endpoint = settings.endpoint.unwrap_or_default();
    let timeout = settings.attempt_timeout_ms.to_string();
    let store = [
        "--store",
        "dynamodb",
        "--dynamodb-endpoint",
        &endpoint,
        "--table-name",
        &settings.table_name,
        "--dynamodb-attempt-timeout-ms",
        &timeout,
    ];
    let ports = [free_loopback_port(), free_loopback_port()];
    let _first = start(ports[0], &[&store[..], &["--create-table"]].concat()).await;
    let _second = start(ports[1], &store).await;
    let edge = edge_in_front_of(&ports);
    let id = create(&edge, json!({ "urlToShorten": "https://example.com/shared" })).await;
    let invalidator = VarnishInvalidator::new(edge.workdir());
    let path = EdgePath::of_link(&ShortId::parse(&id).unwrap());

    // Each fetch after a ban goes to the next instance: two misses (one per instance's memory), then the first
    // instance again, which answers from its memory.
    let mut seen = Vec::new();
    for _ in 0..3 {
        let click = get(&format!("{}/{id}", edge.base)).await;
        assert_eq!(click.status(), StatusCode::MOVED_PERMANENTLY);
        assert!(!from_edge_cache(&click));
        seen.push(header(&click, "x-shortener-cache").to_owned());
        invalidator.invalidate(std::slice::from_ref(&path)).await.expect("ban accepted");
    }
    assert_eq!(seen, ["miss", "miss", "hit"], "x-shortener-cache of fetches taken in turn by two instances");
}
