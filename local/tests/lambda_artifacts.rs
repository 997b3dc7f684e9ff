//! The deployable artifacts, run as AWS Lambda runs them: each `bootstrap` that `scripts/build-lambdas` zips is
//! started against cargo-lambda's Runtime API emulator with the environment Lambda sets, and invoked with events
//! shaped exactly like AWS's (API Gateway HTTP API payload 2.0 for origin-api, function URL events as CloudFront
//! forwards them for edge-resolver), over DynamoDB Local; edge-invalidator with DynamoDB stream batches, its
//! CloudFront endpoint pointed at a loopback stand-in for CloudFront's API (CloudFront itself does not run here).
//!
//! Needs the artifacts, cargo-lambda and DynamoDB Local, so it only runs when asked:
//! `cargo test -p shortener-local --features lambda-artifacts --test lambda_artifacts` (scripts/test.d/20-lambda).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

#[path = "support/lambda.rs"]
#[allow(dead_code, reason = "shared with the cold_start benchmark, which uses other parts")]
mod lambda;

use std::time::Duration;

use edge_invalidator::{Event as StreamBatch, records::batch_reference, testing::CloudFrontRecorder};
use lambda::{Emulated, bootstrap};
use serde_json::{Value, json};
use shortener_domain::testing::{dynamo_store, dynamodb_endpoint};

const BASE: &str = "https://sho.rt/";

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture")
}

fn post_shorten(body: &str) -> Value {
    let mut event = fixture(include_str!("../../origin-api/tests/fixtures/post_shorten.json"));
    event["body"] = json!(body);
    event["headers"]["content-length"] = json!(body.len().to_string());
    event
}

fn get_link(id: &str) -> Value {
    let mut event = fixture(include_str!("../../origin-api/tests/fixtures/get_link.json"));
    let path = format!("/api/links/{id}");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event
}

/// A function URL event for `path`, based on one of the edge-resolver fixtures (`get`, `head`, `post`, ...).
fn function_url(kind: &str, path: &str) -> Value {
    let mut event = fixture(match kind {
        "get" => include_str!("../../edge-resolver/tests/fixtures/function-url-get.json"),
        "head" => include_str!("../../edge-resolver/tests/fixtures/function-url-head.json"),
        "post" => include_str!("../../edge-resolver/tests/fixtures/function-url-post.json"),
        other => panic!("no fixture {other}"),
    });
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event
}

fn status(answer: &Value) -> u64 {
    answer["statusCode"].as_u64().unwrap_or_else(|| panic!("no statusCode in {answer}"))
}

fn header<'a>(answer: &'a Value, name: &str) -> &'a str {
    answer["headers"][name].as_str().unwrap_or_else(|| panic!("no {name} header in {answer}"))
}

fn body_json(answer: &Value) -> Value {
    let body = answer["body"].as_str().unwrap_or_else(|| panic!("no body in {answer}"));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {body}"))
}

/// Both functions over one fresh table, each under its own emulator.
async fn both_functions() -> (Emulated, Emulated) {
    let store = dynamo_store().await;
    let endpoint = dynamodb_endpoint();
    let env = [("TABLE_NAME", store.table()), ("DYNAMODB_ENDPOINT", endpoint.as_str())];
    let mut api_env = env.to_vec();
    api_env.push(("PUBLIC_BASE_URL", BASE));
    let mut api = Emulated::new(bootstrap("origin-api"), &api_env).await;
    let mut resolver = Emulated::new(bootstrap("edge-resolver"), &env).await;
    api.start().await;
    resolver.start().await;
    (api, resolver)
}

