//! The one logging setup of every binary: `RUST_LOG` filtering (default `info`), JSON lines for CloudWatch in
//! Lambda, readable text locally.

use tracing_subscriber::EnvFilter;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line, without a timestamp (CloudWatch adds its own).
    Json,
    /// Human-readable lines with timestamps, for a terminal.
    Text,
}

/// Installs the global subscriber; call once, first thing in `main`.
pub fn init(format: Format) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        Format::Json => builder.json().with_current_span(false).without_time().init(),
        Format::Text => builder.init(),
    }
}
