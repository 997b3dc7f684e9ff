//! `edge-invalidator`: the function on the links table's DynamoDB Stream that tells CloudFront to forget the links
//! that changed. The stream sees every change whoever made it (the API, the operator tool, a console edit, a TTL
//! deletion), so this is the one place that keeps the edge in step with the table. The handler core
//! ([`invalidate_changes`]) is the same whatever edge it is given: CloudFront deployed ([`cloudfront`]), Varnish
//! in the local edge.

pub mod cloudfront;
pub mod records;
#[cfg(feature = "test-support")]
pub mod stream;
#[cfg(feature = "test-support")]
pub mod testing;

pub use aws_lambda_events::event::dynamodb::Event;
use clap::Args;
use shortener_domain::invalidation::{EdgeInvalidator, InvalidationError};

/// What the function is told, from its environment variables (or flags).
#[derive(Debug, Clone, Args)]
pub struct InvalidatorConfig {
    /// The CloudFront distribution whose edge keeps the links' answers.
    #[arg(long, env = "DISTRIBUTION_ID")]
    pub distribution_id: String,
    /// Time allowed for one attempt of one CloudFront call, in milliseconds (connecting included).
    #[arg(long, env = "CLOUDFRONT_ATTEMPT_TIMEOUT_MS", default_value_t = 5000)]
    pub cloudfront_attempt_timeout_ms: u64,
}

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
