//! The CloudFormation resource types the stack uses, with the properties it sets. Field names serialize to the
//! CloudFormation property names; anything that can be a reference is an [`Expr`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cfn::{Choice, Expr};

/// Every resource type of the stack, tagged with its CloudFormation type name.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "Type", content = "Properties")]
pub enum Resource {
    /// A DynamoDB table.
    #[serde(rename = "AWS::DynamoDB::Table")]
    Table(Table),
    /// A CloudWatch Logs log group.
    #[serde(rename = "AWS::Logs::LogGroup")]
    LogGroup(LogGroup),
    /// An IAM role.
    #[serde(rename = "AWS::IAM::Role")]
    Role(Role),
    /// A Lambda function.
    #[serde(rename = "AWS::Lambda::Function")]
    Function(Function),
    /// A Lambda function URL.
    #[serde(rename = "AWS::Lambda::Url")]
    FunctionUrl(FunctionUrl),
    /// A statement of a Lambda function's resource policy.
    #[serde(rename = "AWS::Lambda::Permission")]
    Permission(Permission),
    /// An API Gateway HTTP API.
    #[serde(rename = "AWS::ApiGatewayV2::Api")]
    HttpApi(HttpApi),
    /// An HTTP API integration.
    #[serde(rename = "AWS::ApiGatewayV2::Integration")]
    Integration(Integration),
    /// An HTTP API route.
    #[serde(rename = "AWS::ApiGatewayV2::Route")]
    Route(Route),
    /// An HTTP API stage.
    #[serde(rename = "AWS::ApiGatewayV2::Stage")]
    Stage(Stage),
    /// An S3 bucket.
    #[serde(rename = "AWS::S3::Bucket")]
    Bucket(Bucket),
    /// An S3 bucket policy.
    #[serde(rename = "AWS::S3::BucketPolicy")]
    BucketPolicy(BucketPolicy),
    /// A CloudFront origin access identity (S3 origins).
    #[serde(rename = "AWS::CloudFront::CloudFrontOriginAccessIdentity")]
    OriginAccessIdentity(OriginAccessIdentity),
    /// A CloudFront origin access control (here for a Lambda function URL).
    #[serde(rename = "AWS::CloudFront::OriginAccessControl")]
    OriginAccessControl(OriginAccessControl),
    /// A CloudFront cache policy.
    #[serde(rename = "AWS::CloudFront::CachePolicy")]
    CachePolicy(CachePolicy),
    /// A CloudFront response headers policy.
    #[serde(rename = "AWS::CloudFront::ResponseHeadersPolicy")]
    ResponseHeadersPolicy(ResponseHeadersPolicy),
    /// A CloudFront distribution (boxed: it is many times larger than the others).
    #[serde(rename = "AWS::CloudFront::Distribution")]
    Distribution(Box<Distribution>),
}

macro_rules! into_resource {
    ($($variant:ident),* $(,)?) => {
        $(impl From<$variant> for Resource {
            fn from(properties: $variant) -> Self {
                Self::$variant(properties)
            }
        })*
    };
}

into_resource!(
    Table,
    LogGroup,
    Role,
    Function,
    FunctionUrl,
    Permission,
    HttpApi,
    Integration,
    Route,
    Stage,
    Bucket,
    BucketPolicy,
    OriginAccessIdentity,
    OriginAccessControl,
    CachePolicy,
    ResponseHeadersPolicy,
);

impl From<Distribution> for Resource {
    fn from(properties: Distribution) -> Self {
        Self::Distribution(Box::new(properties))
    }
}

// --- DynamoDB ----------------------------------------------------------------------------------------------

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

// --- Logs and IAM ------------------------------------------------------------------------------------------

/// `AWS::Logs::LogGroup`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    /// Days log events are kept.
    pub retention_in_days: Expr,
}

/// `AWS::IAM::Role`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    /// What the role is for.
    pub description: &'static str,
    /// Who may assume it.
    pub assume_role_policy_document: PolicyDocument,
    /// Inline policies: everything the role may do.
    pub policies: Vec<InlinePolicy>,
}

