//! `shortener-loadtest`: goose load tests an operator points at the local stack or a deployed CloudFront
//! domain. Creates (or loads) the links to click, runs the selected scenarios within a time or iteration limit,
//! then prints goose's metrics and the shortener's own summary; with `--click-count-wait-seconds`, first waits for
//! the links' click counts and compares them with the clicks sent. Exits with 1 when any response broke the
//! contract or the counts differ. See README.md, "Load testing".

use std::{path::PathBuf, process::ExitCode, sync::Arc, time::Duration};

use anyhow::Context as _;
use clap::{CommandFactory, FromArgMatches, parser::ValueSource};
use futures::{StreamExt, TryStreamExt};
use goose::{config::GooseConfiguration, prelude::*};
use shortener_loadtest::{
    clicks::{self, ClickLedger, CountReader},
    edits::EditLedger,
    links::{self, SavedLink, Targets, random_base62},
    popularity::Zipf,
    pricing::{DEFAULT_TABLE, PriceTable},
    report::{self, ReportSettings},
    scenarios::{Mix, Plan, USER_AGENT, scenarios},
    stats::RunStats,
};

/// The local stack's default address.
const DEFAULT_HOST: &str = "http://127.0.0.1:8080";
/// Users when neither `--users` nor `--test-plan` is given.
const DEFAULT_USERS: usize = 4;
/// Run time when neither `--run-time`, `--iterations` nor `--test-plan` is given.
const DEFAULT_RUN_TIME: &str = "30s";

/// The shortener's own options; goose's follow under their own headings.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Shortener")]
struct Options {
    /// Links to create through `POST /shorten` before the run (ignored with --load-links).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    links: u32,
    /// Click the links saved in FILE by an earlier --save-links instead of creating new ones.
    #[arg(long, value_name = "FILE")]
    load_links: Option<PathBuf>,
    /// Save the links clicked (created or loaded) to FILE, as JSON.
    #[arg(long, value_name = "FILE")]
    save_links: Option<PathBuf>,
    /// Create (or load) and save the links, then exit without a run.
    #[arg(long)]
    setup_only: bool,
    /// Click every link once before the run (not counted), so the run starts with the resolver's cache warm.
    #[arg(long)]
    warm_up: bool,
    /// Zipf exponent of link popularity: 0 is uniform, 1 is typical of the web, higher is more skewed.
    #[arg(long, default_value_t = 1.0, value_name = "S")]
    zipf_exponent: f64,
    /// Weights of the mixed scenario (kinds left out weigh 0).
    #[arg(long, default_value = "redirect=99,create=1", value_name = "redirect=R,create=C,miss=M,edit=E")]
    mix: Mix,
    /// How many of the most popular links `edit` changes (each needs the manage token its create returned).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    edit_hot_links: u32,
    /// Seconds after an edit's acknowledgement from which every click must see the new target: 0 for the
    /// local stack (the very next request); for a deployment, the bound docs/architecture.md states.
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    propagation_bound_seconds: u64,
    /// How many valid-looking unknown IDs the miss requests draw from.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    unknown_ids: u32,
    /// Every created link points to URL (default: varied article URLs).
    #[arg(long, value_name = "URL")]
    fixed_target: Option<String>,
    /// The base every `shortUrl` must start with [default: the host with a trailing /].
    #[arg(long, value_name = "URL")]
    public_base_url: Option<String>,
    /// The status known links redirect with (the resolver's REDIRECT_STATUS).
    #[arg(long, default_value_t = 301, value_parser = redirect_status)]
    redirect_status: u16,
    /// Seconds one request may take before it counts as an error.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    request_timeout: u64,
    /// Accept redirects and 404s without `x-shortener-cache` (for servers that are not the shortener).
    #[arg(long)]
    allow_missing_cache_header: bool,
    /// The resolver's NEGATIVE_TTL_SECONDS: one unknown ID may read the store once per this many seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    negative_ttl_seconds: u64,
    /// Resolver processes with a cache of their own (Lambda instances); each may read an unknown ID once per TTL.
    #[arg(long, default_value_t = 1, value_name = "N")]
    resolver_instances: u64,
    /// Price table in the format of loadtest/pricing.json [default: that file, built in].
    #[arg(long, value_name = "FILE")]
    pricing: Option<PathBuf>,
    /// Billed ms of an edge-resolver invocation [default: measured latency, rounded up per request].
    #[arg(long, value_name = "MS")]
    resolver_billed_ms: Option<f64>,
    /// Billed ms of an origin-api invocation [default: measured latency, rounded up per request].
    #[arg(long, value_name = "MS")]
    api_billed_ms: Option<f64>,
    /// Refuse to start more users than this, a guard against a typo aimed at a deployment.
    #[arg(long, default_value_t = 500, value_name = "N")]
    max_users: usize,
    /// Concurrent requests while creating and warming up links.
    #[arg(long, default_value_t = 8, value_name = "N")]
    setup_concurrency: usize,
    /// Write the summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,
    /// Check the click counts: after the run, read each link's `GET /api/links/{id}/stats` (with its manage
    /// token) until counting has passed the run's end and no link is counted short, for at most SECONDS; the run
    /// fails when a link's counts did not grow by the clicks it was sent. Off by default: a deployment's logs
    /// arrive within about an hour (wait 3600 or more there), the local stack's within twice
    /// ACCESS_LOG_ROTATE_SECONDS.
    #[arg(long, value_name = "SECONDS")]
    click_count_wait_seconds: Option<u64>,
}

