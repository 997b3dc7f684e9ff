//! Routing: every request goes by the path table (the same one CloudFront's behaviours come from) to the site's
//! files, the API or the resolver, through the handlers the Lambdas run, and is logged once.

use std::{
    sync::Arc,
    time::{Instant, SystemTime},
};

use crate::{AnyStore, LocalConfig, access_log::AccessLog, site::Site};
use edge_resolver::Resolver;
use http::{HeaderValue, Method, Request, Response, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::{Body as HttpBody, Bytes};
use origin_api::{Api, ApiError, MAX_BODY_BYTES, quota::ClientAddress};
use shortener_domain::{
    ShortId, logging,
    paths::{self, Origin},
};

/// The three origins behind the one port.
#[derive(Debug)]
pub struct Stack {
    api: Api<Arc<AnyStore>>,
    resolver: Resolver<Arc<AnyStore>>,
    site: Site,
    access_log: AccessLog,
}

impl Stack {
    /// Builds the site as the deploy does, opens the configured store (creating the data folder or the table as
    /// asked) and builds the handlers.
    pub async fn open(config: &LocalConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(
            config.site_dir.join("index.html").is_file(),
            "no index.html in the site folder {:?}: run from the repository root or set --site-dir",
            config.site_dir
        );
        let site = Site::build(&config.site_dir)?;
        let store = Arc::new(AnyStore::open(config).await?);
        let access_log = AccessLog::open(config, &store)?;
        let mut api = config.api.clone();
        // Every name this machine answers to is ours: a link to any of them would redirect in a loop.
        api.own_hosts.extend(["localhost", "127.0.0.1", "[::1]"].map(String::from));
        api.own_hosts.push(config.listen.ip().to_string());
        let api = Api::new(api, Arc::clone(&store)).with_click_counts(Arc::clone(&store));
        Ok(Self { api, resolver: Resolver::new(config.resolver.clone(), store), site, access_log })
    }

    /// Closes the access log once the server has stopped, and waits until its last file is counted.
    pub async fn close(&self) {
        self.access_log.close().await;
    }
}

impl Stack {
    /// Called once the API acknowledged a change of `id`: the API and the resolver share this process, so the
    /// resolver drops its memory of `id` and the very next request for it reads the store.
    async fn forget(&self, id: &ShortId) {
        self.resolver.forget(id).await;
    }
}

/// The link a request changes if the API acknowledges it: `PATCH` or `DELETE` of `/api/links/{id}`.
fn changed_link(method: &Method, path: &str) -> Option<ShortId> {
    let changes = *method == Method::PATCH || *method == Method::DELETE;
    path.strip_prefix("/api/links/").filter(|_| changes).and_then(|id| ShortId::parse(id).ok())
}

/// An answer's body: every origin answers from memory, so the bytes themselves (a `String` becomes one without a
/// copy), not a boxed stream to poll through a pointer.
pub type Body = http_body_util::Full<Bytes>;

/// Why a request body could not be read.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Routes a request from `client` by the path table to the site, the API or the resolver, and logs it (its request
/// line and its access log line, timed once): the whole app, called by the server loop for every request (no
/// router in between: the path table is the router).
pub async fn dispatch<B>(stack: &Stack, request: Request<B>, client: ClientAddress) -> Response<Body>
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let started = Instant::now();
    // Shared copies, not new strings: the method and the URI as hyper parsed them, for both log lines once the
    // handler took the request.
    let (method, uri) = (request.method().clone(), request.uri().clone());
    let seen = stack.access_log.see(&request, client);
    let response = match paths::origin(uri.path()) {
        Origin::Site => serve_site(stack, &request),
        // Boxed: an API call's state is large (a store write's), and a redirect should not carry, or move, it.
        Origin::Api => Box::pin(call_api(stack, request, client)).await.map(full),
        Origin::Resolver => stack.resolver.resolve(&method, uri.path()).await.map(full),
    };
    let (elapsed, at) = (started.elapsed(), SystemTime::now());
    logging::log_response(&method, uri.path(), &response, elapsed, at);
    stack.access_log.record(seen, &method, &uri, &response, elapsed, at);
    response
}

/// A handler's text as a body, without a copy.
fn full(text: String) -> Body {
    Body::new(Bytes::from(text))
}

async fn call_api<B>(stack: &Stack, request: Request<B>, client: ClientAddress) -> Response<String>
where
    B: HttpBody<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    let (mut parts, body) = request.into_parts();
    // The API counts creations per client: the request carries the address of the peer that sent it.
    parts.extensions.insert(client);
    let declared_too_large = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|len| len > MAX_BODY_BYTES);
    if declared_too_large {
        return stack.api.error_response(ApiError::PayloadTooLarge, &parts.headers);
    }
    // One byte over the limit is read so that the handler itself sees the body as too large.
    match Limited::new(body, MAX_BODY_BYTES + 1).collect().await {
        Ok(collected) => {
            let changed = changed_link(&parts.method, parts.uri.path());
            let response = stack.api.handle(Request::from_parts(parts, collected.to_bytes())).await;
            if let Some(id) = changed.filter(|_| response.status().is_success()) {
                stack.forget(&id).await;
            }
            response
        }
        Err(error) if error.is::<LengthLimitError>() => {
            stack.api.error_response(ApiError::PayloadTooLarge, &parts.headers)
        }
        Err(error) => stack
            .api
            .error_response(ApiError::BadRequest(format!("the body could not be read: {error}")), &parts.headers),
    }
}

/// The site's file with the headers CloudFront adds to the site's behaviour.
fn serve_site<B>(stack: &Stack, request: &Request<B>) -> Response<Body> {
    let mut response = stack.site.answer(request);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(paths::SITE_CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    response
}
