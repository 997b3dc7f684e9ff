//! What a deployer may choose at deploy time (`cdk deploy --parameters`), each with its default and its bounds.

use super::{
    ONE_YEAR_SECONDS,
    ids::{
        API_MEMORY, ARCHITECTURE, CERTIFICATE_ARN, CORS_ORIGINS, DOMAIN_NAME, EDGE_TTL, HAS_CERTIFICATE, HAS_DOMAIN,
        INVALIDATION_WINDOW, LOG_RETENTION, PRICE_CLASS, REDIRECT_STATUS, RESOLVER_MEMORY, SITE_ORIGIN_ACCESS,
        SITE_USES_OAC, SITE_USES_OAI, THROTTLE_BURST, THROTTLE_RATE,
    },
};
use crate::{
    cfn::{Assertion, Expr, Id, Parameter, Rule},
    template::Template,
};

/// The parameters a deployer may set, the conditions on the optional domain, and the rules that refuse a domain
/// without its certificate (or the reverse) before anything changes.
pub(super) fn parameters(t: &mut Template) {
    t.parameter(
        ARCHITECTURE,
        Parameter::string(
            "x86_64",
            "Instruction set of the functions; must match the zips (scripts/build-lambdas builds x86_64)",
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
        INVALIDATION_WINDOW,
        Parameter::number(
            5,
            0,
            300,
            "Longest the stream gathers changed links before one invalidation, in seconds: part of how long a \
             change takes to reach the edge",
        ),
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
    t.parameter(
        SITE_ORIGIN_ACCESS,
        Parameter::string(
            "OAI",
            "How CloudFront reads the site bucket: OAI (origin access identity) or OAC (origin access control, \
             which AWS recommends and which regions launched after December 2022 require)",
        )
        .allowed(["OAI", "OAC"]),
    );
    t.condition(SITE_USES_OAC, Expr::Equals(Box::new(SITE_ORIGIN_ACCESS.reference()), Box::new("OAC".into())));
    t.condition(SITE_USES_OAI, Expr::Equals(Box::new(SITE_ORIGIN_ACCESS.reference()), Box::new("OAI".into())));
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
