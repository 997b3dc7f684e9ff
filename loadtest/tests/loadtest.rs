//! The load test binary against real servers whose answers the test controls (`bare-redirect`, and a small
//! server that acknowledges edits): a run passes only when every answer is what the links promise, redirects are
//! not followed, a broken answer fails the run with its reason, and so does an acknowledged edit that clicks do
//! not see.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::{
    collections::HashMap,
    convert::Infallible,
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
};

use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::{
    body::{Bytes, Incoming},
    server::conn::http1,
    service::service_fn,
};
use hyper_util::rt::TokioIo;
use serde_json::Value;

const LOCATION: &str = "https://example.com/landing";

/// A `bare-redirect` answering every request with a 301 to [`LOCATION`]; killed when dropped.
struct Bare {
    child: Child,
    url: String,
}

impl Bare {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bare-redirect"))
            .args(["--listen", "127.0.0.1:0", "--location", LOCATION])
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting bare-redirect");
        let stdout = child.stdout.take().expect("no stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("reading its address");
        let url = line
            .trim()
            .strip_prefix("bare-redirect listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        Self { child, url }
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn links_file(dir: &Path, url: &str) -> String {
    let links: Vec<Value> = ["aaaaaaa", "bbbbbbb", "ccccccc", "ddddddd"]
        .iter()
        .map(|id| serde_json::json!({"id": id, "url": url}))
        .collect();
    let path = dir.join("links.json");
    std::fs::write(&path, serde_json::to_string(&links).unwrap_or_default()).unwrap();
    path.display().to_string()
}

/// Runs the load test for 40 iterations of 2 users; returns whether it passed and its summary.
fn run(host: &str, links: &str, scenario: &str, dir: &Path) -> (bool, Value) {
    let summary = dir.join(format!("{scenario}.json"));
    let status = Command::new(env!("CARGO_BIN_EXE_shortener-loadtest"))
        .args(["--host", host, "--load-links", links, "--scenarios", scenario])
        .args(["--users", "2", "--increase-rate", "10", "--iterations", "40", "--request-timeout", "5"])
        .args(["--no-print-metrics", "--quiet", "--summary-json"])
        .arg(&summary)
        .status()
        .expect("running shortener-loadtest");
    let text = std::fs::read_to_string(&summary).unwrap_or_else(|e| panic!("no summary ({status}): {e}"));
    (status.success(), serde_json::from_str(&text).expect("summary"))
}

fn kind<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["kinds"]
        .as_array()
        .and_then(|kinds| kinds.iter().find(|k| k["kind"] == name))
        .unwrap_or_else(|| panic!("no {name} in {summary}"))
}

#[test]
fn redirects_to_the_links_url_pass_and_are_not_followed() {
    let bare = Bare::start();
    let dir = tempfile::tempdir().unwrap();
    let (passed, summary) = run(&bare.url, &links_file(dir.path(), LOCATION), "redirect", dir.path());
    let redirects = kind(&summary, "redirect");
    assert!(passed, "{summary}");
    assert_eq!(redirects["requests"], 80);
    assert_eq!(redirects["errors"], 0);
    assert_eq!(redirects["statuses"]["301"], 80, "every answer was the 301 itself, not where it points");
    assert_eq!(summary["hit_ratio"], 1.0);
}

#[test]
fn a_redirect_elsewhere_fails_the_run_with_its_reason() {
    let bare = Bare::start();
    let dir = tempfile::tempdir().unwrap();
    let (passed, summary) =
        run(&bare.url, &links_file(dir.path(), "https://example.com/other"), "redirect", dir.path());
    assert!(!passed);
    assert_eq!(kind(&summary, "redirect")["failures"]["Location is not the link's URL"], 80);
}

#[test]
fn an_unknown_id_that_redirects_fails_the_run() {
    let bare = Bare::start();
    let dir = tempfile::tempdir().unwrap();
    let (passed, summary) = run(&bare.url, &links_file(dir.path(), LOCATION), "miss", dir.path());
    assert!(!passed);
    let misses = kind(&summary, "miss");
    assert_eq!(misses["errors"], 80);
    assert_eq!(misses["failures"]["status 301, expected 404"], 80);
}

/// A server for links whose every first target is [`LOCATION`]: `PATCH /api/links/{id}` answers 200 with the
/// patched `url`, and `GET /{id}` redirects to the link's latest target, or, when `forgetful`, always to
/// [`LOCATION`], as a stack whose edits never reach the resolver would. Returns its base URL.
fn edit_server(forgetful: bool) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let targets: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let targets = Arc::clone(&targets);
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let targets = Arc::clone(&targets);
                        async move { Ok::<_, Infallible>(answer(request, &targets, forgetful).await) }
                    });
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
    });
    url
}

