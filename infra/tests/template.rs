//! The synthesized assembly as CloudFormation and the CDK CLI will read it: security properties asserted on the
//! template itself (in each variant a deployer can choose, resolved as CloudFormation would), the behaviours against
//! the path table, the edge's answers against the OpenAPI document, the account-wide names in two regions, the
//! assembly's files against its manifests, and a snapshot of the whole template (`UPDATE_SNAPSHOTS=1 cargo test -p
//! shortener-infra` rewrites it).

use std::{
    collections::{BTreeMap, BTreeSet},
    error::Error,
    fs,
    path::{Path, PathBuf},
};

use clap::{Args, Command};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shortener_domain::{
    paths::{Origin, ROUTES},
    store::table::{CLICKS_PREFIX, COUNTED_UNTIL_KEY, EXPIRES_AT, LOG_PREFIX, PK, WARM_UP_KEY},
};
use shortener_infra::{LONGEST_REGION, MAX_STACK_NAME, SynthOptions, synth};
use tempfile::TempDir;

type TestResult = Result<(), Box<dyn Error>>;

const STACK: &str = "Shortener";

/// A synthesized assembly in a temporary folder, from small stand-in zips (the template does not depend on
/// what the zips hold, only on their hashes, which stay fixed so the snapshot does too).
struct Synthesized {
    dir: TempDir,
    template: Value,
}

impl Synthesized {
    fn new() -> Result<Self, Box<dyn Error>> {
        let dir = TempDir::new()?;
        fs::write(dir.path().join("origin-api.zip"), b"stand-in for origin-api's bootstrap.zip")?;
        fs::write(dir.path().join("edge-resolver.zip"), b"stand-in for edge-resolver's bootstrap.zip")?;
        fs::write(dir.path().join("edge-invalidator.zip"), b"stand-in for edge-invalidator's bootstrap.zip")?;
        fs::write(dir.path().join("click-counter.zip"), b"stand-in for click-counter's bootstrap.zip")?;
        let template_path = synth(&SynthOptions {
            stack_name: STACK.to_owned(),
            out: dir.path().join("cdk.out"),
            origin_api_zip: dir.path().join("origin-api.zip"),
            edge_resolver_zip: dir.path().join("edge-resolver.zip"),
            edge_invalidator_zip: dir.path().join("edge-invalidator.zip"),
            click_counter_zip: dir.path().join("click-counter.zip"),
        })?;
        let template = serde_json::from_str(&fs::read_to_string(template_path)?)?;
        Ok(Self { dir, template })
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("cdk.out")
    }

    fn resource(&self, id: &str) -> &Value {
        &self.template["Resources"][id]
    }

    fn properties(&self, id: &str) -> &Value {
        &self.resource(id)["Properties"]
    }

    fn of_type(&self, kind: &str) -> BTreeMap<String, Value> {
        let resources = self.template["Resources"].as_object().cloned().unwrap_or_default();
        resources.into_iter().filter(|(_, resource)| resource["Type"] == kind).collect()
    }

    fn distribution(&self) -> &Value {
        &self.properties("Distribution")["DistributionConfig"]
    }

    /// The template as CloudFormation reads it when the deployer sets `parameters` (and leaves the others at their
    /// defaults): conditions evaluated, `Fn::If` chosen, `AWS::NoValue` and resources whose condition fails removed.
    fn deployed_with(&self, parameters: &[(&str, &str)]) -> Value {
        let mut values: BTreeMap<String, Value> = BTreeMap::new();
        for (name, parameter) in self.template["Parameters"].as_object().cloned().unwrap_or_default() {
            values.insert(name, parameter["Default"].clone());
        }
        for (name, value) in parameters {
            assert!(values.contains_key(*name), "no parameter {name}");
            values.insert((*name).to_owned(), json!(value));
        }
        let conditions: BTreeMap<String, bool> = self.template["Conditions"]
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|(name, condition)| (name, holds(&condition, &values)))
            .collect();
        let mut template = self.template.clone();
        if let Some(resources) = template["Resources"].as_object_mut() {
            resources.retain(|_, resource| resource["Condition"].as_str().is_none_or(|c| conditions[c]));
        }
        choose(&template, &conditions).unwrap_or(Value::Null)
    }
}

/// Whether a condition holds for these parameter values.
fn holds(condition: &Value, values: &BTreeMap<String, Value>) -> bool {
    let value = |operand: &Value| match operand["Ref"].as_str() {
        Some(name) => values[name].clone(),
        None => operand.clone(),
    };
    if let Some([left, right]) = condition["Fn::Equals"].as_array().map(Vec::as_slice) {
        value(left) == value(right)
    } else if let Some([inner]) = condition["Fn::Not"].as_array().map(Vec::as_slice) {
        !holds(inner, values)
    } else {
        panic!("unsupported condition {condition}")
    }
}

/// `value` with every `Fn::If` chosen; `None` where it is `AWS::NoValue`.
fn choose(value: &Value, conditions: &BTreeMap<String, bool>) -> Option<Value> {
    match value {
        Value::Object(object) if object.get("Ref") == Some(&json!("AWS::NoValue")) => None,
        Value::Object(object) if object.contains_key("Fn::If") => {
            let [condition, then, otherwise] = object["Fn::If"].as_array().map(Vec::as_slice)? else { return None };
            let holds = conditions[condition.as_str()?];
            choose(if holds { then } else { otherwise }, conditions)
        }
        Value::Object(object) => {
            Some(Value::Object(object.iter().filter_map(|(k, v)| Some((k.clone(), choose(v, conditions)?))).collect()))
        }
        Value::Array(items) => Some(Value::Array(items.iter().filter_map(|item| choose(item, conditions)).collect())),
        other => Some(other.clone()),
    }
}

fn get_att(id: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [id, attribute] })
}

fn reference(id: &str) -> Value {
    json!({ "Ref": id })
}

