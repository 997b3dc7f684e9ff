//! The counting function's handler, called as the Lambda calls it: SQS events carrying S3 notifications, log files
//! gzip-compressed in an S3 stand-in, counts in DynamoDB Local.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

mod support;

use aws_lambda_events::event::sqs::SqsEvent;
use click_counter::{Counter, S3Objects};
use shortener_domain::{
    ShortId,
    clicks::{ClickStats, STATS_DAYS},
    store::{ClickCounts, dynamodb::DynamoStore},
    testing::{FailAfterChunks, dynamo_store, log_file, log_line},
};
use support::{BUCKET, S3StandIn, gzip, sqs_event, sqs_event_with_body};
use time::macros::date;

fn event(value: serde_json::Value) -> SqsEvent {
    serde_json::from_value(value).expect("an SQS event")
}

fn failed(response: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<&str> {
    response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect()
}

async fn stats(store: &DynamoStore, id: &str) -> ClickStats {
    store.stats(&ShortId::parse(id).unwrap(), date!(2026 - 11 - 30), STATS_DAYS).await.expect("stats")
}

/// A log of `n` viewer clicks and one bot click on each of `ids` IDs (`c0000`, `c0001`, ...), and a 404.
fn log_of(ids: usize, n: usize) -> String {
    let mut lines = Vec::new();
    for i in 0..ids {
        for _ in 0..n {
            lines.push(log_line("2026-11-30 04:10:00", "GET", &format!("/c{i:04}"), 301, "Hit", "Mozilla/5.0"));
        }
        lines.push(log_line("2026-11-30 04:11:00", "GET", &format!("/c{i:04}"), 301, "Miss", "Twitterbot/1.0"));
    }
    lines.push(log_line("2026-11-30 04:12:00", "GET", "/nothere", 404, "Error", "Mozilla/5.0"));
    log_file(&lines)
}

#[tokio::test]
async fn a_log_file_announced_twice_is_counted_once() {
    let s3 = S3StandIn::start().await;
    let store = dynamo_store().await;
    let counter = Counter::new(store.clone(), S3Objects::new(s3.client()));
    s3.put(BUCKET, "cloudfront/E2EXAMPLE.2026-11-30-04.a1b2c3d4.gz", gzip(&log_of(3, 5)), "9b2cf535");

    let delivery = event(sqs_event(&[("m-1", "cloudfront/E2EXAMPLE.2026-11-30-04.a1b2c3d4.gz")]));
    assert_eq!(failed(&counter.handle(&delivery).await), Vec::<&str>::new());
    assert_eq!(failed(&counter.handle(&delivery).await), Vec::<&str>::new(), "the redelivery");

    for id in ["c0000", "c0001", "c0002"] {
        let counted = stats(&store, id).await;
        assert_eq!((counted.clicks, counted.bots), (5, 1), "{id}");
        assert_eq!(counted.counted_until, Some(time::macros::datetime!(2026-11-30 04:12:00 UTC)));
    }
}

#[tokio::test]
async fn a_failure_halfway_through_a_file_then_its_redelivery_counts_every_click_once() {
    let s3 = S3StandIn::start().await;
    let store = dynamo_store().await;
    s3.put(BUCKET, "cloudfront/big.gz", gzip(&log_of(250, 2)), "big-1");
    let delivery = event(sqs_event(&[("m-big", "cloudfront/big.gz")]));

    let crashing = Counter::new(FailAfterChunks::new(store.clone(), 1), S3Objects::new(s3.client()));
    assert_eq!(failed(&crashing.handle(&delivery).await), ["m-big"], "the failed file's message is retried");
    assert_eq!(stats(&store, "c0000").await.clicks, 2, "the first chunk was recorded");
    assert_eq!(stats(&store, "c0249").await.clicks, 0, "the third was not");

    let counter = Counter::new(store.clone(), S3Objects::new(s3.client()));
    assert_eq!(failed(&counter.handle(&delivery).await), Vec::<&str>::new());
    for i in [0, 98, 99, 100, 197, 198, 249] {
        let counted = stats(&store, &format!("c{i:04}")).await;
        assert_eq!((counted.clicks, counted.bots), (2, 1), "c{i:04}");
    }
}

#[tokio::test]
async fn only_the_messages_whose_files_failed_are_reported() {
    let s3 = S3StandIn::start().await;
    let store = dynamo_store().await;
    let counter = Counter::new(store.clone(), S3Objects::new(s3.client()));
    s3.put(BUCKET, "cloudfront/with space.gz", gzip(&log_of(1, 3)), "e1");
    let batch = event(sqs_event(&[("m-missing", "cloudfront/gone.gz"), ("m-ok", "cloudfront/with space.gz")]));
    assert_eq!(failed(&counter.handle(&batch).await), ["m-missing"]);
    assert_eq!(stats(&store, "c0000").await.clicks, 3, "a key with a space, encoded as S3 encodes it");

    let test_event = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-30T05:00:00.000Z","Bucket":"shortener-edge-logs","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}"#;
    assert_eq!(failed(&counter.handle(&event(sqs_event_with_body("m-test", test_event))).await), Vec::<&str>::new());
    assert_eq!(failed(&counter.handle(&event(sqs_event_with_body("m-junk", "not json"))).await), ["m-junk"]);
}

#[tokio::test]
async fn a_plain_log_file_is_read_as_well_as_a_gzipped_one() {
    let plain = log_of(2, 4);
    assert_eq!(click_counter::tally_of(plain.as_bytes()).unwrap(), click_counter::tally_of(&gzip(&plain)).unwrap());
    assert_eq!(click_counter::tally_of(&gzip(&plain)).unwrap().summary().clicks, 8);
}
