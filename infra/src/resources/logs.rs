//! CloudWatch Logs: the log groups the functions and the HTTP API write to, with their retention.

use serde::Serialize;

use crate::cfn::Expr;

/// `AWS::Logs::LogGroup`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    /// Days log events are kept.
    pub retention_in_days: Expr,
}