/// An inline policy of a role.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    /// Its name within the role.
    pub policy_name: &'static str,
    /// Its statements.
    pub policy_document: PolicyDocument,
}

/// An IAM policy document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// Always `2012-10-17`.
    pub version: &'static str,
    /// The statements.
    pub statement: Vec<Statement>,
}

impl PolicyDocument {
    /// A document of these statements.
    pub fn new(statement: Vec<Statement>) -> Self {
        Self { version: "2012-10-17", statement }
    }
}

/// A policy statement.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// A name for the statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<&'static str>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// Who (resource policies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    /// The actions.
    pub action: Vec<&'static str>,
    /// The resources (identity policies and bucket policies).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<Expr>,
    /// `{operator: {key: value}}`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<&'static str, BTreeMap<&'static str, Expr>>,
}

impl Statement {
    /// Allows `action` on `resource`.
    pub fn allow(action: Vec<&'static str>, resource: Vec<Expr>) -> Self {
        Self { sid: None, effect: Effect::Allow, principal: None, action, resource, condition: BTreeMap::new() }
    }
}

/// A statement's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Refuses, whatever else grants.
    Deny,
}

/// A statement's principal.
#[derive(Debug, Clone, Serialize)]
pub enum Principal {
    /// An AWS service (`lambda.amazonaws.com`).
    Service(&'static str),
    /// An S3 canonical user (a CloudFront origin access identity).
    CanonicalUser(Expr),
    /// Anyone (`"*"` in `AWS`), only ever with `Deny`.
    #[serde(rename = "AWS")]
    Aws(&'static str),
}

// --- Lambda ------------------------------------------------------------------------------------------------

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

// --- API Gateway -------------------------------------------------------------------------------------------

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

// --- S3 ----------------------------------------------------------------------------------------------------

/// `AWS::S3::Bucket`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    /// Encryption at rest.
    pub bucket_encryption: BucketEncryption,
    /// Every kind of public access blocked.
    pub public_access_block_configuration: PublicAccessBlock,
    /// ACLs disabled; the bucket owner owns every object.
    pub ownership_controls: OwnershipControls,
}

/// A bucket's default encryption.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    /// One rule.
    pub server_side_encryption_configuration: Vec<EncryptionRule>,
}

/// A default encryption rule.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptionRule {
    /// The algorithm.
    pub server_side_encryption_by_default: EncryptionByDefault,
}

/// The default encryption algorithm.
#[derive(Debug, Clone, Serialize)]
pub struct EncryptionByDefault {
    /// `AES256` (SSE-S3), which an origin access identity can read.
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: &'static str,
}

/// S3 Block Public Access.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlock {
    /// Refuse public ACLs.
    pub block_public_acls: bool,
    /// Refuse public bucket policies.
    pub block_public_policy: bool,
    /// Ignore public ACLs.
    pub ignore_public_acls: bool,
    /// Restrict access granted by public policies.
    pub restrict_public_buckets: bool,
}

/// Object ownership.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControls {
    /// One rule.
    pub rules: Vec<OwnershipRule>,
}

/// An object ownership rule.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipRule {
    /// `BucketOwnerEnforced`.
    pub object_ownership: &'static str,
}

/// `AWS::S3::BucketPolicy`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    /// The bucket's name.
    pub bucket: Expr,
    /// The policy.
    pub policy_document: PolicyDocument,
}

// --- CloudFront --------------------------------------------------------------------------------------------

/// `AWS::CloudFront::CloudFrontOriginAccessIdentity`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginAccessIdentity {
    /// Its configuration.
    pub cloud_front_origin_access_identity_config: OaiConfig,
}

/// An origin access identity's configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OaiConfig {
    /// What it is for.
    pub comment: Expr,
}

/// `AWS::CloudFront::OriginAccessControl`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginAccessControl {
    /// Its configuration.
    pub origin_access_control_config: OacConfig,
}

