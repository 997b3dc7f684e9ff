//! The local edge for tests: a Varnish of a test's own, started by `scripts/edge-cache` in front of local stacks
//! with the VCL rendered from the path table, and what a test asks of the answers that went through it.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::{path::PathBuf, process::Command};

use reqwest::Response;

use crate::stack::{client, repository_root};

/// A Varnish of this test's own, in its own folder; stopped by `scripts/edge-cache stop` when dropped.
pub(crate) struct Edge {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) base: String,
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").env("EDGE_CACHE_DIR", self.dir.path()).status();
    }
}

impl Edge {
    /// Varnish's working directory (`varnishd -n`), which `varnishadm` and `varnishstat` are given.
    pub(crate) fn workdir(&self) -> PathBuf {
        self.dir.path().join("varnish")
    }
}

/// `scripts/edge-cache`, which starts, rotates the log of, and stops a Varnish.
pub(crate) fn script() -> PathBuf {
    repository_root().join("scripts/edge-cache")
}

/// Whether the edge tests can run here; panics if they must and cannot.
pub(crate) fn varnish_present() -> bool {
    let present = Command::new("varnishd").arg("-V").output().is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("SHORTENER_TEST_REQUIRE_EDGE").is_none(),
            "SHORTENER_TEST_REQUIRE_EDGE is set but varnishd is missing: apt-get install varnish"
        );
        // Written to the process's stderr, not through eprintln!, which the test harness captures for passing tests.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"\n!!!!!!!! SKIPPED: varnishd is not installed, so the edge tests did not run. apt-get install varnish \
              (or set SHORTENER_TEST_REQUIRE_EDGE to make this a failure). !!!!!!!!\n",
        );
    }
    present
}

/// A Varnish in front of the local stacks on `ports`, taken in turn.
pub(crate) fn edge_in_front_of(ports: &[u16]) -> Edge {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(script())
        .arg("start")
        .args(ports.iter().map(u16::to_string))
        .env("EDGE_CACHE_DIR", dir.path())
        .env("EDGE_CACHE_CONFIG_BIN", env!("CARGO_BIN_EXE_shortener-edge-config"))
        .output()
        .expect("running scripts/edge-cache start");
    let base = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let edge = Edge { dir, base };
    assert!(output.status.success(), "scripts/edge-cache start: {}", String::from_utf8_lossy(&output.stderr));
    assert!(edge.base.starts_with("http://127.0.0.1:"), "scripts/edge-cache start printed {:?}", edge.base);
    edge
}

/// `GET url`, redirects not followed.
pub(crate) async fn get(url: &str) -> Response {
    client().get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// The value of header `name`, empty if absent.
pub(crate) fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// Whether Varnish answered from its cache: a hit names two transactions in `X-Varnish`, a fetch one.
pub(crate) fn from_edge_cache(response: &Response) -> bool {
    header(response, "x-varnish").split_whitespace().count() == 2
}
