//! The store contract, run against both adapters: the embedded redb store and DynamoDB Local.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::sync::Arc;

use shortener_domain::{
    ShortId,
    store::{LinkReader, LinkWriter, PutError, StoreError},
    testing::{self, link},
};
use time::{Duration, OffsetDateTime};

async fn a_created_link_reads_back_unchanged<S: LinkReader + LinkWriter>(store: S) {
    let created = link("abc1234", "https://example.com/a?b=c", None);
    store.put_new(&created).await.expect("put");
    let read = store.get(&created.id).await.expect("get");
    assert_eq!(read, Some(created));
}

async fn an_unknown_id_reads_as_none<S: LinkReader + LinkWriter>(store: S) {
    let id = ShortId::parse("nothere").unwrap();
    assert_eq!(store.get(&id).await.expect("get"), None);
}

async fn a_second_put_of_an_id_is_refused_and_keeps_the_first<S: LinkReader + LinkWriter>(store: S) {
    let first = link("taken-alias", "https://first.example/", None);
    let second = link("taken-alias", "https://second.example/", None);
    store.put_new(&first).await.expect("put");
    assert!(matches!(store.put_new(&second).await, Err(PutError::Taken)));
    let read = store.get(&first.id).await.expect("get");
    assert_eq!(read.map(|l| l.url), Some(first.url));
}

async fn expiry_is_stored_and_expired_links_still_read_back<S: LinkReader + LinkWriter>(store: S) {
    let future = link("expires-later", "https://later.example/", Some(Duration::hours(1)));
    let past = link("expired-yet", "https://past.example/", Some(Duration::seconds(-5)));
    store.put_new(&future).await.expect("put");
    store.put_new(&past).await.expect("put");
    let now = OffsetDateTime::now_utc();
    let future_read = store.get(&future.id).await.expect("get");
    assert_eq!(future_read.as_ref().map(|l| l.expires_at), Some(future.expires_at));
    assert_eq!(future_read.map(|l| l.is_expired_at(now)), Some(false));
    let past_read = store.get(&past.id).await.expect("get");
    assert_eq!(past_read.map(|l| l.is_expired_at(now)), Some(true));
}

async fn concurrent_puts_of_one_id_store_exactly_one<S: LinkReader + LinkWriter + 'static>(store: S) {
    let store = Arc::new(store);
    let puts = (0..50).map(|n| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.put_new(&link("race-alias", &format!("https://n{n}.example/"), None)).await })
    });
    let results = futures::future::join_all(puts).await;
    let won = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    let lost = results.iter().filter(|r| matches!(r, Ok(Err(PutError::Taken)))).count();
    assert_eq!((won, lost), (1, 49));
}

async fn of_concurrent_identical_creates_exactly_one_succeeds<S: LinkReader + LinkWriter + 'static>(store: S) {
    let store = Arc::new(store);
    let same = link("double-click", "https://same.example/", None);
    let puts = (0..50).map(|_| {
        let (store, same) = (Arc::clone(&store), same.clone());
        tokio::spawn(async move { store.put_new(&same).await })
    });
    let results = futures::future::join_all(puts).await;
    let won = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    let lost = results.iter().filter(|r| matches!(r, Ok(Err(PutError::Taken)))).count();
    assert_eq!((won, lost), (1, 49));
    assert!(matches!(store.put_new(&same).await, Err(PutError::Taken)), "a later identical create");
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let (store, _dir) = super::testing::embedded_store();
                    super::$case(store).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::$case(super::testing::dynamo_store().await).await;
                }
            )*
        }
    };
}

contract!(
    a_created_link_reads_back_unchanged,
    an_unknown_id_reads_as_none,
    a_second_put_of_an_id_is_refused_and_keeps_the_first,
    expiry_is_stored_and_expired_links_still_read_back,
    concurrent_puts_of_one_id_store_exactly_one,
    of_concurrent_identical_creates_exactly_one_succeeds,
);

#[tokio::test]
async fn embedded_links_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("links.redb");
    let created = link("durable1", "https://durable.example/", None);
    {
        let store = shortener_domain::store::embedded::EmbeddedStore::open(&path).unwrap();
        store.put_new(&created).await.unwrap();
    }
    let store = shortener_domain::store::embedded::EmbeddedStore::open(&path).unwrap();
    assert_eq!(store.get(&created.id).await.unwrap(), Some(created));
}

#[tokio::test]
async fn a_refusing_dynamodb_fails_as_unavailable_without_waiting_for_the_bound() {
    let (store, settings) = testing::refusing_dynamo_store().await;
    let id = ShortId::parse("abc1234").unwrap();
    let started = std::time::Instant::now();
    let result = store.get(&id).await;
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    assert!(started.elapsed() <= settings.worst_case() + std::time::Duration::from_secs(1), "{:?}", started.elapsed());
    let written = store.put_new(&link("abc1234", "https://example.com/", None)).await;
    assert!(matches!(written, Err(PutError::Store(StoreError::Unavailable(_)))), "{written:?}");
}

#[tokio::test]
async fn a_silent_dynamodb_is_given_up_on_after_the_attempt_timeouts_not_before_and_not_much_after() {
    let (store, settings) = testing::silent_dynamo_store().await;
    let id = ShortId::parse("abc1234").unwrap();
    let started = std::time::Instant::now();
    let result = store.get(&id).await;
    let elapsed = started.elapsed();
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    let one_attempt = std::time::Duration::from_millis(settings.attempt_timeout_ms);
    assert!(elapsed >= one_attempt, "gave up after {elapsed:?}, before one attempt timed out");
    assert!(elapsed <= settings.worst_case() + std::time::Duration::from_secs(1), "gave up only after {elapsed:?}");
}

#[tokio::test]
async fn a_missing_table_is_rejected_not_reported_as_an_outage() {
    let settings = testing::fresh_dynamo_settings();
    let store = shortener_domain::store::dynamodb::DynamoStore::connect(&settings).await;
    let id = ShortId::parse("abc1234").unwrap();
    let result = store.get(&id).await;
    assert!(matches!(result, Err(StoreError::Rejected(_))), "{result:?}");
}

#[tokio::test]
async fn creating_the_table_twice_is_harmless_and_enables_ttl() {
    let store = testing::dynamo_store().await;
    store.create_table_if_missing().await.expect("second create");
    let ttl = store.client().describe_time_to_live().table_name(store.table()).send().await;
    let ttl = ttl.unwrap();
    let description = ttl.time_to_live_description();
    assert_eq!(description.and_then(|d| d.attribute_name()), Some("expiresAt"));
}
