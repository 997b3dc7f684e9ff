//! Property tests of the input rules: whatever a client sends, `ShortId::parse` and `TargetUrl::parse` never
//! panic, whatever they accept is safe to put in a path and in a `Location` header, and they do accept a fair share
//! of what is generated (so the safety properties are not met by refusing everything).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use std::sync::atomic::{AtomicU32, Ordering};

use proptest::{
    prelude::*,
    test_runner::{TestCaseError, TestRunner},
};
use shortener_domain::{
    IdError, MAX_URL_BYTES, PublicBase, ShortId, TargetUrl, UrlError,
    paths::{self, Origin},
};
use url::Url;

/// The service's public base and the other names it answers to, as the Lambda is configured in the tests.
fn base() -> PublicBase {
    PublicBase::parse("https://sho.rt/").unwrap().with_other_hosts(["d111111abcdef8.cloudfront.net", "bücher.example"])
}

/// The hosts [`base`] must refuse, as the `url` crate writes them.
const OWN_HOSTS: [&str; 3] = ["sho.rt", "d111111abcdef8.cloudfront.net", "xn--bcher-kva.example"];

/// Characters that have broken parsers and header writers before: separators, escapes, controls, Unicode dots
/// and letters that IDNA maps onto ASCII, bidi controls, a byte-order mark.
#[rustfmt::skip]
const NASTY: &[&str] = &[
    "\r", "\n", "\r\n", "\t", " ", "\u{0}", "\u{7f}", "\u{85}", "\u{a0}", "\u{2028}", "\u{3000}", "\u{feff}",
    "\u{202e}", "\\", "/", "//", "@", "%40", ":", "#", "?", "%", "%0d%0a", "%00", "%2e%2e", "..", ".", "\u{ff0e}",
    "\u{3002}", "\u{ff53}", "ß", "ü", "İ", "\u{1f600}", "[", "]", "'", "\"", "<", ">", "`", "{", "}", "|", "^",
];

fn nasty_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => proptest::sample::select(NASTY).prop_map(str::to_owned),
        6 => "[a-zA-Z0-9._~/=&-]{0,12}",
        1 => any::<char>().prop_map(String::from),
    ]
}

fn nasty_text(max_pieces: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(nasty_piece(), 0..max_pieces).prop_map(|pieces| pieces.concat())
}

/// Schemes as people and attackers write them.
fn scheme() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(vec!["http://", "https://", "HTTPS://", "hTtP://"]).prop_map(str::to_owned),
        2 => proptest::sample::select(vec![
            "http://", "https://", "HTTPS://", "hTtP://", "javascript:", "JavaScript:", "data:", "file://", "ftp://",
            "ws://", "http:", "https:/", "https:\\\\", "//", "", " https://", "\u{0}https://", "vbscript:",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z][a-zA-Z0-9+.-]{0,8}:(//)?",
    ]
}

/// User-info as the tricks write it: real ones, encoded `@`, backslashes that some parsers read as `/`.
fn user_info() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "bank.com@",
        "user:pass@",
        ":@",
        "@",
        "a%40b@",
        "bank.com%40",
        "bank.com\\@",
        "bank.com\\",
        "bank.com:443@",
        "user@host@",
    ])
    .prop_map(str::to_owned)
}

/// One of the service's own hosts, disguised: any letter case, a trailing dot, a percent-encoded or full-width
/// letter, IDN or punycode.
fn disguised_own_host() -> impl Strategy<Value = String> {
    let hosts = vec!["sho.rt", "d111111abcdef8.cloudfront.net", "bücher.example", "xn--bcher-kva.example"];
    (proptest::sample::select(hosts), any::<u64>(), any::<bool>(), 0..4_u8).prop_map(|(host, cases, dot, trick)| {
        let mut out: String = host
            .chars()
            .enumerate()
            .map(|(i, c)| if cases >> (i % 64) & 1 == 1 { c.to_uppercase().collect() } else { c.to_string() })
            .collect();
        match trick {
            1 => out = out.replacen('s', "%73", 1).replacen('S', "%53", 1),
            2 => out = out.replacen('.', "\u{ff0e}", 1),
            3 => out = out.replacen('o', "\u{ff4f}", 1),
            _ => {}
        }
        if dot {
            out.push('.');
        }
        out
    })
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z0-9-]{1,12}(\\.[a-z]{2,6}){1,2}",
        2 => disguised_own_host(),
        1 => proptest::sample::select(vec![
            "", "127.0.0.1", "2130706433", "0x7f.1", "[::1]", "[::ffff:127.0.0.1]", "localhost", "xn--", "a..b",
            "bücher.example", "例え.jp", "-.example", "[", "a b.example", "%00.example", "%2e",
        ])
        .prop_map(str::to_owned),
        1 => nasty_text(4),
    ]
}

