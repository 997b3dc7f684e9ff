//! The store contract, run against both adapters: the embedded redb store and DynamoDB Local.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::{
    sync::Arc,
    time::{Duration as StdDuration, Instant},
};

use aws_sdk_dynamodb::types::AttributeValue;

use shortener_domain::{
    Actor, BlockedHost, DisableReason, HostBlock, Link, LinkEdit, LinkState, ManageToken, ShortId, TargetUrl,
    clicks::{CHUNK_ITEMS, DayCount, LogFileKey, STATS_DAYS, Tally},
    store::{
        ClickCounts, HostBlocklist, LinkReader, LinkUpdater, LinkWriter, LinksByHost, PutError, QuotaCounter,
        QuotaOutcome, Recorded, StoreError, UpdateError, dynamodb::DynamoStore,
    },
    testing::{self, FailAfterChunks, link, log_file, log_line, owned_link},
};
use time::{Date, Duration, OffsetDateTime, macros::date};

/// Every port a store adapter implements.
trait Store: LinkReader + LinkWriter + LinkUpdater + LinksByHost + HostBlocklist + QuotaCounter + ClickCounts {}

impl<S: LinkReader + LinkWriter + LinkUpdater + LinksByHost + HostBlocklist + QuotaCounter + ClickCounts> Store for S {}

fn target(url: &str) -> TargetUrl {
    TargetUrl::parse_stored(url).unwrap()
}

fn edit_to(url: &str) -> LinkEdit {
    LinkEdit { url: Some(target(url)), expires_at: None }
}

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

async fn an_edit_reads_back_as_the_next_version<S: Store>(store: S) {
    let (created, token) = owned_link("edit-me", "https://typo.example/");
    store.put_new(&created).await.expect("put");
    let now = OffsetDateTime::now_utc();
    let edit =
        LinkEdit { url: Some(target("https://fixed.example/")), expires_at: Some(Some(now + Duration::days(1))) };
    let edited = created.edited(&edit, now).unwrap();
    store.replace(&edited, 0).await.expect("replace");
    let read = store.get(&created.id).await.expect("get").expect("still there");
    assert_eq!(read, edited);
    assert_eq!((read.version, read.url.as_ref().map(TargetUrl::as_str)), (1, Some("https://fixed.example/")));
    assert!(read.is_managed_by(&token), "the token survives the edit");

    let cleared = read.edited(&LinkEdit { expires_at: Some(None), ..LinkEdit::default() }, now).unwrap();
    store.replace(&cleared, 1).await.expect("second replace");
    assert_eq!(store.get(&created.id).await.expect("get"), Some(cleared));
}

async fn a_change_from_a_stale_version_is_a_conflict_and_writes_nothing<S: Store>(store: S) {
    let created = link("stale-edit", "https://v0.example/", None);
    store.put_new(&created).await.expect("put");
    let now = OffsetDateTime::now_utc();
    let first = created.edited(&edit_to("https://v1.example/"), now).unwrap();
    store.replace(&first, 0).await.expect("first");
    let late = created.edited(&edit_to("https://late.example/"), now).unwrap();
    assert!(matches!(store.replace(&late, 0).await, Err(UpdateError::Conflict)));
    assert_eq!(store.get(&created.id).await.expect("get"), Some(first));
}

async fn a_change_that_skips_or_repeats_a_version_is_refused<S: Store>(store: S) {
    let created = link("bad-version", "https://v0.example/", None);
    store.put_new(&created).await.expect("put");
    let repeated = created.clone();
    let skipped = created.edited(&edit_to("https://v1.example/"), OffsetDateTime::now_utc()).unwrap();
    assert!(matches!(store.replace(&repeated, 0).await, Err(UpdateError::Store(StoreError::Rejected(_)))));
    assert!(matches!(store.replace(&skipped, 1).await, Err(UpdateError::Store(StoreError::Rejected(_)))));
    assert_eq!(store.get(&created.id).await.expect("get"), Some(created));
}

async fn changing_an_unknown_id_is_not_found_and_creates_nothing<S: Store>(store: S) {
    let never_stored = link("ghost-link", "https://ghost.example/", None);
    let edited = never_stored.edited(&edit_to("https://other.example/"), OffsetDateTime::now_utc()).unwrap();
    assert!(matches!(store.replace(&edited, 0).await, Err(UpdateError::NotFound)));
    assert_eq!(store.get(&never_stored.id).await.expect("get"), None);
}

