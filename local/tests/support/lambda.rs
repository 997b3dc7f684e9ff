//! Runs a deployable `bootstrap` the way AWS Lambda runs it: cargo-lambda's Runtime API emulator
//! (`cargo lambda watch --only-lambda-apis`) on loopback, the binary started with the environment Lambda sets and
//! nothing else, and events sent through the emulator's Invoke API (what `cargo lambda invoke` calls).
//!
//! Shared by the `lambda_artifacts` test and the `cold_start` benchmark. One emulator serves one function.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use shortener_domain::testing::free_loopback_port;
use tokio::{
    net::TcpStream,
    process::{Child, Command},
};

/// The folder `scripts/build-lambdas` writes to: `<dir>/<function>/bootstrap` and `bootstrap.zip`.
pub(crate) fn artifacts_dir() -> PathBuf {
    std::env::var_os("SHORTENER_LAMBDA_DIR").map_or_else(|| workspace_root().join("target/lambda"), PathBuf::from)
}

/// The repository root (cargo-lambda reads the workspace's metadata when it starts).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The built `bootstrap` of `function`, or a panic that says how to build it.
pub(crate) fn bootstrap(function: &str) -> PathBuf {
    let path = artifacts_dir().join(function).join("bootstrap");
    assert!(path.is_file(), "{} is missing: run scripts/build-lambdas first", path.display());
    path
}

/// One Runtime API emulator and, while started, the function's process.
pub(crate) struct Emulated {
    emulator: Child,
    port: u16,
    bootstrap: PathBuf,
    env: Vec<(String, String)>,
    runtime: Option<Child>,
    logs: tempfile::TempDir,
    client: reqwest::Client,
}

impl Emulated {
    /// Starts the emulator on a free loopback port for `bootstrap`, which will run with `env` (our configuration)
    /// on top of what Lambda itself sets.
    pub(crate) async fn new(bootstrap: PathBuf, env: &[(&str, &str)]) -> Self {
        let cargo_lambda = workspace_root().join(".venv/bin/cargo-lambda");
        assert!(cargo_lambda.is_file(), "{} is missing: run scripts/dev-tools", cargo_lambda.display());
        let port = free_loopback_port();
        let emulator = Command::new(cargo_lambda)
            .args(["lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P", &port.to_string()])
            .current_dir(workspace_root())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("starting cargo lambda watch");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(Instant::now() < deadline, "cargo lambda watch did not listen on 127.0.0.1:{port} within 30 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let logs = tempfile::tempdir().unwrap();
        Self { emulator, port, bootstrap, env, runtime: None, logs, client }
    }

    /// Starts a fresh function process (a cold start): its environment is only what Lambda sets on
    /// `provided.al2023` plus our configuration. Returns when the process was spawned.
    pub(crate) async fn start(&mut self) -> Instant {
        self.stop().await;
        let task_root = self.bootstrap.parent().unwrap_or_else(|| Path::new("/"));
        let log = std::fs::File::create(self.log_path()).unwrap();
        let log_too = log.try_clone().unwrap();
        let started = Instant::now();
        let runtime = Command::new(&self.bootstrap)
            .env_clear()
            .envs([
                ("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{}/.rt", self.port)),
                ("AWS_LAMBDA_FUNCTION_NAME", "_".to_owned()),
                ("AWS_LAMBDA_FUNCTION_VERSION", "1".to_owned()),
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
                ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
                ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/_".to_owned()),
                ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/24/[1]local".to_owned()),
                ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
                ("AWS_REGION", "us-east-1".to_owned()),
                ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
                ("LAMBDA_TASK_ROOT", task_root.display().to_string()),
                ("LAMBDA_RUNTIME_DIR", "/var/runtime".to_owned()),
                ("PATH", "/usr/local/bin:/usr/bin:/bin".to_owned()),
                ("LANG", "en_US.UTF-8".to_owned()),
                ("TZ", ":UTC".to_owned()),
            ])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_too)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.bootstrap.display()));
        self.runtime = Some(runtime);
        started
    }

    /// Sends one event through the Invoke API and returns the function's answer (for HTTP events, the
    /// `{statusCode, headers, body, ...}` object). Waits at most 10 s.
    pub(crate) async fn invoke(&self, event: &serde_json::Value) -> serde_json::Value {
        let url = format!("http://127.0.0.1:{}/2015-03-31/functions/_/invocations", self.port);
        let response =
            self.client.post(url).json(event).timeout(Duration::from_secs(10)).send().await.expect("invoking");
        let status = response.status();
        let text = response.text().await.expect("reading the answer");
        assert!(status.is_success(), "the Invoke API answered {status}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("the answer is not JSON ({e}): {text}"))
    }

    /// The function process's peak resident memory so far, in bytes (Linux `VmHWM`).
    pub(crate) fn peak_rss_bytes(&self) -> Option<u64> {
        let pid = self.runtime.as_ref()?.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// Where the function's stdout and stderr go (what CloudWatch Logs would receive).
    fn log_path(&self) -> PathBuf {
        self.logs.path().join("function.log")
    }

    /// What the current (or last) function process logged so far.
    pub(crate) fn logs(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Waits for the function process to exit on its own (an init failure) and returns its status and logs.
    pub(crate) async fn wait_for_exit(&mut self) -> (std::process::ExitStatus, String) {
        let mut runtime = self.runtime.take().expect("no function process was started");
        let status = tokio::time::timeout(Duration::from_secs(20), runtime.wait())
            .await
            .expect("the function did not exit within 20 s")
            .expect("waiting for the function");
        (status, self.logs())
    }

    /// Stops the function process and returns what it logged.
    pub(crate) async fn stop_and_logs(&mut self) -> String {
        self.stop().await;
        self.logs()
    }

    /// Stops the function process, if one runs, and waits until it is gone.
    pub(crate) async fn stop(&mut self) {
        if let Some(mut runtime) = self.runtime.take() {
            let _ = runtime.kill().await;
        }
    }
}

impl Drop for Emulated {
    fn drop(&mut self) {
        if let Some(runtime) = &mut self.runtime {
            let _ = runtime.start_kill();
        }
        let _ = self.emulator.start_kill();
    }
}
