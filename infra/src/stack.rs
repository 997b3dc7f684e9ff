//! The shortener's stack, read top to bottom like a CDK app: the table, the two functions, the HTTP API, the site
//! bucket and the CloudFront distribution whose behaviours come from the path table (ARCHITECTURE.md).

use std::collections::BTreeMap;

use shortener_domain::paths::{self, Origin as PathOrigin, ROUTES, SITE_CONTENT_SECURITY_POLICY};

use crate::{
    assembly::{self, FileAsset},
    cfn::{Assertion, Choice, Expr, Id, Parameter, Pseudo, Rule, Template},
    resources::*,
};

/// The code of the two functions, as assets of the assembly.
#[derive(Debug, Clone, Copy)]
pub struct FunctionCode<'a> {
    /// `origin-api`'s zip.
    pub origin_api: &'a FileAsset,
    /// `edge-resolver`'s zip.
    pub edge_resolver: &'a FileAsset,
}

/// Logical IDs, chosen once: renaming one replaces the resource.
pub mod ids {
    use crate::cfn::Id;

    pub const TABLE: Id = Id("LinksTable");
    pub const RESOLVER_LOGS: Id = Id("ResolverLogGroup");
    pub const RESOLVER_ROLE: Id = Id("ResolverRole");
    pub const RESOLVER: Id = Id("ResolverFunction");
    pub const RESOLVER_URL: Id = Id("ResolverFunctionUrl");
    pub const RESOLVER_URL_PERMISSION: Id = Id("ResolverUrlPermission");
    pub const RESOLVER_INVOKE_PERMISSION: Id = Id("ResolverInvokePermission");
    pub const RESOLVER_OAC: Id = Id("ResolverOriginAccessControl");
    pub const RESOLVER_CACHE_POLICY: Id = Id("ResolverCachePolicy");
    pub const API_LOGS: Id = Id("ApiLogGroup");
    pub const API_ROLE: Id = Id("ApiRole");
    pub const API: Id = Id("ApiFunction");
    pub const HTTP_API: Id = Id("HttpApi");
    pub const HTTP_API_INTEGRATION: Id = Id("HttpApiIntegration");
    pub const HTTP_API_PERMISSION: Id = Id("HttpApiPermission");
    pub const HTTP_API_STAGE: Id = Id("HttpApiStage");
    pub const HTTP_API_ACCESS_LOGS: Id = Id("HttpApiAccessLogGroup");
    pub const SITE_BUCKET: Id = Id("SiteBucket");
    pub const SITE_BUCKET_POLICY: Id = Id("SiteBucketPolicy");
    pub const SITE_OAI: Id = Id("SiteOriginAccessIdentity");
    pub const SITE_HEADERS: Id = Id("SiteHeadersPolicy");
    pub const DYNAMIC_HEADERS: Id = Id("DynamicHeadersPolicy");
    pub const DISTRIBUTION: Id = Id("Distribution");

    pub const ARCHITECTURE: Id = Id("Architecture");
    pub const RESOLVER_MEMORY: Id = Id("ResolverMemorySize");
    pub const API_MEMORY: Id = Id("ApiMemorySize");
    pub const LOG_RETENTION: Id = Id("LogRetentionDays");
    pub const REDIRECT_STATUS: Id = Id("RedirectStatus");
    pub const EDGE_TTL: Id = Id("EdgeTtlSeconds");
    pub const CORS_ORIGINS: Id = Id("CorsAllowOrigins");
    pub const THROTTLE_RATE: Id = Id("ApiThrottlingRateLimit");
    pub const THROTTLE_BURST: Id = Id("ApiThrottlingBurstLimit");
    pub const PRICE_CLASS: Id = Id("PriceClass");
    pub const DOMAIN_NAME: Id = Id("DomainName");
    pub const CERTIFICATE_ARN: Id = Id("CertificateArn");
    pub const HAS_DOMAIN: Id = Id("HasDomainName");
    pub const HAS_CERTIFICATE: Id = Id("HasCertificate");
}

use ids::*;

