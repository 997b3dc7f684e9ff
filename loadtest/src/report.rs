//! The summary printed at the end of a run (and written as JSON with `--summary-json`): throughput, latency,
//! errors by status, the resolver's cache hit ratio, the negative-caching check, the propagation check of edits,
//! the click-count check and the projected bill; and which of goose's own reports a run may write.

use std::{collections::BTreeMap, fmt::Write as _};

use serde::Serialize;

use crate::{
    clicks::ClickCheck,
    edits::Propagation,
    pricing::{
        Bill, CreateMeasure, PriceTable, RedirectMeasure, per_million_clicks_counted, per_million_creates,
        per_million_redirects,
    },
    stats::{CacheAnswer, Kind, KindStats, RunStats},
};

/// Settings the report needs besides the counters.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    /// The target.
    pub host: String,
    /// The most users that ran at once.
    pub max_users: usize,
    /// Billed milliseconds of an edge-resolver invocation, instead of the measured latency.
    pub resolver_billed_ms: Option<f64>,
    /// Billed milliseconds of an origin-api invocation, instead of the measured latency.
    pub api_billed_ms: Option<f64>,
}

/// One kind of request's figures.
#[derive(Debug, Clone, Serialize)]
pub struct KindReport {
    /// `redirect`, `create` or `miss`.
    pub kind: &'static str,
    /// Responses (and failures to get one).
    pub requests: u64,
    /// Requests per second over the run.
    pub rps: f64,
    /// Median latency, µs.
    pub p50_us: u64,
    /// 95th percentile, µs.
    pub p95_us: u64,
    /// 99th percentile, µs.
    pub p99_us: u64,
    /// Longest, µs.
    pub max_us: u64,
    /// Mean, µs.
    pub mean_us: f64,
    /// Requests that failed a check.
    pub errors: u64,
    /// Responses by status ("0" is no response).
    pub statuses: BTreeMap<u16, u64>,
    /// Failed checks by reason.
    pub failures: BTreeMap<String, u64>,
    /// Answers that reached the resolver, by `x-shortener-cache` value.
    pub cache: BTreeMap<&'static str, u64>,
    /// Answers CloudFront gave from its cache.
    pub edge_hits: u64,
}

/// Whether negative caching kept unknown IDs off the store.
#[derive(Debug, Clone, Serialize)]
pub struct NegativeCaching {
    /// Unknown IDs requested, distinct.
    pub distinct_ids: usize,
    /// Answers that read the store (`miss`).
    pub store_reads: u64,
    /// Store reads negative caching should have spared (also counted as errors).
    pub repeated_reads: u64,
    /// Share of answers that reached the resolver and were `negative`.
    pub negative_share: f64,
    /// No repeated reads.
    pub ok: bool,
}

/// A projected bill and what it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Projection {
    /// Per million redirects, if the run made redirects.
    pub per_million_redirects: Option<(RedirectMeasureReport, Bill)>,
    /// Per million creates, if the run made creates.
    pub per_million_creates: Option<(CreateMeasureReport, Bill)>,
    /// What counting those million redirects' clicks from the access logs adds, if the run made redirects.
    pub click_counting: Option<Bill>,
}

/// [`RedirectMeasure`] as reported.
#[derive(Debug, Clone, Serialize)]
pub struct RedirectMeasureReport {
    /// See [`RedirectMeasure::edge_hit_share`].
    pub edge_hit_share: f64,
    /// See [`RedirectMeasure::store_read_share`].
    pub store_read_share: f64,
    /// See [`RedirectMeasure::billed_ms`].
    pub billed_ms: f64,
    /// Whether `billed_ms` was measured (client latency, rounded up per request) or given.
    pub billed_ms_measured: bool,
    /// See [`RedirectMeasure::response_bytes`].
    pub response_bytes: f64,
}

