//! The DynamoDB adapter: the single-table layout of docs/architecture.md (`PK = LINK#<id>`, `BLOCK#<host>`,
//! `QUOTA#<client>#<hour>`), a conditional put so no link is ever overwritten and a version condition on every
//! change (with a write token so a retried write knows its own item), strongly consistent reads of links, click
//! counts added in transactions that carry an idempotency marker per log-file chunk, and timeouts and retries that
//! make an unreachable store fail in bounded time.

use std::{collections::HashMap, time::Duration};

use aws_config::{BehaviorVersion, Region, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::{
    Client,
    client::Waiters,
    config::{Credentials, http::HttpResponse},
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::{
        put_item::{PutItemError, builders::PutItemFluentBuilder},
        transact_write_items::TransactWriteItemsError,
        update_item::UpdateItemError,
    },
    types::{
        AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, KeysAndAttributes, Put,
        ReturnValue, ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TimeToLiveSpecification,
        TimeToLiveStatus, TransactWriteItem, Update,
    },
};
use time::{Date, OffsetDateTime};

use super::{
    ChunkOutcome, ClickCounts, HostBlocklist, LinkReader, LinkUpdater, LinkWriter, LinksByHost, PutError, QuotaCounter,
    QuotaOutcome, StoreError, UpdateError,
    stored::{
        COUNT_RETENTION_DAYS, MARKER_RETENTION_DAYS, StoredBlock, StoredParts, check_successor, day_key, quota_expiry_s,
    },
    table::{CLICKS_PREFIX, COUNTED_UNTIL_KEY, EXPIRES_AT, LINK_PREFIX, LOG_PREFIX, PK, WARM_UP_KEY},
};
use crate::{
    BlockedHost, HostBlock, Link, ShortId,
    clicks::{ClickStats, DayCount, LogFileKey, TallyChunk},
    covering_hosts,
};

/// An item as DynamoDB returns it.
type Item = HashMap<String, AttributeValue>;

/// Prefix of a host block's partition key.
const BLOCK_PREFIX: &str = "BLOCK#";
/// Prefix of a creation quota's partition key.
const QUOTA_PREFIX: &str = "QUOTA#";
/// Target URL attribute (string), named in the host scan's filter.
const URL: &str = "url";
/// Version attribute (number), the condition of every change.
const VERSION: &str = "version";
/// Creation count attribute of a quota item (number).
const COUNT: &str = "n";
/// Token of the write that created or last changed the item (string), see [`write_token`].
const WRITE_TOKEN: &str = "writeId";
/// Keys in one `BatchGetItem` call, DynamoDB's limit.
const BATCH_GET_KEYS: usize = 100;
/// Viewer clicks attribute of a count item (number).
const CLICKS: &str = "clicks";
/// Bot clicks attribute of a count item (number).
const BOTS: &str = "bots";
/// Newest log time counted (number, epoch seconds), on [`COUNTED_UNTIL_KEY`].
const COUNTED_UNTIL: &str = "countedUntil";
/// Rounds of `BatchGetItem` for the keys DynamoDB left unprocessed before the read counts as unavailable.
const BATCH_GET_ROUNDS: u32 = 5;
/// Wait before the second round of `BatchGetItem`, doubled for each later one.
const BATCH_GET_BACKOFF: Duration = Duration::from_millis(50);
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

/// `parts` (a [`StoredParts`] or [`StoredBlock`]) as DynamoDB attributes: the embedded store's JSON names and
/// units, strings as `S` and integers as `N`, so the layout is written down once.
fn item_of(parts: &impl serde::Serialize) -> Result<Item, StoreError> {
    let serde_json::Value::Object(fields) = serde_json::to_value(parts).map_err(StoreError::unavailable)? else {
        return Err(StoreError::Rejected("an item must serialize as an object".to_owned()));
    };
    fields
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => Ok((name, AttributeValue::S(text))),
            serde_json::Value::Number(number) => Ok((name, AttributeValue::N(number.to_string()))),
            other => Err(StoreError::Rejected(format!("{name} cannot be stored as {other}"))),
        })
        .collect()
}

