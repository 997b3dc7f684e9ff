//! The shortener's load test as a library, so its parts can be tested without a server: the popularity model,
//! the edit ledger, the click-count check, the latency histogram, the counters, the contract checks, the summary
//! and the bill projection. The binary `shortener-loadtest` wires them into goose; see README.md, "Load testing".

pub mod clicks;
pub mod edits;
pub mod histogram;
pub mod links;
pub mod popularity;
pub mod pricing;
pub mod report;
pub mod scenarios;
pub mod stats;