async fn answer(
    request: Request<Incoming>,
    targets: &Mutex<HashMap<String, String>>,
    forgetful: bool,
) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    if request.method() == Method::PATCH {
        let id = path.trim_start_matches("/api/links/").to_owned();
        let body = request.into_body().collect().await.unwrap().to_bytes();
        let url = serde_json::from_slice::<Value>(&body).unwrap()["url"].as_str().unwrap().to_owned();
        let link = serde_json::json!({ "id": id, "url": url }).to_string();
        targets.lock().unwrap().insert(id, url);
        return Response::new(Full::new(Bytes::from(link)));
    }
    let id = path.trim_start_matches('/');
    let target = match targets.lock().unwrap().get(id) {
        Some(edited) if !forgetful => edited.clone(),
        _ => LOCATION.to_owned(),
    };
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, target.parse().unwrap());
    headers.insert(header::CACHE_CONTROL, "public, max-age=60".parse().unwrap());
    headers.insert("x-shortener-cache", "hit".parse().unwrap());
    response
}

/// Runs the mixed scenario with one edit for three clicks on four links, all hot, each with a manage token.
fn run_edits(host: &str, dir: &Path) -> (bool, Value) {
    let links: Vec<Value> = ["aaaaaaa", "bbbbbbb", "ccccccc", "ddddddd"]
        .iter()
        .map(|id| serde_json::json!({"id": id, "url": LOCATION, "manage_token": format!("token-of-{id}")}))
        .collect();
    let links_path = dir.join("links.json");
    std::fs::write(&links_path, serde_json::to_string(&links).unwrap()).unwrap();
    let summary = dir.join("edits.json");
    let status = Command::new(env!("CARGO_BIN_EXE_shortener-loadtest"))
        .args(["--host", host, "--scenarios", "mixed", "--mix", "redirect=3,edit=1", "--edit-hot-links", "4"])
        .arg("--load-links")
        .arg(&links_path)
        .args(["--zipf-exponent", "0", "--users", "2", "--increase-rate", "10", "--iterations", "100"])
        .args(["--request-timeout", "5", "--no-print-metrics", "--quiet", "--summary-json"])
        .arg(&summary)
        .status()
        .expect("running shortener-loadtest");
    let text = std::fs::read_to_string(&summary).unwrap_or_else(|e| panic!("no summary ({status}): {e}"));
    (status.success(), serde_json::from_str(&text).expect("summary"))
}

#[test]
fn edits_that_every_later_click_sees_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (passed, summary) = run_edits(&edit_server(false), dir.path());
    assert!(passed, "{summary}");
    let propagation = &summary["propagation"];
    assert!(propagation["edits_acknowledged"].as_u64().unwrap() > 0, "{summary}");
    assert!(propagation["clicks_checked"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(propagation["stale_clicks"], 0);
    assert_eq!(kind(&summary, "edit")["errors"], 0);
}

#[test]
fn an_acknowledged_edit_that_clicks_do_not_see_fails_the_run_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (passed, summary) = run_edits(&edit_server(true), dir.path());
    assert!(!passed);
    let stale = summary["propagation"]["stale_clicks"].as_u64().unwrap();
    assert!(stale > 0, "{summary}");
    let reason = "a click after an acknowledged edit, beyond the propagation bound, saw the old target";
    assert_eq!(kind(&summary, "redirect")["failures"][reason].as_u64(), Some(stale));
    assert_eq!(kind(&summary, "edit")["errors"], 0, "the edits themselves were acknowledged");
}

#[test]
fn the_reports_a_run_writes_load_no_script_from_the_network_and_an_html_report_is_refused() {
    let bare = Bare::start();
    let dir = tempfile::tempdir().unwrap();
    let links = links_file(dir.path(), LOCATION);
    let loadtest = |reports: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_shortener-loadtest"));
        command.args(["--host", &bare.url, "--load-links", &links, "--scenarios", "redirect"]).args([
            "--users",
            "1",
            "--iterations",
            "4",
            "--no-print-metrics",
            "--quiet",
        ]);
        for report in reports {
            command.arg("--report-file").arg(dir.path().join(report));
        }
        command.output().expect("running shortener-loadtest")
    };

    let refused = loadtest(&["report.md", "report.html"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("report.html") && said.contains("CDN"), "{said}");
    assert!(!dir.path().join("report.html").exists() && !dir.path().join("report.md").exists());

    let written = loadtest(&["report.md", "report.json"]);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    for report in ["report.md", "report.json"] {
        let text = std::fs::read_to_string(dir.path().join(report)).unwrap_or_else(|e| panic!("{report}: {e}"));
        assert!(text.len() > 100, "{report} is nearly empty: {text}");
        let lower = text.to_ascii_lowercase();
        for script in lower.match_indices("<script").map(|(at, _)| &lower[at..]) {
            let tag = &script[..script.find('>').unwrap_or(script.len())];
            assert!(!tag.contains("http://") && !tag.contains("https://"), "{report} loads {tag}");
        }
    }
}
