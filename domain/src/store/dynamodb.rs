//! The DynamoDB adapter: the single-table layout of docs/architecture.md (`PK = LINK#<id>`), a conditional put so
//! no link is ever overwritten (and a write token so a retried write knows its own item), eventually consistent
//! reads on the hot path, and timeouts and retries that make an unreachable store fail in bounded time.

use std::{collections::HashMap, time::Duration};

use aws_config::{BehaviorVersion, Region, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::{
    Client,
    client::Waiters,
    config::{Credentials, http::HttpResponse},
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::put_item::PutItemError,
    types::{
        AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
        ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TimeToLiveSpecification, TimeToLiveStatus,
    },
};

use super::{
    LinkReader, LinkWriter, PutError, StoreError, StoredParts,
    table::{EXPIRES_AT, PK},
};
use crate::{Link, ShortId};

/// Prefix of a link item's partition key.
const LINK_PREFIX: &str = "LINK#";
/// Target URL attribute (string).
const URL: &str = "url";
/// Creation time attribute (number, epoch milliseconds).
const CREATED_AT: &str = "createdAt";
/// Token of the write that created the item (string), see [`write_token`].
const WRITE_TOKEN: &str = "writeId";
/// Partition key read by [`DynamoStore::warm_up`]: no link has it, since link keys all start with `LINK#`.
const WARM_UP_KEY: &str = "WARM-UP";
/// How long `create_table_if_missing` waits for a new table to become active.
const TABLE_READY_WAIT: Duration = Duration::from_secs(120);

/// Where the table is and how long to wait for it.
#[derive(Debug, Clone, clap::Args)]
pub struct DynamoSettings {
    /// DynamoDB table holding the links. Required: a Lambda must never guess its table.
    #[arg(long = "table-name", env = "TABLE_NAME", value_name = "TABLE_NAME")]
    pub table_name: String,
    /// Endpoint override, for DynamoDB Local (`http://127.0.0.1:8000`); static dummy credentials are used with it.
    #[arg(long = "dynamodb-endpoint", env = "DYNAMODB_ENDPOINT", value_name = "DYNAMODB_ENDPOINT")]
    pub endpoint: Option<String>,
    /// Time allowed for one attempt of one DynamoDB call, in milliseconds (connecting included).
    #[arg(long = "dynamodb-attempt-timeout-ms", env = "DYNAMODB_ATTEMPT_TIMEOUT_MS", value_name = "DYNAMODB_ATTEMPT_TIMEOUT_MS", default_value_t = Self::DEFAULT_ATTEMPT_TIMEOUT_MS)]
    pub attempt_timeout_ms: u64,
    /// Attempts per DynamoDB call (1 = no retry). A call gives up after attempts × attempt timeout plus backoff.
    #[arg(long = "dynamodb-max-attempts", env = "DYNAMODB_MAX_ATTEMPTS", value_name = "DYNAMODB_MAX_ATTEMPTS", default_value_t = Self::DEFAULT_MAX_ATTEMPTS)]
    pub max_attempts: u32,
}

impl DynamoSettings {
    const DEFAULT_ATTEMPT_TIMEOUT_MS: u64 = 1000;
    const DEFAULT_MAX_ATTEMPTS: u32 = 2;

    /// Settings for the table `table_name` at `endpoint` with the default timeouts.
    pub fn new(table_name: impl Into<String>, endpoint: Option<String>) -> Self {
        Self {
            table_name: table_name.into(),
            endpoint,
            attempt_timeout_ms: Self::DEFAULT_ATTEMPT_TIMEOUT_MS,
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// The longest a call can take before it fails: every attempt timing out, plus retry backoff (≤ 1 s each).
    pub fn worst_case(&self) -> Duration {
        let attempts = self.max_attempts.max(1);
        Duration::from_millis(self.attempt_timeout_ms) * attempts + Duration::from_secs(u64::from(attempts - 1))
    }
}

/// Links in a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// Builds the SDK client once (region and credentials from the environment, as in Lambda).
    pub async fn connect(settings: &DynamoSettings) -> Self {
        let attempt = Duration::from_millis(settings.attempt_timeout_ms);
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(attempt)
                    .operation_attempt_timeout(attempt)
                    .operation_timeout(settings.worst_case())
                    .build(),
            )
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(settings.max_attempts.max(1))
                    .with_max_backoff(Duration::from_secs(1)),
            );
        if let Some(endpoint) = &settings.endpoint {
            loader = loader
                .endpoint_url(endpoint)
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("local", "local", None, None, "dynamodb-local"));
        }
        let config = loader.load().await;
        Self { client: Client::new(&config), table: settings.table_name.clone() }
    }

    /// Connects and warms up, as a function does at init. An unreachable DynamoDB is logged and tolerated: requests
    /// call it again, and a miss answers 503 meanwhile. A table that is missing or that the role may not read fails,
    /// with an error that names `TABLE_NAME`, since no request could ever succeed.
    pub async fn connect_warmed(settings: &DynamoSettings) -> Result<Self, StoreError> {
        let store = Self::connect(settings).await;
        match store.warm_up().await {
            Ok(()) => Ok(store),
            Err(StoreError::Unavailable(error)) => {
                tracing::warn!(%error, cause = ?error, "DynamoDB unreachable at init; requests will try again");
                Ok(store)
            }
            Err(StoreError::Rejected(detail)) => {
                Err(StoreError::Rejected(format!("TABLE_NAME={:?} cannot be read: {detail}", store.table)))
            }
            Err(other) => Err(other),
        }
    }

    /// Makes the cheapest call the functions' least-privilege roles allow, a `GetItem` of a key no link has, so that
    /// DNS, TLS and credentials are set up at init rather than on the first request (in AWS, that first call costs
    /// hundreds of milliseconds). [`StoreError::Rejected`] means the table is missing or the role may not read it;
    /// [`StoreError::Unavailable`] means DynamoDB could not be reached.
    pub async fn warm_up(&self) -> Result<(), StoreError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(WARM_UP_KEY.to_owned()))
            .projection_expression("#pk")
            .expression_attribute_names("#pk", PK)
            .send()
            .await
            .map(drop)
            .map_err(|error| {
                // The service's own code and message ("ResourceNotFoundException: ...") say it all for a log line.
                let summary = error
                    .as_service_error()
                    .map(|e| format!("{}: {}", e.code().unwrap_or("?"), e.message().unwrap_or("")));
                match (classify(error), summary) {
                    (StoreError::Rejected(_), Some(summary)) => StoreError::Rejected(summary),
                    (other, _) => other,
                }
            })
    }

    /// Creates the table (on-demand, `PK` string key) unless it exists, waits until it is active, and makes sure
    /// TTL on `expiresAt` is enabled (also on a table an earlier, interrupted run created).
    pub async fn create_table_if_missing(&self) -> Result<(), StoreError> {
        let invalid = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Rejected(e.to_string());
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(PK)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(invalid)?,
            )
            .key_schema(
                KeySchemaElement::builder().attribute_name(PK).key_type(KeyType::Hash).build().map_err(invalid)?,
            )
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => {}
            Err(e) => return Err(classify(e)),
        }
        self.client
            .wait_until_table_exists()
            .table_name(&self.table)
            .wait(TABLE_READY_WAIT)
            .await
            .map_err(|e| StoreError::unavailable(DisplayErrorContext(e).to_string()))?;
        let ttl = self.client.describe_time_to_live().table_name(&self.table).send().await.map_err(classify)?;
        let ttl_on = ttl.time_to_live_description().is_some_and(|d| {
            d.attribute_name() == Some(EXPIRES_AT)
                && matches!(d.time_to_live_status(), Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling))
        });
        if !ttl_on {
            self.client
                .update_time_to_live()
                .table_name(&self.table)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(EXPIRES_AT)
                        .enabled(true)
                        .build()
                        .map_err(invalid)?,
                )
                .send()
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    /// The SDK client, for callers that need a call this adapter does not wrap.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

