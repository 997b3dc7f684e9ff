//! Storage ports: one trait per capability, so a handler asks only for what it uses, and the adapters behind
//! them. Both adapters pass the same contract suite (`domain/tests/store_contract.rs`).

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod table;

#[cfg(any(feature = "dynamodb", feature = "embedded"))]
mod stored;

use std::{future::Future, sync::Arc};

use time::{Date, OffsetDateTime};

use crate::{
    BlockedHost, HostBlock, Link, ShortId,
    clicks::{ClickStats, LogFileKey, Tally, TallyChunk},
};

/// A store failure that is not the caller's fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached or did not answer in time: worth retrying later (HTTP 503).
    #[error("store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The store refused the call for a reason retrying will not fix (a missing table, missing permissions, an
    /// invalid request): a fault of ours, not an outage (HTTP 500).
    #[error("store rejected the call: {0}")]
    Rejected(String),
    /// An item exists but cannot be read back as a link.
    #[error("stored item for {id} is malformed: {reason}")]
    Corrupt {
        /// The ID of the unreadable item.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl StoreError {
    /// Wraps any error as [`StoreError::Unavailable`].
    pub fn unavailable(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unavailable(error.into())
    }
}

/// Why a new link was not written.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// A link with this ID already exists; nothing was written.
    #[error("the ID is taken")]
    Taken,
    /// The store failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a change to a link was not written.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The stored link is no longer at the version the change started from: another change came first, and
    /// nothing was written.
    #[error("the link was changed meanwhile")]
    Conflict,
    /// No link has this ID; nothing was written.
    #[error("no such link")]
    NotFound,
    /// The store failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether a creation was within the quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaOutcome {
    /// Counted: this was creation number `used` of the hour.
    Granted {
        /// Creations counted this hour, this one included.
        used: u32,
    },
    /// The hour's limit was already reached; nothing was counted.
    Exhausted,
}

/// The hour `at` falls in, counted from the Unix epoch: the period of a creation quota.
pub fn quota_hour(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().div_euclid(3600)
}

/// Reads links by ID: all that the resolver needs.
pub trait LinkReader: Send + Sync {
    /// The link stored under `id`, expired or not; `None` if there is none.
    fn get(&self, id: &ShortId) -> impl Future<Output = Result<Option<Link>, StoreError>> + Send;
}

/// Writes new links, never overwriting one.
pub trait LinkWriter: Send + Sync {
    /// Stores `link` only if its ID is free (a conditional put); [`PutError::Taken`] if any link holds it, even
    /// an identical one: of concurrent creates of one ID, exactly one succeeds. (An adapter whose transport
    /// retries internally must recognise its own earlier attempt and succeed.)
    fn put_new(&self, link: &Link) -> impl Future<Output = Result<(), PutError>> + Send;
}

/// Changes existing links: the owner's edits and deletion, the operator's takedown.
pub trait LinkUpdater: Send + Sync {
    /// Replaces the stored link with `link` (its [`Link::version`] one more than `expected_version`) only if the
    /// stored one is still at `expected_version` (a conditional write): of concurrent changes made from the same
    /// version, exactly one is written and the others get [`UpdateError::Conflict`]. An item written before
    /// versions existed counts as version 0.
    fn replace(&self, link: &Link, expected_version: u64) -> impl Future<Output = Result<(), UpdateError>> + Send;
}

/// Finds links by where they lead, for the operator's "disable every link to a blocked host". An operator's
/// command, not a request's: the DynamoDB adapter scans the whole table.
pub trait LinksByHost: Send + Sync {
    /// Every link, in any state but deleted, whose target's host is `host` or a subdomain of it.
    fn links_to(&self, host: &BlockedHost) -> impl Future<Output = Result<Vec<Link>, StoreError>> + Send;
}

/// Target hosts the operator has refused.
pub trait HostBlocklist: Send + Sync {
    /// Blocks `block.host`, replacing an earlier block of the same host.
    fn block(&self, block: &HostBlock) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Lifts the block of exactly `host` (blocks of its parent domains stay); whether there was one.
    fn unblock(&self, host: &BlockedHost) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Every block, ordered by host.
    fn list(&self) -> impl Future<Output = Result<Vec<HostBlock>, StoreError>> + Send;
    /// Whether a block covers `host` (a target URL's host): a block of the host itself or of any parent domain.
    fn is_blocked(&self, host: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Counts anonymous creations per client and hour, across every instance that shares the store.
pub trait QuotaCounter: Send + Sync {
    /// Counts one creation by `client` (an address) in `hour` (see [`quota_hour`]) if fewer than `limit` were
    /// counted before, atomically; [`QuotaOutcome::Exhausted`] otherwise. The count is forgotten an hour after
    /// the hour ends. (A call the transport retried after losing the answer may count twice: a quota may err
    /// towards strictness.)
    fn take(
        &self,
        client: &str,
        hour: i64,
        limit: u32,
    ) -> impl Future<Output = Result<QuotaOutcome, StoreError>> + Send;
}

/// What applying one chunk of a log file's tally came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// Its counts were added now.
    Applied,
    /// Its marker was already there: an earlier delivery or attempt added its counts, and nothing was added.
    AlreadyApplied,
}

/// What recording a log file came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Chunks whose counts were added by this call.
    pub applied: usize,
    /// Chunks an earlier delivery or attempt had already added.
    pub skipped: usize,
}

