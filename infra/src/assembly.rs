//! Writes a CDK cloud assembly the way the CDK's `DefaultStackSynthesizer` does: `manifest.json` with an
//! `aws:cloudformation:stack` artifact that deploys through the bootstrap roles (`cdk-hnb659fds-*`), the template,
//! and a `<stack>.assets.json` asset manifest whose file assets (the template and the function zips) the CLI
//! publishes to the bootstrap bucket. `cdk deploy --app cdk.out` reads it as it reads an app's output.

use std::{
    collections::BTreeMap,
    fs, io,
    path::{Path, PathBuf},
};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{
    cfn::{Assertion, Expr, Id, Parameter, Pseudo, Rule},
    template::Template,
};

/// The cloud assembly schema version written (the one the pinned CDK CLI, aws-cdk 2.1148.1, validates against).
pub const SCHEMA_VERSION: &str = "55.0.0";
/// The default bootstrap qualifier.
const QUALIFIER: &str = "hnb659fds";
/// The bootstrap stack version the deploy roles and the assets bucket need (what the CDK requires today).
const BOOTSTRAP_VERSION: u32 = 6;
/// The lookup role exists from bootstrap version 8.
const LOOKUP_ROLE_BOOTSTRAP_VERSION: u32 = 8;

/// Why an assembly could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AssemblyError {
    /// A function zip is missing.
    #[error("{0} does not exist: build the functions first with scripts/build-lambdas")]
    MissingAsset(PathBuf),
    /// The output folder holds something other than a cloud assembly.
    #[error("{0} exists and is not a cloud assembly (no manifest.json): refusing to replace it")]
    NotAnAssembly(PathBuf),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A manifest could not be serialized.
    #[error("serializing {0}: {1}")]
    Json(String, serde_json::Error),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> AssemblyError + '_ {
    move |source| AssemblyError::Io { path: path.to_owned(), source }
}

/// A file published to the bootstrap bucket under its content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAsset {
    source: PathBuf,
    hash: String,
    extension: String,
}

impl FileAsset {
    /// Reads and hashes `path`.
    pub fn from_file(path: &Path) -> Result<Self, AssemblyError> {
        let bytes = fs::read(path).map_err(|error| match error.kind() {
            io::ErrorKind::NotFound => AssemblyError::MissingAsset(path.to_owned()),
            _ => AssemblyError::Io { path: path.to_owned(), source: error },
        })?;
        let extension = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
        Ok(Self { source: path.to_owned(), hash: sha256_hex(&bytes), extension })
    }

    /// The SHA-256 of the content, hex.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The key in the assets bucket: `<hash>.zip`.
    pub fn object_key(&self) -> String {
        format!("{}{}", self.hash, self.extension)
    }

