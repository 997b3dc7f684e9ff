//! The site as the deploy ships it: built once at start by [`shortener_domain::site::build`] (assets under their
//! content-hashed names, the HTML pointing at them) and served from memory with the headers the deploy uploads, so
//! what the browser tests exercise is what CloudFront serves.

use std::collections::HashMap;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use shortener_domain::site::{self, SiteFile};

use crate::routing::Body;

/// One file, ready to answer with.
#[derive(Debug)]
struct Served {
    body: Bytes,
    content_type: HeaderValue,
    cache_control: HeaderValue,
    etag: HeaderValue,
}

/// Every file of the site by its path.
#[derive(Debug)]
pub(crate) struct Site {
    files: HashMap<String, Served>,
}

impl Site {
    /// Builds the site in `dir` as the deploy does.
    pub(crate) fn build(dir: &std::path::Path) -> anyhow::Result<Self> {
        let files = site::build(dir)?
            .into_iter()
            .map(|file| Ok((format!("/{}", file.key), served(file)?)))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { files })
    }

    /// The answer to `request`: the file at its path (`/` is `/index.html`, the default root object), a 304 when
    /// the browser holds it already, 405 for a method other than GET and HEAD, 404 for any other path.
    pub(crate) fn answer<B>(&self, request: &Request<B>) -> Response<Body> {
        let method = request.method();
        if method != Method::GET && method != Method::HEAD {
            let mut response = status(StatusCode::METHOD_NOT_ALLOWED);
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let path = match request.uri().path() {
            "/" => "/index.html",
            path => path,
        };
        let Some(file) = self.files.get(path) else { return status(StatusCode::NOT_FOUND) };
        let fresh = request.headers().get_all(header::IF_NONE_MATCH).iter().any(|tag| tag == file.etag);
        let mut response = if fresh {
            status(StatusCode::NOT_MODIFIED)
        } else if method == Method::HEAD {
            Response::new(Body::default())
        } else {
            Response::new(Body::new(file.body.clone()))
        };
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, file.content_type.clone());
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.body.len()));
        headers.insert(header::CACHE_CONTROL, file.cache_control.clone());
        headers.insert(header::ETAG, file.etag.clone());
        if fresh {
            headers.remove(header::CONTENT_LENGTH);
        }
        response
    }
}

fn served(file: SiteFile) -> anyhow::Result<Served> {
    Ok(Served {
        content_type: HeaderValue::from_static(file.content_type.unwrap_or("application/octet-stream")),
        cache_control: HeaderValue::from_static(file.cache_control),
        etag: HeaderValue::try_from(file.etag())?,
        body: Bytes::from(file.body),
    })
}

/// An empty answer no cache keeps.
fn status(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::default());
    *response.status_mut() = status;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
