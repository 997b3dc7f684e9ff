//! The OpenAPI document (`origin-api/openapi.json`) is kept true here: every operation and status it documents is
//! produced through the handlers the Lambdas run ([`Api::handle`] and [`Resolver::handle`]), each answer is checked
//! against the document (status, `Content-Type`, headers, body schema), no documented answer goes unproduced, the
//! `Allow` header of every 405 lists exactly the documented methods, and every API row of the path table is
//! documented.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use bytes::Bytes;
use edge_resolver::{RedirectStatus, Resolver, ResolverConfig};
use http::{Method, Request, Response, StatusCode, header};
use origin_api::{Api, ApiConfig, OPENAPI_JSON, quota::ClientAddress};
use serde_json::{Value, json};
use shortener_domain::{
    Actor, BlockedHost, DisableReason, HostBlock, PublicBase,
    paths::{self, Origin, Pattern},
    store::{HostBlocklist, LinkUpdater, LinkWriter, dynamodb::DynamoStore, embedded::EmbeddedStore},
    testing::{CountingReader, FailSwitch, embedded_store, fresh_dynamo_settings, link, owned_link},
};
use tempfile::TempDir;

/// The methods OpenAPI can describe, as `http` spells them.
const METHODS: [Method; 8] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
    Method::OPTIONS,
    Method::TRACE,
];

/// The committed document.
fn document() -> Value {
    serde_json::from_str(OPENAPI_JSON).expect("origin-api/openapi.json is not JSON")
}

/// Follows a local `$ref` (`#/components/...`) in the document; anything else is returned as it is.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("non-local $ref {reference}"));
            let target = document.pointer(pointer).unwrap_or_else(|| panic!("dangling $ref {reference}"));
            resolve(document, target)
        }
        None => value,
    }
}

