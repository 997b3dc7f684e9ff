//! `shortener-edge-config`: writes what `scripts/edge-cache` starts Varnish with: the VCL rendered from the path
//! table, the `varnishncsa` format of CloudFront's log, and the log files' header lines.

use std::{collections::BTreeMap, fs, io::Write as _, net::SocketAddr, path::PathBuf};

use anyhow::Context as _;
use clap::Parser;
use shortener_local::{
    access_log::header,
    edge_cache::{EdgeConfig, render_vcl, varnishncsa_format},
};

/// Writes `edge.vcl`, `access-log.format` and `access-log.header` into a folder, and starts `access.log` with the
/// header (`scripts/edge-cache rotate` starts each new file with it).
#[derive(Debug, Parser)]
#[command(name = "shortener-edge-config", version, about)]
struct Args {
    /// An origin (a local stack) behind the edge; repeat for several, taken in turn.
    #[arg(long = "backend", required = true)]
    backends: Vec<SocketAddr>,
    /// The folder to write into (created if missing).
    #[arg(long)]
    dir: PathBuf,
    /// Error caching minimum TTL of one status, as a CloudFront custom error response sets it: `STATUS=SECONDS`.
    #[arg(long = "error-caching-min-ttl", value_parser = parse_status_ttl)]
    error_caching_min_ttl: Vec<(u16, u32)>,
}

fn parse_status_ttl(text: &str) -> Result<(u16, u32), String> {
    let (status, seconds) = text.split_once('=').ok_or("expected STATUS=SECONDS")?;
    let status: u16 = status.parse().map_err(|e| format!("status {status:?}: {e}"))?;
    let seconds: u32 = seconds.parse().map_err(|e| format!("seconds {seconds:?}: {e}"))?;
    Ok((status, seconds))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = EdgeConfig {
        backends: args.backends,
        error_caching_min_ttl: args.error_caching_min_ttl.into_iter().collect::<BTreeMap<_, _>>(),
    };
    fs::create_dir_all(&args.dir).with_context(|| format!("creating {}", args.dir.display()))?;
    let vcl = args.dir.join("edge.vcl");
    fs::write(&vcl, render_vcl(&config)).with_context(|| format!("writing {}", vcl.display()))?;
    let format = args.dir.join("access-log.format");
    fs::write(&format, varnishncsa_format() + "\n").with_context(|| format!("writing {}", format.display()))?;
    let header_file = args.dir.join("access-log.header");
    fs::write(&header_file, header()).with_context(|| format!("writing {}", header_file.display()))?;
    let log = args.dir.join("access.log");
    let mut file = fs::OpenOptions::new().create(true).append(true).open(&log)?;
    if file.metadata()?.len() == 0 {
        file.write_all(header().as_bytes()).with_context(|| format!("writing {}", log.display()))?;
    }
    Ok(())
}
