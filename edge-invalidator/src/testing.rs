//! A loopback stand-in for CloudFront's `CreateInvalidation` API (not for CloudFront: nothing is cached or
//! invalidated): it answers each request as CloudFront documents it, `201 Created` with the `Invalidation` it made,
//! records what it was sent, and can be told to answer the next requests with an error first.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex, PoisonError},
};

use axum::{
    Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};

/// One `CreateInvalidation` request as the recorder read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedInvalidation {
    /// The distribution named in the request's path.
    pub distribution_id: String,
    /// `CallerReference`.
    pub caller_reference: String,
    /// `Paths/Quantity`.
    pub quantity: usize,
    /// `Paths/Items/Path`, in order.
    pub paths: Vec<String>,
}

#[derive(Debug, Default)]
struct Recorded {
    accepted: Vec<RecordedInvalidation>,
    failures: VecDeque<(u16, String)>,
}

/// The recorder, listening on 127.0.0.1 until dropped.
#[derive(Debug)]
pub struct CloudFrontRecorder {
    addr: SocketAddr,
    recorded: Arc<Mutex<Recorded>>,
    server: tokio::task::JoinHandle<()>,
}

impl CloudFrontRecorder {
    /// Starts the recorder on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        let recorded = Arc::new(Mutex::new(Recorded::default()));
        let app = Router::new()
            .route("/2020-05-31/distribution/{id}/invalidation", post(create_invalidation))
            .with_state(Arc::clone(&recorded));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, recorded, server })
    }

    /// The endpoint to give the SDK (`AWS_ENDPOINT_URL_CLOUDFRONT`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The invalidations accepted so far, in order.
    pub fn accepted(&self) -> Vec<RecordedInvalidation> {
        self.recorded.lock().unwrap_or_else(PoisonError::into_inner).accepted.clone()
    }

    /// Answers the next request with `status` and CloudFront's error document for `code` (`AccessDenied`,
    /// `Throttling`, ...) instead of accepting it.
    pub fn fail_next(&self, status: u16, code: &str) {
        self.recorded.lock().unwrap_or_else(PoisonError::into_inner).failures.push_back((status, code.to_owned()));
    }
}

impl Drop for CloudFrontRecorder {
    fn drop(&mut self) {
        self.server.abort();
    }
}

const XMLNS: &str = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

async fn create_invalidation(
    State(recorded): State<Arc<Mutex<Recorded>>>,
    Path(distribution_id): Path<String>,
    body: String,
) -> Response {
    let mut recorded = recorded.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((status, code)) = recorded.failures.pop_front() {
        let document = format!(
            "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>{code} (recorder)</Message></Error><RequestId>recorder</RequestId></ErrorResponse>"
        );
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, [(header::CONTENT_TYPE, "text/xml")], document).into_response();
    }
    let caller_reference = elements(&body, "CallerReference").into_iter().next().unwrap_or_default();
    let quantity = elements(&body, "Quantity").into_iter().next().and_then(|q| q.parse().ok()).unwrap_or_default();
    let paths = elements(&body, "Path");
    let id = format!("I{:013}", recorded.accepted.len() + 1);
    let items: String = paths.iter().map(|path| format!("<Path>{path}</Path>")).collect();
    let document = format!(
        "<?xml version=\"1.0\"?>\n<Invalidation xmlns=\"{XMLNS}\"><Id>{id}</Id><Status>InProgress</Status>\
         <CreateTime>2026-11-30T00:00:00.000Z</CreateTime><InvalidationBatch><Paths><Quantity>{quantity}</Quantity>\
         <Items>{items}</Items></Paths><CallerReference>{caller_reference}</CallerReference></InvalidationBatch>\
         </Invalidation>"
    );
    let location =
        format!("https://cloudfront.amazonaws.com/2020-05-31/distribution/{distribution_id}/invalidation/{id}");
    recorded.accepted.push(RecordedInvalidation { distribution_id, caller_reference, quantity, paths });
    (StatusCode::CREATED, [(header::CONTENT_TYPE, "text/xml".to_owned()), (header::LOCATION, location)], document)
        .into_response()
}

/// The text of every `<tag>…</tag>` in `xml`, in order (the request's elements hold no nested markup).
fn elements(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    xml.split(&open).skip(1).filter_map(|rest| rest.split_once(&close).map(|(text, _)| text.to_owned())).collect()
}
