//! SQS: the queue of new access log files the click counter reads, its dead-letter queue, the queue policy that
//! lets only the log bucket send to it, and the queue that keeps stream batches the invalidator could not handle.

use serde::Serialize;

use crate::{cfn::Expr, resources::iam::PolicyDocument};

/// `AWS::SQS::Queue`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Queue {
    /// Seconds a message is kept (at most 14 days).
    pub message_retention_period: u32,
    /// Encryption at rest with an SQS-owned key.
    pub sqs_managed_sse_enabled: bool,
    /// Seconds a received message stays hidden from other receivers before it is delivered again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility_timeout: Option<u32>,
    /// Where a message goes after too many receives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_policy: Option<RedrivePolicy>,
}

/// A queue's dead-letter queue.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedrivePolicy {
    /// The dead-letter queue's ARN.
    pub dead_letter_target_arn: Expr,
    /// Receives of a message before it moves there.
    pub max_receive_count: u32,
}

/// `AWS::SQS::QueuePolicy`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueuePolicy {
    /// The queues' URLs.
    pub queues: Vec<Expr>,
    /// The policy.
    pub policy_document: PolicyDocument,
}
