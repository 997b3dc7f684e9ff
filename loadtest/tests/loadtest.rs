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

use http::{HeaderMap, Method, Request, Response, StatusCode, header};
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

/// The IDs of the links every run here clicks.
const IDS: [&str; 4] = ["aaaaaaa", "bbbbbbb", "ccccccc", "ddddddd"];

fn links_file(dir: &Path, url: &str) -> String {
    let links: Vec<Value> = IDS.iter().map(|id| serde_json::json!({"id": id, "url": url})).collect();
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

/// Serves `handler` on a free loopback port, each request's body read before it is called; returns the base URL.
fn serve(
    handler: impl Fn(&Method, &str, &HeaderMap, &[u8]) -> Response<Full<Bytes>> + Send + Sync + 'static,
) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let handler = Arc::clone(&handler);
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let handler = Arc::clone(&handler);
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            Ok::<_, Infallible>(handler(&parts.method, parts.uri.path(), &parts.headers, &body))
                        }
                    });
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
    });
    url
}

/// A redirect to `target` as the resolver answers a known link.
fn redirect_to(target: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, target.parse().unwrap());
    headers.insert(header::CACHE_CONTROL, "public, max-age=60".parse().unwrap());
    headers.insert("x-shortener-cache", "hit".parse().unwrap());
    response
}

/// A server for links whose every first target is [`LOCATION`]: `PATCH /api/links/{id}` answers 200 with the
/// patched `url`, and `GET /{id}` redirects to the link's latest target, or, when `forgetful`, always to
/// [`LOCATION`], as a stack whose edits never reach the resolver would. Returns its base URL.
fn edit_server(forgetful: bool) -> String {
    let targets: Mutex<HashMap<String, String>> = Mutex::default();
    serve(move |method, path, _, body| {
        if method == Method::PATCH {
            let id = path.trim_start_matches("/api/links/").to_owned();
            let url = serde_json::from_slice::<Value>(body).unwrap()["url"].as_str().unwrap().to_owned();
            let link = serde_json::json!({ "id": id, "url": url }).to_string();
            targets.lock().unwrap().insert(id, url);
            return Response::new(Full::new(Bytes::from(link)));
        }
        match targets.lock().unwrap().get(path.trim_start_matches('/')) {
            Some(edited) if !forgetful => redirect_to(edited),
            _ => redirect_to(LOCATION),
        }
    })
}

/// A links file of [`IDS`], each pointing to [`LOCATION`] with the manage token `token-of-{id}`.
fn tokened_links_file(dir: &Path) -> std::path::PathBuf {
    let links: Vec<Value> = IDS
        .iter()
        .map(|id| serde_json::json!({"id": id, "url": LOCATION, "manage_token": format!("token-of-{id}")}))
        .collect();
    let links_path = dir.join("links.json");
    std::fs::write(&links_path, serde_json::to_string(&links).unwrap()).unwrap();
    links_path
}

/// Runs the mixed scenario with one edit for three clicks on four links, all hot, each with a manage token.
fn run_edits(host: &str, dir: &Path) -> (bool, Value) {
    let links_path = tokened_links_file(dir);
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

/// An answer with `status`, an empty body and the headers of a remembered unknown ID.
fn negative(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CACHE_CONTROL, "public, max-age=60".parse().unwrap());
    response.headers_mut().insert("x-shortener-cache", "negative".parse().unwrap());
    response
}

/// A shortener stand-in for [`IDS`] that counts clicks as the access-log rule does (a `GET /{id}` of a link,
/// answered 301; 404s and stats reads are not clicks) and answers `GET /api/links/{id}/stats`, given the link's
/// manage token, with `countedUntil` now (every click counted) and `clicks` the clicks it counted less
/// `short_by`: a pipeline that loses clicks. Returns its base URL and what it counted.
fn count_server(short_by: u64) -> (String, Arc<Mutex<HashMap<String, u64>>>) {
    let counted: Arc<Mutex<HashMap<String, u64>>> =
        Arc::new(Mutex::new(IDS.iter().map(|id| ((*id).to_owned(), 0)).collect()));
    let clicks = Arc::clone(&counted);
    let url = serve(move |method, path, headers, _| {
        if let Some(id) = path.strip_prefix("/api/links/").and_then(|rest| rest.strip_suffix("/stats")) {
            let Some(&n) = clicks.lock().unwrap().get(id) else { return negative(StatusCode::NOT_FOUND) };
            let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
            if authorization != Some(format!("Bearer token-of-{id}").as_str()) {
                return negative(StatusCode::UNAUTHORIZED);
            }
            let until = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339);
            let stats = serde_json::json!({
                "clicks": n.saturating_sub(short_by), "bots": 0, "days": [], "countedUntil": until.unwrap()
            });
            return Response::new(Full::new(Bytes::from(stats.to_string())));
        }
        match clicks.lock().unwrap().get_mut(path.trim_start_matches('/')) {
            Some(n) if method == Method::GET => {
                *n += 1;
                redirect_to(LOCATION)
            }
            _ => negative(StatusCode::NOT_FOUND),
        }
    });
    (url, counted)
}

