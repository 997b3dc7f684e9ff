//! The local stack as a newcomer runs it: the real binary, started from the repository root, on one port.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::{Client, StatusCode, redirect::Policy};
use serde_json::{Value, json};
use shortener_domain::testing::free_loopback_port;

/// The running binary; killed (SIGKILL) when dropped, so a failed test leaves nothing behind.
struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn start(port: u16, args: &[&str]) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_shortener-local"))
        .current_dir(repository_root())
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("starting shortener-local: {e}"));
    let mut running = Running { child, base: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = running.child.try_wait() {
            panic!("shortener-local exited before answering: {status}");
        }
        if let Ok(response) = client().get(format!("{}/api/health", running.base)).send().await {
            if response.status() == StatusCode::OK {
                return running;
            }
        }
        assert!(Instant::now() < deadline, "shortener-local did not answer within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap_or_else(|e| panic!("{e}"))
}

async fn shorten(base: &str, body: Value) -> (StatusCode, Value) {
    let response = client()
        .post(format!("{base}/shorten"))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST /shorten: {e}"));
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn location_of(base: &str, id: &str) -> (StatusCode, String) {
    let response = client().get(format!("{base}/{id}")).send().await.unwrap_or_else(|e| panic!("GET /{id}: {e}"));
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (response.status(), location)
}

#[tokio::test]
async fn a_link_created_through_the_stack_redirects_and_survives_a_kill_and_restart() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data_dir = data.path().to_str().unwrap_or_else(|| panic!("temp path is not UTF-8"));
    let port = free_loopback_port();
    let stack = start(port, &["--data-dir", data_dir]).await;

    let (status, created) = shorten(&stack.base, json!({ "urlToShorten": "https://example.com/article?id=7" })).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap_or_else(|| panic!("no id in {created}")).to_owned();
    assert_eq!(created["shortUrl"], json!(format!("{}/{id}", stack.base)));
    assert_eq!(
        location_of(&stack.base, &id).await,
        (StatusCode::MOVED_PERMANENTLY, "https://example.com/article?id=7".to_owned())
    );

    drop(stack);
    let stack = start(port, &["--data-dir", data_dir]).await;

    assert_eq!(
        location_of(&stack.base, &id).await,
        (StatusCode::MOVED_PERMANENTLY, "https://example.com/article?id=7".to_owned())
    );
}

#[tokio::test]
async fn one_port_serves_the_site_the_api_and_the_redirects_by_the_path_table() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data_dir = data.path().to_str().unwrap_or_else(|| panic!("temp path is not UTF-8"));
    let stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;
    let client = client();

    let page = client.get(format!("{}/", stack.base)).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"].to_str().unwrap_or("").starts_with("text/html"));
    let csp = page.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(csp.starts_with("default-src 'self'"), "the site is served with a strict CSP: {csp:?}");
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("/assets/"), "the page should load its assets from /assets/");

    let script = client.get(format!("{}/assets/app.js", stack.base)).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.text().await.unwrap_or_default().contains("/shorten"));

    let missing_asset =
        client.get(format!("{}/assets/nope.js", stack.base)).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(missing_asset.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing_asset.headers()["cache-control"], "no-cache", "a missing file must not be cached for long");

    let (status, body) =
        shorten(&stack.base, json!({ "urlToShorten": "https://example.com/", "alias": "local-alias" })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) =
        shorten(&stack.base, json!({ "urlToShorten": "https://example.com/", "alias": "local-alias" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = shorten(&stack.base, json!({ "urlToShorten": format!("{}/local-alias", stack.base) })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a link to the stack itself is a loop: {body}");
    let port = stack.base.rsplit(':').next().unwrap_or_default();
    let (status, body) = shorten(&stack.base, json!({ "urlToShorten": format!("http://localhost:{port}/x") })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "localhost is the stack too: {body}");

    let info =
        client.get(format!("{}/api/links/local-alias", stack.base)).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(info.status(), StatusCode::OK);
    assert_eq!(location_of(&stack.base, "local-alias").await.0, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(location_of(&stack.base, "unknown1").await.0, StatusCode::NOT_FOUND);

    let big = "x".repeat(9 * 1024);
    let too_large = client
        .post(format!("{}/shorten", stack.base))
        .header("content-type", "application/json")
        .body(format!("{{\"urlToShorten\":\"https://example.com/{big}\"}}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// Sends `GET <raw path>` as written (an HTTP client would normalize `..` away) and returns the status line.
async fn raw_get_status_line(base: &str, raw_path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap_or_else(|e| panic!("{e}"));
    let request = format!("GET {raw_path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap_or_else(|e| panic!("{e}"));
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8_lossy(&response).lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn site_paths_never_serve_files_outside_the_site_folder() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data_dir = data.path().to_str().unwrap_or_else(|| panic!("temp path is not UTF-8"));
    let stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;

    for path in ["/assets/../../Cargo.toml", "/assets/%2e%2e/%2e%2e/Cargo.toml", "/assets/..%2f..%2fCargo.toml"] {
        let status = raw_get_status_line(&stack.base, path).await;
        assert!(status.starts_with("HTTP/1.1 4"), "{path}: {status}");
    }
    assert!(raw_get_status_line(&stack.base, "/assets/app.js").await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn ctrl_c_and_sigterm_shut_the_stack_down_cleanly() {
    for signal in ["-INT", "-TERM"] {
        let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let data_dir = data.path().to_str().unwrap_or_else(|| panic!("temp path is not UTF-8"));
        let mut stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;

        let signalled = Command::new("kill").arg(signal).arg(stack.child.id().to_string()).status();
        assert!(signalled.is_ok_and(|s| s.success()), "could not send {signal}");
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = stack.child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
                break status;
            }
            assert!(Instant::now() < deadline, "still running 10 s after {signal}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(status.success(), "exit status after {signal}: {status}");
    }
}

#[tokio::test]
async fn the_stack_can_run_on_dynamodb_and_create_its_table() {
    let settings = shortener_domain::testing::fresh_dynamo_settings();
    let endpoint = settings.endpoint.unwrap_or_default();
    let timeout = settings.attempt_timeout_ms.to_string();
    let args = ["--store", "dynamodb", "--dynamodb-endpoint", &endpoint, "--table-name", &settings.table_name];
    let stack = start(
        free_loopback_port(),
        &[&args[..], &["--create-table", "--dynamodb-attempt-timeout-ms", &timeout]].concat(),
    )
    .await;

    let (status, created) = shorten(&stack.base, json!({ "urlToShorten": "https://example.com/dynamo" })).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap_or_else(|| panic!("no id in {created}"));
    assert_eq!(
        location_of(&stack.base, id).await,
        (StatusCode::MOVED_PERMANENTLY, "https://example.com/dynamo".to_owned())
    );
}
