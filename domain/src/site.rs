//! The site as it is served, built once from the files of `site/` by the deploy and by the local stack alike: every
//! file under the path its row of the path table covers, with that row's `Cache-Control`, and every asset under
//! [`paths::HASHED_ASSETS`] renamed by a hash of its content (`assets/app.3f2a9c1e.js`), the files that refer to it
//! rewritten to match, so an asset can be cached for a year and a deploy never pairs new HTML with old scripts.

use std::{
    collections::BTreeMap,
    fs, io,
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

use crate::paths::{self, Origin};

/// Hex digits of the content hash in an asset's name.
const HASH_LENGTH: usize = 8;

/// One file as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Its path without the leading `/` (`assets/app.3f2a9c1e.js`), which is also its key in the bucket.
    pub key: String,
    /// The file in `site/` it was built from.
    pub source: PathBuf,
    /// Its content, references to other assets rewritten.
    pub body: Vec<u8>,
    /// `Cache-Control` of its row in the path table.
    pub cache_control: &'static str,
    /// Its `Content-Type`, for the file types the site uses.
    pub content_type: Option<&'static str>,
}

impl SiteFile {
    /// Whether the file is HTML, which the deploy uploads after everything it refers to.
    pub fn is_html(&self) -> bool {
        self.key.ends_with(".html")
    }

    /// Whether the file's name carries its content hash.
    pub fn is_hashed(&self) -> bool {
        paths::HASHED_ASSETS.matches(&format!("/{}", self.key))
    }

    /// A strong `ETag` of the body.
    pub fn etag(&self) -> String {
        format!("\"{}\"", &hex::encode(Sha256::digest(&self.body))[..2 * HASH_LENGTH])
    }
}

/// Why the site cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// A file or folder could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// What was read.
        path: PathBuf,
        /// Why it failed.
        source: io::Error,
    },
    /// A file no site row of the path table covers: CloudFront would send its path to the resolver.
    #[error(
        "{path} is not under a site route of the path table (domain/src/paths.rs): CloudFront would send /{key} to \
         the resolver, so it could never be served"
    )]
    Uncovered {
        /// The file.
        path: PathBuf,
        /// Its key.
        key: String,
    },
    /// Assets that refer to each other in a circle, so none can be named by its final content.
    #[error("these assets refer to each other in a circle, so none can be named by its content: {0:?}")]
    Circular(Vec<String>),
}

/// Every file under `dir`, sorted by key, assets renamed by content hash and references rewritten.
pub fn build(dir: &Path) -> Result<Vec<SiteFile>, SiteError> {
    let mut files = Vec::new();
    for (key, source) in walk(dir)? {
        let route = paths::route(&format!("/{key}")).filter(|route| route.origin == Origin::Site);
        let Some(cache_control) = route.and_then(|route| route.cache_control) else {
            return Err(SiteError::Uncovered { path: source, key });
        };
        let body =
            fs::read(&source).map_err(|source_error| SiteError::Read { path: source.clone(), source: source_error })?;
        files.push(SiteFile { content_type: content_type(&key), key, source, body, cache_control });
    }
    name_assets(&mut files)?;
    files.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(files)
}

/// Every file under `dir` with its key (`/`-separated, relative to `dir`).
fn walk(dir: &Path) -> Result<Vec<(String, PathBuf)>, SiteError> {
    let read_error = |path: &Path| {
        let path = path.to_owned();
        move |source| SiteError::Read { path, source }
    };
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).map_err(read_error(&folder))? {
            let path = entry.map_err(read_error(&folder))?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let Ok(relative) = path.strip_prefix(dir) else { continue };
            let key = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            found.push((key, path));
        }
    }
    Ok(found)
}