/// URL-shaped input: scheme, user-info, host, port, then a path, query and fragment full of nasty pieces.
fn url_like() -> impl Strategy<Value = String> {
    let port = proptest::sample::select(vec!["", "", ":443", ":8080", ":0", ":65536", ":", ":x"]);
    (
        scheme(),
        user_info(),
        host(),
        port,
        nasty_text(8),
        prop::option::of(nasty_text(4)),
        prop::option::of(nasty_text(4)),
    )
        .prop_map(|(scheme, user, host, port, path, query, fragment)| {
            let mut url = format!("{scheme}{user}{host}{port}/{path}");
            if let Some(query) = query {
                url.push('?');
                url.push_str(&query);
            }
            if let Some(fragment) = fragment {
                url.push('#');
                url.push_str(&fragment);
            }
            url
        })
}

/// Any input at all: arbitrary Unicode, bytes read as UTF-8, URL-shaped input, and over-long input.
fn any_input() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        4 => url_like(),
        1 => (url_like(), 2000..2100_usize).prop_map(|(url, len)| format!("https://example.com/{}{url}", "a".repeat(len))),
    ]
}

/// Everything a `Location` header needs from an accepted URL, checked on the normalized text itself.
fn assert_safe_for_location(accepted: &TargetUrl, input: &str) {
    let text = accepted.as_str();
    assert!(text.bytes().all(|b| b.is_ascii_graphic()), "{input:?} became {text:?}: not visible ASCII");
    assert!(text.len() <= MAX_URL_BYTES, "{input:?} became {} bytes", text.len());
    let url = Url::parse(text).unwrap_or_else(|e| panic!("{input:?} became {text:?}, which does not parse: {e}"));
    assert!(matches!(url.scheme(), "http" | "https"), "{input:?} became {text:?}");
    let host = url.host_str().unwrap_or_default();
    assert!(!host.is_empty(), "{input:?} became {text:?} without a host");
    assert!(url.username().is_empty() && url.password().is_none(), "{input:?} became {text:?} with user-info");
    let bare_host = host.trim_end_matches('.').to_ascii_lowercase();
    assert!(!OWN_HOSTS.contains(&bare_host.as_str()), "{input:?} became {text:?}, a link to the service itself");
    assert_eq!(
        TargetUrl::parse(text, &base()).as_ref().map(TargetUrl::as_str),
        Ok(text),
        "{input:?}: the stored form must read back as itself"
    );
}

/// Cases each property runs.
const CASES: u32 = 2048;

/// The least share of [`any_input`] that must be accepted: about 11% is (most generated URLs break a rule on
/// purpose), and 5% lies far below the chance variation of 2048 cases.
const MIN_URL_SHARE: f64 = 0.05;

/// The least share of the generated ID input that must be accepted: about 29% is (most of the well-formed third),
/// and 15% lies far below the chance variation of 2048 cases.
const MIN_ID_SHARE: f64 = 0.15;

