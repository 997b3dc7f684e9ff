//! The `edge-resolver` Lambda: builds configuration, the DynamoDB client and the cache once, at cold start, then
//! serves Lambda function URL events as CloudFront forwards them.

use std::sync::Arc;

use clap::Parser;
use edge_resolver::{Resolver, ResolverConfig};
use lambda_http::{Body, Error, service_fn};
use shortener_domain::{
    logging,
    store::dynamodb::{DynamoSettings, DynamoStore},
};

/// Configuration, read from the Lambda's environment variables (or flags).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Config {
    #[command(flatten)]
    resolver: ResolverConfig,
    #[command(flatten)]
    store: DynamoSettings,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init(logging::Format::Json);
    let config = Config::try_parse().unwrap_or_else(|error| error.exit());
    let store = logging::or_exit(DynamoStore::connect_warmed(&config.store).await);
    let resolver = Arc::new(Resolver::new(config.resolver, store));
    lambda_http::run(service_fn(move |request: lambda_http::Request| {
        let resolver = Arc::clone(&resolver);
        async move {
            let response = logging::answered(request.method(), request.uri().path(), resolver.handle(&request)).await;
            Ok::<_, Error>(response.map(Body::from))
        }
    }))
    .await
}