/// CloudFront's managed policies (the same IDs in every account).
mod managed {
    /// `Managed-CachingOptimized`: honours the origin's `Cache-Control` (1 s to 1 year, 1 day without one).
    pub(super) const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
    /// `Managed-CachingDisabled`: nothing is cached.
    pub(super) const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
    /// `Managed-AllViewerExceptHostHeader`: every viewer header, query string and cookie, but not `Host`
    /// (API Gateway routes on its own host name).
    pub(super) const ALL_VIEWER_EXCEPT_HOST_HEADER: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
}

/// The origin IDs within the distribution.
const SITE_ORIGIN: &str = "site";
const API_ORIGIN: &str = "api";
const RESOLVER_ORIGIN: &str = "resolver";

const READ_ONLY: [&str; 2] = ["GET", "HEAD"];
const ALL_METHODS: [&str; 7] = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"];
/// A year: the longest any origin may ask CloudFront to keep a response.
const ONE_YEAR_SECONDS: u32 = 31_536_000;
const HSTS_SECONDS: u32 = 63_072_000;

/// Builds the whole stack.
pub fn build(code: FunctionCode<'_>) -> Template {
    let mut t = Template::new(
        "URL shortener: CloudFront in front of a private S3 site, an HTTP API (origin-api) and a \
         function URL (edge-resolver), on one DynamoDB table. Synthesized by shortener-infra.",
    );
    assembly::add_bootstrap_check(&mut t);
    parameters(&mut t);

    let table = t.add_retained(
        TABLE,
        Table {
            billing_mode: "PAY_PER_REQUEST",
            attribute_definitions: vec![AttributeDefinition { attribute_name: "PK", attribute_type: "S" }],
            key_schema: vec![KeySchemaElement { attribute_name: "PK", key_type: "HASH" }],
            time_to_live_specification: TimeToLive { attribute_name: "expiresAt", enabled: true },
            point_in_time_recovery_specification: PointInTimeRecovery { point_in_time_recovery_enabled: true },
            sse_specification: SseSpecification { sse_enabled: true },
            deletion_protection_enabled: true,
        },
    );

    // The resolver: reads the table, answers CloudFront through its function URL.
    let resolver = function(
        &mut t,
        FunctionSpec {
            id: RESOLVER,
            role: RESOLVER_ROLE,
            logs: RESOLVER_LOGS,
            description: "edge-resolver: GET|HEAD /{id} to a redirect, behind CloudFront",
            code: code.edge_resolver,
            memory: RESOLVER_MEMORY,
            table_actions: vec!["dynamodb:GetItem"],
            environment: BTreeMap::from([
                ("TABLE_NAME", table.reference()),
                ("REDIRECT_STATUS", REDIRECT_STATUS.reference()),
                ("EDGE_TTL_SECONDS", EDGE_TTL.reference()),
            ]),
        },
    );
    let resolver_url =
        t.add(RESOLVER_URL, FunctionUrl { auth_type: "AWS_IAM", target_function_arn: resolver.attr("Arn") });
    let resolver_oac = t.add(
        RESOLVER_OAC,
        OriginAccessControl {
            origin_access_control_config: OacConfig {
                name: stack_scoped("-resolver"),
                description: "CloudFront signs every request to the resolver's function URL",
                origin_access_control_origin_type: "lambda",
                signing_behavior: "always",
                signing_protocol: "sigv4",
            },
        },
    );

    // The API: reads and writes the table, behind the HTTP API.
    let http_api = t.add(
        HTTP_API,
        HttpApi {
            name: stack_scoped("-api"),
            description: "origin-api: POST /shorten, GET /api/links/{id}, GET /api/health",
            protocol_type: "HTTP",
            cors_configuration: Cors {
                allow_origins: CORS_ORIGINS.reference(),
                allow_methods: vec!["GET", "HEAD", "POST", "OPTIONS"],
                allow_headers: vec!["content-type"],
                expose_headers: vec!["location", "retry-after"],
                max_age: 600,
            },
        },
    );

    let site_bucket = t.add_retained(
        SITE_BUCKET,
        Bucket {
            bucket_encryption: BucketEncryption {
                server_side_encryption_configuration: vec![EncryptionRule {
                    server_side_encryption_by_default: EncryptionByDefault { sse_algorithm: "AES256" },
                }],
            },
            public_access_block_configuration: PublicAccessBlock {
                block_public_acls: true,
                block_public_policy: true,
                ignore_public_acls: true,
                restrict_public_buckets: true,
            },
            ownership_controls: OwnershipControls {
                rules: vec![OwnershipRule { object_ownership: "BucketOwnerEnforced" }],
            },
        },
    );
    let site_oai = t.add(
        SITE_OAI,
        OriginAccessIdentity {
            cloud_front_origin_access_identity_config: OaiConfig { comment: stack_scoped(": reads the site bucket") },
        },
    );
    t.add(SITE_BUCKET_POLICY, site_bucket_policy(site_bucket, site_oai));

    let distribution = distribution(&mut t, site_bucket, site_oai, http_api, resolver_url, resolver_oac);
    let public_base_url = Expr::if_(
        HAS_DOMAIN,
        Expr::concat(["https://".into(), DOMAIN_NAME.reference(), "/".into()]),
        Expr::concat(["https://".into(), distribution.attr("DomainName"), "/".into()]),
    );

    // Only CloudFront, and only this distribution, may call the resolver's URL. Since October 2025 a function URL
    // needs both actions: InvokeFunctionUrl, and InvokeFunction limited to calls through the URL.
    let distribution_arn = Expr::concat([
        "arn:".into(),
        Expr::pseudo(Pseudo::Partition),
        ":cloudfront::".into(),
        Expr::pseudo(Pseudo::AccountId),
        ":distribution/".into(),
        distribution.reference(),
    ]);
    t.add(
        RESOLVER_URL_PERMISSION,
        Permission {
            action: "lambda:InvokeFunctionUrl",
            function_name: resolver.reference(),
            principal: "cloudfront.amazonaws.com",
            source_arn: distribution_arn.clone(),
            function_url_auth_type: Some("AWS_IAM"),
            invoked_via_function_url: None,
        },
    );
    t.add(
        RESOLVER_INVOKE_PERMISSION,
        Permission {
            action: "lambda:InvokeFunction",
            function_name: resolver.reference(),
            principal: "cloudfront.amazonaws.com",
            source_arn: distribution_arn,
            function_url_auth_type: None,
            invoked_via_function_url: Some(true),
        },
    );

    // PUBLIC_BASE_URL needs the distribution's domain, and the distribution needs only the HTTP API (not this
    // function) as its origin: so the function can be created after the distribution, in the same deploy.
    let api = function(
        &mut t,
        FunctionSpec {
            id: API,
            role: API_ROLE,
            logs: API_LOGS,
            description: "origin-api: creates and reads links, behind the HTTP API",
            code: code.origin_api,
            memory: API_MEMORY,
            table_actions: vec!["dynamodb:GetItem", "dynamodb:PutItem"],
            environment: BTreeMap::from([
                ("TABLE_NAME", table.reference()),
                ("PUBLIC_BASE_URL", public_base_url.clone()),
                ("OWN_HOSTS", distribution.attr("DomainName")),
                ("CORS_ALLOW_ORIGINS", Expr::Join(",", Box::new(CORS_ORIGINS.reference()))),
            ]),
        },
    );
    http_api_routes(&mut t, http_api, api);

    t.output(Id("SiteUrl"), "The shortener's public URL: the site, the API and the short links", public_base_url);
    t.output(
        Id("ApiEndpoint"),
        "The HTTP API's own endpoint (the site reaches it through CloudFront)",
        http_api.attr("ApiEndpoint"),
    );
    t.output(Id("BucketName"), "The site bucket: the deploy command uploads site/ here", site_bucket.reference());
    t.output(Id("DistributionId"), "The CloudFront distribution, for invalidations", distribution.reference());
    t.output(
        Id("DistributionDomainName"),
        "The distribution's own host name (point a custom domain's DNS here)",
        distribution.attr("DomainName"),
    );
    t
}

