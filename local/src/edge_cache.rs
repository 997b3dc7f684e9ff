//! The local edge: Varnish standing in for CloudFront in tests and in the local recipe. Its VCL is rendered from
//! the path table with the behaviours infra gives CloudFront, it logs in CloudFront's standard log format, and it
//! is invalidated through the same [`EdgeInvalidator`] port as CloudFront.
//!
//! What CloudFront does and this reproduces, from CloudFront's documentation:
//! - each path of the table goes to its behaviour (first match wins), every other path to the resolver's;
//! - site and resolver take GET and HEAD only (CloudFront itself answers 403 to other methods); the API takes the
//!   seven methods CloudFront knows, is never cached, and gets the viewer's headers, cookies and query string;
//! - site and resolver are keyed on the path alone; query strings, cookies and `Authorization` do not reach them;
//! - 2xx and 3xx answers live `s-maxage`, else `max-age`, else `Expires`, within the cache policy's minimum and
//!   maximum (its default without any of them); `no-store`, `no-cache` or `private` is cached only for a minimum
//!   above zero; `stale-while-revalidate` serves the old copy while it is fetched again;
//! - `stale-if-error`: past its lifetime, a copy is still served, within that window, when the origin cannot be
//!   reached or answers 500, 502, 503 or 504 (Varnish: the copy's grace covers both windows; past the
//!   `stale-while-revalidate` window the request is restarted with no grace, and if that fetch fails it is
//!   restarted once more to take the old copy); an invalidated copy is gone, never served stale;
//! - 404, 405, 414, 500, 501, 502, 503 and 504 are always cached, 400, 403, 412 and 415 only with a `max-age` or
//!   `s-maxage`, each for the longer of that and the error caching minimum TTL (10 s unless a custom error
//!   response says otherwise); every other error status is never cached.
//!
//! Not reproduced: compression, the error caching minimum TTL of an object already cached, and CloudFront's own
//! error pages.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use shortener_domain::{
    clicks::CLOUDFRONT_FIELDS,
    invalidation::{EdgeInvalidator, EdgePath, InvalidationError},
    paths::{self, Origin, Pattern},
};

/// A cache policy's TTL bounds, in seconds, as CloudFront applies them to what an origin's headers ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TtlBounds {
    /// Shortest lifetime; also the lifetime of an answer that says `no-store`, `no-cache` or `private`.
    pub min: u32,
    /// Lifetime of an answer that gives none.
    pub default: u32,
    /// Longest lifetime, whatever the answer asks for.
    pub max: u32,
}

/// `Managed-CachingOptimized`, the site's cache policy in infra.
pub const CACHING_OPTIMIZED: TtlBounds = TtlBounds { min: 1, default: 86_400, max: 31_536_000 };
/// The resolver's cache policy in infra: the resolver's `Cache-Control` decides, nothing cached without one.
pub const RESOLVER_CACHE_POLICY: TtlBounds = TtlBounds { min: 0, default: 0, max: 31_536_000 };

/// How long CloudFront keeps a cacheable error when no custom error response says otherwise, in seconds.
pub const DEFAULT_ERROR_CACHING_MIN_TTL: u32 = 10;
/// Error statuses CloudFront caches whatever the origin's headers say.
pub const ALWAYS_CACHED_ERRORS: [u16; 8] = [404, 405, 414, 500, 501, 502, 503, 504];
/// Error statuses CloudFront caches only when the origin sends `max-age` or `s-maxage`.
pub const CACHED_WITH_MAX_AGE_ERRORS: [u16; 4] = [400, 403, 412, 415];

/// One CloudFront cache behaviour, as infra configures it for an origin of the path table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behaviour {
    /// The name the VCL and its log use.
    pub name: &'static str,
    /// Methods the behaviour accepts; CloudFront answers 403 to any other.
    pub allowed_methods: &'static [&'static str],
    /// TTL bounds of its cache policy; `None` for `Managed-CachingDisabled`, where nothing is cached and the
    /// viewer's headers, cookies and query string are forwarded.
    pub cache: Option<TtlBounds>,
}

