//! What the click counter's tests share: an S3 stand-in on loopback that serves `GetObject`, gzip log files, and
//! SQS events shaped as AWS delivers S3 notifications.
//!
//! The stand-in exists because no S3-compatible server is among the project's installed tools (node_modules and
//! .venv hold DynamoDB Local, cargo-lambda and the CDK CLI); it answers path-style `GET /{bucket}/{key}` with the
//! object and its `ETag`, and a `NoSuchKey` error otherwise, which is all the function asks of S3.

#![allow(dead_code, reason = "each test binary uses its own part")]

use std::{
    collections::HashMap,
    io::Write,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

/// Objects by bucket and key, with their ETags.
type Objects = Arc<Mutex<HashMap<(String, String), (Vec<u8>, String)>>>;

/// A loopback S3 serving objects put into it by the test.
#[derive(Debug, Clone)]
pub(crate) struct S3StandIn {
    objects: Objects,
    /// `http://127.0.0.1:PORT`.
    pub(crate) endpoint: String,
}

impl S3StandIn {
    /// Starts it on a free loopback port; it serves until the test process ends.
    pub(crate) async fn start() -> Self {
        let objects = Objects::default();
        let app = Router::new().route("/{bucket}/{*key}", get(get_object)).with_state(Arc::clone(&objects));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { objects, endpoint }
    }

    /// Stores `bytes` as `key` of `bucket`, with `etag`.
    pub(crate) fn put(&self, bucket: &str, key: &str, bytes: Vec<u8>, etag: &str) {
        self.objects.lock().expect("lock").insert((bucket.to_owned(), key.to_owned()), (bytes, format!("\"{etag}\"")));
    }

    /// An S3 client for it (path-style, dummy credentials), as the function builds one from `S3_ENDPOINT`.
    pub(crate) fn client(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::new()
            .behavior_version_latest()
            .endpoint_url(&self.endpoint)
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new("local", "local", None, None, "test"))
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }
}

async fn get_object(State(objects): State<Objects>, Path((bucket, key)): Path<(String, String)>) -> Response {
    let found = objects.lock().expect("lock").get(&(bucket, key.clone())).cloned();
    match found {
        Some((bytes, etag)) => (
            StatusCode::OK,
            [
                (header::ETAG, etag),
                (header::CONTENT_TYPE, "application/x-gzip".to_owned()),
                (header::LAST_MODIFIED, "Mon, 30 Nov 2026 05:14:31 GMT".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/xml")],
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key \
                 does not exist.</Message><Key>{key}</Key><RequestId>0</RequestId></Error>"
            ),
        )
            .into_response(),
    }
}

/// `text` gzip-compressed, as CloudFront delivers its log files.
pub(crate) fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).expect("gzip");
    encoder.finish().expect("gzip")
}

/// The bucket the fixture's notification names.
pub(crate) const BUCKET: &str = "shortener-edge-logs";

/// An SQS event of one message per `(message ID, key)`, each the fixture's S3 `ObjectCreated:Put` notification of
/// that key (encoded as S3 encodes keys, `+` for a space).
pub(crate) fn sqs_event(messages: &[(&str, &str)]) -> Value {
    let fixture: Value = serde_json::from_str(include_str!("../fixtures/sqs-s3-object-created.json")).expect("fixture");
    let template = &fixture["Records"][0];
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, key)| {
            let mut notification: Value = serde_json::from_str(template["body"].as_str().expect("body")).expect("body");
            notification["Records"][0]["s3"]["object"]["key"] = json!(key.replace(' ', "+"));
            let mut record = template.clone();
            record["messageId"] = json!(id);
            record["body"] = json!(notification.to_string());
            record
        })
        .collect();
    json!({ "Records": records })
}

/// An SQS event carrying `body` as its one message.
pub(crate) fn sqs_event_with_body(id: &str, body: &str) -> Value {
    let mut event = sqs_event(&[(id, "unused")]);
    event["Records"][0]["body"] = json!(body);
    event
}
