//! `shortener-infra`: the shortener's AWS stack as typed Rust constructs, synthesized into a CDK cloud assembly
//! ([`assembly`]) that the AWS CDK CLI deploys with `cdk deploy --app cdk.out`. The modules build on each other
//! in one direction: [`cfn`] (the template language), [`resources`] (the resource types, by service),
//! [`template`] (the two put together), [`stack`] (the shortener's stack).

pub mod assembly;
pub mod cfn;
pub mod resources;
pub mod stack;
pub mod template;

use std::path::{Path, PathBuf};

use assembly::{AssemblyError, FileAsset};

/// Where the function zips are and where the assembly goes.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// The stack's name (also the artifact's ID and the prefix of account-unique names).
    pub stack_name: String,
    /// The assembly folder (`cdk.out`).
    pub out: PathBuf,
    /// `origin-api`'s `bootstrap.zip`.
    pub origin_api_zip: PathBuf,
    /// `edge-resolver`'s `bootstrap.zip`.
    pub edge_resolver_zip: PathBuf,
    /// `edge-invalidator`'s `bootstrap.zip`.
    pub edge_invalidator_zip: PathBuf,
    /// `click-counter`'s `bootstrap.zip`.
    pub click_counter_zip: PathBuf,
}

impl SynthOptions {
    /// The default stack name.
    pub const DEFAULT_STACK_NAME: &str = "Shortener";
    /// Where `scripts/build-lambdas` writes `origin-api`'s zip.
    pub const DEFAULT_ORIGIN_API_ZIP: &str = "target/lambda/origin-api/bootstrap.zip";
    /// Where `scripts/build-lambdas` writes `edge-resolver`'s zip.
    pub const DEFAULT_EDGE_RESOLVER_ZIP: &str = "target/lambda/edge-resolver/bootstrap.zip";
    /// Where `scripts/build-lambdas` writes `edge-invalidator`'s zip.
    pub const DEFAULT_EDGE_INVALIDATOR_ZIP: &str = "target/lambda/edge-invalidator/bootstrap.zip";
    /// Where `scripts/build-lambdas` writes `click-counter`'s zip.
    pub const DEFAULT_CLICK_COUNTER_ZIP: &str = "target/lambda/click-counter/bootstrap.zip";
}

/// Why synthesis failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// Stack names are letters, digits and hyphens, starting with a letter; at most [`MAX_STACK_NAME`] long, because
    /// names in the account derive from them (the origin access control's `<stack>-<region>-resolver` has 64 at most).
    #[error(
        "invalid stack name {0:?}: use letters, digits and hyphens, starting with a letter (at most {MAX_STACK_NAME})"
    )]
    StackName(String),
    /// The assembly could not be written.
    #[error(transparent)]
    Assembly(#[from] AssemblyError),
}

/// The longest region code the names leave room for (today's longest, `us-isof-south-1`, has 15).
pub const LONGEST_REGION: usize = 20;

/// The longest stack name: `<stack>-<region>-resolver`, the longest name derived from it, fits CloudFront's 64.
pub const MAX_STACK_NAME: usize = 64 - "-".len() - LONGEST_REGION - "-resolver".len();

fn valid_stack_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_STACK_NAME
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Builds the stack and writes its cloud assembly; returns the template's path.
pub fn synth(options: &SynthOptions) -> Result<PathBuf, SynthError> {
    if !valid_stack_name(&options.stack_name) {
        return Err(SynthError::StackName(options.stack_name.clone()));
    }
    let origin_api = FileAsset::from_file(&options.origin_api_zip)?;
    let edge_resolver = FileAsset::from_file(&options.edge_resolver_zip)?;
    let edge_invalidator = FileAsset::from_file(&options.edge_invalidator_zip)?;
    let click_counter = FileAsset::from_file(&options.click_counter_zip)?;
    let code = stack::FunctionCode {
        origin_api: &origin_api,
        edge_resolver: &edge_resolver,
        edge_invalidator: &edge_invalidator,
        click_counter: &click_counter,
    };
    let template = stack::build(&options.stack_name, code);
    let assets = [
        ("ApiFunction", &origin_api),
        ("ResolverFunction", &edge_resolver),
        ("InvalidatorFunction", &edge_invalidator),
        ("ClickCounterFunction", &click_counter),
    ];
    Ok(assembly::write_assembly(&options.out, &options.stack_name, &template, &assets)?)
}

/// The template file of `stack_name` inside the assembly `out`.
pub fn template_path(out: &Path, stack_name: &str) -> PathBuf {
    out.join(format!("{stack_name}.template.json"))
}

#[cfg(test)]
mod tests {
    use super::valid_stack_name;

    #[test]
    fn stack_names_are_cloudformation_names_short_enough_for_derived_names() {
        for name in ["Shortener", "links-prod-2", &"a".repeat(34)] {
            assert!(valid_stack_name(name), "{name}");
        }
        for name in ["", "2links", "links_prod", "links prod", &"a".repeat(35)] {
            assert!(!valid_stack_name(name), "{name}");
        }
    }
}