/// Runs `property` on [`CASES`] inputs drawn from `inputs`, failing on the first input it fails (shrunk, as
/// `proptest!` does), and returns the share of inputs the property reported as accepted.
fn share_accepted<S: Strategy>(inputs: S, property: impl Fn(S::Value) -> Result<bool, TestCaseError>) -> f64 {
    let accepted = AtomicU32::new(0);
    let config = ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() };
    let outcome = TestRunner::new(config).run(&inputs, |input| {
        if property(input)? {
            accepted.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    f64::from(accepted.into_inner()) / f64::from(CASES)
}

#[test]
fn any_url_input_is_refused_or_safe_for_a_location_header_and_a_fair_share_is_accepted() {
    let share = share_accepted(any_input(), |input| match TargetUrl::parse(&input, &base()) {
        Ok(accepted) => {
            assert_safe_for_location(&accepted, &input);
            Ok(true)
        }
        Err(_) => Ok(false),
    });
    assert!(share >= MIN_URL_SHARE, "only {share:.3} of the generated URL input was accepted");
}

#[test]
fn any_id_input_is_refused_or_a_safe_path_segment_and_a_fair_share_is_accepted() {
    let inputs = prop_oneof![any::<String>(), "[A-Za-z0-9_-]{0,70}", nasty_text(6)];
    let share = share_accepted(inputs, |input| {
        let Ok(id) = ShortId::parse(&input) else {
            return Ok(false);
        };
        let text = id.as_str();
        prop_assert_eq!(text, input.as_str());
        prop_assert!((ShortId::MIN_LEN..=ShortId::MAX_LEN).contains(&text.len()));
        prop_assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'), "{:?}", text);
        prop_assert!(!paths::is_reserved_name(text), "{:?} is reserved", text);
        prop_assert_eq!(paths::origin(&format!("/{text}")), Origin::Resolver, "/{} is not the resolver's", text);
        Ok(true)
    });
    assert!(share >= MIN_ID_SHARE, "only {share:.3} of the generated ID input was accepted");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn input_with_whitespace_or_control_characters_is_refused(
        (before, bad, after) in (nasty_text(4), proptest::sample::select(vec![
            "\r", "\n", "\t", " ", "\u{0}", "\u{7f}", "\u{85}", "\u{a0}", "\u{2028}", "\u{3000}", "\u{1b}",
        ]), nasty_text(4)),
    ) {
        let input = format!("https://example.com/{before}{bad}{after}");
        prop_assert_eq!(TargetUrl::parse(&input, &base()).err(), Some(UrlError::Whitespace));
    }

    #[test]
    fn a_disguised_own_host_is_refused(host in disguised_own_host(), path in "[a-zA-Z0-9/]{0,12}") {
        for scheme in ["http", "https"] {
            let input = format!("{scheme}://{host}/{path}");
            let refused = TargetUrl::parse(&input, &base());
            prop_assert!(refused.is_err(), "{} was accepted as {:?}", input, refused.map(|u| u.to_string()));
        }
    }

    #[test]
    fn schemes_other_than_http_and_https_are_refused(
        scheme in "[a-zA-Z][a-zA-Z0-9+.-]{0,10}",
        rest in "[a-z0-9/.:]{0,20}",
    ) {
        prop_assume!(!scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https"));
        let input = format!("{scheme}:{rest}");
        prop_assert!(TargetUrl::parse(&input, &base()).is_err(), "{} was accepted", input);
    }

    #[test]
    fn every_alias_within_the_rules_is_accepted_unless_the_path_table_owns_it(alias in "[A-Za-z0-9_-]{3,64}") {
        let parsed = ShortId::parse(&alias);
        if paths::is_reserved_name(&alias) {
            prop_assert_eq!(parsed, Err(IdError::Reserved));
        } else {
            prop_assert_eq!(parsed.map(|id| id.to_string()), Ok(alias));
        }
    }

    #[test]
    fn a_name_the_path_table_owns_is_refused_in_any_letter_case(
        name in proptest::sample::select(vec!["api", "assets", "shorten"]),
        cases in any::<u8>(),
    ) {
        let alias: String = name
            .chars()
            .enumerate()
            .map(|(i, c)| if cases >> i & 1 == 1 { c.to_ascii_uppercase() } else { c })
            .collect();
        prop_assert_eq!(ShortId::parse(&alias), Err(IdError::Reserved));
    }
}
