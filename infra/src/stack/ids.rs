//! Logical IDs of what the other parts of the stack refer to, chosen once: renaming one replaces the resource (or
//! changes the parameter a deployer passes) on the next deploy.

use crate::cfn::Id;

// Resources.
pub(super) const TABLE: Id = Id("LinksTable");
pub(super) const RESOLVER_LOGS: Id = Id("ResolverLogGroup");
pub(super) const RESOLVER_ROLE: Id = Id("ResolverRole");
pub(super) const RESOLVER: Id = Id("ResolverFunction");
pub(super) const RESOLVER_URL: Id = Id("ResolverFunctionUrl");
pub(super) const RESOLVER_URL_PERMISSION: Id = Id("ResolverUrlPermission");
pub(super) const RESOLVER_INVOKE_PERMISSION: Id = Id("ResolverInvokePermission");
pub(super) const RESOLVER_OAC: Id = Id("ResolverOriginAccessControl");
pub(super) const RESOLVER_CACHE_POLICY: Id = Id("ResolverCachePolicy");
pub(super) const API_LOGS: Id = Id("ApiLogGroup");
pub(super) const API_ROLE: Id = Id("ApiRole");
pub(super) const API: Id = Id("ApiFunction");
pub(super) const INVALIDATOR_LOGS: Id = Id("InvalidatorLogGroup");
pub(super) const INVALIDATOR_ROLE: Id = Id("InvalidatorRole");
pub(super) const INVALIDATOR: Id = Id("InvalidatorFunction");
pub(super) const INVALIDATOR_STREAM: Id = Id("InvalidatorStreamMapping");
pub(super) const INVALIDATOR_FAILURES: Id = Id("InvalidatorFailureQueue");
pub(super) const INVALIDATOR_FAILURES_ALARM: Id = Id("InvalidatorFailureAlarm");
pub(super) const HTTP_API: Id = Id("HttpApi");
pub(super) const HTTP_API_INTEGRATION: Id = Id("HttpApiIntegration");
pub(super) const HTTP_API_PERMISSION: Id = Id("HttpApiPermission");
pub(super) const HTTP_API_STAGE: Id = Id("HttpApiStage");
pub(super) const HTTP_API_ACCESS_LOGS: Id = Id("HttpApiAccessLogGroup");
pub(super) const SITE_BUCKET: Id = Id("SiteBucket");
pub(super) const SITE_BUCKET_POLICY: Id = Id("SiteBucketPolicy");
pub(super) const SITE_OAI: Id = Id("SiteOriginAccessIdentity");
pub(super) const SITE_OAC: Id = Id("SiteOriginAccessControl");
pub(super) const SITE_HEADERS: Id = Id("SiteHeadersPolicy");
pub(super) const DYNAMIC_HEADERS: Id = Id("DynamicHeadersPolicy");
pub(super) const DISTRIBUTION: Id = Id("Distribution");

// Parameters and conditions.
pub(super) const ARCHITECTURE: Id = Id("Architecture");
pub(super) const RESOLVER_MEMORY: Id = Id("ResolverMemorySize");
pub(super) const API_MEMORY: Id = Id("ApiMemorySize");
pub(super) const LOG_RETENTION: Id = Id("LogRetentionDays");
pub(super) const REDIRECT_STATUS: Id = Id("RedirectStatus");
pub(super) const EDGE_TTL: Id = Id("EdgeTtlSeconds");
pub(super) const INVALIDATION_WINDOW: Id = Id("InvalidationBatchingWindowSeconds");
pub(super) const CORS_ORIGINS: Id = Id("CorsAllowOrigins");
pub(super) const THROTTLE_RATE: Id = Id("ApiThrottlingRateLimit");
pub(super) const THROTTLE_BURST: Id = Id("ApiThrottlingBurstLimit");
pub(super) const PRICE_CLASS: Id = Id("PriceClass");
pub(super) const DOMAIN_NAME: Id = Id("DomainName");
pub(super) const CERTIFICATE_ARN: Id = Id("CertificateArn");
pub(super) const HAS_DOMAIN: Id = Id("HasDomainName");
pub(super) const HAS_CERTIFICATE: Id = Id("HasCertificate");
pub(super) const SITE_ORIGIN_ACCESS: Id = Id("SiteOriginAccess");
pub(super) const SITE_USES_OAC: Id = Id("SiteUsesOac");
pub(super) const SITE_USES_OAI: Id = Id("SiteUsesOai");
