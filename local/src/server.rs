//! The server loop: HTTP/1.1 connections with a header read timeout, and a graceful stop that lets requests in
//! flight finish.

use std::{convert::Infallible, future::Future, time::Duration};

use http::Request;
use hyper::{body::Incoming, service::service_fn};
use hyper_util::{rt::TokioIo, server::graceful::GracefulShutdown};
use origin_api::quota::ClientAddress;

use crate::{
    header_timer::HeaderTimers,
    routing::{Stack, dispatch},
};

/// How long requests in flight may take to finish once the server is asked to stop.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves `stack` over HTTP/1.1 on `listener`, each request straight to [`dispatch`], until `shutdown` resolves,
/// then lets requests in flight finish (for at most [`DRAIN_TIMEOUT`]).
///
/// `axum::serve` leaves hyper without a timer, and so without a header read timeout: a client that sends its
/// headers one byte at a time would hold its connection forever. Here every connection must deliver each
/// request's headers within `header_read_timeout` or is closed, at most a tenth of it later: the timers are the
/// connections' own, swept together ([`HeaderTimers`]), not Tokio's, which a keep-alive request would enter and
/// leave under a lock both cores take.
pub async fn serve(
    listener: tokio::net::TcpListener,
    stack: &'static Stack,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.header_read_timeout(header_read_timeout);
    // Cut off within a tenth of the timeout after it (between 10 ms and a second).
    let timers = HeaderTimers::new((header_read_timeout / 10).clamp(Duration::from_millis(10), Duration::from_secs(1)));
    let sweep = tokio::spawn(std::sync::Arc::clone(&timers).sweep());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let client = ClientAddress(peer.ip());
        let app = service_fn(move |request: Request<Incoming>| {
            let answer = dispatch(stack, request, client);
            async move { Ok::<_, Infallible>(answer.await) }
        });
        let connection = http.clone().timer(timers.connection()).serve_connection(TokioIo::new(stream), app);
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
    sweep.abort();
}
