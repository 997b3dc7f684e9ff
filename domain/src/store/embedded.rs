//! The embedded adapter: redb, a pure-Rust ACID key-value store in one file, for the local stack.
//!
//! Chosen over SQLite because it needs no C toolchain, and because its write transactions are serialized and
//! durable on commit (fsync before `commit` returns), which is exactly the conditional put and the
//! "acknowledged means stored" promise the API makes.

use std::{path::Path, sync::Arc};

use super::{LinkReader, LinkWriter, PutError, StoreError, StoredParts};
use crate::{Link, ShortId};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

/// Links by ID; the value is the JSON of [`StoredParts`], the same attribute names and units as the DynamoDB item.
const LINKS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("links");

/// A link store in a redb file.
#[derive(Debug, Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

impl EmbeddedStore {
    /// Opens the database file at `path`, creating it (and its table) if needed.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(StoreError::unavailable)?;
        let txn = db.begin_write().map_err(StoreError::unavailable)?;
        txn.open_table(LINKS).map_err(StoreError::unavailable)?;
        txn.commit().map_err(StoreError::unavailable)?;
        Ok(Self { db: Arc::new(db) })
    }

    fn read(db: &Database, id: &ShortId) -> Result<Option<Link>, StoreError> {
        let txn = db.begin_read().map_err(StoreError::unavailable)?;
        let table = txn.open_table(LINKS).map_err(StoreError::unavailable)?;
        let Some(value) = table.get(id.as_str()).map_err(StoreError::unavailable)? else {
            return Ok(None);
        };
        let parts: StoredParts<'_> = serde_json::from_slice(value.value())
            .map_err(|e| StoreError::Corrupt { id: id.to_string(), reason: e.to_string() })?;
        parts.into_link(id).map(Some)
    }

    fn write_new(db: &Database, link: &Link) -> Result<(), PutError> {
        let value = serde_json::to_vec(&StoredParts::of(link)).map_err(StoreError::unavailable)?;
        let mut txn = db.begin_write().map_err(StoreError::unavailable)?;
        txn.set_durability(Durability::Immediate).map_err(StoreError::unavailable)?;
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
}

impl LinkReader for EmbeddedStore {
    async fn get(&self, id: &ShortId) -> Result<Option<Link>, StoreError> {
        let db = Arc::clone(&self.db);
        let id = id.clone();
        tokio::task::spawn_blocking(move || Self::read(&db, &id)).await.map_err(StoreError::unavailable)?
    }
}

impl LinkWriter for EmbeddedStore {
    async fn put_new(&self, link: &Link) -> Result<(), PutError> {
        let db = Arc::clone(&self.db);
        let link = link.clone();
        tokio::task::spawn_blocking(move || Self::write_new(&db, &link)).await.map_err(StoreError::unavailable)?
    }
}
