//! `shortener-local`: runs the whole shortener on one port. See README.md.

use std::time::Duration;

use shortener_domain::logging::{self, NonBlockingWriter};
use shortener_local::{AnyStore, Command, LocalConfig, Stack, access_log, serve, shutdown_signal};

/// Bytes of log lines waiting for standard output (about 5,000 request lines) before new ones are dropped.
const LOG_BUFFER_BYTES: usize = 1 << 20;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Every request is logged: its line is written by a thread of its own, never by the request.
    let (log, _log_thread) = NonBlockingWriter::spawn("log-writer", std::io::stdout(), LOG_BUFFER_BYTES)?;
    logging::init_with(logging::Format::Text, log);
    let config = LocalConfig::parse_with_defaults();
    if let Some(Command::CountLog { files }) = &config.command {
        for (file, summary, recorded) in access_log::count_files(&config, files).await? {
            announce(&format!(
                "{}: {} lines, {} clicks, {} bots counted ({} chunks added, {} already counted before)",
                file.display(),
                summary.lines,
                summary.clicks,
                summary.bots,
                recorded.applied,
                recorded.skipped
            ));
        }
        return Ok(());
    }
    // The stack lives as long as the process: every request borrows it, and none has to count its users.
    let stack: &'static Stack = Box::leak(Box::new(Stack::open(&config).await?));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr()?;
    announce(&format!(
        "Shortener running at http://{address}/ (short links: {}, {})\nPress Ctrl-C to stop.",
        config.api.public_base.as_str(),
        AnyStore::describe(&config)
    ));
    let header_read_timeout = Duration::from_millis(config.header_read_timeout_ms);
    serve(listener, stack, header_read_timeout, shutdown_signal()).await;
    stack.close().await;
    Ok(())
}

#[expect(clippy::print_stdout, reason = "the URL to open is the one line a person starting the stack needs")]
fn announce(message: &str) {
    println!("{message}");
}
