//! The shortener's stack, read top to bottom like a CDK app: the table, the functions, the HTTP API, the site
//! bucket, the CloudFront distribution whose behaviours come from the path table (docs/architecture.md), the
//! function that invalidates it on every link change, and the click counting pipeline on its access logs. Each part
//! lives in its own module and is added by a function named after it.

mod clicks;
mod distribution;
mod functions;
mod http_api;
mod ids;
pub mod invalidator;
mod parameters;
mod site;
mod table;

use clicks::{access_logging, click_counter, click_logs};
use distribution::distribution;
use functions::{api_function, resolver_function, resolver_url_permissions};
use http_api::{http_api, http_api_routes};
use ids::{DOMAIN_NAME, HAS_DOMAIN};
use invalidator::invalidator;
use parameters::parameters;
use site::{Site, site_bucket, site_bucket_policy};
use table::links_table;

use crate::{
    assembly::{self, FileAsset},
    cfn::{Expr, Id, Pseudo},
    template::Template,
};

/// The code of the functions, as assets of the assembly.
#[derive(Debug, Clone, Copy)]
pub struct FunctionCode<'a> {
    /// `origin-api`'s zip.
    pub origin_api: &'a FileAsset,
    /// `edge-resolver`'s zip.
    pub edge_resolver: &'a FileAsset,
    /// `edge-invalidator`'s zip.
    pub edge_invalidator: &'a FileAsset,
    /// `click-counter`'s zip.
    pub click_counter: &'a FileAsset,
}

/// A year: the longest any origin may ask CloudFront to keep a response.
const ONE_YEAR_SECONDS: u32 = 31_536_000;

/// Builds the whole stack for the stack named `stack_name` (the log bucket's name derives from it).
pub fn build(stack_name: &str, code: FunctionCode<'_>) -> Template {
    let mut t = Template::new(
        "URL shortener: CloudFront in front of a private S3 site, an HTTP API (origin-api) and a \
         function URL (edge-resolver), on one DynamoDB table whose stream edge-invalidator turns into CloudFront \
         invalidations. Synthesized by shortener-infra.",
    );
    assembly::add_bootstrap_check(&mut t);
    parameters(&mut t);
    let table = links_table(&mut t);
    let resolver = resolver_function(&mut t, table, code.edge_resolver);
    let http_api = http_api(&mut t);
    let site = site_bucket(&mut t);
    let click_logs = click_logs(&mut t, stack_name);
    let distribution = distribution(&mut t, site, http_api, resolver.url, access_logging(&click_logs));
    site_bucket_policy(&mut t, site, distribution);
    resolver_url_permissions(&mut t, resolver.function, distribution);
    let public_base_url = public_base_url(distribution);
    let api = api_function(&mut t, table, code.origin_api, distribution, public_base_url.clone());
    http_api_routes(&mut t, http_api, api);
    invalidator(&mut t, table, code.edge_invalidator, distribution);
    click_counter(&mut t, table, code.click_counter, &click_logs);
    outputs(&mut t, public_base_url, http_api, site, distribution);
    t
}

/// The shortener's public URL: the custom domain when one is given, the distribution's own otherwise.
fn public_base_url(distribution: Id) -> Expr {
    Expr::if_(
        HAS_DOMAIN,
        Expr::concat(["https://".into(), DOMAIN_NAME.reference(), "/".into()]),
        Expr::concat(["https://".into(), distribution.attr("DomainName"), "/".into()]),
    )
}

/// What a deploy prints and what the deploy command reads back: the URL, the bucket to upload to, the distribution.
fn outputs(t: &mut Template, public_base_url: Expr, http_api: Id, site: Site, distribution: Id) {
    t.output(Id("SiteUrl"), "The shortener's public URL: the site, the API and the short links", public_base_url);
    t.output(
        Id("ApiEndpoint"),
        "The HTTP API's own endpoint (the site reaches it through CloudFront)",
        http_api.attr("ApiEndpoint"),
    );
    t.output(Id("BucketName"), "The site bucket: the deploy command uploads site/ here", site.bucket.reference());
    t.output(Id("DistributionId"), "The CloudFront distribution, for invalidations", distribution.reference());
    t.output(
        Id("DistributionDomainName"),
        "The distribution's own host name (point a custom domain's DNS here)",
        distribution.attr("DomainName"),
    );
}

/// `<stack name>-<region><suffix>`: a name unique per stack and region, as CloudFront requires of its policies and
/// access controls (CloudFront is global: the same stack in a second region of the account needs names of its own).
/// [`crate::MAX_STACK_NAME`] keeps the longest within CloudFront's 64 characters.
fn regional_name(suffix: &str) -> Expr {
    Expr::concat([Expr::pseudo(Pseudo::StackName), "-".into(), Expr::pseudo(Pseudo::Region), suffix.into()])
}

/// The distribution's ARN, for the conditions that let only it reach an origin.
fn distribution_arn(distribution: Id) -> Expr {
    Expr::concat([
        "arn:".into(),
        Expr::pseudo(Pseudo::Partition),
        ":cloudfront::".into(),
        Expr::pseudo(Pseudo::AccountId),
        ":distribution/".into(),
        distribution.reference(),
    ])
}