async fn a_deleted_link_keeps_its_id_reserved<S: Store>(store: S) {
    let token = ManageToken::generate().unwrap();
    let created =
        Link { token_hash: Some(token.hash()), ..link("gone-soon", "https://gone.example/", Some(Duration::hours(1))) };
    store.put_new(&created).await.expect("put");
    let deleted = created.deleted(Actor::Owner, OffsetDateTime::now_utc()).unwrap();
    store.replace(&deleted, 0).await.expect("delete");
    let read = store.get(&created.id).await.expect("get").expect("the item stays");
    assert_eq!((read.state, read.url.clone(), read.expires_at), (LinkState::Deleted, None, None));
    assert_eq!(read, deleted);
    let reuse = link("gone-soon", "https://squatter.example/", None);
    assert!(matches!(store.put_new(&reuse).await, Err(PutError::Taken)));
    assert_eq!(store.get(&created.id).await.expect("get"), Some(deleted));
}

async fn a_disabled_link_reads_back_disabled_and_comes_back_when_enabled<S: Store>(store: S) {
    let created = link("phish-1", "https://login.bank.example.evil.example/", None);
    store.put_new(&created).await.expect("put");
    let now = OffsetDateTime::now_utc();
    let disabled = created.disabled(DisableReason::Phishing, Some("report #42".to_owned()), now).unwrap();
    store.replace(&disabled, 0).await.expect("disable");
    let read = store.get(&created.id).await.expect("get").expect("there");
    assert_eq!(read.state, LinkState::Disabled { reason: DisableReason::Phishing });
    assert_eq!(read.disabled_note.as_deref(), Some("report #42"));
    assert_eq!(read, disabled);
    let enabled = read.enabled(now).unwrap();
    store.replace(&enabled, 1).await.expect("enable");
    let read = store.get(&created.id).await.expect("get").expect("there");
    assert_eq!((read.state, read.disabled_note.clone(), read.version), (LinkState::Active, None, 2));
    assert_eq!(read.url, created.url);
}

async fn of_concurrent_edits_from_one_version_exactly_one_is_written<S: Store + 'static>(store: S) {
    let store = Arc::new(store);
    let created = link("hot-edit", "https://v0.example/", None);
    store.put_new(&created).await.expect("put");
    let edits = (0..20).map(|n| {
        let (store, created) = (Arc::clone(&store), created.clone());
        tokio::spawn(async move {
            let edited =
                created.edited(&edit_to(&format!("https://n{n}.example/")), OffsetDateTime::now_utc()).unwrap();
            (store.replace(&edited, 0).await, edited)
        })
    });
    let results = futures::future::join_all(edits).await.into_iter().map(|r| r.expect("task")).collect::<Vec<_>>();
    let winners: Vec<_> = results.iter().filter(|(r, _)| r.is_ok()).map(|(_, edited)| edited).collect();
    let conflicts = results.iter().filter(|(r, _)| matches!(r, Err(UpdateError::Conflict))).count();
    assert_eq!((winners.len(), conflicts), (1, 19), "{:?}", results.iter().map(|(r, _)| r).collect::<Vec<_>>());
    assert_eq!(store.get(&created.id).await.expect("get").as_ref(), Some(winners[0]));
}

async fn a_host_block_covers_its_subdomains_until_it_is_lifted<S: Store>(store: S) {
    let host = BlockedHost::parse("Evil.Example.").unwrap();
    let created_at = shortener_domain::to_millis(OffsetDateTime::now_utc());
    let block = HostBlock { host: host.clone(), reason: DisableReason::Malware, created_at };
    assert!(!store.is_blocked("evil.example").await.expect("read"));
    store.block(&block).await.expect("block");
    for covered in ["evil.example", "a.evil.example", "x.y.evil.example", "evil.example."] {
        assert!(store.is_blocked(covered).await.expect("read"), "{covered}");
    }
    for free in ["notevil.example", "example", "evil.example.com"] {
        assert!(!store.is_blocked(free).await.expect("read"), "{free}");
    }
    assert_eq!(store.list().await.expect("list"), vec![block]);
    assert!(store.unblock(&host).await.expect("unblock"));
    assert!(!store.unblock(&host).await.expect("second unblock"), "nothing left to lift");
    assert!(!store.is_blocked("a.evil.example").await.expect("read"));
    assert_eq!(store.list().await.expect("list"), vec![]);
}

