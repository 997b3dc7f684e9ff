//! S3: the site bucket, locked to its owner and encrypted, and its bucket policy.

use serde::Serialize;

use crate::{cfn::Expr, resources::iam::PolicyDocument};

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
