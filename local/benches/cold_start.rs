//! Cold starts and warm invocations of the deployable `bootstrap` binaries, run as Lambda runs them (see
//! `tests/support/lambda.rs`), over DynamoDB Local. Prints figures; never fails on a slow machine.
//!
//! For each function: the time from process start to the first invocation answered, over `COLD_STARTS` fresh
//! processes (median and max); warm invocation time through the Runtime API emulator; the process's peak RSS; the
//! zip's size. Run with `scripts/bench-lambdas`, which builds the artifacts and starts DynamoDB Local.
//!
//! Several builds of the same function (before and after a change) are measured side by side in one run when
//! `SHORTENER_LAMBDA_BUILDS` names their folders, each laid out as `scripts/build-lambdas` writes
//! (`<folder>/<function>/bootstrap.zip` and the `bootstrap` taken out of it): `label=folder` items separated by
//! commas, e.g. `SHORTENER_LAMBDA_BUILDS=with-sso=/tmp/sso,old-resolver=/tmp/old`. A folder without a function's
//! `bootstrap` skips that function. Every round of cold starts and of warm invocations takes each build in turn,
//! starting with a different one each round, so the machine's load falls on all builds alike.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a failed expectation aborts the run")]

#[path = "../tests/support/lambda.rs"]
#[allow(dead_code, reason = "shared with the lambda_artifacts test, which uses other parts")]
mod lambda;

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use lambda::{Emulated, artifacts_dir};
use serde_json::{Value, json};
use shortener_domain::{
    store::LinkWriter,
    testing::{dynamo_store, dynamodb_endpoint, link},
};

const COLD_STARTS: usize = 25;
const WARM_INVOCATIONS: usize = 500;

fn event(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture")
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The median and the maximum of `samples` (sorted in place).
fn median_max(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort_unstable();
    (samples[samples.len() / 2], samples[samples.len() - 1])
}

/// One build of the functions: what the table calls it, and the folder holding `<function>/bootstrap`.
struct Build {
    label: String,
    dir: PathBuf,
    /// Named by `SHORTENER_LAMBDA_BUILDS`, so it may leave a function out.
    extra: bool,
}

/// The artifacts `scripts/build-lambdas` wrote (`current`), then each build `SHORTENER_LAMBDA_BUILDS` names.
fn builds() -> Vec<Build> {
    let mut builds = vec![Build { label: "current".to_owned(), dir: artifacts_dir(), extra: false }];
    let named = std::env::var("SHORTENER_LAMBDA_BUILDS").unwrap_or_default();
    for item in named.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let (label, dir) =
            item.split_once('=').unwrap_or_else(|| panic!("SHORTENER_LAMBDA_BUILDS: `{item}` is not label=folder"));
        let dir = PathBuf::from(dir);
        assert!(dir.is_dir(), "SHORTENER_LAMBDA_BUILDS: {} is not a folder", dir.display());
        builds.push(Build { label: label.to_owned(), dir, extra: true });
    }
    builds
}

/// Indices `0..count`, starting at `round % count`: each round of a measurement starts with another build.
fn in_turn(round: usize, count: usize) -> impl Iterator<Item = usize> {
    (0..count).map(move |i| (round + i) % count)
}

struct Figures {
    function: &'static str,
    build: String,
    cold_median: Duration,
    cold_max: Duration,
    warm_median: Duration,
    warm_p99: Duration,
    peak_rss: u64,
    zip_bytes: u64,
}

/// One build of one function under its own emulator, and its samples so far.
struct Run<'a> {
    build: &'a Build,
    emulated: Emulated,
    zip_bytes: u64,
    cold: Vec<Duration>,
    warm: Vec<Duration>,
}

impl Run<'_> {
    async fn figures(mut self, function: &'static str) -> Figures {
        let peak_rss = self.emulated.peak_rss_bytes().unwrap_or(0);
        self.emulated.stop().await;
        let (cold_median, cold_max) = median_max(&mut self.cold);
        let (warm_median, _) = median_max(&mut self.warm);
        let warm_p99 = self.warm[self.warm.len() * 99 / 100];
        Figures {
            function,
            build: self.build.label.clone(),
            cold_median,
            cold_max,
            warm_median,
            warm_p99,
            peak_rss,
            zip_bytes: self.zip_bytes,
        }
    }
}

/// Stops the run unless `answer` is a success or a redirect: a figure of an error page would compare nothing.
fn answered(answer: &Value, function: &str, build: &Build, invocation: &str) {
    let status = answer["statusCode"].as_u64().unwrap_or(0);
    assert!((200..400).contains(&status), "{function} ({}): {invocation} answered {answer}", build.label);
}

