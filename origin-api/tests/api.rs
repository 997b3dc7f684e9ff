//! The HTTP contract of `docs/architecture.md`, checked through [`Api::handle`], the handler the Lambda runs: over the
//! embedded store, over DynamoDB Local, and from API Gateway HTTP API (payload 2.0) event fixtures.

use std::{error::Error, sync::Arc};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use origin_api::{Api, ApiConfig, ApiStore, LinkView, MAX_BODY_BYTES, from_lambda, quota::ClientAddress};
use serde_json::{Value, json};
use shortener_domain::{
    BlockedHost, DisableReason, HostBlock, Link, PublicBase, ShortId, TargetUrl,
    clicks::{CLOUDFRONT_FIELDS, LogFileKey, Tally},
    headers::RETRY_AFTER_SECONDS,
    store::{ClickCounts, HostBlocklist, LinkReader, LinkUpdater, LinkWriter, embedded::EmbeddedStore},
    testing::{CountingReader, FailSwitch, dynamo_store, embedded_store},
};
use tempfile::TempDir;
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};

type TestResult = Result<(), Box<dyn Error>>;

/// The embedded store behind a switch, so a test can make it unreachable.
type Switched = FailSwitch<EmbeddedStore>;

const BASE: &str = "https://sho.rt/";

fn config(cors_allow_origins: &[&str]) -> Result<ApiConfig, String> {
    Ok(ApiConfig {
        public_base: PublicBase::parse(BASE).map_err(|e| e.to_string())?,
        own_hosts: vec!["d111111abcdef8.cloudfront.net".to_owned()],
        cors_allow_origins: cors_allow_origins.iter().map(|&o| o.to_owned()).collect(),
        create_quota_per_hour: 0,
        origin_secret: None,
    })
}

/// An API over a fresh embedded store; the store is returned too, for tests that read or seed it directly.
fn embedded_api(cors_allow_origins: &[&str]) -> Result<(Api<Switched>, Store), String> {
    let (store, dir) = embedded_store();
    let store = FailSwitch::new(store);
    Ok((Api::new(config(cors_allow_origins)?, store.clone()), Store { store, _dir: dir }))
}

/// The test's handle on the API's store, keeping its temporary folder alive.
struct Store {
    store: Switched,
    _dir: TempDir,
}

fn request(method: Method, path: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Request<Bytes> {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.into()).unwrap_or_else(|e| panic!("building {path}: {e}"))
}

fn post_shorten(body: impl Into<Bytes>) -> Request<Bytes> {
    request(Method::POST, "/shorten", &[("content-type", "application/json")], body)
}

fn shorten_json(body: &Value) -> Request<Bytes> {
    post_shorten(body.to_string())
}

fn get(path: &str) -> Request<Bytes> {
    request(Method::GET, path, &[], Bytes::new())
}

fn header(response: &Response<String>, name: impl header::AsHeaderName) -> Option<&str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

fn body_json(response: &Response<String>) -> Value {
    serde_json::from_str(response.body()).unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", response.body()))
}

fn link_view(response: &Response<String>) -> LinkView {
    serde_json::from_str(response.body()).unwrap_or_else(|e| panic!("body is not a link ({e}): {:?}", response.body()))
}

/// Checks an RFC 9457 problem: status, content type, the four members, and the field it blames (if any).
fn assert_problem(response: &Response<String>, status: StatusCode, field: Option<&str>) -> Value {
    assert_eq!(response.status(), status, "body: {}", response.body());
    assert_eq!(header(response, header::CONTENT_TYPE), Some("application/problem+json"));
    let problem = body_json(response);
    assert!(problem["type"].as_str().is_some_and(|t| !t.is_empty()), "type in {problem}");
    assert_eq!(problem["title"], json!(status.canonical_reason()));
    assert_eq!(problem["status"], json!(status.as_u16()));
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "detail in {problem}");
    assert_eq!(problem.get("field").and_then(Value::as_str), field, "field in {problem}");
    problem
}

/// `view` as reads show it: the manage token appears only in the answer to the creation.
fn without_token(view: LinkView) -> LinkView {
    assert!(view.manage_token.is_some(), "a creation's answer carries the manage token");
    LinkView { manage_token: None, ..view }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|e| panic!("formatting {at}: {e}"))
}

fn is_generated_id(id: &str) -> bool {
    id.len() == ShortId::GENERATED_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A link written straight into the store, bypassing the API's rules on expiry.
fn link(id: &str, url: &str, expires_at: Option<OffsetDateTime>) -> Result<Link, Box<dyn Error>> {
    let now = OffsetDateTime::now_utc();
    Ok(Link::new(
        ShortId::parse(id)?,
        TargetUrl::parse(url, &PublicBase::parse(BASE)?)?,
        OffsetDateTime::from_unix_timestamp(now.unix_timestamp() - 86_400)?,
        expires_at,
        None,
    ))
}

// ---------------------------------------------------------------------------------------------------------
// POST /shorten and GET /api/links/{id}
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_shortened_url_gets_a_generated_id_and_reads_back_the_same() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let before = OffsetDateTime::now_utc() - Duration::seconds(1);

    let created = api.handle(shorten_json(&json!({ "urlToShorten": "HTTPS://Example.COM" }))).await;
    let after = OffsetDateTime::now_utc() + Duration::seconds(1);

    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.body());
    assert_eq!(header(&created, header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(header(&created, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    let body = body_json(&created);
    let id = body["id"].as_str().unwrap_or_default().to_owned();
    assert!(is_generated_id(&id), "id {id:?} is not 7 base62 characters");
    assert_eq!(body["shortUrl"], json!(format!("https://sho.rt/{id}")));
    assert_eq!(body["url"], json!("https://example.com/"));
    assert_eq!(body["expiresAt"], Value::Null);
    let created_at = OffsetDateTime::parse(body["createdAt"].as_str().unwrap_or_default(), &Rfc3339)?;
    assert!((before..=after).contains(&created_at), "createdAt {created_at} is not the time of the request");
    assert_eq!(header(&created, header::LOCATION), body["shortUrl"].as_str());
    assert_eq!(body["state"], json!("active"));
    let mut body = body;
    let token = body.as_object_mut().and_then(|b| b.remove("manageToken")).unwrap_or_default();
    assert_eq!(token.as_str().map(str::len), Some(43), "manageToken {token}");

    let read = api.handle(get(&format!("/api/links/{id}"))).await;
    assert_eq!(read.status(), StatusCode::OK, "{}", read.body());
    assert_eq!(header(&read, header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(header(&read, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert_eq!(body_json(&read), body, "a read shows the link as created, without its token");
    Ok(())
}

#[tokio::test]
async fn two_shortenings_of_one_url_get_different_ids() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let request = json!({ "urlToShorten": "https://example.com/same" });

    let first = link_view(&api.handle(shorten_json(&request)).await);
    let second = link_view(&api.handle(shorten_json(&request)).await);

    assert_ne!(first.id, second.id);
    Ok(())
}

#[tokio::test]
async fn an_alias_becomes_the_id() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;

    let created = api
        .handle(shorten_json(&json!({ "urlToShorten": "https://example.com/launch", "alias": "Launch_2030-beta" })))
        .await;

    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.body());
    let view = link_view(&created);
    assert_eq!(view.id, "Launch_2030-beta");
    assert_eq!(view.short_url, "https://sho.rt/Launch_2030-beta");
    assert_eq!(header(&created, header::LOCATION), Some("https://sho.rt/Launch_2030-beta"));
    let read = api.handle(get("/api/links/Launch_2030-beta")).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(link_view(&read), without_token(view));
    Ok(())
}

#[tokio::test]
async fn alias_that_is_taken_returns_409() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let first = api.handle(shorten_json(&json!({ "urlToShorten": "https://first.example/", "alias": "promo" }))).await;
    assert_eq!(first.status(), StatusCode::CREATED);

    let second =
        api.handle(shorten_json(&json!({ "urlToShorten": "https://second.example/", "alias": "promo" }))).await;

    assert_problem(&second, StatusCode::CONFLICT, Some("alias"));
    let kept = link_view(&api.handle(get("/api/links/promo")).await);
    assert_eq!(kept.url, "https://first.example/");
    Ok(())
}

#[tokio::test]
async fn aliases_are_case_sensitive() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    for (alias, url) in [("promo", "https://lower.example/"), ("PROMO", "https://upper.example/")] {
        let created = api.handle(shorten_json(&json!({ "urlToShorten": url, "alias": alias }))).await;
        assert_eq!(created.status(), StatusCode::CREATED, "{alias}: {}", created.body());
    }

    assert_eq!(link_view(&api.handle(get("/api/links/promo")).await).url, "https://lower.example/");
    assert_eq!(link_view(&api.handle(get("/api/links/PROMO")).await).url, "https://upper.example/");
    Ok(())
}

#[tokio::test]
async fn alias_that_breaks_the_rules_returns_422() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let too_long = "a".repeat(ShortId::MAX_LEN + 1);
    for alias in ["ab", too_long.as_str(), "a.b", "has space", "slash/in", "ünïcode", "api", "API", "assets", "shorten"]
    {
        let response =
            api.handle(shorten_json(&json!({ "urlToShorten": "https://example.com/", "alias": alias }))).await;
        assert_problem(&response, StatusCode::UNPROCESSABLE_ENTITY, Some("alias"));
    }
    Ok(())
}

#[tokio::test]
async fn alias_of_64_characters_is_accepted() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let alias = "a".repeat(ShortId::MAX_LEN);

    let response = api.handle(shorten_json(&json!({ "urlToShorten": "https://example.com/", "alias": alias }))).await;

    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.body());
    assert_eq!(link_view(&response).id, alias);
    Ok(())
}