/// The inverse of [`item_of`]: the item's string and integer attributes as the JSON [`StoredParts`] and
/// [`StoredBlock`] read (they ignore the key and the write token); anything else is [`StoreError::Corrupt`].
fn json_of(what: &str, item: &Item) -> Result<serde_json::Value, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { id: what.to_owned(), reason };
    let fields = item
        .iter()
        .map(|(name, value)| {
            let value = match value {
                AttributeValue::S(text) => serde_json::Value::String(text.clone()),
                AttributeValue::N(number) => number
                    .parse::<i64>()
                    .map(serde_json::Value::from)
                    .or_else(|_| number.parse::<u64>().map(serde_json::Value::from))
                    .map_err(|_| corrupt(format!("{name} is not an integer")))?,
                _ => return Err(corrupt(format!("{name} is neither a string nor a number"))),
            };
            Ok((name.clone(), value))
        })
        .collect::<Result<serde_json::Map<_, _>, _>>()?;
    Ok(serde_json::Value::Object(fields))
}

/// What the fields of [`json_of`] say, or [`StoreError::Corrupt`] for `what`.
fn parse_json<'v, T: serde::Deserialize<'v>>(what: &str, json: &'v serde_json::Value) -> Result<T, StoreError> {
    T::deserialize(json).map_err(|e| StoreError::Corrupt { id: what.to_owned(), reason: e.to_string() })
}

fn link_from_item(id: &ShortId, item: &Item) -> Result<Link, StoreError> {
    let json = json_of(id.as_str(), item)?;
    parse_json::<StoredParts<'_>>(id.as_str(), &json)?.into_link(id)
}

fn block_key(host: &str) -> AttributeValue {
    AttributeValue::S(format!("{BLOCK_PREFIX}{host}"))
}

impl LinkReader for DynamoStore {
    /// One strongly consistent read (1 RCU per 4 KB, twice an eventually consistent one): a read made after a
    /// change was acknowledged sees it, so a resolver's miss right after an edge invalidation cannot re-cache the
    /// old answer, and a link clicked right after its 201 is never reported (and negatively cached) as unknown.
    async fn get(&self, id: &ShortId) -> Result<Option<Link>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, key_of(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        output.item().map(|item| link_from_item(id, item)).transpose()
    }
}

/// What a conditional `PutItem` of a link came to.
enum PutOutcome {
    /// The item was written, by this call or by an earlier attempt of it whose answer was lost.
    Written,
    /// The condition failed on an item written by someone else.
    Refused,
    /// The condition failed and there is no item.
    Missing,
}

impl DynamoStore {
    /// Puts the item of `link` on `condition` (which may name the key as `#pk`; `with_values` adds what else it
    /// names), with a fresh write token: when the condition fails, the old item tells an earlier attempt of this
    /// very call (it carries the token) from someone else's item and from no item at all.
    async fn put_link_if(
        &self,
        link: &Link,
        condition: &str,
        with_values: impl FnOnce(PutItemFluentBuilder) -> PutItemFluentBuilder,
    ) -> Result<PutOutcome, StoreError> {
        let token = AttributeValue::S(write_token()?);
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(link_item(link, &token)?))
            .condition_expression(condition)
            .expression_attribute_names("#pk", PK)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match with_values(put).send().await {
            Ok(_) => Ok(PutOutcome::Written),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                let existing = match e.err() {
                    PutItemError::ConditionalCheckFailedException(failed) => failed.item(),
                    _ => None,
                };
                Ok(match existing {
                    None => PutOutcome::Missing,
                    Some(item) if item.get(WRITE_TOKEN) == Some(&token) => PutOutcome::Written,
                    Some(_) => PutOutcome::Refused,
                })
            }
            Err(e) => Err(classify(e)),
        }
    }
}

impl LinkWriter for DynamoStore {
    async fn put_new(&self, link: &Link) -> Result<(), PutError> {
        match self.put_link_if(link, "attribute_not_exists(#pk)", |put| put).await? {
            PutOutcome::Written => Ok(()),
            PutOutcome::Refused | PutOutcome::Missing => Err(PutError::Taken),
        }
    }
}

impl LinkUpdater for DynamoStore {
    /// A `PutItem` of the whole new item, on the condition that the item exists at `expected_version`.
    async fn replace(&self, link: &Link, expected_version: u64) -> Result<(), UpdateError> {
        check_successor(link, expected_version)?;
        let condition = if expected_version == 0 {
            "attribute_exists(#pk) AND (attribute_not_exists(#version) OR #version = :expected)"
        } else {
            "attribute_exists(#pk) AND #version = :expected"
        };
        let expected = AttributeValue::N(expected_version.to_string());
        let outcome = self
            .put_link_if(link, condition, |put| {
                put.expression_attribute_names("#version", VERSION).expression_attribute_values(":expected", expected)
            })
            .await?;
        match outcome {
            PutOutcome::Written => Ok(()),
            PutOutcome::Refused => Err(UpdateError::Conflict),
            PutOutcome::Missing => Err(UpdateError::NotFound),
        }
    }
}