/// [`CreateMeasure`] as reported.
#[derive(Debug, Clone, Serialize)]
pub struct CreateMeasureReport {
    /// See [`CreateMeasure::billed_ms`].
    pub billed_ms: f64,
    /// Whether `billed_ms` was measured or given.
    pub billed_ms_measured: bool,
    /// See [`CreateMeasure::request_bytes`].
    pub request_bytes: f64,
    /// See [`CreateMeasure::response_bytes`].
    pub response_bytes: f64,
}

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The target.
    pub host: String,
    /// Seconds from the first request's start to the last one's end.
    pub elapsed_s: f64,
    /// The most users that ran at once.
    pub max_users: usize,
    /// All requests.
    pub requests: u64,
    /// All requests per second.
    pub rps: f64,
    /// Requests that failed a check.
    pub errors: u64,
    /// By kind, only kinds the run made.
    pub kinds: Vec<KindReport>,
    /// Of the redirects that reached the resolver, the share answered from memory; `None` without any
    /// `x-shortener-cache` header.
    pub hit_ratio: Option<f64>,
    /// Share of redirects CloudFront answered from its cache.
    pub edge_hit_ratio: Option<f64>,
    /// Present when the run clicked unknown IDs.
    pub negative_caching: Option<NegativeCaching>,
    /// Present when the run edited links.
    pub propagation: Option<Propagation>,
    /// Present when the click counts were checked (`--click-count-wait-seconds`).
    pub click_counts: Option<ClickCheck>,
    /// The projected bill.
    pub projection: Projection,
    /// Where the prices apply and when they were checked.
    pub prices: String,
    /// No errors, negative caching held, no click saw an edit late and the click counts (if checked) matched.
    pub ok: bool,
}

impl Report {
    /// This summary with the click-count check's outcome, which the run's verdict then includes.
    #[must_use]
    pub fn with_click_counts(self, check: ClickCheck) -> Self {
        Self { ok: self.ok && check.ok, click_counts: Some(check), ..self }
    }
}

fn kind_report(kind: Kind, stats: &KindStats, elapsed: f64) -> KindReport {
    let latency = &stats.latency;
    KindReport {
        kind: kind.name(),
        requests: stats.requests(),
        rps: per_second(stats.requests(), elapsed),
        p50_us: latency.percentile(0.50),
        p95_us: latency.percentile(0.95),
        p99_us: latency.percentile(0.99),
        max_us: latency.max(),
        mean_us: latency.mean(),
        errors: stats.failed(),
        statuses: stats.statuses(),
        failures: stats.failures(),
        cache: CacheAnswer::ALL.iter().map(|&a| (a.name(), stats.cache(a))).filter(|(_, n)| *n > 0).collect(),
        edge_hits: stats.edge_hits(),
    }
}

