//! The HTTP API in front of origin-api: its CORS (answered by API Gateway), the routes of the API paths, and a
//! throttled, access-logged `$default` stage.

use std::collections::BTreeMap;

use super::{
    ids::{
        CORS_ORIGINS, HTTP_API, HTTP_API_ACCESS_LOGS, HTTP_API_INTEGRATION, HTTP_API_PERMISSION, HTTP_API_STAGE,
        LOG_RETENTION, THROTTLE_BURST, THROTTLE_RATE,
    },
    regional_name,
};
use crate::{
    cfn::{Expr, Id},
    resources::{
        apigateway::{AccessLogSettings, Cors, HttpApi, Integration, Route, RouteSettings, Stage},
        lambda::Permission,
        logs::LogGroup,
    },
    template::Template,
};

/// The API itself, with its CORS configuration; its routes come with the function they reach.
pub(super) fn http_api(t: &mut Template) -> Id {
    t.add(
        HTTP_API,
        HttpApi {
            name: regional_name("-api"),
            description: "origin-api: POST /shorten, GET, PATCH and DELETE /api/links/{id}, GET /api/health",
            protocol_type: "HTTP",
            cors_configuration: Cors {
                allow_origins: CORS_ORIGINS.reference(),
                allow_methods: vec!["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"],
                allow_headers: vec!["authorization", "content-type"],
                expose_headers: vec!["location", "retry-after"],
                max_age: 600,
            },
        },
    )
}

/// The HTTP API's routes, its `$default` stage (with throttling and access logs) and its permission to invoke.
pub(super) fn http_api_routes(t: &mut Template, http_api: Id, api: Id) {
    let integration = t.add(
        HTTP_API_INTEGRATION,
        Integration {
            api_id: http_api.reference(),
            integration_type: "AWS_PROXY",
            integration_uri: api.attr("Arn"),
            payload_format_version: "2.0",
        },
    );
    let target = Expr::concat(["integrations/".into(), integration.reference()]);
    // `$default` takes what the named routes do not (a wrong method, HEAD, an unknown /api/ path), so origin-api
    // answers those with its own problem+json 404/405, as it does locally.
    for (id, route_key) in [
        (Id("ShortenRoute"), "POST /shorten"),
        (Id("GetLinkRoute"), "GET /api/links/{id}"),
        (Id("PatchLinkRoute"), "PATCH /api/links/{id}"),
        (Id("DeleteLinkRoute"), "DELETE /api/links/{id}"),
        (Id("HealthRoute"), "GET /api/health"),
        (Id("DefaultRoute"), "$default"),
    ] {
        t.add(id, Route { api_id: http_api.reference(), route_key, target: target.clone() });
    }
    let access_logs = t.add(HTTP_API_ACCESS_LOGS, LogGroup { retention_in_days: LOG_RETENTION.reference() });
    let access_log_format = BTreeMap::from([
        ("requestId", "$context.requestId"),
        ("time", "$context.requestTime"),
        ("method", "$context.httpMethod"),
        ("path", "$context.path"),
        ("routeKey", "$context.routeKey"),
        ("status", "$context.status"),
        ("latencyMs", "$context.responseLatency"),
        ("integrationError", "$context.integrationErrorMessage"),
    ]);
    t.add(
        HTTP_API_STAGE,
        Stage {
            api_id: http_api.reference(),
            stage_name: "$default",
            auto_deploy: true,
            default_route_settings: RouteSettings {
                throttling_burst_limit: THROTTLE_BURST.reference(),
                throttling_rate_limit: THROTTLE_RATE.reference(),
            },
            access_log_settings: AccessLogSettings {
                destination_arn: access_logs.attr("Arn"),
                format: serde_json::to_string(&access_log_format).unwrap_or_default(),
            },
        },
    );
    t.add(
        HTTP_API_PERMISSION,
        Permission {
            action: "lambda:InvokeFunction",
            function_name: api.reference(),
            principal: "apigateway.amazonaws.com",
            source_arn: Expr::arn("execute-api", [http_api.reference(), "/*".into()]),
            function_url_auth_type: None,
            invoked_via_function_url: None,
        },
    );
}
