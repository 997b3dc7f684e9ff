//! The local stack: the site, the API and the redirects on one port, routed by the same path table CloudFront
//! uses and answered by the same handler code the Lambdas run. Embedded store by default; DynamoDB on request.

pub mod access_log;
mod config;
pub mod edge_cache;
mod header_timer;
mod routing;
mod server;
mod signals;
mod site;
mod store;

pub use config::{Command, LocalConfig, StoreKind};
pub use routing::{Body, Stack, dispatch};
pub use server::serve;
pub use signals::shutdown_signal;
pub use store::AnyStore;
