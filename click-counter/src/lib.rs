//! `click-counter`: the function that turns CloudFront's access logs into click counts. S3 announces each new log
//! file through an SQS queue; for each announced file the function reads the object, gunzips it, adds up the
//! redirects of each short ID per UTC day ([`Tally`]) and records them exactly once per file
//! ([`ClickCounts::record`]), so a redelivered message or a retry after a failure never counts a click twice.
//! Failed files are reported one message at a time (`batchItemFailures`), so only they are retried, and after the
//! queue's last attempt they wait in its dead-letter queue. Nothing about a viewer is kept: the user agent is read
//! only to tell bots apart, and no address is read at all.

use std::{future::Future, io::Read};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use shortener_domain::{
    clicks::{LogFileKey, Tally, unescape},
    store::{ClickCounts, Recorded, StoreError},
};

/// Why a log file was not counted; its message is retried.
#[derive(Debug, thiserror::Error)]
pub enum CountError {
    /// The message is not an S3 notification this function understands.
    #[error("the message is not an S3 event notification: {0}")]
    Message(String),
    /// The object could not be read.
    #[error("reading s3://{bucket}/{key}: {detail}")]
    Read {
        /// Its bucket.
        bucket: String,
        /// Its key.
        key: String,
        /// What went wrong.
        detail: String,
    },
    /// The counts could not be recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A log object's bytes and the version they are (its ETag or version ID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogObject {
    /// The object's content, gzip-compressed or not.
    pub bytes: Vec<u8>,
    /// Its ETag (or version ID): with the key, which file the counts came from.
    pub version: String,
}

/// Where log files are read from: S3 in AWS and in the tests.
pub trait LogObjects: Send + Sync {
    /// The object `key` of `bucket`.
    fn get(&self, bucket: &str, key: &str) -> impl Future<Output = Result<LogObject, String>> + Send;
}

/// Log objects in S3.
#[derive(Debug, Clone)]
pub struct S3Objects {
    client: aws_sdk_s3::Client,
}

impl S3Objects {
    /// Wraps an S3 client.
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        Self { client }
    }
}

impl LogObjects for S3Objects {
    async fn get(&self, bucket: &str, key: &str) -> Result<LogObject, String> {
        let output = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(e).to_string())?;
        let version = output.version_id().or(output.e_tag()).unwrap_or_default().to_owned();
        let bytes = output.body.collect().await.map_err(|e| e.to_string())?.into_bytes().to_vec();
        Ok(LogObject { bytes, version })
    }
}

/// The fields of an S3 event notification the function reads. (An `s3:TestEvent`, which S3 sends once when the
/// notification is set up, has no `Records`.)
#[derive(Debug, serde::Deserialize)]
struct Notification {
    #[serde(rename = "Records", default)]
    records: Vec<NotificationRecord>,
}

#[derive(Debug, serde::Deserialize)]
struct NotificationRecord {
    #[serde(rename = "eventName", default)]
    event_name: String,
    s3: NotifiedObject,
}

#[derive(Debug, serde::Deserialize)]
struct NotifiedObject {
    bucket: NotifiedBucket,
    object: NotifiedKey,
}

#[derive(Debug, serde::Deserialize)]
struct NotifiedBucket {
    name: String,
}

#[derive(Debug, serde::Deserialize)]
struct NotifiedKey {
    /// URL-encoded as in a form (`+` for a space).
    key: String,
}

/// What counting one log file came to, for its log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// What was read.
    pub summary: shortener_domain::clicks::TallySummary,
    /// What was recorded now and what had been before.
    pub recorded: Recorded,
}

/// The counting function: a store for the counts and a place to read logs from.
#[derive(Debug, Clone)]
pub struct Counter<S, O> {
    store: S,
    objects: O,
}

impl<S: ClickCounts, O: LogObjects> Counter<S, O> {
    /// A counter recording into `store` the logs read from `objects`.
    pub fn new(store: S, objects: O) -> Self {
        Self { store, objects }
    }

    /// Counts the files of every message, and names the messages whose files were not all counted, so that only
    /// they are delivered again.
    pub async fn handle(&self, event: &SqsEvent) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for message in &event.records {
            if let Err(error) = self.count_message(message).await {
                let id = message.message_id.clone().unwrap_or_default();
                tracing::error!(message_id = %id, %error, "log file not counted; the message will be retried");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
        response
    }

    async fn count_message(&self, message: &SqsMessage) -> Result<(), CountError> {
        let body = message.body.as_deref().unwrap_or_default();
        let notification: Notification = serde_json::from_str(body).map_err(|e| CountError::Message(e.to_string()))?;
        for record in notification.records.iter().filter(|r| r.event_name.starts_with("ObjectCreated:")) {
            let key = unescape(&record.s3.object.key.replace('+', " ")).into_owned();
            let counted = self.count_file(&record.s3.bucket.name, &key).await?;
            tracing::info!(
                key = %key,
                lines = counted.summary.lines,
                malformed = counted.summary.malformed,
                clicks = counted.summary.clicks,
                bots = counted.summary.bots,
                unknown_results = counted.summary.unknown_results,
                chunks_applied = counted.recorded.applied,
                chunks_already_applied = counted.recorded.skipped,
                "log file counted"
            );
        }
        Ok(())
    }

    /// Reads, tallies and records the log object `key` of `bucket`, exactly once whatever came before.
    pub async fn count_file(&self, bucket: &str, key: &str) -> Result<Counted, CountError> {
        let read_error = |detail: String| CountError::Read { bucket: bucket.to_owned(), key: key.to_owned(), detail };
        let object = self.objects.get(bucket, key).await.map_err(read_error)?;
        let tally = tally_of(&object.bytes).map_err(|e| read_error(e.to_string()))?;
        let file = LogFileKey::new(&format!("{bucket}/{key}"), &object.version);
        let recorded = self.store.record(&file, &tally).await?;
        Ok(Counted { summary: tally.summary(), recorded })
    }
}

/// The tally of a log file's bytes: gunzipped when they start with gzip's magic number (CloudFront's files), read
/// as they are otherwise.
pub fn tally_of(bytes: &[u8]) -> std::io::Result<Tally> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut text)?;
        Tally::read(text.as_slice())
    } else {
        Tally::read(bytes)
    }
}
