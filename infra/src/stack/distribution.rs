//! The CloudFront distribution: one domain for the site, the API and the short links. Its behaviours come from the
//! path table, so CloudFront sends each path where the local stack does.

use shortener_domain::paths::{self, Origin as PathOrigin, ROUTES, SITE_CONTENT_SECURITY_POLICY};

use super::{
    ONE_YEAR_SECONDS,
    ids::{
        CERTIFICATE_ARN, DISTRIBUTION, DOMAIN_NAME, DYNAMIC_HEADERS, HAS_CERTIFICATE, HAS_DOMAIN, PRICE_CLASS,
        RESOLVER_CACHE_POLICY, RESOLVER_OAC, SITE_HEADERS, SITE_USES_OAC,
    },
    regional_name,
    site::Site,
};
use crate::{
    cfn::{Choice, Expr, Id, Pseudo},
    resources::cloudfront::{
        CacheBehavior, CacheKey, CachePolicy, CachePolicyConfig, ContentSecurityPolicy, CookiesConfig,
        CustomErrorResponse, CustomOriginConfig, Distribution, DistributionConfig, FrameOptions, HeadersConfig, Hsts,
        Logging, OacConfig, Origin, OriginAccessControl, OriginCustomHeader, Override, Overriding, QueryStringsConfig,
        ReferrerPolicy, ResponseHeadersPolicy, ResponseHeadersPolicyConfig, S3OriginConfig, SecurityHeaders,
        ViewerCertificate,
    },
    template::Template,
};

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

/// The header in which CloudFront shows the API that a request came through it (the API then trusts the
/// `CloudFront-Viewer-Address` CloudFront sets on it, for the creation quota).
pub(super) const ORIGIN_SECRET_HEADER: &str = "X-Origin-Verify";

/// The value of [`ORIGIN_SECRET_HEADER`]: the UUID at the end of the stack's ID, drawn by CloudFormation when it
/// created the stack, so unknown outside the account, fixed for the stack's life, and in no file of this
/// repository. The API gets it as its `ORIGIN_SECRET` setting.
pub(super) fn origin_secret() -> Expr {
    Expr::Select(2, Box::new(Expr::Split("/", Box::new(Expr::pseudo(Pseudo::StackId)))))
}

/// The origin IDs within the distribution.
const SITE_ORIGIN: &str = "site";
const API_ORIGIN: &str = "api";
const RESOLVER_ORIGIN: &str = "resolver";

const READ_ONLY: [&str; 2] = ["GET", "HEAD"];
const ALL_METHODS: [&str; 7] = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"];
const HSTS_SECONDS: u32 = 63_072_000;

/// The error statuses the resolver answers with (and CloudFront lets a distribution configure), each with its own
/// `Cache-Control`: `public, max-age` for 404, `no-store` for 405, 500 and 503. CloudFront keeps an error for the
/// longer of its `max-age` and the status's minimum TTL (10 s unless set), and keeps a 405, 500 or 503 for that
/// minimum whatever `no-store` says; a minimum of 0 leaves the resolver's header alone in charge. (Its other error,
/// 410, CloudFront cannot configure: docs/deployed-edge.md.)
const RESOLVER_ERROR_STATUSES: [u16; 4] = [404, 405, 500, 503];

/// The distribution, its three origins (the site bucket, the HTTP API, the resolver's URL signed by an origin access
/// control), one behaviour per route of the path table, the resolver's taking every other path, and its access logs.
pub(super) fn distribution(t: &mut Template, site: Site, http_api: Id, resolver_url: Id, logging: Logging) -> Id {
    let resolver_oac = t.add(
        RESOLVER_OAC,
        OriginAccessControl {
            origin_access_control_config: OacConfig {
                name: regional_name("-resolver"),
                description: "CloudFront signs every request to the resolver's function URL",
                origin_access_control_origin_type: "lambda",
                signing_behavior: "always",
                signing_protocol: "sigv4",
            },
        },
    );
    let origins = origins(site, http_api, resolver_url, resolver_oac);

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
                viewer_certificate: viewer_certificate(),
                origins,
                default_cache_behavior: policies.behaviour(paths::origin("/{id}"), None),
                cache_behaviors,
                custom_error_responses: RESOLVER_ERROR_STATUSES
                    .map(|error_code| CustomErrorResponse { error_code, error_caching_min_ttl: 0 })
                    .to_vec(),
                logging,
            },
        },
    )
}

/// Where the distribution sends requests: the site bucket (read through its origin access identity, or signed by
/// its origin access control), the HTTP API, and the resolver's URL, every request to it signed by its own.
fn origins(site: Site, http_api: Id, resolver_url: Id, resolver_oac: Id) -> Vec<Origin> {
    let https_origin = || CustomOriginConfig {
        origin_protocol_policy: "https-only",
        origin_ssl_protocols: vec!["TLSv1.2"],
        https_port: 443,
    };
    vec![
        Origin {
            id: SITE_ORIGIN,
            domain_name: site.bucket.attr("RegionalDomainName"),
            s3_origin_config: Some(S3OriginConfig {
                origin_access_identity: Expr::if_(
                    SITE_USES_OAC,
                    "",
                    Expr::concat(["origin-access-identity/cloudfront/".into(), site.oai.reference()]),
                ),
            }),
            custom_origin_config: None,
            origin_access_control_id: Some(Expr::if_(SITE_USES_OAC, site.oac.attr("Id"), Expr::NoValue)),
            origin_custom_headers: Vec::new(),
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
            origin_custom_headers: vec![OriginCustomHeader {
                header_name: ORIGIN_SECRET_HEADER,
                header_value: origin_secret(),
            }],
        },
        Origin {
            id: RESOLVER_ORIGIN,
            domain_name: Expr::url_host(resolver_url.attr("FunctionUrl")),
            s3_origin_config: None,
            custom_origin_config: Some(https_origin()),
            origin_access_control_id: Some(resolver_oac.attr("Id")),
            origin_custom_headers: Vec::new(),
        },
    ]
}

/// The custom domain's ACM certificate when one is given, CloudFront's own otherwise.
fn viewer_certificate() -> Choice<ViewerCertificate> {
    Choice {
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
    }
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
            name: regional_name("-resolver"),
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
            name: regional_name(suffix),
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
