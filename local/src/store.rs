//! Store selection: the local stack keeps links in an embedded redb file by default, or in DynamoDB on request,
//! behind one type that both handlers take.

use shortener_domain::{
    Link, ShortId,
    store::{LinkReader, LinkWriter, PutError, StoreError, dynamodb::DynamoStore, embedded::EmbeddedStore},
};

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

impl LinkReader for AnyStore {
    async fn get(&self, id: &ShortId) -> Result<Option<Link>, StoreError> {
        match self {
            Self::Embedded(store) => store.get(id).await,
            Self::Dynamo(store) => store.get(id).await,
        }
    }
}

impl LinkWriter for AnyStore {
    async fn put_new(&self, link: &Link) -> Result<(), PutError> {
        match self {
            Self::Embedded(store) => store.put_new(link).await,
            Self::Dynamo(store) => store.put_new(link).await,
        }
    }
}