#[test]
fn the_site_bucket_is_private_and_readable_only_by_cloudfront_over_tls() -> TestResult {
    let stack = Synthesized::new()?;
    let bucket = stack.properties("SiteBucket");
    assert_eq!(
        bucket["PublicAccessBlockConfiguration"],
        json!({ "BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true })
    );
    assert_eq!(bucket["OwnershipControls"]["Rules"], json!([{ "ObjectOwnership": "BucketOwnerEnforced" }]));
    assert!(bucket["WebsiteConfiguration"].is_null() && bucket["AccessControl"].is_null());
    assert_eq!(
        bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "AES256"
    );

    let policies = stack.of_type("AWS::S3::BucketPolicy");
    assert_eq!(policies.values().filter(|p| p["Properties"]["Bucket"] == reference("SiteBucket")).count(), 1);
    let deployed = stack.deployed_with(&[]);
    let policy = &deployed["Resources"]["SiteBucketPolicy"]["Properties"];
    assert_eq!(policy["Bucket"], reference("SiteBucket"));
    let statements = policy["PolicyDocument"]["Statement"].as_array().ok_or("no statements")?;
    let allows: Vec<_> = statements.iter().filter(|s| s["Effect"] == "Allow").collect();
    assert_eq!(allows.len(), 1, "one grant only: {allows:?}");
    assert_eq!(
        allows[0]["Principal"],
        json!({ "CanonicalUser": get_att("SiteOriginAccessIdentity", "S3CanonicalUserId") })
    );
    assert_eq!(allows[0]["Action"], json!(["s3:GetObject"]));
    assert_eq!(allows[0]["Resource"], json!([{ "Fn::Sub": "${SiteBucket.Arn}/*" }]));
    let deny = statements.iter().find(|s| s["Effect"] == "Deny").ok_or("no TLS-only statement")?;
    assert_eq!(deny["Condition"], json!({ "Bool": { "aws:SecureTransport": "false" } }));
    assert_eq!(deny["Action"], json!(["s3:*"]));
    assert_eq!(deny["Principal"], json!({ "AWS": "*" }));
    Ok(())
}

#[test]
fn the_site_bucket_is_read_through_the_access_the_deployer_chose_oai_by_default() -> TestResult {
    let stack = Synthesized::new()?;
    assert_eq!(stack.template["Parameters"]["SiteOriginAccess"]["Default"], "OAI");
    let site_origin = |template: &Value| -> Result<Value, Box<dyn Error>> {
        let origins = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Origins"].clone();
        let origins = origins.as_array().ok_or("no origins")?.clone();
        Ok(origins.into_iter().find(|o| o["Id"] == "site").ok_or("no site origin")?)
    };
    let reader = |template: &Value| {
        template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0].clone()
    };

    let oai = stack.deployed_with(&[("SiteOriginAccess", "OAI")]);
    assert!(oai["Resources"]["SiteOriginAccessIdentity"].is_object());
    assert!(oai["Resources"]["SiteOriginAccessControl"].is_null());
    let origin = site_origin(&oai)?;
    assert_eq!(
        origin["S3OriginConfig"]["OriginAccessIdentity"],
        json!({ "Fn::Sub": "origin-access-identity/cloudfront/${SiteOriginAccessIdentity}" })
    );
    assert!(origin["OriginAccessControlId"].is_null());
    let read = reader(&oai);
    assert_eq!(read["Principal"], json!({ "CanonicalUser": get_att("SiteOriginAccessIdentity", "S3CanonicalUserId") }));
    assert!(read["Condition"].is_null());

    let oac = stack.deployed_with(&[("SiteOriginAccess", "OAC")]);
    assert!(oac["Resources"]["SiteOriginAccessIdentity"].is_null());
    let control = &oac["Resources"]["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"];
    assert_eq!(
        (&control["OriginAccessControlOriginType"], &control["SigningBehavior"], &control["SigningProtocol"]),
        (&json!("s3"), &json!("always"), &json!("sigv4"))
    );
    let origin = site_origin(&oac)?;
    assert_eq!(origin["S3OriginConfig"], json!({ "OriginAccessIdentity": "" }), "OAC still needs an empty OAI");
    assert_eq!(origin["OriginAccessControlId"], get_att("SiteOriginAccessControl", "Id"));
    let read = reader(&oac);
    assert_eq!(read["Principal"], json!({ "Service": "cloudfront.amazonaws.com" }));
    assert_eq!(
        read["Condition"],
        json!({ "StringEquals": { "AWS:SourceArn": { "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}" } } })
    );
    for template in [&oai, &oac] {
        let statements = template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"].clone();
        let allows = statements.as_array().ok_or("no statements")?.iter().filter(|s| s["Effect"] == "Allow").count();
        assert_eq!(allows, 1, "one grant only");
    }
    Ok(())
}

/// `Fn::Sub` of a name with the stack name and region given, as CloudFormation resolves it.
fn resolved_name(name: &Value, stack_name: &str, region: &str) -> String {
    let template = name["Fn::Sub"].as_str().unwrap_or_else(|| panic!("not a Fn::Sub name: {name}"));
    let resolved = template.replace("${AWS::StackName}", stack_name).replace("${AWS::Region}", region);
    assert!(!resolved.contains("${"), "{resolved} names something else");
    resolved
}

#[test]
fn account_wide_names_differ_per_region_and_fit_cloudfront_at_their_longest() -> TestResult {
    let stack = Synthesized::new()?;
    let longest_stack = "a".repeat(MAX_STACK_NAME);
    let longest_region = "r".repeat(LONGEST_REGION);
    for parameters in [[("SiteOriginAccess", "OAI")], [("SiteOriginAccess", "OAC")]] {
        let deployed = stack.deployed_with(&parameters);
        // (type, the property holding the configuration, CloudFront's length limit on the name)
        let named = [
            ("AWS::CloudFront::OriginAccessControl", "OriginAccessControlConfig", 64),
            ("AWS::CloudFront::CachePolicy", "CachePolicyConfig", 128),
            ("AWS::CloudFront::ResponseHeadersPolicy", "ResponseHeadersPolicyConfig", 128),
        ];
        let mut names = Vec::new();
        for (id, resource) in deployed["Resources"].as_object().ok_or("no resources")? {
            let Some((kind, config, limit)) = named.iter().find(|(kind, _, _)| resource["Type"] == *kind) else {
                continue;
            };
            let name = &resource["Properties"][config]["Name"];
            let longest = resolved_name(name, &longest_stack, &longest_region);
            assert!(longest.len() <= *limit, "{id}: {longest} is longer than {limit}");
            names.push((id.clone(), *kind, name.clone()));
        }
        assert_eq!(names.len(), if parameters[0].1 == "OAC" { 5 } else { 4 }, "{names:?}");
        let mut seen = BTreeSet::new();
        for region in ["us-east-1", "eu-west-1"] {
            for (id, kind, name) in &names {
                let resolved = resolved_name(name, STACK, region);
                assert!(
                    seen.insert((*kind, resolved.clone())),
                    "{id}: {resolved} is taken by another {kind} or region"
                );
            }
        }
    }
    Ok(())
}

/// The `/{id}` operations of the OpenAPI document.
fn short_link_operations() -> serde_json::Map<String, Value> {
    let document: Value = serde_json::from_str(origin_api::OPENAPI_JSON).unwrap_or_default();
    let mut operations = document["paths"]["/{id}"].as_object().cloned().unwrap_or_default();
    operations.remove("parameters");
    operations
}

#[test]
fn cloudfront_passes_a_short_link_the_methods_the_document_lists_and_the_document_says_what_others_get() -> TestResult {
    let stack = Synthesized::new()?;
    let operations = short_link_operations();
    let documented: BTreeSet<String> = operations.keys().map(|method| method.to_uppercase()).collect();
    let distribution = stack.distribution();
    let mut behaviours = distribution["CacheBehaviors"].as_array().cloned().unwrap_or_default();
    behaviours.push(distribution["DefaultCacheBehavior"].clone());
    let resolver: Vec<_> = behaviours.iter().filter(|b| b["TargetOriginId"] == "resolver").collect();
    assert!(!resolver.is_empty());
    for behaviour in resolver {
        let allowed: BTreeSet<String> = behaviour["AllowedMethods"]
            .as_array()
            .ok_or("no methods")?
            .iter()
            .filter_map(|m| m.as_str().map(str::to_owned))
            .collect();
        assert_eq!(allowed, documented, "{behaviour}");
    }
    let description = operations["get"]["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("CloudFront answers 403") && description.contains("docs/deployed-edge.md"),
        "the document does not say what a deployed short link answers other methods: {description}"
    );
    Ok(())
}

/// The error statuses a distribution may configure (CloudFront's `CustomErrorResponse.ErrorCode`).
const CONFIGURABLE_ERRORS: [u64; 11] = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];

