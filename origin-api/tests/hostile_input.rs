//! Input written to fool the API, through [`Api::handle`]: each answer is a 4xx problem or a link whose stored URL
//! goes exactly where a browser would go, never a 500.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use origin_api::{Api, ApiConfig};
use serde_json::{Value, json};
use shortener_domain::{
    BlockedHost, DisableReason, HostBlock, PublicBase,
    store::{HostBlocklist, embedded::EmbeddedStore},
    testing::embedded_store,
};
use tempfile::TempDir;
use url::Url;

fn api() -> (Api<EmbeddedStore>, TempDir) {
    let (store, dir) = embedded_store();
    let config = ApiConfig {
        public_base: PublicBase::parse("https://sho.rt/").unwrap(),
        own_hosts: vec!["d111111abcdef8.cloudfront.net".to_owned(), "bücher.example".to_owned()],
        cors_allow_origins: vec!["*".to_owned()],
        create_quota_per_hour: 0,
        origin_secret: None,
    };
    (Api::new(config, store), dir)
}

async fn post(api: &Api<EmbeddedStore>, body: impl Into<Bytes>) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/shorten")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap();
    let response: Response<String> = api.handle(request).await;
    let body = serde_json::from_str(response.body()).unwrap_or_else(|e| panic!("{e}: {:?}", response.body()));
    (response.status(), body)
}

#[tokio::test]
async fn user_info_tricks_are_refused_or_normalized_to_the_host_a_browser_would_visit() {
    let (api, _dir) = api();
    // (input, the host the stored link must lead to; None: refused with 422)
    let cases: [(&str, Option<&str>); 12] = [
        ("https://bank.com@evil.example/", None),
        ("https://bank.com%40evil.example/", None),
        ("https://bank.com%2F@evil.example/", None),
        ("https://bank.com:443@evil.example/", None),
        ("https://bank.com\\@evil.example/", Some("bank.com")),
        ("https:\\\\evil.example\\login", Some("evil.example")),
        ("https://evil.example#@bank.com", Some("evil.example")),
        ("https://evil.example?@bank.com/", Some("evil.example")),
        ("https://evil.example/@bank.com", Some("evil.example")),
        ("https://bank.com\u{ff0f}@evil.example/", None),
        ("https://bank.com\u{2044}evil.example/", Some("bank.xn--comevil-3d7c.example")),
        ("https://%62ank.com/", Some("bank.com")),
    ];
    for (input, host) in cases {
        let (status, body) = post(&api, json!({ "urlToShorten": input }).to_string()).await;
        match host {
            None => {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{input}: {body}");
                assert_eq!(body["field"], json!("urlToShorten"), "{input}: {body}");
            }
            Some(host) => {
                assert_eq!(status, StatusCode::CREATED, "{input}: {body}");
                let stored = body["url"].as_str().unwrap_or_default();
                let url = Url::parse(stored).unwrap_or_else(|e| panic!("{input} stored as {stored:?}: {e}"));
                assert_eq!(url.host_str(), Some(host), "{input} stored as {stored}");
                assert!(url.username().is_empty() && url.password().is_none(), "{input} stored as {stored}");
                assert!(!stored.contains('\\'), "{input} stored as {stored}");
            }
        }
    }
}

/// URLs that would run script or read files, in the spellings that slip past naive checks.
const SCRIPT_URLS: [&str; 10] = [
    "JavaScript:alert(1)",
    "javascript://example.com/%0Aalert(1)",
    "java\tscript:alert(1)",
    "\u{1}javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:,hello",
    "file:///etc/passwd",
    "file://localhost/c:/windows/win.ini",
    "vbscript:msgbox(1)",
    "blob:https://example.com/uuid",
];

/// The service's own hosts of [`api`] (`sho.rt`, `d111111abcdef8.cloudfront.net`, `bücher.example`), spelled as
/// a browser would still resolve them to the same host.
const OWN_HOST_SPELLINGS: [&str; 6] = [
    "https://bücher.example/",
    "https://BÜCHER.EXAMPLE./",
    "https://xn--bcher-kva.example/",
    "https://b%C3%BCcher.example/",
    "https://D111111ABCDEF8.cloudfront.net./",
    "https://\u{ff53}\u{ff48}\u{ff4f}\u{3002}\u{ff52}\u{ff54}/",
];