/// Click counts per short ID and UTC day, added from the edge's log files exactly once per file.
///
/// Log files arrive at least once (S3 notifications, queue redeliveries, a function retried after failing
/// halfway), so every chunk of a file's tally ([`Tally::chunks`]) is added in one transaction with a marker
/// naming the file and the chunk, written only if absent: a chunk delivered again adds nothing, and a retry
/// after a failure adds exactly the chunks that were not added before.
pub trait ClickCounts: Send + Sync {
    /// Adds `chunk`'s counts and writes its marker in one transaction, unless the marker of (`file`,
    /// `chunk.index`) exists. Markers are kept longer than any redelivery can come (DynamoDB: 30 days).
    fn record_chunk(
        &self,
        file: &LogFileKey,
        chunk: &TallyChunk<'_>,
    ) -> impl Future<Output = Result<ChunkOutcome, StoreError>> + Send;

    /// Moves `countedUntil` forward to `at`; an older `at` leaves it as it is.
    fn advance_counted_until(&self, at: OffsetDateTime) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The counts of `id` for the `days` days ending with `today` (see [`crate::clicks::STATS_DAYS`]), every day
    /// listed, and `countedUntil`. An ID never counted has zeros.
    fn stats(
        &self,
        id: &ShortId,
        today: Date,
        days: u16,
    ) -> impl Future<Output = Result<ClickStats, StoreError>> + Send;

    /// Records the tally of log file `file` exactly once: each chunk in order, then `countedUntil`. After an
    /// error, calling it again with the same file and tally adds what is missing and nothing twice.
    fn record(&self, file: &LogFileKey, tally: &Tally) -> impl Future<Output = Result<Recorded, StoreError>> + Send {
        async move {
            let mut recorded = Recorded::default();
            for chunk in tally.chunks() {
                match self.record_chunk(file, &chunk).await? {
                    ChunkOutcome::Applied => recorded.applied += 1,
                    ChunkOutcome::AlreadyApplied => recorded.skipped += 1,
                }
            }
            if let Some(newest) = tally.newest() {
                self.advance_counted_until(newest).await?;
            }
            Ok(recorded)
        }
    }
}

impl<T: LinkReader> LinkReader for Arc<T> {
    fn get(&self, id: &ShortId) -> impl Future<Output = Result<Option<Link>, StoreError>> + Send {
        T::get(self, id)
    }
}

impl<T: LinkWriter> LinkWriter for Arc<T> {
    fn put_new(&self, link: &Link) -> impl Future<Output = Result<(), PutError>> + Send {
        T::put_new(self, link)
    }
}

impl<T: LinkUpdater> LinkUpdater for Arc<T> {
    fn replace(&self, link: &Link, expected_version: u64) -> impl Future<Output = Result<(), UpdateError>> + Send {
        T::replace(self, link, expected_version)
    }
}

impl<T: LinksByHost> LinksByHost for Arc<T> {
    fn links_to(&self, host: &BlockedHost) -> impl Future<Output = Result<Vec<Link>, StoreError>> + Send {
        T::links_to(self, host)
    }
}

impl<T: HostBlocklist> HostBlocklist for Arc<T> {
    fn block(&self, block: &HostBlock) -> impl Future<Output = Result<(), StoreError>> + Send {
        T::block(self, block)
    }

    fn unblock(&self, host: &BlockedHost) -> impl Future<Output = Result<bool, StoreError>> + Send {
        T::unblock(self, host)
    }

    fn list(&self) -> impl Future<Output = Result<Vec<HostBlock>, StoreError>> + Send {
        T::list(self)
    }

    fn is_blocked(&self, host: &str) -> impl Future<Output = Result<bool, StoreError>> + Send {
        T::is_blocked(self, host)
    }
}

impl<T: ClickCounts> ClickCounts for Arc<T> {
    fn record_chunk(
        &self,
        file: &LogFileKey,
        chunk: &TallyChunk<'_>,
    ) -> impl Future<Output = Result<ChunkOutcome, StoreError>> + Send {
        T::record_chunk(self, file, chunk)
    }

    fn advance_counted_until(&self, at: OffsetDateTime) -> impl Future<Output = Result<(), StoreError>> + Send {
        T::advance_counted_until(self, at)
    }

    fn stats(
        &self,
        id: &ShortId,
        today: Date,
        days: u16,
    ) -> impl Future<Output = Result<ClickStats, StoreError>> + Send {
        T::stats(self, id, today, days)
    }
}

impl<T: QuotaCounter> QuotaCounter for Arc<T> {
    fn take(
        &self,
        client: &str,
        hour: i64,
        limit: u32,
    ) -> impl Future<Output = Result<QuotaOutcome, StoreError>> + Send {
        T::take(self, client, hour, limit)
    }
}
