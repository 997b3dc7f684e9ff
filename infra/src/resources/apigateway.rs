//! API Gateway (HTTP APIs): the API, its CORS, its integration with a function, its routes and its stage.

use serde::Serialize;

use crate::cfn::Expr;

/// `AWS::ApiGatewayV2::Api` (an HTTP API).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HttpApi {
    /// The API's name.
    pub name: Expr,
    /// What it serves.
    pub description: &'static str,
    /// `HTTP`.
    pub protocol_type: &'static str,
    /// CORS, answered by API Gateway (preflights included).
    pub cors_configuration: Cors,
}

/// An HTTP API's CORS configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Cors {
    /// Allowed origins.
    pub allow_origins: Expr,
    /// Allowed methods.
    pub allow_methods: Vec<&'static str>,
    /// Allowed request headers.
    pub allow_headers: Vec<&'static str>,
    /// Response headers a script may read.
    pub expose_headers: Vec<&'static str>,
    /// Seconds a browser may cache a preflight.
    pub max_age: u32,
}

/// `AWS::ApiGatewayV2::Integration`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Integration {
    /// The API.
    pub api_id: Expr,
    /// `AWS_PROXY`.
    pub integration_type: &'static str,
    /// The function's ARN.
    pub integration_uri: Expr,
    /// `2.0`, the event format `lambda_http` reads.
    pub payload_format_version: &'static str,
}

/// `AWS::ApiGatewayV2::Route`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Route {
    /// The API.
    pub api_id: Expr,
    /// `POST /shorten`, or `$default`.
    pub route_key: &'static str,
    /// `integrations/<id>`.
    pub target: Expr,
}

/// `AWS::ApiGatewayV2::Stage`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stage {
    /// The API.
    pub api_id: Expr,
    /// `$default`: served at the root, so paths reach the function unprefixed.
    pub stage_name: &'static str,
    /// Route changes go live without a deployment resource.
    pub auto_deploy: bool,
    /// Throttling of every route.
    pub default_route_settings: RouteSettings,
    /// Where access logs go, and their format.
    pub access_log_settings: AccessLogSettings,
}

/// Throttling limits.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteSettings {
    /// Requests a burst may hold.
    pub throttling_burst_limit: Expr,
    /// Steady requests per second.
    pub throttling_rate_limit: Expr,
}

/// Access logging of a stage.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessLogSettings {
    /// The log group's ARN.
    pub destination_arn: Expr,
    /// One line per request, `$context` variables.
    pub format: String,
}
