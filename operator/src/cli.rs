//! The command line: which store to open (the same flags and environment as the local stack) and what to do.

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches};
use shortener_domain::{BlockedHost, DisableReason, ShortId, store::dynamodb::DynamoSettings};
use shortener_local::StoreKind;

/// The table the local stack uses when `--table-name` is not given.
const DEFAULT_TABLE_NAME: &str = "shortener-links";

/// Takes down links and blocks target hosts, writing straight to the store the service reads.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "shortener-operator", version, about)]
pub struct Cli {
    /// Which store to change, and how to reach it.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The store settings, taken exactly as the local stack takes them (flags or environment).
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// Which store holds the links.
    #[arg(long, env = "STORE", value_enum, default_value = "embedded")]
    pub store: StoreKind,
    /// With `--store embedded`: the local stack's data folder, holding `links.redb`.
    #[arg(long, env = "DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,
    /// With `--store dynamodb`: the table and how to reach it (credentials as the AWS CLI finds them).
    #[command(flatten)]
    pub dynamodb: DynamoSettings,
}

/// One operator action.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Show a link: target, state, dates, version, whether its host is blocked (never its token or its hash).
    Show {
        /// The link's ID.
        #[arg(value_parser = ShortId::parse)]
        id: ShortId,
    },
    /// Take a link down: its short URL answers a page naming the reason category instead of redirecting.
    Disable {
        /// The link's ID.
        #[arg(value_parser = ShortId::parse)]
        id: ShortId,
        /// Why, as viewers are told.
        #[arg(long, value_enum)]
        reason: DisableReason,
        /// The operator's own note (a ticket number, say); never shown to viewers.
        #[arg(long)]
        note: Option<String>,
    },
    /// Put a disabled link back: it redirects again.
    Enable {
        /// The link's ID.
        #[arg(value_parser = ShortId::parse)]
        id: ShortId,
    },
    /// Delete a link for good: its target is dropped and its ID is never handed out again.
    Delete {
        /// The link's ID.
        #[arg(value_parser = ShortId::parse)]
        id: ShortId,
    },
    /// Refuse new links to a host and its subdomains (a block of the same host is replaced).
    Block {
        /// A host (`evil.example`) or a URL whose host is meant.
        #[arg(value_parser = BlockedHost::parse)]
        host: BlockedHost,
        /// Why; also the reason the links disabled by `--disable-existing` show.
        #[arg(long, value_enum)]
        reason: DisableReason,
        /// Also disable every existing active link to the host or its subdomains (as `disable-host` does).
        #[arg(long)]
        disable_existing: bool,
        /// The note kept on the links `--disable-existing` disables; never shown to viewers.
        #[arg(long, requires = "disable_existing")]
        note: Option<String>,
    },
    /// Lift the block of exactly this host (blocks of its parent domains stay).
    Unblock {
        /// The blocked host.
        #[arg(value_parser = BlockedHost::parse)]
        host: BlockedHost,
    },
    /// List every blocked host.
    Blocks,
    /// Disable every active link whose target is the host or one of its subdomains.
    DisableHost {
        /// A host (`evil.example`) or a URL whose host is meant.
        #[arg(value_parser = BlockedHost::parse)]
        host: BlockedHost,
        /// Why, as viewers are told.
        #[arg(long, value_enum)]
        reason: DisableReason,
        /// The operator's own note, kept on every link disabled; never shown to viewers.
        #[arg(long)]
        note: Option<String>,
    },
}

impl Cli {
    /// Parses flags and environment, exiting with status 2 and clap's message on a usage error. Every option may
    /// come before or after the subcommand, and the table name defaults to the local stack's.
    pub fn parse_with_defaults() -> Self {
        let matches = Self::command()
            .mut_arg("table_name", |arg| arg.required(false).default_value(DEFAULT_TABLE_NAME))
            .mut_args(|arg| arg.global(true))
            .get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
    }
}