fn key_of(id: &ShortId) -> AttributeValue {
    AttributeValue::S(format!("{LINK_PREFIX}{id}"))
}

/// Sorts an SDK error: what retrying later may fix (timeouts, connection failures, throttling, 5xx) is
/// [`StoreError::Unavailable`]; what it will not (a missing table, missing permissions, an invalid request) is
/// [`StoreError::Rejected`], so a broken deployment does not pass for a passing outage. The whole error chain is
/// kept, which `Display` alone would drop.
fn classify<E>(error: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let transient = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(service) => {
            service.raw().status().is_server_error()
                || matches!(
                    service.err().code(),
                    Some(
                        "ThrottlingException"
                            | "ProvisionedThroughputExceededException"
                            | "RequestLimitExceeded"
                            | "InternalServerError"
                            | "ServiceUnavailable"
                    )
                )
        }
        _ => false,
    };
    let detail = DisplayErrorContext(error).to_string();
    if transient { StoreError::unavailable(detail) } else { StoreError::Rejected(detail) }
}

/// A random token stored with each write, so that a write the SDK retried after losing its answer can recognise
/// its own item instead of reporting a conflict.
fn write_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Rejected(format!("no randomness for a write token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn link_from_item(id: &ShortId, item: &HashMap<String, AttributeValue>) -> Result<Link, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { id: id.to_string(), reason };
    let number = |name: &str| -> Result<Option<i64>, StoreError> {
        match item.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(n)) => n.parse().map(Some).map_err(|_| corrupt(format!("{name} is not an integer"))),
            Some(_) => Err(corrupt(format!("{name} is not a number"))),
        }
    };
    let Some(AttributeValue::S(url)) = item.get(URL) else {
        return Err(corrupt("url is missing".to_owned()));
    };
    StoredParts {
        url: url.into(),
        created_at_ms: number(CREATED_AT)?.ok_or_else(|| corrupt("createdAt is missing".to_owned()))?,
        expires_at_s: number(EXPIRES_AT)?,
    }
    .into_link(id)
}

