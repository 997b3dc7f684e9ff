//! The store contract, run against both adapters: the embedded redb store and DynamoDB Local.

use std::sync::Arc;

use shortener_domain::{
    Link, ShortId,
    store::{LinkReader, LinkWriter, PutError},
    testing::{self, link},
};
use time::{Duration, OffsetDateTime};

async fn a_created_link_reads_back_unchanged<S: LinkReader + LinkWriter>(store: S) {
    let created = link("abc1234", "https://example.com/a?b=c", None);
    store.put_new(&created).await.unwrap_or_else(|e| panic!("put: {e:?}"));
    let read = store.get(&created.id).await.unwrap_or_else(|e| panic!("get: {e:?}"));
    assert_eq!(read, Some(created));
}

async fn an_unknown_id_reads_as_none<S: LinkReader + LinkWriter>(store: S) {
    let id = ShortId::parse("nothere").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.get(&id).await.unwrap_or_else(|e| panic!("get: {e:?}")), None);
}

async fn a_second_put_of_an_id_is_refused_and_keeps_the_first<S: LinkReader + LinkWriter>(store: S) {
    let first = link("taken-alias", "https://first.example/", None);
    let second = link("taken-alias", "https://second.example/", None);
    store.put_new(&first).await.unwrap_or_else(|e| panic!("put: {e:?}"));
    assert!(matches!(store.put_new(&second).await, Err(PutError::Taken)));
    let read = store.get(&first.id).await.unwrap_or_else(|e| panic!("get: {e:?}"));
    assert_eq!(read.map(|l| l.url), Some(first.url));
}

async fn expiry_is_stored_and_expired_links_still_read_back<S: LinkReader + LinkWriter>(store: S) {
    let future = link("expires-later", "https://later.example/", Some(Duration::hours(1)));
    let past = link("expired-yet", "https://past.example/", Some(Duration::seconds(-5)));
    store.put_new(&future).await.unwrap_or_else(|e| panic!("put: {e:?}"));
    store.put_new(&past).await.unwrap_or_else(|e| panic!("put: {e:?}"));
    let now = OffsetDateTime::now_utc();
    let future_read = store.get(&future.id).await.unwrap_or_else(|e| panic!("get: {e:?}"));
    assert_eq!(future_read.as_ref().map(|l| l.expires_at), Some(future.expires_at));
    assert_eq!(future_read.map(|l| l.is_expired_at(now)), Some(false));
    let past_read = store.get(&past.id).await.unwrap_or_else(|e| panic!("get: {e:?}"));
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

async fn writing_the_same_link_again_is_acknowledged_as_a_retry<S: LinkReader + LinkWriter>(store: S) {
    let created = link("retried1", "https://retry.example/", None);
    store.put_new(&created).await.unwrap_or_else(|e| panic!("put: {e:?}"));
    store.put_new(&created).await.unwrap_or_else(|e| panic!("the retry of the same write: {e:?}"));
    let later = Link { created_at: created.created_at + Duration::milliseconds(1), ..created.clone() };
    assert!(matches!(store.put_new(&later).await, Err(PutError::Taken)), "another create of the same URL");
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
    writing_the_same_link_again_is_acknowledged_as_a_retry,
);

#[tokio::test]
async fn embedded_links_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("links.redb");
    let created = link("durable1", "https://durable.example/", None);
    {
        let store = shortener_domain::store::embedded::EmbeddedStore::open(&path).unwrap_or_else(|e| panic!("{e:?}"));
        store.put_new(&created).await.unwrap_or_else(|e| panic!("{e:?}"));
    }
    let store = shortener_domain::store::embedded::EmbeddedStore::open(&path).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(store.get(&created.id).await.unwrap_or_else(|e| panic!("{e:?}")), Some(created));
}

#[tokio::test]
async fn an_unreachable_dynamodb_fails_within_the_configured_bound() {
    let (store, settings) = testing::unreachable_dynamo_store().await;
    let id = ShortId::parse("abc1234").unwrap_or_else(|e| panic!("{e}"));
    let started = std::time::Instant::now();
    let result = store.get(&id).await;
    assert!(matches!(result, Err(shortener_domain::store::StoreError::Unavailable(_))), "{result:?}");
    assert!(started.elapsed() <= settings.worst_case() + std::time::Duration::from_secs(1), "{:?}", started.elapsed());
    let written = store.put_new(&link("abc1234", "https://example.com/", None)).await;
    assert!(matches!(written, Err(PutError::Store(_))), "{written:?}");
}