impl LinksByHost for DynamoStore {
    /// A `Scan` of the whole table, filtered to link items whose URL contains the host, then matched exactly.
    /// It reads (and pays for) every item: acceptable for an operator's rare command, never for a request.
    async fn links_to(&self, host: &BlockedHost) -> Result<Vec<Link>, StoreError> {
        let items = self
            .scan(
                "begins_with(#pk, :prefix) AND contains(#url, :host)",
                &[("#pk", PK), ("#url", URL)],
                &[(":prefix", LINK_PREFIX), (":host", host.as_str())],
            )
            .await?;
        let mut links = Vec::new();
        for item in items {
            let raw = key_suffix(&item, LINK_PREFIX).unwrap_or_default();
            let id =
                ShortId::parse(raw).map_err(|e| StoreError::Corrupt { id: raw.to_owned(), reason: e.to_string() })?;
            let link = link_from_item(&id, &item)?;
            if link.url.as_ref().is_some_and(|url| host.covers(url.host())) {
                links.push(link);
            }
        }
        links.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(links)
    }
}

impl HostBlocklist for DynamoStore {
    async fn block(&self, block: &HostBlock) -> Result<(), StoreError> {
        let mut item = item_of(&StoredBlock::of(block))?;
        item.insert(PK.to_owned(), block_key(block.host.as_str()));
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(classify)?;
        Ok(())
    }

    async fn unblock(&self, host: &BlockedHost) -> Result<bool, StoreError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, block_key(host.as_str()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(classify)?;
        Ok(deleted.attributes().is_some())
    }

    /// A filtered `Scan`, like [`LinksByHost::links_to`]: for the operator's tool.
    async fn list(&self) -> Result<Vec<HostBlock>, StoreError> {
        let items = self.scan("begins_with(#pk, :prefix)", &[("#pk", PK)], &[(":prefix", BLOCK_PREFIX)]).await?;
        let mut blocks = items
            .iter()
            .map(|item| {
                let host = key_suffix(item, BLOCK_PREFIX).unwrap_or_default();
                let json = json_of(host, item)?;
                parse_json::<StoredBlock<'_>>(host, &json)?.into_block(host)
            })
            .collect::<Result<Vec<_>, _>>()?;
        blocks.sort_by(|a, b| a.host.cmp(&b.host));
        Ok(blocks)
    }

    /// One strongly consistent `BatchGetItem` of the host and each parent domain, so a block takes effect for
    /// the very next creation.
    async fn is_blocked(&self, host: &str) -> Result<bool, StoreError> {
        let keys: Vec<Item> = covering_hosts(host).map(|h| HashMap::from([(PK.to_owned(), block_key(&h))])).collect();
        Ok(!self.batch_get(keys, true, Some("#pk")).await?.is_empty())
    }
}

impl DynamoStore {
    /// Every item of `keys` that exists, in `BatchGetItem` calls of at most [`BATCH_GET_KEYS`] keys, asking again
    /// (with backoff) for the keys DynamoDB left unprocessed; `projection` may name the key as `#pk`.
    async fn batch_get(
        &self,
        keys: Vec<Item>,
        consistent: bool,
        projection: Option<&str>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH_GET_KEYS) {
            let mut pending = Some(chunk.to_vec());
            for round in 0..BATCH_GET_ROUNDS {
                let Some(keys) = pending.take().filter(|keys| !keys.is_empty()) else { break };
                if round > 0 {
                    tokio::time::sleep(BATCH_GET_BACKOFF * 2u32.pow(round - 1)).await;
                }
                let mut request = KeysAndAttributes::builder().set_keys(Some(keys)).consistent_read(consistent);
                if let Some(projection) = projection {
                    request = request.projection_expression(projection).expression_attribute_names("#pk", PK);
                }
                let request = request.build().map_err(|e| StoreError::Rejected(e.to_string()))?;
                let output =
                    self.client.batch_get_item().request_items(&self.table, request).send().await.map_err(classify)?;
                found.extend(output.responses().and_then(|r| r.get(&self.table)).into_iter().flatten().cloned());
                pending = output.unprocessed_keys().and_then(|u| u.get(&self.table)).map(|k| k.keys().to_vec());
            }
            if pending.is_some_and(|keys| !keys.is_empty()) {
                return Err(StoreError::unavailable("DynamoDB left keys of a batch read unprocessed"));
            }
        }
        Ok(found)
    }
}