#[tokio::test]
async fn origin_api_answers_api_gateway_events() {
    let (mut api, _resolver) = both_functions().await;

    let health = api.invoke(&fixture(include_str!("../../origin-api/tests/fixtures/get_health.json"))).await;
    assert_eq!(status(&health), 200, "{health}");
    assert_eq!(body_json(&health), json!({ "status": "ok" }));

    // The plain fixture: a URL that is normalized before it is stored.
    let created = api.invoke(&fixture(include_str!("../../origin-api/tests/fixtures/post_shorten.json"))).await;
    assert_eq!(status(&created), 201, "{created}");
    assert_eq!(header(&created, "content-type"), "application/json");
    assert_eq!(header(&created, "access-control-allow-origin"), "*");
    let link = body_json(&created);
    let id = link["id"].as_str().unwrap_or_else(|| panic!("no id in {link}")).to_owned();
    assert_eq!(id.len(), 7, "{link}");
    assert_eq!(link["url"], "https://example.com/docs?page=1");
    assert_eq!(link["shortUrl"], format!("{BASE}{id}"));
    assert_eq!(header(&created, "location"), format!("{BASE}{id}"));

    // The base64 fixture: an IDN URL and an alias, as API Gateway sends a body it encoded.
    let encoded = api.invoke(&fixture(include_str!("../../origin-api/tests/fixtures/post_shorten_base64.json"))).await;
    assert_eq!(status(&encoded), 201, "{encoded}");
    assert_eq!(body_json(&encoded)["id"], "buecher");
    assert_eq!(body_json(&encoded)["url"], "https://xn--bcher-kva.example/stra%C3%9Fe");

    let read = api.invoke(&get_link(&id)).await;
    assert_eq!(status(&read), 200, "{read}");
    let mut shown_once = link.clone();
    let token = shown_once.as_object_mut().and_then(|fields| fields.remove("manageToken"));
    assert!(token.as_ref().and_then(|t| t.as_str()).is_some_and(|t| t.len() == 43), "the 201 shows the token once");
    assert_eq!(body_json(&read), shown_once, "a read shows the link without its token");

    let unknown = api.invoke(&get_link("nosuch1")).await;
    assert_eq!(status(&unknown), 404, "{unknown}");
    assert_eq!(header(&unknown, "content-type"), "application/problem+json");

    // Bad input: each a problem+json naming what is wrong, never a 500.
    let cases = [
        ("{\"urlToShorten\":", 400, None),
        ("{}", 400, None),
        ("{\"urlToShorten\":\"javascript:alert(1)\"}", 422, Some("urlToShorten")),
        ("{\"urlToShorten\":\"https://sho.rt/abc\"}", 422, Some("urlToShorten")),
        ("{\"urlToShorten\":\"https://example.com/\",\"alias\":\"a b\"}", 422, Some("alias")),
        ("{\"urlToShorten\":\"https://example.com/\",\"alias\":\"buecher\"}", 409, Some("alias")),
        ("{\"urlToShorten\":\"https://example.com/\",\"expiresAt\":\"tomorrow\"}", 422, Some("expiresAt")),
    ];
    for (body, expected, field) in cases {
        let answer = api.invoke(&post_shorten(body)).await;
        assert_eq!(status(&answer), expected, "{body}: {answer}");
        assert_eq!(header(&answer, "content-type"), "application/problem+json", "{body}");
        let problem = body_json(&answer);
        assert_eq!(problem["status"], expected, "{body}: {problem}");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}: {problem}");
        if let Some(field) = field {
            assert_eq!(problem["field"], field, "{body}: {problem}");
        }
    }
    let mut form = post_shorten("urlToShorten=https://example.com/");
    form["headers"]["content-type"] = json!("application/x-www-form-urlencoded");
    assert_eq!(status(&api.invoke(&form).await), 415);

    // Logs: one JSON line per invocation with the runtime's request ID, the short ID and the status; never a
    // target URL's path or query.
    let logs = api.stop_and_logs().await;
    let lines: Vec<Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}")))
        .collect();
    let answered: Vec<&Value> = lines.iter().filter(|line| line["fields"]["message"] == "answered").collect();
    assert_eq!(answered.len(), 13, "{logs}");
    for line in &answered {
        assert!(line["span"]["requestId"].as_str().is_some_and(|r| !r.is_empty()), "no request ID: {line}");
        assert!(line["fields"]["status"].as_u64().is_some(), "no status: {line}");
    }
    assert!(
        answered.iter().any(|line| line["fields"]["short_id"] == id.as_str() && line["fields"]["status"] == 200),
        "the read of {id} is not logged with its short ID: {logs}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line["fields"]["message"] == "link created" && line["fields"]["short_id"] == id.as_str()),
        "the creation of {id} is not logged with its short ID: {logs}"
    );
    for secret in ["/docs", "page=1", "stra%C3%9Fe", "alert(1)"] {
        assert!(!logs.contains(secret), "a target URL reached the logs ({secret}): {logs}");
    }
}

