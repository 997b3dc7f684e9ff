//! The shortener's domain: what a link is, which input is acceptable, which paths belong to whom, the response
//! header values both origins share, and the narrow storage ports the handlers depend on (with their DynamoDB and
//! embedded adapters).
//!
//! Nothing here knows about Lambda or an HTTP server: `origin-api`, `edge-resolver` and the local stack build on it.

pub mod headers;
mod id;
mod link;
#[cfg(feature = "logging")]
pub mod logging;
pub mod paths;
mod public_base;
pub mod store;
mod target;
#[cfg(feature = "test-support")]
pub mod testing;

pub use id::{IdError, ShortId};
pub use link::{ExpiryError, Link, parse_expiry, to_millis, to_seconds};
pub use public_base::{BaseUrlError, PublicBase};
pub use target::{MAX_URL_BYTES, TargetUrl, UrlError};
