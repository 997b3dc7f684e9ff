//! The local stack as a newcomer runs it: the real binary, started from the repository root, on one port.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

#[path = "support/stack.rs"]
mod support;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use shortener_domain::testing::free_loopback_port;
use support::{client, counted, location_of, on_dynamo, repository_root, shorten, start};

#[tokio::test]
async fn a_link_created_through_the_stack_redirects_and_survives_a_kill_and_restart() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
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
async fn security_txt_is_served_with_the_abuse_contact_the_site_names_and_has_not_expired() {
    let data = tempfile::tempdir().unwrap();
    let stack = start(free_loopback_port(), &["--data-dir", data.path().to_str().unwrap()]).await;
    let response = client().get(format!("{}/.well-known/security.txt", stack.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap_or("").starts_with("text/plain"));
    let text = response.text().await.unwrap();
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
            .unwrap_or_else(|| panic!("RFC 9116 asks for {name}: in {text}"))
            .to_owned()
    };

    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repository_root().join("site/config.json")).unwrap()).unwrap();
    assert_eq!(config["abuseContact"].as_str(), Some(field("Contact").as_str()), "one contact, in both places");
    let expires = time::OffsetDateTime::parse(&field("Expires"), &time::format_description::well_known::Rfc3339)
        .expect("Expires is an RFC 3339 time");
    let now = time::OffsetDateTime::now_utc();
    assert!(
        now < expires && expires < now + time::Duration::days(366),
        "security.txt's Expires ({expires}) must lie within the coming year: move it forward (docs/operating.md)"
    );
    assert!(!field("Preferred-Languages").is_empty());
    assert!(field("Canonical").ends_with("/.well-known/security.txt"));
}

