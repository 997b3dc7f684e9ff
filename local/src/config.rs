//! The local stack's configuration: its own flags and environment variables, plus those of the API, the resolver
//! and the DynamoDB store, with the defaults that make `cargo run` work from the repository root.

use std::{net::SocketAddr, path::PathBuf};

use clap::{CommandFactory, FromArgMatches};
use edge_resolver::ResolverConfig;
use origin_api::ApiConfig;
use shortener_domain::store::dynamodb::DynamoSettings;

use crate::access_log::AccessLogSettings;

/// Where the links are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    /// A redb file in the data folder: nothing to install, survives restarts.
    Embedded,
    /// DynamoDB: DynamoDB Local with `--dynamodb-endpoint`, or AWS with the usual AWS environment.
    Dynamodb,
}

/// The local stack's configuration: its own settings plus those of the API, the resolver and the store.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "shortener-local", version, about)]
pub struct LocalConfig {
    /// Address to listen on.
    #[arg(long, env = "LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder with the site's static files.
    #[arg(long, env = "SITE_DIR", default_value = "site")]
    pub site_dir: PathBuf,
    /// Folder for the embedded database (created if missing).
    #[arg(long, env = "DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,
    /// Which store holds the links.
    #[arg(long, env = "STORE", value_enum, default_value = "embedded")]
    pub store: StoreKind,
    /// With `--store dynamodb`: create the table (on demand, TTL on `expiresAt`) if it does not exist.
    #[arg(long, env = "CREATE_TABLE")]
    pub create_table: bool,
    /// Time a client has to send a request's headers, in milliseconds, after which its connection is closed, so
    /// that clients sending headers byte by byte cannot hold connections open. Also bounds idle keep-alive.
    #[arg(
        long,
        env = "HEADER_READ_TIMEOUT_MS",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub header_read_timeout_ms: u64,
    /// The API's settings (public base URL, own hosts, CORS).
    #[command(flatten)]
    pub api: ApiConfig,
    /// The resolver's settings (redirect status, cache lifetimes and memory bound).
    #[command(flatten)]
    pub resolver: ResolverConfig,
    /// The DynamoDB settings, used with `--store dynamodb`.
    #[command(flatten)]
    pub dynamodb: DynamoSettings,
    /// The access log the stack writes and counts clicks from.
    #[command(flatten)]
    pub access_log: AccessLogSettings,
    /// Something to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What `shortener-local` can do besides serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Counts the clicks in access log files in CloudFront's standard format (the local edge's, after
    /// `scripts/edge-cache rotate`) into the configured store, once per file, and exits. With the embedded store
    /// the stack must not be running.
    CountLog {
        /// The closed log files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

impl LocalConfig {
    /// Parses flags and environment; the public base URL defaults to `http://<listen>/`, the table name (used
    /// with `--store dynamodb`) to `shortener-links`, and the creation quota to none: every client of the local
    /// stack is this machine, so `CREATE_QUOTA_PER_HOUR` limits it only when set.
    pub fn parse_with_defaults() -> Self {
        let public_base_id = "public_base";
        let command = || {
            Self::command()
                .mut_arg("table_name", |arg| arg.required(false).default_value("shortener-links"))
                .mut_arg("create_quota_per_hour", |arg| arg.default_value("0"))
        };
        let probe = command().mut_arg(public_base_id, |arg| arg.required(false)).get_matches();
        let listen = probe.get_one::<SocketAddr>("listen").copied();
        let default_base = listen.map_or_else(|| "http://127.0.0.1:8080/".to_owned(), |l| format!("http://{l}/"));
        let matches =
            command().mut_arg(public_base_id, |arg| arg.required(false).default_value(default_base)).get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
    }
}
