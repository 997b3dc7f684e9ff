//! Cold starts and warm invocations of the deployable `bootstrap` binaries, run as Lambda runs them (see
//! `tests/support/lambda.rs`), over DynamoDB Local. Prints figures; never fails on a slow machine.
//!
//! For each function: the time from process start to the first invocation answered, over `COLD_STARTS` fresh
//! processes (median and max); warm invocation time through the Runtime API emulator; the process's peak RSS; the
//! zip's size. Run with `scripts/bench-lambdas`, which builds the artifacts and starts DynamoDB Local.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a failed expectation aborts the run")]

#[path = "../tests/support/lambda.rs"]
#[allow(dead_code, reason = "shared with the lambda_artifacts test, which uses other parts")]
mod lambda;

use std::time::{Duration, Instant};

use lambda::{Emulated, artifacts_dir, bootstrap};
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

struct Figures {
    function: &'static str,
    cold_median: Duration,
    cold_max: Duration,
    warm_median: Duration,
    warm_p99: Duration,
    peak_rss: u64,
    zip_bytes: u64,
}

/// Cold starts, then warm invocations of the last process, each answering `first` (the first request a fresh
/// instance gets) and then `warm`.
async fn measure(function: &'static str, env: &[(&str, &str)], first: &Value, warm: &Value) -> Figures {
    let mut emulated = Emulated::new(bootstrap(function), env).await;
    let mut cold = Vec::with_capacity(COLD_STARTS);
    for _ in 0..COLD_STARTS {
        let started = emulated.start().await;
        let answer = emulated.invoke(first).await;
        cold.push(started.elapsed());
        let status = answer["statusCode"].as_u64().unwrap_or(0);
        assert!((200..400).contains(&status), "{function}: the first invocation answered {answer}");
    }
    let mut warm_times = Vec::with_capacity(WARM_INVOCATIONS);
    for _ in 0..WARM_INVOCATIONS {
        let started = Instant::now();
        let answer = emulated.invoke(warm).await;
        warm_times.push(started.elapsed());
        let status = answer["statusCode"].as_u64().unwrap_or(0);
        assert!((200..400).contains(&status), "{function}: a warm invocation answered {answer}");
    }
    let peak_rss = emulated.peak_rss_bytes().unwrap_or(0);
    emulated.stop().await;
    let (cold_median, cold_max) = median_max(&mut cold);
    let (warm_median, _) = median_max(&mut warm_times);
    let warm_p99 = warm_times[warm_times.len() * 99 / 100];
    let zip = artifacts_dir().join(function).join("bootstrap.zip");
    let zip_bytes = std::fs::metadata(&zip).map(|m| m.len()).unwrap_or_else(|e| panic!("{}: {e}", zip.display()));
    Figures { function, cold_median, cold_max, warm_median, warm_p99, peak_rss, zip_bytes }
}

#[tokio::main]
#[expect(clippy::print_stdout, reason = "a benchmark's figures are its output")]
async fn main() {
    // `cargo bench` passes `--bench`; anything else (a test run) has no artifacts to measure.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("cold_start: run it with scripts/bench-lambdas");
        return;
    }
    let store = dynamo_store().await;
    store.put_new(&link("hot1234", "https://example.com/landing?ref=bench", None)).await.unwrap();
    let endpoint = dynamodb_endpoint();
    let env = [("TABLE_NAME", store.table()), ("DYNAMODB_ENDPOINT", endpoint.as_str())];
    let mut api_env = env.to_vec();
    api_env.push(("PUBLIC_BASE_URL", "https://sho.rt/"));

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

    let figures = [
        measure("edge-resolver", &env, &redirect, &redirect).await,
        measure("origin-api", &api_env, &shorten, &read).await,
    ];
    println!(
        "cold start = process start to first answer ({COLD_STARTS} starts; resolver: a redirect read from DynamoDB, \
         API: POST /shorten); warm = {WARM_INVOCATIONS} invocations through the emulator (resolver: a cache hit, \
         API: GET /api/links/{{id}})"
    );
    println!(
        "{:<14} {:>12} {:>10} {:>11} {:>9} {:>10} {:>10}",
        "function", "cold median", "cold max", "warm median", "warm p99", "peak RSS", "zip"
    );
    for f in figures {
        println!(
            "{:<14} {:>9.1} ms {:>7.1} ms {:>8.2} ms {:>6.2} ms {:>7.1} MB {:>7.2} MB",
            f.function,
            millis(f.cold_median),
            millis(f.cold_max),
            millis(f.warm_median),
            millis(f.warm_p99),
            f.peak_rss as f64 / 1e6,
            f.zip_bytes as f64 / 1e6,
        );
    }
}
