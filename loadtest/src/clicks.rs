//! The click-count check: how many clicks the run sent each link, by the rules the shortener counts clicks with,
//! and whether `GET /api/links/{id}/stats` reports as many once the access logs holding them have been counted.
//!
//! A click, as [`LogLine::click`](shortener_domain::clicks::LogLine::click) counts it, is a `GET /{id}` answered
//! with a redirect status; the run's only such requests are the `redirect` kind's (including those of `edit`
//! users that found every hot link busy) and the warm-up's. Misses (404), creates, edits and the stats reads
//! themselves are not clicks. Whether they land under `clicks` or `bots` is decided by the load test's user agent
//! against the same [`BOT_AGENTS`](shortener_domain::clicks::BOT_AGENTS) list, so the check expects them under
//! the figure the shortener must put them in, and nothing under the other.
//!
//! A request that got no answer (a timeout, a dropped connection) may have been answered and logged anyway, so
//! it widens what a link may be counted: from the clicks answered to those plus the unanswered ones.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use shortener_domain::clicks::{REDIRECT_STATUSES, is_bot};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{links::SavedLink, scenarios::USER_AGENT};

/// The two figures a stats read reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Clicks by viewers.
    Clicks,
    /// Clicks by crawlers and link-preview fetchers.
    Bots,
}

impl Figure {
    /// The figure the load test's own clicks are counted under: `bots` if its user agent is on the bot list.
    pub fn of_load_test() -> Self {
        if is_bot(USER_AGENT) { Self::Bots } else { Self::Clicks }
    }

    /// The name the stats JSON gives it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Clicks => "clicks",
            Self::Bots => "bots",
        }
    }

    fn of(self, counts: &Counts) -> u64 {
        match self {
            Self::Clicks => counts.clicks,
            Self::Bots => counts.bots,
        }
    }
}

/// The part of a `GET /api/links/{id}/stats` answer the check reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Clicks by viewers over the last 90 days.
    pub clicks: u64,
    /// Clicks by crawlers and link-preview fetchers over the last 90 days.
    pub bots: u64,
    /// The newest request time of any log counted so far; `None` before the first.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub counted_until: Option<OffsetDateTime>,
}

/// Why a stats read failed.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// No answer.
    #[error("GET {url}: {source}")]
    Request {
        /// The stats URL.
        url: String,
        /// What reqwest reported.
        source: reqwest::Error,
    },
    /// An answer other than `200`.
    #[error("GET {url} answered {status}")]
    Status {
        /// The stats URL.
        url: String,
        /// Its status.
        status: u16,
    },
    /// A `200` whose body is not the stats of a link.
    #[error("GET {url}: not the stats of a link: {source}")]
    Body {
        /// The stats URL.
        url: String,
        /// What serde reported.
        source: serde_json::Error,
    },
    /// The check is on but no link holds a manage token, which the stats read needs.
    #[error("the click-count check reads each link's stats with its manage token, and none of the links has one")]
    NoTokens,
}

/// Clicks sent to each link: answered with a redirect, and sent without an answer.
#[derive(Debug)]
pub struct ClickLedger {
    links: Box<[Sent]>,
}

#[derive(Debug, Default)]
struct Sent {
    answered: AtomicU64,
    unanswered: AtomicU64,
}

impl ClickLedger {
    /// A ledger for `links` links, none clicked yet.
    pub fn new(links: usize) -> Self {
        Self { links: (0..links).map(|_| Sent::default()).collect() }
    }

    /// Notes a `GET /{id}` of link `index`, answered with `status`, or `None` when no answer was read.
    pub fn record(&self, index: usize, status: Option<u16>) {
        let Some(sent) = self.links.get(index) else { return };
        match status {
            Some(status) if REDIRECT_STATUSES.contains(&status) => sent.answered.fetch_add(1, Ordering::Relaxed),
            Some(_) => return,
            None => sent.unanswered.fetch_add(1, Ordering::Relaxed),
        };
    }

    /// Clicks on link `index` answered with a redirect, and requests that got no answer.
    pub fn sent(&self, index: usize) -> (u64, u64) {
        self.links
            .get(index)
            .map_or((0, 0), |sent| (sent.answered.load(Ordering::Relaxed), sent.unanswered.load(Ordering::Relaxed)))
    }
}