const READ_ONLY: &[&str] = &["GET", "HEAD"];
const ALL_METHODS: &[&str] = &["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"];

/// The behaviour CloudFront applies to the paths the path table sends to `origin`.
pub fn behaviour(origin: Origin) -> Behaviour {
    match origin {
        Origin::Site => Behaviour { name: "site", allowed_methods: READ_ONLY, cache: Some(CACHING_OPTIMIZED) },
        Origin::Api => Behaviour { name: "api", allowed_methods: ALL_METHODS, cache: None },
        Origin::Resolver => {
            Behaviour { name: "resolver", allowed_methods: READ_ONLY, cache: Some(RESOLVER_CACHE_POLICY) }
        }
    }
}

/// What the edge is rendered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeConfig {
    /// The origins behind the edge (local stacks), taken in turn: two or more stand for warm resolver instances
    /// that each hold their own memory.
    pub backends: Vec<SocketAddr>,
    /// Error caching minimum TTL per status, in seconds, as CloudFront's custom error responses set it; a cached
    /// error status not listed keeps [`DEFAULT_ERROR_CACHING_MIN_TTL`].
    pub error_caching_min_ttl: BTreeMap<u16, u32>,
}

impl EdgeConfig {
    /// An edge in front of `backends`, with CloudFront's defaults.
    pub fn new(backends: Vec<SocketAddr>) -> Self {
        Self { backends, error_caching_min_ttl: BTreeMap::new() }
    }

    fn error_min_ttl(&self, status: u16) -> u32 {
        self.error_caching_min_ttl.get(&status).copied().unwrap_or(DEFAULT_ERROR_CACHING_MIN_TTL)
    }
}

/// The VCL (4.1) of the edge: backends, behaviours from [`paths::ROUTES`], CloudFront's TTL rules, the headers
/// bans match on, and the values the access log needs.
pub fn render_vcl(config: &EdgeConfig) -> String {
    let mut vcl = String::from(VCL_HEADER);
    for (i, backend) in config.backends.iter().enumerate() {
        let _ = writeln!(
            vcl,
            "backend origin_{i} {{\n    .host = \"{}\";\n    .port = \"{}\";\n    .connect_timeout = 10s;\n    \
             .first_byte_timeout = 30s;\n}}\n",
            backend.ip(),
            backend.port()
        );
    }
    vcl.push_str("sub vcl_init {\n    new origins = directors.round_robin();\n");
    for i in 0..config.backends.len() {
        let _ = writeln!(vcl, "    origins.add_backend(origin_{i});");
    }
    vcl.push_str("}\n\nsub vcl_recv {\n    if (req.restarts == 0) {\n        unset req.http.x-edge-stale;\n    }\n");
    vcl.push_str("    set req.backend_hint = origins.backend();\n");
    vcl.push_str("    set req.http.x-edge-path = regsub(req.url, \"\\?.*$\", \"\");\n");
    vcl.push_str(&behaviour_selection());
    vcl.push_str(&method_checks());
    vcl.push_str(VCL_RECV_TAIL);
    vcl.push_str(VCL_FETCH);
    vcl.push_str("sub vcl_backend_response {\n");
    vcl.push_str(VCL_RESPONSE_HEAD);
    for origin in [Origin::Site, Origin::Resolver] {
        let b = behaviour(origin);
        if let Some(ttl) = b.cache {
            let _ = writeln!(vcl, "    if (bereq.http.x-edge-behaviour == \"{}\") {{", b.name);
            vcl.push_str(&success_ttl(ttl));
            let _ =
                writeln!(vcl, "        if (beresp.ttl > {}s) {{ set beresp.ttl = {}s; }}\n    }}", ttl.max, ttl.max);
        }
    }
    vcl.push_str(&error_ttl(config));
    vcl.push_str(VCL_RESPONSE_TAIL);
    vcl.push_str(VCL_DELIVER);
    vcl
}

