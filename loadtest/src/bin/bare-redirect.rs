//! `bare-redirect`: the redirect benchmark's yardstick, a bare hyper server that answers every request with one
//! fixed `301` shaped byte for byte like the resolver's cache hit (`Location`, `Cache-Control`,
//! `x-shortener-cache: hit`, empty body), so the load test checks both servers' answers the same way. It stands
//! for the fastest a Rust HTTP/1.1 server can redirect on this machine; `scripts/bench-redirect` compares the
//! local stack with it.

use std::{
    convert::Infallible,
    net::SocketAddr,
    time::{Duration, Instant},
};

use clap::Parser;
use http::{Response, StatusCode, header};
use http_body_util::Empty;
use hyper::{body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use shortener_domain::headers::CACHE_HEADER;

/// Answers every request with one fixed 301.
#[derive(Debug, Parser)]
#[command(name = "bare-redirect", about)]
struct Args {
    /// Address to listen on (port 0 picks a free one; the address is printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The `Location` of every answer.
    #[arg(long, default_value = "https://example.com/landing")]
    location: String,
    /// The `Cache-Control` of every answer.
    #[arg(long, default_value = "public, max-age=86400")]
    cache_control: String,
    /// The `x-shortener-cache` of every answer.
    #[arg(long, default_value = "hit")]
    cache_header: String,
    /// Nanoseconds of CPU to spend on each request before answering it (busy, on the runtime's worker).
    #[arg(long, default_value_t = 0)]
    work_ns: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let location = header::HeaderValue::try_from(args.location)?;
    let cache_control = header::HeaderValue::try_from(args.cache_control)?;
    let cache_header = header::HeaderValue::try_from(args.cache_header)?;
    let work = Duration::from_nanos(args.work_ns);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    announce(&format!("bare-redirect listening on http://{}/", listener.local_addr()?));
    loop {
        let (stream, _) = listener.accept().await?;
        let (location, cache_control, cache_header) = (location.clone(), cache_control.clone(), cache_header.clone());
        tokio::spawn(async move {
            let service = service_fn(move |_request| {
                if !work.is_zero() {
                    busy(work);
                }
                let mut response = Response::new(Empty::<Bytes>::new());
                *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
                response.headers_mut().insert(header::LOCATION, location.clone());
                response.headers_mut().insert(header::CACHE_CONTROL, cache_control.clone());
                response.headers_mut().insert(CACHE_HEADER, cache_header.clone());
                async move { Ok::<_, Infallible>(response) }
            });
            // A client that goes away mid-request is not this server's concern.
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Keeps the thread busy for `work`.
fn busy(work: Duration) {
    let started = Instant::now();
    while started.elapsed() < work {
        std::hint::spin_loop();
    }
}

#[expect(clippy::print_stdout, reason = "the address is how scripts/bench-redirect finds the server")]
fn announce(message: &str) {
    println!("{message}");
}
