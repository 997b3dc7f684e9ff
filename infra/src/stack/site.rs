//! The static site's bucket: private, encrypted, owned by its owner, readable only by CloudFront's origin access
//! identity and only over TLS.

use std::collections::BTreeMap;

use super::{
    ids::{SITE_BUCKET, SITE_BUCKET_POLICY, SITE_OAI},
    stack_scoped,
};
use crate::{
    cfn::{Expr, Id},
    resources::{
        cloudfront::{OaiConfig, OriginAccessIdentity},
        iam::{Effect, PolicyDocument, Principal, Statement},
        s3::{
            Bucket, BucketEncryption, BucketPolicy, EncryptionByDefault, EncryptionRule, OwnershipControls,
            OwnershipRule, PublicAccessBlock,
        },
    },
    template::Template,
};

/// The site bucket and the identity CloudFront reads it as.
#[derive(Debug, Clone, Copy)]
pub(super) struct Site {
    /// The bucket.
    pub(super) bucket: Id,
    /// CloudFront's origin access identity.
    pub(super) oai: Id,
}

/// The bucket (retained: it holds what was uploaded), the origin access identity and the bucket policy.
pub(super) fn site_bucket(t: &mut Template) -> Site {
    let bucket = t.add_retained(
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
    let oai = t.add(
        SITE_OAI,
        OriginAccessIdentity {
            cloud_front_origin_access_identity_config: OaiConfig { comment: stack_scoped(": reads the site bucket") },
        },
    );
    t.add(SITE_BUCKET_POLICY, site_bucket_policy(bucket, oai));
    Site { bucket, oai }
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