#[tokio::test]
async fn expiry_in_the_future_is_echoed_and_read_back() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let expires_at = rfc3339(OffsetDateTime::from_unix_timestamp(
        (OffsetDateTime::now_utc() + Duration::days(30)).unix_timestamp(),
    )?);

    let created =
        api.handle(shorten_json(&json!({ "urlToShorten": "https://example.com/sale", "expiresAt": expires_at }))).await;

    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.body());
    let view = link_view(&created);
    assert_eq!(view.expires_at.as_deref(), Some(expires_at.as_str()));
    let read = api.handle(get(&format!("/api/links/{}", view.id))).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(link_view(&read), without_token(view));
    Ok(())
}

#[tokio::test]
async fn expiry_in_the_past_or_not_rfc3339_returns_422() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let an_hour_ago = rfc3339(OffsetDateTime::now_utc() - Duration::hours(1));
    let tomorrow = OffsetDateTime::now_utc() + Duration::days(1);
    let date_only = format!("{}-{:02}-{:02}", tomorrow.year(), u8::from(tomorrow.month()), tomorrow.day());
    for expires_at in [an_hour_ago.as_str(), "tomorrow", date_only.as_str(), "1999-12-31T23:59:59Z"] {
        let response =
            api.handle(shorten_json(&json!({ "urlToShorten": "https://example.com/", "expiresAt": expires_at }))).await;
        assert_problem(&response, StatusCode::UNPROCESSABLE_ENTITY, Some("expiresAt"));
    }
    Ok(())
}

#[tokio::test]
async fn url_that_breaks_the_rules_returns_422() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let too_long = format!("https://example.com/{}", "a".repeat(2048));
    for url in [
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.com/file",
        "https://bank.com@evil.example",
        "https://user:pass@example.com/",
        "https://sho.rt/abc1234",
        "HTTPS://SHO.RT./abc1234",
        "https://d111111abcdef8.cloudfront.net/abc1234",
        "/relative/path",
        "https://exa mple.com/",
        "",
        too_long.as_str(),
    ] {
        let response = api.handle(shorten_json(&json!({ "urlToShorten": url }))).await;
        assert_problem(&response, StatusCode::UNPROCESSABLE_ENTITY, Some("urlToShorten"));
    }
    Ok(())
}

#[tokio::test]
async fn url_of_exactly_2048_bytes_is_accepted() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let prefix = "https://example.com/";
    let url = format!("{prefix}{}", "a".repeat(2048 - prefix.len()));

    let response = api.handle(shorten_json(&json!({ "urlToShorten": url }))).await;

    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.body());
    assert_eq!(link_view(&response).url, url);
    Ok(())
}

#[tokio::test]
async fn an_international_domain_is_stored_as_punycode() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;

    let response = api.handle(shorten_json(&json!({ "urlToShorten": "https://bücher.example/straße?q=ä" }))).await;

    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.body());
    assert_eq!(link_view(&response).url, "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%A4");
    Ok(())
}

#[tokio::test]
async fn a_body_that_is_not_the_expected_json_returns_400() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let bodies: [&[u8]; 8] = [
        b"{\"urlToShorten\": \"https://example.com/\"",
        b"urlToShorten=https://example.com/",
        b"",
        b"{}",
        b"{\"url\": \"https://example.com/\"}",
        b"{\"urlToShorten\": 42}",
        b"{\"urlToShorten\": \"https://example.com/\", \"alias\": [\"a\"]}",
        b"{\"urlToShorten\": \"https://example.com/\xff\xfe\"}",
    ];
    for body in bodies {
        let response = api.handle(post_shorten(Bytes::from_static(body))).await;
        assert_problem(&response, StatusCode::BAD_REQUEST, None);
    }
    Ok(())
}

#[tokio::test]
async fn a_body_over_8192_bytes_returns_413_and_one_of_8192_is_read() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let json_body = r#"{"urlToShorten":"https://example.com/big"}"#;
    let exactly_max = format!("{json_body:<MAX_BODY_BYTES$}");
    assert_eq!(exactly_max.len(), 8192);
    let one_over = format!("{exactly_max} ");

    let at_limit = api.handle(post_shorten(exactly_max)).await;
    let over_limit = api.handle(post_shorten(one_over)).await;

    assert_eq!(at_limit.status(), StatusCode::CREATED, "{}", at_limit.body());
    assert_problem(&over_limit, StatusCode::PAYLOAD_TOO_LARGE, None);
    Ok(())
}