/// Checks `instance` against `schema`, a schema inside the document whose `$ref`s point into its components.
fn assert_matches_schema(document: &Value, schema: &Value, instance: &Value, context: &str) {
    let mut root = schema.clone();
    if let Some(object) = root.as_object_mut() {
        object.insert("components".to_owned(), document["components"].clone());
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{context}: the document's schema does not compile: {e}"));
    let errors: Vec<String> =
        validator.iter_errors(instance).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{context}: {instance} does not match the document: {errors:?}");
}

/// Which documented answers the handlers have produced: (path template, method, status).
#[derive(Default)]
struct Coverage(BTreeSet<(String, String, String)>);

impl Coverage {
    /// Checks `response` to `method` on the documented `template` against the document, and records it.
    fn check(&mut self, document: &Value, template: &str, method: &Method, response: &Response<String>) {
        let method_key = method.as_str().to_ascii_lowercase();
        let status = response.status().as_u16().to_string();
        let context = format!("{method} {template} -> {status}");
        let operation = &document["paths"][template][&method_key];
        assert!(operation.is_object(), "{method} {template} is not documented");
        let documented = operation["responses"]
            .get(&status)
            .map(|r| resolve(document, r))
            .unwrap_or_else(|| panic!("{context} is not documented; body {:?}", response.body()));

        let headers = documented.get("headers").and_then(Value::as_object).cloned().unwrap_or_default();
        for (name, definition) in &headers {
            let definition = resolve(document, definition);
            let value = response.headers().get(name.as_str()).map(|v| v.to_str().unwrap_or("<not visible ASCII>"));
            let Some(value) = value else {
                assert!(definition["required"] != json!(true), "{context}: the required header {name} is missing");
                continue;
            };
            let schema = resolve(document, &definition["schema"]);
            let instance = match resolve(document, schema)["type"].as_str() {
                Some("integer") => value.parse::<i64>().map_or_else(|_| json!(value), |n| json!(n)),
                _ => json!(value),
            };
            assert_matches_schema(document, schema, &instance, &format!("{context}, header {name}"));
        }

        let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        match documented.get("content").and_then(Value::as_object) {
            None => assert!(response.body().is_empty(), "{context}: a body where none is documented"),
            Some(content) => {
                let content_type = content_type.unwrap_or_else(|| panic!("{context}: no Content-Type"));
                let media = content
                    .get(content_type)
                    .unwrap_or_else(|| panic!("{context}: Content-Type {content_type} is not documented"));
                let body = if content_type.contains("json") {
                    serde_json::from_str(response.body())
                        .unwrap_or_else(|e| panic!("{context}: the body is not JSON ({e}): {:?}", response.body()))
                } else {
                    json!(response.body())
                };
                assert_matches_schema(document, &media["schema"], &body, &context);
            }
        }
        self.0.insert((template.to_owned(), method_key, status));
    }

    /// Every (template, method, status) the document describes.
    fn documented(document: &Value) -> BTreeSet<(String, String, String)> {
        let mut all = BTreeSet::new();
        for (template, item) in document["paths"].as_object().into_iter().flatten() {
            for method in &METHODS {
                let key = method.as_str().to_ascii_lowercase();
                for status in item[&key]["responses"].as_object().into_iter().flat_map(|r| r.keys()) {
                    all.insert((template.clone(), key.clone(), status.clone()));
                }
            }
        }
        all
    }
}

const BASE: &str = "https://sho.rt/";

fn api_config() -> ApiConfig {
    ApiConfig {
        public_base: PublicBase::parse(BASE).unwrap(),
        own_hosts: vec!["d111111abcdef8.cloudfront.net".to_owned()],
        cors_allow_origins: vec!["*".to_owned()],
        create_quota_per_hour: 0,
        origin_secret: None,
    }
}

fn request(method: &Method, path: &str, content_type: Option<&str>, body: impl Into<Bytes>) -> Request<Bytes> {
    let mut builder = Request::builder().method(method.clone()).uri(path);
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(body.into()).unwrap_or_else(|e| panic!("building {method} {path}: {e}"))
}

fn shorten(body: &Value) -> Request<Bytes> {
    request(&Method::POST, "/shorten", Some("application/json"), body.to_string())
}

/// An embedded store that a test can switch off, with its folder.
fn switched_store() -> (FailSwitch<EmbeddedStore>, TempDir) {
    let (store, dir) = embedded_store();
    (FailSwitch::new(store), dir)
}

async fn api_answers(document: &Value, coverage: &mut Coverage) {
    let (store, _dir) = switched_store();
    store.put_new(&link("gone-sale", "https://example.com/old", Some(time::Duration::minutes(-1)))).await.unwrap();
    let api = Api::new(api_config(), store.clone());
    let mut check = |template: &str, method: &Method, response: &Response<String>| {
        coverage.check(document, template, method, response);
    };
    let post = Method::POST;

    let created = api.handle(shorten(&json!({ "urlToShorten": "https://example.com/a?b=c", "alias": "taken" }))).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    check("/shorten", &post, &created);
    let expiring = json!({ "urlToShorten": "https://bücher.example/", "expiresAt": "2099-01-01T00:00:00Z" });
    check("/shorten", &post, &api.handle(shorten(&expiring)).await);
    check(
        "/shorten",
        &post,
        &api.handle(shorten(&json!({ "urlToShorten": "https://x.example/", "alias": "taken" }))).await,
    );
    check("/shorten", &post, &api.handle(request(&post, "/shorten", None, "{\"urlToShorten\":")).await);
    check("/shorten", &post, &api.handle(request(&post, "/shorten", None, &b"{\"urlToShorten\":\"\xff\"}"[..])).await);
    check("/shorten", &post, &api.handle(request(&post, "/shorten", Some("text/plain"), "{}")).await);
    let big = format!("{{\"urlToShorten\":\"https://example.com/{}\"}}", "a".repeat(9000));
    check("/shorten", &post, &api.handle(shorten(&json!(big))).await);
    check("/shorten", &post, &api.handle(request(&post, "/shorten", None, big)).await);
    for rejected in [
        json!({ "urlToShorten": "javascript:alert(1)" }),
        json!({ "urlToShorten": "https://example.com/", "alias": "api" }),
        json!({ "urlToShorten": "https://example.com/", "expiresAt": "yesterday" }),
    ] {
        let response = api.handle(shorten(&rejected)).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        check("/shorten", &post, &response);
    }

    for method in [Method::GET, Method::HEAD] {
        for path in ["/api/links/taken", "/api/links/nothere", "/api/links/a.b", "/api/links/gone-sale"] {
            check("/api/links/{id}", &method, &api.handle(request(&method, path, None, "")).await);
        }
        check("/api/health", &method, &api.handle(request(&method, "/api/health", None, "")).await);
        // `/shorten` fits the ID pattern, but the path table gives it to the API.
        assert_eq!(paths::origin("/shorten"), Origin::Api);
        check("/{id}", &method, &api.handle(request(&method, "/shorten", None, "")).await);
        check("/api/openapi.json", &method, &api.handle(request(&method, "/api/openapi.json", None, "")).await);
    }
    for (template, path) in [
        ("/shorten", "/shorten"),
        ("/api/links/{id}", "/api/links/taken"),
        ("/api/links/{id}/stats", "/api/links/taken/stats"),
        ("/api/health", "/api/health"),
        ("/api/openapi.json", "/api/openapi.json"),
    ] {
        check(template, &Method::OPTIONS, &api.handle(request(&Method::OPTIONS, path, None, "")).await);
    }

    store.set_failing(true);
    check("/shorten", &post, &api.handle(shorten(&json!({ "urlToShorten": "https://example.com/" }))).await);
    for method in [Method::GET, Method::HEAD] {
        check("/api/links/{id}", &method, &api.handle(request(&method, "/api/links/taken", None, "")).await);
    }

    let missing_table = Api::new(api_config(), DynamoStore::connect(&fresh_dynamo_settings()).await);
    check("/shorten", &post, &missing_table.handle(shorten(&json!({ "urlToShorten": "https://example.com/" }))).await);
    for method in [Method::GET, Method::HEAD] {
        check("/api/links/{id}", &method, &missing_table.handle(request(&method, "/api/links/taken", None, "")).await);
    }
}

/// The documented template of a resolver path: the preview's when it ends in `+`.
fn resolver_template(path: &str) -> &'static str {
    if path.ends_with('+') { "/{id}+" } else { "/{id}" }
}

