//! The local edge in front of the real local stack: Varnish, started by `scripts/edge-cache` with the VCL rendered
//! from the path table, proves through a real cache what CloudFront would do with the stack's answers.
//!
//! These tests need `varnishd`. Without it they pass with a loud message, unless `SHORTENER_TEST_REQUIRE_EDGE` is
//! set (as CI sets it), in which case they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

#[path = "support/edge.rs"]
mod edge;
#[path = "support/stack.rs"]
mod stack;

use std::{
    path::PathBuf,
    process::Command,
    time::{Duration, Instant},
};

use clap::Parser as _;
use edge::{Edge, edge_in_front_of, from_edge_cache, get, header, script, varnish_present};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shortener_domain::{
    ShortId,
    invalidation::{EdgeInvalidator, EdgePath, InvalidationError},
    store::dynamodb::DynamoSettings,
    testing::{free_loopback_port, fresh_dynamo_settings},
};
use shortener_local::{AnyStore, edge_cache::VarnishInvalidator};
use stack::{Running, client, counted, dynamo_flags, location_of, on_dynamo, repository_root, shorten, start};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

impl Edge {
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

    /// Closes the access log as it is (`scripts/edge-cache rotate`): the closed file.
    fn rotate(&self) -> PathBuf {
        let output =
            Command::new(script()).arg("rotate").env("EDGE_CACHE_DIR", self.dir.path()).output().expect("rotating");
        assert!(output.status.success(), "scripts/edge-cache rotate: {}", String::from_utf8_lossy(&output.stderr));
        PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
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

/// A local stack (embedded store, extra `args`) with a Varnish in front of it; `None` if Varnish is missing. The
/// stack's own access log is off: behind the edge, the edge's log is the one counted.
async fn stack_behind_edge(args: &[&str]) -> Option<(Running, Edge, tempfile::TempDir)> {
    if !varnish_present() {
        return None;
    }
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8").to_owned();
    let port = free_loopback_port();
    let stack = start(port, &[&["--data-dir", data_dir.as_str(), "--access-log", "false"], args].concat()).await;
    Some((stack, edge_in_front_of(&[port]), data))
}

async fn create(edge: &Edge, body: Value) -> String {
    let (status, created) = shorten(&edge.base, body).await;
    assert_eq!(status, StatusCode::CREATED, "POST /shorten through the edge: {created}");
    created["id"].as_str().unwrap_or_else(|| panic!("no id in {created}")).to_owned()
}

/// The `s-maxage` of a `Cache-Control` value, in seconds.
fn s_maxage(cache_control: &str) -> Option<u64> {
    cache_control.split(", ").find_map(|directive| directive.strip_prefix("s-maxage=")).and_then(|n| n.parse().ok())
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
    let edge_ttl = s_maxage(cache_control).unwrap_or_else(|| panic!("Cache-Control {cache_control:?}"));
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

/// Two local stacks (two resolver instances, each with its own memory, `args` added to both) on one fresh
/// DynamoDB Local table, behind one edge that takes them in turn; `None` if Varnish is missing.
struct Instances {
    stacks: [Running; 2],
    edge: Edge,
    store: DynamoSettings,
}

async fn two_instances_behind_edge(args: &[&str]) -> Option<Instances> {
    if !varnish_present() {
        return None;
    }
    let store = fresh_dynamo_settings();
    let args = on_dynamo(&store, args);
    let ports = [free_loopback_port(), free_loopback_port()];
    let first = start(ports[0], &args).await;
    let second = start(ports[1], &args).await;
    let edge = edge_in_front_of(&ports);
    Some(Instances { stacks: [first, second], edge, store })
}

#[tokio::test]
async fn two_resolver_instances_behind_the_edge_each_keep_their_own_memory() {
    let Some(instances) = two_instances_behind_edge(&[]).await else { return };
    let edge = &instances.edge;
    let id = create(edge, json!({ "urlToShorten": "https://example.com/shared" })).await;
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

/// `CACHE_TTL_SECONDS` of the propagation tests: short, so that they end in seconds.
const MEMORY_TTL: Duration = Duration::from_secs(3);
/// What the bound allows beyond `CACHE_TTL_SECONDS`: the edge counts a copy's life from when it arrived, a little
/// after the resolver reckoned what was left of its memory copy.
const SLACK: Duration = Duration::from_millis(500);
const OLD_URL: &str = "https://example.com/before";
const NEW_URL: &str = "https://example.com/after";

/// A change to a link, made as its owner or the operator makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// `PATCH /api/links/{id}` with a new `url`, through the edge (so through one instance).
    Edit,
    /// `DELETE /api/links/{id}`, through the edge.
    Delete,
    /// `shortener-operator disable --reason phishing` on the instances' table: no instance is told.
    Takedown,
}

impl Change {
    /// Makes the change; returns once it is acknowledged.
    async fn make(self, instances: &Instances, id: &str, token: &str) {
        let api = format!("{}/api/links/{id}", instances.edge.base);
        match self {
            Self::Edit => {
                let edited = client()
                    .patch(&api)
                    .bearer_auth(token)
                    .header("content-type", "application/merge-patch+json")
                    .body(json!({ "url": NEW_URL }).to_string())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(edited.status(), StatusCode::OK, "PATCH through the edge");
            }
            Self::Delete => {
                let deleted = client().delete(&api).bearer_auth(token).send().await.unwrap();
                assert_eq!(deleted.status(), StatusCode::NO_CONTENT, "DELETE through the edge");
            }
            Self::Takedown => operator(&instances.store, &["disable", id, "--reason", "phishing"]).await,
        }
    }

    /// Whether `answer` (status, body) to a click on `path` is the link's answer after this change.
    fn is_new(self, path: Path, status: StatusCode, location: &str, body: &str) -> bool {
        match (self, path) {
            (Self::Edit, Path::Redirect) => status == StatusCode::MOVED_PERMANENTLY && location == NEW_URL,
            (Self::Edit, Path::Preview) => status == StatusCode::OK && body.contains(NEW_URL),
            (Self::Delete, _) => status == StatusCode::NOT_FOUND && body.contains("removed"),
            (Self::Takedown, _) => {
                status == StatusCode::NOT_FOUND && body.contains("disabled") && body.contains("phishing")
            }
        }
    }
}

/// The two paths of a link the edge keeps, both invalidated on a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// `/{id}`.
    Redirect,
    /// `/{id}+`.
    Preview,
}

impl Path {
    fn of(self, id: &str) -> String {
        match self {
            Self::Redirect => format!("/{id}"),
            Self::Preview => format!("/{id}+"),
        }
    }

    /// Whether a click's answer is the link's answer before any change.
    fn is_old(self, status: StatusCode, location: &str, body: &str) -> bool {
        match self {
            Self::Redirect => status == StatusCode::MOVED_PERMANENTLY && location == OLD_URL,
            Self::Preview => status == StatusCode::OK && body.contains(OLD_URL),
        }
    }
}

/// One click through the edge after the change.
#[derive(Debug)]
struct Click {
    path: Path,
    /// Time from the acknowledgement of the change to when the click was sent.
    sent: Duration,
    old: bool,
    from_edge: bool,
    resolver_cache: String,
    cache_control: String,
}

/// Runs the operator's tool with `args` on `store`, as `shortener-operator --store dynamodb` runs it.
async fn operator(store: &DynamoSettings, args: &[&str]) {
    let flags = dynamo_flags(store);
    let cli = shortener_operator::Cli::try_parse_from(
        std::iter::once("shortener-operator").chain(flags.iter().map(String::as_str)).chain(args.iter().copied()),
    )
    .expect("operator arguments");
    let Ok(AnyStore::Dynamo(store)) = shortener_operator::open_store(&cli.store).await else {
        panic!("the operator's tool did not open the DynamoDB table");
    };
    shortener_operator::run(&store, &cli.command).await.expect("the operator's change");
}

/// Creates a link through the edge and makes both instances and the edge hold its answers: its ID and token.
async fn warm(instances: &Instances) -> (String, String) {
    let (status, created) = shorten(&instances.edge.base, json!({ "urlToShorten": OLD_URL })).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let token = created["manageToken"].as_str().unwrap().to_owned();
    // The first click on each path is a fetch, and fetches go to the instances in turn: each reads the store.
    for path in [Path::Redirect, Path::Preview] {
        for _ in 0..2 {
            let click = get(&format!("{}{}", instances.edge.base, path.of(&id))).await;
            let (status, location) = (click.status(), header(&click, "location").to_owned());
            assert!(path.is_old(status, &location, &click.text().await.unwrap()), "{path:?}: {status} {location}");
        }
        assert!(
            from_edge_cache(&get(&format!("{}{}", instances.edge.base, path.of(&id))).await),
            "{path:?} at the edge"
        );
    }
    for stack in &instances.stacks {
        let direct = get(&format!("{}/{id}", stack.base)).await;
        assert_eq!(header(&direct, "location"), OLD_URL);
        assert_eq!(header(&direct, "x-shortener-cache"), "hit", "both instances hold the link in memory");
    }
    (id, token)
}

/// Clicks `path` through the edge and sorts the answer: old, new, or (a failure) neither.
async fn click(instances: &Instances, change: Change, id: &str, path: Path, acknowledged: Instant) -> Click {
    let sent = acknowledged.elapsed();
    let response = get(&format!("{}{}", instances.edge.base, path.of(id))).await;
    let status = response.status();
    let location = header(&response, "location").to_owned();
    let from_edge = from_edge_cache(&response);
    let resolver_cache = header(&response, "x-shortener-cache").to_owned();
    let cache_control = header(&response, "cache-control").to_owned();
    let body = response.text().await.unwrap();
    let old = path.is_old(status, &location, &body);
    assert!(
        old || change.is_new(path, status, &location, &body),
        "{path:?} {sent:?} after the change is neither the old nor the new answer: {status} {location} {body}"
    );
    Click { path, sent, old, from_edge, resolver_cache, cache_control }
}

/// Steps 1 to 3 of the propagation proof for `change`: both instances and the edge hold the old answer; the change
/// is acknowledged and `/{id}` and `/{id}+` are invalidated, as the stream function does; clicks right after it
/// reach an instance that still holds the old link, which the edge keeps again, but no longer than that memory
/// copy lives; from `CACHE_TTL_SECONDS` after the acknowledgement on, every click on either path, through either
/// instance, from the edge's cache or not, gets the new answer.
async fn a_change_reaches_every_viewer_within_the_memory_bound(change: Change) {
    let ttl = MEMORY_TTL.as_secs().to_string();
    let Some(instances) = two_instances_behind_edge(&["--cache-ttl-seconds", &ttl]).await else { return };
    let (id, token) = warm(&instances).await;
    let paths = [Path::Redirect, Path::Preview];
    let invalidation: Vec<EdgePath> = paths.iter().map(|path| EdgePath::parse(&path.of(&id)).unwrap()).collect();
    let invalidator = VarnishInvalidator::new(instances.edge.workdir());

    change.make(&instances, &id, &token).await;
    let acknowledged = Instant::now();
    invalidator.invalidate(&invalidation).await.expect("ban accepted");

    let bound = MEMORY_TTL + SLACK;
    let mut clicks = Vec::new();
    while acknowledged.elapsed() < bound + Duration::from_millis(1500) {
        for path in paths {
            clicks.push(click(&instances, change, &id, path, acknowledged).await);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let late: Vec<&Click> = clicks.iter().filter(|c| c.old && c.sent >= bound).collect();
    assert!(late.is_empty(), "old answers {bound:?} or more after the change was acknowledged: {late:#?}");
    let recached: Vec<&Click> = clicks
        .iter()
        .filter(|c| c.old && c.from_edge && c.resolver_cache == "hit" && c.path == Path::Redirect)
        .collect();
    assert!(
        !recached.is_empty(),
        "no old redirect was kept again by the edge after the ban, so the race was not exercised: {clicks:#?}"
    );
    let memory_ttl = MEMORY_TTL.as_secs();
    for copy in &recached {
        assert!(
            s_maxage(&copy.cache_control).is_some_and(|s| s < memory_ttl),
            "an answer from memory is kept at the edge no longer than its memory copy: {copy:?}"
        );
    }
    assert!(clicks.iter().any(|c| c.sent >= bound && c.from_edge), "the edge keeps the new answer: {clicks:#?}");

    // Fetches go to the instances in turn: after a ban each, both instances answer each path.
    for path in paths {
        for _ in &instances.stacks {
            invalidator.invalidate(&invalidation).await.expect("ban accepted");
            let fetched = click(&instances, change, &id, path, acknowledged).await;
            assert!(!fetched.old && !fetched.from_edge, "each instance answers the new link: {fetched:?}");
        }
    }
}

#[tokio::test]
async fn an_edit_reaches_every_viewer_through_the_edge_within_the_memory_bound() {
    a_change_reaches_every_viewer_within_the_memory_bound(Change::Edit).await;
}

#[tokio::test]
async fn a_delete_reaches_every_viewer_through_the_edge_within_the_memory_bound() {
    a_change_reaches_every_viewer_within_the_memory_bound(Change::Delete).await;
}

#[tokio::test]
async fn an_operator_takedown_reaches_every_viewer_through_the_edge_within_the_memory_bound() {
    a_change_reaches_every_viewer_within_the_memory_bound(Change::Takedown).await;
}

#[tokio::test]
async fn without_the_invalidation_the_edge_keeps_the_old_redirect_past_the_memory_bound() {
    let edge_ttl = Duration::from_secs(6);
    let (memory, edge) = (MEMORY_TTL.as_secs().to_string(), edge_ttl.as_secs().to_string());
    let args = ["--cache-ttl-seconds", memory.as_str(), "--edge-ttl-seconds", edge.as_str()];
    let Some(instances) = two_instances_behind_edge(&args).await else { return };
    let (id, token) = warm(&instances).await;

    Change::Edit.make(&instances, &id, &token).await;
    let acknowledged = Instant::now();
    tokio::time::sleep(MEMORY_TTL + SLACK).await;
    let past_bound = click(&instances, Change::Edit, &id, Path::Redirect, acknowledged).await;
    assert!(
        past_bound.old && past_bound.from_edge,
        "with no invalidation the edge still serves its copy, read from the store, past the memory bound: {past_bound:?}"
    );

    let mut last = past_bound;
    while last.old {
        assert!(last.sent < edge_ttl + SLACK, "the edge kept the old redirect beyond EDGE_TTL_SECONDS: {last:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        last = click(&instances, Change::Edit, &id, Path::Redirect, acknowledged).await;
    }
}

/// `shortener-local --data-dir DATA count-log FILE`, as a person counts the edge's log: what it printed.
fn count_log(data: &std::path::Path, file: &std::path::Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_shortener-local"))
        .current_dir(repository_root())
        .arg("--data-dir")
        .arg(data)
        .arg("count-log")
        .arg(file)
        .output()
        .expect("running shortener-local count-log");
    assert!(output.status.success(), "count-log: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn clicks_the_edge_answered_are_counted_exactly_once_from_its_own_log() {
    let Some((mut stack, edge, data)) = stack_behind_edge(&[]).await else { return };
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(create(&edge, json!({ "urlToShorten": format!("https://example.com/counted/{n}") })).await);
    }
    let before = edge.backend_requests();
    let clicks = [9_u64, 4, 1];
    for (id, &n) in ids.iter().zip(&clicks) {
        for _ in 0..n {
            assert_eq!(location_of(&edge.base, id).await.0, StatusCode::MOVED_PERMANENTLY);
        }
        let head = client().head(format!("{}/{id}", edge.base)).send().await.unwrap();
        assert_eq!(head.status(), StatusCode::MOVED_PERMANENTLY, "HEAD is answered, never counted");
        assert_eq!(get(&format!("{}/{id}+", edge.base)).await.status(), StatusCode::OK, "a preview is not a click");
    }
    for _ in 0..3 {
        let bot = client()
            .get(format!("{}/{}", edge.base, ids[0]))
            .header("user-agent", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)")
            .send()
            .await
            .unwrap();
        assert!(from_edge_cache(&bot), "the preview fetcher is answered by the edge");
    }
    for _ in 0..2 {
        assert_eq!(get(&format!("{}/nosuch1", edge.base)).await.status(), StatusCode::NOT_FOUND, "not counted");
    }
    let fetched = edge.backend_requests() - before;
    let answered = clicks.iter().sum::<u64>() + 3 + 2 + 2 * 3;
    assert!(fetched <= 7, "most clicks were answered by the edge: {fetched} of {answered} reached the stack");

    let log = edge.rotate();
    assert!(stack.stop_with("-TERM").await.success());
    assert!(!data.path().join("access-log").exists(), "behind the edge the stack writes no log of its own");
    let said = count_log(data.path(), &log);
    assert!(said.contains("14 clicks, 3 bots"), "{said}");
    let said_again = count_log(data.path(), &log);
    assert!(said_again.contains("0 chunks added, 1 already counted"), "{said_again}");

    for (id, &n) in ids.iter().zip(&clicks) {
        let bots = if *id == ids[0] { 3 } else { 0 };
        assert_eq!(counted(data.path(), id).await, (n, bots), "(clicks, bots) of {id}, the log counted twice");
    }
    assert_eq!(counted(data.path(), "nosuch1").await, (0, 0));
}

#[tokio::test]
async fn while_the_origin_is_down_a_clicked_link_keeps_redirecting_from_the_edge_within_stale_if_error_and_not_after() {
    let args = ["--edge-ttl-seconds", "1", "--stale-while-revalidate-seconds", "0", "--stale-if-error-seconds", "4"];
    let Some((stack, edge, _data)) = stack_behind_edge(&args).await else { return };
    let id = create(&edge, json!({ "urlToShorten": "https://example.com/through-the-outage" })).await;
    let taken_down = create(&edge, json!({ "urlToShorten": "https://example.com/invalidated" })).await;
    let clicked = Instant::now();
    let first = get(&format!("{}/{id}", edge.base)).await;
    assert_eq!(first.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&first, "cache-control"), "public, max-age=1, s-maxage=1, stale-if-error=4");
    assert_eq!(get(&format!("{}/{taken_down}", edge.base)).await.status(), StatusCode::MOVED_PERMANENTLY);
    let banned = EdgePath::of_link(&ShortId::parse(&taken_down).unwrap());
    VarnishInvalidator::new(edge.workdir()).invalidate(&[banned]).await.expect("banning through varnishadm");

    drop(stack);
    tokio::time::sleep(Duration::from_millis(1_500).saturating_sub(clicked.elapsed())).await;
    let stale = get(&format!("{}/{id}", edge.base)).await;
    assert_eq!(stale.status(), StatusCode::MOVED_PERMANENTLY, "past s-maxage, origin down, within stale-if-error");
    assert_eq!(header(&stale, "location"), "https://example.com/through-the-outage");
    assert!(from_edge_cache(&stale), "X-Varnish {:?}", header(&stale, "x-varnish"));
    let invalidated = get(&format!("{}/{taken_down}", edge.base)).await;
    assert_eq!(invalidated.status(), StatusCode::SERVICE_UNAVAILABLE, "an invalidated copy is never served stale");

    tokio::time::sleep(Duration::from_millis(6_000).saturating_sub(clicked.elapsed())).await;
    let late = get(&format!("{}/{id}", edge.base)).await;
    assert_eq!(late.status(), StatusCode::SERVICE_UNAVAILABLE, "past s-maxage + stale-if-error the copy is gone");
}