/// Renames every asset by its content, an asset only once the assets it refers to have their final names, then
/// rewrites the references of every other file.
fn name_assets(files: &mut [SiteFile]) -> Result<(), SiteError> {
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut pending: Vec<usize> = (0..files.len()).filter(|&i| files[i].is_hashed()).collect();
    let originals: Vec<String> = pending.iter().map(|&i| files[i].key.clone()).collect();
    while !pending.is_empty() {
        let ready: Vec<usize> = pending
            .iter()
            .copied()
            .filter(|&i| {
                originals
                    .iter()
                    .filter(|other| **other != files[i].key)
                    .all(|other| renamed.contains_key(other) || !refers_to(&files[i], other))
            })
            .collect();
        if ready.is_empty() {
            return Err(SiteError::Circular(pending.iter().map(|&i| files[i].key.clone()).collect()));
        }
        for i in ready {
            rewrite(&mut files[i], &renamed);
            let digest = hex::encode(Sha256::digest(&files[i].body));
            let hashed = hashed_name(&files[i].key, &digest[..HASH_LENGTH]);
            renamed.insert(std::mem::replace(&mut files[i].key, hashed.clone()), hashed);
            pending.retain(|&p| p != i);
        }
    }
    for file in files.iter_mut().filter(|file| !file.is_hashed()) {
        rewrite(file, &renamed);
    }
    Ok(())
}

/// `assets/app.js` named with `hash`: `assets/app.<hash>.js`.
fn hashed_name(key: &str, hash: &str) -> String {
    let (folder, name) = key.rsplit_once('/').map_or(("", key), |(folder, name)| (folder, name));
    let named = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{stem}.{hash}.{extension}"),
        _ => format!("{name}.{hash}"),
    };
    if folder.is_empty() { named } else { format!("{folder}/{named}") }
}

/// How `from` may name `target` in a quoted string or a CSS `url()`: by its absolute path, and by `./name` from a
/// file in the same folder.
fn references(from: &str, target: &str) -> Vec<String> {
    let mut forms = vec![format!("/{target}")];
    let folder = |key: &str| key.rsplit_once('/').map_or("", |(folder, _)| folder).to_owned();
    if folder(from) == folder(target) {
        let name = target.rsplit_once('/').map_or(target, |(_, name)| name);
        forms.push(format!("./{name}"));
    }
    forms
}

/// The delimiters a reference sits between.
const DELIMITERS: [(char, char); 3] = [('"', '"'), ('\'', '\''), ('(', ')')];

/// Whether the text of `file` names the asset `target`.
fn refers_to(file: &SiteFile, target: &str) -> bool {
    let Some(text) = text_of(file) else { return false };
    references(&file.key, target)
        .iter()
        .any(|reference| DELIMITERS.iter().any(|(open, close)| text.contains(&format!("{open}{reference}{close}"))))
}

/// Rewrites every reference in `file` to an asset of `renamed` (original key to hashed key).
fn rewrite(file: &mut SiteFile, renamed: &BTreeMap<String, String>) {
    let Some(mut text) = text_of(file).map(str::to_owned) else { return };
    for (original, hashed) in renamed {
        for (old, new) in references(&file.key, original).into_iter().zip(references(&file.key, hashed)) {
            for (open, close) in DELIMITERS {
                text = text.replace(&format!("{open}{old}{close}"), &format!("{open}{new}{close}"));
            }
        }
    }
    file.body = text.into_bytes();
}

/// The text of a file whose type can refer to other files.
fn text_of(file: &SiteFile) -> Option<&str> {
    let extension = file.key.rsplit_once('.')?.1;
    ["html", "css", "js", "svg"].contains(&extension).then(|| std::str::from_utf8(&file.body).ok()).flatten()
}

