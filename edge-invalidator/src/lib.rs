//! `edge-invalidator`: the function on the links table's DynamoDB Stream that tells CloudFront to forget the links
//! that changed. The stream sees every change whoever made it (the API, the operator tool, a console edit, a TTL
//! deletion), so this is the one place that keeps the edge in step with the table. The handler core
//! ([`invalidate_changes`]) is the same whatever edge it is given: CloudFront deployed ([`cloudfront`]), Varnish
//! in the local edge.

pub mod cloudfront;
pub mod records;
#[cfg(feature = "test-support")]
pub mod testing;

use aws_lambda_events::event::dynamodb::Event;
use shortener_domain::invalidation::{EdgeInvalidator, InvalidationError};

/// Invalidates at `edge` every path of the links changed or removed in `event` (nothing for a batch of creates or
/// of other items), in one request named after the batch, so a retried batch does not invalidate twice. Returns
/// how many paths were invalidated.
pub async fn invalidate_changes(event: &Event, edge: &impl EdgeInvalidator) -> Result<usize, InvalidationError> {
    let paths = records::edge_paths(&event.records);
    if paths.is_empty() {
        return Ok(0);
    }
    edge.invalidate_once(&records::batch_reference(&event.records), &paths).await?;
    Ok(paths.len())
}
