//! The deploy command: every step is printed as the command line it runs, so `--dry-run` shows exactly what a
//! deploy would do without running any of it (nothing is built, written or sent to AWS).

use std::{
    collections::{BTreeMap, BTreeSet},
    fs, io,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};
use serde::Deserialize;
use shortener_domain::site::{self, SiteFile};

use crate::SynthArgs;

/// How to deploy.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DeployArgs {
    #[command(flatten)]
    synth: SynthArgs,
    /// The static site to upload.
    #[arg(long, default_value = "site")]
    site_dir: PathBuf,
    /// Where the site is written as it is uploaded (assets under their hashed names) with the list of its keys.
    #[arg(long, default_value = "target/deploy")]
    staging_dir: PathBuf,
    /// A custom domain for the distribution (needs --certificate-arn).
    #[arg(long)]
    domain_name: Option<String>,
    /// The ACM certificate (us-east-1) of --domain-name.
    #[arg(long)]
    certificate_arn: Option<String>,
    /// Any other stack parameter, as NAME=VALUE (repeatable): ResolverMemorySize=256, PriceClass=PriceClass_All...
    #[arg(long = "parameter", value_name = "NAME=VALUE", value_parser = parse_parameter)]
    parameters: Vec<(String, String)>,
    /// The CDK CLI's --require-approval: never, any-change or broadening (asks before IAM changes).
    #[arg(long, default_value = "broadening")]
    require_approval: String,
    /// Run `cdk bootstrap` first (once per account and region).
    #[arg(long)]
    bootstrap: bool,
    /// Use the zips already built instead of running scripts/build-lambdas.
    #[arg(long)]
    skip_build: bool,
    /// Print every step without running any.
    #[arg(long)]
    dry_run: bool,
    /// The CDK CLI.
    #[arg(long, default_value = "node_modules/.bin/cdk")]
    cdk: PathBuf,
    /// The AWS CLI.
    #[arg(long, default_value = "aws")]
    aws: PathBuf,
}

fn parse_parameter(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("{raw:?} is not NAME=VALUE")),
    }
}

/// The stack outputs the deploy needs, as `cdk deploy --outputs-file` writes them.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StackOutputs {
    bucket_name: String,
    distribution_id: String,
    site_url: String,
}

/// The bucket key of the list of keys a deploy shipped: the next deploy keeps them, so a page loaded before it can
/// still fetch its assets. CloudFront never serves it (no site row covers it).
const SHIPPED_KEY: &str = ".shortener-deploy/shipped.json";

/// Runs or prints the steps.
struct Runner<'a, W: io::Write> {
    dry_run: bool,
    out: &'a mut W,
}

impl<W: io::Write> Runner<'_, W> {
    fn say(&mut self, line: &str) -> anyhow::Result<()> {
        writeln!(self.out, "{line}")?;
        self.out.flush()?;
        Ok(())
    }

    /// Prints `+ <command line>`, then runs it unless this is a dry run.
    fn run(&mut self, program: &Path, args: &[String]) -> anyhow::Result<()> {
        let line = command_line(program, args);
        self.say(&format!("+ {line}"))?;
        if self.dry_run {
            return Ok(());
        }
        let status = Command::new(program).args(args).status().with_context(|| format!("starting {line}"))?;
        if !status.success() {
            bail!("{line} failed ({status})");
        }
        Ok(())
    }

    /// Prints `+ <command line>`, then runs it and returns its standard output; `None` in a dry run.
    fn capture(&mut self, program: &Path, args: &[String]) -> anyhow::Result<Option<String>> {
        let line = command_line(program, args);
        self.say(&format!("+ {line}"))?;
        if self.dry_run {
            return Ok(None);
        }
        let output = Command::new(program).args(args).output().with_context(|| format!("starting {line}"))?;
        if !output.status.success() {
            bail!("{line} failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr));
        }
        Ok(Some(String::from_utf8(output.stdout).with_context(|| format!("{line} printed something not UTF-8"))?))
    }
}