impl QuotaCounter for DynamoStore {
    /// One `UpdateItem`: `ADD n 1` on the condition `n < limit`, which DynamoDB applies atomically, and the TTL
    /// that removes the count an hour after its hour.
    async fn take(&self, client: &str, hour: i64, limit: u32) -> Result<QuotaOutcome, StoreError> {
        if limit == 0 {
            return Ok(QuotaOutcome::Exhausted);
        }
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(format!("{QUOTA_PREFIX}{client}#{hour}")))
            .update_expression("ADD #n :one SET #expires = :expires")
            .condition_expression("attribute_not_exists(#n) OR #n < :limit")
            .expression_attribute_names("#n", COUNT)
            .expression_attribute_names("#expires", EXPIRES_AT)
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()))
            .expression_attribute_values(":expires", AttributeValue::N(quota_expiry_s(hour).to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match update {
            Ok(output) => {
                let used = match output.attributes().and_then(|a| a.get(COUNT)) {
                    Some(AttributeValue::N(n)) => n.parse().ok(),
                    _ => None,
                };
                used.map(|used| QuotaOutcome::Granted { used }).ok_or_else(|| StoreError::Corrupt {
                    id: format!("quota of {client}"),
                    reason: "n is not a count".to_owned(),
                })
            }
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(QuotaOutcome::Exhausted)
            }
            Err(e) => Err(classify(e)),
        }
    }
}

/// The item of `link`, with its key and the token of the write about to store it.
fn link_item(link: &Link, token: &AttributeValue) -> Result<Item, StoreError> {
    let mut item = item_of(&StoredParts::of(link))?;
    item.insert(PK.to_owned(), key_of(&link.id));
    item.insert(WRITE_TOKEN.to_owned(), token.clone());
    Ok(item)
}

impl DynamoStore {
    /// Every item matching `filter`, page by page.
    async fn scan(
        &self,
        filter: &str,
        names: &[(&str, &str)],
        values: &[(&str, &str)],
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut scan =
                self.client.scan().table_name(&self.table).filter_expression(filter).set_exclusive_start_key(start);
            for (placeholder, name) in names {
                scan = scan.expression_attribute_names(*placeholder, *name);
            }
            for (placeholder, value) in values {
                scan = scan.expression_attribute_values(*placeholder, AttributeValue::S((*value).to_owned()));
            }
            let page = scan.send().await.map_err(classify)?;
            items.extend(page.items().iter().cloned());
            match page.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(items),
            }
        }
    }
}

/// The part of an item's partition key after `prefix`.
fn key_suffix<'a>(item: &'a Item, prefix: &str) -> Option<&'a str> {
    match item.get(PK) {
        Some(AttributeValue::S(key)) => key.strip_prefix(prefix),
        _ => None,
    }
}

fn count_key(id: &str, day: &str) -> AttributeValue {
    AttributeValue::S(format!("{CLICKS_PREFIX}{id}#{day}"))
}

fn number(n: impl Into<i128>) -> AttributeValue {
    AttributeValue::N(n.into().to_string())
}

/// The integer attribute `name` of `item` (0 when absent).
fn integer_of(item: &Item, name: &str, what: &str) -> Result<i64, StoreError> {
    match item.get(name) {
        None => Ok(0),
        Some(AttributeValue::N(n)) => n
            .parse()
            .map_err(|_| StoreError::Corrupt { id: what.to_owned(), reason: format!("{name} is not an integer") }),
        Some(_) => Err(StoreError::Corrupt { id: what.to_owned(), reason: format!("{name} is not a number") }),
    }
}