/// A link the check watches: its place in the run's link list and its counts before the run.
#[derive(Debug, Clone)]
pub struct Watched {
    index: usize,
    id: String,
    token: String,
    before: Counts,
}

/// Where to read the counts and how long to wait for them.
#[derive(Debug, Clone)]
pub struct CountReader {
    /// Client for the reads (the run's user agent, no redirects).
    pub client: reqwest::Client,
    /// The target, without a trailing `/`.
    pub host: String,
    /// Reads in flight at once.
    pub concurrency: usize,
}

impl CountReader {
    /// `GET /api/links/{id}/stats` with the link's manage token.
    pub async fn read(&self, id: &str, token: &str) -> Result<Counts, StatsError> {
        let url = format!("{}/api/links/{id}/stats", self.host);
        let unanswered = |source| StatsError::Request { url: url.clone(), source };
        let response = self.client.get(&url).bearer_auth(token).send().await.map_err(unanswered)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(unanswered)?;
        if status != 200 {
            return Err(StatsError::Status { url, status });
        }
        serde_json::from_slice(&body).map_err(|source| StatsError::Body { url, source })
    }

    /// The counts of every link that holds a manage token, before the run (links an earlier run clicked already
    /// have counts, so the check compares what they gain). Fails on the first read that fails: a check that
    /// cannot read the counts before the run could not after it either.
    pub async fn baseline(&self, links: &[SavedLink]) -> Result<Vec<Watched>, StatsError> {
        let tokened: Vec<(usize, &SavedLink, &str)> = links
            .iter()
            .enumerate()
            .filter_map(|(index, link)| Some((index, link, link.manage_token.as_deref()?)))
            .collect();
        if tokened.is_empty() {
            return Err(StatsError::NoTokens);
        }
        futures::stream::iter(tokened)
            .map(|(index, link, token)| async move {
                let before = self.read(&link.id, token).await?;
                Ok(Watched { index, id: link.id.clone(), token: token.to_owned(), before })
            })
            .buffered(self.concurrency.max(1))
            .collect::<Vec<Result<Watched, StatsError>>>()
            .await
            .into_iter()
            .collect()
    }

    /// Reads the counts of the `watched` links after a run that ended at `run_end`, again every `poll`, until
    /// counting has passed the run's end and no link is counted fewer clicks than it was sent, or `wait` is over;
    /// then judges the last counts read against what `ledger` says was sent.
    pub async fn check(
        &self,
        watched: &[Watched],
        ledger: &ClickLedger,
        run_end: OffsetDateTime,
        wait: Duration,
        poll: Duration,
    ) -> ClickCheck {
        let started = Instant::now();
        let mut after: Vec<Option<Counts>> = vec![None; watched.len()];
        loop {
            let reads: Vec<Option<Counts>> = futures::stream::iter(watched)
                .map(|link| async move { self.read(&link.id, &link.token).await.ok() })
                .buffered(self.concurrency.max(1))
                .collect()
                .await;
            for (last, read) in after.iter_mut().zip(reads) {
                *last = read.or(*last);
            }
            let verdict = judge(&observations(watched, ledger, &after), run_end, started.elapsed());
            let left = wait.saturating_sub(started.elapsed());
            if verdict.settled || left.is_zero() {
                return verdict;
            }
            tokio::time::sleep(poll.min(left)).await;
        }
    }
}

/// One link's counts before and after the run, and what the run sent it.
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    /// Counts before the run.
    pub before: Counts,
    /// The last counts read after the run; `None` when no read succeeded.
    pub after: Option<Counts>,
    /// Clicks answered with a redirect.
    pub answered: u64,
    /// Requests that got no answer.
    pub unanswered: u64,
}

fn observations(watched: &[Watched], ledger: &ClickLedger, after: &[Option<Counts>]) -> Vec<Observation> {
    watched
        .iter()
        .zip(after)
        .map(|(link, after)| {
            let (answered, unanswered) = ledger.sent(link.index);
            Observation { before: link.before, after: *after, answered, unanswered }
        })
        .collect()
}

