//! SQS: the queue that keeps stream batches the invalidator could not handle.

use serde::Serialize;

/// `AWS::SQS::Queue`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Queue {
    /// Seconds a message is kept (at most 14 days).
    pub message_retention_period: u32,
    /// Encryption at rest with an SQS-owned key.
    pub sqs_managed_sse_enabled: bool,
}
