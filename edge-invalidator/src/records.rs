//! From stream records to edge paths: which records name a link whose cached answers are now wrong, and the name
//! of a batch that stays the same when Lambda delivers the batch again.

use std::collections::HashSet;

use aws_lambda_events::event::dynamodb::EventRecord;
use serde_dynamo::AttributeValue;
use sha2::{Digest, Sha256};
use shortener_domain::{
    ShortId,
    invalidation::{EdgePath, STREAM_CHANGE_EVENTS},
    store::table::{LINK_PREFIX, PK},
};

/// The link a record is about, if it is the change or removal of a link item; `None` for a create and for every
/// other kind of item (host blocks, quota counters, anything whose key is not `LINK#<id>`).
pub fn changed_link(record: &EventRecord) -> Option<ShortId> {
    if !STREAM_CHANGE_EVENTS.contains(&record.event_name.as_str()) {
        return None;
    }
    let AttributeValue::S(key) = record.change.keys.get(PK)? else { return None };
    let raw = key.strip_prefix(LINK_PREFIX)?;
    match ShortId::parse(raw) {
        Ok(id) => Some(id),
        Err(error) => {
            tracing::warn!(key = %key, %error, "a link key that is no short ID: nothing at the edge to invalidate");
            None
        }
    }
}

/// Every edge path of the links changed in `records` (`/{id}` and `/{id}+`), each once, in the order the links
/// first appear.
pub fn edge_paths(records: &[EventRecord]) -> Vec<EdgePath> {
    let mut seen = HashSet::new();
    records
        .iter()
        .filter_map(changed_link)
        .filter(|id| seen.insert(id.clone()))
        .flat_map(|id| EdgePath::all_of_link(&id))
        .collect()
}

/// A name for the batch of `records`, the same each time Lambda delivers exactly these records (each stream
/// record's `eventID` is unique), different for any other batch: `stream-` and 32 hex digits of a SHA-256.
pub fn batch_reference(records: &[EventRecord]) -> String {
    let mut hash = Sha256::new();
    for record in records {
        hash.update(record.event_id.as_bytes());
        hash.update(b"\n");
    }
    let digest = hash.finalize();
    format!("stream-{}", hex::encode(&digest[..16]))
}

#[cfg(test)]
mod tests {
    use aws_lambda_events::event::dynamodb::Event;
    use serde_json::{Value, json};

    use super::*;

    fn record(event_id: &str, event_name: &str, key: &str) -> Value {
        json!({
            "eventID": event_id,
            "eventName": event_name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": 1_764_489_600,
                "Keys": { "PK": { "S": key } },
                "SequenceNumber": "100000000000000000001",
                "SizeBytes": 30,
                "StreamViewType": "KEYS_ONLY"
            },
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/Links/stream/2026-11-30T00:00:00.000"
        })
    }

    fn records(records: &[Value]) -> Vec<EventRecord> {
        let event: Event = serde_json::from_value(json!({ "Records": records })).unwrap();
        event.records
    }

    fn paths(batch: &[Value]) -> Vec<String> {
        edge_paths(&records(batch)).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_changed_or_removed_link_invalidates_its_redirect_and_its_preview() {
        assert_eq!(paths(&[record("1", "MODIFY", "LINK#abc1234")]), ["/abc1234", "/abc1234+"]);
        assert_eq!(paths(&[record("2", "REMOVE", "LINK#spam777")]), ["/spam777", "/spam777+"]);
    }

    #[test]
    fn a_create_invalidates_nothing() {
        assert!(paths(&[record("1", "INSERT", "LINK#abc1234")]).is_empty());
    }

    #[test]
    fn items_that_are_not_links_invalidate_nothing() {
        let others =
            ["BLOCK#evil.example", "QUOTA#203.0.113.9#493000", "CLICKS#abc1234#2026-11-30", "WARM-UP", "abc1234"];
        for key in others {
            for name in ["MODIFY", "REMOVE"] {
                assert!(paths(&[record("1", name, key)]).is_empty(), "{name} {key}");
            }
        }
        assert!(paths(&[record("1", "MODIFY", "LINK#a b")]).is_empty(), "a key no short ID can have");
    }

    #[test]
    fn a_link_changed_twice_in_a_batch_is_invalidated_once_in_order_of_first_change() {
        let batch = vec![
            record("1", "MODIFY", "LINK#first01"),
            record("2", "INSERT", "LINK#created"),
            record("3", "MODIFY", "LINK#second2"),
            record("4", "REMOVE", "LINK#first01"),
            record("5", "MODIFY", "QUOTA#x#1"),
        ];
        assert_eq!(paths(&batch), ["/first01", "/first01+", "/second2", "/second2+"]);
    }

    #[test]
    fn a_batch_has_the_same_reference_each_time_it_is_delivered_and_no_other_batch_has_it() {
        let batch = || records(&[record("a1", "MODIFY", "LINK#abc1234"), record("a2", "REMOVE", "LINK#abc1234")]);
        let reference = batch_reference(&batch());
        assert_eq!(reference, batch_reference(&batch()));
        assert_eq!(reference.len(), "stream-".len() + 32);
        let first_half = records(&[record("a1", "MODIFY", "LINK#abc1234")]);
        let other = records(&[record("b1", "MODIFY", "LINK#abc1234"), record("b2", "REMOVE", "LINK#abc1234")]);
        assert_ne!(reference, batch_reference(&first_half), "a bisected half is a batch of its own");
        assert_ne!(reference, batch_reference(&other), "a later change of the same link is invalidated again");
    }
}
