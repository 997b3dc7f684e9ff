//! The click counter's reading of CloudFront's standard log: the documented layout (header lines, escapes, IPv6,
//! every `x-edge-result-type`) from fixtures, and properties that hold for any line, however malformed.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test binary: a failed expectation is a failed test")]

use proptest::prelude::*;
use shortener_domain::{
    ShortId,
    clicks::{DayCount, FieldIndex, LineError, ResultType, Tally, TallySummary, is_bot, parse_line, unescape},
    testing::{log_file, log_line},
};
use time::macros::{date, datetime};

const STANDARD: &str = include_str!("fixtures/cloudfront-standard.log");
const REORDERED: &str = include_str!("fixtures/cloudfront-reordered.log");

fn id(raw: &str) -> ShortId {
    ShortId::parse(raw).unwrap()
}

#[test]
fn the_documented_log_counts_redirects_from_the_edge_and_the_origin_and_nothing_else() {
    let tally = Tally::from_log(STANDARD);
    assert_eq!(
        tally.count(&id("abc1234"), date!(2026 - 11 - 29)),
        DayCount { clicks: 4, bots: 2 },
        "Hit, RefreshHit, OriginShieldHit and Miss by viewers; facebookexternalhit and Twitterbot apart"
    );
    assert_eq!(tally.count(&id("Xy9_k-2"), date!(2026 - 11 - 30)), DayCount { clicks: 1, bots: 0 }, "a 308, next day");
    assert_eq!(tally.len(), 2, "no other ID and day: not the preview, 404s, 410s, malformed or reserved IDs");
    assert_eq!(tally.newest(), Some(datetime!(2026-11-30 00:00:05 UTC)));
    assert_eq!(
        tally.summary(),
        TallySummary { lines: 23, malformed: 0, clicks: 5, bots: 2, unknown_results: 1 },
        "FunctionGeneratedResponse is not a result type the reference lists"
    );
}

#[test]
fn fields_are_read_where_the_fields_line_puts_them() {
    let tally = Tally::from_log(REORDERED);
    assert_eq!(tally.count(&id("abc1234"), date!(2026 - 11 - 28)), DayCount { clicks: 1, bots: 1 });
    assert_eq!(tally.count(&id("abc1234"), date!(2026 - 11 - 29)), DayCount { clicks: 1, bots: 0 });
    assert_eq!(tally.summary().malformed, 0, "CRLF line ends are read too");
}

#[test]
fn reading_a_file_from_a_reader_gives_the_same_tally() {
    assert_eq!(Tally::read(STANDARD.as_bytes()).unwrap(), Tally::from_log(STANDARD));
    assert_eq!(Tally::read(REORDERED.as_bytes()).unwrap(), Tally::from_log(REORDERED));
}

#[test]
fn a_fields_line_without_what_counting_needs_makes_its_lines_malformed_not_clicks() {
    let file = format!("#Version: 1.0\n#Fields: date time cs-uri-stem\n{}\n", log_line_of("/abc1234", 301, "Hit"));
    let tally = Tally::from_log(&file);
    assert!(tally.is_empty());
    assert_eq!((tally.summary().lines, tally.summary().malformed), (1, 1));
    assert_eq!(
        FieldIndex::from_fields_line("#Fields: date time cs-uri-stem"),
        Err(LineError::MissingField("cs-method"))
    );
}

#[test]
fn a_file_without_header_lines_is_read_in_the_documented_order() {
    let tally = Tally::from_log(&format!("{}\n", log_line_of("/abc1234", 301, "Hit")));
    assert_eq!(tally.count(&id("abc1234"), date!(2026 - 11 - 29)).clicks, 1);
}

#[test]
fn short_lines_bad_timestamps_and_bad_statuses_are_refused() {
    let index = FieldIndex::cloudfront();
    assert_eq!(parse_line(&index, "2026-11-29\t08:00:00\tFRA56"), Err(LineError::Fields { found: 3, needed: 14 }));
    let line = log_line_of("/abc1234", 301, "Hit");
    assert_eq!(parse_line(&index, &line.replace("2026-11-29", "2026-13-29")), Err(LineError::Timestamp));
    assert_eq!(parse_line(&index, &line.replace("\t301\t", "\t3O1\t")), Err(LineError::Status));
    assert_eq!(parse_line(&index, &line.replace("\t301\t", "\t3010\t")), Err(LineError::Status));
    assert_eq!(parse_line(&index, &line).map(|l| (l.status, l.result)), Ok((301, ResultType::Hit)));
}

