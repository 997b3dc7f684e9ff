//! The invalidator: a function on the table's stream that invalidates at CloudFront the paths of every link that
//! changed or went, whoever changed it. Only changes and removals of link items reach it (the mapping's filter);
//! a batch it cannot invalidate is retried, halved, a bounded number of times, then described in an encrypted
//! queue that an alarm watches.

use std::collections::BTreeMap;

use shortener_domain::{
    invalidation::STREAM_CHANGE_EVENTS,
    store::table::{LINK_PREFIX, PK},
};

use super::{
    distribution_arn,
    functions::{FunctionSpec, function},
    ids::{
        INVALIDATION_WINDOW, INVALIDATOR, INVALIDATOR_FAILURES, INVALIDATOR_FAILURES_ALARM, INVALIDATOR_LOGS,
        INVALIDATOR_ROLE, INVALIDATOR_STREAM,
    },
};
use crate::{
    assembly::FileAsset,
    cfn::{Expr, Id},
    resources::{
        cloudwatch::{Alarm, Dimension},
        iam::{InlinePolicy, PolicyDocument, Statement},
        lambda::{DestinationConfig, EventSourceMapping, Filter, FilterCriteria, OnFailure},
        sqs::Queue,
    },
    template::Template,
};

/// Most stream records in one batch: at most two paths each, within one invalidation's 3000.
pub const BATCH_SIZE: u32 = 1000;
/// Retries of a failed batch (each split in two) before it goes to the failure queue.
pub const MAXIMUM_RETRY_ATTEMPTS: u32 = 10;
/// Seconds a failed batch's description is kept in the queue: 14 days, SQS's longest.
const FAILURE_RETENTION_SECONDS: u32 = 1_209_600;
/// Seconds one invocation may run: the SDK's attempts at CloudFront (5 s each, with backoff) for two invalidations.
const TIMEOUT_SECONDS: u32 = 30;

/// The event filtering pattern that lets through only changes and removals of link items.
pub fn stream_filter_pattern() -> String {
    serde_json::json!({
        "eventName": STREAM_CHANGE_EVENTS,
        "dynamodb": { "Keys": { PK: { "S": [{ "prefix": LINK_PREFIX }] } } },
    })
    .to_string()
}

/// The invalidator function, its stream mapping, its failure queue and the alarm on that queue.
pub(super) fn invalidator(t: &mut Template, table: Id, code: &FileAsset, distribution: Id) {
    let failures = t.add(
        INVALIDATOR_FAILURES,
        Queue {
            message_retention_period: FAILURE_RETENTION_SECONDS,
            sqs_managed_sse_enabled: true,
            visibility_timeout: None,
            redrive_policy: None,
        },
    );
    let stream = table.attr("StreamArn");
    let function = function(
        t,
        FunctionSpec {
            id: INVALIDATOR,
            role: INVALIDATOR_ROLE,
            logs: INVALIDATOR_LOGS,
            description: "edge-invalidator: invalidates at CloudFront the links changed in the table's stream",
            code,
            memory: Expr::Int(128),
            timeout: TIMEOUT_SECONDS,
            grants: vec![
                InlinePolicy {
                    policy_name: "links-stream",
                    policy_document: PolicyDocument::new(vec![Statement::allow(
                        vec![
                            "dynamodb:DescribeStream",
                            "dynamodb:GetRecords",
                            "dynamodb:GetShardIterator",
                            "dynamodb:ListStreams",
                        ],
                        vec![stream.clone()],
                    )]),
                },
                InlinePolicy {
                    policy_name: "invalidate-distribution",
                    policy_document: PolicyDocument::new(vec![Statement::allow(
                        vec!["cloudfront:CreateInvalidation"],
                        vec![distribution_arn(distribution)],
                    )]),
                },
                InlinePolicy {
                    policy_name: "failure-queue",
                    policy_document: PolicyDocument::new(vec![Statement::allow(
                        vec!["sqs:SendMessage"],
                        vec![failures.attr("Arn")],
                    )]),
                },
            ],
            environment: BTreeMap::from([("DISTRIBUTION_ID", distribution.reference())]),
        },
    );
    t.add(
        INVALIDATOR_STREAM,
        EventSourceMapping {
            function_name: function.reference(),
            event_source_arn: stream,
            starting_position: Some("LATEST"),
            batch_size: BATCH_SIZE,
            maximum_batching_window_in_seconds: INVALIDATION_WINDOW.reference(),
            bisect_batch_on_function_error: Some(true),
            maximum_retry_attempts: Some(MAXIMUM_RETRY_ATTEMPTS),
            filter_criteria: Some(FilterCriteria { filters: vec![Filter { pattern: stream_filter_pattern() }] }),
            destination_config: Some(DestinationConfig { on_failure: OnFailure { destination: failures.attr("Arn") } }),
            function_response_types: Vec::new(),
            scaling_config: None,
        },
    );
    t.add(
        INVALIDATOR_FAILURES_ALARM,
        Alarm {
            alarm_description: "A stream batch could not be invalidated at CloudFront after its retries: the links \
                                it names may be served stale by the edge until their s-maxage runs out. Read the \
                                queue, then invalidate them by hand (docs/deploying.md).",
            namespace: "AWS/SQS",
            metric_name: "ApproximateNumberOfMessagesVisible",
            dimensions: vec![Dimension { name: "QueueName", value: failures.attr("QueueName") }],
            statistic: "Maximum",
            period: 300,
            evaluation_periods: 1,
            threshold: 0.0,
            comparison_operator: "GreaterThanThreshold",
            treat_missing_data: "notBreaching",
        },
    );
}
