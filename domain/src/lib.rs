//! The shortener's domain: what a link is, which input is acceptable, which paths belong to whom, the response
//! header values both origins share, click counting from the edge's logs, and the narrow storage ports the handlers
//! depend on (with their DynamoDB and embedded adapters).
//!
//! Nothing here knows about Lambda or an HTTP server: `origin-api`, `edge-resolver` and the local stack build on it.

mod block;
pub mod clicks;
pub mod headers;
mod id;
pub mod invalidation;
mod link;
#[cfg(feature = "logging")]
pub mod logging;
pub mod paths;
mod public_base;
pub mod site;
pub mod store;
mod target;
#[cfg(feature = "test-support")]
pub mod testing;
mod token;

pub use block::{BlockedHost, HostBlock, HostError, covering_hosts};
pub use id::{IdError, ShortId};
pub use link::{
    Actor, ChangeError, DisableReason, ExpiryError, Link, LinkEdit, LinkState, Resolution, parse_expiry, to_millis,
    to_seconds,
};
pub use public_base::{BaseUrlError, PublicBase};
pub use target::{MAX_URL_BYTES, TargetUrl, UrlError};
pub use token::{ManageToken, TokenError, TokenHash};
