//! The table's attribute names that the stack's definition and the DynamoDB adapter must agree on: the partition
//! key infra declares and the TTL attribute it enables, which the adapter writes. Free of the AWS SDK, so infra
//! reads them without the `dynamodb` feature.

/// The partition key attribute (string): `LINK#<id>` for a link.
pub const PK: &str = "PK";
/// The expiry attribute (number, epoch seconds), also the table's TTL attribute.
pub const EXPIRES_AT: &str = "expiresAt";
