//! DynamoDB: the links table, its key, its TTL attribute, its backups, its encryption and its stream.

use serde::Serialize;

/// `AWS::DynamoDB::Table`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Table {
    /// `PAY_PER_REQUEST` (on demand).
    pub billing_mode: &'static str,
    /// The key attributes and their types.
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// The partition key (and sort key).
    pub key_schema: Vec<KeySchemaElement>,
    /// Which attribute holds the expiry (epoch seconds).
    pub time_to_live_specification: TimeToLive,
    /// Point-in-time recovery.
    pub point_in_time_recovery_specification: PointInTimeRecovery,
    /// Encryption at rest.
    #[serde(rename = "SSESpecification")]
    pub sse_specification: SseSpecification,
    /// Refuses `DeleteTable` until turned off.
    pub deletion_protection_enabled: bool,
    /// The stream of its changes.
    pub stream_specification: StreamSpecification,
}

/// A key attribute's type.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    /// The attribute.
    pub attribute_name: &'static str,
    /// `S`, `N` or `B`.
    pub attribute_type: &'static str,
}

/// One key of the table.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeySchemaElement {
    /// The attribute.
    pub attribute_name: &'static str,
    /// `HASH` (partition) or `RANGE` (sort).
    pub key_type: &'static str,
}

/// The table's TTL attribute.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeToLive {
    /// The attribute holding epoch seconds.
    pub attribute_name: &'static str,
    /// Whether TTL deletes expired items.
    pub enabled: bool,
}

/// Point-in-time recovery.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PointInTimeRecovery {
    /// Whether it is on.
    pub point_in_time_recovery_enabled: bool,
}

/// Server-side encryption.
#[derive(Debug, Clone, Serialize)]
pub struct SseSpecification {
    /// `true`: a KMS key (the AWS managed `aws/dynamodb`); `false`: a key owned by DynamoDB.
    #[serde(rename = "SSEEnabled")]
    pub sse_enabled: bool,
}

/// The table's stream.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpecification {
    /// What each record carries: `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE` or `NEW_AND_OLD_IMAGES`.
    pub stream_view_type: &'static str,
}
