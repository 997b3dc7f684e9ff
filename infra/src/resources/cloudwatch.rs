//! CloudWatch: alarms on what an operator must look at.

use serde::Serialize;

use crate::cfn::Expr;

/// `AWS::CloudWatch::Alarm` on one metric.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alarm {
    /// What it means when it fires.
    pub alarm_description: &'static str,
    /// The metric's namespace (`AWS/SQS`).
    pub namespace: &'static str,
    /// The metric.
    pub metric_name: &'static str,
    /// Which resource's metric.
    pub dimensions: Vec<Dimension>,
    /// `Maximum`, `Sum`, ...
    pub statistic: &'static str,
    /// Seconds per data point.
    pub period: u32,
    /// Data points compared.
    pub evaluation_periods: u32,
    /// The threshold.
    pub threshold: f64,
    /// `GreaterThanThreshold`, ...
    pub comparison_operator: &'static str,
    /// `notBreaching`: no data is not an alarm.
    pub treat_missing_data: &'static str,
}

/// A metric dimension.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    /// `QueueName`, `FunctionName`, ...
    pub name: &'static str,
    /// Its value.
    pub value: Expr,
}
