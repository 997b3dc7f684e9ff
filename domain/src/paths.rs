//! The path table: which origin answers which path. Written once and used by the local stack, by the CloudFront
//! behaviours infra synthesizes, and by the alias rules (a path the site or the API owns is never a short ID).

use std::sync::LazyLock;

/// Who answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Static files from the site bucket (S3 through CloudFront's Origin Access Identity).
    Site,
    /// `origin-api` behind API Gateway: never cached at the edge.
    Api,
    /// `edge-resolver` behind its function URL: cached per the response's `Cache-Control`.
    Resolver,
}

/// How a route matches a request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// The path equals this string.
    Exact(&'static str),
    /// The path starts with this string, which ends in `/`.
    Prefix(&'static str),
}

/// One row of the path table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Which paths the row covers.
    pub pattern: Pattern,
    /// Who answers them.
    pub origin: Origin,
    /// `Cache-Control` of the files this row serves; `None` where the origin's response sets it (API, resolver).
    pub cache_control: Option<&'static str>,
}

/// HTML: revalidated often, so a deploy shows within a minute.
const HTML_CACHE: Option<&str> = Some("public, max-age=60");
/// Assets: a year and never revalidated, because each name carries a hash of its content ([`crate::site`]): a
/// changed file is a new name, and the HTML that names it is short-lived.
const HASHED_ASSET_CACHE: Option<&str> = Some("public, max-age=31536000, immutable");
/// `/favicon.ico`, whose name browsers ask for and so cannot carry a hash: a day.
const FAVICON_CACHE: Option<&str> = Some("public, max-age=86400");
/// The site's optional `config.json` (where the API is), written at deploy time: a minute, like the HTML.
const CONFIG_CACHE: Option<&str> = Some("public, max-age=60");

/// `/.well-known/` files (`security.txt`): an hour; they change when the operator edits them.
const WELL_KNOWN_CACHE: Option<&str> = Some("public, max-age=3600");

/// The site's assets, each named by a hash of its content when the site is built ([`crate::site`]).
pub const HASHED_ASSETS: Pattern = Pattern::Prefix("/assets/");

/// The `Content-Security-Policy` of the site: nothing but our own origin, no inline script or style.
pub const SITE_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// Every path that is not a short ID. Everything else goes to [`Origin::Resolver`].
pub const ROUTES: &[Route] = &[
    Route { pattern: Pattern::Exact("/"), origin: Origin::Site, cache_control: HTML_CACHE },
    Route { pattern: Pattern::Exact("/index.html"), origin: Origin::Site, cache_control: HTML_CACHE },
    Route { pattern: HASHED_ASSETS, origin: Origin::Site, cache_control: HASHED_ASSET_CACHE },
    Route { pattern: Pattern::Exact("/favicon.ico"), origin: Origin::Site, cache_control: FAVICON_CACHE },
    Route { pattern: Pattern::Exact("/robots.txt"), origin: Origin::Site, cache_control: HTML_CACHE },
    Route { pattern: Pattern::Exact("/config.json"), origin: Origin::Site, cache_control: CONFIG_CACHE },
    Route { pattern: Pattern::Prefix("/.well-known/"), origin: Origin::Site, cache_control: WELL_KNOWN_CACHE },
    Route { pattern: Pattern::Exact("/shorten"), origin: Origin::Api, cache_control: None },
    Route { pattern: Pattern::Prefix("/api/"), origin: Origin::Api, cache_control: None },
];

impl Pattern {
    /// Whether `path` (without query string) falls under this pattern.
    pub fn matches(&self, path: &str) -> bool {
        self.rest(path).is_some()
    }

    /// What `path` has beyond this pattern (empty for an exact match), or `None` if it does not fall under it.
    pub fn rest<'p>(&self, path: &'p str) -> Option<&'p str> {
        match self {
            Self::Exact(exact) => (path == *exact).then_some(""),
            Self::Prefix(prefix) => path.strip_prefix(prefix),
        }
    }

    /// The pattern as a CloudFront cache behaviour's `PathPattern` (`/assets/*`).
    pub fn cloudfront_path_pattern(&self) -> String {
        match self {
            Self::Exact(exact) => (*exact).to_owned(),
            Self::Prefix(prefix) => format!("{prefix}*"),
        }
    }

    /// The first path segment this pattern claims (`api` for `/api/`), which therefore cannot be an alias.
    fn first_segment(&self) -> &'static str {
        let (Self::Exact(path) | Self::Prefix(path)) = self;
        let path = path.trim_start_matches('/');
        path.split('/').next().unwrap_or(path)
    }
}

/// The route for a request path; `None` means the default behaviour, [`Origin::Resolver`].
pub fn route(path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|route| route.pattern.matches(path))
}

/// Who answers a request path.
pub fn origin(path: &str) -> Origin {
    route(path).map_or(Origin::Resolver, |route| route.origin)
}

/// Whether `name` is owned by the site or the API (compared case-insensitively so `API` cannot pose as ours).
pub fn is_reserved_name(name: &str) -> bool {
    // Taken from the table once: every short ID in every request is checked against them.
    static RESERVED: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        ROUTES.iter().map(|route| route.pattern.first_segment()).filter(|segment| !segment.is_empty()).collect()
    });
    RESERVED.iter().any(|segment| segment.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_api_and_resolver_paths_go_to_their_origins() {
        assert_eq!(origin("/"), Origin::Site);
        assert_eq!(origin("/index.html"), Origin::Site);
        assert_eq!(origin("/assets/app.js"), Origin::Site);
        assert_eq!(origin("/robots.txt"), Origin::Site);
        assert_eq!(origin("/config.json"), Origin::Site);
        assert_eq!(origin("/.well-known/security.txt"), Origin::Site);
        assert_eq!(origin("/shorten"), Origin::Api);
        assert_eq!(origin("/api/links/abc"), Origin::Api);
        assert_eq!(origin("/api/health"), Origin::Api);
        assert_eq!(origin("/abc1234"), Origin::Resolver);
        assert_eq!(origin("/abc1234+"), Origin::Resolver, "the preview goes where the redirect goes");
        assert_eq!(origin("/assets"), Origin::Resolver);
        assert_eq!(origin("/shortened"), Origin::Resolver);
    }

    #[test]
    fn names_the_table_owns_are_reserved() {
        for name in
            ["api", "assets", "shorten", "index.html", "robots.txt", "favicon.ico", "config.json", "API", "Assets"]
        {
            assert!(is_reserved_name(name), "{name}");
        }
        for name in ["apis", "asset", "abc1234", ""] {
            assert!(!is_reserved_name(name), "{name}");
        }
    }

    #[test]
    fn the_rest_of_a_path_is_what_follows_its_pattern() {
        assert_eq!(Pattern::Prefix("/api/links/").rest("/api/links/abc1234"), Some("abc1234"));
        assert_eq!(Pattern::Prefix("/api/links/").rest("/api/links/"), Some(""));
        assert_eq!(Pattern::Prefix("/api/links/").rest("/api/link"), None);
        assert_eq!(Pattern::Exact("/shorten").rest("/shorten"), Some(""));
        assert_eq!(Pattern::Exact("/shorten").rest("/shortened"), None);
    }

    #[test]
    fn cloudfront_patterns_use_a_trailing_star_for_prefixes() {
        assert_eq!(Pattern::Prefix("/api/").cloudfront_path_pattern(), "/api/*");
        assert_eq!(Pattern::Exact("/shorten").cloudfront_path_pattern(), "/shorten");
    }
}
