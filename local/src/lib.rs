//! The local stack: the site, the API and the redirects on one port, routed by the same path table CloudFront
//! uses and answered by the same handler code the Lambdas run. Embedded store by default; DynamoDB on request.

pub mod edge_cache;

use std::{
    future::Future,
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{Router, body::Body, extract::State};
use clap::{CommandFactory, FromArgMatches};
use edge_resolver::{Resolver, ResolverConfig, cache_status};
use http::{HeaderValue, Request, Response, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use origin_api::{Api, ApiConfig, ApiError, MAX_BODY_BYTES};
use shortener_domain::{
    Link, ShortId, logging,
    paths::{self, Origin},
    store::{
        LinkReader, LinkWriter, PutError, StoreError,
        dynamodb::{DynamoSettings, DynamoStore},
        embedded::EmbeddedStore,
    },
};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Where the links are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    /// A redb file in the data folder: nothing to install, survives restarts.
    Embedded,
    /// DynamoDB: DynamoDB Local with `--dynamodb-endpoint`, or AWS with the usual AWS environment.
    Dynamodb,
}

/// The local stack's configuration: its own settings plus those of the API, the resolver and the store.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "shortener-local", version, about)]
pub struct LocalConfig {
    /// Address to listen on.
    #[arg(long, env = "LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder with the site's static files.
    #[arg(long, env = "SITE_DIR", default_value = "site")]
    pub site_dir: PathBuf,
    /// Folder for the embedded database (created if missing).
    #[arg(long, env = "DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,
    /// Which store holds the links.
    #[arg(long, env = "STORE", value_enum, default_value = "embedded")]
    pub store: StoreKind,
    /// With `--store dynamodb`: create the table (on demand, TTL on `expiresAt`) if it does not exist.
    #[arg(long, env = "CREATE_TABLE")]
    pub create_table: bool,
    /// Time a client has to send a request's headers, in milliseconds, after which its connection is closed, so
    /// that clients sending headers byte by byte cannot hold connections open. Also bounds idle keep-alive.
    #[arg(
        long,
        env = "HEADER_READ_TIMEOUT_MS",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub header_read_timeout_ms: u64,
    #[command(flatten)]
    pub api: ApiConfig,
    #[command(flatten)]
    pub resolver: ResolverConfig,
    #[command(flatten)]
    pub dynamodb: DynamoSettings,
}

impl LocalConfig {
    /// Parses flags and environment; the public base URL defaults to `http://<listen>/` and the table name (used
    /// with `--store dynamodb`) to `shortener-links`.
    pub fn parse_with_defaults() -> Self {
        let public_base_id = "public_base";
        let command =
            || Self::command().mut_arg("table_name", |arg| arg.required(false).default_value("shortener-links"));
        let probe = command().mut_arg(public_base_id, |arg| arg.required(false)).get_matches();
        let listen = probe.get_one::<SocketAddr>("listen").copied();
        let default_base = listen.map_or_else(|| "http://127.0.0.1:8080/".to_owned(), |l| format!("http://{l}/"));
        let matches =
            command().mut_arg(public_base_id, |arg| arg.required(false).default_value(default_base)).get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
    }
}

/// The store the local stack was started with.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// See [`StoreKind::Embedded`].
    Embedded(EmbeddedStore),
    /// See [`StoreKind::Dynamodb`].
    Dynamo(DynamoStore),
}

impl LinkReader for AnyStore {
    async fn get(&self, id: &ShortId) -> Result<Option<Link>, StoreError> {
        match self {
            Self::Embedded(store) => store.get(id).await,
            Self::Dynamo(store) => store.get(id).await,
        }
    }
}

impl LinkWriter for AnyStore {
    async fn put_new(&self, link: &Link) -> Result<(), PutError> {
        match self {
            Self::Embedded(store) => store.put_new(link).await,
            Self::Dynamo(store) => store.put_new(link).await,
        }
    }
}

/// The three origins behind the one port.
#[derive(Debug)]
pub struct Stack {
    api: Api<Arc<AnyStore>>,
    resolver: Resolver<Arc<AnyStore>>,
    site: ServeDir,
}

