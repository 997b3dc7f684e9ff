//! The `click-counter` Lambda: builds configuration, the DynamoDB and S3 clients once, at cold start, then counts
//! the log files of each batch of SQS messages.

use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use clap::Parser;
use click_counter::{Counter, S3Objects};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use shortener_domain::{
    logging,
    store::dynamodb::{DynamoSettings, DynamoStore},
};

/// Configuration, read from the Lambda's environment variables (or flags).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Config {
    #[command(flatten)]
    store: DynamoSettings,
    /// S3 endpoint override with path-style addressing and static dummy credentials, for a local S3 in tests.
    #[arg(long = "s3-endpoint", env = "S3_ENDPOINT", value_name = "S3_ENDPOINT")]
    s3_endpoint: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init(logging::Format::Json);
    let config = Config::try_parse().unwrap_or_else(|error| error.exit());
    let store = logging::or_exit(DynamoStore::connect_warmed(&config.store).await);
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(endpoint) = &config.s3_endpoint {
        loader = loader
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new("local", "local", None, None, "local-s3"));
    }
    let s3 = aws_sdk_s3::config::Builder::from(&loader.load().await).force_path_style(true).build();
    let counter = Arc::new(Counter::new(store, S3Objects::new(aws_sdk_s3::Client::from_conf(s3))));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let counter = Arc::clone(&counter);
        async move { Ok::<_, Error>(counter.handle(&event.payload).await) }
    }))
    .await
}
