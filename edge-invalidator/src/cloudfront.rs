//! The CloudFront adapter of the invalidation port: `CreateInvalidation` on one distribution, split to CloudFront's
//! limit of paths per invalidation, each request named by a `CallerReference` derived from the caller's request
//! name, so a request sent again (a retried stream batch) is answered with the invalidation it already made.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_cloudfront::{
    Client,
    config::http::HttpResponse,
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::create_invalidation::CreateInvalidationError,
    types::{InvalidationBatch, Paths},
};
use shortener_domain::invalidation::{EdgeInvalidator, EdgePath, InvalidationError};

/// Most paths CloudFront takes in one invalidation.
pub const MAX_PATHS_PER_INVALIDATION: usize = 3000;

/// Invalidates paths of one CloudFront distribution.
#[derive(Debug, Clone)]
pub struct CloudFrontInvalidator {
    client: Client,
    distribution_id: String,
}

impl CloudFrontInvalidator {
    /// An invalidator of the distribution `distribution_id` through `client`.
    pub fn new(client: Client, distribution_id: impl Into<String>) -> Self {
        Self { client, distribution_id: distribution_id.into() }
    }

    async fn create(&self, caller_reference: String, paths: &[EdgePath]) -> Result<(), InvalidationError> {
        let quantity = i32::try_from(paths.len()).map_err(|_| InvalidationError::Rejected("too many paths".into()))?;
        let items = paths.iter().map(|path| path.as_str().to_owned()).collect();
        let paths = Paths::builder().quantity(quantity).set_items(Some(items)).build().map_err(rejected)?;
        let batch =
            InvalidationBatch::builder().paths(paths).caller_reference(&caller_reference).build().map_err(rejected)?;
        let created = self
            .client
            .create_invalidation()
            .distribution_id(&self.distribution_id)
            .invalidation_batch(batch)
            .send()
            .await
            .map_err(classify)?;
        let id = created.invalidation().map(|invalidation| invalidation.id()).unwrap_or_default();
        tracing::info!(invalidation = %id, %caller_reference, paths = quantity, "invalidation created");
        Ok(())
    }
}

impl EdgeInvalidator for CloudFrontInvalidator {
    /// Invalidates `paths` under a name of its own (the time, in nanoseconds): use
    /// [`EdgeInvalidator::invalidate_once`] where a request may be sent again.
    async fn invalidate(&self, paths: &[EdgePath]) -> Result<(), InvalidationError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        self.invalidate_once(&format!("at-{}", now.as_nanos()), paths).await
    }

    /// One invalidation per [`MAX_PATHS_PER_INVALIDATION`] paths, in order, the `n`th (from 0) with the
    /// `CallerReference` `<request>-<n>`; stops at the first that fails.
    async fn invalidate_once(&self, request: &str, paths: &[EdgePath]) -> Result<(), InvalidationError> {
        for (n, chunk) in paths.chunks(MAX_PATHS_PER_INVALIDATION).enumerate() {
            self.create(format!("{request}-{n}"), chunk).await?;
        }
        Ok(())
    }
}

fn rejected(error: impl std::fmt::Display) -> InvalidationError {
    InvalidationError::Rejected(error.to_string())
}

/// Sorts an SDK error: what retrying later may fix (timeouts, connection failures, throttling, too many
/// invalidations in progress, 5xx) is [`InvalidationError::Unavailable`]; what it will not (access denied, an
/// invalid argument, a missing distribution) is [`InvalidationError::Rejected`]. The whole error chain is kept.
fn classify(error: SdkError<CreateInvalidationError, HttpResponse>) -> InvalidationError {
    let transient = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(service) => {
            matches!(service.err(), CreateInvalidationError::TooManyInvalidationsInProgress(_))
                || matches!(
                    service.err().code(),
                    Some("Throttling" | "ThrottlingException" | "ServiceUnavailable" | "InternalError")
                )
                || service.raw().status().is_server_error()
                || service.raw().status().as_u16() == 429
        }
        _ => false,
    };
    let detail = DisplayErrorContext(error).to_string();
    if transient { InvalidationError::unavailable(detail) } else { InvalidationError::Rejected(detail) }
}