    /// The file's name inside the assembly: `asset.<hash>.zip`.
    fn assembly_file_name(&self) -> String {
        format!("asset.{}{}", self.hash, self.extension)
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `cdk-hnb659fds-assets-<account>-<region>`: the bootstrap bucket file assets are published to.
pub fn assets_bucket() -> Expr {
    Expr::concat([
        format!("cdk-{QUALIFIER}-assets-").into(),
        Expr::pseudo(Pseudo::AccountId),
        "-".into(),
        Expr::pseudo(Pseudo::Region),
    ])
}

/// The `BootstrapVersion` parameter and `CheckBootstrapVersion` rule the CDK adds to every stack, so a deploy to
/// an environment bootstrapped too long ago stops with a clear message before touching anything.
pub fn add_bootstrap_check(template: &mut Template) {
    let version = template.parameter(
        Id("BootstrapVersion"),
        Parameter::new(
            "AWS::SSM::Parameter::Value<String>",
            &format!("/cdk-bootstrap/{QUALIFIER}/version"),
            "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter \
             Store. [cdk:skip]",
        ),
    );
    let too_old = (1..BOOTSTRAP_VERSION).map(|v| Expr::from(v.to_string())).collect();
    template.rule(
        Id("CheckBootstrapVersion"),
        Rule {
            rule_condition: None,
            assertions: vec![Assertion {
                assert: Expr::Not(Box::new(Expr::Contains(
                    Box::new(Expr::List(too_old)),
                    Box::new(version.reference()),
                ))),
                assert_description: format!(
                    "CDK bootstrap stack version {BOOTSTRAP_VERSION} required. Please run 'cdk bootstrap' with a \
                     recent version of the CDK CLI."
                ),
            }],
        },
    );
}

/// `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-<kind>-role-${AWS::AccountId}-${AWS::Region}`,
/// written with the placeholders the CLI fills in (the assembly is environment-agnostic).
fn bootstrap_role(kind: &str) -> String {
    format!(
        "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/cdk-{QUALIFIER}-{kind}-role-${{AWS::AccountId}}-${{AWS::Region}}"
    )
}

fn bootstrap_version_parameter() -> String {
    format!("/cdk-bootstrap/{QUALIFIER}/version")
}

fn assets_bucket_placeholder() -> String {
    format!("cdk-{QUALIFIER}-assets-${{AWS::AccountId}}-${{AWS::Region}}")
}

/// `manifest.json`.
#[derive(Debug, Serialize)]
struct AssemblyManifest {
    version: &'static str,
    artifacts: BTreeMap<String, Artifact>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum Artifact {
    #[serde(rename = "cdk:asset-manifest")]
    AssetManifest { properties: AssetManifestProperties },
    #[serde(rename = "aws:cloudformation:stack", rename_all = "camelCase")]
    Stack { environment: &'static str, properties: StackProperties, dependencies: Vec<String>, display_name: String },
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AssetManifestProperties {
    file: String,
    requires_bootstrap_stack_version: u32,
    bootstrap_stack_version_ssm_parameter: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StackProperties {
    template_file: String,
    termination_protection: bool,
    validate_on_synth: bool,
    assume_role_arn: String,
    cloud_formation_execution_role_arn: String,
    stack_template_asset_object_url: String,
    requires_bootstrap_stack_version: u32,
    bootstrap_stack_version_ssm_parameter: String,
    lookup_role: LookupRole,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LookupRole {
    arn: String,
    requires_bootstrap_stack_version: u32,
    bootstrap_stack_version_ssm_parameter: String,
}

/// `<stack>.assets.json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AssetManifest {
    version: &'static str,
    files: BTreeMap<String, AssetEntry>,
    docker_images: BTreeMap<String, ()>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AssetEntry {
    display_name: String,
    source: AssetSource,
    destinations: BTreeMap<&'static str, AssetDestination>,
}

#[derive(Debug, Serialize)]
struct AssetSource {
    path: String,
    packaging: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AssetDestination {
    bucket_name: String,
    object_key: String,
    assume_role_arn: String,
}

fn asset_entry(display_name: String, path: String, object_key: String) -> AssetEntry {
    AssetEntry {
        display_name,
        source: AssetSource { path, packaging: "file" },
        destinations: BTreeMap::from([(
            "current_account-current_region",
            AssetDestination {
                bucket_name: assets_bucket_placeholder(),
                object_key,
                assume_role_arn: bootstrap_role("file-publishing"),
            },
        )]),
    }
}

fn to_json<T: Serialize>(what: &str, value: &T) -> Result<Vec<u8>, AssemblyError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| AssemblyError::Json(what.to_owned(), e))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), AssemblyError> {
    fs::write(path, bytes).map_err(io_error(path))
}

/// Writes the assembly of one stack into `out` (replacing an earlier assembly there): the template, the assets
/// copied in under their hashes, the asset manifest and `manifest.json`. Returns the template's path.
pub fn write_assembly(
    out: &Path,
    stack_name: &str,
    template: &Template,
    assets: &[(&str, &FileAsset)],
) -> Result<PathBuf, AssemblyError> {
    if out.exists() {
        if !out.join("manifest.json").is_file() && fs::read_dir(out).map_err(io_error(out))?.next().is_some() {
            return Err(AssemblyError::NotAnAssembly(out.to_owned()));
        }
        fs::remove_dir_all(out).map_err(io_error(out))?;
    }
    fs::create_dir_all(out).map_err(io_error(out))?;

    let mut files = BTreeMap::new();
    for (name, asset) in assets {
        let copy = out.join(asset.assembly_file_name());
        fs::copy(&asset.source, &copy).map_err(io_error(&asset.source))?;
        files.insert(
            asset.hash.clone(),
            asset_entry(format!("{stack_name}/{name}/Code"), asset.assembly_file_name(), asset.object_key()),
        );
    }

    let template_file = format!("{stack_name}.template.json");
    let template_bytes = to_json(&template_file, template)?;
    let template_hash = sha256_hex(&template_bytes);
    let template_path = out.join(&template_file);
    write(&template_path, &template_bytes)?;
    files.insert(
        template_hash.clone(),
        asset_entry(format!("{stack_name} Template"), template_file.clone(), format!("{template_hash}.json")),
    );

    let assets_file = format!("{stack_name}.assets.json");
    let asset_manifest = AssetManifest { version: SCHEMA_VERSION, files, docker_images: BTreeMap::new() };
    write(&out.join(&assets_file), &to_json(&assets_file, &asset_manifest)?)?;

    let assets_artifact = format!("{stack_name}.assets");
    let manifest = AssemblyManifest {
        version: SCHEMA_VERSION,
        artifacts: BTreeMap::from([
            (
                assets_artifact.clone(),
                Artifact::AssetManifest {
                    properties: AssetManifestProperties {
                        file: assets_file,
                        requires_bootstrap_stack_version: BOOTSTRAP_VERSION,
                        bootstrap_stack_version_ssm_parameter: bootstrap_version_parameter(),
                    },
                },
            ),
            (
                stack_name.to_owned(),
                Artifact::Stack {
                    environment: "aws://unknown-account/unknown-region",
                    properties: StackProperties {
                        template_file,
                        termination_protection: false,
                        validate_on_synth: false,
                        assume_role_arn: bootstrap_role("deploy"),
                        cloud_formation_execution_role_arn: bootstrap_role("cfn-exec"),
                        stack_template_asset_object_url: format!(
                            "s3://{}/{template_hash}.json",
                            assets_bucket_placeholder()
                        ),
                        requires_bootstrap_stack_version: BOOTSTRAP_VERSION,
                        bootstrap_stack_version_ssm_parameter: bootstrap_version_parameter(),
                        lookup_role: LookupRole {
                            arn: bootstrap_role("lookup"),
                            requires_bootstrap_stack_version: LOOKUP_ROLE_BOOTSTRAP_VERSION,
                            bootstrap_stack_version_ssm_parameter: bootstrap_version_parameter(),
                        },
                    },
                    dependencies: vec![assets_artifact],
                    display_name: stack_name.to_owned(),
                },
            ),
        ]),
    };
    write(&out.join("manifest.json"), &to_json("manifest.json", &manifest)?)?;
    write(&out.join("cdk.out"), &to_json("cdk.out", &BTreeMap::from([("version", SCHEMA_VERSION)]))?)?;
    Ok(template_path)
}
