//! CloudFront: the distribution, its origins and behaviours, and the access identities and policies they use.

use serde::Serialize;

use crate::cfn::{Choice, Expr};

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
    /// `lambda` or `s3`.
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
    /// How long error answers are kept, by status.
    pub custom_error_responses: Vec<CustomErrorResponse>,
    /// Where the access logs (standard logging, legacy) go.
    pub logging: Logging,
}

/// Standard logging (legacy): a gzip W3C file of viewer requests, several an hour, into an S3 bucket.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Logging {
    /// The bucket's `<name>.s3.amazonaws.com` domain.
    pub bucket: Expr,
    /// Prefix of every log file's key.
    pub prefix: &'static str,
    /// Whether cookies are logged.
    pub include_cookies: bool,
}

/// How CloudFront treats an error status from any origin.
#[derive(Debug, Clone, Serialize)]
pub struct CustomErrorResponse {
    /// The status.
    #[serde(rename = "ErrorCode")]
    pub error_code: u16,
    /// Seconds the error is kept at least (the origin's `max-age` can only lengthen it; 10 when not set).
    #[serde(rename = "ErrorCachingMinTTL")]
    pub error_caching_min_ttl: u32,
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
    /// For S3: the origin access identity (empty when an origin access control signs instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_origin_config: Option<S3OriginConfig>,
    /// For HTTP origins: the protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_origin_config: Option<CustomOriginConfig>,
    /// The origin access control that signs requests to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_access_control_id: Option<Expr>,
    /// Headers CloudFront adds to every request it sends to this origin.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub origin_custom_headers: Vec<OriginCustomHeader>,
}

/// A header CloudFront adds to the requests it sends to an origin.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OriginCustomHeader {
    /// Its name.
    pub header_name: &'static str,
    /// Its value.
    pub header_value: Expr,
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
