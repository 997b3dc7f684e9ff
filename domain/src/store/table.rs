//! The table's attribute names that the stack's definition and the DynamoDB adapter must agree on: the partition
//! key infra declares (and the link prefix its stream filter matches), the TTL attribute it enables, and the keys its
//! roles are limited to, which the adapter writes. Free of the AWS SDK, so infra reads them without the `dynamodb`
//! feature.

/// The partition key attribute (string): `LINK#<id>` for a link.
pub const PK: &str = "PK";
/// Prefix of a link item's partition key; every other kind of item (host blocks, quota counters) has its own.
pub const LINK_PREFIX: &str = "LINK#";
/// The expiry attribute (number, epoch seconds), also the table's TTL attribute.
pub const EXPIRES_AT: &str = "expiresAt";
/// Prefix of a click count's partition key: `CLICKS#<id>#<yyyy-mm-dd>` (infra lets the counting function update
/// only keys with it, [`LOG_PREFIX`] and [`COUNTED_UNTIL_KEY`]).
pub const CLICKS_PREFIX: &str = "CLICKS#";
/// Prefix of a log file chunk's idempotency marker: `LOG#<file>#<chunk>`.
pub const LOG_PREFIX: &str = "LOG#";
/// Partition key of the item holding `countedUntil`; no link, count or marker key has it.
pub const COUNTED_UNTIL_KEY: &str = "CLICKS-COUNTED-UNTIL";
/// The key the functions' init warm-up reads, which no item has.
pub const WARM_UP_KEY: &str = "WARM-UP";