impl Stack {
    /// Opens the configured store (creating the data folder or the table as asked) and builds the handlers.
    pub async fn open(config: &LocalConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(
            config.site_dir.join("index.html").is_file(),
            "no index.html in the site folder {:?}: run from the repository root or set --site-dir",
            config.site_dir
        );
        let store = match config.store {
            StoreKind::Embedded => {
                std::fs::create_dir_all(&config.data_dir)
                    .map_err(|e| anyhow::anyhow!("creating the data folder {:?}: {e}", config.data_dir))?;
                let path = config.data_dir.join("links.redb");
                let store = EmbeddedStore::open(&path)
                    .map_err(|e| anyhow::anyhow!("opening the embedded store {path:?}: {e:?}"))?;
                AnyStore::Embedded(store)
            }
            StoreKind::Dynamodb => {
                let store = DynamoStore::connect(&config.dynamodb).await;
                if config.create_table {
                    store
                        .create_table_if_missing()
                        .await
                        .map_err(|e| anyhow::anyhow!("creating the table {:?}: {e:?}", config.dynamodb.table_name))?;
                }
                AnyStore::Dynamo(store)
            }
        };
        let store = Arc::new(store);
        let mut api = config.api.clone();
        // Every name this machine answers to is ours: a link to any of them would redirect in a loop.
        api.own_hosts.extend(["localhost", "127.0.0.1", "[::1]"].map(String::from));
        api.own_hosts.push(config.listen.ip().to_string());
        Ok(Self {
            api: Api::new(api, Arc::clone(&store)),
            resolver: Resolver::new(config.resolver.clone(), store),
            site: ServeDir::new(&config.site_dir).append_index_html_on_directories(true),
        })
    }

    /// A description of the store, for the startup message.
    pub fn describe(config: &LocalConfig) -> String {
        match config.store {
            StoreKind::Embedded => format!("embedded store in {}", config.data_dir.join("links.redb").display()),
            StoreKind::Dynamodb => format!(
                "DynamoDB table {} at {}",
                config.dynamodb.table_name,
                config.dynamodb.endpoint.as_deref().unwrap_or("AWS")
            ),
        }
    }
}

/// The app: every request goes through [`dispatch`]. Built without a socket so tests could drive it directly.
pub fn router(stack: Arc<Stack>) -> Router {
    Router::new().fallback(dispatch).with_state(stack)
}

/// Routes a request by the path table to the site, the API or the resolver, and logs it.
async fn dispatch(State(stack): State<Arc<Stack>>, request: Request<Body>) -> Response<Body> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = paths::route(&path);
    let response = match paths::origin(&path) {
        Origin::Site => serve_site(&stack, request, route.and_then(|r| r.cache_control)).await,
        Origin::Api => call_api(&stack, request).await.map(Body::from),
        Origin::Resolver => stack.resolver.resolve(&method, &path).await.map(Body::from),
    };
    let status = response.status().as_u16();
    logging::answered(method.as_str(), &path, status, cache_status(&response), started.elapsed());
    response
}

async fn call_api(stack: &Stack, request: Request<Body>) -> Response<String> {
    let (parts, body) = request.into_parts();
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
        Ok(collected) => stack.api.handle(Request::from_parts(parts, collected.to_bytes())).await,
        Err(error) if error.is::<LengthLimitError>() => {
            stack.api.error_response(ApiError::PayloadTooLarge, &parts.headers)
        }
        Err(error) => stack
            .api
            .error_response(ApiError::BadRequest(format!("the body could not be read: {error}")), &parts.headers),
    }
}

async fn serve_site(stack: &Stack, request: Request<Body>, cache_control: Option<&'static str>) -> Response<Body> {
    let mut response = match stack.site.clone().oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(infallible) => match infallible {},
    };
    let cacheable = response.status().is_success() || response.status() == http::StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    match cache_control {
        Some(cache_control) if cacheable => {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
        }
        _ => {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(paths::SITE_CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    response
}

/// How long requests in flight may take to finish once the server is asked to stop.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves `app` over HTTP/1.1 on `listener` until `shutdown` resolves, then lets requests in flight finish (for
/// at most [`DRAIN_TIMEOUT`]).
///
/// `axum::serve` leaves hyper without a timer, and so without a header read timeout: a client that sends its
/// headers one byte at a time would hold its connection forever. Here every connection must deliver each
/// request's headers within `header_read_timeout` or is closed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still running {DRAIN_TIMEOUT:?} after the stop signal were dropped");
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