/// One figure summed over the watched links.
#[derive(Debug, Clone, Serialize)]
pub struct FigureCheck {
    /// `clicks` or `bots`.
    pub figure: &'static str,
    /// Clicks the run sent under this figure and saw answered with a redirect.
    pub sent: u64,
    /// What the figure grew by over the run, by the last counts read.
    pub counted: u64,
}

/// What the click-count check came to.
#[derive(Debug, Clone, Serialize)]
pub struct ClickCheck {
    /// Links whose counts were read (those holding a manage token).
    pub links: usize,
    /// The figure the load test's clicks belong in.
    pub expected_under: &'static str,
    /// Both figures, `clicks` then `bots`.
    pub figures: Vec<FigureCheck>,
    /// Clicks sent without an answer: each may or may not have been counted.
    pub unanswered: u64,
    /// Links counted fewer clicks than they were answered, or more than that plus their unanswered ones.
    pub links_off: usize,
    /// Links whose counts could not be read after the run.
    pub links_unread: usize,
    /// The newest request time counted, as the last read said (RFC 3339).
    pub counted_until: Option<String>,
    /// `countedUntil` is past the second the run ended in: every log line of the run has been counted, where
    /// files are counted in order (the local stack); CloudFront's may still arrive out of order.
    pub counted_past_run_end: bool,
    /// Seconds from the run's end to the last read.
    pub waited_s: f64,
    /// Nothing more to wait for: counting has passed the run's end and no link is counted short.
    pub settled: bool,
    /// Every link read and counted within what it was sent.
    pub ok: bool,
}

/// Judges the counts read against what was sent: each link's expected figure must have grown by at least its
/// answered clicks and at most those plus its unanswered ones, and the other figure not at all.
pub fn judge(links: &[Observation], run_end: OffsetDateTime, waited: Duration) -> ClickCheck {
    let expected = Figure::of_load_test();
    let bounds = |figure: Figure, link: &Observation| {
        if figure == expected { (link.answered, link.answered + link.unanswered) } else { (0, 0) }
    };
    let grown = |figure: Figure, link: &Observation| {
        link.after.map(|after| figure.of(&after).saturating_sub(figure.of(&link.before)))
    };
    let figures = [Figure::Clicks, Figure::Bots];
    let (mut links_off, mut links_unread, mut short) = (0, 0, false);
    for link in links {
        if link.after.is_none() {
            links_unread += 1;
            continue;
        }
        let within = figures.iter().all(|&figure| {
            let (low, high) = bounds(figure, link);
            let grown = grown(figure, link).unwrap_or_default();
            short |= grown < low;
            (low..=high).contains(&grown)
        });
        links_off += usize::from(!within);
    }
    let counted_until = links.iter().filter_map(|link| link.after?.counted_until).max();
    let counted_past_run_end = counted_until.is_some_and(|at| at.unix_timestamp() > run_end.unix_timestamp());
    let ok = links_off == 0 && links_unread == 0;
    ClickCheck {
        links: links.len(),
        expected_under: expected.name(),
        figures: figures
            .iter()
            .map(|&figure| FigureCheck {
                figure: figure.name(),
                sent: links.iter().map(|link| bounds(figure, link).0).sum(),
                counted: links.iter().filter_map(|link| grown(figure, link)).sum(),
            })
            .collect(),
        unanswered: links.iter().map(|link| link.unanswered).sum(),
        links_off,
        links_unread,
        counted_until: counted_until.and_then(|at| at.format(&Rfc3339).ok()),
        counted_past_run_end,
        waited_s: waited.as_secs_f64(),
        settled: counted_past_run_end && links_unread == 0 && !short,
        ok,
    }
}

