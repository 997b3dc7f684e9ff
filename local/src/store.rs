//! Store selection: the local stack keeps links in an embedded redb file by default, or in DynamoDB on request,
//! behind one type that both handlers take.

use shortener_domain::{
    BlockedHost, HostBlock, Link, ShortId,
    clicks::{ClickStats, LogFileKey, TallyChunk},
    store::{
        ChunkOutcome, ClickCounts, HostBlocklist, LinkReader, LinkUpdater, LinkWriter, PutError, QuotaCounter,
        QuotaOutcome, StoreError, UpdateError, dynamodb::DynamoStore, embedded::EmbeddedStore,
    },
};

use time::{Date, OffsetDateTime};

use crate::{LocalConfig, StoreKind};

/// The store the local stack was started with.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// See [`StoreKind::Embedded`].
    Embedded(EmbeddedStore),
    /// See [`StoreKind::Dynamodb`].
    Dynamo(DynamoStore),
}

impl AnyStore {
    /// Opens the configured store, creating the data folder or (with `--create-table`) the table as asked.
    pub async fn open(config: &LocalConfig) -> anyhow::Result<Self> {
        Ok(match config.store {
            StoreKind::Embedded => {
                std::fs::create_dir_all(&config.data_dir)
                    .map_err(|e| anyhow::anyhow!("creating the data folder {:?}: {e}", config.data_dir))?;
                let path = config.data_dir.join("links.redb");
                let store = EmbeddedStore::open(&path)
                    .map_err(|e| anyhow::anyhow!("opening the embedded store {path:?}: {e:?}"))?;
                Self::Embedded(store)
            }
            StoreKind::Dynamodb => {
                let store = DynamoStore::connect(&config.dynamodb).await;
                if config.create_table {
                    store
                        .create_table_if_missing()
                        .await
                        .map_err(|e| anyhow::anyhow!("creating the table {:?}: {e:?}", config.dynamodb.table_name))?;
                }
                Self::Dynamo(store)
            }
        })
    }

    /// A description of the configured store, for the startup message.
    pub fn describe(config: &LocalConfig) -> String {
        match config.store {
            StoreKind::Embedded => format!("embedded store in {}", config.data_dir.join("links.redb").display()),
            StoreKind::Dynamodb => format!(
                "DynamoDB table {} at {}",
                config.dynamodb.table_name,
                config.dynamodb.endpoint.as_deref().unwrap_or("AWS")
            ),
        }
    }
}

/// `store.$call` on whichever store this is.
macro_rules! either {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Embedded($store) => $call.await,
            AnyStore::Dynamo($store) => $call.await,
        }
    };
}

impl LinkReader for AnyStore {
    async fn get(&self, id: &ShortId) -> Result<Option<Link>, StoreError> {
        either!(self, store => store.get(id))
    }
}

impl LinkWriter for AnyStore {
    async fn put_new(&self, link: &Link) -> Result<(), PutError> {
        either!(self, store => store.put_new(link))
    }
}

impl LinkUpdater for AnyStore {
    async fn replace(&self, link: &Link, expected_version: u64) -> Result<(), UpdateError> {
        either!(self, store => store.replace(link, expected_version))
    }
}

impl HostBlocklist for AnyStore {
    async fn block(&self, block: &HostBlock) -> Result<(), StoreError> {
        either!(self, store => store.block(block))
    }

    async fn unblock(&self, host: &BlockedHost) -> Result<bool, StoreError> {
        either!(self, store => store.unblock(host))
    }

    async fn list(&self) -> Result<Vec<HostBlock>, StoreError> {
        either!(self, store => store.list())
    }

    async fn is_blocked(&self, host: &str) -> Result<bool, StoreError> {
        either!(self, store => store.is_blocked(host))
    }
}

impl QuotaCounter for AnyStore {
    async fn take(&self, client: &str, hour: i64, limit: u32) -> Result<QuotaOutcome, StoreError> {
        either!(self, store => store.take(client, hour, limit))
    }
}

impl ClickCounts for AnyStore {
    async fn record_chunk(&self, file: &LogFileKey, chunk: &TallyChunk<'_>) -> Result<ChunkOutcome, StoreError> {
        either!(self, store => store.record_chunk(file, chunk))
    }

    async fn advance_counted_until(&self, at: OffsetDateTime) -> Result<(), StoreError> {
        either!(self, store => store.advance_counted_until(at))
    }

    async fn stats(&self, id: &ShortId, today: Date, days: u16) -> Result<ClickStats, StoreError> {
        either!(self, store => store.stats(id, today, days))
    }
}