/// The `Content-Type` of the site's file types (with a charset for text); `None` for any other.
pub fn content_type(key: &str) -> Option<&'static str> {
    Some(match key.rsplit_once('.')?.1 {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "png" => "image/png",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary folder");
        for (key, text) in files {
            let path = dir.path().join(key);
            fs::create_dir_all(path.parent().expect("a parent")).expect("creating a folder");
            fs::write(path, text).expect("writing a file");
        }
        dir
    }

    /// The built file whose key starts with `stem` and ends with `extension`.
    fn named<'a>(files: &'a [SiteFile], stem: &str, extension: &str) -> &'a SiteFile {
        files
            .iter()
            .find(|f| f.key.starts_with(stem) && f.key.ends_with(extension))
            .unwrap_or_else(|| panic!("no {stem}*{extension} in {files:#?}"))
    }

    fn text(file: &SiteFile) -> &str {
        std::str::from_utf8(&file.body).expect("text")
    }

    const INDEX: &str =
        r#"<link rel="stylesheet" href="/assets/app.css"><script type="module" src="/assets/app.js"></script>"#;

    #[test]
    fn assets_are_named_by_content_and_the_html_points_at_the_names() {
        let dir = site(&[
            ("index.html", INDEX),
            ("assets/app.css", "body{}"),
            ("assets/app.js", r#"import { qrSvg } from "./qr.js";"#),
            ("assets/qr.js", "export const qrSvg = 1;"),
            ("robots.txt", "User-agent: *"),
        ]);
        let files = build(dir.path()).expect("built");
        let css = named(&files, "assets/app.", ".css");
        assert_eq!(css.key.len(), "assets/app.12345678.css".len(), "{}", css.key);
        let script = named(&files, "assets/app.", ".js");
        let qr = named(&files, "assets/qr.", ".js");
        assert_eq!(qr.key.len(), "assets/qr.12345678.js".len(), "{}", qr.key);
        assert!(text(script).contains(&format!("\"./{}\"", qr.key.trim_start_matches("assets/"))), "{}", text(script));
        assert_eq!(
            text(named(&files, "index.html", "")),
            format!(
                r#"<link rel="stylesheet" href="/{}"><script type="module" src="/{}"></script>"#,
                css.key, script.key
            )
        );
        assert_eq!(named(&files, "robots", "").key, "robots.txt", "only assets are renamed");
        assert!(files.iter().all(|f| f.is_hashed() == f.key.starts_with("assets/")));
        assert_eq!(script.cache_control, "public, max-age=31536000, immutable");
        assert_eq!(script.content_type, Some("text/javascript; charset=utf-8"));
    }

    #[test]
    fn a_changed_asset_gets_a_new_name_and_so_does_every_asset_that_refers_to_it() {
        let build_with = |qr: &'static str| {
            let files = [
                ("index.html", INDEX),
                ("assets/app.css", "body{}"),
                ("assets/app.js", r#"import "./qr.js";"#),
                ("assets/qr.js", qr),
            ];
            build(site(&files).path()).expect("built")
        };
        let (before, after) = (build_with("1;"), build_with("2;"));
        let key = |files: &[SiteFile], stem: &str, extension: &str| named(files, stem, extension).key.clone();
        assert_ne!(key(&before, "assets/qr.", ".js"), key(&after, "assets/qr.", ".js"), "the changed file");
        assert_ne!(key(&before, "assets/app.", ".js"), key(&after, "assets/app.", ".js"), "it names the new qr.js");
        assert_eq!(key(&before, "assets/app.", ".css"), key(&after, "assets/app.", ".css"), "app.css is the same");
        let index = text(named(&after, "index.html", ""));
        assert!(index.contains(&key(&after, "assets/app.", ".js")), "{index}");
        assert!(!index.contains(&key(&before, "assets/app.", ".js")), "{index}");
    }

    #[test]
    fn a_file_no_site_row_covers_is_refused() {
        let error = build(site(&[("index.html", ""), ("notes.md", "")]).path()).expect_err("refused");
        assert!(matches!(error, SiteError::Uncovered { ref key, .. } if key == "notes.md"), "{error}");
    }

    #[test]
    fn assets_that_refer_to_each_other_are_refused() {
        let dir = site(&[("assets/a.js", r#"import "./b.js";"#), ("assets/b.js", r#"import "./a.js";"#)]);
        assert!(matches!(build(dir.path()), Err(SiteError::Circular(_))));
    }

    #[test]
    fn hashed_names_keep_the_extension_last() {
        assert_eq!(hashed_name("assets/app.js", "0badf00d"), "assets/app.0badf00d.js");
        assert_eq!(hashed_name("assets/fonts/a.woff2", "0badf00d"), "assets/fonts/a.0badf00d.woff2");
        assert_eq!(hashed_name("assets/LICENSE", "0badf00d"), "assets/LICENSE.0badf00d");
        assert_eq!(hashed_name("assets/.hidden", "0badf00d"), "assets/.hidden.0badf00d");
    }
}
