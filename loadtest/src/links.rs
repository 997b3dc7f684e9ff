//! The links a run clicks: created through the API before the run, or loaded from a file an earlier run saved,
//! and the target URLs creates post.

use std::path::Path;

use futures::{StreamExt, TryStreamExt};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// A link as the API returned it: what `GET /{id}` must redirect to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedLink {
    /// The short ID.
    pub id: String,
    /// The stored target URL, the redirect's `Location`.
    pub url: String,
    /// The secret that edits the link, as its create returned it; absent for links saved before tokens existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_token: Option<String>,
}

/// The part of a `201` body a create checks.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    /// The new ID.
    pub id: String,
    /// The public short URL.
    pub short_url: String,
    /// The stored target URL.
    pub url: String,
    /// The secret that edits the link, shown this once.
    pub manage_token: Option<String>,
}

/// Why a create's answer is not what the contract promises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateCheckError {
    /// Not `201`.
    #[error("status {0}, expected 201")]
    Status(u16),
    /// The body is not the JSON of a link.
    #[error("body is not a created link: {0}")]
    Body(String),
    /// `shortUrl` is not the public base plus the ID.
    #[error("shortUrl {short_url} is not {expected}")]
    ShortUrl {
        /// What the API returned.
        short_url: String,
        /// The public base plus the ID.
        expected: String,
    },
    /// The stored URL is not the one posted.
    #[error("url {0} is not the posted URL")]
    Url(String),
    /// The ID is not 7 base62 characters.
    #[error("id {0} is not 7 base62 characters")]
    Id(String),
}

/// Why the links for a run could not be created, loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum LinksError {
    /// A create got no answer.
    #[error("creating a link through {endpoint}: {source}")]
    Request {
        /// The `POST /shorten` URL.
        endpoint: String,
        /// What reqwest reported.
        source: reqwest::Error,
    },
    /// A create's answer broke the contract.
    #[error("creating a link through {endpoint}: {source}")]
    Create {
        /// The `POST /shorten` URL.
        endpoint: String,
        /// The broken check.
        source: CreateCheckError,
    },
    /// A links file could not be read or written.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: String,
        /// What the system reported.
        source: std::io::Error,
    },
    /// A links file holds something else than a link list.
    #[error("{path} is not a saved link list: {source}")]
    Format {
        /// The file.
        path: String,
        /// What serde reported.
        source: serde_json::Error,
    },
    /// A links file holds no link.
    #[error("{0} holds no links")]
    Empty(String),
}

/// Checks a create's status and body against the contract: `201`, a generated 7-character base62 ID,
/// `shortUrl` = public base + ID, `url` = the posted URL.
pub fn check_created(status: u16, body: &[u8], public_base: &str, posted: &str) -> Result<SavedLink, CreateCheckError> {
    if status != 201 {
        return Err(CreateCheckError::Status(status));
    }
    let created: Created = serde_json::from_slice(body).map_err(|e| CreateCheckError::Body(e.to_string()))?;
    if created.id.len() != 7 || !created.id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CreateCheckError::Id(created.id));
    }
    let expected = format!("{public_base}{}", created.id);
    if created.short_url != expected {
        return Err(CreateCheckError::ShortUrl { short_url: created.short_url, expected });
    }
    if created.url != posted {
        return Err(CreateCheckError::Url(created.url));
    }
    Ok(SavedLink { id: created.id, url: created.url, manage_token: created.manage_token })
}