/// An origin access control's configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OacConfig {
    /// A name unique in the account.
    pub name: Expr,
    /// What it is for.
    pub description: &'static str,
    /// `lambda`.
    pub origin_access_control_origin_type: &'static str,
    /// `always`: every request is signed.
    pub signing_behavior: &'static str,
    /// `sigv4`.
    pub signing_protocol: &'static str,
}

/// `AWS::CloudFront::CachePolicy`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CachePolicy {
    /// Its configuration.
    pub cache_policy_config: CachePolicyConfig,
}

/// A cache policy's configuration.
#[derive(Debug, Clone, Serialize)]
pub struct CachePolicyConfig {
    /// A name unique in the account.
    #[serde(rename = "Name")]
    pub name: Expr,
    /// What it is for.
    #[serde(rename = "Comment")]
    pub comment: &'static str,
    /// Seconds an object is kept at least, whatever the origin says.
    #[serde(rename = "MinTTL")]
    pub min_ttl: u32,
    /// Seconds an object is kept when the origin sends no `Cache-Control`.
    #[serde(rename = "DefaultTTL")]
    pub default_ttl: u32,
    /// Seconds an object is kept at most.
    #[serde(rename = "MaxTTL")]
    pub max_ttl: u32,
    /// The cache key.
    #[serde(rename = "ParametersInCacheKeyAndForwardedToOrigin")]
    pub key: CacheKey,
}

/// What goes into the cache key (and to the origin).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CacheKey {
    /// Gzip variants.
    pub enable_accept_encoding_gzip: bool,
    /// Brotli variants.
    pub enable_accept_encoding_brotli: bool,
    /// Headers in the key.
    pub headers_config: HeadersConfig,
    /// Cookies in the key.
    pub cookies_config: CookiesConfig,
    /// Query strings in the key.
    pub query_strings_config: QueryStringsConfig,
}

/// Headers in a cache key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HeadersConfig {
    /// `none`.
    pub header_behavior: &'static str,
}

/// Cookies in a cache key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CookiesConfig {
    /// `none`.
    pub cookie_behavior: &'static str,
}

/// Query strings in a cache key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryStringsConfig {
    /// `none`.
    pub query_string_behavior: &'static str,
}

/// `AWS::CloudFront::ResponseHeadersPolicy`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseHeadersPolicy {
    /// Its configuration.
    pub response_headers_policy_config: ResponseHeadersPolicyConfig,
}

/// A response headers policy's configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseHeadersPolicyConfig {
    /// A name unique in the account.
    pub name: Expr,
    /// What it is for.
    pub comment: &'static str,
    /// The security headers.
    pub security_headers_config: SecurityHeaders,
}

/// Security headers added to every response of a behaviour.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityHeaders {
    /// `Strict-Transport-Security`.
    pub strict_transport_security: Hsts,
    /// `X-Content-Type-Options: nosniff`.
    pub content_type_options: Overriding,
    /// `X-Frame-Options`.
    pub frame_options: FrameOptions,
    /// `Referrer-Policy`.
    pub referrer_policy: ReferrerPolicy,
    /// `Content-Security-Policy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_security_policy: Option<ContentSecurityPolicy>,
}

/// `Strict-Transport-Security`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Hsts {
    /// `max-age`.
    pub access_control_max_age_sec: u32,
    /// `includeSubDomains`.
    pub include_subdomains: bool,
    /// `preload`.
    pub preload: bool,
    /// Replaces the origin's header.
    #[serde(flatten)]
    pub override_: Override,
}

/// A header whose only setting is whether it replaces the origin's.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Overriding {
    /// Replaces the origin's header.
    #[serde(flatten)]
    pub override_: Override,
}

/// `"Override": true|false`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Override {
    /// Replaces the origin's header.
    #[serde(rename = "Override")]
    pub value: bool,
}

