//! The deploy command: every step is printed as the command line it runs, so `--dry-run` shows exactly what a
//! deploy would do without running any of it (nothing is built, written or sent to AWS).

use std::{
    collections::BTreeMap,
    fs, io,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};
use serde::Deserialize;
use shortener_domain::paths::{self, Origin};

use crate::SynthArgs;

/// How to deploy.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DeployArgs {
    #[command(flatten)]
    synth: SynthArgs,
    /// The static site to upload.
    #[arg(long, default_value = "site")]
    site_dir: PathBuf,
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

/// One file of the site and how it is served.
#[derive(Debug, PartialEq, Eq)]
struct SiteFile {
    path: PathBuf,
    key: String,
    cache_control: &'static str,
    content_type: Option<&'static str>,
}

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
        let line = std::iter::once(program.to_string_lossy().into_owned())
            .chain(args.iter().cloned())
            .map(|word| shlex::try_quote(&word).map(|quoted| quoted.into_owned()).unwrap_or(word))
            .collect::<Vec<_>>()
            .join(" ");
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
}

/// The whole deploy.
pub(crate) fn run(args: &DeployArgs, out: &mut impl io::Write) -> anyhow::Result<()> {
    let stack = &args.synth.stack_name;
    let site = site_files(&args.site_dir)?;
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
         --edge-invalidator-zip {}",
        synth.out.display(),
        synth.origin_api_zip.display(),
        synth.edge_resolver_zip.display(),
        synth.edge_invalidator_zip.display()
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

    for file in &site {
        let mut cp = vec![
            "s3".to_owned(),
            "cp".to_owned(),
            file.path.display().to_string(),
            format!("s3://{}/{}", outputs.bucket_name, file.key),
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
    invalidate.extend(html_paths(&site));
    runner.run(&args.aws, &invalidate)?;
    runner.say(&format!("deployed: {}", outputs.site_url))?;
    Ok(())
}

fn read_outputs(path: &Path, stack: &str) -> anyhow::Result<StackOutputs> {
    let text = fs::read_to_string(path).with_context(|| format!("reading the stack outputs {}", path.display()))?;
    let mut stacks: BTreeMap<String, StackOutputs> =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    stacks.remove(stack).with_context(|| format!("{} has no outputs for stack {stack}", path.display()))
}

/// Every file under `dir`, with the `Cache-Control` the path table gives its path. A file no site route covers
/// would be unreachable (CloudFront sends its path to the resolver), so it stops the deploy.
fn site_files(dir: &Path) -> anyhow::Result<Vec<SiteFile>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))? {
            let path = entry.with_context(|| format!("reading {}", folder.display()))?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path.strip_prefix(dir).with_context(|| format!("{} is outside the site", path.display()))?;
            let key = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            let route = paths::route(&format!("/{key}"));
            let Some(cache_control) = route.filter(|route| route.origin == Origin::Site).and_then(|r| r.cache_control)
            else {
                bail!(
                    "{} is not under a site route of the path table (domain/src/paths.rs): CloudFront would send \
                     /{key} to the resolver, so it could never be served",
                    path.display()
                );
            };
            files.push(SiteFile { content_type: content_type(&key), path, key, cache_control });
        }
    }
    files.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(files)
}

/// The `Content-Type` of the site's file types (with a charset for text); others are left to the AWS CLI.
fn content_type(key: &str) -> Option<&'static str> {
    Some(match key.rsplit_once('.')?.1 {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "png" => "image/png",
        _ => return None,
    })
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
    use std::path::PathBuf;

    use super::{SiteFile, html_paths, parse_parameter};

    fn file(key: &str) -> SiteFile {
        SiteFile { path: PathBuf::from(key), key: key.to_owned(), cache_control: "x", content_type: None }
    }

    #[test]
    fn the_root_index_is_invalidated_under_both_of_its_paths() {
        let site = [file("assets/app.js"), file("index.html"), file("robots.txt")];
        assert_eq!(html_paths(&site), ["/", "/index.html"]);
    }

    #[test]
    fn parameters_are_name_equals_value() {
        assert_eq!(parse_parameter("PriceClass=PriceClass_All"), Ok(("PriceClass".into(), "PriceClass_All".into())));
        assert_eq!(parse_parameter("DomainName="), Ok(("DomainName".into(), String::new())));
        assert!(parse_parameter("=x").is_err());
        assert!(parse_parameter("PriceClass").is_err());
    }
}
