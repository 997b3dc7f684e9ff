//! `shortener-infra deploy --dry-run` as a deployer runs it: the real binary, from the repository root. The AWS
//! and CDK CLIs are pointed at paths that do not exist, so a step that ran instead of being printed would fail.

use std::{
    error::Error,
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use shortener_domain::{paths, site};
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
        .arg("--staging-dir")
        .arg(scratch.join("staging"))
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
    let built = site::build(&site)?;
    let script_key = &built.iter().find(|file| file.key.starts_with("assets/app.")).ok_or("no app.js")?.key;
    assert_eq!(script_key.len(), "assets/app.12345678.js".len(), "{script_key}");
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
    let stage = position(&lines, "+ write the site with content-hashed asset names to ")?;
    let script = position(&lines, &format!("s3://<BucketName>/{script_key}'"))?;
    let invalidate =
        position(&lines, "cloudfront create-invalidation --distribution-id '<DistributionId>' --paths / /index.html")?;
    let list = position(&lines, "no-aws-cli s3api list-objects-v2 --bucket '<BucketName>'")?;
    let delete = position(&lines, "no-aws-cli s3 rm 's3://<BucketName>/<KEY>'")?;
    let record = position(&lines, "'s3://<BucketName>/.shortener-deploy/shipped.json' --cache-control no-store")?;
    assert!(
        build < synth
            && synth < bootstrap
            && bootstrap < deploy
            && deploy < stage
            && stage < script
            && script < index
            && index < invalidate
            && invalidate < list
            && list < delete
            && delete < record,
        "{stdout}"
    );
    assert!(!stdout.contains("assets/app.js"), "the unhashed name is uploaded:\n{stdout}");

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
    assert!(!scratch.path().join("staging").exists(), "a dry run wrote the site");
    Ok(())
}

#[test]
fn dry_run_of_the_real_site_uploads_every_file_under_its_served_name_with_its_path_table_cache_control() -> TestResult {
    let scratch = TempDir::new()?;
    let output = dry_run(scratch.path(), &["--skip-build"])?;
    let stdout = String::from_utf8(output.stdout)?;
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(!stdout.contains("build-lambdas"), "--skip-build still builds:\n{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let built = site::build(&repository_root().join("site"))?;
    let index = position(&lines, "'s3://<BucketName>/index.html'")?;
    for file in &built {
        let at = position(&lines, &format!("'s3://<BucketName>/{}'", file.key))?;
        let expected = cache_control(&format!("/{}", file.key))?;
        assert!(lines[at].contains(&format!("--cache-control '{expected}'")), "{}", lines[at]);
        if file.key.starts_with("assets/") {
            assert!(at < index, "{} goes up after the HTML that names it:\n{stdout}", file.key);
            assert_eq!(expected, "public, max-age=31536000, immutable");
        }
    }
    let favicon = position(&lines, "'s3://<BucketName>/favicon.ico'")?;
    assert!(lines[favicon].contains("--content-type image/x-icon"), "{}", lines[favicon]);
    for asset in fs::read_dir(repository_root().join("site/assets"))? {
        let name = asset?.file_name().to_string_lossy().into_owned();
        assert!(!stdout.contains(&format!("/assets/{name}'")), "assets/{name} goes up under its unhashed name");
    }
    assert!(built.len() >= 6, "the site has {} files", built.len());
    Ok(())
}

/// An executable shell script at `path`.
fn script(path: &Path, text: &str) -> TestResult {
    use std::os::unix::fs::PermissionsExt as _;
    fs::write(path, format!("#!/bin/sh\n{text}"))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))?;
    Ok(())
}

