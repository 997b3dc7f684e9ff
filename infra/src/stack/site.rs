//! The static site's bucket: private, encrypted, owned by its owner, readable only by this stack's CloudFront (through
//! an origin access identity, or an origin access control when `SiteOriginAccess` is `OAC`) and only over TLS.

use std::collections::BTreeMap;

use super::{
    distribution_arn,
    ids::{SITE_BUCKET, SITE_BUCKET_POLICY, SITE_OAC, SITE_OAI, SITE_USES_OAC, SITE_USES_OAI},
    regional_name,
};
use crate::{
    cfn::{Choice, Expr, Id},
    resources::{
        cloudfront::{OacConfig, OaiConfig, OriginAccessControl, OriginAccessIdentity},
        iam::{Chosen, PolicyDocument, Principal, Statement},
        s3::{Bucket, BucketEncryption, BucketPolicy, OwnershipControls, OwnershipRule, PublicAccessBlock},
    },
    template::Template,
};

/// The site bucket and how CloudFront reads it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Site {
    /// The bucket.
    pub(super) bucket: Id,
    /// CloudFront's origin access identity (only under `SiteUsesOai`).
    pub(super) oai: Id,
    /// CloudFront's origin access control (only under `SiteUsesOac`).
    pub(super) oac: Id,
}

/// The bucket (retained: it holds what was uploaded) and the one way of reading it that `SiteOriginAccess` chose.
pub(super) fn site_bucket(t: &mut Template) -> Site {
    let bucket = t.add_retained(
        SITE_BUCKET,
        Bucket {
            bucket_name: None,
            bucket_encryption: BucketEncryption::sse_s3(),
            public_access_block_configuration: PublicAccessBlock::all(),
            ownership_controls: OwnershipControls {
                rules: vec![OwnershipRule { object_ownership: "BucketOwnerEnforced" }],
            },
            lifecycle_configuration: None,
            notification_configuration: None,
        },
    );
    let oai = t.add_if(
        SITE_USES_OAI,
        SITE_OAI,
        OriginAccessIdentity {
            cloud_front_origin_access_identity_config: OaiConfig { comment: regional_name(": reads the site bucket") },
        },
    );
    let oac = t.add_if(
        SITE_USES_OAC,
        SITE_OAC,
        OriginAccessControl {
            origin_access_control_config: OacConfig {
                name: regional_name("-site"),
                description: "CloudFront signs every request to the site bucket",
                origin_access_control_origin_type: "s3",
                signing_behavior: "always",
                signing_protocol: "sigv4",
            },
        },
    );
    Site { bucket, oai, oac }
}

/// Only CloudFront may read (as the origin access identity, or as the service on behalf of this distribution), and
/// only over TLS. Added after the distribution, whose ARN the origin access control's grant names.
pub(super) fn site_bucket_policy(t: &mut Template, site: Site, distribution: Id) {
    let Site { bucket, oai, .. } = site;
    let objects = Expr::concat([bucket.attr("Arn"), "/*".into()]);
    let read = |principal, condition| Statement {
        sid: Some("CloudFrontReadsObjects"),
        principal: Some(principal),
        condition,
        ..Statement::allow(vec!["s3:GetObject"], vec![objects.clone()])
    };
    let read = Choice {
        condition: SITE_USES_OAC,
        then: read(
            Principal::Service("cloudfront.amazonaws.com"),
            BTreeMap::from([("StringEquals", BTreeMap::from([("AWS:SourceArn", distribution_arn(distribution))]))]),
        ),
        otherwise: read(Principal::CanonicalUser(oai.attr("S3CanonicalUserId")), BTreeMap::new()),
    };
    let policy = BucketPolicy {
        bucket: bucket.reference(),
        policy_document: PolicyDocument::new([
            Chosen::from(read),
            Chosen::from(Statement::tls_only(vec!["s3:*"], vec![bucket.attr("Arn"), objects.clone()])),
        ]),
    };
    t.add(SITE_BUCKET_POLICY, policy);
}