#[tokio::test]
async fn a_link_created_through_origin_api_resolves_through_edge_resolver() {
    let (api, mut resolver) = both_functions().await;
    let created = api.invoke(&post_shorten("{\"urlToShorten\":\"https://example.com/landing?ref=lambda\"}")).await;
    assert_eq!(status(&created), 201, "{created}");
    let id = body_json(&created)["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned();
    let path = format!("/{id}");

    let first = resolver.invoke(&function_url("get", &path)).await;
    assert_eq!(status(&first), 301, "{first}");
    assert_eq!(header(&first, "location"), "https://example.com/landing?ref=lambda");
    assert_eq!(
        header(&first, "cache-control"),
        "public, max-age=300, s-maxage=86400, stale-while-revalidate=60, stale-if-error=86400"
    );
    assert_eq!(header(&first, "x-shortener-cache"), "miss");

    // The fixture carries a query string (utm_*): it does not change the answer.
    let again = resolver.invoke(&function_url("get", &path)).await;
    assert_eq!(status(&again), 301, "{again}");
    assert_eq!(header(&again, "location"), "https://example.com/landing?ref=lambda");
    assert_eq!(header(&again, "x-shortener-cache"), "hit");

    let head = resolver.invoke(&function_url("head", &path)).await;
    assert_eq!(status(&head), 301, "{head}");
    assert_eq!(header(&head, "location"), "https://example.com/landing?ref=lambda");
    assert!(head["body"].as_str().unwrap_or_default().is_empty(), "HEAD has a body: {head}");

    let unknown =
        resolver.invoke(&fixture(include_str!("../../edge-resolver/tests/fixtures/function-url-unknown.json"))).await;
    assert_eq!(status(&unknown), 404, "{unknown}");
    assert_eq!(header(&unknown, "cache-control"), "public, max-age=60");
    assert!(header(&unknown, "content-type").starts_with("text/html"), "{unknown}");
    assert_eq!(header(&unknown, "x-shortener-cache"), "miss");
    let unknown_again =
        resolver.invoke(&fixture(include_str!("../../edge-resolver/tests/fixtures/function-url-unknown.json"))).await;
    assert_eq!(header(&unknown_again, "x-shortener-cache"), "negative");

    let malformed =
        resolver.invoke(&fixture(include_str!("../../edge-resolver/tests/fixtures/function-url-malformed.json"))).await;
    assert_eq!(status(&malformed), 404, "{malformed}");
    assert_eq!(header(&malformed, "x-shortener-cache"), "negative");

    let post = resolver.invoke(&function_url("post", &path)).await;
    assert_eq!(status(&post), 405, "{post}");
    assert_eq!(header(&post, "allow"), "GET, HEAD");

    let logs = resolver.stop_and_logs().await;
    let answered: Vec<Value> = logs
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}")))
        .filter(|line| line["fields"]["message"] == "answered")
        .collect();
    assert_eq!(answered.len(), 7, "{logs}");
    let outcomes: Vec<(&str, u64)> = answered
        .iter()
        .filter(|line| line["fields"]["short_id"] == id.as_str())
        .map(|line| (line["fields"]["cache"].as_str().unwrap_or("-"), line["fields"]["status"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(outcomes, [("miss", 301), ("hit", 301), ("hit", 301), ("-", 405)], "{logs}");
    assert!(answered.iter().all(|line| line["span"]["requestId"].is_string()), "{logs}");
    assert!(!logs.contains("landing") && !logs.contains("ref=lambda"), "a target URL reached the logs: {logs}");
}

/// Init fails, naming the setting, when a setting is missing or wrong: Lambda then reports an init error instead
/// of a function that answers 500 to every request.
#[tokio::test]
async fn a_missing_or_bad_setting_fails_init_and_names_it() {
    let store = dynamo_store().await;
    let endpoint = dynamodb_endpoint();
    let table = store.table();
    type Env<'a> = &'a [(&'a str, &'a str)];
    let cases: [(&str, Env<'_>, &str); 5] = [
        ("origin-api", &[("DYNAMODB_ENDPOINT", &endpoint), ("PUBLIC_BASE_URL", BASE)], "TABLE_NAME"),
        ("origin-api", &[("DYNAMODB_ENDPOINT", &endpoint), ("TABLE_NAME", table)], "PUBLIC_BASE_URL"),
        (
            "origin-api",
            &[("DYNAMODB_ENDPOINT", &endpoint), ("TABLE_NAME", table), ("PUBLIC_BASE_URL", "ftp://sho.rt")],
            "PUBLIC_BASE_URL",
        ),
        ("edge-resolver", &[("DYNAMODB_ENDPOINT", &endpoint), ("TABLE_NAME", "no-such-table")], "TABLE_NAME"),
        (
            "edge-resolver",
            &[("DYNAMODB_ENDPOINT", &endpoint), ("TABLE_NAME", table), ("REDIRECT_STATUS", "200")],
            "REDIRECT_STATUS",
        ),
    ];
    for (function, env, named) in cases {
        let mut emulated = Emulated::new(bootstrap(function), env).await;
        emulated.start().await;
        let (exit, logs) = emulated.wait_for_exit().await;
        assert!(!exit.success(), "{function} with {env:?} started: {logs}");
        assert!(logs.contains(named), "{function} with {env:?} failed without naming {named}: {logs}");
    }
}

/// The DynamoDB connection is opened at init, before any request: a listener standing in for DynamoDB sees the
/// function connect although nothing has been invoked.
#[tokio::test]
async fn the_store_connection_is_warmed_at_init() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let env = [("DYNAMODB_ENDPOINT", endpoint.as_str()), ("TABLE_NAME", "links")];
    let mut resolver = Emulated::new(bootstrap("edge-resolver"), &env).await;
    resolver.start().await;
    let accepted = tokio::time::timeout(Duration::from_secs(10), listener.accept()).await;
    assert!(accepted.is_ok_and(|connection| connection.is_ok()), "no connection to the store during init");
}

/// The invalidator as deployed: a stream batch (a link edited twice, a create, a TTL deletion, a quota counter)
/// becomes one `CreateInvalidation` of both paths of each changed link on the configured distribution, named after
/// the batch; the same batch delivered again carries the same name; a batch with nothing to invalidate sends
/// nothing.
#[tokio::test]
async fn edge_invalidator_turns_a_stream_batch_into_one_cloudfront_invalidation() {
    let recorder = CloudFrontRecorder::start().await.unwrap();
    let endpoint = recorder.endpoint();
    let env = [
        ("DISTRIBUTION_ID", "E2QWRUHAPOMQZL"),
        ("AWS_ENDPOINT_URL_CLOUDFRONT", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        ("AWS_SESSION_TOKEN", "session"),
    ];
    let mut invalidator = Emulated::new(bootstrap("edge-invalidator"), &env).await;
    invalidator.start().await;
    let batch = fixture(include_str!("../../edge-invalidator/tests/fixtures/stream-batch.json"));
    let records: StreamBatch = serde_json::from_value(batch.clone()).unwrap();
    let reference = format!("{}-0", batch_reference(&records.records));

    assert_eq!(invalidator.invoke(&batch).await, Value::Null, "the batch succeeded");
    assert_eq!(invalidator.invoke(&batch).await, Value::Null, "the batch delivered again succeeded");
    let accepted = recorder.accepted();
    assert_eq!(accepted.len(), 2, "{accepted:?}");
    for invalidation in &accepted {
        assert_eq!(invalidation.distribution_id, "E2QWRUHAPOMQZL");
        assert_eq!(invalidation.paths, ["/edited1", "/edited1+", "/expired", "/expired+"]);
        assert_eq!(invalidation.caller_reference, reference, "CloudFront makes one invalidation of the two");
    }

    let mut creates = batch.clone();
    creates["Records"] = json!([batch["Records"][1].clone(), batch["Records"][3].clone()]);
    assert_eq!(invalidator.invoke(&creates).await, Value::Null);
    assert_eq!(recorder.accepted().len(), 2, "a create and a quota counter invalidate nothing");

    let logs = invalidator.stop_and_logs().await;
    let lines: Vec<Value> = logs.lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    let invalidated: Vec<_> = lines.iter().filter(|line| line["fields"]["message"] == "batch invalidated").collect();
    let counts: Vec<_> = invalidated.iter().map(|line| line["fields"]["paths"].as_u64()).collect();
    assert_eq!(counts, [Some(4), Some(4), Some(0)], "{logs}");
}