#[test]
fn the_edge_keeps_each_error_of_a_short_link_no_longer_than_the_resolver_says() -> TestResult {
    let stack = Synthesized::new()?;
    let configured: BTreeMap<u64, &Value> = stack.distribution()["CustomErrorResponses"]
        .as_array()
        .ok_or("no CustomErrorResponses: CloudFront keeps every error 10 s")?
        .iter()
        .map(|r| (r["ErrorCode"].as_u64().unwrap_or_default(), r))
        .collect();
    let mut errors = BTreeSet::new();
    for operation in short_link_operations().values() {
        for (status, response) in operation["responses"].as_object().ok_or("no responses")? {
            let status: u64 = status.parse()?;
            if status >= 400 {
                errors.insert((status, response["headers"]["Cache-Control"].to_string()));
            }
        }
    }
    assert!(errors.len() >= 4, "{errors:?}");
    for (status, cache_control) in errors {
        if CONFIGURABLE_ERRORS.contains(&status) {
            let response = configured.get(&status).ok_or(format!("{status} is kept 10 s whatever it says"))?;
            assert_eq!(
                **response,
                json!({ "ErrorCode": status, "ErrorCachingMinTTL": 0 }),
                "{status}: only the resolver's Cache-Control decides, and its own page is served"
            );
        } else {
            // Not configurable (410, an expired link): CloudFront keeps it per its header if at all, never when it
            // says no-store.
            assert!(
                ["PublicMaxAge", "LinkCacheControl", "NoStore"].iter().any(|schema| cache_control.contains(schema)),
                "{status}: {cache_control}"
            );
        }
    }
    Ok(())
}

/// `(actions, resources as JSON)` of every statement of a role's inline policies.
fn grants(role: &Value) -> BTreeSet<(Vec<String>, String)> {
    let policies = role["Policies"].as_array().cloned().unwrap_or_default();
    policies
        .iter()
        .flat_map(|policy| policy["PolicyDocument"]["Statement"].as_array().cloned().unwrap_or_default())
        .map(|statement| {
            assert_eq!(statement["Effect"], "Allow");
            let actions = statement["Action"].as_array().cloned().unwrap_or_default();
            let actions = actions.iter().filter_map(|a| a.as_str().map(str::to_owned)).collect();
            (actions, statement["Resource"].to_string())
        })
        .collect()
}

#[test]
fn each_role_may_do_exactly_what_its_function_needs() -> TestResult {
    let stack = Synthesized::new()?;
    assert_eq!(
        stack.of_type("AWS::IAM::Role").keys().collect::<Vec<_>>(),
        ["ApiRole", "ClickCounterRole", "InvalidatorRole", "ResolverRole"]
    );
    for role in ["ApiRole", "ClickCounterRole", "InvalidatorRole", "ResolverRole"] {
        let properties = stack.properties(role);
        assert_eq!(
            properties["AssumeRolePolicyDocument"]["Statement"],
            json!([{ "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": ["sts:AssumeRole"] }])
        );
        assert!(properties["ManagedPolicyArns"].is_null(), "{role} has managed policies");
    }
    let table = || json!([get_att("LinksTable", "Arn")]).to_string();
    let logs = |group: &str| {
        (
            vec!["logs:CreateLogStream".to_owned(), "logs:PutLogEvents".to_owned()],
            json!([get_att(group, "Arn")]).to_string(),
        )
    };
    assert_eq!(
        grants(stack.properties("ResolverRole")),
        BTreeSet::from([(vec!["dynamodb:GetItem".to_owned()], table()), logs("ResolverLogGroup")])
    );
    assert_eq!(
        grants(stack.properties("ApiRole")),
        BTreeSet::from([
            (
                ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"]
                    .map(str::to_owned)
                    .to_vec(),
                table()
            ),
            logs("ApiLogGroup")
        ])
    );
    // The invalidator reads this table's stream only, invalidates this distribution only, and sends failed
    // batches to its own queue only; it never reads or writes the table itself.
    let strings = |actions: &[&str]| actions.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        grants(stack.properties("InvalidatorRole")),
        BTreeSet::from([
            (
                strings(&[
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams"
                ]),
                json!([get_att("LinksTable", "StreamArn")]).to_string()
            ),
            (
                strings(&["cloudfront:CreateInvalidation"]),
                json!([{ "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}" }])
                    .to_string()
            ),
            (strings(&["sqs:SendMessage"]), json!([get_att("InvalidatorFailureQueue", "Arn")]).to_string()),
            logs("InvalidatorLogGroup")
        ])
    );
    assert_eq!(stack.properties("InvalidatorFunction")["Role"], get_att("InvalidatorRole", "Arn"));
    assert_eq!(stack.properties("InvalidatorFunction")["LoggingConfig"]["LogGroup"], reference("InvalidatorLogGroup"));
    assert_eq!(stack.properties("ResolverFunction")["Role"], get_att("ResolverRole", "Arn"));
    assert_eq!(stack.properties("ApiFunction")["Role"], get_att("ApiRole", "Arn"));
    assert_eq!(stack.properties("ResolverFunction")["LoggingConfig"]["LogGroup"], reference("ResolverLogGroup"));
    assert_eq!(stack.properties("ApiFunction")["LoggingConfig"]["LogGroup"], reference("ApiLogGroup"));
    for group in stack.of_type("AWS::Logs::LogGroup").values() {
        assert_eq!(group["Properties"]["RetentionInDays"], reference("LogRetentionDays"));
    }
    Ok(())
}