fn parameters(t: &mut Template) {
    t.parameter(
        ARCHITECTURE,
        Parameter::string(
            "x86_64",
            "Instruction set of both functions; must match the zips (scripts/build-lambdas builds x86_64)",
        )
        .allowed(["x86_64", "arm64"]),
    );
    t.parameter(
        RESOLVER_MEMORY,
        Parameter::number(128, 128, 10_240, "edge-resolver's memory in MB (its caches take 32 MiB by default)"),
    );
    t.parameter(API_MEMORY, Parameter::number(128, 128, 10_240, "origin-api's memory in MB"));
    t.parameter(
        LOG_RETENTION,
        Parameter::number(30, 1, 3653, "Days the functions' and the API's logs are kept").allowed([
            1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
        ]),
    );
    t.parameter(
        REDIRECT_STATUS,
        Parameter::string("301", "Status of a redirect").allowed(["301", "302", "307", "308"]),
    );
    t.parameter(
        EDGE_TTL,
        Parameter::number(86_400, 0, i64::from(ONE_YEAR_SECONDS), "Longest max-age of a redirect, in seconds"),
    );
    t.parameter(
        CORS_ORIGINS,
        Parameter::new(
            "CommaDelimitedList",
            "*",
            "Origins allowed to call the API from a browser, comma-separated; * for any",
        ),
    );
    t.parameter(THROTTLE_RATE, Parameter::number(100, 1, 10_000, "Steady requests per second the HTTP API accepts"));
    t.parameter(THROTTLE_BURST, Parameter::number(200, 1, 5_000, "Requests the HTTP API accepts in a burst"));
    t.parameter(
        PRICE_CLASS,
        Parameter::string(
            "PriceClass_100",
            "CloudFront edge locations that serve (PriceClass_All is fastest everywhere)",
        )
        .allowed(["PriceClass_100", "PriceClass_200", "PriceClass_All"]),
    );
    t.parameter(
        DOMAIN_NAME,
        Parameter::string("", "Optional custom domain (sho.rt); empty to use the distribution's own domain")
            .pattern("^$|^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"),
    );
    t.parameter(
        CERTIFICATE_ARN,
        Parameter::string("", "ACM certificate in us-east-1 for the custom domain; required with DomainName")
            .pattern("^$|^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$"),
    );
    t.condition(HAS_DOMAIN, Expr::not_empty(DOMAIN_NAME.reference()));
    t.condition(HAS_CERTIFICATE, Expr::not_empty(CERTIFICATE_ARN.reference()));
    // The two come together: a domain without its certificate, or a certificate without a domain, is refused.
    for (id, given, needed, message) in [
        (
            Id("DomainNeedsCertificate"),
            DOMAIN_NAME,
            CERTIFICATE_ARN,
            "A DomainName needs a CertificateArn (ACM, us-east-1)",
        ),
        (Id("CertificateNeedsDomain"), CERTIFICATE_ARN, DOMAIN_NAME, "A CertificateArn needs the DomainName it is for"),
    ] {
        t.rule(
            id,
            Rule {
                rule_condition: Some(Expr::not_empty(given.reference())),
                assertions: vec![Assertion {
                    assert: Expr::not_empty(needed.reference()),
                    assert_description: message.to_owned(),
                }],
            },
        );
    }
}