/// `program` and `args` as a shell would read them.
fn command_line(program: &Path, args: &[String]) -> String {
    std::iter::once(program.to_string_lossy().into_owned())
        .chain(args.iter().cloned())
        .map(|word| shlex::try_quote(&word).map(|quoted| quoted.into_owned()).unwrap_or(word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The whole deploy.
pub(crate) fn run(args: &DeployArgs, out: &mut impl io::Write) -> anyhow::Result<()> {
    let stack = &args.synth.stack_name;
    let site = site::build(&args.site_dir)?;
    let mut runner = Runner { dry_run: args.dry_run, out };
    if args.dry_run {
        runner.say("# dry run: each step is printed, none is run; <Name> is the stack output Name")?;
    }

    runner.run(&args.aws, &["--version".to_owned()])?;
    if !args.skip_build {
        runner.run(Path::new("scripts/build-lambdas"), &[])?;
    }
    let synth = &args.synth;
    runner.say(&format!(
        "+ shortener-infra synth --stack-name {stack} --out {} --origin-api-zip {} --edge-resolver-zip {} \
         --edge-invalidator-zip {} --click-counter-zip {}",
        synth.out.display(),
        synth.origin_api_zip.display(),
        synth.edge_resolver_zip.display(),
        synth.edge_invalidator_zip.display(),
        synth.click_counter_zip.display()
    ))?;
    if !args.dry_run {
        shortener_infra::synth(&synth.options())?;
    }
    if args.bootstrap {
        // The stack's environment is the credentials' account and region, which is what gets bootstrapped.
        let app = synth.out.display().to_string();
        runner.run(&args.cdk, &["bootstrap".to_owned(), "--app".to_owned(), app, "--no-notices".to_owned()])?;
    }

    let outputs_file = synth.out.join("outputs.json");
    let mut cdk_deploy = vec![
        "deploy".to_owned(),
        stack.clone(),
        "--app".to_owned(),
        synth.out.display().to_string(),
        "--require-approval".to_owned(),
        args.require_approval.clone(),
        "--outputs-file".to_owned(),
        outputs_file.display().to_string(),
        "--no-notices".to_owned(),
    ];
    let named = [("DomainName", &args.domain_name), ("CertificateArn", &args.certificate_arn)];
    let given = named.iter().filter_map(|(name, value)| value.as_ref().map(|value| (*name, value.as_str())));
    for (name, value) in given.chain(args.parameters.iter().map(|(name, value)| (name.as_str(), value.as_str()))) {
        cdk_deploy.push("--parameters".to_owned());
        cdk_deploy.push(format!("{stack}:{name}={value}"));
    }
    runner.run(&args.cdk, &cdk_deploy)?;

    let outputs = if args.dry_run {
        StackOutputs {
            bucket_name: "<BucketName>".to_owned(),
            distribution_id: "<DistributionId>".to_owned(),
            site_url: "<SiteUrl>".to_owned(),
        }
    } else {
        read_outputs(&outputs_file, stack)?
    };

    upload_site(&mut runner, args, &outputs, &site)?;
    runner.say(&format!("deployed: {}", outputs.site_url))?;
    Ok(())
}

fn read_outputs(path: &Path, stack: &str) -> anyhow::Result<StackOutputs> {
    let text = fs::read_to_string(path).with_context(|| format!("reading the stack outputs {}", path.display()))?;
    let mut stacks: BTreeMap<String, StackOutputs> =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    stacks.remove(stack).with_context(|| format!("{} has no outputs for stack {stack}", path.display()))
}

/// Writes the built site to the staging folder and uploads it: assets first, HTML last, so no page names a file
/// not yet there; then invalidates the HTML, and deletes from the bucket every object that neither this deploy nor
/// the previous one shipped (a page loaded before this deploy may still ask for the previous deploy's assets).
fn upload_site<W: io::Write>(
    runner: &mut Runner<'_, W>,
    args: &DeployArgs,
    outputs: &StackOutputs,
    site: &[SiteFile],
) -> anyhow::Result<()> {
    let staged = args.staging_dir.join("site");
    let shipped_list = args.staging_dir.join("shipped.json");
    let keys: BTreeSet<&str> = site.iter().map(|file| file.key.as_str()).collect();
    runner.say(&format!(
        "+ write the site with content-hashed asset names to {} and its keys to {}",
        staged.display(),
        shipped_list.display()
    ))?;
    if !runner.dry_run {
        stage(&staged, site)?;
        fs::write(&shipped_list, serde_json::to_string_pretty(&keys)?)
            .with_context(|| format!("writing {}", shipped_list.display()))?;
    }

    let bucket = &outputs.bucket_name;
    for file in upload_order(site) {
        let mut cp = vec![
            "s3".to_owned(),
            "cp".to_owned(),
            staged.join(&file.key).display().to_string(),
            format!("s3://{bucket}/{}", file.key),
            "--cache-control".to_owned(),
            file.cache_control.to_owned(),
        ];
        if let Some(content_type) = file.content_type {
            cp.extend(["--content-type".to_owned(), content_type.to_owned()]);
        }
        cp.push("--only-show-errors".to_owned());
        runner.run(&args.aws, &cp)?;
    }

    let mut invalidate = vec![
        "cloudfront".to_owned(),
        "create-invalidation".to_owned(),
        "--distribution-id".to_owned(),
        outputs.distribution_id.clone(),
        "--paths".to_owned(),
    ];
    invalidate.extend(html_paths(site));
    runner.run(&args.aws, &invalidate)?;

    remove_unshipped(runner, &args.aws, bucket, &keys)?;
    let record = [
        "s3",
        "cp",
        &shipped_list.display().to_string(),
        &format!("s3://{bucket}/{SHIPPED_KEY}"),
        "--cache-control",
        "no-store",
        "--content-type",
        "application/json",
        "--only-show-errors",
    ];
    runner.run(&args.aws, &record.map(str::to_owned))
}

/// Deletes every object of `bucket` that neither this deploy (`shipped`) nor the previous one (the list it
/// recorded) ships.
fn remove_unshipped<W: io::Write>(
    runner: &mut Runner<'_, W>,
    aws: &Path,
    bucket: &str,
    shipped: &BTreeSet<&str>,
) -> anyhow::Result<()> {
    let list = ["s3api", "list-objects-v2", "--bucket", bucket, "--query", "Contents[].Key", "--output", "json"];
    let listed: Vec<String> = match runner.capture(aws, &list.map(str::to_owned))? {
        Some(json) => serde_json::from_str::<Option<Vec<String>>>(&json)
            .with_context(|| format!("reading the bucket's keys from {json:?}"))?
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let previous_list = ["s3", "cp", &format!("s3://{bucket}/{SHIPPED_KEY}"), "-"].map(str::to_owned);
    let remove = |key: &str| ["s3", "rm", &format!("s3://{bucket}/{key}"), "--only-show-errors"].map(str::to_owned);
    if runner.dry_run {
        runner.say(&format!("# only if the bucket holds {SHIPPED_KEY} (the previous deploy's keys):"))?;
        runner.capture(aws, &previous_list)?;
        runner.say(&format!(
            "# for each key listed that neither this deploy nor the previous one ships, but {SHIPPED_KEY}:"
        ))?;
        return runner.run(aws, &remove("<KEY>"));
    }
    let previous: BTreeSet<String> = if listed.iter().any(|key| key == SHIPPED_KEY) {
        let json = runner.capture(aws, &previous_list)?.unwrap_or_default();
        serde_json::from_str(&json).with_context(|| format!("reading {SHIPPED_KEY} from the bucket"))?
    } else {
        BTreeSet::new()
    };
    for key in unshipped(&listed, shipped, &previous) {
        runner.run(aws, &remove(key))?;
    }
    Ok(())
}

/// Writes every file of `site` under `dir`, emptied first.
fn stage(dir: &Path, site: &[SiteFile]) -> anyhow::Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    for file in site {
        let path = dir.join(&file.key);
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
        }
        fs::write(&path, &file.body).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The files in the order they are uploaded: hashed assets, then the other files, then the HTML that names them.
fn upload_order(site: &[SiteFile]) -> Vec<&SiteFile> {
    let mut ordered: Vec<&SiteFile> = site.iter().collect();
    ordered.sort_by_key(|file| (!file.is_hashed(), file.is_html()));
    ordered
}

/// The keys of `listed` to delete: those neither `shipped` now nor by the previous deploy, except the list itself.
fn unshipped<'a>(listed: &'a [String], shipped: &BTreeSet<&str>, previous: &BTreeSet<String>) -> Vec<&'a str> {
    listed
        .iter()
        .map(String::as_str)
        .filter(|key| *key != SHIPPED_KEY && !shipped.contains(key) && !previous.contains(*key))
        .collect()
}

/// The HTML to invalidate: every `.html` file, and `/` for the root's `index.html` (the default root object).
fn html_paths(site: &[SiteFile]) -> Vec<String> {
    let mut paths = Vec::new();
    for file in site.iter().filter(|file| file.key.ends_with(".html")) {
        if let Some(folder) = file.key.strip_suffix("index.html") {
            paths.push(format!("/{folder}"));
        }
        paths.push(format!("/{}", file.key));
    }
    paths
}

#[cfg(test)]
mod tests {
    use std::{collections::BTreeSet, path::PathBuf};

    use shortener_domain::site::SiteFile;

    use super::{SHIPPED_KEY, html_paths, parse_parameter, unshipped, upload_order};

    fn file(key: &str) -> SiteFile {
        SiteFile {
            key: key.to_owned(),
            source: PathBuf::from(key),
            body: Vec::new(),
            cache_control: "x",
            content_type: None,
        }
    }

    #[test]
    fn the_root_index_is_invalidated_under_both_of_its_paths() {
        let site = [file("assets/app.0badf00d.js"), file("index.html"), file("robots.txt")];
        assert_eq!(html_paths(&site), ["/", "/index.html"]);
    }

    #[test]
    fn hashed_assets_go_up_first_and_html_last() {
        let site = [
            file("assets/app.0badf00d.js"),
            file("favicon.ico"),
            file("index.html"),
            file("assets/qr.0badf00d.js"),
            file("robots.txt"),
        ];
        let order: Vec<&str> = upload_order(&site).iter().map(|file| file.key.as_str()).collect();
        assert_eq!(
            order,
            ["assets/app.0badf00d.js", "assets/qr.0badf00d.js", "favicon.ico", "robots.txt", "index.html"]
        );
    }

    #[test]
    fn what_neither_this_deploy_nor_the_previous_one_ships_is_deleted() {
        let listed: Vec<String> = [
            "assets/app.11111111.js",
            "assets/app.22222222.js",
            "assets/app.33333333.js",
            "index.html",
            "old.txt",
            SHIPPED_KEY,
        ]
        .map(str::to_owned)
        .into();
        let shipped = BTreeSet::from(["assets/app.33333333.js", "index.html"]);
        let previous = BTreeSet::from(["assets/app.22222222.js".to_owned(), "index.html".to_owned()]);
        assert_eq!(unshipped(&listed, &shipped, &previous), ["assets/app.11111111.js", "old.txt"]);
        assert_eq!(
            unshipped(&listed, &shipped, &BTreeSet::new()),
            ["assets/app.11111111.js", "assets/app.22222222.js", "old.txt"],
            "no list from a previous deploy: only what this one ships is kept"
        );
    }

    #[test]
    fn parameters_are_name_equals_value() {
        assert_eq!(parse_parameter("PriceClass=PriceClass_All"), Ok(("PriceClass".into(), "PriceClass_All".into())));
        assert_eq!(parse_parameter("DomainName="), Ok(("DomainName".into(), String::new())));
        assert!(parse_parameter("=x").is_err());
        assert!(parse_parameter("PriceClass").is_err());
    }
}