#[test]
fn the_resolver_url_is_not_public_only_this_distribution_may_call_it() -> TestResult {
    let stack = Synthesized::new()?;
    let urls = stack.of_type("AWS::Lambda::Url");
    assert_eq!(urls.keys().collect::<Vec<_>>(), ["ResolverFunctionUrl"]);
    assert_eq!(stack.properties("ResolverFunctionUrl")["AuthType"], "AWS_IAM");

    let distribution_arn =
        json!({ "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}" });
    let permissions = stack.of_type("AWS::Lambda::Permission");
    let on_resolver: Vec<_> = permissions
        .values()
        .map(|p| &p["Properties"])
        .filter(|p| p["FunctionName"] == reference("ResolverFunction"))
        .collect();
    assert_eq!(on_resolver.len(), 2, "{on_resolver:?}");
    for permission in &on_resolver {
        assert_eq!(permission["Principal"], "cloudfront.amazonaws.com");
        assert_eq!(permission["SourceArn"], distribution_arn);
    }
    let actions: BTreeMap<_, _> = on_resolver.iter().map(|p| (p["Action"].as_str().unwrap_or_default(), *p)).collect();
    assert_eq!(actions["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"], "AWS_IAM");
    assert_eq!(actions["lambda:InvokeFunction"]["InvokedViaFunctionUrl"], true);
    for permission in permissions.values() {
        assert_ne!(permission["Properties"]["FunctionUrlAuthType"], "NONE");
        assert_ne!(permission["Properties"]["Principal"], "*");
    }

    let oac = &stack.properties("ResolverOriginAccessControl")["OriginAccessControlConfig"];
    assert_eq!(
        (&oac["OriginAccessControlOriginType"], &oac["SigningBehavior"], &oac["SigningProtocol"]),
        (&json!("lambda"), &json!("always"), &json!("sigv4"))
    );
    let origins = stack.distribution()["Origins"].as_array().ok_or("no origins")?;
    let resolver = origins.iter().find(|o| o["Id"] == "resolver").ok_or("no resolver origin")?;
    assert_eq!(resolver["OriginAccessControlId"], get_att("ResolverOriginAccessControl", "Id"));
    assert_eq!(
        resolver["DomainName"],
        json!({ "Fn::Select": [2, { "Fn::Split": ["/", get_att("ResolverFunctionUrl", "FunctionUrl")] }] })
    );
    Ok(())
}

#[test]
fn behaviours_are_the_path_table_in_order_with_the_resolver_as_default() -> TestResult {
    let stack = Synthesized::new()?;
    let behaviours = stack.distribution()["CacheBehaviors"].as_array().ok_or("no behaviours")?;
    assert_eq!(behaviours.len(), ROUTES.len());
    for (behaviour, route) in behaviours.iter().zip(ROUTES) {
        assert_eq!(behaviour["PathPattern"], route.pattern.cloudfront_path_pattern());
        let origin = match route.origin {
            Origin::Site => "site",
            Origin::Api => "api",
            Origin::Resolver => "resolver",
        };
        assert_eq!(behaviour["TargetOriginId"], origin, "{route:?}");
    }
    let default = &stack.distribution()["DefaultCacheBehavior"];
    assert_eq!(default["TargetOriginId"], "resolver");
    assert!(default["PathPattern"].is_null());
    assert_eq!(stack.distribution()["DefaultRootObject"], "index.html");
    Ok(())
}

