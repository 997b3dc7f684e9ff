//! The links table: one on-demand table, kept when the stack goes, keyed and expired on the attributes the
//! DynamoDB adapter reads and writes, with a stream of the keys of what changed for the invalidator.

use shortener_domain::store::table::{EXPIRES_AT, PK};

use super::ids::TABLE;
use crate::{
    cfn::Id,
    resources::dynamodb::{
        AttributeDefinition, KeySchemaElement, PointInTimeRecovery, SseSpecification, StreamSpecification, Table,
        TimeToLive,
    },
    template::Template,
};

/// The table, retained when the stack is deleted or the table replaced, with point-in-time recovery.
pub(super) fn links_table(t: &mut Template) -> Id {
    t.add_retained(
        TABLE,
        Table {
            billing_mode: "PAY_PER_REQUEST",
            attribute_definitions: vec![AttributeDefinition { attribute_name: PK, attribute_type: "S" }],
            key_schema: vec![KeySchemaElement { attribute_name: PK, key_type: "HASH" }],
            time_to_live_specification: TimeToLive { attribute_name: EXPIRES_AT, enabled: true },
            point_in_time_recovery_specification: PointInTimeRecovery { point_in_time_recovery_enabled: true },
            sse_specification: SseSpecification { sse_enabled: true },
            deletion_protection_enabled: true,
            // The invalidator needs only which item changed and how (the event name): keys are enough.
            stream_specification: StreamSpecification { stream_view_type: "KEYS_ONLY" },
        },
    )
}