async fn links_to_a_host_include_its_subdomains_and_nothing_else<S: Store>(store: S) {
    for (id, url) in [
        ("to-host", "https://evil.example/a"),
        ("to-sub", "http://cdn.evil.example:8080/b?c=d"),
        ("to-other", "https://notevil.example/evil.example"),
        ("to-deleted", "https://evil.example/gone"),
    ] {
        store.put_new(&link(id, url, None)).await.expect("put");
    }
    let gone = store.get(&ShortId::parse("to-deleted").unwrap()).await.expect("get").expect("there");
    store.replace(&gone.deleted(Actor::Operator, OffsetDateTime::now_utc()).unwrap(), 0).await.expect("delete");
    let found = store.links_to(&BlockedHost::parse("evil.example").unwrap()).await.expect("scan");
    let mut ids: Vec<String> = found.iter().map(|l| l.id.to_string()).collect();
    ids.sort();
    assert_eq!(ids, ["to-host", "to-sub"]);
}

/// Takes `2 × limit` creations from two handles at once: exactly `limit` are granted, numbered 1 to `limit`.
async fn quota_counts_to_the_limit_across_handles<S: QuotaCounter + 'static>(first: S, second: S) {
    const LIMIT: u32 = 5;
    let hour = shortener_domain::store::quota_hour(OffsetDateTime::now_utc());
    let handles = [Arc::new(first), Arc::new(second)];
    let takes = (0..2 * LIMIT).map(|n| {
        let store = Arc::clone(&handles[n as usize % 2]);
        tokio::spawn(async move { store.take("203.0.113.7", hour, LIMIT).await.expect("take") })
    });
    let outcomes: Vec<QuotaOutcome> =
        futures::future::join_all(takes).await.into_iter().map(|r| r.expect("task")).collect();
    let mut used: Vec<u32> = outcomes
        .iter()
        .filter_map(|o| match o {
            QuotaOutcome::Granted { used } => Some(*used),
            QuotaOutcome::Exhausted => None,
        })
        .collect();
    used.sort_unstable();
    assert_eq!(used, (1..=LIMIT).collect::<Vec<_>>(), "{outcomes:?}");
    assert_eq!(handles[0].take("203.0.113.7", hour, LIMIT).await.expect("take"), QuotaOutcome::Exhausted);
    assert_eq!(handles[1].take("198.51.100.1", hour, LIMIT).await.expect("take"), QuotaOutcome::Granted { used: 1 });
    assert_eq!(handles[1].take("203.0.113.7", hour + 1, LIMIT).await.expect("take"), QuotaOutcome::Granted { used: 1 });
    assert_eq!(handles[0].take("192.0.2.1", hour, 0).await.expect("take"), QuotaOutcome::Exhausted, "a zero limit");
}

/// The day the click tests read stats on.
const TODAY: Date = date!(2026 - 11 - 30);

/// A log of `ids` IDs clicked over the three days before [`TODAY`]: ID `n` gets `n + 1` viewer clicks and one bot
/// click on each day, `hour` telling the files of one test apart. Its tally has 3 × `ids` day counts.
fn busy_log(ids: usize, hour: u8) -> String {
    let mut lines = Vec::new();
    for n in 0..ids {
        for day in 27..=29 {
            for _ in 0..=n {
                lines.push(log_line(
                    &format!("2026-11-{day} {hour:02}:00:00"),
                    "GET",
                    &format!("/id{n:04}"),
                    301,
                    "Hit",
                    "Mozilla/5.0",
                ));
            }
            lines.push(log_line(
                &format!("2026-11-{day} {hour:02}:30:00"),
                "GET",
                &format!("/id{n:04}"),
                301,
                "Miss",
                "Slackbot-LinkExpanding 1.0",
            ));
        }
    }
    log_file(&lines)
}

fn id_of(n: usize) -> ShortId {
    ShortId::parse(&format!("id{n:04}")).unwrap()
}

