//! `origin-api`: creates links and answers the `/api/*` routes. The same [`Api::handle`] runs in the Lambda
//! (API Gateway HTTP API, payload 2.0), in the local stack, and in the tests.

mod error;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use serde::{Deserialize, Serialize};
use shortener_domain::{
    Link, PublicBase, ShortId, TargetUrl, parse_expiry,
    paths::Pattern,
    store::{LinkReader, LinkWriter, PutError},
    to_millis,
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

pub use error::ApiError;

/// Largest accepted request body; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// The OpenAPI 3.1 description of the public API (`origin-api/openapi.json`), served at `GET /api/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// Fresh IDs tried before a create gives up (a collision among 62^7 IDs is already rare).
const ID_ATTEMPTS: usize = 5;

/// The API's routes: which paths it answers, with which methods, and what answers them. Dispatch and the `Allow`
/// header of every 405 both come from this table. `OPTIONS`, the CORS preflight, is answered on every route.
const ROUTES: &[ApiRoute] = &[
    ApiRoute { pattern: Pattern::Exact("/shorten"), methods: &[Method::POST], action: Action::Shorten },
    ApiRoute { pattern: Pattern::Exact("/api/health"), methods: READ, action: Action::Health },
    ApiRoute { pattern: Pattern::Exact("/api/openapi.json"), methods: READ, action: Action::OpenApi },
    ApiRoute { pattern: Pattern::Prefix("/api/links/"), methods: READ, action: Action::Link },
];

/// The methods of a route that only reads: `HEAD` is `GET` without the body.
const READ: &[Method] = &[Method::GET, Method::HEAD];

/// One row of [`ROUTES`].
struct ApiRoute {
    /// The paths the row covers.
    pattern: Pattern,
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
    /// Shows the link whose ID is the rest of the path.
    Link,
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
}

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

/// A link as the API shows it (`201` from `POST /shorten`, `200` from `GET /api/links/{id}`).
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
}

/// The API: configuration and a store that can read and write links.
#[derive(Debug)]
pub struct Api<S> {
    config: ApiConfig,
    store: S,
}

impl<S: LinkReader + LinkWriter> Api<S> {
    /// An API over `store`.
    pub fn new(mut config: ApiConfig, store: S) -> Self {
        config.public_base = config.public_base.with_other_hosts(&config.own_hosts);
        Self { config, store }
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
        let (route, rest) =
            ROUTES.iter().find_map(|route| Some((route, route.pattern.rest(path)?))).ok_or(ApiError::NoRoute)?;
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
            Action::Link => self.link(rest).await,
        }
    }

    async fn shorten(&self, request: &Request<Bytes>) -> Result<Response<String>, ApiError> {
        check_content_type(request.headers())?;
        let body = request.body();
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        // serde would also read a struct from a JSON array of its fields, in order; the contract is an object.
        if body.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b != b'{') {
            return Err(ApiError::BadRequest("the body must be a JSON object".to_owned()));
        }
        let input: ShortenRequest =
            serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
        let now = OffsetDateTime::now_utc();
        let url = TargetUrl::parse(&input.url_to_shorten, &self.config.public_base)?;
        let alias = match input.alias.as_deref() {
            None | Some("") => None,
            Some(alias) => Some(ShortId::parse(alias)?),
        };
        let expires_at = match input.expires_at.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(parse_expiry(raw, now)?),
        };
        let generated = alias.is_none();
        let id = match alias {
            Some(alias) => alias,
            None => fresh_id()?,
        };
        let link = self.put_new_link(Link::new(id, url.clone(), to_millis(now), expires_at, None), generated).await?;
        tracing::info!(short_id = %link.id, target_host = url.host(), "link created");
        let view = self.view(&link, &url);
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

    async fn link(&self, raw_id: &str) -> Result<Response<String>, ApiError> {
        let id = ShortId::parse(raw_id).map_err(|_| ApiError::NotFound)?;
        let link = self.store.get(&id).await?.ok_or(ApiError::NotFound)?;
        if link.is_expired_at(OffsetDateTime::now_utc()) {
            return Err(ApiError::Expired);
        }
        let Some(url) = &link.url else {
            return Err(ApiError::NotFound);
        };
        Ok(json(StatusCode::OK, &self.view(&link, url)))
    }

    fn view(&self, link: &Link, url: &TargetUrl) -> LinkView {
        LinkView {
            id: link.id.to_string(),
            short_url: self.config.public_base.short_url(&link.id),
            url: url.to_string(),
            created_at: rfc3339(link.created_at),
            expires_at: link.expires_at.map(rfc3339),
        }
    }

    fn preflight(&self) -> Response<String> {
        let mut response = Response::new(String::new());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, HEAD, POST, OPTIONS"));
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
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
pub fn from_lambda(request: lambda_http::Request) -> Request<Bytes> {
    request.map(|body| match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(text) => Bytes::from(text),
        lambda_http::Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    })
}