#[tokio::test]
async fn a_body_that_is_not_json_by_content_type_returns_415() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let response = api
            .handle(request(
                Method::POST,
                "/shorten",
                &[("content-type", content_type)],
                r#"{"urlToShorten":"https://example.com/"}"#,
            ))
            .await;
        assert_problem(&response, StatusCode::UNSUPPORTED_MEDIA_TYPE, None);
    }
    Ok(())
}

#[tokio::test]
async fn json_content_types_with_parameters_or_suffixes_or_none_are_accepted() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let with_types: [&[(&str, &str)]; 3] =
        [&[("content-type", "application/json; charset=utf-8")], &[("content-type", "Application/JSON")], &[]];
    for headers in with_types {
        let response =
            api.handle(request(Method::POST, "/shorten", headers, r#"{"urlToShorten":"https://example.com/"}"#)).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{headers:?}: {}", response.body());
    }
    Ok(())
}

#[tokio::test]
async fn an_unknown_or_malformed_id_returns_404() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    for path in
        ["/api/links/nothere", "/api/links/a.b", "/api/links/x", "/api/links/", "/api/links/api", "/api/links/abc/def"]
    {
        let response = api.handle(get(path)).await;
        assert_problem(&response, StatusCode::NOT_FOUND, None);
    }
    Ok(())
}

#[tokio::test]
async fn an_unknown_api_path_returns_404() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    for path in ["/api/nothing", "/", "/abc1234", "/shorten/extra"] {
        let response = api.handle(get(path)).await;
        assert_problem(&response, StatusCode::NOT_FOUND, None);
    }
    Ok(())
}

#[tokio::test]
async fn an_expired_link_returns_410() -> TestResult {
    let (api, store) = embedded_api(&["*"])?;
    let expired = link(
        "gone-sale",
        "https://example.com/old-sale",
        Some(OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp() - 60)?),
    )?;
    store.store.put_new(&expired).await?;

    let response = api.handle(get("/api/links/gone-sale")).await;

    assert_problem(&response, StatusCode::GONE, None);
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// GET /api/health, methods, CORS
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn health_answers_200_without_touching_the_store() -> TestResult {
    let (api, store) = embedded_api(&["*"])?;
    store.store.set_failing(true);

    let response = api.handle(get("/api/health")).await;

    assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
    assert_eq!(header(&response, header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(body_json(&response), json!({ "status": "ok" }));
    Ok(())
}

#[tokio::test]
async fn a_head_request_gets_the_headers_without_a_body() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;

    let response = api.handle(request(Method::HEAD, "/api/health", &[], Bytes::new())).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, header::CONTENT_TYPE), Some("application/json"));
    assert!(response.body().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_method_a_path_does_not_take_returns_405_with_allow() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    for (method, path) in [
        (Method::DELETE, "/shorten"),
        (Method::GET, "/shorten"),
        (Method::PUT, "/shorten"),
        (Method::POST, "/api/health"),
        (Method::PUT, "/api/links/abc1234"),
        (Method::POST, "/api/links/abc1234"),
    ] {
        let response = api.handle(request(method.clone(), path, &[], Bytes::new())).await;
        assert_problem(&response, StatusCode::METHOD_NOT_ALLOWED, None);
        let allow = header(&response, header::ALLOW).unwrap_or_default();
        assert!(
            !allow.split(", ").any(|m| m == method.as_str()),
            "{method} {path}: Allow {allow:?} lists the refused method"
        );
        let expected = if path == "/shorten" { "POST" } else { "GET" };
        assert!(allow.split(", ").any(|m| m == expected), "{method} {path}: Allow {allow:?} lacks {expected}");
    }
    Ok(())
}

