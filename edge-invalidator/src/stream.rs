//! A table's DynamoDB Stream read through the Streams API (`DescribeStream`, `GetShardIterator`, `GetRecords`) the
//! way Lambda's event source mapping reads it, each batch handed over as the Lambda event the function receives:
//! so that tests on DynamoDB Local run the function's own handler on the stream records of real writes.

use std::collections::HashMap;

use anyhow::{Context as _, anyhow};
use aws_config::{BehaviorVersion, Region};
use aws_lambda_events::event::dynamodb::Event;
use aws_sdk_dynamodbstreams::{
    Client,
    config::Credentials,
    error::DisplayErrorContext,
    types::{Record, ShardIteratorType},
};
use serde_json::{Map, Value, json};

/// The stream of one table, read from its start, each shard from after the last record read (a checkpoint, as
/// Lambda's event source mapping keeps one per shard).
#[derive(Debug)]
pub struct TableStream {
    client: Client,
    arn: String,
    /// The sequence number of the last record read from each shard, by shard ID (`None`: nothing read yet).
    checkpoints: HashMap<String, Option<String>>,
}

impl TableStream {
    /// Turns on a `KEYS_ONLY` stream (the view infra gives the deployed table) on `table` at the DynamoDB Local
    /// `endpoint`: every write after this call is read.
    pub async fn enable(endpoint: &str, table: &str) -> anyhow::Result<Self> {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("local", "local", None, None, "dynamodb-local"))
            .load()
            .await;
        let specification = aws_sdk_dynamodb::types::StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(aws_sdk_dynamodb::types::StreamViewType::KeysOnly)
            .build()?;
        let updated = aws_sdk_dynamodb::Client::new(&config)
            .update_table()
            .table_name(table)
            .stream_specification(specification)
            .send()
            .await
            .map_err(|e| anyhow!("UpdateTable with a stream: {}", DisplayErrorContext(e)))?;
        let arn = updated
            .table_description()
            .and_then(|table| table.latest_stream_arn())
            .context("UpdateTable named no stream")?
            .to_owned();
        Ok(Self { client: Client::new(&config), arn, checkpoints: HashMap::new() })
    }

    /// The records written since the last call (or since the stream was enabled), as one Lambda event.
    pub async fn next_event(&mut self) -> anyhow::Result<Event> {
        let described = self
            .client
            .describe_stream()
            .stream_arn(&self.arn)
            .send()
            .await
            .map_err(|e| anyhow!("DescribeStream: {}", DisplayErrorContext(e)))?;
        let shards = described.stream_description().map(|d| d.shards()).unwrap_or_default();
        let mut records = Vec::new();
        for shard in shards.iter().filter_map(|shard| shard.shard_id()) {
            records.extend(self.read_shard(shard).await?);
        }
        lambda_event(&self.arn, &records)
    }

    /// Every record of `shard` after its checkpoint, the checkpoint moved past them. The iterator is taken afresh
    /// on each call: DynamoDB Local answers `TrimmedDataAccessException` to an iterator taken while its shard was
    /// still empty.
    async fn read_shard(&mut self, shard: &str) -> anyhow::Result<Vec<Record>> {
        let checkpoint = self.checkpoints.entry(shard.to_owned()).or_default();
        let request = self.client.get_shard_iterator().stream_arn(&self.arn).shard_id(shard);
        let request = match checkpoint {
            Some(sequence) => {
                request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(sequence.as_str())
            }
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let taken = request.send().await.map_err(|e| anyhow!("GetShardIterator: {}", DisplayErrorContext(e)))?;
        let mut iterator = taken.shard_iterator().map(str::to_owned);
        let mut records = Vec::new();
        while let Some(current) = iterator {
            let read = self
                .client
                .get_records()
                .shard_iterator(current)
                .send()
                .await
                .map_err(|e| anyhow!("GetRecords: {}", DisplayErrorContext(e)))?;
            if read.records().is_empty() {
                break;
            }
            records.extend_from_slice(read.records());
            iterator = read.next_shard_iterator().map(str::to_owned);
        }
        if let Some(last) = records.last().and_then(|r| r.dynamodb()).and_then(|r| r.sequence_number()) {
            *checkpoint = Some(last.to_owned());
        }
        Ok(records)
    }
}

/// `records` of the stream `stream_arn` as the event Lambda gives the function: each record's `GetRecords` fields
/// under the same names, plus `eventSourceARN`, read by the same deserializer the runtime uses.
pub fn lambda_event(stream_arn: &str, records: &[Record]) -> anyhow::Result<Event> {
    let records: Vec<Value> = records.iter().map(|record| lambda_record(stream_arn, record)).collect();
    Ok(serde_json::from_value(json!({ "Records": records }))?)
}