/// `<stack name><suffix>`: names that must be unique in the account.
fn stack_scoped(suffix: &str) -> Expr {
    Expr::concat([Expr::pseudo(Pseudo::StackName), suffix.into()])
}

/// What differs between the two functions.
struct FunctionSpec<'a> {
    id: Id,
    role: Id,
    logs: Id,
    description: &'static str,
    code: &'a FileAsset,
    memory: Id,
    table_actions: Vec<&'static str>,
    environment: BTreeMap<&'static str, Expr>,
}

/// A function with its own log group and its own role: the table actions it needs and its own logs, nothing else.
fn function(t: &mut Template, spec: FunctionSpec<'_>) -> Id {
    let logs = t.add(spec.logs, LogGroup { retention_in_days: LOG_RETENTION.reference() });
    let role = t.add(
        spec.role,
        Role {
            description: spec.description,
            assume_role_policy_document: PolicyDocument::new(vec![Statement {
                principal: Some(Principal::Service("lambda.amazonaws.com")),
                ..Statement::allow(vec!["sts:AssumeRole"], Vec::new())
            }]),
            policies: vec![
                InlinePolicy {
                    policy_name: "links-table",
                    policy_document: PolicyDocument::new(vec![Statement::allow(
                        spec.table_actions,
                        vec![TABLE.attr("Arn")],
                    )]),
                },
                InlinePolicy {
                    policy_name: "own-logs",
                    policy_document: PolicyDocument::new(vec![Statement::allow(
                        vec!["logs:CreateLogStream", "logs:PutLogEvents"],
                        vec![logs.attr("Arn")],
                    )]),
                },
            ],
        },
    );
    t.add(
        spec.id,
        Function {
            description: spec.description,
            runtime: "provided.al2023",
            handler: "bootstrap",
            code: Code { s3_bucket: assembly::assets_bucket(), s3_key: spec.code.object_key() },
            role: role.attr("Arn"),
            architectures: vec![ARCHITECTURE.reference()],
            memory_size: spec.memory.reference(),
            timeout: 10,
            environment: Environment { variables: spec.environment },
            logging_config: LoggingConfig { log_group: logs.reference() },
        },
    )
}

