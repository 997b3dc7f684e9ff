//! The real `shortener-local` binary, started from the repository root on a loopback port, for tests that drive
//! the whole stack over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::{Client, StatusCode, redirect::Policy};
use serde_json::Value;
use shortener_domain::store::dynamodb::DynamoSettings;

/// The running binary; killed (SIGKILL) when dropped, so a failed test leaves nothing behind.
pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Running {
    /// Sends `signal` (`-TERM`, `-INT`) and waits up to 10 s for the stack to exit; its exit status.
    pub(crate) async fn stop_with(&mut self, signal: &str) -> std::process::ExitStatus {
        self.signal(signal);
        self.exit_within(Duration::from_secs(10)).await
    }

    /// Sends `signal` (`-TERM`, `-INT`) and returns at once.
    pub(crate) fn signal(&self, signal: &str) {
        let signalled = Command::new("kill").arg(signal).arg(self.child.id().to_string()).status();
        assert!(signalled.is_ok_and(|s| s.success()), "could not send {signal}");
    }

    /// Waits up to `limit` for the stack to exit; its exit status.
    pub(crate) async fn exit_within(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "still running {limit:?} after it was signalled");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Starts the stack on `127.0.0.1:port` with `args` and waits until `/api/health` answers 200.
pub(crate) async fn start(port: u16, args: impl IntoIterator<Item = impl AsRef<OsStr>>) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_shortener-local"))
        .current_dir(repository_root())
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting shortener-local");
    let mut running = Running { child, base: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = running.child.try_wait() {
            panic!("shortener-local exited before answering: {status}");
        }
        if let Ok(response) = client().get(format!("{}/api/health", running.base)).send().await
            && response.status() == StatusCode::OK
        {
            return running;
        }
        assert!(Instant::now() < deadline, "shortener-local did not answer within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The flags that select the DynamoDB table of `settings` (store, endpoint, name, attempt timeout and attempts),
/// which the stack and the operator's tool both read.
pub(crate) fn dynamo_flags(settings: &DynamoSettings) -> Vec<String> {
    let mut flags = vec!["--store".to_owned(), "dynamodb".to_owned()];
    if let Some(endpoint) = &settings.endpoint {
        flags.extend(["--dynamodb-endpoint".to_owned(), endpoint.clone()]);
    }
    flags.extend([
        "--table-name".to_owned(),
        settings.table_name.clone(),
        "--dynamodb-attempt-timeout-ms".to_owned(),
        settings.attempt_timeout_ms.to_string(),
        "--dynamodb-max-attempts".to_owned(),
        settings.max_attempts.to_string(),
    ]);
    flags
}

/// The stack's arguments for a run on the DynamoDB table of `settings`, created if missing, followed by `extra`.
/// The stack's own access log is off: it would otherwise be written under the repository's `.data`, the folder of
/// a developer's own local stack.
pub(crate) fn on_dynamo(settings: &DynamoSettings, extra: &[&str]) -> Vec<String> {
    let mut args = dynamo_flags(settings);
    args.extend(
        ["--create-table", "--access-log", "false"].into_iter().chain(extra.iter().copied()).map(str::to_owned),
    );
    args
}

/// The clicks and bots counted for `id` in the embedded store of `data_dir` over today and yesterday (UTC), so
/// a test running across midnight still finds them. The stack on that folder must have stopped.
pub(crate) async fn counted(data_dir: &Path, id: &str) -> (u64, u64) {
    use shortener_domain::store::{ClickCounts as _, embedded::EmbeddedStore};
    let store = EmbeddedStore::open(&data_dir.join("links.redb")).expect("opening the stopped stack's store");
    let id = shortener_domain::ShortId::parse(id).expect("a valid ID");
    let stats = store.stats(&id, time::OffsetDateTime::now_utc().date(), 2).await.expect("reading the counts");
    (stats.clicks, stats.bots)
}

/// A client that does not follow redirects.
pub(crate) fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// `POST /shorten` with `body`: the status and the JSON answer (`Null` if the answer is not JSON).
pub(crate) async fn shorten(base: &str, body: Value) -> (StatusCode, Value) {
    let response = client().post(format!("{base}/shorten")).json(&body).send().await.expect("POST /shorten");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `GET /{id}`: the status and the `Location` header (empty if none).
pub(crate) async fn location_of(base: &str, id: &str) -> (StatusCode, String) {
    let response = client().get(format!("{base}/{id}")).send().await.unwrap_or_else(|e| panic!("GET /{id}: {e}"));
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (response.status(), location)
}
