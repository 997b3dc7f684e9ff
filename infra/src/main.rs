//! `shortener-infra synth` writes the cloud assembly; `shortener-infra deploy` builds, synthesizes, deploys with
//! the CDK CLI and uploads the site (`--dry-run` prints every step and runs none). Run from the repository root.

mod deploy;

use std::{io, path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};
use shortener_infra::SynthOptions;

#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes the cloud assembly (`cdk.out`) from the function zips.
    Synth(SynthArgs),
    /// Builds the functions, synthesizes, runs `cdk deploy --app cdk.out`, uploads site/ and invalidates its HTML.
    Deploy(deploy::DeployArgs),
}

/// Where the zips are and where the assembly goes.
#[derive(Debug, Clone, Args)]
struct SynthArgs {
    /// The CloudFormation stack's name.
    #[arg(long, default_value = SynthOptions::DEFAULT_STACK_NAME)]
    stack_name: String,
    /// The assembly folder.
    #[arg(long, default_value = "cdk.out")]
    out: PathBuf,
    /// origin-api's zip (from scripts/build-lambdas).
    #[arg(long, default_value = SynthOptions::DEFAULT_ORIGIN_API_ZIP)]
    origin_api_zip: PathBuf,
    /// edge-resolver's zip (from scripts/build-lambdas).
    #[arg(long, default_value = SynthOptions::DEFAULT_EDGE_RESOLVER_ZIP)]
    edge_resolver_zip: PathBuf,
    /// edge-invalidator's zip (from scripts/build-lambdas).
    #[arg(long, default_value = SynthOptions::DEFAULT_EDGE_INVALIDATOR_ZIP)]
    edge_invalidator_zip: PathBuf,
    /// click-counter's zip (from scripts/build-lambdas).
    #[arg(long, default_value = SynthOptions::DEFAULT_CLICK_COUNTER_ZIP)]
    click_counter_zip: PathBuf,
}

impl SynthArgs {
    fn options(&self) -> SynthOptions {
        SynthOptions {
            stack_name: self.stack_name.clone(),
            out: self.out.clone(),
            origin_api_zip: self.origin_api_zip.clone(),
            edge_resolver_zip: self.edge_resolver_zip.clone(),
            edge_invalidator_zip: self.edge_invalidator_zip.clone(),
            click_counter_zip: self.click_counter_zip.clone(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = io::stdout().lock();
    let result = match cli.command {
        Command::Synth(args) => synth(&args, &mut stdout),
        Command::Deploy(args) => deploy::run(&args, &mut stdout),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("shortener-infra: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn synth(args: &SynthArgs, out: &mut impl io::Write) -> anyhow::Result<()> {
    let template = shortener_infra::synth(&args.options())?;
    writeln!(out, "wrote {} (template {})", args.out.display(), template.display())?;
    Ok(())
}
