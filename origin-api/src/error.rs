//! Every way an API request fails, the status each maps to, and its `application/problem+json` (RFC 9457) body.
//! Internal causes are logged here and never sent to the client.

use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use shortener_domain::{
    ChangeError, ExpiryError, IdError, UrlError,
    headers::RETRY_AFTER_SECONDS,
    store::{PutError, StoreError, UpdateError},
};

/// A failed API request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not JSON of the expected shape (syntax error, missing field, wrong type).
    #[error("{0}")]
    BadRequest(String),
    /// 401 with `WWW-Authenticate: Bearer`: no manage token, a malformed one, or not this link's. One answer
    /// for all three, so that a token cannot be probed.
    #[error("send this link's manage token as Authorization: Bearer <token>")]
    Unauthorized,
    /// 403: the operator disabled the link, so its owner can no longer change it or read its click counts.
    #[error("the link was disabled by the operator: it can no longer be changed, nor its clicks read")]
    Disabled,
    /// 404: no such link, an ID that cannot exist, or a deleted link.
    #[error("no link with this ID exists")]
    NotFound,
    /// 404: a path under `/api/` that is not an API route.
    #[error("there is no API route at this path")]
    NoRoute,
    /// 405: the path exists but not with this method; carries the `Allow` header's value.
    #[error("method not allowed; use {0}")]
    MethodNotAllowed(String),
    /// 409: the requested alias already belongs to another link.
    #[error("this alias is already taken")]
    AliasTaken,
    /// 409: another change to the link was written between this request's read and its write (a lost
    /// conditional write); nothing was written.
    #[error("the link was changed meanwhile; reload it and retry")]
    Conflict,
    /// 410: the link existed but has expired.
    #[error("this link has expired")]
    Expired,
    /// 413: the body is larger than [`crate::MAX_BODY_BYTES`].
    #[error("the request body is larger than {} bytes", crate::MAX_BODY_BYTES)]
    PayloadTooLarge,
    /// 415: a `Content-Type` other than JSON.
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// 422: the URL breaks a rule.
    #[error("{0}")]
    InvalidUrl(#[from] UrlError),
    /// 422: the operator blocked the target's host (or a parent domain of it).
    #[error("links to {0} are not accepted: the host is blocked")]
    BlockedHost(String),
    /// 422: the alias breaks a rule.
    #[error("the alias {0}")]
    InvalidAlias(#[from] IdError),
    /// 422: the expiry is not an RFC 3339 time in the future.
    #[error("{0}")]
    InvalidExpiry(#[from] ExpiryError),
    /// 422 on another field: `error` (one of the 422 variants) concerns the request field `field`, as in a
    /// `PATCH`, whose field names differ from those of `POST /shorten`.
    #[error("{error}")]
    InField {
        /// The request field.
        field: &'static str,
        /// What is wrong with it.
        error: Box<ApiError>,
    },
    /// 429 with `Retry-After`: this client created as many links this hour as the quota allows.
    #[error("too many links created from this address this hour; try again in {retry_after} seconds")]
    QuotaExhausted {
        /// Seconds until the next hour, when the quota starts afresh.
        retry_after: u64,
    },
    /// 501: this API was given no store of click counts (see [`crate::Api::with_click_counts`]).
    #[error("click counts are not kept where this API runs")]
    NotCounted,
    /// 503 with `Retry-After`: the store could not be reached. The cause is logged, not sent.
    #[error("the link store is unavailable; try again shortly")]
    Unavailable(#[source] StoreError),
    /// 500: a fault of ours (a corrupt item, no randomness, endless ID collisions). The cause is logged, not sent.
    #[error("an internal error occurred")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => Self::Unavailable(error),
            StoreError::Rejected(_) | StoreError::Corrupt { .. } => Self::Internal(error.to_string()),
        }
    }
}

impl From<UpdateError> for ApiError {
    /// A lost conditional write becomes [`ApiError::Conflict`].
    fn from(error: UpdateError) -> Self {
        match error {
            UpdateError::Conflict => Self::Conflict,
            UpdateError::NotFound => Self::NotFound,
            UpdateError::Store(error) => error.into(),
        }
    }
}

impl From<ChangeError> for ApiError {
    fn from(error: ChangeError) -> Self {
        match error {
            ChangeError::Deleted => Self::NotFound,
            ChangeError::Disabled => Self::Disabled,
            ChangeError::NotDisabled => Self::Internal("the owner asked for an operator's change".to_owned()),
        }
    }
}

impl From<PutError> for ApiError {
    /// The one place a storage constraint failure becomes a domain error.
    fn from(error: PutError) -> Self {
        match error {
            PutError::Taken => Self::AliasTaken,
            PutError::Store(error) => error.into(),
        }
    }
}

/// The RFC 9457 body.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    /// The request field the problem concerns, so a form can show the message next to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Disabled => StatusCode::FORBIDDEN,
            Self::NotFound | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::AliasTaken | Self::Conflict => StatusCode::CONFLICT,
            Self::Expired => StatusCode::GONE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidUrl(_) | Self::BlockedHost(_) | Self::InvalidAlias(_) | Self::InvalidExpiry(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::InField { error, .. } => error.status(),
            Self::QuotaExhausted { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotCounted => StatusCode::NOT_IMPLEMENTED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad-request",
            Self::Unauthorized => "unauthorized",
            Self::Disabled => "disabled",
            Self::NotFound => "not-found",
            Self::NoRoute => "no-route",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::AliasTaken => "alias-taken",
            Self::Conflict => "conflict",
            Self::Expired => "expired",
            Self::PayloadTooLarge => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::InvalidUrl(_) => "invalid-url",
            Self::BlockedHost(_) => "blocked-host",
            Self::InvalidAlias(_) => "invalid-alias",
            Self::InvalidExpiry(_) => "invalid-expiry",
            Self::InField { error, .. } => error.slug(),
            Self::QuotaExhausted { .. } => "quota-exhausted",
            Self::NotCounted => "not-counted",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidUrl(_) | Self::BlockedHost(_) => Some("urlToShorten"),
            Self::InField { field, .. } => Some(field),
            Self::InvalidAlias(_) | Self::AliasTaken => Some("alias"),
            Self::InvalidExpiry(_) => Some("expiresAt"),
            _ => None,
        }
    }

    /// This error, when it is one of the 422 variants, as concerning the request field `field`.
    pub fn in_field(self, field: &'static str) -> Self {
        match self.status() {
            StatusCode::UNPROCESSABLE_ENTITY => Self::InField { field, error: Box::new(self) },
            _ => self,
        }
    }

    /// The problem+json response, with `Allow` or `Retry-After` where the status calls for them.
    pub fn into_response(self) -> http::Response<String> {
        match &self {
            Self::Unavailable(cause) => {
                tracing::warn!(error = %cause, cause = ?cause, "store unavailable");
            }
            Self::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
            }
            _ => {}
        }
        let status = self.status();
        let problem = Problem {
            kind: format!("urn:shortener:problem:{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.to_string(),
            field: self.field(),
        };
        let body = serde_json::to_string(&problem).unwrap_or_default();
        let mut response = http::Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match self {
            Self::MethodNotAllowed(allow) => {
                if let Ok(allow) = HeaderValue::try_from(allow) {
                    headers.insert(header::ALLOW, allow);
                }
            }
            Self::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
            }
            Self::QuotaExhausted { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            Self::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}
