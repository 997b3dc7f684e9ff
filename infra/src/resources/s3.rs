//! S3: the site bucket and the access log bucket, locked to their owner and encrypted, and their bucket policies;
//! the log bucket's expiry and its notification of new log files.

use serde::Serialize;

use crate::{cfn::Expr, resources::iam::PolicyDocument};

/// `AWS::S3::Bucket`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    /// A name chosen in the template (needed where a policy must name the bucket before it exists); CloudFormation
    /// draws one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_name: Option<Expr>,
    /// Encryption at rest.
    pub bucket_encryption: BucketEncryption,
    /// Every kind of public access blocked.
    pub public_access_block_configuration: PublicAccessBlock,
    /// Who owns the objects others write, and whether ACLs apply.
    pub ownership_controls: OwnershipControls,
    /// When objects expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_configuration: Option<LifecycleConfiguration>,
    /// Where new objects are announced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_configuration: Option<NotificationConfiguration>,
}

/// A bucket's default encryption.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    /// One rule.
    pub server_side_encryption_configuration: Vec<EncryptionRule>,
}

impl BucketEncryption {
    /// SSE-S3 (`AES256`), which an origin access identity can read and CloudFront's log delivery can write.
    pub fn sse_s3() -> Self {
        Self {
            server_side_encryption_configuration: vec![EncryptionRule {
                server_side_encryption_by_default: EncryptionByDefault { sse_algorithm: "AES256" },
            }],
        }
    }
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

impl PublicAccessBlock {
    /// Every kind of public access blocked.
    pub fn all() -> Self {
        Self {
            block_public_acls: true,
            block_public_policy: true,
            ignore_public_acls: true,
            restrict_public_buckets: true,
        }
    }
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
    /// `BucketOwnerEnforced` (ACLs disabled), or `BucketOwnerPreferred` (ACLs honoured, objects written with
    /// `bucket-owner-full-control` owned by the bucket owner).
    pub object_ownership: &'static str,
}

/// A bucket's lifecycle rules.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleConfiguration {
    /// The rules.
    pub rules: Vec<LifecycleRule>,
}

/// A lifecycle rule over the whole bucket.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRule {
    /// Its name.
    pub id: &'static str,
    /// `Enabled`.
    pub status: &'static str,
    /// Days after creation an object is deleted.
    pub expiration_in_days: Expr,
    /// Parts of an upload never completed are deleted after this.
    pub abort_incomplete_multipart_upload: AbortIncompleteMultipartUpload,
}

/// How long an incomplete multipart upload is kept.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortIncompleteMultipartUpload {
    /// Days after it began.
    pub days_after_initiation: u32,
}

/// A bucket's event notifications.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotificationConfiguration {
    /// Notifications sent to SQS queues.
    pub queue_configurations: Vec<QueueConfiguration>,
}

/// Events of some keys sent to a queue.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueueConfiguration {
    /// `s3:ObjectCreated:*`.
    pub event: &'static str,
    /// The queue's ARN.
    pub queue: Expr,
    /// Which keys.
    pub filter: NotificationFilter,
}

/// Key filter of a notification.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationFilter {
    /// The rules on the key.
    #[serde(rename = "S3Key")]
    pub s3_key: KeyFilter,
}

/// Prefix and suffix rules on a key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyFilter {
    /// The rules, all of which a key must meet.
    pub rules: Vec<FilterRule>,
}

/// One rule on a key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FilterRule {
    /// `prefix` or `suffix`.
    pub name: &'static str,
    /// What the key starts or ends with.
    pub value: &'static str,
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