#[test]
fn a_deploy_uploads_the_staged_site_and_deletes_only_what_neither_it_nor_the_previous_deploy_shipped() -> TestResult {
    let scratch = TempDir::new()?;
    let dir = scratch.path();
    let site = dir.join("site");
    fs::create_dir_all(site.join("assets"))?;
    fs::write(site.join("index.html"), r#"<script type="module" src="/assets/app.js"></script>"#)?;
    fs::write(site.join("assets/app.js"), "export {};")?;
    for zip in ["api.zip", "resolver.zip", "invalidator.zip", "counter.zip"] {
        fs::write(dir.join(zip), "not really a zip")?;
    }
    let calls = dir.join("aws-calls");
    // The AWS CLI: answers the bucket listing and the previous deploy's list of keys, records every call.
    script(
        &dir.join("aws"),
        &format!(
            r#"echo "$*" >> '{calls}'
case "$*" in
  *list-objects-v2*) echo '["assets/app.11111111.js", "assets/app.22222222.js", "index.html", "gone.txt", ".shortener-deploy/shipped.json"]' ;;
  *shipped.json\ -) echo '["assets/app.22222222.js", "index.html"]' ;;
esac"#,
            calls = calls.display()
        ),
    )?;
    // The CDK CLI: writes the stack outputs where `--outputs-file` says.
    script(
        &dir.join("cdk"),
        r#"while [ "$#" -gt 0 ]; do
  if [ "$1" = --outputs-file ]; then
    echo '{"Shortener": {"BucketName": "bucket", "DistributionId": "E123", "SiteUrl": "https://x.example/"}}' > "$2"
  fi
  shift
done"#,
    )?;
    let output = Command::new(env!("CARGO_BIN_EXE_shortener-infra"))
        .current_dir(repository_root())
        .args(["deploy", "--skip-build", "--out"])
        .arg(dir.join("cdk.out"))
        .arg("--staging-dir")
        .arg(dir.join("staging"))
        .arg("--site-dir")
        .arg(&site)
        .arg("--origin-api-zip")
        .arg(dir.join("api.zip"))
        .arg("--edge-resolver-zip")
        .arg(dir.join("resolver.zip"))
        .arg("--edge-invalidator-zip")
        .arg(dir.join("invalidator.zip"))
        .arg("--click-counter-zip")
        .arg(dir.join("counter.zip"))
        .arg("--aws")
        .arg(dir.join("aws"))
        .arg("--cdk")
        .arg(dir.join("cdk"))
        .output()?;
    let stdout = String::from_utf8(output.stdout)?;
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));

    let built = site::build(&site)?;
    let script_key = &built.iter().find(|file| file.key.starts_with("assets/app.")).ok_or("no app.js")?.key;
    let staged_index = fs::read_to_string(dir.join("staging/site/index.html"))?;
    assert!(staged_index.contains(&format!("src=\"/{script_key}\"")), "{staged_index}");
    assert_eq!(fs::read_to_string(dir.join("staging/site").join(script_key))?, "export {};");

    let calls = fs::read_to_string(&calls)?;
    let calls: Vec<&str> = calls.lines().collect();
    let upload_script = position(
        &calls,
        &format!("s3 cp {} s3://bucket/{script_key}", dir.join("staging/site").join(script_key).display()),
    )?;
    let upload_index = position(&calls, "s3://bucket/index.html")?;
    let invalidate = position(&calls, "cloudfront create-invalidation --distribution-id E123 --paths / /index.html")?;
    let removed: Vec<&str> = calls.iter().filter_map(|call| call.strip_prefix("s3 rm s3://bucket/")).collect();
    assert_eq!(
        removed,
        ["assets/app.11111111.js --only-show-errors", "gone.txt --only-show-errors"],
        "the previous deploy's assets stay one deploy longer; this deploy's are never deleted"
    );
    let delete = position(&calls, "s3 rm ")?;
    let record = position(&calls, "s3://bucket/.shortener-deploy/shipped.json --cache-control no-store")?;
    assert!(upload_script < upload_index && upload_index < invalidate && invalidate < delete && delete < record);
    let shipped: Vec<String> = serde_json::from_str(&fs::read_to_string(dir.join("staging/shipped.json"))?)?;
    assert_eq!(shipped, [script_key.clone(), "index.html".to_owned()]);
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