#[tokio::test]
async fn a_preflight_for_shorten_returns_204_with_the_allowed_methods() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;

    let response = api
        .handle(request(
            Method::OPTIONS,
            "/shorten",
            &[
                ("origin", "https://app.example"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            Bytes::new(),
        ))
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let methods = header(&response, header::ACCESS_CONTROL_ALLOW_METHODS).unwrap_or_default();
    assert!(methods.split(", ").any(|m| m == "POST"), "Allow-Methods {methods:?}");
    let headers = header(&response, header::ACCESS_CONTROL_ALLOW_HEADERS).unwrap_or_default();
    assert!(headers.to_ascii_lowercase().contains("content-type"), "Allow-Headers {headers:?}");
    assert_eq!(header(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert!(response.body().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_listed_origin_is_echoed_and_another_is_not_allowed() -> TestResult {
    let (api, _store) = embedded_api(&["https://app.example"])?;
    let from = |origin: &'static str| {
        request(
            Method::POST,
            "/shorten",
            &[("content-type", "application/json"), ("origin", origin)],
            r#"{"urlToShorten":"https://example.com/"}"#,
        )
    };

    let listed = api.handle(from("https://app.example")).await;
    let unlisted = api.handle(from("https://evil.example")).await;
    let preflight = api
        .handle(request(
            Method::OPTIONS,
            "/shorten",
            &[("origin", "https://app.example"), ("access-control-request-method", "POST")],
            Bytes::new(),
        ))
        .await;

    assert_eq!(listed.status(), StatusCode::CREATED);
    assert_eq!(header(&listed, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("https://app.example"));
    assert!(
        header(&listed, header::VARY).is_some_and(|v| v.to_ascii_lowercase().contains("origin")),
        "a per-origin answer must say Vary: Origin"
    );
    assert_eq!(header(&unlisted, header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&preflight, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("https://app.example"));
    Ok(())
}

#[tokio::test]
async fn problems_carry_cors_headers_too() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;

    let response = api.handle(shorten_json(&json!({ "urlToShorten": "javascript:alert(1)" }))).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(header(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// An unreachable store
// ---------------------------------------------------------------------------------------------------------

fn assert_unavailable(response: &Response<String>) {
    let problem = assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, None);
    assert_eq!(header(response, header::RETRY_AFTER), Some(RETRY_AFTER_SECONDS.to_string().as_str()));
    assert!(!response.body().contains("switched off by the test"), "the internal cause leaked: {problem}");
}

#[tokio::test]
async fn shortening_while_the_store_is_down_returns_503_with_retry_after() -> TestResult {
    let (api, store) = embedded_api(&["*"])?;
    store.store.set_failing(true);

    let generated = api.handle(shorten_json(&json!({ "urlToShorten": "https://example.com/" }))).await;
    let aliased = api.handle(shorten_json(&json!({ "urlToShorten": "https://example.com/", "alias": "down" }))).await;

    assert_unavailable(&generated);
    assert_unavailable(&aliased);
    Ok(())
}

#[tokio::test]
async fn reading_a_link_while_the_store_is_down_returns_503_with_retry_after() -> TestResult {
    let (api, store) = embedded_api(&["*"])?;
    let created = link_view(&api.handle(shorten_json(&json!({ "urlToShorten": "https://example.com/" }))).await);
    store.store.set_failing(true);

    let response = api.handle(get(&format!("/api/links/{}", created.id))).await;

    assert_unavailable(&response);
    store.store.set_failing(false);
    assert_eq!(api.handle(get(&format!("/api/links/{}", created.id))).await.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn a_dynamodb_that_never_answers_gets_503_with_retry_after() -> TestResult {
    let (store, _settings) = shortener_domain::testing::silent_dynamo_store().await;
    let api = Api::new(config(&["*"])?, store);

    let created = api.handle(shorten_json(&json!({ "urlToShorten": "https://example.com/" }))).await;
    let read = api.handle(get("/api/links/abc1234")).await;

    assert_unavailable(&created);
    assert_unavailable(&read);
    Ok(())
}

#[tokio::test]
async fn a_missing_table_is_our_fault_and_answers_500_without_the_cause() -> TestResult {
    let settings = shortener_domain::testing::fresh_dynamo_settings();
    let api = Api::new(config(&["*"])?, shortener_domain::store::dynamodb::DynamoStore::connect(&settings).await);

    let created = api.handle(shorten_json(&json!({ "urlToShorten": "https://example.com/" }))).await;

    assert_eq!(created.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(created.headers().get(header::RETRY_AFTER).is_none());
    assert!(!created.body().contains(&settings.table_name), "the cause leaked: {}", created.body());
    assert!(!created.body().contains("ResourceNotFound"), "the cause leaked: {}", created.body());
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Concurrent aliases, on both stores
// ---------------------------------------------------------------------------------------------------------

/// Sends 50 `POST /shorten` at once, all for `alias` and each with its own URL, and checks that exactly one wins
/// and that the store holds the winner's URL.
async fn one_of_many_concurrent_claims_of_an_alias_wins<S>(store: S) -> TestResult
where
    S: ApiStore + Clone + 'static,
{
    const CONTENDERS: usize = 50;
    let api = Arc::new(Api::new(config(&["*"])?, store.clone()));
    let tasks: Vec<_> = (0..CONTENDERS)
        .map(|i| {
            let api = Arc::clone(&api);
            tokio::spawn(async move {
                let url = format!("https://example.com/contender/{i}");
                let response = api.handle(shorten_json(&json!({ "urlToShorten": url, "alias": "race" }))).await;
                (url, response)
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(CONTENDERS);
    for outcome in futures::future::join_all(tasks).await {
        outcomes.push(outcome?);
    }

    let winners: Vec<_> = outcomes.iter().filter(|(_, r)| r.status() == StatusCode::CREATED).collect();
    let conflicts = outcomes.iter().filter(|(_, r)| r.status() == StatusCode::CONFLICT).count();
    let statuses: Vec<_> = outcomes.iter().map(|(_, r)| r.status().as_u16()).collect();
    assert_eq!(winners.len(), 1, "statuses: {statuses:?}");
    assert_eq!(conflicts, CONTENDERS - 1, "statuses: {statuses:?}");
    let (winner_url, winner) = winners[0];
    assert_eq!(&link_view(winner).url, winner_url);
    let stored = store.get(&ShortId::parse("race")?).await?.ok_or("the alias was not stored")?;
    assert_eq!(stored.url.as_ref().map(TargetUrl::as_str), Some(winner_url.as_str()));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn one_of_50_concurrent_claims_of_an_alias_wins_on_the_embedded_store() -> TestResult {
    let (store, _dir) = embedded_store();
    one_of_many_concurrent_claims_of_an_alias_wins(store).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn one_of_50_concurrent_claims_of_an_alias_wins_on_dynamodb() -> TestResult {
    one_of_many_concurrent_claims_of_an_alias_wins(dynamo_store().await).await
}

#[tokio::test]
async fn a_link_created_on_dynamodb_reads_back_the_same_and_expires() -> TestResult {
    let store = dynamo_store().await;
    let api = Api::new(config(&["*"])?, store.clone());
    let expires_at =
        rfc3339(OffsetDateTime::from_unix_timestamp((OffsetDateTime::now_utc() + Duration::days(1)).unix_timestamp())?);
    store
        .put_new(&link(
            "gone-sale",
            "https://example.com/old",
            Some(OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp() - 60)?),
        )?)
        .await?;

    let created = api
        .handle(shorten_json(&json!({ "urlToShorten": "HTTPS://Example.COM/a?b=c", "expiresAt": expires_at })))
        .await;

    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.body());
    let view = link_view(&created);
    assert_eq!(view.url, "https://example.com/a?b=c");
    let read = api.handle(get(&format!("/api/links/{}", view.id))).await;
    assert_eq!(read.status(), StatusCode::OK, "{}", read.body());
    assert_eq!(link_view(&read), without_token(view));
    assert_problem(&api.handle(get("/api/links/gone-sale")).await, StatusCode::GONE, None);
    assert_problem(&api.handle(get("/api/links/nothere")).await, StatusCode::NOT_FOUND, None);
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// API Gateway HTTP API (payload 2.0) events, converted as the Lambda converts them
// ---------------------------------------------------------------------------------------------------------

fn lambda_event(json: &str) -> Result<Request<Bytes>, serde_json::Error> {
    lambda_http::request::from_str(json).map(from_lambda)
}

#[tokio::test]
async fn a_lambda_event_with_a_plain_body_creates_a_link() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let event = lambda_event(include_str!("fixtures/post_shorten.json"))?;

    let created = api.handle(event).await;

    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.body());
    assert_eq!(header(&created, header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(header(&created, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    let view = link_view(&created);
    assert!(is_generated_id(&view.id), "id {:?}", view.id);
    assert_eq!(view.url, "https://example.com/docs?page=1");
    assert_eq!(header(&created, header::LOCATION), Some(view.short_url.as_str()));
    Ok(())
}

#[tokio::test]
async fn a_lambda_event_with_a_base64_body_creates_a_link() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let event = lambda_event(include_str!("fixtures/post_shorten_base64.json"))?;

    let created = api.handle(event).await;

    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.body());
    let view = link_view(&created);
    assert_eq!(view.id, "buecher");
    assert_eq!(view.short_url, "https://sho.rt/buecher");
    assert_eq!(view.url, "https://xn--bcher-kva.example/stra%C3%9Fe");
    Ok(())
}

#[tokio::test]
async fn a_lambda_event_for_a_link_reads_it() -> TestResult {
    let (api, store) = embedded_api(&["*"])?;
    store.store.put_new(&link("docs123", "https://example.com/docs", None)?).await?;
    let event = lambda_event(include_str!("fixtures/get_link.json"))?;

    let read = api.handle(event).await;

    assert_eq!(read.status(), StatusCode::OK, "{}", read.body());
    let view = link_view(&read);
    assert_eq!(view.id, "docs123");
    assert_eq!(view.short_url, "https://sho.rt/docs123");
    assert_eq!(view.url, "https://example.com/docs");
    assert_eq!(view.expires_at, None);
    Ok(())
}

#[tokio::test]
async fn a_lambda_event_for_health_answers_200() -> TestResult {
    let (api, store) = embedded_api(&["*"])?;
    store.store.set_failing(true);
    let event = lambda_event(include_str!("fixtures/get_health.json"))?;

    let response = api.handle(event).await;

    assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
    assert_eq!(body_json(&response), json!({ "status": "ok" }));
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// The owner's changes: PATCH and DELETE /api/links/{id} with the manage token
// ---------------------------------------------------------------------------------------------------------

/// Creates a link to `url` through the API; its view, with the manage token.
async fn create<S: ApiStore>(api: &Api<S>, url: &str) -> (LinkView, String) {
    let created = api.handle(shorten_json(&json!({ "urlToShorten": url }))).await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.body());
    let view = link_view(&created);
    let token = view.manage_token.clone().unwrap_or_default();
    (view, token)
}

fn patch(id: &str, token: Option<&str>, content_type: &str, body: &Value) -> Request<Bytes> {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", content_type)];
    headers.extend(bearer.as_deref().map(|b| ("authorization", b)));
    request(Method::PATCH, &format!("/api/links/{id}"), &headers, body.to_string())
}

fn merge_patch(id: &str, token: &str, body: &Value) -> Request<Bytes> {
    patch(id, Some(token), "application/merge-patch+json", body)
}

fn delete(id: &str, token: Option<&str>) -> Request<Bytes> {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<_> = bearer.as_deref().map(|b| ("authorization", b)).into_iter().collect();
    request(Method::DELETE, &format!("/api/links/{id}"), &headers, Bytes::new())
}

/// Edits, clears the expiry, deletes, and checks what reads show after each step.
async fn the_owner_edits_and_deletes_a_link_with_its_token<S: ApiStore>(api: Api<S>) -> TestResult {
    let (view, token) = create(&api, "https://example.com/typo").await;
    let expires_at =
        rfc3339(OffsetDateTime::from_unix_timestamp((OffsetDateTime::now_utc() + Duration::days(2)).unix_timestamp())?);

    let edited = api
        .handle(merge_patch(&view.id, &token, &json!({ "url": "https://example.com/fixed", "expiresAt": expires_at })))
        .await;

    assert_eq!(edited.status(), StatusCode::OK, "{}", edited.body());
    let edited = link_view(&edited);
    assert_eq!((edited.url.as_str(), edited.expires_at.as_deref()), ("https://example.com/fixed", Some(&*expires_at)));
    assert_eq!((edited.manage_token.as_deref(), edited.created_at.as_str()), (None, view.created_at.as_str()));
    assert_eq!(link_view(&api.handle(get(&format!("/api/links/{}", view.id))).await), edited);

    let cleared = api.handle(patch(&view.id, Some(&token), "application/json", &json!({ "expiresAt": null }))).await;
    assert_eq!(cleared.status(), StatusCode::OK, "{}", cleared.body());
    assert_eq!((link_view(&cleared).expires_at, link_view(&cleared).url), (None, edited.url.clone()));

    let deleted = api.handle(delete(&view.id, Some(&token))).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT, "{}", deleted.body());
    assert_eq!(deleted.body(), "");
    assert_problem(&api.handle(get(&format!("/api/links/{}", view.id))).await, StatusCode::NOT_FOUND, None);
    assert_problem(&api.handle(merge_patch(&view.id, &token, &json!({}))).await, StatusCode::NOT_FOUND, None);
    assert_problem(&api.handle(delete(&view.id, Some(&token))).await, StatusCode::NOT_FOUND, None);
    let reuse = api.handle(shorten_json(&json!({ "urlToShorten": "https://example.com/", "alias": view.id }))).await;
    assert_problem(&reuse, StatusCode::CONFLICT, Some("alias"));
    Ok(())
}

#[tokio::test]
async fn the_owner_edits_and_deletes_a_link_with_its_token_on_the_embedded_store() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    the_owner_edits_and_deletes_a_link_with_its_token(api).await
}

#[tokio::test]
async fn the_owner_edits_and_deletes_a_link_with_its_token_on_dynamodb() -> TestResult {
    the_owner_edits_and_deletes_a_link_with_its_token(Api::new(config(&["*"])?, dynamo_store().await)).await
}

#[tokio::test]
async fn missing_malformed_guessed_or_another_links_token_get_one_and_the_same_401() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let (view, token) = create(&api, "https://example.com/mine").await;
    let (_, other_token) = create(&api, "https://example.com/theirs").await;
    let guessed = "A".repeat(43);
    let almost = format!("{}{}", &token[..42], if token.ends_with('A') { "B" } else { "A" });
    let body = json!({ "url": "https://evil.example/" });
    let attempts = [
        patch(&view.id, None, "application/json", &body),
        patch(&view.id, Some(""), "application/json", &body),
        patch(&view.id, Some("not-a-token"), "application/json", &body),
        patch(&view.id, Some(&guessed), "application/json", &body),
        patch(&view.id, Some(&almost), "application/json", &body),
        patch(&view.id, Some(&other_token), "application/json", &body),
        request(
            Method::PATCH,
            &format!("/api/links/{}", view.id),
            &[("authorization", &format!("Basic {token}"))],
            "{}",
        ),
        delete(&view.id, None),
        delete(&view.id, Some(&other_token)),
    ];
    let mut bodies = Vec::new();
    for attempt in attempts {
        let response = api.handle(attempt).await;
        assert_problem(&response, StatusCode::UNAUTHORIZED, None);
        assert_eq!(header(&response, header::WWW_AUTHENTICATE), Some("Bearer"));
        bodies.push(response.body().clone());
    }
    bodies.dedup();
    assert_eq!(bodies.len(), 1, "the 401s differ: {bodies:?}");
    let read = link_view(&api.handle(get(&format!("/api/links/{}", view.id))).await);
    assert_eq!(read.url, "https://example.com/mine", "nothing changed");
    Ok(())
}

#[tokio::test]
async fn a_link_made_before_tokens_cannot_be_changed_by_anyone_through_the_api() -> TestResult {
    let (api, store) = embedded_api(&["*"])?;
    store.store.put_new(&link("oldlink", "https://example.com/old", None)?).await?;
    let token = shortener_domain::ManageToken::generate()?;

    let response = api.handle(merge_patch("oldlink", token.reveal(), &json!({ "url": "https://example.com/" }))).await;

    assert_problem(&response, StatusCode::UNAUTHORIZED, None);
    Ok(())
}

#[tokio::test]
async fn changes_to_an_unknown_or_impossible_id_get_404() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let (_, token) = create(&api, "https://example.com/").await;
    for id in ["nothere", "no%20such"] {
        assert_problem(&api.handle(merge_patch(id, &token, &json!({}))).await, StatusCode::NOT_FOUND, None);
        assert_problem(&api.handle(delete(id, Some(&token))).await, StatusCode::NOT_FOUND, None);
    }
    Ok(())
}

#[tokio::test]
async fn a_disabled_link_shows_its_reason_and_refuses_its_owners_changes_with_403() -> TestResult {
    let (api, store) = embedded_api(&["*"])?;
    let (view, token) = create(&api, "https://example.com/").await;
    let id = ShortId::parse(&view.id)?;
    let stored = store.store.get(&id).await?.ok_or("not stored")?;
    let disabled = stored.disabled(DisableReason::Phishing, Some("ticket 7".to_owned()), OffsetDateTime::now_utc())?;
    store.store.replace(&disabled, stored.version).await?;

    let read = api.handle(get(&format!("/api/links/{}", view.id))).await;
    let edit = api.handle(merge_patch(&view.id, &token, &json!({ "url": "https://example.com/other" }))).await;
    let removal = api.handle(delete(&view.id, Some(&token))).await;

    let read = body_json(&read);
    assert_eq!((&read["state"], &read["disabledReason"]), (&json!("disabled"), &json!("phishing")));
    assert!(!read.to_string().contains("ticket 7"), "the operator's note shows: {read}");
    assert_problem(&edit, StatusCode::FORBIDDEN, None);
    assert_problem(&removal, StatusCode::FORBIDDEN, None);
    Ok(())
}

#[tokio::test]
async fn a_patch_is_a_json_object_of_url_and_expires_at_sent_as_json() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let (view, token) = create(&api, "https://example.com/").await;
    let id = view.id.as_str();

    let as_text = patch(id, Some(&token), "text/plain", &json!({ "url": "https://example.com/x" }));
    assert_problem(&api.handle(as_text).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, None);
    for body in [json!(["https://example.com/x"]), json!({ "shortUrl": "x" }), json!({ "url": 7 })] {
        assert_problem(&api.handle(merge_patch(id, &token, &body)).await, StatusCode::BAD_REQUEST, None);
    }
    for (body, field) in [
        (json!({ "url": null }), "url"),
        (json!({ "url": "javascript:alert(1)" }), "url"),
        (json!({ "url": "https://sho.rt/abc1234" }), "url"),
        (json!({ "url": "https://D111111ABCDEF8.cloudfront.net./x" }), "url"),
        (json!({ "expiresAt": "2001-01-01T00:00:00Z" }), "expiresAt"),
        (json!({ "expiresAt": "tomorrow" }), "expiresAt"),
    ] {
        let response = api.handle(merge_patch(id, &token, &body)).await;
        assert_problem(&response, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }
    assert_eq!(link_view(&api.handle(get(&format!("/api/links/{id}"))).await).url, "https://example.com/");
    Ok(())
}

#[tokio::test]
async fn a_blocked_host_or_its_subdomain_is_refused_at_creation_and_in_a_patch() -> TestResult {
    let (api, store) = embedded_api(&["*"])?;
    let block = HostBlock {
        host: BlockedHost::parse("evil.example")?,
        reason: DisableReason::Phishing,
        created_at: OffsetDateTime::now_utc(),
    };
    store.store.block(&block).await?;
    let (view, token) = create(&api, "https://example.com/").await;

    for url in ["https://evil.example/", "https://Login.EVIL.example./x", "https://%65vil.example:8443/"] {
        let created = api.handle(shorten_json(&json!({ "urlToShorten": url }))).await;
        let problem = assert_problem(&created, StatusCode::UNPROCESSABLE_ENTITY, Some("urlToShorten"));
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("blocked")), "{problem}");
        let edited = api.handle(merge_patch(&view.id, &token, &json!({ "url": url }))).await;
        assert_problem(&edited, StatusCode::UNPROCESSABLE_ENTITY, Some("url"));
    }
    let free = api.handle(shorten_json(&json!({ "urlToShorten": "https://notevil.example/" }))).await;
    assert_eq!(free.status(), StatusCode::CREATED, "{}", free.body());
    Ok(())
}

/// Sends 10 PATCHes of one link at once, each to its own URL: exactly one is written, the others get 409, and
/// the store holds the winner's URL.
async fn one_of_many_concurrent_edits_wins_and_the_others_get_409<S>(store: S) -> TestResult
where
    S: ApiStore + Clone + 'static,
{
    const EDITORS: usize = 10;
    // Every read is held after it is made, long enough that all the PATCHes read the link before any of them
    // writes: a store slow to answer under load cannot let one PATCH read what another already wrote.
    let slowed = CountingReader::slowed(store.clone(), std::time::Duration::from_millis(1_000));
    let api = Arc::new(Api::new(config(&["*"])?, slowed));
    let (view, token) = create(&api, "https://example.com/start").await;
    let tasks: Vec<_> = (0..EDITORS)
        .map(|i| {
            let (api, id, token) = (Arc::clone(&api), view.id.clone(), token.clone());
            tokio::spawn(async move {
                let url = format!("https://example.com/editor/{i}");
                (url.clone(), api.handle(merge_patch(&id, &token, &json!({ "url": url }))).await)
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(EDITORS);
    for outcome in futures::future::join_all(tasks).await {
        outcomes.push(outcome?);
    }

    let statuses: Vec<_> = outcomes.iter().map(|(_, r)| r.status().as_u16()).collect();
    let winners: Vec<_> = outcomes.iter().filter(|(_, r)| r.status() == StatusCode::OK).collect();
    assert_eq!(winners.len(), 1, "statuses: {statuses:?}");
    for (_, lost) in outcomes.iter().filter(|(_, r)| r.status() != StatusCode::OK) {
        let problem = assert_problem(lost, StatusCode::CONFLICT, None);
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("retry")), "{problem}");
    }
    let stored = store.get(&ShortId::parse(&view.id)?).await?.ok_or("gone")?;
    assert_eq!(stored.url.as_ref().map(TargetUrl::as_str), Some(winners[0].0.as_str()));
    assert_eq!(stored.version, 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_of_10_concurrent_edits_wins_and_the_others_get_409_on_the_embedded_store() -> TestResult {
    let (store, _dir) = embedded_store();
    one_of_many_concurrent_edits_wins_and_the_others_get_409(store).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_of_10_concurrent_edits_wins_and_the_others_get_409_on_dynamodb() -> TestResult {
    one_of_many_concurrent_edits_wins_and_the_others_get_409(dynamo_store().await).await
}

/// A buffer that a tracing subscriber writes into.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_log_line_at_any_level_carries_a_manage_token() -> TestResult {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .json()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (api, _store) = embedded_api(&["*"])?;

    let (view, token) = create(&api, "https://example.com/").await;
    let wrong = format!("{}x", &token[..42]);
    for request in [
        merge_patch(&view.id, &token, &json!({ "url": "https://example.com/new" })),
        merge_patch(&view.id, &wrong, &json!({})),
        merge_patch(&view.id, &token, &json!({ "url": "javascript:alert(1)" })),
        delete(&view.id, Some(&token)),
    ] {
        let (method, path) = (request.method().clone(), request.uri().path().to_owned());
        shortener_domain::logging::answered(&method, &path, api.handle(request)).await;
    }

    let logs = String::from_utf8(captured.0.lock().map_err(|_| "poisoned")?.clone())?;
    assert!(logs.contains("link created") && logs.contains("link deleted"), "nothing was captured: {logs}");
    assert!(logs.contains("answered"), "the answered lines were not captured: {logs}");
    assert!(!logs.contains(&token), "a manage token was logged: {logs}");
    assert!(!logs.contains(&token[..16]), "part of a manage token was logged: {logs}");
    assert!(!logs.contains(&wrong[..16]), "a presented token was logged: {logs}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// The creation quota
// ---------------------------------------------------------------------------------------------------------

fn quota_api(per_hour: u32, origin_secret: Option<&str>) -> Result<(Api<Switched>, Store), Box<dyn Error>> {
    let (store, dir) = embedded_store();
    let store = FailSwitch::new(store);
    let config = ApiConfig {
        create_quota_per_hour: per_hour,
        origin_secret: origin_secret.map(str::parse).transpose()?,
        ..config(&["*"])?
    };
    Ok((Api::new(config, store.clone()), Store { store, _dir: dir }))
}

fn shorten_from(peer: &str, headers: &[(&str, &str)]) -> Request<Bytes> {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    let mut request =
        request(Method::POST, "/shorten", &all, json!({ "urlToShorten": "https://example.com/" }).to_string());
    request.extensions_mut().insert(ClientAddress(peer.parse().unwrap_or_else(|e| panic!("{peer}: {e}"))));
    request
}

#[tokio::test]
async fn a_client_over_its_hourly_quota_gets_429_with_retry_after_and_others_do_not() -> TestResult {
    let (api, _store) = quota_api(2, None)?;
    for _ in 0..2 {
        assert_eq!(api.handle(shorten_from("192.0.2.1", &[])).await.status(), StatusCode::CREATED);
    }

    let refused = api.handle(shorten_from("192.0.2.1", &[("x-forwarded-for", "198.51.100.99")])).await;

    let problem = assert_problem(&refused, StatusCode::TOO_MANY_REQUESTS, None);
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("this hour")), "{problem}");
    let retry_after: u64 = header(&refused, header::RETRY_AFTER).ok_or("no Retry-After")?.parse()?;
    assert!((1..=3600).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(api.handle(shorten_from("192.0.2.2", &[])).await.status(), StatusCode::CREATED);
    let invalid = api.handle(request(Method::POST, "/shorten", &[], "{}")).await;
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST, "refused input is not counted, nor refused by the quota");
    Ok(())
}

#[tokio::test]
async fn ipv6_clients_share_the_quota_of_their_64() -> TestResult {
    let (api, _store) = quota_api(1, None)?;
    assert_eq!(api.handle(shorten_from("2001:db8:1:2::1", &[])).await.status(), StatusCode::CREATED);

    let same_64 = api.handle(shorten_from("2001:db8:1:2:ffff::9", &[])).await;
    let next_64 = api.handle(shorten_from("2001:db8:1:3::1", &[])).await;

    assert_problem(&same_64, StatusCode::TOO_MANY_REQUESTS, None);
    assert_eq!(next_64.status(), StatusCode::CREATED);
    Ok(())
}

#[tokio::test]
async fn the_viewer_address_cloudfront_reports_counts_only_with_the_origin_secret() -> TestResult {
    const SECRET: &str = "a-secret-only-cloudfront-knows";
    let (api, _store) = quota_api(1, Some(SECRET))?;
    let via = |viewer: &str, secret: &str| {
        shorten_from("130.176.212.7", &[("x-origin-verify", secret), ("cloudfront-viewer-address", viewer)])
    };
    assert_eq!(api.handle(via("198.51.100.1:5000", SECRET)).await.status(), StatusCode::CREATED);
    assert_eq!(api.handle(via("198.51.100.2:5000", SECRET)).await.status(), StatusCode::CREATED, "another viewer");

    let again = api.handle(via("198.51.100.1:6000", SECRET)).await;
    let forged_first = api.handle(via("203.0.113.1:1", "a-guess")).await;
    let forged_second = api.handle(via("203.0.113.2:1", "a-guess")).await;

    assert_problem(&again, StatusCode::TOO_MANY_REQUESTS, None);
    assert_eq!(forged_first.status(), StatusCode::CREATED, "counted against the peer");
    assert_problem(&forged_second, StatusCode::TOO_MANY_REQUESTS, None);
    Ok(())
}

#[tokio::test]
async fn a_lambda_event_is_counted_against_its_source_ip() -> TestResult {
    let (api, _store) = quota_api(1, None)?;
    let first = api.handle(lambda_event(include_str!("fixtures/post_shorten.json"))?).await;
    let second = api.handle(lambda_event(include_str!("fixtures/post_shorten.json"))?).await;
    let other_peer = api.handle(shorten_from("130.176.212.8", &[])).await;

    assert_eq!(first.status(), StatusCode::CREATED, "{}", first.body());
    assert_problem(&second, StatusCode::TOO_MANY_REQUESTS, None);
    assert_eq!(other_peer.status(), StatusCode::CREATED);
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// The owner's read of a link's clicks: GET /api/links/{id}/stats with the manage token
// ---------------------------------------------------------------------------------------------------------

/// A CloudFront standard log of one answered `GET /{id}` per `(id, at, user agent)`, in the documented field order.
fn click_log(clicks: &[(&str, OffsetDateTime, &str)]) -> String {
    let mut log = format!("#Version: 1.0\n#Fields: {}\n", CLOUDFRONT_FIELDS.join(" "));
    for (id, at, user_agent) in clicks {
        let fields: Vec<String> = CLOUDFRONT_FIELDS
            .iter()
            .map(|field| match *field {
                "date" => at.date().to_string(),
                "time" => format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second()),
                "cs-method" => "GET".to_owned(),
                "cs-uri-stem" => format!("/{id}"),
                "sc-status" => "301".to_owned(),
                "cs(User-Agent)" => user_agent.replace(' ', "%20"),
                "x-edge-result-type" => "Hit".to_owned(),
                _ => "-".to_owned(),
            })
            .collect();
        log.push_str(&fields.join("\t"));
        log.push('\n');
    }
    log
}

fn stats_request(method: Method, id: &str, headers: &[(&str, &str)]) -> Request<Bytes> {
    request(method, &format!("/api/links/{id}/stats"), headers, Bytes::new())
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

const BROWSER: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

#[tokio::test]
async fn the_owner_reads_a_links_clicks_per_day_over_90_days_with_its_token() -> TestResult {
    let (embedded, _dir) = embedded_store();
    let api = Api::new(config(&["*"])?, embedded.clone()).with_click_counts(embedded.clone());
    let (view, token) = create(&api, "https://example.com/counted").await;
    let (other, _) = create(&api, "https://example.com/other").await;
    let now = OffsetDateTime::now_utc();
    let yesterday = now - Duration::days(1);
    let log = click_log(&[
        (&view.id, now, BROWSER),
        (&view.id, now, BROWSER),
        (&view.id, now, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"),
        (&view.id, yesterday, BROWSER),
        (&view.id, now - Duration::days(90), BROWSER),
        (&other.id, now, BROWSER),
    ]);
    embedded.record(&LogFileKey::new("E2EXAMPLE.2026-11-30-06.a1b2c3d4.gz", "etag-1"), &Tally::from_log(&log)).await?;

    let response = api.handle(stats_request(Method::GET, &view.id, &[("authorization", &bearer(&token))])).await;

    assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
    assert_eq!(header(&response, header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(header(&response, header::CACHE_CONTROL), Some("no-store"));
    let stats = body_json(&response);
    assert_eq!((&stats["clicks"], &stats["bots"]), (&json!(3), &json!(1)), "{stats}");
    let days = stats["days"].as_array().ok_or("days is not a list")?;
    assert_eq!(days.len(), 90);
    assert_eq!(days[89], json!({ "date": now.date().to_string(), "clicks": 2, "bots": 1 }));
    assert_eq!(days[88], json!({ "date": yesterday.date().to_string(), "clicks": 1, "bots": 0 }));
    assert_eq!(days[0]["date"], json!((now - Duration::days(89)).date().to_string()), "90 days, today included");
    let quiet: u64 = days[..88].iter().filter_map(|d| d["clicks"].as_u64()).sum();
    assert_eq!(quiet, 0, "a click 90 days ago is out of the period, and other links' clicks are not this one's");
    let counted_until = OffsetDateTime::parse(stats["countedUntil"].as_str().ok_or("no countedUntil")?, &Rfc3339)?;
    assert_eq!(counted_until.unix_timestamp(), now.unix_timestamp(), "the newest line counted");

    let head = api.handle(stats_request(Method::HEAD, &view.id, &[("authorization", &bearer(&token))])).await;
    assert_eq!((head.status(), head.body().as_str()), (StatusCode::OK, ""));
    Ok(())
}

#[tokio::test]
async fn a_link_never_clicked_has_90_days_of_zeros_and_no_counted_until_before_any_log() -> TestResult {
    let (embedded, _dir) = embedded_store();
    let api = Api::new(config(&["*"])?, embedded.clone()).with_click_counts(embedded);
    let (view, token) = create(&api, "https://example.com/quiet").await;

    let response = api.handle(stats_request(Method::GET, &view.id, &[("authorization", &bearer(&token))])).await;

    assert_eq!(response.status(), StatusCode::OK, "{}", response.body());
    let stats = body_json(&response);
    assert_eq!((&stats["clicks"], &stats["bots"], &stats["countedUntil"]), (&json!(0), &json!(0), &Value::Null));
    let days = stats["days"].as_array().ok_or("days is not a list")?;
    assert_eq!(days.len(), 90);
    assert!(days.iter().all(|d| d["clicks"] == json!(0) && d["bots"] == json!(0)), "{stats}");
    Ok(())
}

/// Every way of asking for a link's clicks without its token in `Authorization` gets the one 401; its clicks stay
/// unread, and so do the 403 of a disabled link and the 404 of a deleted or unknown one, whatever the token.
async fn a_links_clicks_are_refused_without_its_own_token<S: ApiStore>(api: Api<S>, store: S) -> TestResult {
    let (view, token) = create(&api, "https://example.com/mine").await;
    let (theirs, their_token) = create(&api, "https://example.com/theirs").await;
    let id = view.id.as_str();
    let stats_path = format!("/api/links/{id}/stats");
    let attempts = [
        stats_request(Method::GET, id, &[]),
        stats_request(Method::GET, id, &[("authorization", &bearer(&their_token))]),
        stats_request(Method::GET, id, &[("authorization", &bearer(&format!("{}x", &token[..42])))]),
        stats_request(Method::GET, id, &[("authorization", &format!("Basic {token}"))]),
        stats_request(Method::GET, id, &[("authorization", &token)]),
        request(Method::GET, &format!("{stats_path}?token={token}"), &[], Bytes::new()),
        request(Method::GET, &format!("{stats_path}?access_token={token}"), &[], Bytes::new()),
        request(Method::GET, &format!("{stats_path}?authorization=Bearer%20{token}"), &[], Bytes::new()),
    ];
    let mut bodies = Vec::new();
    for attempt in attempts {
        let uri = attempt.uri().to_string();
        let response = api.handle(attempt).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{uri}: {}", response.body());
        assert_problem(&response, StatusCode::UNAUTHORIZED, None);
        assert_eq!(header(&response, header::WWW_AUTHENTICATE), Some("Bearer"));
        bodies.push(response.body().clone());
    }
    bodies.dedup();
    assert_eq!(bodies.len(), 1, "the 401s differ: {bodies:?}");

    let theirs_id = ShortId::parse(&theirs.id)?;
    let stored = store.get(&theirs_id).await?.ok_or("not stored")?;
    store.replace(&stored.disabled(DisableReason::Phishing, None, OffsetDateTime::now_utc())?, stored.version).await?;
    let disabled =
        api.handle(stats_request(Method::GET, &theirs.id, &[("authorization", &bearer(&their_token))])).await;
    assert_problem(&disabled, StatusCode::FORBIDDEN, None);

    let deleted = api.handle(delete(id, Some(&token))).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT, "{}", deleted.body());
    for (id, token) in [(id, &token), ("nothere", &token), ("no%20such", &token)] {
        let response = api.handle(stats_request(Method::GET, id, &[("authorization", &bearer(token))])).await;
        assert_problem(&response, StatusCode::NOT_FOUND, None);
    }
    Ok(())
}

#[tokio::test]
async fn a_links_clicks_are_refused_without_its_own_token_on_the_embedded_store() -> TestResult {
    let (embedded, _dir) = embedded_store();
    let api = Api::new(config(&["*"])?, embedded.clone()).with_click_counts(embedded.clone());
    a_links_clicks_are_refused_without_its_own_token(api, embedded).await
}

#[tokio::test]
async fn a_links_clicks_are_refused_without_its_own_token_on_dynamodb() -> TestResult {
    let store = dynamo_store().await;
    a_links_clicks_are_refused_without_its_own_token(Api::new(config(&["*"])?, store.clone()), store).await
}

#[tokio::test]
async fn an_api_without_click_counts_answers_501_to_the_owner_only() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    let (view, token) = create(&api, "https://example.com/").await;

    let owner = api.handle(stats_request(Method::GET, &view.id, &[("authorization", &bearer(&token))])).await;
    let stranger = api.handle(stats_request(Method::GET, &view.id, &[])).await;

    assert_problem(&owner, StatusCode::NOT_IMPLEMENTED, None);
    assert_problem(&stranger, StatusCode::UNAUTHORIZED, None);
    Ok(())
}

#[tokio::test]
async fn reading_clicks_while_the_store_is_down_returns_503_with_retry_after() -> TestResult {
    let (embedded, _dir) = embedded_store();
    let store = FailSwitch::new(embedded.clone());
    let api = Api::new(config(&["*"])?, store.clone()).with_click_counts(embedded);
    let (view, token) = create(&api, "https://example.com/").await;
    store.set_failing(true);

    let response = api.handle(stats_request(Method::GET, &view.id, &[("authorization", &bearer(&token))])).await;

    assert_unavailable(&response);
    Ok(())
}

#[tokio::test]
async fn only_get_head_and_options_reach_a_links_clicks() -> TestResult {
    let (api, _store) = embedded_api(&["*"])?;
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let response = api.handle(stats_request(method.clone(), "abc1234", &[])).await;
        assert_problem(&response, StatusCode::METHOD_NOT_ALLOWED, None);
        assert_eq!(header(&response, header::ALLOW), Some("GET, HEAD, OPTIONS"), "{method}");
    }
    let preflight = api.handle(stats_request(Method::OPTIONS, "abc1234", &[])).await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    Ok(())
}