#[test]
fn api_paths_are_never_cached_and_get_every_viewer_header_but_host() -> TestResult {
    let stack = Synthesized::new()?;
    let behaviours = stack.distribution()["CacheBehaviors"].as_array().ok_or("no behaviours")?;
    let api: Vec<_> = behaviours.iter().filter(|b| b["TargetOriginId"] == "api").collect();
    assert!(!api.is_empty());
    for behaviour in api {
        assert_eq!(behaviour["CachePolicyId"], "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "Managed-CachingDisabled");
        assert_eq!(
            behaviour["OriginRequestPolicyId"], "b689b0a8-53d0-40ab-baf2-68738e2966ac",
            "AllViewerExceptHostHeader"
        );
        assert_eq!(behaviour["AllowedMethods"].as_array().map(Vec::len), Some(7));
    }
    Ok(())
}

#[test]
fn redirects_are_cached_on_the_path_alone_for_as_long_as_the_resolver_says() -> TestResult {
    let stack = Synthesized::new()?;
    let default = &stack.distribution()["DefaultCacheBehavior"];
    assert_eq!(default["CachePolicyId"], reference("ResolverCachePolicy"));
    assert!(default["OriginRequestPolicyId"].is_null(), "nothing but the path may reach the signed origin");
    let config = &stack.properties("ResolverCachePolicy")["CachePolicyConfig"];
    assert_eq!(
        (&config["MinTTL"], &config["DefaultTTL"]),
        (&json!(0), &json!(0)),
        "the origin's Cache-Control decides"
    );
    let key = &config["ParametersInCacheKeyAndForwardedToOrigin"];
    assert_eq!(key["HeadersConfig"], json!({ "HeaderBehavior": "none" }));
    assert_eq!(key["CookiesConfig"], json!({ "CookieBehavior": "none" }));
    assert_eq!(key["QueryStringsConfig"], json!({ "QueryStringBehavior": "none" }));
    Ok(())
}

#[test]
fn viewers_use_https_and_get_security_headers() -> TestResult {
    let stack = Synthesized::new()?;
    let distribution = stack.distribution();
    let mut behaviours = distribution["CacheBehaviors"].as_array().cloned().unwrap_or_default();
    behaviours.push(distribution["DefaultCacheBehavior"].clone());
    for behaviour in &behaviours {
        assert_ne!(behaviour["ViewerProtocolPolicy"], "allow-all");
        let policy = behaviour["ResponseHeadersPolicyId"]["Ref"].as_str().ok_or("no headers policy")?;
        let headers = &stack.properties(policy)["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
        assert!(headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"].as_u64() >= Some(31_536_000));
        assert_eq!(headers["ContentTypeOptions"]["Override"], true);
        let csp = &headers["ContentSecurityPolicy"]["ContentSecurityPolicy"];
        if behaviour["TargetOriginId"] == "site" {
            assert_eq!(csp, shortener_domain::paths::SITE_CONTENT_SECURITY_POLICY);
        }
    }
    for origin in distribution["Origins"].as_array().ok_or("no origins")? {
        if !origin["CustomOriginConfig"].is_null() {
            assert_eq!(origin["CustomOriginConfig"]["OriginProtocolPolicy"], "https-only");
        }
    }
    Ok(())
}

#[test]
fn the_table_survives_the_stack_and_can_be_restored() -> TestResult {
    let stack = Synthesized::new()?;
    let table = stack.resource("LinksTable");
    assert_eq!((&table["DeletionPolicy"], &table["UpdateReplacePolicy"]), (&json!("Retain"), &json!("Retain")));
    let properties = &table["Properties"];
    assert_eq!(properties["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(properties["KeySchema"], json!([{ "AttributeName": PK, "KeyType": "HASH" }]));
    assert_eq!(properties["AttributeDefinitions"], json!([{ "AttributeName": PK, "AttributeType": "S" }]));
    assert_eq!(properties["TimeToLiveSpecification"], json!({ "AttributeName": EXPIRES_AT, "Enabled": true }));
    assert_eq!(properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], true);
    assert_eq!(properties["SSESpecification"]["SSEEnabled"], true);
    assert_eq!(properties["StreamSpecification"], json!({ "StreamViewType": "KEYS_ONLY" }));
    Ok(())
}

#[test]
fn only_changes_and_removals_of_links_reach_the_invalidator_and_failed_batches_are_kept() -> TestResult {
    let stack = Synthesized::new()?;
    let mappings = stack.of_type("AWS::Lambda::EventSourceMapping");
    assert_eq!(mappings.keys().collect::<Vec<_>>(), ["ClickCounterEventSource", "InvalidatorStreamMapping"]);
    let mapping = stack.properties("InvalidatorStreamMapping");
    assert_eq!(mapping["FunctionName"], reference("InvalidatorFunction"));
    assert_eq!(mapping["EventSourceArn"], get_att("LinksTable", "StreamArn"));
    assert_eq!(mapping["MaximumBatchingWindowInSeconds"], reference("InvalidationBatchingWindowSeconds"));
    assert_eq!(stack.template["Parameters"]["InvalidationBatchingWindowSeconds"]["Default"], "5");
    let batch = mapping["BatchSize"].as_u64().ok_or("no BatchSize")?;
    assert!(
        2 * batch <= edge_invalidator::cloudfront::MAX_PATHS_PER_INVALIDATION as u64,
        "a batch is one invalidation"
    );
    assert_eq!(mapping["BisectBatchOnFunctionError"], true);
    let retries = mapping["MaximumRetryAttempts"].as_i64().ok_or("retries unbounded")?;
    assert!((1..=10).contains(&retries), "{retries}");
    assert_eq!(mapping["DestinationConfig"]["OnFailure"]["Destination"], get_att("InvalidatorFailureQueue", "Arn"));
    assert_eq!(stack.properties("InvalidatorFailureQueue")["SqsManagedSseEnabled"], true);
    let alarm = stack.properties("InvalidatorFailureAlarm");
    assert_eq!(
        alarm["Dimensions"],
        json!([{ "Name": "QueueName", "Value": get_att("InvalidatorFailureQueue", "QueueName") }])
    );
    assert_eq!(
        (&alarm["MetricName"], &alarm["Threshold"]),
        (&json!("ApproximateNumberOfMessagesVisible"), &json!(0.0))
    );

    let filters = mapping["FilterCriteria"]["Filters"].as_array().ok_or("no filters")?;
    assert_eq!(filters.len(), 1);
    let pattern: Value = serde_json::from_str(filters[0]["Pattern"].as_str().ok_or("no pattern")?)?;
    assert_eq!(
        pattern,
        json!({ "eventName": ["MODIFY", "REMOVE"], "dynamodb": { "Keys": { PK: { "S": [{ "prefix": "LINK#" }] } } } })
    );
    Ok(())
}

/// The environment variables a handler's configuration reads, and which of them it cannot start without.
fn handler_variables(command: &Command) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut read = BTreeSet::new();
    let mut required = BTreeSet::new();
    for argument in command.get_arguments() {
        if let Some(name) = argument.get_env() {
            let name = name.to_string_lossy().into_owned();
            if argument.is_required_set() && argument.get_default_values().is_empty() {
                required.insert(name.clone());
            }
            read.insert(name);
        }
    }
    (read, required)
}

fn template_variables(stack: &Synthesized, function: &str) -> BTreeSet<String> {
    let variables = stack.properties(function)["Environment"]["Variables"].as_object().cloned().unwrap_or_default();
    variables.keys().cloned().collect()
}

#[test]
fn each_function_gets_every_setting_its_handler_requires_and_only_ones_it_reads() -> TestResult {
    use shortener_domain::store::dynamodb::DynamoSettings;
    let stack = Synthesized::new()?;
    let api = DynamoSettings::augment_args(origin_api::ApiConfig::augment_args(Command::new("origin-api")));
    let resolver =
        DynamoSettings::augment_args(edge_resolver::ResolverConfig::augment_args(Command::new("edge-resolver")));
    let invalidator = edge_invalidator::InvalidatorConfig::augment_args(Command::new("edge-invalidator"));
    for (function, command) in
        [("ApiFunction", api), ("ResolverFunction", resolver), ("InvalidatorFunction", invalidator)]
    {
        let (read, required) = handler_variables(&command);
        let set = template_variables(&stack, function);
        assert!(
            set.is_subset(&read),
            "{function} sets {:?}, which its handler never reads",
            set.difference(&read).collect::<Vec<_>>()
        );
        assert!(required.is_subset(&set), "{function} lacks {:?}", required.difference(&set).collect::<Vec<_>>());
    }
    // The cycle docs/architecture.md describes, broken in one deploy: the API learns the distribution's domain.
    let base = &stack.properties("ApiFunction")["Environment"]["Variables"]["PUBLIC_BASE_URL"];
    assert_eq!(
        base,
        &json!({ "Fn::If": ["HasDomainName", { "Fn::Sub": "https://${DomainName}/" }, { "Fn::Sub": "https://${Distribution.DomainName}/" }] })
    );
    let runtime = |function: &str| stack.properties(function)["Runtime"].clone();
    for function in ["ApiFunction", "ResolverFunction", "InvalidatorFunction"] {
        assert_eq!(runtime(function), json!("provided.al2023"), "{function}");
    }
    assert_eq!(
        stack.properties("InvalidatorFunction")["Environment"]["Variables"]["DISTRIBUTION_ID"],
        reference("Distribution")
    );
    Ok(())
}

#[test]
fn the_http_api_serves_its_routes_from_the_default_stage() -> TestResult {
    let stack = Synthesized::new()?;
    let routes: BTreeSet<_> =
        stack.of_type("AWS::ApiGatewayV2::Route").values().map(|r| r["Properties"]["RouteKey"].to_string()).collect();
    let expected = [
        "POST /shorten",
        "GET /api/links/{id}",
        "PATCH /api/links/{id}",
        "DELETE /api/links/{id}",
        "GET /api/health",
        "$default",
    ]
    .map(|r| json!(r).to_string());
    assert_eq!(routes, BTreeSet::from(expected));
    let stage = stack.properties("HttpApiStage");
    assert_eq!((&stage["StageName"], &stage["AutoDeploy"]), (&json!("$default"), &json!(true)));
    assert_eq!(stage["DefaultRouteSettings"]["ThrottlingRateLimit"], reference("ApiThrottlingRateLimit"));
    assert_eq!(stack.properties("HttpApi")["CorsConfiguration"]["AllowOrigins"], reference("CorsAllowOrigins"));
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn read_json(path: &Path) -> Result<Value, Box<dyn Error>> {
    Ok(serde_json::from_str(&fs::read_to_string(path)?)?)
}

#[test]
fn the_manifests_describe_the_files_the_assembly_holds() -> TestResult {
    let stack = Synthesized::new()?;
    let out = stack.out();
    let manifest = read_json(&out.join("manifest.json"))?;
    assert_eq!(manifest["version"], shortener_infra::assembly::SCHEMA_VERSION);
    let artifact = &manifest["artifacts"][STACK];
    assert_eq!(artifact["type"], "aws:cloudformation:stack");
    assert_eq!(artifact["environment"], "aws://unknown-account/unknown-region");
    assert_eq!(artifact["dependencies"], json!([format!("{STACK}.assets")]));
    let properties = &artifact["properties"];
    assert_eq!(properties["templateFile"], format!("{STACK}.template.json"));
    assert_eq!(properties["requiresBootstrapStackVersion"], 6);
    assert!(properties["assumeRoleArn"].as_str().is_some_and(|arn| arn.contains(":role/cdk-hnb659fds-deploy-role-")));

    let assets = &manifest["artifacts"][format!("{STACK}.assets")];
    assert_eq!(assets["type"], "cdk:asset-manifest");
    let asset_manifest = read_json(&out.join(assets["properties"]["file"].as_str().ok_or("no asset manifest")?))?;
    let files = asset_manifest["files"].as_object().ok_or("no file assets")?;
    assert_eq!(files.len(), 5, "the template and four zips");
    let mut keys = BTreeSet::new();
    for (hash, asset) in files {
        let source = out.join(asset["source"]["path"].as_str().ok_or("no source path")?);
        assert_eq!(&sha256_hex(&fs::read(&source)?), hash, "{}", source.display());
        let destination = &asset["destinations"]["current_account-current_region"];
        assert_eq!(destination["bucketName"], "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}");
        keys.insert(destination["objectKey"].as_str().unwrap_or_default().to_owned());
    }
    let template_url = properties["stackTemplateAssetObjectUrl"].as_str().ok_or("no template URL")?;
    let template_key = template_url.rsplit('/').next().unwrap_or_default();
    assert!(keys.contains(template_key), "{template_url} is not published");
    for function in ["ApiFunction", "ResolverFunction", "InvalidatorFunction", "ClickCounterFunction"] {
        let code = &stack.properties(function)["Code"];
        assert!(keys.contains(code["S3Key"].as_str().unwrap_or_default()), "{function}'s code is not published");
        assert_eq!(code["S3Bucket"], json!({ "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}" }));
    }
    assert!(stack.template["Rules"]["CheckBootstrapVersion"].is_object());
    assert_eq!(stack.template["Parameters"]["BootstrapVersion"]["Default"], "/cdk-bootstrap/hnb659fds/version");
    Ok(())
}

#[test]
fn a_missing_zip_is_reported_with_the_command_that_builds_it() -> TestResult {
    let dir = TempDir::new()?;
    let missing = dir.path().join("origin-api.zip");
    let error = synth(&SynthOptions {
        stack_name: STACK.to_owned(),
        out: dir.path().join("cdk.out"),
        origin_api_zip: missing.clone(),
        edge_resolver_zip: missing.clone(),
        edge_invalidator_zip: missing.clone(),
        click_counter_zip: missing.clone(),
    })
    .err()
    .ok_or("synthesized without its zips")?;
    let message = error.to_string();
    assert!(message.contains(&missing.display().to_string()) && message.contains("scripts/build-lambdas"), "{message}");
    assert!(!dir.path().join("cdk.out").exists());
    Ok(())
}

#[test]
fn a_folder_that_is_not_an_assembly_is_never_replaced() -> TestResult {
    let stack = Synthesized::new()?;
    let precious = stack.dir.path().join("precious");
    fs::create_dir(&precious)?;
    fs::write(precious.join("notes.txt"), "keep me")?;
    let result = synth(&SynthOptions {
        stack_name: STACK.to_owned(),
        out: precious.clone(),
        origin_api_zip: stack.dir.path().join("origin-api.zip"),
        edge_resolver_zip: stack.dir.path().join("edge-resolver.zip"),
        edge_invalidator_zip: stack.dir.path().join("edge-invalidator.zip"),
        click_counter_zip: stack.dir.path().join("click-counter.zip"),
    });
    assert!(result.is_err());
    assert_eq!(fs::read_to_string(precious.join("notes.txt"))?, "keep me");
    Ok(())
}

#[test]
fn the_template_matches_its_reviewed_snapshot() -> TestResult {
    let stack = Synthesized::new()?;
    let actual = fs::read_to_string(stack.out().join(format!("{STACK}.template.json")))?;
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/Shortener.template.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        fs::write(&snapshot, &actual)?;
        return Ok(());
    }
    let expected = fs::read_to_string(&snapshot)
        .map_err(|e| format!("{}: {e} (UPDATE_SNAPSHOTS=1 writes it)", snapshot.display()))?;
    if let Some((line, (want, got))) =
        expected.lines().zip(actual.lines()).enumerate().find(|(_, (want, got))| want != got)
    {
        panic!(
            "the template differs from {} at line {}:\n  snapshot: {want}\n  now:      {got}\nreview the change, then \
             UPDATE_SNAPSHOTS=1 cargo test -p shortener-infra --test template",
            snapshot.display(),
            line + 1
        );
    }
    assert_eq!(expected.lines().count(), actual.lines().count(), "the template's length changed; see above");
    Ok(())
}

#[test]
fn only_cloudfront_shows_the_api_the_secret_that_makes_it_trust_the_viewer_address() -> TestResult {
    let stack = Synthesized::new()?;
    let secret = json!({ "Fn::Select": [2, { "Fn::Split": ["/", { "Ref": "AWS::StackId" }] }] });
    let origins = stack.distribution()["Origins"].as_array().ok_or("no origins")?;
    for origin in origins {
        let headers = origin["OriginCustomHeaders"].as_array().cloned().unwrap_or_default();
        if origin["Id"] == "api" {
            let header = origin_api::quota::ORIGIN_SECRET_HEADER;
            assert_eq!(headers, [json!({ "HeaderName": "X-Origin-Verify", "HeaderValue": secret })]);
            assert!(header.as_str().eq_ignore_ascii_case("X-Origin-Verify"), "the API reads {header}");
        } else {
            assert!(headers.is_empty(), "{} gets the API's secret", origin["Id"]);
        }
    }
    assert_eq!(stack.properties("ApiFunction")["Environment"]["Variables"]["ORIGIN_SECRET"], secret);
    Ok(())
}

/// The access log bucket's name as the template writes it (`Fn::Sub` of the account and region).
fn click_log_bucket_name(stack: &Synthesized) -> Result<String, Box<dyn Error>> {
    let name = stack.properties("ClickLogBucket")["BucketName"]["Fn::Sub"].as_str().ok_or("no bucket name")?;
    Ok(name.to_owned())
}

fn the_only<'a>(what: &str, items: impl IntoIterator<Item = &'a Value>) -> Result<&'a Value, Box<dyn Error>> {
    let items: Vec<_> = items.into_iter().collect();
    match items.as_slice() {
        [item] => Ok(item),
        _ => Err(format!("{} {what}, expected one: {items:?}", items.len()).into()),
    }
}

#[test]
fn the_access_log_bucket_is_private_encrypted_tls_only_and_forgets_logs_after_the_retention() -> TestResult {
    let stack = Synthesized::new()?;
    let bucket = stack.resource("ClickLogBucket");
    assert_eq!((&bucket["DeletionPolicy"], &bucket["UpdateReplacePolicy"]), (&json!("Retain"), &json!("Retain")));
    let properties = &bucket["Properties"];
    assert_eq!(
        properties["PublicAccessBlockConfiguration"],
        json!({ "BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true })
    );
    assert_eq!(
        properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "AES256",
        "SSE-S3: CloudFront's legacy log delivery cannot use a customer managed key without a key policy for it"
    );
    // Legacy standard logs are delivered through an ACL grant to CloudFront's awslogsdelivery account, which
    // BucketOwnerEnforced would refuse; no canned ACL opens anything more.
    assert_eq!(properties["OwnershipControls"]["Rules"], json!([{ "ObjectOwnership": "BucketOwnerPreferred" }]));
    assert!(properties["AccessControl"].is_null() && properties["WebsiteConfiguration"].is_null());
    let rule =
        the_only("lifecycle rules", properties["LifecycleConfiguration"]["Rules"].as_array().ok_or("no rules")?)?;
    assert_eq!((&rule["Status"], &rule["ExpirationInDays"]), (&json!("Enabled"), &reference("LogRetentionDays")));
    assert!(rule["Prefix"].is_null() && rule["TagFilters"].is_null(), "the rule covers the whole bucket: {rule}");

    let policies = stack.of_type("AWS::S3::BucketPolicy");
    let policy = the_only(
        "policies on the log bucket",
        policies.values().filter(|p| p["Properties"]["Bucket"] == reference("ClickLogBucket")),
    )?;
    let statements = policy["Properties"]["PolicyDocument"]["Statement"].as_array().ok_or("no statements")?;
    assert!(statements.iter().all(|s| s["Effect"] == "Deny"), "the bucket policy grants nothing: {statements:?}");
    let deny = the_only("statements", statements)?;
    assert_eq!(deny["Condition"], json!({ "Bool": { "aws:SecureTransport": "false" } }));
    assert_eq!((&deny["Action"], &deny["Principal"]), (&json!(["s3:*"]), &json!({ "AWS": "*" })));
    assert_eq!(deny["Resource"], json!([get_att("ClickLogBucket", "Arn"), { "Fn::Sub": "${ClickLogBucket.Arn}/*" }]));
    Ok(())
}

#[test]
fn the_distribution_logs_every_request_into_the_log_bucket_under_the_prefix_the_bucket_announces() -> TestResult {
    let stack = Synthesized::new()?;
    let logging = &stack.distribution()["Logging"];
    assert_eq!(logging["Bucket"], get_att("ClickLogBucket", "DomainName"));
    assert_eq!(logging["IncludeCookies"], false);
    let prefix = logging["Prefix"].as_str().ok_or("no log prefix")?;
    assert!(prefix.ends_with('/') && prefix.len() > 1, "{prefix}");

    let notifications = &stack.properties("ClickLogBucket")["NotificationConfiguration"];
    let queued = the_only(
        "queue notifications",
        notifications["QueueConfigurations"].as_array().ok_or("no queue notifications")?,
    )?;
    assert_eq!(queued["Event"], "s3:ObjectCreated:*");
    assert_eq!(queued["Queue"], get_att("ClickLogQueue", "Arn"));
    assert_eq!(
        queued["Filter"]["S3Key"]["Rules"],
        json!([{ "Name": "prefix", "Value": prefix }, { "Name": "suffix", "Value": ".gz" }])
    );
    assert!(notifications["LambdaConfigurations"].is_null() && notifications["TopicConfigurations"].is_null());
    Ok(())
}

#[test]
fn the_log_queue_is_encrypted_hears_only_the_log_bucket_and_gives_up_into_a_dead_letter_queue() -> TestResult {
    let stack = Synthesized::new()?;
    for queue in ["ClickLogQueue", "ClickLogDeadLetterQueue"] {
        assert_eq!(stack.properties(queue)["SqsManagedSseEnabled"], true, "{queue}");
    }
    let queue = stack.properties("ClickLogQueue");
    assert_eq!(queue["RedrivePolicy"]["deadLetterTargetArn"], get_att("ClickLogDeadLetterQueue", "Arn"));
    let receives = queue["RedrivePolicy"]["maxReceiveCount"].as_u64().ok_or("no maxReceiveCount")?;
    assert!((2..=10).contains(&receives), "{receives} receives before a file is given up");
    // AWS's advice for an SQS event source: hide a received batch for six times the function's timeout.
    let timeout = stack.properties("ClickCounterFunction")["Timeout"].as_u64().ok_or("no timeout")?;
    assert!(queue["VisibilityTimeout"].as_u64() >= Some(6 * timeout), "{queue}");
    assert_eq!(
        queue["MessageRetentionPeriod"],
        stack.properties("ClickLogDeadLetterQueue")["MessageRetentionPeriod"],
        "a message moved to the dead-letter queue keeps its age, so that queue must keep it at least as long"
    );

    let policies = stack.of_type("AWS::SQS::QueuePolicy");
    let policy = the_only("queue policies", policies.values())?;
    assert_eq!(policy["Properties"]["Queues"], json!([reference("ClickLogQueue")]));
    let statements = policy["Properties"]["PolicyDocument"]["Statement"].as_array().ok_or("no statements")?;
    let allow = the_only("grants", statements.iter().filter(|s| s["Effect"] == "Allow"))?;
    assert_eq!(allow["Principal"], json!({ "Service": "s3.amazonaws.com" }));
    assert_eq!(
        (&allow["Action"], &allow["Resource"]),
        (&json!(["sqs:SendMessage"]), &json!([get_att("ClickLogQueue", "Arn")]))
    );
    let source = allow["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"].as_str().ok_or("no source bucket")?;
    assert_eq!(source, format!("arn:${{AWS::Partition}}:s3:::{}", click_log_bucket_name(&stack)?), "not this bucket");
    assert_eq!(allow["Condition"]["StringEquals"]["aws:SourceAccount"], reference("AWS::AccountId"));
    let deny = the_only("denials", statements.iter().filter(|s| s["Effect"] == "Deny"))?;
    assert_eq!(deny["Condition"], json!({ "Bool": { "aws:SecureTransport": "false" } }));

    // S3 checks that it may send to the queue when the notification is created: the policy must come first.
    assert_eq!(stack.resource("ClickLogBucket")["DependsOn"], json!(["ClickLogQueuePolicy"]));
    Ok(())
}

/// Whether `key` matches an IAM `StringLike` pattern (`*` any run of characters, `?` one).
fn string_like(pattern: &str, key: &str) -> bool {
    match pattern.chars().next() {
        None => key.is_empty(),
        Some('*') => {
            (0..=key.len()).filter(|i| key.is_char_boundary(*i)).any(|i| string_like(&pattern[1..], &key[i..]))
        }
        Some(c) => key
            .chars()
            .next()
            .is_some_and(|k| (c == '?' || c == k) && string_like(&pattern[c.len_utf8()..], &key[k.len_utf8()..])),
    }
}

#[test]
fn the_click_counter_reads_only_log_files_and_writes_only_count_items() -> TestResult {
    let stack = Synthesized::new()?;
    let role = stack.properties("ClickCounterRole");
    let statements: Vec<Value> = role["Policies"]
        .as_array()
        .ok_or("no policies")?
        .iter()
        .flat_map(|policy| policy["PolicyDocument"]["Statement"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(statements.iter().all(|s| s["Effect"] == "Allow"));
    let actions = |s: &Value| -> Vec<String> {
        s["Action"].as_array().into_iter().flatten().filter_map(|a| a.as_str().map(str::to_owned)).collect()
    };
    let of_service = |service: &str| -> Vec<&Value> {
        statements.iter().filter(|s| actions(s).iter().any(|a| a.starts_with(service))).collect()
    };

    // S3: GetObject of the log files under the distribution's log prefix, nothing else of any bucket.
    let read = the_only("S3 grants", of_service("s3:"))?;
    assert_eq!(actions(read), ["s3:GetObject"]);
    let prefix = stack.distribution()["Logging"]["Prefix"].as_str().ok_or("no log prefix")?;
    let expected = format!("arn:${{AWS::Partition}}:s3:::{}/{prefix}*", click_log_bucket_name(&stack)?);
    assert_eq!(read["Resource"], json!([{ "Fn::Sub": expected }]));

    // SQS: what the event source mapping needs, on its own queue.
    let queue = the_only("SQS grants", of_service("sqs:"))?;
    assert_eq!(actions(queue), ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]);
    assert_eq!(queue["Resource"], json!([get_att("ClickLogQueue", "Arn")]));

    // DynamoDB: every grant limited by the item's key; together they reach markers, counts and countedUntil only.
    let table = of_service("dynamodb:");
    assert!(!table.is_empty());
    let mut allowed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for grant in &table {
        assert_eq!(grant["Resource"], json!([get_att("LinksTable", "Arn")]));
        let keys = grant["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            .as_array()
            .ok_or(format!("a table grant without a key condition: {grant}"))?;
        assert_eq!(grant["Condition"].as_object().map(|c| c.len()), Some(1), "{grant}");
        for action in actions(grant) {
            allowed.entry(action).or_default().extend(keys.iter().filter_map(|k| k.as_str().map(str::to_owned)));
        }
    }
    let may =
        |action: &str, key: &str| allowed.get(action).is_some_and(|keys| keys.iter().any(|p| string_like(p, key)));
    let marker = format!("{LOG_PREFIX}{prefix}E2EXAMPLE.2026-11-30-06.abcd1234.gz#etag#0");
    let count = format!("{CLICKS_PREFIX}abc123#2026-11-30");
    assert!(may("dynamodb:PutItem", &marker), "{allowed:?}");
    assert!(may("dynamodb:UpdateItem", &count) && may("dynamodb:UpdateItem", COUNTED_UNTIL_KEY), "{allowed:?}");
    assert!(may("dynamodb:GetItem", WARM_UP_KEY), "the store's init check: {allowed:?}");
    assert!(!may("dynamodb:PutItem", &count) && !may("dynamodb:UpdateItem", &marker), "{allowed:?}");
    for other in ["LINK#abc123", "LINK#CLICKS#x", "BLOCK#evil.example", "QUOTA#203.0.113.9#493000", "CLICKSX"] {
        for action in allowed.keys() {
            assert!(!may(action, other), "{action} reaches {other}: {allowed:?}");
        }
    }
    assert!(
        allowed.keys().all(|a| ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"].contains(&a.as_str())),
        "{allowed:?}"
    );

    let logs = the_only("log grants", of_service("logs:"))?;
    assert_eq!(logs["Resource"], json!([get_att("ClickCounterLogGroup", "Arn")]));
    assert_eq!(
        of_service("s3:").len() + of_service("sqs:").len() + table.len() + 1,
        statements.len(),
        "{statements:?}"
    );
    Ok(())
}

#[test]
fn the_click_counter_is_fed_its_queue_and_reports_each_failed_file() -> TestResult {
    let stack = Synthesized::new()?;
    let mapping = stack.properties("ClickCounterEventSource");
    assert_eq!(mapping["EventSourceArn"], get_att("ClickLogQueue", "Arn"));
    assert_eq!(mapping["FunctionName"], reference("ClickCounterFunction"));
    assert_eq!(mapping["FunctionResponseTypes"], json!(["ReportBatchItemFailures"]), "a failed file fails alone");
    let function = stack.properties("ClickCounterFunction");
    assert_eq!(function["Runtime"], "provided.al2023");
    assert_eq!(function["Architectures"], json!([reference("Architecture")]));
    assert_eq!(function["Role"], get_att("ClickCounterRole", "Arn"));
    assert_eq!(function["LoggingConfig"]["LogGroup"], reference("ClickCounterLogGroup"));
    assert_eq!(function["Environment"]["Variables"], json!({ "TABLE_NAME": reference("LinksTable") }));
    Ok(())
}

#[test]
fn alarms_say_when_counting_stops() -> TestResult {
    let stack = Synthesized::new()?;
    let alarms: BTreeSet<(String, String, String)> = stack
        .of_type("AWS::CloudWatch::Alarm")
        .values()
        .map(|alarm| {
            let p = &alarm["Properties"];
            assert_eq!(p["ComparisonOperator"], "GreaterThanThreshold");
            (p["Namespace"].to_string(), p["MetricName"].to_string(), p["Dimensions"].to_string())
        })
        .collect();
    let expected = |namespace: &str, metric: &str, name: &str, value: Value| {
        (json!(namespace).to_string(), json!(metric).to_string(), json!([{ "Name": name, "Value": value }]).to_string())
    };
    assert_eq!(
        alarms,
        BTreeSet::from([
            expected("AWS/Lambda", "Errors", "FunctionName", reference("ClickCounterFunction")),
            expected(
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                get_att("ClickLogDeadLetterQueue", "QueueName")
            ),
            expected("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", get_att("ClickLogQueue", "QueueName")),
            expected(
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                get_att("InvalidatorFailureQueue", "QueueName")
            ),
        ])
    );
    Ok(())
}