#[test]
fn cloudfronts_escapes_are_undone_once() {
    assert_eq!(unescape("Mozilla/5.0%20(X11;%20Linux)"), "Mozilla/5.0 (X11; Linux)");
    assert_eq!(unescape("/abc%2520def"), "/abc%20def", "a viewer's own %20 arrives escaped as %2520");
    assert_eq!(unescape("/caf%C3%A9"), "/café");
    assert_eq!(unescape("100%"), "100%", "a % without two hex digits stays");
    assert_eq!(unescape("%zz%4"), "%zz%4");
    assert_eq!(unescape("%FF"), "\u{fffd}", "bytes that are not UTF-8");
}

#[test]
fn the_bot_list_knows_crawlers_and_preview_fetchers_and_not_browsers() {
    for bot in [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "WhatsApp/2.23.20.0",
        "TelegramBot (like TwitterBot)",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
    ] {
        assert!(is_bot(bot), "{bot}");
    }
    for person in [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; CUBOT KINGKONG 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile",
        "curl/8.11.0",
        "-",
    ] {
        assert!(!is_bot(person), "{person}");
    }
}

#[test]
fn no_bot_fragment_holds_a_character_cloudfront_escapes_so_the_logged_user_agent_can_be_matched() {
    for fragment in shortener_domain::clicks::BOT_AGENTS {
        assert_eq!(&cloudfront_escape(fragment), fragment);
        assert_eq!(fragment.to_ascii_lowercase(), *fragment);
    }
}

fn log_line_of(path: &str, status: u16, result: &str) -> String {
    log_line("2026-11-29 08:00:00", "GET", path, status, result, "Mozilla/5.0")
}

/// How CloudFront escapes a field: bytes 0 to 32 and 127 up, and the characters of its table, as `%XX`.
fn cloudfront_escape(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b <= 32 || b >= 127 || b"<>\"#%{}|\\^~[]`'".contains(&b) {
                format!("%{b:02X}")
            } else {
                char::from(b).to_string()
            }
        })
        .collect()
}

/// Path pieces that are valid IDs, nearly valid ones, and trouble.
fn path_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z0-9_-]{1,70}",
        1 => proptest::sample::select(&["+", "/", "%", "%20", " ", "\t", "\n", "é", "api", "assets", "\u{0}", "~"][..])
            .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn any_path() -> impl Strategy<Value = String> {
    prop::collection::vec(path_piece(), 1..4).prop_map(|pieces| format!("/{}", pieces.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn no_line_whatever_it_holds_makes_the_reader_panic(text in any::<String>(), fields in prop::collection::vec(".{0,20}", 0..40)) {
        let index = FieldIndex::cloudfront();
        let _ = parse_line(&index, &text);
        let _ = parse_line(&index, &fields.join("\t"));
        let _ = Tally::from_log(&text);
        let _ = Tally::from_log(&format!("#Fields: {}\n{}", fields.join(" "), fields.join("\t")));
        let _ = Tally::read(text.as_bytes());
    }

    #[test]
    fn a_redirect_is_counted_exactly_when_its_path_is_a_valid_id(path in any_path(), status in prop::sample::select(&[301u16, 302, 307, 308][..])) {
        let tally = Tally::from_log(&log_file(&[log_line("2026-11-29 08:00:00", "GET", &cloudfront_escape(&path), status, "Hit", "Mozilla/5.0")]));
        let valid = ShortId::parse(&path[1..]).ok();
        prop_assert_eq!(tally.summary().malformed, 0);
        match valid {
            Some(id) => prop_assert_eq!(tally.count(&id, date!(2026 - 11 - 29)), DayCount { clicks: 1, bots: 0 }),
            None => prop_assert!(tally.is_empty(), "counted {:?}", path),
        }
    }

    #[test]
    fn what_cloudfront_escapes_reads_back_as_it_was(raw in any::<String>()) {
        let escaped = cloudfront_escape(&raw);
        prop_assert_eq!(unescape(&escaped), raw);
    }

    #[test]
    fn only_a_delivered_get_redirect_counts(
        method in prop::sample::select(&["GET", "HEAD", "POST", "OPTIONS", "get"][..]),
        status in prop::sample::select(&[0u16, 200, 301, 302, 304, 307, 308, 403, 404, 410, 500, 503][..]),
        result in prop::sample::select(&["Hit", "RefreshHit", "OriginShieldHit", "Miss", "Redirect", "LimitExceeded", "CapacityExceeded", "Error", "FunctionGeneratedResponse", "-"][..]),
    ) {
        let line = log_line("2026-11-29 08:00:00", method, "/abc1234", status, result, "Mozilla/5.0");
        let tally = Tally::from_log(&log_file(&[line]));
        let counts = method == "GET"
            && [301, 302, 307, 308].contains(&status)
            && ["Hit", "RefreshHit", "OriginShieldHit", "Miss"].contains(&result);
        prop_assert_eq!(tally.summary().clicks, u64::from(counts));
    }
}
