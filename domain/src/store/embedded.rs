//! The embedded adapter: redb, a pure-Rust ACID key-value store in one file, for the local stack.
//!
//! Chosen over SQLite because it needs no C toolchain, and because its write transactions are serialized and
//! durable on commit (fsync before `commit` returns), which is exactly the conditional put and the
//! "acknowledged means stored" promise the API makes.

use std::{path::Path, sync::Arc};

use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use time::{Date, OffsetDateTime};

use super::{
    ChunkOutcome, ClickCounts, HostBlocklist, LinkReader, LinkUpdater, LinkWriter, LinksByHost, PutError, QuotaCounter,
    QuotaOutcome, StoreError, UpdateError,
    stored::{StoredBlock, StoredParts, check_successor, day_key},
};
use crate::{
    BlockedHost, HostBlock, Link, ShortId,
    clicks::{ClickStats, DayCount, LogFileKey, TallyChunk},
    covering_hosts,
};

/// Links by ID; the value is the JSON of [`StoredParts`], the same attribute names and units as the DynamoDB item.
const LINKS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("links");
/// Host blocks by host; the value is the JSON of [`StoredBlock`].
const BLOCKS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("blocks");
/// Creation counts by hour and client. Ordered by hour first, so every past hour is one range to forget.
const QUOTAS: TableDefinition<'_, (i64, &str), u32> = TableDefinition::new("quotas");
/// Click counts by ID and UTC day (`YYYY-MM-DD`, so a range of days is a range of keys): (clicks, bots).
const CLICKS: TableDefinition<'_, (&str, &str), (u64, u64)> = TableDefinition::new("clicks");
/// Markers of the log-file chunks already counted, by file and chunk.
const LOG_CHUNKS: TableDefinition<'_, (&str, u64), ()> = TableDefinition::new("log_chunks");
/// Single values: `countedUntil` (epoch seconds).
const META: TableDefinition<'_, &str, i64> = TableDefinition::new("meta");
/// The key of `countedUntil` in [`META`].
const COUNTED_UNTIL: &str = "countedUntil";

/// Memory redb may use to cache the file's pages. Its default, 1 GiB, lets resident memory grow with every link
/// created; hot links are served from the resolver's own cache, so a few MiB of pages are plenty.
const PAGE_CACHE_BYTES: usize = 4 * 1024 * 1024;

/// A link store in a redb file.
#[derive(Debug, Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

