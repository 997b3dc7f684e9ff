//! `origin-api`: creates links and answers the `/api/*` routes. The same [`Api::handle`] runs in the Lambda
//! (API Gateway HTTP API, payload 2.0), in the local stack, and in the tests.

mod error;
mod manage;
pub mod quota;
mod stats;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use serde::{Deserialize, Serialize};
use shortener_domain::{
    Link, LinkState, ManageToken, PublicBase, ShortId, TargetUrl, parse_expiry,
    paths::Pattern,
    store::{HostBlocklist, LinkReader, LinkUpdater, LinkWriter, PutError, QuotaCounter, QuotaOutcome, quota_hour},
    to_millis,
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub use error::ApiError;
use quota::{ClientAddress, OriginSecret};

/// Largest accepted request body; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// The OpenAPI 3.1 description of the public API (`origin-api/openapi.json`), served at `GET /api/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// Fresh IDs tried before a create gives up (a collision among 62^7 IDs is already rare).
const ID_ATTEMPTS: usize = 5;

/// The API's routes: which paths it answers, with which methods, and what answers them. Dispatch and the `Allow`
/// header of every 405 both come from this table. `OPTIONS`, the CORS preflight, is answered on every route.
const ROUTES: &[ApiRoute] = &[
    ApiRoute { pattern: Pattern::Exact("/shorten"), suffix: "", methods: &[Method::POST], action: Action::Shorten },
    ApiRoute { pattern: Pattern::Exact("/api/health"), suffix: "", methods: READ, action: Action::Health },
    ApiRoute { pattern: Pattern::Exact("/api/openapi.json"), suffix: "", methods: READ, action: Action::OpenApi },
    ApiRoute { pattern: Pattern::Prefix("/api/links/"), suffix: "/stats", methods: READ, action: Action::Stats },
    ApiRoute {
        pattern: Pattern::Prefix("/api/links/"),
        suffix: "",
        methods: &[Method::GET, Method::HEAD, Method::PATCH, Method::DELETE],
        action: Action::Link,
    },
];

/// The methods of a route that only reads: `HEAD` is `GET` without the body.
const READ: &[Method] = &[Method::GET, Method::HEAD];

/// One row of [`ROUTES`].
struct ApiRoute {
    /// The paths the row covers.
    pattern: Pattern,
    /// What those paths end with (`/stats`), cut off the rest handed to the action; empty for any ending.
    suffix: &'static str,
    /// The methods it answers besides `OPTIONS`.
    methods: &'static [Method],
    /// What answers them.
    action: Action,
}

impl ApiRoute {
    /// The `Allow` header of a 405 on this route.
    fn allow(&self) -> String {
        let methods: Vec<&str> = self.methods.iter().chain([&Method::OPTIONS]).map(Method::as_str).collect();
        methods.join(", ")
    }
}

/// What answers a request once its route and method are known.
#[derive(Debug, Clone, Copy)]
enum Action {
    /// Creates a link.
    Shorten,
    /// Says the API is up.
    Health,
    /// Serves [`OPENAPI_JSON`].
    OpenApi,
    /// Shows (`GET`), changes (`PATCH`) or deletes (`DELETE`) the link whose ID is the rest of the path.
    Link,
    /// Shows the click counts of the link whose ID is the rest of the path, to its owner.
    Stats,
}

/// The API's configuration, from flags or environment variables.
#[derive(Debug, Clone, clap::Args)]
pub struct ApiConfig {
    /// Public base URL of short links (`https://sho.rt/`); also the host that links may not point back to.
    #[arg(long = "public-base-url", env = "PUBLIC_BASE_URL", value_name = "PUBLIC_BASE_URL")]
    pub public_base: PublicBase,
    /// Other host names that reach this service (the CloudFront domain beside a custom one), comma-separated:
    /// links to them are refused as loops, like links to the public base URL's host.
    #[arg(long = "own-hosts", env = "OWN_HOSTS", value_delimiter = ',')]
    pub own_hosts: Vec<String>,
    /// Origins allowed by CORS, comma-separated; `*` allows any.
    #[arg(long = "cors-allow-origins", env = "CORS_ALLOW_ORIGINS", value_delimiter = ',', default_value = "*")]
    pub cors_allow_origins: Vec<String>,
    /// Links one client address (an IPv6 client's /64) may create per clock hour; 0 turns the quota off.
    #[arg(long = "create-quota-per-hour", env = "CREATE_QUOTA_PER_HOUR", default_value_t = 30)]
    pub create_quota_per_hour: u32,
    /// The secret CloudFront sends in `X-Origin-Verify`: requests showing it are trusted to carry the viewer's
    /// address in `CloudFront-Viewer-Address`. Unset, the peer address is the client's.
    #[arg(long = "origin-secret", env = "ORIGIN_SECRET", hide_env_values = true)]
    pub origin_secret: Option<OriginSecret>,
}

/// Everything the API asks of its store.
pub trait ApiStore: LinkReader + LinkWriter + LinkUpdater + HostBlocklist + QuotaCounter {}

impl<S: LinkReader + LinkWriter + LinkUpdater + HostBlocklist + QuotaCounter> ApiStore for S {}

/// The body of `POST /shorten`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShortenRequest {
    url_to_shorten: String,
    #[serde(default)]
    alias: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
}