/// Load test the shortener: scenarios redirect, create, miss and mixed (the default; it also edits hot links
/// when --mix gives `edit` a weight) against the local stack or a deployment. Every run is bounded: 4 users for
/// 30 s unless told otherwise.
#[derive(Debug, clap::Parser)]
#[command(name = "shortener-loadtest")]
struct Cli {
    #[command(flatten)]
    options: Options,
    #[command(flatten)]
    goose: GooseConfiguration,
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let options = cli.options;
    let goose = &mut cli.goose;
    let host = goose.host.get_or_insert_with(|| DEFAULT_HOST.to_owned()).trim_end_matches('/').to_owned();
    let test_plan: Option<Vec<String>> =
        (matches.value_source("test_plan") == Some(ValueSource::CommandLine)).then(|| {
            matches.get_raw("test_plan").into_iter().flatten().map(|v| v.to_string_lossy().into_owned()).collect()
        });
    bound(goose, test_plan.as_deref(), options.max_users)?;
    report::refuse_html_reports(&goose.report_file, goose.pdf_print_html.as_deref()).map_err(anyhow::Error::msg)?;
    let info_only = goose.list || goose.scenarios_list || goose.version || goose.render_report.is_some();

    let prices = match &options.pricing {
        Some(path) => {
            PriceTable::parse(&std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?)
                .with_context(|| format!("{} is not a price table like loadtest/pricing.json", path.display()))?
        }
        None => PriceTable::parse(DEFAULT_TABLE)?,
    };
    // A bad exponent is refused before any link is created.
    Zipf::new(1, options.zipf_exponent)?;
    let timeout = Duration::from_secs(options.request_timeout.max(1));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .user_agent(USER_AGENT)
        .build()?;
    let public_base = options.public_base_url.clone().unwrap_or_else(|| format!("{host}/"));
    let targets = options.fixed_target.clone().map_or(Targets::Varied, Targets::Fixed);

    let links = if info_only {
        vec![SavedLink { id: "unused".into(), url: String::new(), manage_token: None }]
    } else if let Some(path) = &options.load_links {
        links::load(path)?
    } else {
        eprintln!("creating {} links through {host}/shorten ...", options.links);
        let count = usize::try_from(options.links)?;
        links::create_links(&client, &host, &public_base, &targets, count, options.setup_concurrency).await?
    };
    if let Some(path) = options.save_links.as_deref().filter(|_| !info_only) {
        links::save(path, &links)?;
        eprintln!("saved {} links to {}", links.len(), path.display());
    }
    if options.setup_only {
        return Ok(ExitCode::SUCCESS);
    }
    let counts = CountReader { client: client.clone(), host: host.clone(), concurrency: options.setup_concurrency };
    let watched = match options.click_count_wait_seconds.filter(|_| !info_only) {
        Some(wait) => Some((
            counts.baseline(&links).await.context("reading the click counts before the run")?,
            Duration::from_secs(wait),
        )),
        None => None,
    };
    let sent = ClickLedger::new(links.len());
    if options.warm_up && !info_only {
        warm_up(&client, &host, &links, options.redirect_status, options.setup_concurrency, &sent).await?;
    }