impl DynamoStore {
    async fn get_item(&self, id: &ShortId, consistent: bool) -> Result<Option<Link>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, key_of(id))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(classify)?;
        output.item().map(|item| link_from_item(id, item)).transpose()
    }
}

impl LinkReader for DynamoStore {
    /// An eventually consistent read (half the cost, and what the hot path needs); only when it finds nothing is
    /// the answer confirmed with a strongly consistent read, so a link clicked right after its 201 is never
    /// reported (and negatively cached) as unknown.
    async fn get(&self, id: &ShortId) -> Result<Option<Link>, StoreError> {
        match self.get_item(id, false).await? {
            Some(link) => Ok(Some(link)),
            None => self.get_item(id, true).await,
        }
    }
}

impl LinkWriter for DynamoStore {
    async fn put_new(&self, link: &Link) -> Result<(), PutError> {
        let token = AttributeValue::S(write_token()?);
        let parts = StoredParts::of(link);
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, key_of(&link.id))
            .item(URL, AttributeValue::S(parts.url.into_owned()))
            .item(CREATED_AT, AttributeValue::N(parts.created_at_ms.to_string()))
            .item(WRITE_TOKEN, token.clone())
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(expires_at) = parts.expires_at_s {
            put = put.item(EXPIRES_AT, AttributeValue::N(expires_at.to_string()));
        }
        match put.send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                let existing = match e.err() {
                    PutItemError::ConditionalCheckFailedException(failed) => failed.item(),
                    _ => None,
                };
                // Our own token means an earlier attempt of this very call wrote the item and lost its answer.
                let ours = existing.and_then(|item| item.get(WRITE_TOKEN)) == Some(&token);
                if ours { Ok(()) } else { Err(PutError::Taken) }
            }
            Err(e) => Err(classify(e).into()),
        }
    }
}
