//! `shortener-operator`: the operator's takedown tool. See docs/operating.md.

use std::{io::Write, process::ExitCode};

use shortener_local::AnyStore;
use shortener_operator::{Cli, OperatorError, Report, open_store, run};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse_with_defaults();
    match execute(&cli).await {
        Ok(report) => match print(&report, cli.json) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("shortener-operator: the change was made, but printing its result failed: {error:#}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("shortener-operator: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(cli: &Cli) -> Result<Report, OperatorError> {
    match open_store(&cli.store).await? {
        AnyStore::Embedded(store) => run(&store, &cli.command).await,
        AnyStore::Dynamo(store) => run(&store, &cli.command).await,
    }
}

fn print(report: &Report, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        write!(out, "{report}")?;
    }
    out.flush()?;
    Ok(())
}