/// Checks that every ID of a [`busy_log`] of `ids` IDs, recorded `times` times, reads back exactly.
async fn assert_busy_totals<S: ClickCounts>(store: &S, ids: usize, times: u64) {
    for n in 0..ids {
        let stats = store.stats(&id_of(n), TODAY, STATS_DAYS).await.expect("stats");
        let per_day = DayCount { clicks: (n as u64 + 1) * times, bots: times };
        assert_eq!((stats.clicks, stats.bots), (3 * per_day.clicks, 3 * per_day.bots), "id{n:04}");
        let counted: Vec<_> =
            stats.days.iter().filter(|d| d.clicks + d.bots > 0).map(|d| (d.date, d.clicks, d.bots)).collect();
        assert_eq!(
            counted,
            [27, 28, 29].map(|day| (
                Date::from_calendar_date(2026, time::Month::November, day).unwrap(),
                per_day.clicks,
                per_day.bots
            )),
            "id{n:04}"
        );
    }
}

async fn a_log_file_delivered_twice_counts_once<S: Store>(store: S) {
    let tally = Tally::from_log(&busy_log(70, 1));
    let chunks = tally.chunks().len();
    assert_eq!((tally.len(), chunks), (210, 210_usize.div_ceil(CHUNK_ITEMS)));
    let file = LogFileKey::new("logs/E2EXAMPLE.2026-11-29-01.a1b2c3d4.gz", "\"9b2cf535f27731c974343645a3985328\"");
    assert_eq!(store.record(&file, &tally).await.expect("first"), Recorded { applied: chunks, skipped: 0 });
    assert_eq!(store.record(&file, &tally).await.expect("replay"), Recorded { applied: 0, skipped: chunks });
    assert_busy_totals(&store, 70, 1).await;
}

async fn a_failure_halfway_then_a_retry_counts_every_click_once<S: Store + Clone>(store: S) {
    let tally = Tally::from_log(&busy_log(70, 2));
    let file = LogFileKey::new("logs/E2EXAMPLE.2026-11-29-02.e5f6a7b8.gz", "\"0a1b\"");
    let failing = FailAfterChunks::new(store.clone(), 1);
    assert!(matches!(failing.record(&file, &tally).await, Err(StoreError::Unavailable(_))));
    let partial: u64 = {
        let mut sum = 0;
        for n in 0..70 {
            sum += store.stats(&id_of(n), TODAY, STATS_DAYS).await.expect("stats").clicks;
        }
        sum
    };
    assert!(partial > 0 && partial < tally.summary().clicks, "one chunk of three was added: {partial}");
    assert_eq!(store.record(&file, &tally).await.expect("retry"), Recorded { applied: 2, skipped: 1 });
    assert_busy_totals(&store, 70, 1).await;
}

async fn two_log_files_add_up<S: Store>(store: S) {
    for hour in [3, 4] {
        let file = LogFileKey::new(&format!("logs/E2EXAMPLE.2026-11-29-{hour:02}.f00d.gz"), "\"1\"");
        store.record(&file, &Tally::from_log(&busy_log(5, hour))).await.expect("record");
    }
    assert_busy_totals(&store, 5, 2).await;
}

async fn counted_until_never_goes_back<S: Store>(store: S) {
    let at = |time: &str| {
        Tally::from_log(&log_file(&[log_line(&format!("2026-11-29 {time}"), "GET", "/abc1234", 301, "Hit", "-")]))
    };
    store.record(&LogFileKey::new("logs/late", "1"), &at("10:00:00")).await.expect("record");
    store.record(&LogFileKey::new("logs/early", "1"), &at("09:59:59")).await.expect("record");
    let id = ShortId::parse("abc1234").unwrap();
    let stats = store.stats(&id, TODAY, STATS_DAYS).await.expect("stats");
    assert_eq!(stats.counted_until, Some(time::macros::datetime!(2026-11-29 10:00:00 UTC)));
    assert_eq!(stats.clicks, 2);
    store.record(&LogFileKey::new("logs/later", "1"), &at("10:00:01")).await.expect("record");
    let stats = store.stats(&id, TODAY, STATS_DAYS).await.expect("stats");
    assert_eq!(stats.counted_until, Some(time::macros::datetime!(2026-11-29 10:00:01 UTC)));
}