/// A link as the API shows it (`201` from `POST /shorten`, `200` from `GET` and `PATCH /api/links/{id}`).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    /// The short ID.
    pub id: String,
    /// The public short URL.
    pub short_url: String,
    /// The normalized target URL.
    pub url: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, or `null` for a link that never expires.
    pub expires_at: Option<String>,
    /// `active`, or `disabled` when the operator took the link down.
    pub state: String,
    /// Why the operator took the link down (`phishing`, `malware`, `spam`, `illegal`, `other`); only when
    /// disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// The secret that lets its holder change the link: only in the `201` of its creation, never again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_token: Option<String>,
}

/// The API: configuration, a store that can read and write links, and where click counts are read, if anywhere.
#[derive(Debug)]
pub struct Api<S> {
    config: ApiConfig,
    store: S,
    clicks: Option<Box<dyn stats::StatsReader>>,
}

impl<S: ApiStore> Api<S> {
    /// An API over `store`, without click counts until [`Api::with_click_counts`] names where they are.
    pub fn new(mut config: ApiConfig, store: S) -> Self {
        config.public_base = config.public_base.with_other_hosts(&config.own_hosts);
        Self { config, store, clicks: None }
    }

    /// The answer to a request refused before it reached [`Api::handle`] (by a front end that stopped reading an
    /// oversized body, say), with the same problem body and CORS headers `handle` would give.
    pub fn error_response(&self, error: ApiError, request_headers: &HeaderMap) -> Response<String> {
        let mut response = error.into_response();
        self.add_cors(response.headers_mut(), request_headers.get(header::ORIGIN));
        response
    }

    /// Answers one request. Never fails: every error becomes its problem+json response.
    pub async fn handle(&self, request: Request<Bytes>) -> Response<String> {
        let head_only = request.method() == Method::HEAD;
        let origin = request.headers().get(header::ORIGIN).cloned();
        let mut response = match self.route(&request).await {
            Ok(response) => response,
            Err(error) => error.into_response(),
        };
        self.add_cors(response.headers_mut(), origin.as_ref());
        if head_only {
            response.body_mut().clear();
        }
        response
    }

