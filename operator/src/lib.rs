//! The operator's takedown tool: when a link is reported for abuse, the operator shows, disables, enables or
//! deletes it, and blocks the target host, without editing the store by hand. It writes through the same storage
//! ports and lifecycle rules as the API, to the embedded store or to DynamoDB, with the local stack's settings.

mod cli;
mod commands;
mod report;
mod store;

pub use cli::{Cli, Command, StoreArgs};
pub use commands::{OperatorError, run};
pub use report::{BlockView, HostDisabled, LinkView, Report};
pub use store::open_store;