/// The HTTP API's routes, its `$default` stage (with throttling and access logs) and its permission to invoke.
fn http_api_routes(t: &mut Template, http_api: Id, api: Id) {
    let integration = t.add(
        HTTP_API_INTEGRATION,
        Integration {
            api_id: http_api.reference(),
            integration_type: "AWS_PROXY",
            integration_uri: api.attr("Arn"),
            payload_format_version: "2.0",
        },
    );
    let target = Expr::concat(["integrations/".into(), integration.reference()]);
    // `$default` takes what the named routes do not (a wrong method, HEAD, an unknown /api/ path), so origin-api
    // answers those with its own problem+json 404/405, as it does locally.
    for (id, route_key) in [
        (Id("ShortenRoute"), "POST /shorten"),
        (Id("GetLinkRoute"), "GET /api/links/{id}"),
        (Id("HealthRoute"), "GET /api/health"),
        (Id("DefaultRoute"), "$default"),
    ] {
        t.add(id, Route { api_id: http_api.reference(), route_key, target: target.clone() });
    }
    let access_logs = t.add(HTTP_API_ACCESS_LOGS, LogGroup { retention_in_days: LOG_RETENTION.reference() });
    let access_log_format = BTreeMap::from([
        ("requestId", "$context.requestId"),
        ("time", "$context.requestTime"),
        ("method", "$context.httpMethod"),
        ("path", "$context.path"),
        ("routeKey", "$context.routeKey"),
        ("status", "$context.status"),
        ("latencyMs", "$context.responseLatency"),
        ("integrationError", "$context.integrationErrorMessage"),
    ]);
    t.add(
        HTTP_API_STAGE,
        Stage {
            api_id: http_api.reference(),
            stage_name: "$default",
            auto_deploy: true,
            default_route_settings: RouteSettings {
                throttling_burst_limit: THROTTLE_BURST.reference(),
                throttling_rate_limit: THROTTLE_RATE.reference(),
            },
            access_log_settings: AccessLogSettings {
                destination_arn: access_logs.attr("Arn"),
                format: serde_json::to_string(&access_log_format).unwrap_or_default(),
            },
        },
    );
    t.add(
        HTTP_API_PERMISSION,
        Permission {
            action: "lambda:InvokeFunction",
            function_name: api.reference(),
            principal: "apigateway.amazonaws.com",
            source_arn: Expr::arn("execute-api", [http_api.reference(), "/*".into()]),
            function_url_auth_type: None,
            invoked_via_function_url: None,
        },
    );
}