/// `set req.http.x-edge-behaviour` from the path table, first match first, the resolver by default.
fn behaviour_selection() -> String {
    let mut out = String::new();
    for (i, route) in paths::ROUTES.iter().enumerate() {
        let condition = match route.pattern {
            Pattern::Exact(path) => format!("req.http.x-edge-path == \"{path}\""),
            Pattern::Prefix(prefix) => format!("req.http.x-edge-path ~ \"^{}\"", regex_escape(prefix)),
        };
        let keyword = if i == 0 { "    if" } else { " elsif" };
        let name = behaviour(route.origin).name;
        let _ = write!(out, "{keyword} ({condition}) {{\n        set req.http.x-edge-behaviour = \"{name}\";\n    }}");
    }
    let _ = writeln!(
        out,
        " else {{\n        set req.http.x-edge-behaviour = \"{}\";\n    }}",
        behaviour(paths::origin("/{id}")).name
    );
    out
}

/// CloudFront's 403 for a method a behaviour does not allow.
fn method_checks() -> String {
    let mut out = String::new();
    for origin in [Origin::Site, Origin::Api, Origin::Resolver] {
        let b = behaviour(origin);
        let _ = writeln!(
            out,
            "    if (req.http.x-edge-behaviour == \"{}\" && req.method !~ \"^({})$\") {{\n        \
             return (synth(403));\n    }}",
            b.name,
            b.allowed_methods.join("|")
        );
    }
    out
}

/// `beresp.ttl` of a 2xx or 3xx answer under a cache policy with `ttl` bounds (the cap to `max` follows).
fn success_ttl(ttl: TtlBounds) -> String {
    let mut out = format!(
        "        if (beresp.status < 400) {{\n            \
         if (beresp.http.Cache-Control ~ \"(?i)(^|[ ,])(no-store|no-cache|private)([ ,=]|$)\") {{\n                \
         set beresp.ttl = {min}s;\n            \
         }} elsif (beresp.ttl < 0s) {{\n                set beresp.ttl = {default}s;\n            }}",
        min = ttl.min,
        default = ttl.default
    );
    if ttl.min > 0 {
        let _ = write!(
            out,
            " elsif (beresp.ttl < {min}s) {{\n                set beresp.ttl = {min}s;\n            }}",
            min = ttl.min
        );
    }
    out.push_str("\n        }\n");
    out
}

/// `beresp.ttl` of an error: cached per CloudFront's status lists, at least the error caching minimum TTL.
fn error_ttl(config: &EdgeConfig) -> String {
    let mut out = String::from("    if (beresp.status >= 400) {\n       ");
    let always = ALWAYS_CACHED_ERRORS.iter().map(|&status| (status, ""));
    let with_max_age = CACHED_WITH_MAX_AGE_ERRORS
        .iter()
        .map(|&status| (status, " && beresp.http.Cache-Control ~ \"(?i)(^|[ ,])(s-maxage|max-age)=\""));
    for (i, (status, condition)) in always.chain(with_max_age).enumerate() {
        let keyword = if i == 0 { "if" } else { "elsif" };
        let min = config.error_min_ttl(status);
        let _ = write!(
            out,
            " {keyword} (beresp.status == {status}{condition}) {{\n            \
             if (beresp.ttl < {min}s) {{ set beresp.ttl = {min}s; }}\n        }}"
        );
    }
    out.push_str(" else {\n            set beresp.ttl = 0s;\n        }\n    }\n");
    out
}

/// `text` with the characters a PCRE pattern treats specially escaped.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

const VCL_HEADER: &str = r#"vcl 4.1;
# Rendered by shortener-edge-config from the path table (local/src/edge_cache.rs): do not edit by hand.

import directors;
import std;

"#;