#[tokio::test]
async fn script_data_and_file_urls_are_refused_however_they_are_spelled() {
    let (api, _dir) = api();
    for input in SCRIPT_URLS {
        let (status, body) = post(&api, json!({ "urlToShorten": input }).to_string()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{input:?}: {body}");
    }
}

#[tokio::test]
async fn links_to_an_own_host_given_as_idn_are_refused_in_every_spelling() {
    let (api, _dir) = api();
    for input in OWN_HOST_SPELLINGS {
        let (status, body) = post(&api, json!({ "urlToShorten": input }).to_string()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{input}: {body}");
    }
}

#[tokio::test]
async fn hostile_json_gets_400_never_a_crash() {
    let (api, _dir) = api();
    let deep = format!("{}{}", "[".repeat(4000), "]".repeat(4000));
    let bodies: Vec<Bytes> = vec![
        Bytes::from(deep),
        Bytes::from_static(b"{\"urlToShorten\":\"https://a.example/\",\"urlToShorten\":\"https://b.example/\"}"),
        Bytes::from_static(b"{\"urlToShorten\":null}"),
        Bytes::from_static(b"{\"urlToShorten\":{\"href\":\"https://example.com/\"}}"),
        Bytes::from_static(b"\xef\xbb\xbf{\"urlToShorten\":\"https://example.com/\"}"),
        Bytes::from_static(b"{\"urlToShorten\":\"https://example.com/\\ud800\"}"),
        Bytes::from_static(b"[\"https://example.com/\"]"),
        Bytes::from_static(b"\"https://example.com/\""),
        Bytes::from_static(b"\0\0\0\0"),
    ];
    for body in bodies {
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        let (status, problem) = post(&api, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{shown:?}: {problem}");
        assert!(problem["field"].is_null(), "{shown:?}: {problem}");
    }
}

#[tokio::test]
async fn null_optional_members_and_unknown_members_are_ignored_however_deeply_nested() {
    let (api, _dir) = api();
    let deep = format!(
        "{{\"urlToShorten\":\"https://example.com/deep\",\"x\":{}1{}}}",
        "{\"a\":".repeat(1000),
        "}".repeat(1000)
    );
    let huge_number = r#"{"urlToShorten":"https://example.com/huge","x":1e999999}"#.to_owned();
    for skipped in [deep, huge_number] {
        let (status, body) = post(&api, skipped).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let (status, body) = post(
        &api,
        json!({ "urlToShorten": "https://example.com/", "alias": null, "expiresAt": null, "isAdmin": true })
            .to_string(),
    )
    .await;

    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["expiresAt"], Value::Null);
    assert_eq!(body.as_object().map(|o| o.len()), Some(7), "only the documented members come back: {body}");
}

/// A link created through `api`, and its manage token.
async fn created(api: &Api<EmbeddedStore>) -> (String, String) {
    let (status, body) = post(api, json!({ "urlToShorten": "https://example.com/" }).to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (body["id"].as_str().unwrap().to_owned(), body["manageToken"].as_str().unwrap().to_owned())
}

async fn patch_url(api: &Api<EmbeddedStore>, id: &str, token: &str, url: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::PATCH)
        .uri(format!("/api/links/{id}"))
        .header(header::CONTENT_TYPE, "application/merge-patch+json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Bytes::from(json!({ "url": url }).to_string()))
        .unwrap();
    let response = api.handle(request).await;
    (response.status(), serde_json::from_str(response.body()).unwrap())
}

#[tokio::test]
async fn a_patch_to_a_script_url_or_to_the_service_itself_is_refused_in_every_spelling() {
    let (api, _dir) = api();
    let (id, token) = created(&api).await;
    for input in SCRIPT_URLS.into_iter().chain(OWN_HOST_SPELLINGS).chain(["https://sho.rt/abc1234"]) {
        let (status, body) = patch_url(&api, &id, &token, input).await;
        assert_eq!((status, &body["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("url")), "{input:?}: {body}");
    }
    let read = api.handle(Request::get(format!("/api/links/{id}")).body(Bytes::new()).unwrap()).await;
    assert!(read.body().contains("\"url\":\"https://example.com/\""), "the link changed: {}", read.body());
}

#[tokio::test]
async fn a_blocked_host_is_refused_in_every_spelling_the_self_link_check_handles() {
    let (store, _dir) = embedded_store();
    for host in ["sho.rt", "d111111abcdef8.cloudfront.net", "bücher.example"] {
        let block = HostBlock {
            host: BlockedHost::parse(host).unwrap(),
            reason: DisableReason::Phishing,
            created_at: time::OffsetDateTime::now_utc(),
        };
        store.block(&block).await.unwrap();
    }
    let config = ApiConfig {
        public_base: PublicBase::parse("https://other.example/").unwrap(),
        own_hosts: Vec::new(),
        cors_allow_origins: vec!["*".to_owned()],
        create_quota_per_hour: 0,
        origin_secret: None,
    };
    let api = Api::new(config, store);
    let (id, token) = created(&api).await;
    let subdomain = "https://www.B%C3%BCcher.example./login";
    for input in OWN_HOST_SPELLINGS.into_iter().chain([subdomain]) {
        let (status, body) = post(&api, json!({ "urlToShorten": input }).to_string()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{input}: {body}");
        assert_eq!(body["type"], json!("urn:shortener:problem:blocked-host"), "{input}: {body}");
        let (status, body) = patch_url(&api, &id, &token, input).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{input}: {body}");
        assert_eq!(body["type"], json!("urn:shortener:problem:blocked-host"), "{input}: {body}");
    }
}