fn lambda_record(stream_arn: &str, record: &Record) -> Value {
    let mut change = Map::new();
    if let Some(stream_record) = record.dynamodb() {
        let item = |image: Option<&HashMap<_, _>>| json!(serde_dynamo::Item::from(image.cloned().unwrap_or_default()));
        change.insert("Keys".into(), item(stream_record.keys()));
        change.insert("NewImage".into(), item(stream_record.new_image()));
        change.insert("OldImage".into(), item(stream_record.old_image()));
        change.insert("SizeBytes".into(), json!(stream_record.size_bytes().unwrap_or_default()));
        let optional = [
            ("ApproximateCreationDateTime", stream_record.approximate_creation_date_time().map(|t| json!(t.secs()))),
            ("SequenceNumber", stream_record.sequence_number().map(|n| json!(n))),
            ("StreamViewType", stream_record.stream_view_type().map(|v| json!(v.as_str()))),
        ];
        change.extend(optional.into_iter().filter_map(|(name, value)| Some((name.to_owned(), value?))));
    }
    let mut event = Map::new();
    event.insert("eventID".into(), json!(record.event_id().unwrap_or_default()));
    event.insert("eventName".into(), json!(record.event_name().map(|name| name.as_str()).unwrap_or_default()));
    event.insert("awsRegion".into(), json!(record.aws_region().unwrap_or_default()));
    event.insert("eventSourceARN".into(), json!(stream_arn));
    event.insert("dynamodb".into(), Value::Object(change));
    let optional = [("eventSource", record.event_source()), ("eventVersion", record.event_version())];
    event.extend(optional.into_iter().filter_map(|(name, value)| Some((name.to_owned(), json!(value?)))));
    if let Some(identity) = record.user_identity() {
        let identity = json!({ "type": identity.r#type(), "principalId": identity.principal_id() });
        event.insert("userIdentity".into(), identity);
    }
    Value::Object(event)
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodbstreams::{
        primitives::DateTime,
        types::{AttributeValue, Identity, OperationType, StreamRecord, StreamViewType},
    };

    use super::*;
    use crate::records::changed_link;

    const ARN: &str = "arn:aws:dynamodb:ddblocal:000000000000:table/links/stream/2026-11-30T00:00:00.000";

    #[test]
    fn a_stream_record_becomes_the_record_lambda_delivers() {
        let change = StreamRecord::builder()
            .approximate_creation_date_time(DateTime::from_secs(1_764_489_600))
            .keys("PK", AttributeValue::S("LINK#abc1234".into()))
            .sequence_number("000000000000000000042")
            .new_image("state", AttributeValue::S("deleted".into()))
            .size_bytes(30)
            .stream_view_type(StreamViewType::NewImage)
            .build();
        let ttl = Identity::builder().r#type("Service").principal_id("dynamodb.amazonaws.com").build();
        let record = Record::builder()
            .event_id("e1")
            .event_name(OperationType::Remove)
            .event_version("1.1")
            .event_source("aws:dynamodb")
            .aws_region("ddblocal")
            .dynamodb(change)
            .user_identity(ttl)
            .build();

        let event = lambda_event(ARN, &[record]).unwrap();

        let [record] = &event.records[..] else { panic!("one record: {event:?}") };
        assert_eq!((record.event_id.as_str(), record.event_name.as_str()), ("e1", "REMOVE"));
        assert_eq!(record.event_source_arn.as_deref(), Some(ARN));
        assert_eq!((record.event_source.as_deref(), record.aws_region.as_str()), (Some("aws:dynamodb"), "ddblocal"));
        assert_eq!(record.change.keys.get("PK"), Some(&serde_dynamo::AttributeValue::S("LINK#abc1234".into())));
        assert_eq!(record.change.sequence_number.as_deref(), Some("000000000000000000042"));
        assert_eq!(record.change.size_bytes, 30);
        assert_eq!(record.change.approximate_creation_date_time.timestamp(), 1_764_489_600);
        assert_eq!(record.change.new_image.get("state"), Some(&serde_dynamo::AttributeValue::S("deleted".into())));
        assert!(record.change.old_image.is_empty());
        assert_eq!(serde_json::to_value(&record.change.stream_view_type).unwrap(), json!("NEW_IMAGE"));
        let identity = record.user_identity.as_ref().unwrap();
        assert_eq!((identity.type_.as_str(), identity.principal_id.as_str()), ("Service", "dynamodb.amazonaws.com"));
        assert_eq!(changed_link(record).map(|id| id.to_string()), Some("abc1234".to_owned()));
    }
}