#[tokio::test]
async fn one_port_serves_the_site_the_api_and_the_redirects_by_the_path_table() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;
    let client = client();

    let page = client.get(format!("{}/", stack.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"].to_str().unwrap_or("").starts_with("text/html"));
    let csp = page.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(csp.starts_with("default-src 'self'"), "the site is served with a strict CSP: {csp:?}");
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("/assets/"), "the page should load its assets from /assets/");

    let script_path = asset_path(&html, "app.", ".js");
    let script = client.get(format!("{}{script_path}", stack.base)).send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(script.headers()["cache-control"], "public, max-age=31536000, immutable", "a hashed name is immutable");
    let served = script.text().await.unwrap_or_default();
    let qr_path = format!("/assets/{}", asset_path(&served, "./qr.", ".js").trim_start_matches("./"));
    let on_disk = std::fs::read_to_string(repository_root().join("site/assets/app.js")).unwrap_or_default();
    assert_eq!(
        served,
        on_disk.replace("\"./qr.js\"", &format!("\"./{}\"", qr_path.trim_start_matches("/assets/"))),
        "{script_path} is site/assets/app.js, its import renamed as the deploy renames it"
    );
    let qr = client.get(format!("{}{qr_path}", stack.base)).send().await.unwrap();
    assert_eq!(qr.status(), StatusCode::OK, "{qr_path}");
    assert_eq!(qr.headers()["cache-control"], "public, max-age=31536000, immutable");
    let unhashed = client.get(format!("{}/assets/app.js", stack.base)).send().await.unwrap();
    assert_eq!(unhashed.status(), StatusCode::NOT_FOUND, "the deploy ships no unhashed name");

    let favicon = client.get(format!("{}/favicon.ico", stack.base)).send().await.unwrap();
    assert_eq!(favicon.status(), StatusCode::OK);
    assert_eq!(favicon.headers()["content-type"], "image/x-icon");
    assert_eq!(favicon.headers()["cache-control"], "public, max-age=86400");
    assert_eq!(favicon.bytes().await.unwrap_or_default()[..4], [0, 0, 1, 0], "an ICO file");

    let etag = page_etag(&client, &stack.base).await;
    let again = client.get(format!("{}/", stack.base)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "a page the browser holds is revalidated");

    let missing_asset = client.get(format!("{}/assets/nope.js", stack.base)).send().await.unwrap();
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

    let info = client.get(format!("{}/api/links/local-alias", stack.base)).send().await.unwrap();
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
        .unwrap();
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// The first path in `text` that starts with `/assets/<stem>` (or `stem` itself when it is relative) and ends with
/// `extension` before a quote: an asset under its hashed name.
fn asset_path(text: &str, stem: &str, extension: &str) -> String {
    let start = if stem.starts_with("./") { stem.to_owned() } else { format!("/assets/{stem}") };
    text.match_indices(&start)
        .filter_map(|(at, _)| text[at..].split('"').next())
        .find(|path| path.ends_with(extension))
        .unwrap_or_else(|| panic!("no {start}*{extension} in {text}"))
        .to_owned()
}

async fn page_etag(client: &reqwest::Client, base: &str) -> String {
    let page = client.get(format!("{base}/")).send().await.unwrap();
    page.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no ETag")).to_owned()
}

/// Sends `GET <raw path>` as written (an HTTP client would normalize `..` away) and returns the status line.
async fn raw_get_status_line(base: &str, raw_path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {raw_path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn site_paths_never_serve_files_outside_the_site_folder() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;

    for path in ["/assets/../../Cargo.toml", "/assets/%2e%2e/%2e%2e/Cargo.toml", "/assets/..%2f..%2fCargo.toml"] {
        let status = raw_get_status_line(&stack.base, path).await;
        assert!(status.starts_with("HTTP/1.1 4"), "{path}: {status}");
    }
    let html = client().get(format!("{}/", stack.base)).send().await.unwrap().text().await.unwrap_or_default();
    let script = asset_path(&html, "app.", ".js");
    assert!(raw_get_status_line(&stack.base, &script).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn ctrl_c_and_sigterm_shut_the_stack_down_cleanly() {
    for signal in ["-INT", "-TERM"] {
        let data = tempfile::tempdir().unwrap();
        let data_dir = data.path().to_str().expect("temp path is not UTF-8");
        let mut stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;

        let status = stack.stop_with(signal).await;
        assert!(status.success(), "exit status after {signal}: {status}");
    }
}

/// A stop lets the request in flight finish and closes idle keep-alive connections at once, not after the drain's
/// 5 s: the stack is gone well within them.
#[tokio::test]
async fn a_stop_finishes_the_request_in_flight_and_closes_idle_connections_at_once() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let mut stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;
    let address = stack.base.trim_start_matches("http://").to_owned();
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = [0; 12];
    idle.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200", "the idle connection's first answer");
    // Headers and the start of the body sent: the request is in flight when the stop comes.
    let body = br#"{"urlToShorten": "https://example.com/in-flight"}"#;
    let mut in_flight = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /shorten HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let stopped_at = Instant::now();
    stack.signal("-TERM");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(3), idle.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the idle connection was still open 3 s after the stop");
    in_flight.write_all(&body[10..]).await.unwrap();
    let mut answer = Vec::new();
    let answered = tokio::time::timeout(Duration::from_secs(3), in_flight.read_to_end(&mut answer)).await;
    assert!(answered.is_ok(), "the request in flight got no answer, or its connection stayed open, within 3 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "the request in flight was answered {answer}");
    assert!(stack.exit_within(Duration::from_secs(10)).await.success(), "the stack's exit status");
    let took = stopped_at.elapsed();
    assert!(took < Duration::from_secs(4), "the stop took {took:?}: a connection held it until the drain ended");
}

#[tokio::test]
async fn the_stack_can_run_on_dynamodb_and_create_its_table() {
    let settings = shortener_domain::testing::fresh_dynamo_settings();
    let stack = start(free_loopback_port(), on_dynamo(&settings, &[])).await;

    let (status, created) = shorten(&stack.base, json!({ "urlToShorten": "https://example.com/dynamo" })).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap_or_else(|| panic!("no id in {created}"));
    assert_eq!(
        location_of(&stack.base, id).await,
        (StatusCode::MOVED_PERMANENTLY, "https://example.com/dynamo".to_owned())
    );
}

/// Sends `head` (and `body`) over a fresh connection as written, and returns the status line of the answer.
async fn raw_exchange(base: &str, head: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before reading a body it refuses; a failed write is part of that.
    let _ = stream.write_all(body).await;
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    assert!(read.is_ok(), "no answer within 10 s to {head:?}");
    String::from_utf8_lossy(&response).lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn bodies_over_8_kib_get_413_whether_chunked_declared_or_sent() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;
    let json = format!("{{\"urlToShorten\":\"https://example.com/{}\"}}", "a".repeat(9 * 1024));
    let mut chunked = Vec::new();
    for chunk in json.as_bytes().chunks(1000) {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let post = "POST /shorten HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n";

    let chunked_status =
        raw_exchange(&stack.base, &format!("{post}Transfer-Encoding: chunked\r\n\r\n"), &chunked).await;
    let declared_status = raw_exchange(&stack.base, &format!("{post}Content-Length: 1000000000\r\n\r\n"), b"{").await;
    let small = br#"{"urlToShorten":"https://example.com/small"}"#;
    let small_chunked = [format!("{:x}\r\n", small.len()).as_bytes(), small, b"\r\n0\r\n\r\n"].concat();
    let small_status =
        raw_exchange(&stack.base, &format!("{post}Transfer-Encoding: chunked\r\n\r\n"), &small_chunked).await;

    assert!(chunked_status.starts_with("HTTP/1.1 413"), "chunked 9 KiB: {chunked_status}");
    assert!(declared_status.starts_with("HTTP/1.1 413"), "Content-Length of 1 GB, never sent: {declared_status}");
    assert!(small_status.starts_with("HTTP/1.1 201"), "a small chunked body is fine: {small_status}");
}

#[tokio::test]
async fn invalid_utf8_and_wrong_content_types_get_400_and_415_from_the_running_stack() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;
    let body = b"{\"urlToShorten\":\"https://example.com/\xc3\x28\xff\"}";
    let head = |content_type: &str| {
        format!(
            "POST /shorten HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        )
    };

    let invalid_utf8 = raw_exchange(&stack.base, &head("application/json"), body).await;
    let form = raw_exchange(&stack.base, &head("application/x-www-form-urlencoded"), body).await;
    let binary = raw_exchange(&stack.base, &head("application/octet-stream"), body).await;

    assert!(invalid_utf8.starts_with("HTTP/1.1 400"), "{invalid_utf8}");
    assert!(form.starts_with("HTTP/1.1 415"), "{form}");
    assert!(binary.starts_with("HTTP/1.1 415"), "{binary}");
}

#[tokio::test]
async fn links_to_the_stack_itself_are_refused_however_its_hosts_are_written() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let port = free_loopback_port();
    let stack = start(port, &["--data-dir", data_dir, "--own-hosts", "sho.rt,bücher.example"]).await;

    for url in [
        format!("http://LOCALHOST.:{port}/x"),
        format!("http://127.0.0.1.:{port}/x"),
        format!("http://2130706433:{port}/x"),
        format!("http://0x7f.0.0.1:{port}/x"),
        format!("http://[::1]:{port}/x"),
        "https://SHO.RT./x".to_owned(),
        "https://\u{ff53}\u{ff48}\u{ff4f}\u{ff0e}\u{ff52}\u{ff54}/x".to_owned(),
        "https://%73ho.rt/x".to_owned(),
        "https://B\u{dc}CHER.example/x".to_owned(),
        "https://xn--bcher-kva.example./x".to_owned(),
    ] {
        let (status, body) = shorten(&stack.base, json!({ "urlToShorten": url })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert_eq!(body["field"], json!("urlToShorten"), "{url}: {body}");
    }
}

/// Opens a connection, sends a request's head one byte every 100 ms (for at most 15 s), and returns how long
/// after the first byte the server closed the connection, and what it had sent by then.
async fn send_headers_byte_by_byte(base: &str) -> (Duration, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    let trickle = tokio::spawn(async move {
        let head = format!("GET /api/health HTTP/1.1\r\nHost: {address}\r\nX-Padding: {}", "x".repeat(200));
        for byte in head.bytes() {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(15), reader.read_to_end(&mut received)).await;
    let closed_after = started.elapsed();
    trickle.abort();
    assert!(read.is_ok(), "the connection was still open after 15 s");
    (closed_after, String::from_utf8_lossy(&received).into_owned())
}

#[tokio::test]
async fn a_client_sending_headers_byte_by_byte_is_cut_off_after_the_timeout_while_others_are_served() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let stack = start(free_loopback_port(), &["--data-dir", data_dir, "--header-read-timeout-ms", "3000"]).await;
    let slow_clients: Vec<_> = (0..20)
        .map(|_| {
            let base = stack.base.clone();
            tokio::spawn(async move { send_headers_byte_by_byte(&base).await })
        })
        .collect();
    let idle = tokio::net::TcpStream::connect(stack.base.trim_start_matches("http://")).await.unwrap();
    let idle_since = Instant::now();

    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, created) = shorten(&stack.base, json!({ "urlToShorten": "https://example.com/meanwhile" })).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap_or_default();
    assert_eq!(location_of(&stack.base, id).await.0, StatusCode::MOVED_PERMANENTLY);
    assert!(slow_clients.iter().all(|slow| !slow.is_finished()), "others were served only after the slow ones left");

    for slow in slow_clients {
        let (closed_after, received) = slow.await.unwrap();
        assert!(
            (Duration::from_millis(2900)..Duration::from_secs(12)).contains(&closed_after),
            "a trickling client was cut off after {closed_after:?}, not after the 3 s header timeout"
        );
        assert!(!received.contains(" 200 "), "a request whose headers never ended was answered: {received:?}");
    }
    let mut idle = idle;
    let mut buf = [0_u8; 64];
    let idle_read = tokio::time::timeout(Duration::from_secs(12), tokio::io::AsyncReadExt::read(&mut idle, &mut buf));
    assert!(matches!(idle_read.await, Ok(Ok(0) | Err(_))), "a silent connection was not closed within 12 s");
    assert!(idle_since.elapsed() >= Duration::from_millis(2900), "the silent connection closed too early");
}

#[tokio::test]
async fn encoded_doubled_and_backslashed_traversals_never_reach_files_outside_the_site_folder() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;
    let address = stack.base.trim_start_matches("http://");

    for path in [
        "/assets/../Cargo.toml",
        "/assets/..%2fCargo.toml",
        "/assets/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/assets/%252e%252e/%252e%252e/Cargo.toml",
        "/assets/..\\..\\Cargo.toml",
        "/assets/..%5c..%5cCargo.toml",
        "/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/Cargo.toml",
        "/assets//etc/passwd",
        "/assets/%2fetc%2fpasswd",
        "/assets/....//....//Cargo.toml",
        "/assets/app.js%00.html",
        "/assets/.%2e/.%2e/.git/config",
        "/index.html/../../Cargo.toml",
        "//etc/passwd",
    ] {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        let response = String::from_utf8_lossy(&response);
        let status = response.lines().next().unwrap_or_default();
        assert!(status.starts_with("HTTP/1.1 4"), "{path}: {status}");
        for secret in ["[workspace]", "root:x:0:0", "[core]"] {
            assert!(!response.contains(secret), "{path} served a file outside the site folder");
        }
    }
}

#[tokio::test]
async fn the_stack_counts_creations_against_the_peer_address_and_ignores_forwarded_headers() {
    let data = tempfile::tempdir().unwrap();
    let port = free_loopback_port();
    let stack = start(port, &["--data-dir", data.path().to_str().unwrap(), "--create-quota-per-hour", "2"]).await;
    for _ in 0..2 {
        let (status, body) = shorten(&stack.base, json!({ "urlToShorten": "https://example.com/" })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let forged = client()
        .post(format!("{}/shorten", stack.base))
        .header("x-forwarded-for", "198.51.100.7")
        .header("cloudfront-viewer-address", "198.51.100.7:4000")
        .json(&json!({ "urlToShorten": "https://example.com/" }))
        .send()
        .await
        .unwrap();

    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = forged.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry_after), "Retry-After {retry_after}");
}

#[tokio::test]
async fn the_very_next_click_after_an_acknowledged_edit_or_delete_gets_the_new_answer() {
    let data = tempfile::tempdir().unwrap();
    let stack = start(free_loopback_port(), &["--data-dir", data.path().to_str().unwrap()]).await;
    let (status, created) = shorten(&stack.base, json!({ "urlToShorten": "https://example.com/typo" })).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let token = created["manageToken"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        // The second click is answered from the resolver's memory.
        assert_eq!(location_of(&stack.base, &id).await.1, "https://example.com/typo");
    }

    let edited = client()
        .patch(format!("{}/api/links/{id}", stack.base))
        .bearer_auth(&token)
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"url": "https://example.com/fixed"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), StatusCode::OK);
    assert_eq!(
        location_of(&stack.base, &id).await,
        (StatusCode::MOVED_PERMANENTLY, "https://example.com/fixed".into())
    );

    let deleted = client().delete(format!("{}/api/links/{id}", stack.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = client().get(format!("{}/{id}", stack.base)).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND, "a removed link no longer redirects");
    assert!(gone.text().await.unwrap().contains("removed"));
}

#[tokio::test]
async fn every_click_the_stack_answers_is_counted_once_from_its_access_log_and_nothing_else_is() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let mut stack = start(free_loopback_port(), &["--data-dir", data_dir]).await;
    let client = client();
    let mut ids = Vec::new();
    for n in 0..3 {
        let (status, created) =
            shorten(&stack.base, json!({ "urlToShorten": format!("https://example.com/{n}") })).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let clicks = [7_u64, 1, 4];
    for (id, &n) in ids.iter().zip(&clicks) {
        for _ in 0..n {
            assert_eq!(location_of(&stack.base, id).await.0, StatusCode::MOVED_PERMANENTLY);
        }
        let head = client.head(format!("{}/{id}", stack.base)).send().await.unwrap();
        assert_eq!(head.status(), StatusCode::MOVED_PERMANENTLY, "HEAD is answered, never counted");
        let preview = client.get(format!("{}/{id}+", stack.base)).send().await.unwrap();
        assert_eq!(preview.status(), StatusCode::OK, "the preview is answered, never counted");
    }
    for _ in 0..2 {
        let bot = client
            .get(format!("{}/{}", stack.base, ids[0]))
            .header("user-agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
            .send()
            .await
            .unwrap();
        assert_eq!(bot.status(), StatusCode::MOVED_PERMANENTLY);
    }
    assert_eq!(location_of(&stack.base, "unknown1").await.0, StatusCode::NOT_FOUND, "a 404 is never counted");

    assert!(stack.stop_with("-TERM").await.success(), "the stack counts its last file as it stops");

    let found =
        [counted(data.path(), &ids[0]).await, counted(data.path(), &ids[1]).await, counted(data.path(), &ids[2]).await];
    assert_eq!(found, [(7, 2), (1, 0), (4, 0)], "(clicks, bots) of each link");
    assert_eq!(counted(data.path(), "unknown1").await, (0, 0));
    let left: Vec<_> = std::fs::read_dir(data.path().join("access-log")).unwrap().collect();
    assert!(left.is_empty(), "counted files are deleted: {left:?}");
}

#[tokio::test]
async fn clicks_spread_over_many_rotated_files_are_each_counted_once() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().expect("temp path is not UTF-8");
    let args = ["--data-dir", data_dir, "--access-log-max-bytes", "1", "--access-log-rotate-seconds", "1"];
    let mut stack = start(free_loopback_port(), &args).await;
    let (status, created) = shorten(&stack.base, json!({ "urlToShorten": "https://example.com/rotated" })).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    for _ in 0..6 {
        assert_eq!(location_of(&stack.base, &id).await.0, StatusCode::MOVED_PERMANENTLY);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for _ in 0..5 {
        assert_eq!(location_of(&stack.base, &id).await.0, StatusCode::MOVED_PERMANENTLY);
    }

    assert!(stack.stop_with("-TERM").await.success());
    assert_eq!(counted(data.path(), &id).await, (11, 0), "a file per line, each counted once");
}