/// Warms up, then runs 80 requests of the mixed scenario (clicks and misses) on [`IDS`] with the click-count
/// check on (a wait of 3 s) and a Markdown report; returns whether it passed, its summary and the report.
fn run_counted(host: &str, dir: &Path) -> (bool, Value, String) {
    let summary = dir.join("counted.json");
    let report = dir.join("report.md");
    let status = Command::new(env!("CARGO_BIN_EXE_shortener-loadtest"))
        .args(["--host", host, "--scenarios", "mixed", "--mix", "redirect=9,miss=1", "--warm-up"])
        .arg("--load-links")
        .arg(tokened_links_file(dir))
        .args(["--users", "2", "--increase-rate", "10", "--iterations", "40", "--request-timeout", "5"])
        .args(["--click-count-wait-seconds", "3", "--no-print-metrics", "--quiet", "--report-file"])
        .arg(&report)
        .arg("--summary-json")
        .arg(&summary)
        .status()
        .expect("running shortener-loadtest");
    let text = std::fs::read_to_string(&summary).unwrap_or_else(|e| panic!("no summary ({status}): {e}"));
    let report = std::fs::read_to_string(&report).unwrap_or_else(|e| panic!("no report ({status}): {e}"));
    (status.success(), serde_json::from_str(&text).expect("summary"), report)
}

/// The `sent` and `counted` of the figure `name` in a summary's click-count check.
fn figure(summary: &Value, name: &str) -> (u64, u64) {
    let figures = summary["click_counts"]["figures"].as_array().unwrap_or_else(|| panic!("no figures in {summary}"));
    let figure = figures.iter().find(|f| f["figure"] == name).unwrap_or_else(|| panic!("no {name} in {summary}"));
    (figure["sent"].as_u64().unwrap(), figure["counted"].as_u64().unwrap())
}

#[test]
fn click_counts_that_are_the_clicks_sent_pass_and_misses_and_stats_reads_are_not_clicks() {
    let (host, counted) = count_server(0);
    let dir = tempfile::tempdir().unwrap();
    let (passed, summary, report) = run_counted(&host, dir.path());
    assert!(passed, "{summary}");
    let served: u64 = counted.lock().unwrap().values().sum();
    let redirects = kind(&summary, "redirect")["statuses"]["301"].as_u64().unwrap();
    assert_eq!(served, redirects + 4, "the run's redirects and the warm-up's");
    assert!(kind(&summary, "miss")["requests"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(figure(&summary, "clicks"), (served, served));
    assert_eq!(figure(&summary, "bots"), (0, 0));
    let check = &summary["click_counts"];
    assert_eq!(
        (check["ok"].as_bool(), check["links"].as_u64(), check["links_off"].as_u64()),
        (Some(true), Some(4), Some(0))
    );
    assert!(
        report.contains("## Click counts") && report.contains(&format!("| clicks | {served} | {served} |")),
        "{report}"
    );
}

#[test]
fn click_counts_short_of_the_clicks_sent_fail_the_run() {
    let (host, counted) = count_server(1);
    let dir = tempfile::tempdir().unwrap();
    let (passed, summary, report) = run_counted(&host, dir.path());
    assert!(!passed, "{summary}");
    let served: u64 = counted.lock().unwrap().values().sum();
    assert_eq!(figure(&summary, "clicks"), (served, served - 4), "each link reported one click short");
    let check = &summary["click_counts"];
    assert_eq!((check["ok"].as_bool(), check["links_off"].as_u64()), (Some(false), Some(4)));
    assert!(check["waited_s"].as_f64().unwrap() >= 3.0, "a short count is waited for: {check}");
    assert_eq!(summary["ok"], false);
    assert!(report.contains("FAILED, 4 links counted other than they were sent"), "{report}");
}
