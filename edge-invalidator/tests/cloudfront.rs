//! The handler core and the CloudFront adapter against a loopback stand-in for CloudFront's API: what a batch of
//! stream records becomes on the wire, how it is split, named and retried, and how CloudFront's errors are sorted.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use aws_lambda_events::event::dynamodb::Event;
use aws_sdk_cloudfront::{
    Client,
    config::{BehaviorVersion, Credentials, Region, retry::RetryConfig},
};
use edge_invalidator::{
    cloudfront::{CloudFrontInvalidator, MAX_PATHS_PER_INVALIDATION},
    invalidate_changes,
    records::batch_reference,
    testing::CloudFrontRecorder,
};
use serde_json::{Value, json};
use shortener_domain::invalidation::InvalidationError;

const DISTRIBUTION: &str = "E2QWRUHAPOMQZL";

async fn recorder_and_edge() -> (CloudFrontRecorder, CloudFrontInvalidator) {
    let recorder = CloudFrontRecorder::start().await.expect("recorder");
    let config = aws_sdk_cloudfront::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(recorder.endpoint())
        .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .build();
    let edge = CloudFrontInvalidator::new(Client::from_conf(config), DISTRIBUTION);
    (recorder, edge)
}

fn fixture() -> Event {
    serde_json::from_str(include_str!("fixtures/stream-batch.json")).expect("fixture")
}

/// A batch of `n` modified links, `l0000000`, `l0000001`, ...
fn modified_links(n: usize) -> Event {
    let mut event: Value = serde_json::from_str(include_str!("fixtures/stream-batch.json")).expect("fixture");
    let template = event["Records"][0].clone();
    let records: Vec<Value> = (0..n)
        .map(|i| {
            let mut record = template.clone();
            record["eventID"] = json!(format!("event{i}"));
            record["dynamodb"]["Keys"]["PK"]["S"] = json!(format!("LINK#l{i:07}"));
            record
        })
        .collect();
    event["Records"] = json!(records);
    serde_json::from_value(event).expect("event")
}

#[tokio::test]
async fn a_batch_becomes_one_invalidation_of_the_changed_links_named_after_the_batch() {
    let (recorder, edge) = recorder_and_edge().await;
    let event = fixture();
    assert_eq!(invalidate_changes(&event, &edge).await.expect("invalidated"), 4);
    let accepted = recorder.accepted();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    let invalidation = &accepted[0];
    assert_eq!(invalidation.distribution_id, DISTRIBUTION);
    assert_eq!(invalidation.paths, ["/edited1", "/edited1+", "/expired", "/expired+"]);
    assert_eq!(invalidation.quantity, 4);
    assert_eq!(invalidation.caller_reference, format!("{}-0", batch_reference(&event.records)));
}

#[tokio::test]
async fn a_retried_batch_sends_the_same_caller_reference_so_cloudfront_makes_no_second_invalidation() {
    let (recorder, edge) = recorder_and_edge().await;
    let event = fixture();
    invalidate_changes(&event, &edge).await.expect("first delivery");
    invalidate_changes(&event, &edge).await.expect("second delivery");
    let accepted = recorder.accepted();
    assert_eq!(accepted.len(), 2);
    assert_eq!(accepted[0], accepted[1], "the same request, which CloudFront answers with the first invalidation");
}

#[tokio::test]
async fn a_batch_of_creates_and_other_items_sends_nothing() {
    let (recorder, edge) = recorder_and_edge().await;
    let mut event = fixture();
    event
        .records
        .retain(|record| record.event_name == "INSERT" || record.event_id == "e4da3b7fbbce2345d7772b0674a318d5");
    assert_eq!(event.records.len(), 2);
    assert_eq!(invalidate_changes(&event, &edge).await.expect("nothing to do"), 0);
    assert!(recorder.accepted().is_empty());
}

#[tokio::test]
async fn more_paths_than_one_invalidation_takes_are_split_in_order_each_named_apart() {
    let (recorder, edge) = recorder_and_edge().await;
    let event = modified_links(1600);
    assert_eq!(invalidate_changes(&event, &edge).await.expect("invalidated"), 3200);
    let accepted = recorder.accepted();
    let sizes: Vec<usize> = accepted.iter().map(|i| i.paths.len()).collect();
    assert_eq!(sizes, [MAX_PATHS_PER_INVALIDATION, 200]);
    assert_eq!(accepted[0].quantity, MAX_PATHS_PER_INVALIDATION);
    let reference = batch_reference(&event.records);
    assert_eq!(accepted[0].caller_reference, format!("{reference}-0"));
    assert_eq!(accepted[1].caller_reference, format!("{reference}-1"));
    assert_eq!(accepted[0].paths[..2], ["/l0000000", "/l0000000+"]);
    assert_eq!(accepted[1].paths.last().map(String::as_str), Some("/l0001599+"));
}

#[tokio::test]
async fn throttling_and_server_errors_are_unavailable_refusals_are_rejected() {
    let (recorder, edge) = recorder_and_edge().await;
    let cases = [
        (400, "Throttling", true),
        (400, "TooManyInvalidationsInProgress", true),
        (503, "ServiceUnavailable", true),
        (500, "InternalError", true),
        (403, "AccessDenied", false),
        (400, "InvalidArgument", false),
        (404, "NoSuchDistribution", false),
    ];
    for (status, code, retryable) in cases {
        recorder.fail_next(status, code);
        let result = invalidate_changes(&fixture(), &edge).await;
        match result {
            Err(InvalidationError::Unavailable(_)) if retryable => {}
            Err(InvalidationError::Rejected(detail)) if !retryable => assert!(detail.contains(code), "{detail}"),
            other => panic!("{status} {code}: {other:?}"),
        }
    }
    assert!(recorder.accepted().is_empty());
}