/// The log values `varnishncsa` cannot shape itself (`-` when absent, spaces and tabs encoded as CloudFront does),
/// then the API passed with everything and the rest keyed on the path alone.
const VCL_RECV_TAIL: &str = r#"    if (req.http.User-Agent) {
        std.log("ua:" + regsuball(regsuball(regsuball(req.http.User-Agent, "%", "%25"), " ", "%20"), "\t", "%09"));
    } else {
        std.log("ua:-");
    }
    if (req.http.Referer) {
        std.log("referer:" + regsuball(regsuball(regsuball(req.http.Referer, "%", "%25"), " ", "%20"), "\t", "%09"));
    } else {
        std.log("referer:-");
    }
    if (req.url ~ "\?.") {
        std.log("query:" + regsub(req.url, "^[^?]*\?", ""));
    } else {
        std.log("query:-");
    }
    if (req.http.x-edge-behaviour == "api") {
        unset req.http.CloudFront-Viewer-Address;
        set req.http.CloudFront-Viewer-Address = client.ip + ":" + std.port(client.ip);
        return (pass);
    }
    unset req.http.Cookie;
    unset req.http.Authorization;
    if (req.http.x-edge-stale == "fetch") {
        set req.grace = 0s;
    } elsif (req.http.x-edge-stale == "if-error") {
        set req.grace = 3650d;
    }
    return (hash);
}

# A copy past its lifetime: served while it is fetched again within its stale-while-revalidate window; past that,
# fetched first (a restart without grace), and served only if that fetch fails (a second restart, "if-error").
sub vcl_hit {
    if (obj.ttl >= 0s) {
        return (deliver);
    }
    if (req.http.x-edge-stale == "if-error") {
        if (obj.ttl + std.duration(obj.http.x-edge-stale-if-error, 0s) > 0s) {
            return (deliver);
        }
        return (pass);
    }
    if (obj.ttl + std.duration(obj.http.x-edge-stale-while-revalidate, 0s) > 0s) {
        return (deliver);
    }
    set req.http.x-edge-stale = "fetch";
    return (restart);
}

sub vcl_hash {
    hash_data(req.http.x-edge-path);
    return (lookup);
}

"#;

const VCL_FETCH: &str = r#"sub vcl_backend_fetch {
    if (bereq.http.x-edge-behaviour != "api") {
        set bereq.url = bereq.http.x-edge-path;
    }
    unset bereq.http.x-edge-path;
}

"#;

/// TTL from the origin's headers (-1 s when it gives none), and the copy's grace and ban key.
const VCL_RESPONSE_HEAD: &str = r#"    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.status >= 500 && beresp.status <= 504 && (bereq.is_bgfetch || bereq.http.x-edge-stale == "fetch")) {
        return (abandon);
    }
    set beresp.http.x-url = bereq.url;
    set beresp.keep = 0s;
    unset beresp.http.x-edge-stale-while-revalidate;
    unset beresp.http.x-edge-stale-if-error;
    if (beresp.http.Cache-Control ~ "(?i)(^|[ ,])stale-while-revalidate=[0-9]+") {
        set beresp.http.x-edge-stale-while-revalidate = regsub(beresp.http.Cache-Control, "(?i)^(.*[ ,])?stale-while-revalidate=([0-9]+).*$", "\2") + "s";
    }
    if (beresp.http.Cache-Control ~ "(?i)(^|[ ,])stale-if-error=[0-9]+") {
        set beresp.http.x-edge-stale-if-error = regsub(beresp.http.Cache-Control, "(?i)^(.*[ ,])?stale-if-error=([0-9]+).*$", "\2") + "s";
    }
    set beresp.grace = std.duration(beresp.http.x-edge-stale-while-revalidate, 0s);
    if (std.duration(beresp.http.x-edge-stale-if-error, 0s) > beresp.grace) {
        set beresp.grace = std.duration(beresp.http.x-edge-stale-if-error, 0s);
    }
    if (beresp.http.Cache-Control ~ "(?i)(^|[ ,])s-maxage=[0-9]+") {
        set beresp.ttl = std.duration(regsub(beresp.http.Cache-Control, "(?i)^(.*[ ,])?s-maxage=([0-9]+).*$", "\2") + "s", 0s);
    } elsif (beresp.http.Cache-Control ~ "(?i)(^|[ ,])max-age=[0-9]+") {
        set beresp.ttl = std.duration(regsub(beresp.http.Cache-Control, "(?i)^(.*[ ,])?max-age=([0-9]+).*$", "\2") + "s", 0s);
    } elsif (beresp.http.Expires) {
        set beresp.ttl = std.time(beresp.http.Expires, now) - now;
        if (beresp.ttl < 0s) {
            set beresp.ttl = 0s;
        }
    } else {
        set beresp.ttl = -1s;
    }