async fn resolver_answers(document: &Value, coverage: &mut Coverage) {
    let mut check = |method: &Method, path: &str, response: &Response<String>| {
        coverage.check(document, resolver_template(path), method, response);
    };
    for status in [
        RedirectStatus::Permanent,
        RedirectStatus::Found,
        RedirectStatus::Temporary,
        RedirectStatus::PermanentKeepMethod,
    ] {
        let (store, _dir) = switched_store();
        for (id, expires_in) in [
            ("abc1234", None),
            ("gone-sale", Some(time::Duration::minutes(-1))),
            ("removed1", None),
            ("takedown", None),
        ] {
            let link = link(id, "https://example.com/landing?x=1", expires_in);
            store.put_new(&link).await.unwrap();
            let now = time::OffsetDateTime::now_utc();
            let changed = match id {
                "removed1" => link.deleted(Actor::Owner, now).unwrap(),
                "takedown" => link.disabled(DisableReason::Malware, Some("case 12".to_owned()), now).unwrap(),
                _ => continue,
            };
            store.replace(&changed, link.version).await.unwrap();
        }
        let config = ResolverConfig { redirect_status: status, ..ResolverConfig::default() };
        let resolver = Resolver::new(config, store.clone());
        for method in [Method::GET, Method::HEAD] {
            for path in [
                "/abc1234",
                "/abc1234",
                "/gone-sale",
                "/removed1",
                "/takedown",
                "/nothere",
                "/nothere",
                "/a.b",
                "/api",
                "/Shorten",
                "/abc1234+",
                "/gone-sale+",
                "/removed1+",
                "/takedown+",
                "/nothere+",
            ] {
                check(&method, path, &resolver.handle(&request(&method, path, None, "")).await);
            }
        }
        store.set_failing(true);
        for method in [Method::GET, Method::HEAD] {
            for path in ["/abc1234", "/never-seen", "/abc1234+", "/never-seen+"] {
                check(&method, path, &resolver.handle(&request(&method, path, None, "")).await);
            }
        }
    }

    let missing_table = Resolver::new(ResolverConfig::default(), DynamoStore::connect(&fresh_dynamo_settings()).await);
    for method in [Method::GET, Method::HEAD] {
        for path in ["/abc1234", "/abc1234+"] {
            check(&method, path, &missing_table.handle(&request(&method, path, None, "")).await);
        }
    }
}

