//! The `origin-api` Lambda: builds configuration, the DynamoDB client and the API once, at cold start, then
//! serves API Gateway HTTP API (payload 2.0) events.

use std::sync::Arc;

use clap::Parser;
use lambda_http::{Body, Error, service_fn};
use origin_api::{Api, ApiConfig, from_lambda};
use shortener_domain::{
    logging,
    store::dynamodb::{DynamoSettings, DynamoStore},
};

/// Configuration, read from the Lambda's environment variables (or flags).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Config {
    #[command(flatten)]
    api: ApiConfig,
    #[command(flatten)]
    store: DynamoSettings,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    logging::init(logging::Format::Json);
    let config = Config::try_parse().unwrap_or_else(|error| error.exit());
    let store = logging::or_exit(DynamoStore::connect_warmed(&config.store).await);
    let api = Arc::new(Api::new(config.api, store.clone()).with_click_counts(store));
    lambda_http::run(service_fn(move |request: lambda_http::Request| {
        let api = Arc::clone(&api);
        async move {
            let (method, path) = (request.method().clone(), request.uri().path().to_owned());
            let response = logging::answered(&method, &path, api.handle(from_lambda(request))).await;
            Ok::<_, Error>(response.map(Body::from))
        }
    }))
    .await
}