"#;

const VCL_RESPONSE_TAIL: &str = r#"    if (beresp.ttl <= 0s) {
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
    }
    return (deliver);
}

"#;

const VCL_DELIVER: &str = r#"sub vcl_backend_error {
    if (bereq.is_bgfetch || bereq.http.x-edge-stale == "fetch") {
        return (abandon);
    }
}

sub vcl_deliver {
    if (resp.status >= 500 && req.http.x-edge-stale == "fetch") {
        set req.http.x-edge-stale = "if-error";
        return (restart);
    }
    unset resp.http.x-url;
    unset resp.http.x-edge-stale-while-revalidate;
    unset resp.http.x-edge-stale-if-error;
    if (resp.status >= 400) {
        set req.http.x-edge-result = "Error";
    } elsif (obj.hits > 0) {
        set req.http.x-edge-result = "Hit";
    } else {
        set req.http.x-edge-result = "Miss";
    }
    set resp.http.X-Cache = req.http.x-edge-result + " from edge-cache";
    std.log("result:" + req.http.x-edge-result);
}

sub vcl_synth {
    if (resp.status >= 500 && req.http.x-edge-stale == "fetch") {
        set req.http.x-edge-stale = "if-error";
        return (restart);
    }
    if (resp.status == 403) {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = "This distribution is not configured to allow the HTTP request method that was used for this request.";
    }
    set resp.http.X-Cache = "Error from edge-cache";
    std.log("result:Error");
    return (deliver);
}
"#;

/// The `varnishncsa` format that fills CloudFront's standard log field `name` (`-` for a field CloudFront fills
/// from TLS, field-level encryption or ranges). `x-edge-result-type` is Varnish's hit or miss as the VCL names it:
/// `Hit`, `Miss`, or `Error` for an error status.
fn varnishncsa_field(name: &str) -> &'static str {
    match name {
        "date" => "%{%Y-%m-%d}t",
        "time" => "%{%H:%M:%S}t",
        "x-edge-location" => "LOCAL1",
        "sc-bytes" => "%O",
        "c-ip" => "%h",
        "cs-method" => "%m",
        "cs(Host)" | "x-host-header" => "%{Host}i",
        "cs-uri-stem" => "%U",
        "sc-status" => "%s",
        "cs(Referer)" => "%{VCL_Log:referer}x",
        "cs(User-Agent)" => "%{VCL_Log:ua}x",
        "cs-uri-query" => "%{VCL_Log:query}x",
        "x-edge-result-type" | "x-edge-response-result-type" | "x-edge-detailed-result-type" => "%{VCL_Log:result}x",
        "x-edge-request-id" => "%{Varnish:vxid}x",
        "cs-protocol" => "http",
        "cs-bytes" => "%I",
        "time-taken" => "%{VSL:Timestamp:Resp[2]}x",
        "cs-protocol-version" => "%H",
        "c-port" => "%{VSL:ReqStart[2]}x",
        "time-to-first-byte" => "%{Varnish:time_firstbyte}x",
        "sc-content-type" => "%{Content-Type}o",
        "sc-content-len" => "%{Content-Length}o",
        _ => "-",
    }
}

/// The `varnishncsa -F` format of one log line: the fields of [`CLOUDFRONT_FIELDS`] in order, tab-separated, dates
/// in UTC when `varnishncsa` runs with `TZ=UTC`. The file's header lines are
/// [`crate::access_log::header`]'s.
pub fn varnishncsa_format() -> String {
    let formats: Vec<&str> = CLOUDFRONT_FIELDS.iter().map(|name| varnishncsa_field(name)).collect();
    formats.join("\\t")
}

/// Invalidates the local edge with `varnishadm ban`: one ban per path, on the path each cached copy was fetched
/// for, so Varnish's ban lurker can drop the copies without waiting for a request.
#[derive(Debug, Clone)]
pub struct VarnishInvalidator {
    workdir: PathBuf,
}