/// Cold starts, then warm invocations of each build's last process, each answering `first` (the first request a
/// fresh instance gets) and then `warm`; the builds take turns in every round.
async fn measure(
    function: &'static str,
    builds: &[Build],
    env: &[(&str, &str)],
    first: &Value,
    warm: &Value,
) -> Vec<Figures> {
    let mut runs = Vec::with_capacity(builds.len());
    for build in builds {
        let folder = build.dir.join(function);
        let bootstrap = folder.join("bootstrap");
        if !bootstrap.is_file() {
            assert!(build.extra, "{} is missing: run scripts/build-lambdas first", bootstrap.display());
            continue;
        }
        let zip = folder.join("bootstrap.zip");
        let zip_bytes = std::fs::metadata(&zip).map(|m| m.len()).unwrap_or_else(|e| panic!("{}: {e}", zip.display()));
        let emulated = Emulated::new(bootstrap, env).await;
        runs.push(Run {
            build,
            emulated,
            zip_bytes,
            cold: Vec::with_capacity(COLD_STARTS),
            warm: Vec::with_capacity(WARM_INVOCATIONS),
        });
    }
    for round in 0..COLD_STARTS {
        for index in in_turn(round, runs.len()) {
            let run = &mut runs[index];
            let started = run.emulated.start().await;
            let answer = run.emulated.invoke(first).await;
            run.cold.push(started.elapsed());
            answered(&answer, function, run.build, "the first invocation");
        }
    }
    for round in 0..WARM_INVOCATIONS {
        for index in in_turn(round, runs.len()) {
            let run = &mut runs[index];
            let started = Instant::now();
            let answer = run.emulated.invoke(warm).await;
            run.warm.push(started.elapsed());
            answered(&answer, function, run.build, "a warm invocation");
        }
    }
    let mut figures = Vec::with_capacity(runs.len());
    for run in runs {
        figures.push(run.figures(function).await);
    }
    figures
}

#[tokio::main]
#[expect(clippy::print_stdout, reason = "a benchmark's figures are its output")]
async fn main() {
    // `cargo bench` passes `--bench`; anything else (a test run) has no artifacts to measure.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("cold_start: run it with scripts/bench-lambdas");
        return;
    }
    let builds = builds();
    let store = dynamo_store().await;
    store.put_new(&link("hot1234", "https://example.com/landing?ref=bench", None)).await.unwrap();
    let endpoint = dynamodb_endpoint();
    let env = [("TABLE_NAME", store.table()), ("DYNAMODB_ENDPOINT", endpoint.as_str())];
    // Every build's cold starts create a link from the same client within the hour.
    let quota = (COLD_STARTS * builds.len()).to_string();
    let mut api_env = env.to_vec();
    api_env.extend([("PUBLIC_BASE_URL", "https://sho.rt/"), ("CREATE_QUOTA_PER_HOUR", quota.as_str())]);

    let mut redirect = event(include_str!("../../edge-resolver/tests/fixtures/function-url-get.json"));
    redirect["rawPath"] = json!("/hot1234");
    redirect["requestContext"]["http"]["path"] = json!("/hot1234");
    let shorten = event(include_str!("../../origin-api/tests/fixtures/post_shorten.json"));
    let read = {
        let mut read = event(include_str!("../../origin-api/tests/fixtures/get_link.json"));
        read["rawPath"] = json!("/api/links/hot1234");
        read["requestContext"]["http"]["path"] = json!("/api/links/hot1234");
        read
    };

    let mut figures = measure("edge-resolver", &builds, &env, &redirect, &redirect).await;
    figures.extend(measure("origin-api", &builds, &api_env, &shorten, &read).await);
    println!(
        "cold start = process start to first answer ({COLD_STARTS} starts; resolver: a redirect read from DynamoDB, \
         API: POST /shorten); warm = {WARM_INVOCATIONS} invocations through the emulator (resolver: a cache hit, \
         API: GET /api/links/{{id}})"
    );
    let label_width = builds.iter().map(|build| build.label.len()).max().unwrap_or(0).max("build".len());
    println!(
        "{:<14} {:<label_width$} {:>10} {:>12} {:>10} {:>11} {:>9} {:>10}",
        "function", "build", "zip", "cold median", "cold max", "warm median", "warm p99", "peak RSS"
    );
    for f in figures {
        println!(
            "{:<14} {:<label_width$} {:>7.2} MB {:>9.1} ms {:>7.1} ms {:>8.2} ms {:>6.2} ms {:>7.1} MB",
            f.function,
            f.build,
            f.zip_bytes as f64 / 1e6,
            millis(f.cold_median),
            millis(f.cold_max),
            millis(f.warm_median),
            millis(f.warm_p99),
            f.peak_rss as f64 / 1e6,
        );
    }
}
