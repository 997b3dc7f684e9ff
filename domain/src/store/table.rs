//! The table's attribute names that the stack's definition and the DynamoDB adapter must agree on: the partition
//! key infra declares (and the link prefix its stream filter matches) and the TTL attribute it enables, which the
//! adapter writes. Free of the AWS SDK, so infra reads them without the `dynamodb` feature.

/// The partition key attribute (string): `LINK#<id>` for a link.
pub const PK: &str = "PK";
/// Prefix of a link item's partition key; every other kind of item (host blocks, quota counters) has its own.
pub const LINK_PREFIX: &str = "LINK#";
/// The expiry attribute (number, epoch seconds), also the table's TTL attribute.
pub const EXPIRES_AT: &str = "expiresAt";