async fn stats_of_an_id_never_clicked_are_zeros<S: Store>(store: S) {
    let stats = store.stats(&ShortId::parse("never-clicked").unwrap(), TODAY, STATS_DAYS).await.expect("stats");
    assert_eq!((stats.clicks, stats.bots, stats.counted_until), (0, 0, None));
    assert_eq!(stats.days.len(), usize::from(STATS_DAYS));
    assert_eq!(
        (stats.days.first().map(|d| d.date), stats.days.last().map(|d| d.date)),
        (Some(date!(2026 - 09 - 02)), Some(TODAY))
    );
    assert!(stats.days.iter().all(|d| d.clicks == 0 && d.bots == 0));
}

async fn stats_cover_the_last_days_only<S: Store>(store: S) {
    let lines = ["2026-09-01 23:59:59", "2026-09-02 00:00:00", "2026-11-30 23:59:59", "2026-12-01 00:00:00"]
        .map(|at| log_line(at, "GET", "/edges", 302, "RefreshHit", "Mozilla/5.0"));
    store.record(&LogFileKey::new("logs/edges", "1"), &Tally::from_log(&log_file(&lines))).await.expect("record");
    let stats = store.stats(&ShortId::parse("edges").unwrap(), TODAY, STATS_DAYS).await.expect("stats");
    assert_eq!(stats.clicks, 2, "the first and last day of the 90 count, the days around them do not");
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
    an_edit_reads_back_as_the_next_version,
    a_change_from_a_stale_version_is_a_conflict_and_writes_nothing,
    a_change_that_skips_or_repeats_a_version_is_refused,
    changing_an_unknown_id_is_not_found_and_creates_nothing,
    a_deleted_link_keeps_its_id_reserved,
    a_disabled_link_reads_back_disabled_and_comes_back_when_enabled,
    of_concurrent_edits_from_one_version_exactly_one_is_written,
    a_host_block_covers_its_subdomains_until_it_is_lifted,
    links_to_a_host_include_its_subdomains_and_nothing_else,
    a_log_file_delivered_twice_counts_once,
    a_failure_halfway_then_a_retry_counts_every_click_once,
    two_log_files_add_up,
    counted_until_never_goes_back,
    stats_of_an_id_never_clicked_are_zeros,
    stats_cover_the_last_days_only,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_quota_counts_to_the_limit_across_handles() {
    let (store, _dir) = testing::embedded_store();
    quota_counts_to_the_limit_across_handles(store.clone(), store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_quota_counts_to_the_limit_across_handles() {
    let settings = testing::fresh_dynamo_settings();
    let first = DynamoStore::connect(&settings).await;
    first.create_table_if_missing().await.expect("table");
    let second = DynamoStore::connect(&settings).await;
    quota_counts_to_the_limit_across_handles(first, second).await;
}

#[tokio::test]
async fn dynamodb_quota_items_carry_the_ttl_an_hour_after_their_hour() {
    let store = testing::dynamo_store().await;
    store.take("203.0.113.7", 10, 3).await.expect("take");
    let item = store
        .client()
        .get_item()
        .table_name(store.table())
        .key("PK", AttributeValue::S("QUOTA#203.0.113.7#10".to_owned()))
        .send()
        .await
        .expect("get");
    let item = item.item().expect("the quota item");
    assert_eq!(item.get("n"), Some(&AttributeValue::N("1".to_owned())));
    assert_eq!(item.get("expiresAt"), Some(&AttributeValue::N((12 * 3600).to_string())));
}

/// The JSON the embedded store wrote before links had a lifecycle.
const OLD_EMBEDDED_ITEM: &str = r#"{"url":"https://old.example/","createdAt":1700000000123,"expiresAt":1900000000}"#;

#[tokio::test]
async fn embedded_items_written_before_the_lifecycle_still_read_and_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("links.redb");
    {
        let db = redb::Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut table = txn.open_table(redb::TableDefinition::<&str, &[u8]>::new("links")).unwrap();
            table.insert("old-link", OLD_EMBEDDED_ITEM.as_bytes()).unwrap();
        }
        txn.commit().unwrap();
    }
    let store = shortener_domain::store::embedded::EmbeddedStore::open(&path).unwrap();
    an_old_item_reads_as_an_active_unowned_link_at_version_0(store).await;
}

#[tokio::test]
async fn dynamodb_items_written_before_the_lifecycle_still_read_and_change() {
    let store = testing::dynamo_store().await;
    store
        .client()
        .put_item()
        .table_name(store.table())
        .item("PK", AttributeValue::S("LINK#old-link".to_owned()))
        .item("url", AttributeValue::S("https://old.example/".to_owned()))
        .item("createdAt", AttributeValue::N("1700000000123".to_owned()))
        .item("expiresAt", AttributeValue::N("1900000000".to_owned()))
        .item("writeId", AttributeValue::S("0123456789abcdef0123456789abcdef".to_owned()))
        .send()
        .await
        .expect("raw put");
    an_old_item_reads_as_an_active_unowned_link_at_version_0(store).await;
}

async fn an_old_item_reads_as_an_active_unowned_link_at_version_0<S: Store>(store: S) {
    let id = ShortId::parse("old-link").unwrap();
    let read = store.get(&id).await.expect("get").expect("there");
    assert_eq!((read.state, read.version, read.token_hash, read.updated_at), (LinkState::Active, 0, None, None));
    assert_eq!(read.url, Some(target("https://old.example/")));
    assert_eq!(read.created_at.unix_timestamp_nanos(), 1_700_000_000_123_000_000);
    assert_eq!(read.expires_at.map(OffsetDateTime::unix_timestamp), Some(1_900_000_000));
    let disabled = read.disabled(DisableReason::Spam, None, OffsetDateTime::now_utc()).unwrap();
    assert!(matches!(store.replace(&Link { version: 2, ..disabled.clone() }, 1).await, Err(UpdateError::Conflict)));
    store.replace(&disabled, 0).await.expect("an item without a version is at version 0");
    assert_eq!(store.get(&id).await.expect("get"), Some(disabled));
}

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

/// The longest a call to a DynamoDB that refuses connections may take: each refusal is instant, and the one retry
/// waits at most a second of backoff. The refusing store allows each attempt far longer than this.
const REFUSED_CALL_BOUND: StdDuration = StdDuration::from_secs(2);

#[tokio::test]
async fn a_refusing_dynamodb_fails_as_unavailable_without_waiting_for_any_attempt_timeout() {
    let (store, settings) = testing::refusing_dynamo_store().await;
    let one_attempt = StdDuration::from_millis(settings.attempt_timeout_ms);
    assert!(REFUSED_CALL_BOUND * 4 < one_attempt, "an attempt timeout must dwarf the bound");
    let id = ShortId::parse("abc1234").unwrap();

    let started = Instant::now();
    let read = store.get(&id).await;
    let read_took = started.elapsed();
    assert!(matches!(read, Err(StoreError::Unavailable(_))), "{read:?}");
    assert!(read_took < REFUSED_CALL_BOUND, "a refused read took {read_took:?}; one attempt may take {one_attempt:?}");

    let started = Instant::now();
    let written = store.put_new(&link("abc1234", "https://example.com/", None)).await;
    let write_took = started.elapsed();
    assert!(matches!(written, Err(PutError::Store(StoreError::Unavailable(_)))), "{written:?}");
    assert!(
        write_took < REFUSED_CALL_BOUND,
        "a refused write took {write_took:?}; one attempt may take {one_attempt:?}"
    );
}

#[tokio::test]
async fn a_silent_dynamodb_is_given_up_on_once_every_attempt_has_timed_out_and_within_the_bound() {
    let (store, settings) = testing::silent_dynamo_store().await;
    let id = ShortId::parse("abc1234").unwrap();
    let started = Instant::now();
    let result = store.get(&id).await;
    let elapsed = started.elapsed();
    assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    let every_attempt = StdDuration::from_millis(settings.attempt_timeout_ms) * settings.max_attempts;
    assert!(elapsed >= every_attempt, "gave up after {elapsed:?}, before {every_attempt:?} of attempts timed out");
    assert!(elapsed <= settings.worst_case() + StdDuration::from_secs(1), "gave up only after {elapsed:?}");
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

#[tokio::test]
async fn dynamodb_local_shows_one_database_to_every_client_whatever_its_credentials_and_region() {
    let store = testing::dynamo_store().await;
    let someone_else = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version_latest()
            .endpoint_url(testing::dynamodb_endpoint())
            .region(aws_sdk_dynamodb::config::Region::new("eu-west-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("operator", "other", None, None, "test"))
            .build(),
    );

    let described = someone_else.describe_table().table_name(store.table()).send().await;

    assert!(
        described.is_ok(),
        "DynamoDB Local must run with -sharedDb, so the AWS CLI or an operator's profile sees the stack's table: \
         {described:?}"
    );
}
