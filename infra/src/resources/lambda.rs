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
