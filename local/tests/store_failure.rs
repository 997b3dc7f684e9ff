//! A store that fails, as stores do: DynamoDB Local stopped and restarted under the running local stack (the same
//! `Api` and `Resolver` handlers the Lambdas run), and the embedded store's process killed under load.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

#[path = "support/stack.rs"]
#[allow(dead_code, reason = "shared with the stack and edge tests, which use other parts")]
mod stack;

use std::{
    process::Command,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::{Value, json};
use shortener_domain::{ShortId, store::dynamodb::DynamoSettings, testing::free_loopback_port};
use stack::{client, location_of, on_dynamo, repository_root, shorten, start};

/// A DynamoDB Local of this test's own (not the shared one `scripts/test` started), keeping its data in a folder so
/// that it comes back with its tables after a stop. Started and stopped by `scripts/dynamodb-local`, by PID.
struct OwnDynamoLocal {
    name: String,
    port: u16,
    data: tempfile::TempDir,
}

impl OwnDynamoLocal {
    fn start() -> Self {
        let suffix = ShortId::generate().unwrap();
        let own =
            Self { name: format!("test-{suffix}"), port: free_loopback_port(), data: tempfile::tempdir().unwrap() };
        own.run("start");
        own
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `scripts/dynamodb-local start|stop` for this instance, on the same port and data folder every time.
    fn run(&self, action: &str) {
        let status = Command::new(repository_root().join("scripts/dynamodb-local"))
            .arg(action)
            .env("DYNAMODB_LOCAL_NAME", &self.name)
            .env("DYNAMODB_LOCAL_PORT", self.port.to_string())
            .env("DYNAMODB_LOCAL_DB_PATH", self.data.path())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("scripts/dynamodb-local {action}: {e}"));
        assert!(status.success(), "scripts/dynamodb-local {action} failed: {status}");
    }
}

impl Drop for OwnDynamoLocal {
    fn drop(&mut self) {
        self.run("stop");
    }
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// The promise: while DynamoDB is down, links resolved recently keep redirecting (stale-if-error); other IDs and
/// creations get 503 with `Retry-After` within the configured bound, and no partial item is left; when DynamoDB is
/// back, everything works again without restarting anything.
#[tokio::test]
async fn a_dynamodb_outage_degrades_and_recovers_without_a_restart() {
    let dynamo = OwnDynamoLocal::start();
    let settings = DynamoSettings {
        attempt_timeout_ms: 500,
        max_attempts: 2,
        ..DynamoSettings::new("links", Some(dynamo.endpoint()))
    };
    // Bound of one failed store call: 2 attempts of at most 500 ms each, plus at most 1 s of backoff.
    let bound = settings.worst_case();
    let port = free_loopback_port();
    let stack = start(port, on_dynamo(&settings, &["--cache-ttl-seconds", "1"])).await;
    let base = &stack.base;

    let (status, known) = shorten(base, json!({ "urlToShorten": "https://example.com/known", "alias": "known" })).await;
    assert_eq!(status, StatusCode::CREATED, "{known}");
    let (status, cold) = shorten(base, json!({ "urlToShorten": "https://example.com/cold", "alias": "cold" })).await;
    assert_eq!(status, StatusCode::CREATED, "{cold}");
    assert_eq!(location_of(base, "known").await, (StatusCode::MOVED_PERMANENTLY, "https://example.com/known".into()));

    dynamo.run("stop");
    // Past CACHE_TTL_SECONDS, so the next answer for `known` needs the store, which is down.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let stale = client().get(format!("{base}/known")).send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&stale, "location"), "https://example.com/known");
    assert_eq!(header(&stale, "x-shortener-cache"), "stale");

    let asked = Instant::now();
    let miss = client().get(format!("{base}/cold")).send().await.unwrap();
    let waited = asked.elapsed();
    assert_eq!(miss.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(header(&miss, "retry-after").parse::<u32>().is_ok(), "no Retry-After: {:?}", miss.headers());
    assert_eq!(header(&miss, "cache-control"), "no-store");
    // A correctness bound (the configured timeouts), not a speed goal: 3 s of slack for a busy machine.
    assert!(waited < bound + Duration::from_secs(3), "the 503 took {waited:?}, over the bound {bound:?}");

    let (status, problem) =
        shorten(base, json!({ "urlToShorten": "https://example.com/during", "alias": "during" })).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert_eq!(problem["status"], 503);
    let refused = client()
        .post(format!("{base}/shorten"))
        .json(&json!({ "urlToShorten": "https://example.com/during" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(header(&refused, "retry-after").parse::<u32>().is_ok(), "no Retry-After: {:?}", refused.headers());

    dynamo.run("start");

    // No partial item: the alias refused during the outage does not exist, and can be created now.
    let read = client().get(format!("{base}/api/links/during")).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::NOT_FOUND, "{:?}", read.text().await);
    let (status, during) =
        shorten(base, json!({ "urlToShorten": "https://example.com/during", "alias": "during" })).await;
    assert_eq!(status, StatusCode::CREATED, "{during}");
    assert_eq!(location_of(base, "during").await, (StatusCode::MOVED_PERMANENTLY, "https://example.com/during".into()));
    assert_eq!(location_of(base, "cold").await, (StatusCode::MOVED_PERMANENTLY, "https://example.com/cold".into()));
    let fresh = client().get(format!("{base}/known")).send().await.unwrap();
    assert_eq!(header(&fresh, "x-shortener-cache"), "miss", "the store is read again once it is back");
}

/// The promise: a 201 means the link is on disk. Clients create links as fast as they can; the process is killed
/// with SIGKILL in the middle; after a restart every link that got a 201 is there with its URL.
#[tokio::test]
async fn the_embedded_store_loses_no_acknowledged_link_when_killed_under_load() {
    const CLIENTS: usize = 8;
    const MAX_PER_CLIENT: usize = 2_000;
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let port = free_loopback_port();
    // Every client here is 127.0.0.1, and the test needs thousands of creations from it.
    let stack = start(port, &["--data-dir", data_dir, "--create-quota-per-hour", "0"]).await;

    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut clients = Vec::new();
    for client_no in 0..CLIENTS {
        let base = stack.base.clone();
        let acknowledged = Arc::clone(&acknowledged);
        clients.push(tokio::spawn(async move {
            let http = client();
            for n in 0..MAX_PER_CLIENT {
                let url = format!("https://example.com/load/{client_no}/{n}");
                let sent = http
                    .post(format!("{base}/shorten"))
                    .timeout(Duration::from_secs(5))
                    .json(&json!({ "urlToShorten": url }))
                    .send()
                    .await;
                // Once the process is gone, requests fail: stop.
                let Ok(response) = sent else { return };
                if response.status() != StatusCode::CREATED {
                    continue;
                }
                let Ok(created) = response.json::<Value>().await else { continue };
                if let Some(id) = created["id"].as_str() {
                    acknowledged.lock().unwrap_or_else(|e| e.into_inner()).push((id.to_owned(), url));
                }
            }
        }));
    }
    // Kill once a good number of writes were acknowledged (or after 20 s at most), while clients still write.
    let deadline = Instant::now() + Duration::from_secs(20);
    while acknowledged.lock().unwrap_or_else(|e| e.into_inner()).len() < 300 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(stack); // SIGKILL
    for task in clients {
        task.await.unwrap();
    }
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap_or_else(|e| e.into_inner()));
    assert!(acknowledged.len() >= 300, "only {} links were acknowledged before the kill", acknowledged.len());

    let stack = start(port, &["--data-dir", data_dir]).await;
    let http = client();
    let mut lost = Vec::new();
    for (id, url) in &acknowledged {
        let response = http.get(format!("{}/api/links/{id}", stack.base)).send().await.unwrap();
        let stored = if response.status() == StatusCode::OK {
            response.json::<Value>().await.ok().and_then(|link| link["url"].as_str().map(str::to_owned))
        } else {
            None
        };
        if stored.as_deref() != Some(url.as_str()) {
            lost.push(id.clone());
        }
    }
    assert!(lost.is_empty(), "{} of {} acknowledged links were lost: {lost:?}", lost.len(), acknowledged.len());
}