/// The target URLs creates post: varied article-like URLs, or one fixed URL (the redirect benchmark's bare
/// server answers every request with one `Location`).
#[derive(Debug, Clone)]
pub enum Targets {
    /// `https://www.example.com/<year>/<month>/<slug>?utm_source=loadtest&n=<n>`, all different; already in the
    /// form the API stores, so the answer's `url` must equal it.
    Varied,
    /// Always this URL.
    Fixed(String),
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` random base62 characters, the alphabet of generated IDs.
pub fn random_base62(rng: &mut impl Rng, len: usize) -> String {
    (0..len).map(|_| char::from(BASE62[rng.random_range(0..BASE62.len())])).collect()
}

impl Targets {
    /// The next URL to shorten.
    pub fn next(&self, rng: &mut impl Rng) -> String {
        match self {
            Self::Fixed(url) => url.clone(),
            Self::Varied => {
                let words = ["launch", "pricing", "review", "guide", "news", "recipe", "match", "report", "travel"];
                let slug_words = rng.random_range(2..6);
                let slug: Vec<&str> = (0..slug_words).map(|_| words[rng.random_range(0..words.len())]).collect();
                format!(
                    "https://www.example.com/{}/{:02}/{}-{}?utm_source=loadtest&n={}",
                    rng.random_range(2019..2027),
                    rng.random_range(1..13),
                    slug.join("-"),
                    random_base62(rng, 6),
                    rng.random_range(0..1_000_000)
                )
            }
        }
    }
}

/// Creates `count` links through `POST {host}/shorten`, `concurrency` at a time, checking each answer.
pub async fn create_links(
    client: &reqwest::Client,
    host: &str,
    public_base: &str,
    targets: &Targets,
    count: usize,
    concurrency: usize,
) -> Result<Vec<SavedLink>, LinksError> {
    let endpoint = format!("{}/shorten", host.trim_end_matches('/'));
    let endpoint = endpoint.as_str();
    futures::stream::iter(0..count)
        .map(|_| {
            let url = targets.next(&mut rand::rng());
            let request = client.post(endpoint).json(&serde_json::json!({ "urlToShorten": url }));
            async move {
                let unanswered = |source| LinksError::Request { endpoint: endpoint.to_owned(), source };
                let response = request.send().await.map_err(unanswered)?;
                let status = response.status().as_u16();
                let body = response.bytes().await.map_err(unanswered)?;
                check_created(status, &body, public_base, &url)
                    .map_err(|source| LinksError::Create { endpoint: endpoint.to_owned(), source })
            }
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await
}

/// Reads links an earlier run saved.
pub fn load(path: &Path) -> Result<Vec<SavedLink>, LinksError> {
    let name = || path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LinksError::File { path: name(), source })?;
    let links: Vec<SavedLink> =
        serde_json::from_str(&text).map_err(|source| LinksError::Format { path: name(), source })?;
    if links.is_empty() {
        return Err(LinksError::Empty(name()));
    }
    Ok(links)
}

/// Saves links for a later run (`--load-links`).
pub fn save(path: &Path, links: &[SavedLink]) -> Result<(), LinksError> {
    let name = || path.display().to_string();
    let json = serde_json::to_string_pretty(links).map_err(|source| LinksError::Format { path: name(), source })?;
    std::fs::write(path, json).map_err(|source| LinksError::File { path: name(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:8080/";

    #[test]
    fn a_created_link_matching_the_contract_is_accepted() {
        let body = br#"{"id":"Xk3v9Qa","shortUrl":"http://127.0.0.1:8080/Xk3v9Qa","url":"https://example.com/a","createdAt":"x","expiresAt":null}"#;
        assert_eq!(
            check_created(201, body, BASE, "https://example.com/a"),
            Ok(SavedLink { id: "Xk3v9Qa".into(), url: "https://example.com/a".into(), manage_token: None })
        );
    }

    #[test]
    fn answers_that_break_the_contract_are_told_apart() {
        let ok = r#"{"id":"Xk3v9Qa","shortUrl":"http://127.0.0.1:8080/Xk3v9Qa","url":"https://example.com/a"}"#;
        let posted = "https://example.com/a";
        assert_eq!(check_created(200, ok.as_bytes(), BASE, posted), Err(CreateCheckError::Status(200)));
        assert!(matches!(check_created(201, b"{}", BASE, posted), Err(CreateCheckError::Body(_))));
        let other_host = ok.replace("127.0.0.1:8080", "evil.example");
        assert!(matches!(
            check_created(201, other_host.as_bytes(), BASE, posted),
            Err(CreateCheckError::ShortUrl { .. })
        ));
        assert!(matches!(
            check_created(201, ok.as_bytes(), BASE, "https://example.com/b"),
            Err(CreateCheckError::Url(_))
        ));
        let alias = ok.replace("Xk3v9Qa", "my-alias");
        assert!(matches!(check_created(201, alias.as_bytes(), BASE, posted), Err(CreateCheckError::Id(_))));
    }

    #[test]
    fn varied_targets_differ_and_fixed_ones_do_not() {
        let mut rng = rand::rng();
        let a = Targets::Varied.next(&mut rng);
        assert!(a.starts_with("https://www.example.com/") && a.len() < 2048);
        assert_ne!(a, Targets::Varied.next(&mut rng));
        let fixed = Targets::Fixed("https://example.com/landing".into());
        assert_eq!(fixed.next(&mut rng), fixed.next(&mut rng));
    }

    #[test]
    fn saved_links_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.json");
        let links = vec![
            SavedLink { id: "abcdefg".into(), url: "https://example.com/".into(), manage_token: Some("secret".into()) },
            SavedLink { id: "hijklmn".into(), url: "https://example.com/b".into(), manage_token: None },
        ];
        save(&path, &links).unwrap();
        assert_eq!(load(&path).unwrap(), links);
        save(&path, &[]).unwrap();
        assert!(load(&path).is_err(), "an empty list cannot be clicked");
    }
}
