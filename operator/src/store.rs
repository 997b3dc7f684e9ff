//! Opening the store the operator named: the local stack's redb file (which only one process may hold) or a
//! DynamoDB table.

use std::path::PathBuf;

use shortener_domain::store::{StoreError, dynamodb::DynamoStore, embedded::EmbeddedStore};
use shortener_local::{AnyStore, StoreKind};

use crate::{OperatorError, StoreArgs};

/// The file the local stack keeps its embedded store in, inside its data folder.
const EMBEDDED_FILE: &str = "links.redb";

/// Opens the store `args` name. The embedded store must already exist (a mistyped `--data-dir` should not look
/// like an empty store), and must not be held by a running local stack.
pub async fn open_store(args: &StoreArgs) -> Result<AnyStore, OperatorError> {
    match args.store {
        StoreKind::Embedded => {
            let path = args.data_dir.join(EMBEDDED_FILE);
            if !path.is_file() {
                return Err(OperatorError::NoEmbeddedStore(path));
            }
            EmbeddedStore::open(&path).map(AnyStore::Embedded).map_err(|error| embedded_open_error(path, error))
        }
        StoreKind::Dynamodb => Ok(AnyStore::Dynamo(DynamoStore::connect(&args.dynamodb).await)),
    }
}

fn embedded_open_error(path: PathBuf, error: StoreError) -> OperatorError {
    let held = matches!(
        &error,
        StoreError::Unavailable(source)
            if matches!(source.downcast_ref::<redb::DatabaseError>(), Some(redb::DatabaseError::DatabaseAlreadyOpen))
    );
    if held { OperatorError::EmbeddedStoreHeld(path) } else { OperatorError::Store(error) }
}
