//! Lambda: the functions, the resolver's function URL, and the permissions that let a service invoke them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cfn::Expr;

/// `AWS::Lambda::Function`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    /// What the function does.
    pub description: &'static str,
    /// `provided.al2023`.
    pub runtime: &'static str,
    /// `bootstrap` (ignored by custom runtimes, required by CloudFormation).
    pub handler: &'static str,
    /// The zip in S3.
    pub code: Code,
    /// The execution role's ARN.
    pub role: Expr,
    /// `x86_64` or `arm64`.
    pub architectures: Vec<Expr>,
    /// Memory in MB.
    pub memory_size: Expr,
    /// Seconds before an invocation is stopped.
    pub timeout: u32,
    /// The environment variables the handler reads at init.
    pub environment: Environment,
    /// Where the function logs.
    pub logging_config: LoggingConfig,
}

/// A function's code in S3.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Code {
    /// The bucket.
    pub s3_bucket: Expr,
    /// The key.
    pub s3_key: String,
}

/// A function's environment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    /// Name to value.
    pub variables: BTreeMap<&'static str, Expr>,
}

/// A function's logging.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    /// The log group's name.
    pub log_group: Expr,
}

/// `AWS::Lambda::Url`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionUrl {
    /// `AWS_IAM` (signed requests only) or `NONE` (public).
    pub auth_type: &'static str,
    /// The function.
    pub target_function_arn: Expr,
}

/// `AWS::Lambda::Permission`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Permission {
    /// `lambda:InvokeFunction` or `lambda:InvokeFunctionUrl`.
    pub action: &'static str,
    /// The function.
    pub function_name: Expr,
    /// The service allowed.
    pub principal: &'static str,
    /// The one resource of that service allowed.
    pub source_arn: Expr,
    /// With `lambda:InvokeFunctionUrl`: applies only while the URL has this auth type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_url_auth_type: Option<&'static str>,
    /// With `lambda:InvokeFunction`: applies only to invocations through the function URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_via_function_url: Option<bool>,
}

/// `AWS::Lambda::EventSourceMapping`: a stream or a queue Lambda reads, handing the function batches of records.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventSourceMapping {
    /// The function.
    pub function_name: Expr,
    /// The stream's or the queue's ARN.
    pub event_source_arn: Expr,
    /// For a stream: `LATEST` (only records written from now on) or `TRIM_HORIZON`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_position: Option<&'static str>,
    /// Most records in one batch.
    pub batch_size: u32,
    /// Longest Lambda gathers records before it invokes the function with fewer than `batch_size`, in seconds.
    pub maximum_batching_window_in_seconds: Expr,
    /// For a stream: whether a failed batch is split in two and each half retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bisect_batch_on_function_error: Option<bool>,
    /// For a stream: retries of a failed batch before it goes to the on-failure destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<u32>,
    /// Only records that match one of these patterns invoke the function; the others are dropped unseen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_criteria: Option<FilterCriteria>,
    /// For a stream: where a batch that still fails after its retries is described.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_config: Option<DestinationConfig>,
    /// `ReportBatchItemFailures`: the function names the records that failed, and only those are delivered again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub function_response_types: Vec<&'static str>,
    /// For a queue: how far Lambda scales its pollers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling_config: Option<ScalingConfig>,
}

/// How many function instances an SQS event source may keep busy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingConfig {
    /// At most this many concurrent invocations (2 to 1000).
    pub maximum_concurrency: u32,
}

/// An event source mapping's filters.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FilterCriteria {
    /// The patterns, any of which lets a record through.
    pub filters: Vec<Filter>,
}

/// One filter of an event source mapping.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Filter {
    /// The event filtering pattern, as a JSON string.
    pub pattern: String,
}

/// An event source mapping's destinations.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationConfig {
    /// Where failed batches go.
    pub on_failure: OnFailure,
}

/// The on-failure destination.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OnFailure {
    /// An SQS queue's (or SNS topic's) ARN.
    pub destination: Expr,
}