impl EmbeddedStore {
    /// Opens the database file at `path`, creating it (and its tables) if needed.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::builder().set_cache_size(PAGE_CACHE_BYTES).create(path).map_err(StoreError::unavailable)?;
        let txn = db.begin_write().map_err(StoreError::unavailable)?;
        txn.open_table(LINKS).map_err(StoreError::unavailable)?;
        txn.open_table(BLOCKS).map_err(StoreError::unavailable)?;
        txn.open_table(QUOTAS).map_err(StoreError::unavailable)?;
        txn.open_table(CLICKS).map_err(StoreError::unavailable)?;
        txn.open_table(LOG_CHUNKS).map_err(StoreError::unavailable)?;
        txn.open_table(META).map_err(StoreError::unavailable)?;
        txn.commit().map_err(StoreError::unavailable)?;
        Ok(Self { db: Arc::new(db) })
    }

    /// Runs `work` on the database on a thread that may block, as redb's calls do.
    async fn blocking<T, E>(&self, work: impl FnOnce(&Database) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || work(&db)).await.map_err(|e| E::from(StoreError::unavailable(e)))?
    }

    /// A write transaction that is on disk when `commit` returns.
    fn begin_durable(db: &Database) -> Result<WriteTransaction, StoreError> {
        let mut txn = db.begin_write().map_err(StoreError::unavailable)?;
        txn.set_durability(Durability::Immediate).map_err(StoreError::unavailable)?;
        Ok(txn)
    }

    fn parse_link(id: &ShortId, value: &[u8]) -> Result<Link, StoreError> {
        let parts: StoredParts<'_> = serde_json::from_slice(value)
            .map_err(|e| StoreError::Corrupt { id: id.to_string(), reason: e.to_string() })?;
        parts.into_link(id)
    }

    fn read(db: &Database, id: &ShortId) -> Result<Option<Link>, StoreError> {
        let txn = db.begin_read().map_err(StoreError::unavailable)?;
        let table = txn.open_table(LINKS).map_err(StoreError::unavailable)?;
        let Some(value) = table.get(id.as_str()).map_err(StoreError::unavailable)? else {
            return Ok(None);
        };
        Self::parse_link(id, value.value()).map(Some)
    }

    fn write_new(db: &Database, link: &Link) -> Result<(), PutError> {
        let value = serde_json::to_vec(&StoredParts::of(link)).map_err(StoreError::unavailable)?;
        let txn = Self::begin_durable(db)?;
        {
            let mut table = txn.open_table(LINKS).map_err(StoreError::unavailable)?;
            if table.get(link.id.as_str()).map_err(StoreError::unavailable)?.is_some() {
                return Err(PutError::Taken);
            }
            table.insert(link.id.as_str(), value.as_slice()).map_err(StoreError::unavailable)?;
        }
        txn.commit().map_err(StoreError::unavailable)?;
        Ok(())
    }

    /// Write transactions are serialized, so reading the version and writing in one of them is the condition.
    fn write_next(db: &Database, link: &Link, expected_version: u64) -> Result<(), UpdateError> {
        check_successor(link, expected_version)?;
        let value = serde_json::to_vec(&StoredParts::of(link)).map_err(StoreError::unavailable)?;
        let txn = Self::begin_durable(db)?;
        {
            let mut table = txn.open_table(LINKS).map_err(StoreError::unavailable)?;
            let stored_version = match table.get(link.id.as_str()).map_err(StoreError::unavailable)? {
                None => return Err(UpdateError::NotFound),
                Some(stored) => Self::parse_link(&link.id, stored.value())?.version,
            };
            if stored_version != expected_version {
                return Err(UpdateError::Conflict);
            }
            table.insert(link.id.as_str(), value.as_slice()).map_err(StoreError::unavailable)?;
        }
        txn.commit().map_err(StoreError::unavailable)?;
        Ok(())
    }

    fn links_to_host(db: &Database, host: &BlockedHost) -> Result<Vec<Link>, StoreError> {
        let txn = db.begin_read().map_err(StoreError::unavailable)?;
        let table = txn.open_table(LINKS).map_err(StoreError::unavailable)?;
        let mut links = Vec::new();
        for entry in table.iter().map_err(StoreError::unavailable)? {
            let (key, value) = entry.map_err(StoreError::unavailable)?;
            let id = ShortId::parse(key.value())
                .map_err(|e| StoreError::Corrupt { id: key.value().to_owned(), reason: e.to_string() })?;
            let link = Self::parse_link(&id, value.value())?;
            if link.url.as_ref().is_some_and(|url| host.covers(url.host())) {
                links.push(link);
            }
        }
        Ok(links)
    }

    fn write_block(db: &Database, block: &HostBlock) -> Result<(), StoreError> {
        let value = serde_json::to_vec(&StoredBlock::of(block)).map_err(StoreError::unavailable)?;
        let txn = Self::begin_durable(db)?;
        {
            let mut table = txn.open_table(BLOCKS).map_err(StoreError::unavailable)?;
            table.insert(block.host.as_str(), value.as_slice()).map_err(StoreError::unavailable)?;
        }
        txn.commit().map_err(StoreError::unavailable)
    }

    fn remove_block(db: &Database, host: &BlockedHost) -> Result<bool, StoreError> {
        let txn = Self::begin_durable(db)?;
        let removed = {
            let mut table = txn.open_table(BLOCKS).map_err(StoreError::unavailable)?;
            table.remove(host.as_str()).map_err(StoreError::unavailable)?.is_some()
        };
        txn.commit().map_err(StoreError::unavailable)?;
        Ok(removed)
    }

    fn read_blocks(db: &Database) -> Result<Vec<HostBlock>, StoreError> {
        let txn = db.begin_read().map_err(StoreError::unavailable)?;
        let table = txn.open_table(BLOCKS).map_err(StoreError::unavailable)?;
        let mut blocks = Vec::new();
        for entry in table.iter().map_err(StoreError::unavailable)? {
            let (host, value) = entry.map_err(StoreError::unavailable)?;
            let host = host.value();
            let parts: StoredBlock<'_> = serde_json::from_slice(value.value())
                .map_err(|e| StoreError::Corrupt { id: format!("block of {host}"), reason: e.to_string() })?;
            blocks.push(parts.into_block(host)?);
        }
        Ok(blocks)
    }

    fn any_block_covers(db: &Database, host: &str) -> Result<bool, StoreError> {
        let txn = db.begin_read().map_err(StoreError::unavailable)?;
        let table = txn.open_table(BLOCKS).map_err(StoreError::unavailable)?;
        for candidate in covering_hosts(host) {
            if table.get(candidate.as_str()).map_err(StoreError::unavailable)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Counts in one write transaction, after forgetting every hour before `hour` (what the TTL does in
    /// DynamoDB), so the table holds about one hour of clients.
    fn count(db: &Database, client: &str, hour: i64, limit: u32) -> Result<QuotaOutcome, StoreError> {
        let txn = Self::begin_durable(db)?;
        let outcome = {
            let mut table = txn.open_table(QUOTAS).map_err(StoreError::unavailable)?;
            table.retain_in(..(hour, ""), |_, _| false).map_err(StoreError::unavailable)?;
            let used = table.get((hour, client)).map_err(StoreError::unavailable)?.map_or(0, |n| n.value());
            if used >= limit {
                QuotaOutcome::Exhausted
            } else {
                table.insert((hour, client), used + 1).map_err(StoreError::unavailable)?;
                QuotaOutcome::Granted { used: used + 1 }
            }
        };
        txn.commit().map_err(StoreError::unavailable)?;
        Ok(outcome)
    }
}

/// A chunk of a tally, owned, to cross onto a blocking thread.
type OwnedChunk = (u64, Vec<(String, String, DayCount)>);

impl EmbeddedStore {
    /// Adds the chunk and writes its marker in one durable write transaction, unless the marker is there.
    fn add_chunk(db: &Database, file: &str, (index, entries): &OwnedChunk) -> Result<ChunkOutcome, StoreError> {
        let txn = Self::begin_durable(db)?;
        {
            let mut markers = txn.open_table(LOG_CHUNKS).map_err(StoreError::unavailable)?;
            if markers.get((file, *index)).map_err(StoreError::unavailable)?.is_some() {
                return Ok(ChunkOutcome::AlreadyApplied);
            }
            markers.insert((file, *index), ()).map_err(StoreError::unavailable)?;
            let mut clicks = txn.open_table(CLICKS).map_err(StoreError::unavailable)?;
            for (id, day, count) in entries {
                let key = (id.as_str(), day.as_str());
                let (old_clicks, old_bots) =
                    clicks.get(key).map_err(StoreError::unavailable)?.map_or((0, 0), |v| v.value());
                let sum = (old_clicks.saturating_add(count.clicks), old_bots.saturating_add(count.bots));
                clicks.insert(key, sum).map_err(StoreError::unavailable)?;
            }
        }
        txn.commit().map_err(StoreError::unavailable)?;
        Ok(ChunkOutcome::Applied)
    }

    fn advance(db: &Database, at: i64) -> Result<(), StoreError> {
        let txn = Self::begin_durable(db)?;
        {
            let mut meta = txn.open_table(META).map_err(StoreError::unavailable)?;
            let old = meta.get(COUNTED_UNTIL).map_err(StoreError::unavailable)?.map(|v| v.value());
            if old.is_none_or(|old| old < at) {
                meta.insert(COUNTED_UNTIL, at).map_err(StoreError::unavailable)?;
            }
        }
        txn.commit().map_err(StoreError::unavailable)
    }

    fn read_stats(db: &Database, id: &ShortId, today: Date, days: u16) -> Result<ClickStats, StoreError> {
        let txn = db.begin_read().map_err(StoreError::unavailable)?;
        let clicks = txn.open_table(CLICKS).map_err(StoreError::unavailable)?;
        let meta = txn.open_table(META).map_err(StoreError::unavailable)?;
        let counted_until = match meta.get(COUNTED_UNTIL).map_err(StoreError::unavailable)? {
            Some(seconds) => Some(
                OffsetDateTime::from_unix_timestamp(seconds.value())
                    .map_err(|e| StoreError::Corrupt { id: COUNTED_UNTIL.to_owned(), reason: e.to_string() })?,
            ),
            None => None,
        };
        let mut found = std::collections::HashMap::new();
        let first = crate::clicks::stats_days(today, days).next().unwrap_or(today);
        let (from, to) = (day_key(first), day_key(today));
        for entry in
            clicks.range((id.as_str(), from.as_str())..=(id.as_str(), to.as_str())).map_err(StoreError::unavailable)?
        {
            let (key, value) = entry.map_err(StoreError::unavailable)?;
            let (clicks, bots) = value.value();
            found.insert(key.value().1.to_owned(), DayCount { clicks, bots });
        }
        Ok(ClickStats::over_days(today, days, counted_until, |date| {
            found.get(&day_key(date)).copied().unwrap_or_default()
        }))
    }
}

impl ClickCounts for EmbeddedStore {
    /// One durable write transaction per chunk, the marker checked and written inside it.
    async fn record_chunk(&self, file: &LogFileKey, chunk: &TallyChunk<'_>) -> Result<ChunkOutcome, StoreError> {
        let file = file.as_str().to_owned();
        let owned: OwnedChunk = (
            u64::try_from(chunk.index).unwrap_or(u64::MAX),
            chunk.entries.iter().map(|(id, date, count)| (id.to_string(), day_key(*date), *count)).collect(),
        );
        self.blocking(move |db| Self::add_chunk(db, &file, &owned)).await
    }

    async fn advance_counted_until(&self, at: OffsetDateTime) -> Result<(), StoreError> {
        let at = at.unix_timestamp();
        self.blocking(move |db| Self::advance(db, at)).await
    }

    /// One range read of the ID's days.
    async fn stats(&self, id: &ShortId, today: Date, days: u16) -> Result<ClickStats, StoreError> {
        let id = id.clone();
        self.blocking(move |db| Self::read_stats(db, &id, today, days)).await
    }
}

impl LinkReader for EmbeddedStore {
    async fn get(&self, id: &ShortId) -> Result<Option<Link>, StoreError> {
        let id = id.clone();
        self.blocking(move |db| Self::read(db, &id)).await
    }
}

impl LinkWriter for EmbeddedStore {
    async fn put_new(&self, link: &Link) -> Result<(), PutError> {
        let link = link.clone();
        self.blocking(move |db| Self::write_new(db, &link)).await
    }
}

impl LinkUpdater for EmbeddedStore {
    async fn replace(&self, link: &Link, expected_version: u64) -> Result<(), UpdateError> {
        let link = link.clone();
        self.blocking(move |db| Self::write_next(db, &link, expected_version)).await
    }
}

impl LinksByHost for EmbeddedStore {
    /// Reads every link: fine for the local stack's store.
    async fn links_to(&self, host: &BlockedHost) -> Result<Vec<Link>, StoreError> {
        let host = host.clone();
        self.blocking(move |db| Self::links_to_host(db, &host)).await
    }
}

impl HostBlocklist for EmbeddedStore {
    async fn block(&self, block: &HostBlock) -> Result<(), StoreError> {
        let block = block.clone();
        self.blocking(move |db| Self::write_block(db, &block)).await
    }

    async fn unblock(&self, host: &BlockedHost) -> Result<bool, StoreError> {
        let host = host.clone();
        self.blocking(move |db| Self::remove_block(db, &host)).await
    }

    async fn list(&self) -> Result<Vec<HostBlock>, StoreError> {
        self.blocking(Self::read_blocks).await
    }

    async fn is_blocked(&self, host: &str) -> Result<bool, StoreError> {
        let host = host.to_owned();
        self.blocking(move |db| Self::any_block_covers(db, &host)).await
    }
}

impl QuotaCounter for EmbeddedStore {
    async fn take(&self, client: &str, hour: i64, limit: u32) -> Result<QuotaOutcome, StoreError> {
        let client = client.to_owned();
        self.blocking(move |db| Self::count(db, &client, hour, limit)).await
    }
}