    let edits = EditLedger::new(
        &links,
        usize::try_from(options.edit_hot_links)?,
        Duration::from_secs(options.propagation_bound_seconds),
        timeout,
    );
    anyhow::ensure!(
        options.mix.edit == 0 || info_only || edits.editable() > 0,
        "--mix gives edits a weight, but none of the {} most popular links has a manage token \
         (links saved before tokens existed cannot be edited: create new ones)",
        options.edit_hot_links
    );
    let unknown_ids = usize::try_from(options.unknown_ids)?;
    let plan = Arc::new(Plan {
        popularity: Zipf::new(links.len(), options.zipf_exponent)?,
        links,
        unknown: (0..unknown_ids).map(|_| random_base62(&mut rand::rng(), 7)).collect(),
        targets,
        public_base,
        redirect_status: options.redirect_status,
        mix: options.mix,
        timeout,
        allow_missing_cache_header: options.allow_missing_cache_header,
        negative_ttl: Duration::from_secs(options.negative_ttl_seconds),
        resolver_instances: options.resolver_instances,
        edits,
        stats: RunStats::new(unknown_ids),
        clicks: sent,
    });
    let markdown_reports: Vec<PathBuf> = cli
        .goose
        .report_file
        .iter()
        .filter(|file| file.to_ascii_lowercase().ends_with(".md"))
        .map(PathBuf::from)
        .collect();
    let mut attack = GooseAttack::initialize_with_config(cli.goose)?;
    for scenario in scenarios(&plan) {
        attack = attack.register_scenario(scenario);
    }
    // Goose's telnet controller would listen on a fixed port (5116); runs here are steered by flags instead.
    let metrics = attack
        .set_default(GooseDefault::Scenarios, "mixed")?
        .set_default(GooseDefault::NoTelnet, true)?
        .execute()
        .await?;
    if info_only {
        return Ok(ExitCode::SUCCESS);
    }
    let run_end = time::OffsetDateTime::now_utc();
    let click_check = match &watched {
        Some((watched, wait)) => {
            eprintln!("reading the click counts of {} links for up to {} s ...", watched.len(), wait.as_secs());
            Some(counts.check(watched, &plan.clicks, run_end, *wait, clicks::poll_interval(*wait)).await)
        }
        None => None,
    };

    let settings = ReportSettings {
        host,
        max_users: metrics.maximum_users,
        resolver_billed_ms: options.resolver_billed_ms,
        api_billed_ms: options.api_billed_ms,
    };
    let mut summary = report::build(&plan.stats, &settings, &prices, plan.edits.propagation());
    if let Some(check) = click_check {
        let section = report::click_counts_markdown(&check);
        for path in &markdown_reports {
            append(path, &section).with_context(|| format!("adding the click counts to {}", path.display()))?;
        }
        summary = summary.with_click_counts(check);
    }
    print_summary(&report::render(&summary, &prices.currency));
    if let Some(path) = &options.summary_json {
        std::fs::write(path, serde_json::to_string_pretty(&summary)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(if summary.ok && summary.requests > 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn redirect_status(value: &str) -> Result<u16, String> {
    match value.parse() {
        Ok(status @ (301 | 302 | 307 | 308)) => Ok(status),
        _ => Err("one of 301, 302, 307 or 308".into()),
    }
}

/// Fills in the gentle defaults so that every run ends: users, and a run time unless iterations or a test plan
/// bound it; refuses more users than `max_users`.
fn bound(goose: &mut GooseConfiguration, test_plan: Option<&[String]>, max_users: usize) -> anyhow::Result<()> {
    match test_plan {
        Some(plans) => {
            for step in plans.iter().flat_map(|p| p.split(';')) {
                let users = step.split(',').next().unwrap_or_default().trim();
                if let Ok(users) = users.parse::<usize>() {
                    anyhow::ensure!(
                        users <= max_users,
                        "the test plan asks for {users} users, over --max-users {max_users}"
                    );
                }
            }
        }
        None => {
            let users = *goose.users.get_or_insert(DEFAULT_USERS);
            anyhow::ensure!(users <= max_users, "--users {users} is over --max-users {max_users}");
            if goose.run_time.is_none() && goose.iterations.is_none() {
                goose.run_time = Some(DEFAULT_RUN_TIME.to_owned());
            }
        }
    }
    Ok(())
}

/// Clicks every link once, so the run measures a warm cache; any answer but the redirect is an error. The clicks
/// go to `sent`: they are counted like the run's.
async fn warm_up(
    client: &reqwest::Client,
    host: &str,
    links: &[SavedLink],
    status: u16,
    concurrency: usize,
    sent: &ClickLedger,
) -> anyhow::Result<()> {
    eprintln!("warming up: clicking {} links once ...", links.len());
    futures::stream::iter(links.iter().enumerate())
        .map(|(index, link)| async move {
            let answered = async {
                let response = client.get(format!("{host}/{}", link.id)).send().await?;
                let got = response.status().as_u16();
                response.bytes().await?;
                Ok::<_, reqwest::Error>(got)
            }
            .await;
            sent.record(index, answered.as_ref().ok().copied());
            let got = answered?;
            anyhow::ensure!(got == status, "warm-up: /{} answered {got}, expected {status}", link.id);
            Ok(())
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await
}

/// Appends `text` to the file at `path`.
fn append(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    std::fs::OpenOptions::new().append(true).open(path)?.write_all(text.as_bytes())
}

#[expect(clippy::print_stdout, reason = "the summary is the binary's output")]
fn print_summary(summary: &str) {
    println!("{summary}");
}
