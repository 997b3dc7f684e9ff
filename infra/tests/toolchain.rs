//! What the workspace declares about its toolchain and its functions is true of the locked dependencies: the
//! declared `rust-version` is at least what every locked crate needs, and the deployed functions carry no
//! credential provider meant for a person (SSO, `credential_process`), which only the local stack uses.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::process::Command;

use serde_json::Value;

/// The Lambda target: what `scripts/build-lambdas` builds for.
const LAMBDA_TARGET: &str = "x86_64-unknown-linux-gnu";

fn cargo(args: &[&str]) -> String {
    let output =
        Command::new(env!("CARGO")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("cargo runs");
    assert!(output.status.success(), "cargo {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("cargo prints UTF-8")
}

fn version(text: &str) -> Vec<u64> {
    text.split('.').map(|part| part.parse().expect("a numeric version")).collect()
}

#[test]
fn the_declared_rust_version_is_what_the_locked_dependencies_need() {
    let metadata: Value =
        serde_json::from_str(&cargo(&["metadata", "--format-version", "1", "--locked", "--offline"])).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let declared = version(env!("CARGO_PKG_RUST_VERSION"));
    let needing_more: Vec<String> = packages
        .iter()
        .filter_map(|package| {
            let needed = package["rust_version"].as_str()?;
            (version(needed) > declared).then(|| format!("{} {} needs {needed}", package["name"], package["version"]))
        })
        .collect();
    assert!(
        needing_more.is_empty(),
        "the workspace declares rust-version {}, but {needing_more:?}",
        env!("CARGO_PKG_RUST_VERSION")
    );
}

#[test]
fn the_functions_carry_no_credential_provider_meant_for_a_person() {
    for function in ["edge-resolver", "origin-api"] {
        let tree = cargo(&[
            "tree",
            "--locked",
            "--offline",
            "-p",
            function,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--target",
            LAMBDA_TARGET,
        ]);
        for crate_name in ["aws-sdk-sso ", "aws-sdk-ssooidc ", "sha1 "] {
            assert!(!tree.lines().any(|line| line.starts_with(crate_name)), "{function} links {crate_name}");
        }
    }
}
