//! The deployable `click-counter`, run as AWS Lambda runs it: the `bootstrap` that `scripts/build-lambdas` zips,
//! started against cargo-lambda's Runtime API emulator with the environment Lambda sets, invoked with SQS events
//! carrying S3 notifications, reading gzip log files from the S3 stand-in and counting into DynamoDB Local.
//!
//! Needs the artifact, cargo-lambda and DynamoDB Local, so it only runs when asked:
//! `cargo test -p click-counter --features lambda-artifacts --test lambda_artifact` (scripts/test.d/20-lambda).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

#[path = "../../local/tests/support/lambda.rs"]
#[allow(dead_code, reason = "shared with the local stack's artifact tests, which use other parts")]
mod lambda;
mod support;

use lambda::{Emulated, bootstrap};
use serde_json::json;
use shortener_domain::{
    ShortId,
    clicks::STATS_DAYS,
    store::ClickCounts,
    testing::{dynamo_store, dynamodb_endpoint, log_file, log_line},
};
use support::{BUCKET, S3StandIn, gzip, sqs_event};
use time::macros::date;

#[tokio::test]
async fn the_built_function_counts_a_log_file_once_however_often_it_is_announced() {
    let s3 = S3StandIn::start().await;
    let store = dynamo_store().await;
    let endpoint = dynamodb_endpoint();
    let env = [("TABLE_NAME", store.table()), ("DYNAMODB_ENDPOINT", endpoint.as_str()), ("S3_ENDPOINT", &s3.endpoint)];
    let mut function = Emulated::new(bootstrap("click-counter"), &env).await;
    function.start().await;

    let mut lines = vec![log_line("2026-11-30 04:10:00", "GET", "/abc1234", 301, "Hit", "Mozilla/5.0 (X11; Linux)"); 7];
    lines.push(log_line("2026-11-30 04:10:01", "GET", "/abc1234", 301, "Miss", "Slackbot-LinkExpanding 1.0"));
    lines.push(log_line("2026-11-30 04:10:02", "HEAD", "/abc1234", 301, "Hit", "curl/8.11.0"));
    s3.put(BUCKET, "cloudfront/E2EXAMPLE.2026-11-30-04.a1b2c3d4.gz", gzip(&log_file(&lines)), "9b2cf535");
    let delivery =
        sqs_event(&[("m-1", "cloudfront/E2EXAMPLE.2026-11-30-04.a1b2c3d4.gz"), ("m-2", "cloudfront/gone.gz")]);

    for attempt in ["first delivery", "redelivery"] {
        let answer = function.invoke(&delivery).await;
        assert_eq!(answer, json!({ "batchItemFailures": [{ "itemIdentifier": "m-2" }] }), "{attempt}");
    }

    let stats =
        store.stats(&ShortId::parse("abc1234").unwrap(), date!(2026 - 11 - 30), STATS_DAYS).await.expect("stats");
    assert_eq!((stats.clicks, stats.bots), (7, 1));
    let logs = function.logs();
    assert!(logs.contains("log file counted"), "{logs}");
    for viewer in ["2001:db8::7", "Mozilla", "Slackbot"] {
        assert!(!logs.contains(viewer), "the function logged {viewer}: {logs}");
    }
}
