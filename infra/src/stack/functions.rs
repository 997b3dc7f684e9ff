//! The functions, each with its own role and log group: the resolver, reached by CloudFront through its function
//! URL, the API, reached through the HTTP API, (in [`super::invalidator`]) the invalidator on the table's stream,
//! and (in [`super::clicks`]) the click counter on the access log queue.

use std::collections::BTreeMap;

use super::{
    distribution_arn,
    ids::{
        API, API_LOGS, API_MEMORY, API_ROLE, ARCHITECTURE, CORS_ORIGINS, EDGE_TTL, LOG_RETENTION, REDIRECT_STATUS,
        RESOLVER, RESOLVER_INVOKE_PERMISSION, RESOLVER_LOGS, RESOLVER_MEMORY, RESOLVER_ROLE, RESOLVER_URL,
        RESOLVER_URL_PERMISSION,
    },
};
use crate::{
    assembly::{self, FileAsset},
    cfn::{Expr, Id},
    resources::{
        iam::{InlinePolicy, PolicyDocument, Principal, Role, Statement},
        lambda::{Code, Environment, Function, FunctionUrl, LoggingConfig, Permission},
        logs::LogGroup,
    },
    template::Template,
};

/// The resolver function and its function URL.
#[derive(Debug, Clone, Copy)]
pub(super) struct Resolver {
    /// The function.
    pub(super) function: Id,
    /// Its URL, which only signed requests may call.
    pub(super) url: Id,
}

/// The resolver: reads the table, answers CloudFront through its function URL.
pub(super) fn resolver_function(t: &mut Template, table: Id, code: &FileAsset) -> Resolver {
    let function = function(
        t,
        FunctionSpec {
            id: RESOLVER,
            role: RESOLVER_ROLE,
            logs: RESOLVER_LOGS,
            description: "edge-resolver: GET|HEAD /{id} to a redirect, behind CloudFront",
            code,
            memory: RESOLVER_MEMORY.reference(),
            timeout: FUNCTION_TIMEOUT_SECONDS,
            grants: vec![table_policy(table, vec!["dynamodb:GetItem"])],
            environment: BTreeMap::from([
                ("TABLE_NAME", table.reference()),
                ("REDIRECT_STATUS", REDIRECT_STATUS.reference()),
                ("EDGE_TTL_SECONDS", EDGE_TTL.reference()),
            ]),
        },
    );
    let url = t.add(RESOLVER_URL, FunctionUrl { auth_type: "AWS_IAM", target_function_arn: function.attr("Arn") });
    Resolver { function, url }
}

/// Only CloudFront, and only this distribution, may call the resolver's URL. Since October 2025 a function URL
/// needs both actions: `InvokeFunctionUrl`, and `InvokeFunction` limited to calls through the URL.
pub(super) fn resolver_url_permissions(t: &mut Template, resolver: Id, distribution: Id) {
    let distribution_arn = distribution_arn(distribution);
    t.add(
        RESOLVER_URL_PERMISSION,
        Permission {
            action: "lambda:InvokeFunctionUrl",
            function_name: resolver.reference(),
            principal: "cloudfront.amazonaws.com",
            source_arn: distribution_arn.clone(),
            function_url_auth_type: Some("AWS_IAM"),
            invoked_via_function_url: None,
        },
    );
    t.add(
        RESOLVER_INVOKE_PERMISSION,
        Permission {
            action: "lambda:InvokeFunction",
            function_name: resolver.reference(),
            principal: "cloudfront.amazonaws.com",
            source_arn: distribution_arn,
            function_url_auth_type: None,
            invoked_via_function_url: Some(true),
        },
    );
}

/// The API: reads and writes the table, behind the HTTP API. `PUBLIC_BASE_URL` needs the distribution's domain,
/// and the distribution needs only the HTTP API (not this function) as its origin: so the function can be created
/// after the distribution, in the same deploy.
pub(super) fn api_function(
    t: &mut Template,
    table: Id,
    code: &FileAsset,
    distribution: Id,
    public_base_url: Expr,
) -> Id {
    function(
        t,
        FunctionSpec {
            id: API,
            role: API_ROLE,
            logs: API_LOGS,
            description: "origin-api: creates, reads, edits and deletes links, behind the HTTP API",
            code,
            memory: API_MEMORY.reference(),
            timeout: FUNCTION_TIMEOUT_SECONDS,
            // PutItem: new links and (conditional on their version) changed ones; BatchGetItem: host blocks;
            // UpdateItem: the creation quota's counter.
            grants: vec![table_policy(
                table,
                vec!["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"],
            )],
            environment: BTreeMap::from([
                ("TABLE_NAME", table.reference()),
                ("PUBLIC_BASE_URL", public_base_url),
                ("OWN_HOSTS", distribution.attr("DomainName")),
                ("CORS_ALLOW_ORIGINS", Expr::Join(",", Box::new(CORS_ORIGINS.reference()))),
                ("ORIGIN_SECRET", super::distribution::origin_secret()),
            ]),
        },
    )
}

/// Seconds a request to the resolver or the API may run, well above the bounded store call.
const FUNCTION_TIMEOUT_SECONDS: u32 = 10;

/// What differs between the functions.
pub(super) struct FunctionSpec<'a> {
    pub(super) id: Id,
    pub(super) role: Id,
    pub(super) logs: Id,
    pub(super) description: &'static str,
    pub(super) code: &'a FileAsset,
    pub(super) memory: Expr,
    pub(super) timeout: u32,
    /// What the function may do besides writing its own logs.
    pub(super) grants: Vec<InlinePolicy>,
    pub(super) environment: BTreeMap<&'static str, Expr>,
}

/// The policy that lets a function do `actions` on the table.
fn table_policy(table: Id, actions: Vec<&'static str>) -> InlinePolicy {
    InlinePolicy {
        policy_name: "links-table",
        policy_document: PolicyDocument::new(vec![Statement::allow(actions, vec![table.attr("Arn")])]),
    }
}

/// A function with its own log group and its own role: what the spec grants and its own logs, nothing else.
pub(super) fn function(t: &mut Template, spec: FunctionSpec<'_>) -> Id {
    let logs = t.add(spec.logs, LogGroup { retention_in_days: LOG_RETENTION.reference() });
    let role = t.add(
        spec.role,
        Role {
            description: spec.description,
            assume_role_policy_document: PolicyDocument::new(vec![Statement {
                principal: Some(Principal::Service("lambda.amazonaws.com")),
                ..Statement::allow(vec!["sts:AssumeRole"], Vec::new())
            }]),
            policies: spec
                .grants
                .into_iter()
                .chain([InlinePolicy {
                    policy_name: "own-logs",
                    policy_document: PolicyDocument::new(vec![Statement::allow(
                        vec!["logs:CreateLogStream", "logs:PutLogEvents"],
                        vec![logs.attr("Arn")],
                    )]),
                }])
                .collect(),
        },
    );
    t.add(
        spec.id,
        Function {
            description: spec.description,
            runtime: "provided.al2023",
            handler: "bootstrap",
            code: Code { s3_bucket: assembly::assets_bucket(), s3_key: spec.code.object_key() },
            role: role.attr("Arn"),
            architectures: vec![ARCHITECTURE.reference()],
            memory_size: spec.memory,
            timeout: spec.timeout,
            environment: Environment { variables: spec.environment },
            logging_config: LoggingConfig { log_group: logs.reference() },
        },
    )
}