impl ClickCounts for DynamoStore {
    /// One `TransactWriteItems`: a `Put` of the chunk's marker on `attribute_not_exists(PK)` and one `UpdateItem`
    /// per day count (`ADD clicks, bots`, and the TTL). When the marker's condition fails the whole transaction is
    /// cancelled: the chunk was counted before.
    async fn record_chunk(&self, file: &LogFileKey, chunk: &TallyChunk<'_>) -> Result<ChunkOutcome, StoreError> {
        let invalid = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Rejected(e.to_string());
        let today = OffsetDateTime::now_utc();
        let marker_expiry = (today + time::Duration::days(MARKER_RETENTION_DAYS)).unix_timestamp();
        let marker = Put::builder()
            .table_name(&self.table)
            .item(PK, AttributeValue::S(format!("{LOG_PREFIX}{file}#{}", chunk.index)))
            .item(EXPIRES_AT, number(marker_expiry))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(invalid)?;
        let mut items = vec![TransactWriteItem::builder().put(marker).build()];
        for (id, date, count) in &chunk.entries {
            let expiry = count_expiry_s(*date);
            let update = Update::builder()
                .table_name(&self.table)
                .key(PK, count_key(id.as_str(), &day_key(*date)))
                .update_expression("ADD #clicks :clicks, #bots :bots SET #expires = :expires")
                .expression_attribute_names("#clicks", CLICKS)
                .expression_attribute_names("#bots", BOTS)
                .expression_attribute_names("#expires", EXPIRES_AT)
                .expression_attribute_values(":clicks", number(count.clicks))
                .expression_attribute_values(":bots", number(count.bots))
                .expression_attribute_values(":expires", number(expiry))
                .build()
                .map_err(invalid)?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(ChunkOutcome::Applied),
            Err(SdkError::ServiceError(e))
                if matches!(
                    e.err(),
                    TransactWriteItemsError::TransactionCanceledException(cancelled)
                        if cancelled.cancellation_reasons().first().and_then(|r| r.code())
                            == Some("ConditionalCheckFailed")
                ) =>
            {
                Ok(ChunkOutcome::AlreadyApplied)
            }
            Err(SdkError::ServiceError(e)) if e.err().is_transaction_canceled_exception() => {
                Err(StoreError::unavailable(DisplayErrorContext(SdkError::ServiceError(e)).to_string()))
            }
            Err(e) => Err(classify(e)),
        }
    }

    /// An `UpdateItem` on the condition that the stored time is older; a newer one stays.
    async fn advance_counted_until(&self, at: OffsetDateTime) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(COUNTED_UNTIL_KEY.to_owned()))
            .update_expression("SET #at = :at")
            .condition_expression("attribute_not_exists(#at) OR #at < :at")
            .expression_attribute_names("#at", COUNTED_UNTIL)
            .expression_attribute_values(":at", number(at.unix_timestamp()))
            .send()
            .await;
        match update {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    /// One `BatchGetItem` (eventually consistent: counts trail the logs by an hour anyway) of the day items and
    /// the `countedUntil` item.
    async fn stats(&self, id: &ShortId, today: Date, days: u16) -> Result<ClickStats, StoreError> {
        let key = |pk: AttributeValue| HashMap::from([(PK.to_owned(), pk)]);
        let mut keys: Vec<Item> =
            crate::clicks::stats_days(today, days).map(|d| key(count_key(id.as_str(), &day_key(d)))).collect();
        keys.push(key(AttributeValue::S(COUNTED_UNTIL_KEY.to_owned())));
        let items = self.batch_get(keys, false, None).await?;
        let mut counts = HashMap::new();
        let mut counted_until = None;
        for item in &items {
            match item.get(PK) {
                Some(AttributeValue::S(pk)) if pk == COUNTED_UNTIL_KEY => {
                    let at = integer_of(item, COUNTED_UNTIL, COUNTED_UNTIL_KEY)?;
                    counted_until = Some(OffsetDateTime::from_unix_timestamp(at).map_err(|e| StoreError::Corrupt {
                        id: COUNTED_UNTIL_KEY.to_owned(),
                        reason: e.to_string(),
                    })?);
                }
                Some(AttributeValue::S(pk)) => {
                    let as_count = |name| {
                        integer_of(item, name, pk).and_then(|n| {
                            u64::try_from(n).map_err(|_| StoreError::Corrupt {
                                id: pk.clone(),
                                reason: format!("{name} is negative"),
                            })
                        })
                    };
                    counts.insert(pk.clone(), DayCount { clicks: as_count(CLICKS)?, bots: as_count(BOTS)? });
                }
                _ => {}
            }
        }
        Ok(ClickStats::over_days(today, days, counted_until, |date| {
            let AttributeValue::S(pk) = count_key(id.as_str(), &day_key(date)) else { return DayCount::default() };
            counts.get(&pk).copied().unwrap_or_default()
        }))
    }
}

/// When (epoch seconds) the count of `date` may be forgotten: [`COUNT_RETENTION_DAYS`] after the day.
fn count_expiry_s(date: Date) -> i64 {
    (date.midnight().assume_utc() + time::Duration::days(COUNT_RETENTION_DAYS)).unix_timestamp()
}