/// How often to read the counts while waiting up to `wait`: some 60 rounds, 1 to 60 s apart, so a long wait
/// against a deployment does not read every link every second.
pub fn poll_interval(wait: Duration) -> Duration {
    (wait / 60).clamp(Duration::from_secs(1), Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const RUN_END: OffsetDateTime = datetime!(2026-11-30 10:00:05.700 UTC);

    fn counts(clicks: u64, bots: u64, counted_until: Option<OffsetDateTime>) -> Counts {
        Counts { clicks, bots, counted_until }
    }

    fn link(before: u64, after: Option<u64>, answered: u64, unanswered: u64) -> Observation {
        Observation {
            before: counts(before, 0, None),
            after: after.map(|clicks| counts(clicks, 0, Some(datetime!(2026-11-30 10:00:06 UTC)))),
            answered,
            unanswered,
        }
    }

    #[test]
    fn the_load_tests_clicks_are_viewers_clicks_by_the_bot_list() {
        assert_eq!(Figure::of_load_test(), Figure::Clicks, "{USER_AGENT} is not on the bot list");
    }

    #[test]
    fn only_redirect_answers_are_clicks_and_a_request_without_an_answer_is_noted_apart() {
        let ledger = ClickLedger::new(2);
        for status in [Some(301), Some(302), Some(307), Some(308), Some(404), Some(200), Some(503), None] {
            ledger.record(0, status);
        }
        ledger.record(7, Some(301));
        assert_eq!(ledger.sent(0), (4, 1));
        assert_eq!(ledger.sent(1), (0, 0));
    }

    #[test]
    fn counts_that_grew_by_the_clicks_sent_pass_once_counting_has_passed_the_run_end() {
        let check = judge(&[link(5, Some(15), 10, 0), link(0, Some(3), 3, 0)], RUN_END, Duration::from_secs(2));
        assert!(check.ok && check.settled, "{check:?}");
        assert_eq!((check.figures[0].sent, check.figures[0].counted), (13, 13));
        assert_eq!((check.figures[1].sent, check.figures[1].counted), (0, 0));
        assert_eq!(check.counted_until.as_deref(), Some("2026-11-30T10:00:06Z"));
    }

    #[test]
    fn a_link_counted_short_fails_and_keeps_the_wait_going() {
        let check = judge(&[link(0, Some(9), 10, 0), link(0, Some(3), 3, 0)], RUN_END, Duration::ZERO);
        assert!(!check.ok && !check.settled);
        assert_eq!(check.links_off, 1);
    }

    #[test]
    fn equal_totals_do_not_hide_a_link_counted_another_links_click() {
        let check = judge(&[link(0, Some(9), 10, 0), link(0, Some(4), 3, 0)], RUN_END, Duration::ZERO);
        assert_eq!((check.figures[0].sent, check.figures[0].counted), (13, 13));
        assert!(!check.ok);
        assert_eq!(check.links_off, 2);
    }

    #[test]
    fn unanswered_clicks_widen_what_a_link_may_be_counted_and_no_more() {
        for (counted, ok) in [(9, false), (10, true), (11, true), (12, true), (13, false)] {
            let check = judge(&[link(0, Some(counted), 10, 2)], RUN_END, Duration::ZERO);
            assert_eq!(check.ok, ok, "{counted} counted of 10 answered and 2 unanswered");
            assert_eq!(check.unanswered, 2);
        }
    }

    #[test]
    fn counts_under_the_other_figure_fail() {
        let mut bot = link(0, Some(10), 10, 0);
        bot.after = Some(counts(10, 1, Some(datetime!(2026-11-30 10:00:06 UTC))));
        let check = judge(&[bot], RUN_END, Duration::ZERO);
        assert!(!check.ok);
        assert_eq!(check.figures[1].counted, 1);
    }

    #[test]
    fn counting_that_has_not_passed_the_run_end_is_not_settled() {
        for at in [None, Some(datetime!(2026-11-30 10:00:05 UTC))] {
            let mut early = link(0, Some(10), 10, 0);
            early.after = Some(counts(10, 0, at));
            let check = judge(&[early], RUN_END, Duration::ZERO);
            assert!(check.ok && !check.settled, "{at:?}: lines of the run's last second may be in a later file");
        }
    }

    #[test]
    fn a_link_whose_counts_could_not_be_read_fails() {
        let check = judge(&[link(0, None, 10, 0)], RUN_END, Duration::ZERO);
        assert!(!check.ok && !check.settled);
        assert_eq!(check.links_unread, 1);
    }

    #[test]
    fn long_waits_read_less_often() {
        assert_eq!(poll_interval(Duration::from_secs(3)), Duration::from_secs(1));
        assert_eq!(poll_interval(Duration::from_secs(600)), Duration::from_secs(10));
        assert_eq!(poll_interval(Duration::from_secs(86_400)), Duration::from_secs(60));
    }
}