    async fn route(&self, request: &Request<Bytes>) -> Result<Response<String>, ApiError> {
        let path = request.uri().path();
        let (route, rest) = ROUTES
            .iter()
            .find_map(|route| Some((route, route.pattern.rest(path)?.strip_suffix(route.suffix)?)))
            .ok_or(ApiError::NoRoute)?;
        let method = request.method();
        if method == Method::OPTIONS {
            return Ok(self.preflight());
        }
        if !route.methods.contains(method) {
            return Err(ApiError::MethodNotAllowed(route.allow()));
        }
        match route.action {
            Action::Shorten => self.shorten(request).await,
            Action::Health => Ok(json(StatusCode::OK, &serde_json::json!({ "status": "ok" }))),
            Action::OpenApi => Ok(openapi()),
            Action::Link => match *method {
                Method::PATCH => self.patch_link(rest, request).await,
                Method::DELETE => self.delete_link(rest, request.headers()).await,
                _ => self.link(rest).await,
            },
            Action::Stats => self.link_stats(rest, request.headers()).await,
        }
    }

    async fn shorten(&self, request: &Request<Bytes>) -> Result<Response<String>, ApiError> {
        let input: ShortenRequest = json_object(request)?;
        let now = OffsetDateTime::now_utc();
        let url = self.target(&input.url_to_shorten).await?;
        let alias = match input.alias.as_deref() {
            None | Some("") => None,
            Some(alias) => Some(ShortId::parse(alias)?),
        };
        let expires_at = match input.expires_at.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(parse_expiry(raw, now)?),
        };
        self.take_quota(request, now).await?;
        let generated = alias.is_none();
        let id = match alias {
            Some(alias) => alias,
            None => fresh_id()?,
        };
        let token =
            ManageToken::generate().map_err(|e| ApiError::Internal(format!("no randomness for a token: {e}")))?;
        let link = Link::new(id, url.clone(), to_millis(now), expires_at, Some(token.hash()));
        let link = self.put_new_link(link, generated).await?;
        tracing::info!(short_id = %link.id, target_host = url.host(), "link created");
        let view = LinkView {
            manage_token: Some(token.reveal().to_owned()),
            ..self.view(&link).ok_or_else(|| ApiError::Internal("a new link without a URL".to_owned()))?
        };
        let mut response = json(StatusCode::CREATED, &view);
        if let Ok(location) = HeaderValue::from_str(&view.short_url) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        Ok(response)
    }

    /// Writes `link`. An alias is tried once (first writer wins: taken is [`ApiError::AliasTaken`]); a
    /// `generated` ID that collides is redrawn.
    async fn put_new_link(&self, mut link: Link, generated: bool) -> Result<Link, ApiError> {
        for _ in 0..ID_ATTEMPTS {
            match self.store.put_new(&link).await {
                Ok(()) => return Ok(link),
                Err(PutError::Taken) if generated => {
                    tracing::warn!(short_id = %link.id, "generated ID collided; drawing another");
                    link.id = fresh_id()?;
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(ApiError::Internal(format!("{ID_ATTEMPTS} generated IDs in a row were taken")))
    }

    /// A target URL a client sent, under every rule of creation: those of [`TargetUrl::parse`], and no host the
    /// operator blocked.
    async fn target(&self, raw: &str) -> Result<TargetUrl, ApiError> {
        let url = TargetUrl::parse(raw, &self.config.public_base)?;
        if self.store.is_blocked(url.host()).await? {
            return Err(ApiError::BlockedHost(url.host().to_owned()));
        }
        Ok(url)
    }

    /// Counts a creation against its client's hourly quota (see [`quota`]); a request from an unknown client
    /// (no front end stated its address) is not counted.
    async fn take_quota(&self, request: &Request<Bytes>, now: OffsetDateTime) -> Result<(), ApiError> {
        let limit = self.config.create_quota_per_hour;
        let peer = request.extensions().get::<ClientAddress>().copied();
        let client = quota::client_of(request.headers(), peer, self.config.origin_secret.as_ref());
        let (Some(client), true) = (client, limit > 0) else {
            return Ok(());
        };
        match self.store.take(&quota::quota_key(client), quota_hour(now), limit).await? {
            QuotaOutcome::Granted { .. } => Ok(()),
            QuotaOutcome::Exhausted => {
                tracing::info!(limit, "creation quota exhausted");
                Err(ApiError::QuotaExhausted { retry_after: quota::seconds_to_next_hour(now) })
            }
        }
    }

    async fn link(&self, raw_id: &str) -> Result<Response<String>, ApiError> {
        let id = ShortId::parse(raw_id).map_err(|_| ApiError::NotFound)?;
        let link = self.store.get(&id).await?.ok_or(ApiError::NotFound)?;
        if link.state == LinkState::Active && link.is_expired_at(OffsetDateTime::now_utc()) {
            return Err(ApiError::Expired);
        }
        Ok(json(StatusCode::OK, &self.view(&link).ok_or(ApiError::NotFound)?))
    }

    /// The link as the API shows it; `None` for a deleted link, which shows nothing.
    fn view(&self, link: &Link) -> Option<LinkView> {
        let (state, disabled_reason) = match link.state {
            LinkState::Active => ("active", None),
            LinkState::Disabled { reason } => ("disabled", Some(reason.as_str().to_owned())),
            LinkState::Deleted => return None,
        };
        Some(LinkView {
            id: link.id.to_string(),
            short_url: self.config.public_base.short_url(&link.id),
            url: link.url.as_ref()?.to_string(),
            created_at: rfc3339(link.created_at),
            expires_at: link.expires_at.map(rfc3339),
            state: state.to_owned(),
            disabled_reason,
            manage_token: None,
        })
    }

    fn preflight(&self) -> Response<String> {
        let mut response = Response::new(String::new());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, POST, PATCH, DELETE, OPTIONS"),
        );
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
        response
    }

    /// CORS: any origin by default (`*`), else the request's origin if it is listed.
    fn add_cors(&self, headers: &mut HeaderMap, origin: Option<&HeaderValue>) {
        let allowed = &self.config.cors_allow_origins;
        if allowed.iter().any(|o| o == "*") {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            return;
        }
        headers.insert(header::VARY, HeaderValue::from_static("origin"));
        if let Some(origin) = origin.filter(|o| allowed.iter().any(|a| a.as_bytes() == o.as_bytes())) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        }
    }
}