impl VarnishInvalidator {
    /// An invalidator of the Varnish whose working directory (`varnishd -n`) is `workdir`.
    pub fn new(workdir: impl AsRef<Path>) -> Self {
        Self { workdir: workdir.as_ref().to_owned() }
    }

    /// The ban of `path` as `varnishadm` arguments: the exact path, or every path that starts with a wildcard's
    /// prefix (its backslashes doubled, as the Varnish CLI reads them as escapes).
    pub fn ban_arguments(path: &EdgePath) -> [String; 3] {
        let field = "obj.http.x-url".to_owned();
        match path.prefix() {
            Some(prefix) => [field, "~".to_owned(), format!("^{}", regex_escape(prefix).replace('\\', "\\\\"))],
            None => [field, "==".to_owned(), path.to_string()],
        }
    }
}

impl EdgeInvalidator for VarnishInvalidator {
    async fn invalidate(&self, paths: &[EdgePath]) -> Result<(), InvalidationError> {
        for path in paths {
            let output = tokio::process::Command::new("varnishadm")
                .arg("-n")
                .arg(&self.workdir)
                .arg("ban")
                .args(Self::ban_arguments(path))
                .kill_on_drop(true)
                .output()
                .await
                .map_err(InvalidationError::unavailable)?;
            if !output.status.success() {
                let said = format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout).trim(),
                    String::from_utf8_lossy(&output.stderr).trim()
                );
                // varnishadm exits 2 when it cannot reach varnishd, 1 when varnishd refused the command.
                return Err(if output.status.code() == Some(1) {
                    InvalidationError::Rejected(said)
                } else {
                    InvalidationError::unavailable(said)
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered() -> String {
        render_vcl(&EdgeConfig::new(vec!["127.0.0.1:8080".parse().unwrap(), "127.0.0.1:8081".parse().unwrap()]))
    }

    #[test]
    fn every_backend_is_declared_and_taken_in_turn() {
        let vcl = rendered();
        assert!(vcl.contains("backend origin_0 {\n    .host = \"127.0.0.1\";\n    .port = \"8080\";"), "{vcl}");
        assert!(vcl.contains("backend origin_1 {\n    .host = \"127.0.0.1\";\n    .port = \"8081\";"), "{vcl}");
        assert!(vcl.contains("origins.add_backend(origin_0);\n    origins.add_backend(origin_1);"), "{vcl}");
    }

    #[test]
    fn every_route_of_the_path_table_selects_its_behaviour_and_the_rest_goes_to_the_resolver() {
        let vcl = rendered();
        assert!(
            vcl.contains("if (req.http.x-edge-path == \"/\") {\n        set req.http.x-edge-behaviour = \"site\";")
        );
        assert!(vcl.contains(
            "elsif (req.http.x-edge-path ~ \"^/assets/\") {\n        set req.http.x-edge-behaviour = \"site\";"
        ));
        assert!(vcl.contains(
            "elsif (req.http.x-edge-path == \"/shorten\") {\n        set req.http.x-edge-behaviour = \"api\";"
        ));
        assert!(
            vcl.contains(
                "elsif (req.http.x-edge-path ~ \"^/api/\") {\n        set req.http.x-edge-behaviour = \"api\";"
            )
        );
        assert!(vcl.contains(" else {\n        set req.http.x-edge-behaviour = \"resolver\";"));
        assert_eq!(vcl.matches("set req.http.x-edge-behaviour =").count(), paths::ROUTES.len() + 1);
    }

    #[test]
    fn the_api_is_passed_with_everything_and_the_rest_is_keyed_on_the_path_alone() {
        let vcl = rendered();
        let api = vcl.find("if (req.http.x-edge-behaviour == \"api\") {\n        unset req.http.CloudFront").unwrap();
        let pass = vcl[api..].find("return (pass);").unwrap();
        let cookie = vcl[api..].find("unset req.http.Cookie;").unwrap();
        assert!(pass < cookie, "the API keeps its cookies: {vcl}");
        assert!(vcl.contains("hash_data(req.http.x-edge-path);\n    return (lookup);"));
        assert!(vcl.contains("set bereq.url = bereq.http.x-edge-path;"), "no query string reaches site or resolver");
    }

    #[test]
    fn only_get_and_head_reach_the_site_and_the_resolver() {
        let vcl = rendered();
        assert!(vcl.contains("\"resolver\" && req.method !~ \"^(GET|HEAD)$\") {\n        return (synth(403));"));
        assert!(vcl.contains("\"site\" && req.method !~ \"^(GET|HEAD)$\") {\n        return (synth(403));"));
        assert!(vcl.contains("\"api\" && req.method !~ \"^(GET|HEAD|OPTIONS|PUT|PATCH|POST|DELETE)$\")"));
    }

    #[test]
    fn each_cache_policy_bounds_what_the_origin_asks_for() {
        let vcl = rendered();
        let site = vcl.find("if (bereq.http.x-edge-behaviour == \"site\") {").unwrap();
        let resolver = vcl.find("if (bereq.http.x-edge-behaviour == \"resolver\") {").unwrap();
        assert!(vcl[site..resolver].contains("set beresp.ttl = 86400s;"), "site default: a day");
        assert!(vcl[site..resolver].contains("if (beresp.ttl < 1s) {\n                set beresp.ttl = 1s;"));
        assert!(
            vcl[resolver..]
                .contains("} elsif (beresp.ttl < 0s) {\n                set beresp.ttl = 0s;\n            }\n")
        );
        assert_eq!(vcl.matches("if (beresp.ttl > 31536000s) { set beresp.ttl = 31536000s; }").count(), 2);
    }

    #[test]
    fn errors_are_kept_per_cloudfront_lists_for_at_least_the_error_caching_minimum() {
        let mut config = EdgeConfig::new(vec!["127.0.0.1:8080".parse().unwrap()]);
        config.error_caching_min_ttl.insert(503, 0);
        let vcl = render_vcl(&config);
        let branch = |status: u16| {
            let start = vcl.find(&format!("if (beresp.status == {status}")).unwrap_or_else(|| panic!("{status}"));
            vcl[start..].split("\n        }").next().unwrap().to_owned()
        };
        assert!(branch(404).contains("if (beresp.ttl < 10s) { set beresp.ttl = 10s; }"));
        assert!(branch(503).contains("if (beresp.ttl < 0s) { set beresp.ttl = 0s; }"), "custom error response");
        assert!(branch(403).contains("(s-maxage|max-age)=\")"), "403 is kept only with a max-age");
        assert!(!vcl.contains("beresp.status == 410"), "410 is never kept");
        assert!(!vcl.contains("beresp.status == 401"), "401 is never kept");
    }

    #[test]
    fn prefixes_are_matched_literally() {
        assert_eq!(regex_escape("/a.b+c/"), "/a\\.b\\+c/");
    }

    #[test]
    fn the_log_has_cloudfronts_33_fields_in_order_with_varnishs_hit_or_miss() {
        let header = crate::access_log::header();
        assert!(header.starts_with("#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method"));
        assert!(header.ends_with("sc-content-type sc-content-len sc-range-start sc-range-end\n"));
        let format = varnishncsa_format();
        let fields: Vec<&str> = format.split("\\t").collect();
        assert_eq!(fields.len(), 33);
        assert_eq!(fields[7], "%U", "cs-uri-stem");
        assert_eq!(fields[8], "%s", "sc-status");
        assert_eq!(fields[13], "%{VCL_Log:result}x", "x-edge-result-type");
        assert!(rendered().contains("std.log(\"result:\" + req.http.x-edge-result);"));
    }

    #[test]
    fn a_ban_matches_the_path_or_a_wildcards_prefix() {
        let exact = EdgePath::parse("/abc1234").unwrap();
        assert_eq!(VarnishInvalidator::ban_arguments(&exact), ["obj.http.x-url", "==", "/abc1234"]);
        let wildcard = EdgePath::parse("/abc.d*").unwrap();
        assert_eq!(VarnishInvalidator::ban_arguments(&wildcard), ["obj.http.x-url", "~", "^/abc\\\\.d"]);
    }
}