/// Only the origin access identity may read, and only over TLS.
fn site_bucket_policy(bucket: Id, oai: Id) -> BucketPolicy {
    let objects = Expr::concat([bucket.attr("Arn"), "/*".into()]);
    BucketPolicy {
        bucket: bucket.reference(),
        policy_document: PolicyDocument::new(vec![
            Statement {
                sid: Some("CloudFrontReadsObjects"),
                principal: Some(Principal::CanonicalUser(oai.attr("S3CanonicalUserId"))),
                ..Statement::allow(vec!["s3:GetObject"], vec![objects.clone()])
            },
            Statement {
                sid: Some("TlsOnly"),
                effect: Effect::Deny,
                principal: Some(Principal::Aws("*")),
                condition: BTreeMap::from([("Bool", BTreeMap::from([("aws:SecureTransport", Expr::from("false"))]))]),
                ..Statement::allow(vec!["s3:*"], vec![bucket.attr("Arn"), objects])
            },
        ]),
    }
}

fn distribution(t: &mut Template, bucket: Id, oai: Id, http_api: Id, resolver_url: Id, resolver_oac: Id) -> Id {
    let https_origin = || CustomOriginConfig {
        origin_protocol_policy: "https-only",
        origin_ssl_protocols: vec!["TLSv1.2"],
        https_port: 443,
    };
    let origins = vec![
        Origin {
            id: SITE_ORIGIN,
            domain_name: bucket.attr("RegionalDomainName"),
            s3_origin_config: Some(S3OriginConfig {
                origin_access_identity: Expr::concat(["origin-access-identity/cloudfront/".into(), oai.reference()]),
            }),
            custom_origin_config: None,
            origin_access_control_id: None,
        },
        Origin {
            id: API_ORIGIN,
            domain_name: Expr::concat([
                http_api.reference(),
                ".execute-api.".into(),
                Expr::pseudo(Pseudo::Region),
                ".".into(),
                Expr::pseudo(Pseudo::UrlSuffix),
            ]),
            s3_origin_config: None,
            custom_origin_config: Some(https_origin()),
            origin_access_control_id: None,
        },
        Origin {
            id: RESOLVER_ORIGIN,
            domain_name: Expr::url_host(resolver_url.attr("FunctionUrl")),
            s3_origin_config: None,
            custom_origin_config: Some(https_origin()),
            origin_access_control_id: Some(resolver_oac.attr("Id")),
        },
    ];

    let policies = BehaviourPolicies {
        resolver_cache: t.add(RESOLVER_CACHE_POLICY, resolver_cache_policy()),
        site_headers: t.add(SITE_HEADERS, headers_policy("-site", Some(SITE_CONTENT_SECURITY_POLICY))),
        dynamic_headers: t.add(DYNAMIC_HEADERS, headers_policy("-dynamic", None)),
    };
    let cache_behaviors = ROUTES
        .iter()
        .map(|route| policies.behaviour(route.origin, Some(route.pattern.cloudfront_path_pattern())))
        .collect();

    t.add(
        DISTRIBUTION,
        Distribution {
            distribution_config: DistributionConfig {
                enabled: true,
                comment: "URL shortener: site, API and redirects on one domain",
                default_root_object: "index.html",
                http_version: "http2and3",
                ipv6_enabled: true,
                price_class: PRICE_CLASS.reference(),
                aliases: Expr::if_(HAS_DOMAIN, Expr::List(vec![DOMAIN_NAME.reference()]), Expr::NoValue),
                viewer_certificate: Choice {
                    condition: HAS_CERTIFICATE,
                    then: ViewerCertificate {
                        cloud_front_default_certificate: None,
                        acm_certificate_arn: Some(CERTIFICATE_ARN.reference()),
                        ssl_support_method: Some("sni-only"),
                        minimum_protocol_version: Some("TLSv1.2_2021"),
                    },
                    otherwise: ViewerCertificate {
                        cloud_front_default_certificate: Some(true),
                        acm_certificate_arn: None,
                        ssl_support_method: None,
                        minimum_protocol_version: None,
                    },
                },
                origins,
                default_cache_behavior: policies.behaviour(paths::origin("/{id}"), None),
                cache_behaviors,
            },
        },
    )
}

/// The policies the behaviours share.
struct BehaviourPolicies {
    resolver_cache: Id,
    site_headers: Id,
    dynamic_headers: Id,
}