/// `X-Frame-Options`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FrameOptions {
    /// `DENY` or `SAMEORIGIN`.
    pub frame_option: &'static str,
    /// Replaces the origin's header.
    #[serde(flatten)]
    pub override_: Override,
}

/// `Referrer-Policy`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReferrerPolicy {
    /// The policy.
    pub referrer_policy: &'static str,
    /// Replaces the origin's header.
    #[serde(flatten)]
    pub override_: Override,
}

/// `Content-Security-Policy`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContentSecurityPolicy {
    /// The policy.
    pub content_security_policy: &'static str,
    /// Replaces the origin's header.
    #[serde(flatten)]
    pub override_: Override,
}

/// `AWS::CloudFront::Distribution`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Distribution {
    /// Its configuration.
    pub distribution_config: DistributionConfig,
}

/// A distribution's configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DistributionConfig {
    /// Serving.
    pub enabled: bool,
    /// What it serves.
    pub comment: &'static str,
    /// The object `/` serves.
    pub default_root_object: &'static str,
    /// `http2and3`.
    pub http_version: &'static str,
    /// IPv6 as well.
    #[serde(rename = "IPV6Enabled")]
    pub ipv6_enabled: bool,
    /// Which edge locations serve.
    pub price_class: Expr,
    /// Custom domain names.
    pub aliases: Expr,
    /// The TLS certificate.
    pub viewer_certificate: Choice<ViewerCertificate>,
    /// Where requests go.
    pub origins: Vec<Origin>,
    /// Requests no other behaviour matches.
    pub default_cache_behavior: CacheBehavior,
    /// Behaviours by path pattern, first match wins.
    pub cache_behaviors: Vec<CacheBehavior>,
}

/// A distribution's TLS certificate.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ViewerCertificate {
    /// The `*.cloudfront.net` certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_front_default_certificate: Option<bool>,
    /// An ACM certificate in us-east-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acm_certificate_arn: Option<Expr>,
    /// `sni-only`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_support_method: Option<&'static str>,
    /// The oldest TLS version viewers may use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_protocol_version: Option<&'static str>,
}

/// A distribution's origin.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Origin {
    /// Its ID within the distribution.
    pub id: &'static str,
    /// Its host name.
    pub domain_name: Expr,
    /// For S3: the origin access identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_origin_config: Option<S3OriginConfig>,
    /// For HTTP origins: the protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_origin_config: Option<CustomOriginConfig>,
    /// The origin access control that signs requests to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_access_control_id: Option<Expr>,
}

/// An S3 origin's access.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3OriginConfig {
    /// `origin-access-identity/cloudfront/<id>`.
    pub origin_access_identity: Expr,
}

/// An HTTP origin's protocol.
#[derive(Debug, Clone, Serialize)]
pub struct CustomOriginConfig {
    /// `https-only`.
    #[serde(rename = "OriginProtocolPolicy")]
    pub origin_protocol_policy: &'static str,
    /// TLS versions CloudFront uses to the origin.
    #[serde(rename = "OriginSSLProtocols")]
    pub origin_ssl_protocols: Vec<&'static str>,
    /// 443.
    #[serde(rename = "HTTPSPort")]
    pub https_port: u16,
}

/// A cache behaviour.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CacheBehavior {
    /// The paths it covers (absent for the default behaviour).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_pattern: Option<String>,
    /// The origin.
    pub target_origin_id: &'static str,
    /// `redirect-to-https` or `https-only`.
    pub viewer_protocol_policy: &'static str,
    /// Methods CloudFront accepts.
    pub allowed_methods: Vec<&'static str>,
    /// Methods whose answers are cached.
    pub cached_methods: Vec<&'static str>,
    /// Compress answers when the viewer accepts it.
    pub compress: bool,
    /// The cache policy.
    pub cache_policy_id: Expr,
    /// What is forwarded beyond the cache key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_request_policy_id: Option<Expr>,
    /// Headers added to responses.
    pub response_headers_policy_id: Expr,
}