/// `method` on `/api/links/{id}` with `Authorization: Bearer <token>` and a merge patch `body`.
fn change(method: &Method, id: &str, token: Option<&str>, body: &str) -> Request<Bytes> {
    let mut request =
        request(method, &format!("/api/links/{id}"), Some("application/merge-patch+json"), body.to_owned());
    if let Some(token) = token {
        let value = http::HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
    request
}

/// The answers of the owner's changes, of host blocks and of the creation quota.
async fn lifecycle_answers(document: &Value, coverage: &mut Coverage) {
    let (store, _dir) = switched_store();
    let slowed = Arc::new(CountingReader::slowed(store.clone(), std::time::Duration::from_millis(100)));
    let api = Arc::new(Api::new(api_config(), Arc::clone(&slowed)));
    let mut check = |template: &str, method: &Method, response: &Response<String>| {
        coverage.check(document, template, method, response);
    };
    let (patch, delete, post) = (Method::PATCH, Method::DELETE, Method::POST);
    let links = "/api/links/{id}";
    let (mine, token) = owned_link("mine", "https://example.com/");
    let token = token.reveal().to_owned();
    store.put_new(&mine).await.unwrap();
    let (theirs, their_token) = owned_link("theirs", "https://example.com/");
    store.put_new(&theirs).await.unwrap();
    let disabled = theirs.disabled(DisableReason::Spam, None, time::OffsetDateTime::now_utc()).unwrap();
    store.replace(&disabled, 0).await.unwrap();
    let their_token = their_token.reveal().to_owned();
    let block = HostBlock {
        host: BlockedHost::parse("evil.example").unwrap(),
        reason: DisableReason::Phishing,
        created_at: time::OffsetDateTime::now_utc(),
    };
    store.block(&block).await.unwrap();

    check("/shorten", &post, &api.handle(shorten(&json!({ "urlToShorten": "https://a.evil.example/" }))).await);
    check(links, &Method::GET, &api.handle(request(&Method::GET, "/api/links/theirs", None, "")).await);
    check(links, &patch, &api.handle(change(&patch, "mine", Some(&token), r#"{"expiresAt":null}"#)).await);
    for body in [r#"{"id":"x"}"#, r#"{"url":"javascript:alert(1)"}"#, r#"{"url":"https://evil.example/"}"#] {
        check(links, &patch, &api.handle(change(&patch, "mine", Some(&token), body)).await);
    }
    check(
        links,
        &patch,
        &api.handle(change(&patch, "mine", Some(&token), r#"{"expiresAt":"2001-01-01T00:00:00Z"}"#)).await,
    );
    let mut as_text = change(&patch, "mine", Some(&token), "{}");
    as_text.headers_mut().insert(header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain"));
    check(links, &patch, &api.handle(as_text).await);
    let big = format!("{{\"url\":\"https://example.com/{}\"}}", "a".repeat(9000));
    check(links, &patch, &api.handle(change(&patch, "mine", Some(&token), &big)).await);
    for method in [&patch, &delete] {
        check(links, method, &api.handle(change(method, "mine", None, "{}")).await);
        check(links, method, &api.handle(change(method, "mine", Some(&their_token), "{}")).await);
        check(links, method, &api.handle(change(method, "theirs", Some(&their_token), "{}")).await);
        check(links, method, &api.handle(change(method, "nothere", Some(&token), "{}")).await);
        let racing = [0, 1].map(|i| {
            let (api, token, method) = (Arc::clone(&api), token.clone(), method.clone());
            tokio::spawn(async move {
                let body = format!(r#"{{"url":"https://example.com/{i}"}}"#);
                api.handle(change(&method, "mine", Some(&token), &body)).await
            })
        });
        let answers: Vec<_> = futures::future::join_all(racing).await.into_iter().map(Result::unwrap).collect();
        let statuses: BTreeSet<_> = answers.iter().map(|a| a.status().as_u16()).collect();
        let won = if *method == Method::PATCH { 200 } else { 204 };
        assert_eq!(statuses, BTreeSet::from([won, 409]), "{method}: one wins, the other loses the race");
        for answer in &answers {
            check(links, method, answer);
        }
    }
    store.set_failing(true);
    for method in [&patch, &delete] {
        check(links, method, &api.handle(change(method, "theirs", Some(&their_token), "{}")).await);
    }
    store.set_failing(false);
    let missing_table = Api::new(api_config(), DynamoStore::connect(&fresh_dynamo_settings()).await);
    for method in [&patch, &delete] {
        check(links, method, &missing_table.handle(change(method, "theirs", Some(&their_token), "{}")).await);
    }

    let (store, _dir) = switched_store();
    let limited = Api::new(ApiConfig { create_quota_per_hour: 1, ..api_config() }, store);
    for _ in 0..2 {
        let mut request = shorten(&json!({ "urlToShorten": "https://example.com/" }));
        request.extensions_mut().insert(ClientAddress("192.0.2.1".parse().unwrap()));
        check("/shorten", &post, &limited.handle(request).await);
    }
}

/// `method` on `/api/links/{id}/stats`, with `Authorization: Bearer <token>` when given.
fn stats_request(method: &Method, id: &str, token: Option<&str>) -> Request<Bytes> {
    let mut request = request(method, &format!("/api/links/{id}/stats"), None, "");
    if let Some(token) = token {
        let value = http::HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
    request
}

/// The answers of the owner's read of a link's clicks: counted ones, refused ones, and a store without counts.
async fn stats_answers(document: &Value, coverage: &mut Coverage) {
    let (embedded, _dir) = embedded_store();
    let store = FailSwitch::new(embedded.clone());
    let (mine, token) = owned_link("mine", "https://example.com/");
    let (theirs, their_token) = owned_link("theirs", "https://example.com/");
    let (gone, gone_token) = owned_link("gone", "https://example.com/");
    for link in [&mine, &theirs, &gone] {
        store.put_new(link).await.unwrap();
    }
    let now = time::OffsetDateTime::now_utc();
    store.replace(&theirs.disabled(DisableReason::Spam, None, now).unwrap(), 0).await.unwrap();
    store.replace(&gone.deleted(Actor::Owner, now).unwrap(), 0).await.unwrap();
    let (token, their_token, gone_token) = (token.reveal(), their_token.reveal(), gone_token.reveal());
    let counted = Api::new(api_config(), store.clone()).with_click_counts(embedded);
    let uncounted = Api::new(api_config(), store.clone());
    let stats = "/api/links/{id}/stats";
    for method in [Method::GET, Method::HEAD] {
        for (id, token) in [
            ("mine", Some(token)),
            ("mine", None),
            ("mine", Some(their_token)),
            ("theirs", Some(their_token)),
            ("gone", Some(gone_token)),
            ("nothere", Some(token)),
            ("a.b", Some(token)),
        ] {
            coverage.check(document, stats, &method, &counted.handle(stats_request(&method, id, token)).await);
        }
        let response = uncounted.handle(stats_request(&method, "mine", Some(token))).await;
        assert_eq!(response.status(), StatusCode::NOT_IMPLEMENTED);
        coverage.check(document, stats, &method, &response);
        store.set_failing(true);
        coverage.check(document, stats, &method, &counted.handle(stats_request(&method, "mine", Some(token))).await);
        store.set_failing(false);
        let missing_table = Api::new(api_config(), DynamoStore::connect(&fresh_dynamo_settings()).await);
        coverage.check(
            document,
            stats,
            &method,
            &missing_table.handle(stats_request(&method, "mine", Some(token))).await,
        );
    }
}

#[tokio::test]
async fn every_documented_answer_is_produced_by_the_handlers_and_matches_the_document() {
    let document = document();
    let mut coverage = Coverage::default();

    api_answers(&document, &mut coverage).await;
    lifecycle_answers(&document, &mut coverage).await;
    stats_answers(&document, &mut coverage).await;
    resolver_answers(&document, &mut coverage).await;

    let documented = Coverage::documented(&document);
    let never_produced: Vec<_> = documented.difference(&coverage.0).collect();
    assert!(never_produced.is_empty(), "documented but never produced by the handlers: {never_produced:?}");
}

/// The documented methods of a path, upper case.
fn documented_methods(document: &Value, template: &str) -> BTreeSet<String> {
    METHODS
        .iter()
        .filter(|method| document["paths"][template].get(method.as_str().to_ascii_lowercase()).is_some())
        .map(|method| method.as_str().to_owned())
        .collect()
}

/// A concrete path for a documented template.
fn instantiate(template: &str) -> String {
    template.replace("{id}", "abc1234")
}

#[tokio::test]
async fn a_method_the_document_does_not_list_gets_405_with_allow_listing_exactly_the_documented_ones() {
    let document = document();
    let (store, _dir) = switched_store();
    let api = Api::new(api_config(), store.clone());
    let resolver = Resolver::new(ResolverConfig::default(), store);
    for template in document["paths"].as_object().into_iter().flat_map(|p| p.keys()) {
        let documented = documented_methods(&document, template);
        let path = instantiate(template);
        for method in METHODS.iter().filter(|m| !documented.contains(m.as_str())) {
            let response = match paths::origin(&path) {
                Origin::Api => api.handle(request(method, &path, None, "")).await,
                Origin::Resolver => resolver.handle(&request(method, &path, None, "")).await,
                Origin::Site => panic!("{template} is documented but the path table gives it to the site"),
            };
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let allow: BTreeSet<String> = response
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .split(',')
                .map(|m| m.trim().to_owned())
                .collect();
            assert_eq!(allow, documented, "{method} {path}: Allow differs from the documented methods");
        }
    }
}

#[test]
fn every_api_row_of_the_path_table_and_the_resolver_default_are_documented() {
    let document = document();
    let templates: Vec<&String> = document["paths"].as_object().into_iter().flat_map(|p| p.keys()).collect();
    for route in paths::ROUTES.iter().filter(|route| route.origin == Origin::Api) {
        let covered = templates.iter().any(|template| match route.pattern {
            Pattern::Exact(exact) => template.as_str() == exact,
            Pattern::Prefix(prefix) => template.starts_with(prefix),
        });
        assert!(covered, "the path table's API row {:?} is not in the document", route.pattern);
    }
    assert!(templates.iter().any(|t| t.as_str() == "/{id}"), "the resolver's /{{id}} is not in the document");
    for template in templates {
        assert_ne!(paths::origin(&instantiate(template)), Origin::Site, "{template} belongs to the site");
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_served_at_api_openapi_json() {
    let document = document();
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "{}", document["openapi"]);
    let operation_ids: Vec<&str> = document["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .flat_map(|item| METHODS.iter().filter_map(|m| item.get(m.as_str().to_ascii_lowercase())))
        .filter_map(|operation| operation["operationId"].as_str())
        .collect();
    let unique: BTreeMap<&str, ()> = operation_ids.iter().map(|id| (*id, ())).collect();
    assert_eq!(unique.len(), operation_ids.len(), "operationIds repeat: {operation_ids:?}");
    let (store, _dir) = switched_store();
    store.set_failing(true);
    let api = Api::new(api_config(), store);

    let response = api.handle(request(&Method::GET, "/api/openapi.json", None, "")).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/json"));
    let served: Value = serde_json::from_str(response.body()).unwrap();
    assert_eq!(served, document);
}
