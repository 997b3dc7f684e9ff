//! The `edge-invalidator` Lambda: builds its configuration and the CloudFront client once, at cold start, then
//! turns each batch of the links table's stream records into invalidations. A batch whose invalidation fails is
//! reported failed, so Lambda retries it (halved each time) and finally hands it to the on-failure queue.

use std::time::Duration;

use aws_config::{BehaviorVersion, timeout::TimeoutConfig};
use aws_lambda_events::event::dynamodb::Event;
use clap::Parser;
use edge_invalidator::{InvalidatorConfig, cloudfront::CloudFrontInvalidator, invalidate_changes};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use shortener_domain::logging;

/// Configuration, read from the Lambda's environment variables (or flags).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Config {
    #[command(flatten)]
    invalidator: InvalidatorConfig,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init(logging::Format::Json);
    let config = Config::try_parse().unwrap_or_else(|error| error.exit()).invalidator;
    let timeouts = TimeoutConfig::builder()
        .operation_attempt_timeout(Duration::from_millis(config.cloudfront_attempt_timeout_ms))
        .build();
    let sdk = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts).load().await;
    let edge = CloudFrontInvalidator::new(aws_sdk_cloudfront::Client::new(&sdk), config.distribution_id);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let edge = edge.clone();
        async move {
            let records = event.payload.records.len();
            match invalidate_changes(&event.payload, &edge).await {
                Ok(paths) => {
                    tracing::info!(records, paths, "batch invalidated");
                    Ok(())
                }
                Err(error) => {
                    let cause = std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default();
                    tracing::error!(records, %error, %cause, "batch not invalidated");
                    Err(Error::from(error))
                }
            }
        }
    }))
    .await
}