impl BehaviourPolicies {
    /// The behaviour of the paths a route of the path table sends to `origin`.
    fn behaviour(&self, origin: PathOrigin, path_pattern: Option<String>) -> CacheBehavior {
        let managed = |id: &str| Expr::from(id);
        match origin {
            // Static files: cached per the Cache-Control each object was uploaded with (from the path table).
            PathOrigin::Site => CacheBehavior {
                path_pattern,
                target_origin_id: SITE_ORIGIN,
                viewer_protocol_policy: "redirect-to-https",
                allowed_methods: READ_ONLY.to_vec(),
                cached_methods: READ_ONLY.to_vec(),
                compress: true,
                cache_policy_id: managed(managed::CACHING_OPTIMIZED),
                origin_request_policy_id: None,
                response_headers_policy_id: self.site_headers.reference(),
            },
            // Writes and API reads: never cached, every viewer header but Host forwarded. HTTPS only: a write sent
            // over plain HTTP fails instead of being redirected without its body.
            PathOrigin::Api => CacheBehavior {
                path_pattern,
                target_origin_id: API_ORIGIN,
                viewer_protocol_policy: "https-only",
                allowed_methods: ALL_METHODS.to_vec(),
                cached_methods: READ_ONLY.to_vec(),
                compress: false,
                cache_policy_id: managed(managed::CACHING_DISABLED),
                origin_request_policy_id: Some(managed(managed::ALL_VIEWER_EXCEPT_HOST_HEADER)),
                response_headers_policy_id: self.dynamic_headers.reference(),
            },
            // Redirects: keyed on the path only, kept as long as the resolver's Cache-Control says.
            PathOrigin::Resolver => CacheBehavior {
                path_pattern,
                target_origin_id: RESOLVER_ORIGIN,
                viewer_protocol_policy: "redirect-to-https",
                allowed_methods: READ_ONLY.to_vec(),
                cached_methods: READ_ONLY.to_vec(),
                compress: false,
                cache_policy_id: self.resolver_cache.reference(),
                origin_request_policy_id: None,
                response_headers_policy_id: self.dynamic_headers.reference(),
            },
        }
    }
}

/// The path alone is the key; the resolver's `Cache-Control` decides how long (nothing cached without one).
fn resolver_cache_policy() -> CachePolicy {
    CachePolicy {
        cache_policy_config: CachePolicyConfig {
            name: stack_scoped("-resolver"),
            comment: "Short links: keyed on the path only, kept as long as the resolver's Cache-Control says",
            min_ttl: 0,
            default_ttl: 0,
            max_ttl: ONE_YEAR_SECONDS,
            key: CacheKey {
                enable_accept_encoding_gzip: false,
                enable_accept_encoding_brotli: false,
                headers_config: HeadersConfig { header_behavior: "none" },
                cookies_config: CookiesConfig { cookie_behavior: "none" },
                query_strings_config: QueryStringsConfig { query_string_behavior: "none" },
            },
        },
    }
}

/// HSTS, nosniff, no framing; and the site's CSP where given.
fn headers_policy(suffix: &str, content_security_policy: Option<&'static str>) -> ResponseHeadersPolicy {
    let replace = Override { value: true };
    ResponseHeadersPolicy {
        response_headers_policy_config: ResponseHeadersPolicyConfig {
            name: stack_scoped(suffix),
            comment: "Security headers of the shortener",
            security_headers_config: SecurityHeaders {
                strict_transport_security: Hsts {
                    access_control_max_age_sec: HSTS_SECONDS,
                    include_subdomains: true,
                    preload: false,
                    override_: replace,
                },
                content_type_options: Overriding { override_: replace },
                frame_options: FrameOptions { frame_option: "DENY", override_: replace },
                referrer_policy: ReferrerPolicy {
                    referrer_policy: "strict-origin-when-cross-origin",
                    override_: replace,
                },
                content_security_policy: content_security_policy
                    .map(|policy| ContentSecurityPolicy { content_security_policy: policy, override_: replace }),
            },
        },
    }
}
