//! `shortener-infra deploy --dry-run` as a deployer runs it: the real binary, from the repository root. The AWS
//! and CDK CLIs are pointed at paths that do not exist, so a step that ran instead of being printed would fail.

use std::{
    error::Error,
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use shortener_domain::paths;
use tempfile::TempDir;

type TestResult = Result<(), Box<dyn Error>>;

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn dry_run(scratch: &Path, extra: &[&str]) -> Result<Output, Box<dyn Error>> {
    let out = scratch.join("cdk.out");
    Ok(Command::new(env!("CARGO_BIN_EXE_shortener-infra"))
        .current_dir(repository_root())
        .args(["deploy", "--dry-run", "--out"])
        .arg(&out)
        .arg("--aws")
        .arg(scratch.join("no-aws-cli"))
        .arg("--cdk")
        .arg(scratch.join("no-cdk-cli"))
        .args(extra)
        .output()?)
}

/// The index of the first printed line that contains `needle`.
fn position(lines: &[&str], needle: &str) -> Result<usize, String> {
    lines.iter().position(|line| line.contains(needle)).ok_or_else(|| format!("no step with {needle:?} in {lines:#?}"))
}

fn cache_control(path: &str) -> Result<&'static str, String> {
    paths::route(path).and_then(|route| route.cache_control).ok_or_else(|| format!("{path} has no Cache-Control"))
}

#[test]
fn dry_run_prints_every_step_in_order_and_runs_none() -> TestResult {
    let scratch = TempDir::new()?;
    let site = scratch.path().join("site");
    fs::create_dir_all(site.join("assets"))?;
    fs::write(site.join("index.html"), "<!doctype html>")?;
    fs::write(site.join("assets/app.js"), "")?;
    let site_arg = site.display().to_string();
    let output = dry_run(
        scratch.path(),
        &[
            "--site-dir",
            &site_arg,
            "--domain-name",
            "sho.rt",
            "--certificate-arn",
            "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "--parameter",
            "PriceClass=PriceClass_All",
            "--bootstrap",
        ],
    )?;
    let stdout = String::from_utf8(output.stdout)?;
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = stdout.lines().collect();

    let build = position(&lines, "+ scripts/build-lambdas")?;
    let synth = position(&lines, "+ shortener-infra synth --stack-name Shortener")?;
    let bootstrap = position(&lines, "no-cdk-cli bootstrap --app ")?;
    let deploy = position(&lines, "no-cdk-cli deploy Shortener --app ")?;
    let index = position(&lines, "s3://<BucketName>/index.html")?;
    let script = position(&lines, "s3://<BucketName>/assets/app.js")?;
    let invalidate =
        position(&lines, "cloudfront create-invalidation --distribution-id '<DistributionId>' --paths / /index.html")?;
    assert!(
        build < synth
            && synth < bootstrap
            && bootstrap < deploy
            && deploy < script
            && script < index
            && index < invalidate,
        "{stdout}"
    );

    assert!(lines[deploy].contains("--parameters 'Shortener:DomainName=sho.rt'"), "{}", lines[deploy]);
    assert!(lines[deploy].contains("--parameters 'Shortener:PriceClass=PriceClass_All'"), "{}", lines[deploy]);
    assert!(lines[deploy].contains("--require-approval broadening"), "{}", lines[deploy]);
    assert!(
        lines[synth].contains("--click-counter-zip target/lambda/click-counter/bootstrap.zip"),
        "the third function's zip: {}",
        lines[synth]
    );
    assert!(lines[index].contains(&format!("--cache-control '{}'", cache_control("/index.html")?)), "{}", lines[index]);
    assert!(lines[index].contains("--content-type 'text/html; charset=utf-8'"), "{}", lines[index]);
    assert!(
        lines[script].contains(&format!("--cache-control '{}'", cache_control("/assets/app.js")?)),
        "{}",
        lines[script]
    );
    assert!(!scratch.path().join("cdk.out").exists(), "a dry run synthesized");
    Ok(())
}

#[test]
fn dry_run_of_the_real_site_uploads_every_file_with_its_path_table_cache_control() -> TestResult {
    let scratch = TempDir::new()?;
    let output = dry_run(scratch.path(), &["--skip-build"])?;
    let stdout = String::from_utf8(output.stdout)?;
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(!stdout.contains("build-lambdas"), "--skip-build still builds:\n{stdout}");
    let site = repository_root().join("site");
    let mut pending = vec![site.clone()];
    let mut count = 0;
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(folder)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let key = path.strip_prefix(&site)?.to_string_lossy().replace('\\', "/");
            let line = stdout
                .lines()
                .find(|line| line.contains(&format!("'s3://<BucketName>/{key}'")))
                .ok_or_else(|| format!("site/{key} is not uploaded:\n{stdout}"))?;
            let expected = cache_control(&format!("/{key}"))?;
            assert!(line.contains(&format!("--cache-control '{expected}'")), "{line}");
            count += 1;
        }
    }
    assert!(count >= 2, "the site has {count} files");
    Ok(())
}

#[test]
fn a_site_file_no_site_route_covers_stops_the_deploy_before_anything_runs() -> TestResult {
    let scratch = TempDir::new()?;
    let site = scratch.path().join("site");
    fs::create_dir_all(&site)?;
    fs::write(site.join("index.html"), "")?;
    fs::write(site.join("notes.md"), "")?;
    let site_arg = site.display().to_string();
    let output = dry_run(scratch.path(), &["--site-dir", &site_arg])?;
    let stderr = String::from_utf8(output.stderr)?;
    assert!(!output.status.success());
    assert!(stderr.contains("notes.md") && stderr.contains("path table"), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "steps were printed before the check: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    Ok(())
}