fn per_second(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 { count as f64 / seconds } else { 0.0 }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// Builds the summary of a finished run; `propagation` is what the edit ledger saw, if the run edited links.
pub fn build(
    stats: &RunStats,
    settings: &ReportSettings,
    prices: &PriceTable,
    propagation: Option<Propagation>,
) -> Report {
    let elapsed = stats.elapsed_seconds();
    let kinds: Vec<KindReport> = Kind::ALL
        .iter()
        .filter(|&&k| stats.kind(k).requests() > 0)
        .map(|&k| kind_report(k, stats.kind(k), elapsed))
        .collect();
    let requests = kinds.iter().map(|k| k.requests).sum();
    let errors = kinds.iter().map(|k| k.errors).sum();

    let redirects = stats.kind(Kind::Redirect);
    let [hit, miss, stale] = [CacheAnswer::Hit, CacheAnswer::Miss, CacheAnswer::Stale].map(|a| redirects.cache(a));
    let resolved = hit + miss + stale;
    let hit_ratio = (resolved > 0).then(|| share(hit, resolved));
    let edge_hit_ratio = (redirects.requests() > 0).then(|| share(redirects.edge_hits(), redirects.requests()));

    let unknown = stats.kind(Kind::Miss);
    let negative_caching = (unknown.requests() > 0).then(|| {
        let reached = unknown.requests() - unknown.edge_hits();
        let repeated_reads = stats.repeated_reads();
        NegativeCaching {
            distinct_ids: stats.distinct_unknown(),
            store_reads: unknown.cache(CacheAnswer::Miss),
            repeated_reads,
            negative_share: share(unknown.cache(CacheAnswer::Negative), reached),
            ok: repeated_reads == 0,
        }
    });

    let redirect_projection = (redirects.requests() > 0).then(|| {
        let measure = RedirectMeasure {
            edge_hit_share: edge_hit_ratio.unwrap_or(0.0),
            store_read_share: share(miss, resolved.max(1)),
            billed_ms: settings.resolver_billed_ms.unwrap_or_else(|| redirects.latency.mean_billed_millis()),
            response_bytes: redirects.mean_response_bytes(),
        };
        let report = RedirectMeasureReport {
            edge_hit_share: measure.edge_hit_share,
            store_read_share: measure.store_read_share,
            billed_ms: measure.billed_ms,
            billed_ms_measured: settings.resolver_billed_ms.is_none(),
            response_bytes: measure.response_bytes,
        };
        (report, per_million_redirects(prices, &measure))
    });
    let creates = stats.kind(Kind::Create);
    let create_projection = (creates.requests() > 0).then(|| {
        let measure = CreateMeasure {
            billed_ms: settings.api_billed_ms.unwrap_or_else(|| creates.latency.mean_billed_millis()),
            request_bytes: creates.mean_request_bytes(),
            response_bytes: creates.mean_response_bytes(),
        };
        let report = CreateMeasureReport {
            billed_ms: measure.billed_ms,
            billed_ms_measured: settings.api_billed_ms.is_none(),
            request_bytes: measure.request_bytes,
            response_bytes: measure.response_bytes,
        };
        (report, per_million_creates(prices, &measure))
    });

    let ok = errors == 0 && negative_caching.as_ref().is_none_or(|n| n.ok) && propagation.as_ref().is_none_or(|p| p.ok);
    Report {
        host: settings.host.clone(),
        elapsed_s: elapsed,
        max_users: settings.max_users,
        requests,
        rps: per_second(requests, elapsed),
        errors,
        kinds,
        hit_ratio,
        edge_hit_ratio,
        negative_caching,
        propagation,
        click_counts: None,
        projection: Projection {
            click_counting: redirect_projection.is_some().then(|| per_million_clicks_counted(prices)),
            per_million_redirects: redirect_projection,
            per_million_creates: create_projection,
        },
        prices: format!("{}, {}, checked {}", prices.region, prices.currency, prices.checked),
        ok,
    }
}

fn ms(micros: u64) -> String {
    format!("{:.2}", micros as f64 / 1000.0)
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn bill_lines(out: &mut String, title: &str, basis: &str, bill: &Bill, currency: &str) {
    let _ = writeln!(out, "  {title}: {:.4} {currency}  ({basis})", bill.total());
    for line in &bill.lines {
        let _ = writeln!(out, "    {:<26} {:>10.4}  {}", line.item, line.cost, line.basis);
    }
}

/// The summary as text.
pub fn render(report: &Report, currency: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "=== shortener load test summary: {} ===", report.host);
    let _ = writeln!(
        out,
        "{} requests in {:.1} s with up to {} users: {:.0} req/s, {} errors",
        report.requests, report.elapsed_s, report.max_users, report.rps, report.errors
    );
    let _ = writeln!(
        out,
        "{:<9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}  statuses",
        "kind", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"
    );
    for k in &report.kinds {
        let statuses: Vec<String> =
            k.statuses.iter().map(|(s, n)| if *s == 0 { format!("none:{n}") } else { format!("{s}:{n}") }).collect();
        let _ = writeln!(
            out,
            "{:<9} {:>9} {:>9.0} {:>9} {:>9} {:>9} {:>9} {:>7}  {}",
            k.kind,
            k.requests,
            k.rps,
            ms(k.p50_us),
            ms(k.p95_us),
            ms(k.p99_us),
            ms(k.max_us),
            k.errors,
            statuses.join(" ")
        );
        for (reason, n) in &k.failures {
            let _ = writeln!(out, "  error: {n} x {reason}");
        }
    }
    for k in &report.kinds {
        if !matches!(k.kind, "create" | "edit") && !k.cache.is_empty() {
            let cache: Vec<String> = k.cache.iter().map(|(a, n)| format!("{a} {n}")).collect();
            let _ = writeln!(out, "x-shortener-cache on {}: {}", k.kind, cache.join(", "));
        }
    }
    match report.hit_ratio {
        Some(ratio) => {
            let _ = writeln!(out, "resolver cache hit ratio (redirects): {}", percent(ratio));
        }
        None if report.kinds.iter().any(|k| k.kind == "redirect") => {
            let _ = writeln!(out, "resolver cache hit ratio: no x-shortener-cache header seen");
        }
        None => {}
    }
    if let Some(edge) = report.edge_hit_ratio {
        let _ = writeln!(
            out,
            "CloudFront edge hits (x-cache): {}{}",
            percent(edge),
            if edge == 0.0 { " (none seen: every redirect counted as reaching the Lambda)" } else { "" }
        );
    }
    if let Some(n) = &report.negative_caching {
        let _ = writeln!(
            out,
            "negative caching: {} distinct unknown IDs, {} store reads, {} within the negative TTL, {} answered negative: {}",
            n.distinct_ids,
            n.store_reads,
            n.repeated_reads,
            percent(n.negative_share),
            if n.ok { "ok" } else { "FAILED, unknown IDs keep reaching the store" }
        );
    }
    if let Some(p) = &report.propagation {
        let _ = writeln!(
            out,
            "propagation of edits: {} acknowledged on {} hot links, {} clicks on them checked, {} saw a target replaced at least {} s before they began: {}",
            p.edits_acknowledged,
            p.edited_links,
            p.clicks_checked,
            p.stale_clicks,
            p.bound_s,
            if p.ok { "ok" } else { "FAILED, an edit did not reach a click within the bound" }
        );
    }
    if let Some(c) = &report.click_counts {
        let _ = writeln!(out, "{}", click_counts_lines(c));
    }
    let _ = writeln!(out, "projected AWS bill ({}; free tiers left out):", report.prices);
    if let Some((m, bill)) = &report.projection.per_million_redirects {
        let basis = format!(
            "edge hits {}, store reads {} of Lambda answers, {:.2} ms billed {}, {:.0} bytes",
            percent(m.edge_hit_share),
            percent(m.store_read_share),
            m.billed_ms,
            if m.billed_ms_measured { "(measured latency)" } else { "(given)" },
            m.response_bytes
        );
        bill_lines(&mut out, "per 1M redirects", &basis, bill, currency);
        if let Some(counting) = &report.projection.click_counting {
            bill_lines(
                &mut out,
                "counting their clicks",
                "from the access logs, whatever the edge hit ratio",
                counting,
                currency,
            );
            let _ = writeln!(
                out,
                "  per 1M redirects with click counting: {:.4} {currency} (without: {:.4})",
                bill.total() + counting.total(),
                bill.total()
            );
        }
    }
    if let Some((m, bill)) = &report.projection.per_million_creates {
        let basis = format!(
            "{:.2} ms billed {}, {:.0} bytes in, {:.0} bytes out",
            m.billed_ms,
            if m.billed_ms_measured { "(measured latency)" } else { "(given)" },
            m.request_bytes,
            m.response_bytes
        );
        bill_lines(&mut out, "per 1M creates", &basis, bill, currency);
    }
    if report.projection.per_million_redirects.is_none() || report.projection.per_million_creates.is_none() {
        let _ = writeln!(out, "  (the mixed scenario measures both redirects and creates)");
    }
    let _ = writeln!(out, "result: {}", if report.ok { "PASS" } else { "FAIL" });
    out
}

fn figures(check: &ClickCheck) -> String {
    let figures: Vec<String> =
        check.figures.iter().map(|f| format!("{} sent {}, counted {}", f.figure, f.sent, f.counted)).collect();
    figures.join("; ")
}

fn click_counts_verdict(check: &ClickCheck) -> String {
    if check.ok {
        return "ok".to_owned();
    }
    let mut why = Vec::new();
    if check.links_off > 0 {
        why.push(format!("{} links counted other than they were sent", check.links_off));
    }
    if check.links_unread > 0 {
        why.push(format!("{} links' counts could not be read", check.links_unread));
    }
    if !check.counted_past_run_end {
        why.push("counting had not reached the run's end".to_owned());
    }
    format!("FAILED, {}", why.join(", "))
}

fn click_counts_lines(check: &ClickCheck) -> String {
    format!(
        "click counts of {} links, read {:.1} s after the run, countedUntil {}{}: {}\n  {}; {} clicks got no answer",
        check.links,
        check.waited_s,
        check.counted_until.as_deref().unwrap_or("none"),
        if check.counted_past_run_end { " (past the run's end)" } else { " (before the run's end)" },
        click_counts_verdict(check),
        figures(check),
        check.unanswered,
    )
}

/// The click-count check as a Markdown section, for the end of goose's Markdown report.
pub fn click_counts_markdown(check: &ClickCheck) -> String {
    let mut out = String::from("\n## Click counts\n\n| figure | sent | counted |\n| --- | ---: | ---: |\n");
    for f in &check.figures {
        let _ = writeln!(out, "| {} | {} | {} |", f.figure, f.sent, f.counted);
    }
    let _ = writeln!(
        out,
        "\n{} links read through `GET /api/links/{{id}}/stats` {:.1} s after the run; `countedUntil` {}{}; \
         the load test's clicks belong under `{}`; {} clicks got no answer (each may or may not be counted). \
         Result: {}.",
        check.links,
        check.waited_s,
        check.counted_until.as_deref().unwrap_or("none"),
        if check.counted_past_run_end { ", past the run's end" } else { ", before the run's end" },
        check.expected_under,
        check.unanswered,
        click_counts_verdict(check)
    );
    out
}

/// Refuses goose's HTML reports before the run: goose's HTML loads its charting script (echarts) from a public
/// CDN, so offline its charts are blank and opening it fetches third-party JavaScript. The figures are in the
/// summary and in goose's Markdown and JSON reports, which load nothing.
///
/// `report_files` are goose's `--report-file` values (goose's run-folder marker for one given without a path,
/// which writes `report.html`); `print_html` is its `--pdf-print-html`.
pub fn refuse_html_reports(report_files: &[String], print_html: Option<&str>) -> Result<(), String> {
    const WHY: &str = "goose's HTML reports load their charts from a public CDN; write .md or .json reports instead";
    if let Some(file) = print_html {
        return Err(format!("--pdf-print-html {file}: {WHY}"));
    }
    for file in report_files {
        if file == goose::config::RUN_FOLDER {
            return Err(format!("--report-file without a path writes report.html: {WHY}"));
        }
        let name = file.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".html") || name.ends_with(".htm") {
            return Err(format!("--report-file {file}: {WHY}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Observation, RunStats};

    fn settings() -> ReportSettings {
        ReportSettings {
            host: "http://127.0.0.1:8080".into(),
            max_users: 2,
            resolver_billed_ms: None,
            api_billed_ms: None,
        }
    }

    fn answer(status: u16, cache: CacheAnswer) -> Observation {
        Observation { status: Some(status), micros: 0, cache, edge_hit: false, request_bytes: 50, response_bytes: 300 }
    }

    #[test]
    fn hit_ratio_counts_only_redirects_that_reached_the_resolver() {
        let stats = RunStats::new(0);
        for cache in [CacheAnswer::Hit, CacheAnswer::Hit, CacheAnswer::Hit, CacheAnswer::Miss] {
            stats.finish(Kind::Redirect, stats.start(), answer(301, cache), None);
        }
        let report = build(&stats, &settings(), &PriceTable::committed(), None);
        assert_eq!(report.hit_ratio, Some(0.75));
        assert!(report.ok);
        let (measure, bill) = report.projection.per_million_redirects.as_ref().expect("no projection");
        assert!((measure.store_read_share - 0.25).abs() < 1e-9);
        assert!(bill.total() > 0.0);
        assert!(report.projection.per_million_creates.is_none());
        let counting = report.projection.click_counting.as_ref().expect("no counting projection").total();
        let text = render(&report, "USD");
        assert!(text.contains("result: PASS"));
        let with = format!(
            "per 1M redirects with click counting: {:.4} USD (without: {:.4})",
            bill.total() + counting,
            bill.total()
        );
        assert!(text.contains(&with), "{text}");
    }

    #[test]
    fn an_error_fails_the_run() {
        let stats = RunStats::new(0);
        stats.finish(Kind::Create, stats.start(), answer(503, CacheAnswer::Absent), Some("status 503, expected 201"));
        let report = build(&stats, &settings(), &PriceTable::committed(), None);
        assert!(!report.ok);
        let text = render(&report, "USD");
        assert!(text.contains("1 x status 503, expected 201") && text.contains("result: FAIL"), "{text}");
    }

    #[test]
    fn unknown_ids_that_keep_reaching_the_store_fail_the_run() {
        let stats = RunStats::new(1);
        let ttl = std::time::Duration::from_secs(60);
        stats.saw_unknown(0);
        let first = stats.start();
        assert!(stats.unknown_read(0, first, std::time::Instant::now(), ttl, 1));
        stats.finish(Kind::Miss, first, answer(404, CacheAnswer::Miss), None);
        stats.finish(Kind::Miss, stats.start(), answer(404, CacheAnswer::Negative), None);
        let report = build(&stats, &settings(), &PriceTable::committed(), None);
        assert!(report.ok && report.negative_caching.as_ref().is_some_and(|n| n.store_reads == 1), "{report:?}");
        let again = stats.start();
        assert!(!stats.unknown_read(0, again, std::time::Instant::now(), ttl, 1));
        let report = build(&stats, &settings(), &PriceTable::committed(), None);
        assert!(!report.ok, "a second read within the negative TTL");
    }

    #[test]
    fn a_click_that_saw_an_edit_late_fails_the_run() {
        let stats = RunStats::new(0);
        stats.finish(Kind::Edit, stats.start(), answer(200, CacheAnswer::Absent), None);
        let late = Propagation {
            bound_s: 0.0,
            edited_links: 10,
            edits_acknowledged: 1,
            clicks_checked: 40,
            stale_clicks: 1,
            ok: false,
        };
        let report = build(&stats, &settings(), &PriceTable::committed(), Some(late));
        assert!(!report.ok);
        let text = render(&report, "USD");
        assert!(text.contains("1 saw a target replaced at least 0 s before they began: FAILED"), "{text}");
        assert!(!text.contains("x-shortener-cache on edit"), "the API has no resolver cache: {text}");
    }

    #[test]
    fn click_counts_other_than_the_clicks_sent_fail_the_run() {
        use crate::clicks::{Counts, Observation, judge};
        let stats = RunStats::new(0);
        stats.finish(Kind::Redirect, stats.start(), answer(301, CacheAnswer::Hit), None);
        let run_end = time::macros::datetime!(2026-11-30 10:00:05 UTC);
        let after = |clicks| Counts { clicks, bots: 0, counted_until: Some(run_end + time::Duration::SECOND) };
        let link = |counted| Observation {
            before: Counts::default(),
            after: Some(after(counted)),
            answered: 1,
            unanswered: 0,
        };
        let waited = std::time::Duration::from_secs(2);
        let counted = build(&stats, &settings(), &PriceTable::committed(), None).with_click_counts(judge(
            &[link(1)],
            run_end,
            waited,
        ));
        assert!(counted.ok);
        let text = render(&counted, "USD");
        assert!(text.contains("clicks sent 1, counted 1; bots sent 0, counted 0; 0 clicks got no answer"), "{text}");
        let short = build(&stats, &settings(), &PriceTable::committed(), None).with_click_counts(judge(
            &[link(0)],
            run_end,
            waited,
        ));
        assert!(!short.ok);
        let text = render(&short, "USD");
        assert!(text.contains("(past the run's end): FAILED, 1 links counted other than they were sent"), "{text}");
        assert!(text.contains("result: FAIL"), "{text}");
        let markdown = click_counts_markdown(short.click_counts.as_ref().unwrap());
        assert!(markdown.contains("| clicks | 1 | 0 |") && markdown.contains("Result: FAILED"), "{markdown}");
    }

    #[test]
    fn html_reports_are_refused_and_markdown_and_json_allowed() {
        let files = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect::<Vec<_>>();
        assert_eq!(refuse_html_reports(&files(&["report.md", "report.json", "report.json.gz"]), None), Ok(()));
        for html in ["report.html", "REPORT.HTM", "report.html.gz", goose::config::RUN_FOLDER] {
            assert!(refuse_html_reports(&files(&["report.md", html]), None).is_err(), "{html:?}");
        }
        assert!(refuse_html_reports(&[], Some("print.html")).is_err());
    }
}