fn fresh_id() -> Result<ShortId, ApiError> {
    ShortId::generate().map_err(|e| ApiError::Internal(format!("no randomness for a new ID: {e}")))
}

/// A request's JSON object body as `T`, after the checks every JSON body gets: its type, its size, and that it
/// is an object (serde would also read a struct from a JSON array of its fields, in order).
fn json_object<T: serde::de::DeserializeOwned>(request: &Request<Bytes>) -> Result<T, ApiError> {
    check_content_type(request.headers())?;
    let body = request.body();
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b != b'{') {
        return Err(ApiError::BadRequest("the body must be a JSON object".to_owned()));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))
}

/// JSON bodies are accepted with `application/json`, any `+json` type, or no `Content-Type` at all.
fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = value.to_str().unwrap_or_default().split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    if essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json")) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

fn json(status: StatusCode, body: &impl Serialize) -> Response<String> {
    let mut response = Response::new(serde_json::to_string(body).unwrap_or_default());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// [`OPENAPI_JSON`], revalidated on every use so a deploy shows at once.
fn openapi() -> Response<String> {
    let mut response = Response::new(OPENAPI_JSON.to_owned());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Converts a Lambda event's body (already base64-decoded by `lambda_http`) into the handler's request type.
/// The caller's address as API Gateway saw it (`requestContext.http.sourceIp`) goes along as a [`ClientAddress`].
pub fn from_lambda(request: lambda_http::Request) -> Request<Bytes> {
    use lambda_http::RequestExt;
    let source_ip = match request.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => {
            context.http.source_ip.as_deref().and_then(|ip| ip.parse().ok())
        }
        _ => None,
    };
    let mut request = request;
    if let Some(ip) = source_ip {
        request.extensions_mut().insert(ClientAddress(ip));
    }
    request.map(|body| match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(text) => Bytes::from(text),
        lambda_http::Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    })
}
