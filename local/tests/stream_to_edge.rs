//! The deployed propagation path, end to end on loopback: a change written through the real API to a DynamoDB
//! Local table with a `KEYS_ONLY` stream, the stream's own records read through the Streams API and handed as the
//! Lambda event to the invalidator's own handler, which bans the changed paths in the local edge (Varnish); the
//! next click through the edge gets the new answer.
//!
//! These tests need `varnishd` and DynamoDB Local (`SHORTENER_TEST_DYNAMODB_ENDPOINT`, set by `scripts/test`).
//! Without Varnish they pass with a loud message, unless `SHORTENER_TEST_REQUIRE_EDGE` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

#[path = "support/edge.rs"]
mod edge;
#[path = "support/stack.rs"]
#[allow(dead_code, reason = "shared with the stack and edge tests, which use other parts")]
mod stack;

use std::time::{Duration, Instant};

use edge::{Edge, edge_in_front_of, from_edge_cache, get, header, varnish_present};
use edge_invalidator::{Event, invalidate_changes, records::changed_link, stream::TableStream};
use reqwest::StatusCode;
use serde_json::json;
use shortener_domain::testing::{free_loopback_port, fresh_dynamo_settings};
use shortener_local::edge_cache::VarnishInvalidator;
use stack::{Running, client, on_dynamo, shorten, start};

const OLD_URL: &str = "https://example.com/before";
const NEW_URL: &str = "https://example.com/after";

/// A local stack on a fresh DynamoDB Local table whose stream is on, and the edge in front of it.
struct Deployed {
    _stack: Running,
    edge: Edge,
    stream: TableStream,
}

async fn deployed() -> Option<Deployed> {
    if !varnish_present() {
        return None;
    }
    let store = fresh_dynamo_settings();
    let port = free_loopback_port();
    let stack = start(port, on_dynamo(&store, &[])).await;
    let endpoint = store.endpoint.unwrap_or_default();
    let stream = TableStream::enable(&endpoint, &store.table_name).await.expect("the table's stream on");
    Some(Deployed { _stack: stack, edge: edge_in_front_of(&[port]), stream })
}

/// A change of a link by its owner, through the API behind the edge.
#[derive(Debug, Clone, Copy)]
enum Change {
    /// `PATCH /api/links/{id}` to [`NEW_URL`].
    Edit,
    /// `DELETE /api/links/{id}`.
    Delete,
}

impl Change {
    async fn make(self, base: &str, id: &str, token: &str) {
        let api = format!("{base}/api/links/{id}");
        let status = match self {
            Self::Edit => {
                let patch = client()
                    .patch(&api)
                    .bearer_auth(token)
                    .header("content-type", "application/merge-patch+json")
                    .body(json!({ "url": NEW_URL }).to_string());
                patch.send().await.unwrap().status()
            }
            Self::Delete => client().delete(&api).bearer_auth(token).send().await.unwrap().status(),
        };
        let acknowledged = match self {
            Self::Edit => StatusCode::OK,
            Self::Delete => StatusCode::NO_CONTENT,
        };
        assert_eq!(status, acknowledged, "{self:?} acknowledged");
    }

    /// Asserts that a click on `/{id}` got the link's answer after this change.
    async fn assert_new(self, click: reqwest::Response) {
        let status = click.status();
        let location = header(&click, "location").to_owned();
        let body = click.text().await.unwrap();
        match self {
            Self::Edit => assert_eq!((status, location.as_str()), (StatusCode::MOVED_PERMANENTLY, NEW_URL), "{body}"),
            Self::Delete => assert!(status == StatusCode::NOT_FOUND && body.contains("removed"), "{status} {body}"),
        }
    }
}

/// Reads the stream until it holds the change of `id`: that batch, as the invalidator's Lambda event.
async fn batch_with_change_of(stream: &mut TableStream, id: &str) -> Event {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut records = Vec::new();
    loop {
        records.extend(stream.next_event().await.expect("reading the stream").records);
        if records.iter().any(|record| changed_link(record).is_some_and(|changed| changed.as_str() == id)) {
            let mut event = Event::default();
            event.records = records;
            return event;
        }
        assert!(Instant::now() < deadline, "no change of {id} on the stream within 10 s: {records:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_change_reaches_the_edge_through_the_stream_and_the_invalidator(change: Change) {
    let Some(mut deployed) = deployed().await else { return };
    let base = deployed.edge.base.clone();
    let (status, created) = shorten(&base, json!({ "urlToShorten": OLD_URL })).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let token = created["manageToken"].as_str().unwrap().to_owned();
    let redirect = format!("{base}/{id}");
    get(&redirect).await;
    let kept = get(&redirect).await;
    assert!(from_edge_cache(&kept) && header(&kept, "location") == OLD_URL, "the edge keeps the redirect");
    let invalidator = VarnishInvalidator::new(deployed.edge.workdir());

    let creates = deployed.stream.next_event().await.expect("reading the stream");
    assert!(!creates.records.is_empty(), "the create and its quota count are on the stream");
    let invalidated = invalidate_changes(&creates, &invalidator).await.expect("the handler on the creates");
    assert_eq!(invalidated, 0, "a create invalidates nothing: {creates:#?}");

    change.make(&base, &id, &token).await;
    let before = get(&redirect).await;
    assert!(from_edge_cache(&before), "until the invalidation the edge answers from its copy");
    assert_eq!(header(&before, "location"), OLD_URL);

    let event = batch_with_change_of(&mut deployed.stream, &id).await;
    let invalidated = invalidate_changes(&event, &invalidator).await.expect("the handler on the change");
    assert_eq!(invalidated, 2, "/{id} and /{id}+ banned: {event:#?}");

    let after = get(&redirect).await;
    assert!(!from_edge_cache(&after), "the next click reaches the stack");
    change.assert_new(after).await;
    let again = get(&redirect).await;
    assert!(from_edge_cache(&again), "the edge keeps the new answer");
    change.assert_new(again).await;
}

#[tokio::test]
async fn an_edit_reaches_the_edge_through_the_tables_stream_and_the_invalidators_handler() {
    a_change_reaches_the_edge_through_the_stream_and_the_invalidator(Change::Edit).await;
}

#[tokio::test]
async fn a_delete_reaches_the_edge_through_the_tables_stream_and_the_invalidators_handler() {
    a_change_reaches_the_edge_through_the_stream_and_the_invalidator(Change::Delete).await;
}
