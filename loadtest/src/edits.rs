//! The `edit` kind's ledger: every target a hot link has had, when the edit that set it was sent and when it was
//! acknowledged, so that each click on the link can be judged against the propagation bound while many users
//! click and edit at once.
//!
//! A click that started `bound` or more after an edit was acknowledged must see that edit's target or a later
//! one; a click that started earlier may still see the target before it. A later edit that was already sent when
//! the click was answered may have been written before the click was read, so its target passes too. One edit
//! per link is in flight at a time, so a link's targets form one sequence.

use std::{
    collections::VecDeque,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};

use crate::links::SavedLink;

/// Why a click on an edited link broke the bound.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClickError {
    /// It saw a target that an edit acknowledged at least the bound before the click began had replaced.
    #[error("a click after an acknowledged edit, beyond the propagation bound, saw the old target")]
    Stale,
    /// It saw a target the link never had.
    #[error("Location is not the link's URL")]
    Unknown,
}

/// Why an edit's answer is not what the contract promises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditCheckError {
    /// Not `200`.
    #[error("status {0}, expected 200")]
    Status(u16),
    /// The body is not the JSON of the link.
    #[error("body is not the edited link: {0}")]
    Body(String),
    /// The answer names another link or another target.
    #[error("the edited link is not {0} with the new url")]
    Link(String),
}

/// The part of a `200` body an edit checks.
#[derive(Debug, Deserialize)]
struct Edited {
    id: String,
    url: String,
}

/// Checks an edit's status and body: `200`, the link's own ID and the target just set.
pub fn check_edited(status: u16, body: &[u8], id: &str, target: &str) -> Result<(), EditCheckError> {
    if status != 200 {
        return Err(EditCheckError::Status(status));
    }
    let edited: Edited = serde_json::from_slice(body).map_err(|e| EditCheckError::Body(e.to_string()))?;
    if edited.id == id && edited.url == target { Ok(()) } else { Err(EditCheckError::Link(id.to_owned())) }
}

/// One target of a link.
#[derive(Debug)]
struct Version {
    target: String,
    sent: Instant,
    /// `None` while in flight, and for an edit that got no good answer (it may or may not have been written).
    acknowledged: Option<Instant>,
}

#[derive(Debug)]
struct History {
    editing: bool,
    versions: VecDeque<Version>,
}

/// What the edits and the clicks on edited links came to.
#[derive(Debug, Clone, Serialize)]
pub struct Propagation {
    /// The bound, in seconds.
    pub bound_s: f64,
    /// Links that edits may change (the most popular ones holding a manage token).
    pub edited_links: usize,
    /// Edits answered `200`.
    pub edits_acknowledged: u64,
    /// Clicks on those links judged against the ledger.
    pub clicks_checked: u64,
    /// Clicks that saw a target replaced by an edit acknowledged at least the bound before they began.
    pub stale_clicks: u64,
    /// No stale click.
    pub ok: bool,
}

/// The targets of the links edits may change; the other links keep the target they were created with.
#[derive(Debug)]
pub struct EditLedger {
    links: Vec<Option<Mutex<History>>>,
    bound: Duration,
    keep: Duration,
    acknowledged: AtomicU64,
    checked: AtomicU64,
    stale: AtomicU64,
}

/// An edit in flight: acknowledge it once its `200` is read; dropped without that, it counts as unanswered.
#[derive(Debug)]
pub struct Ticket<'a> {
    ledger: &'a EditLedger,
    index: usize,
    done: bool,
}

impl EditLedger {
    /// A ledger for the first `hot` links (the most popular ranks) that hold a manage token, each starting at the
    /// target it was created with. `bound` is the propagation bound; `timeout` the longest a click may take.
    pub fn new(links: &[SavedLink], hot: usize, bound: Duration, timeout: Duration) -> Self {
        let created = Instant::now();
        let links = links
            .iter()
            .take(hot)
            .map(|link| {
                link.manage_token.as_ref().map(|_| {
                    let first = Version { target: link.url.clone(), sent: created, acknowledged: Some(created) };
                    Mutex::new(History { editing: false, versions: VecDeque::from([first]) })
                })
            })
            .collect();
        Self {
            links,
            bound,
            keep: timeout + bound + Duration::from_secs(1),
            acknowledged: AtomicU64::new(0),
            checked: AtomicU64::new(0),
            stale: AtomicU64::new(0),
        }
    }

    /// How many links edits may change.
    pub fn editable(&self) -> usize {
        self.links.iter().flatten().count()
    }

    /// Starts an edit of the first editable link from `draw` on (wrapping) that has none in flight, to `target`
    /// (a URL no link had before); `None` when every editable link is being edited. Returns the link's index.
    pub fn begin(&self, draw: usize, target: &str) -> Option<(usize, Ticket<'_>)> {
        let n = self.links.len();
        (0..n).map(|k| (draw + k) % n.max(1)).find_map(|index| {
            let mut history = lock(self.links[index].as_ref()?);
            if history.editing {
                return None;
            }
            history.editing = true;
            history.versions.push_back(Version { target: target.to_owned(), sent: Instant::now(), acknowledged: None });
            Some((index, Ticket { ledger: self, index, done: false }))
        })
    }

    fn end(&self, index: usize, acknowledged: Option<Instant>) {
        let Some(Some(history)) = self.links.get(index) else { return };
        let mut history = lock(history);
        history.editing = false;
        if let Some(at) = acknowledged {
            if let Some(last) = history.versions.back_mut() {
                last.acknowledged = Some(at);
            }
            self.acknowledged.fetch_add(1, Ordering::Relaxed);
            // A click in progress began after `at - keep`, so the last version acknowledged before that is the
            // oldest any of them can be held to.
            if let Some(horizon) = at.checked_sub(self.keep) {
                let floor = history.versions.iter().rposition(|v| v.acknowledged.is_some_and(|a| a <= horizon));
                history.versions.drain(..floor.unwrap_or(0));
            }
        }
    }

    /// Judges a click on link `index` that began at `started`, was answered at `ended` and was sent to
    /// `location`; `None` when edits never change that link.
    pub fn check(
        &self,
        index: usize,
        location: &str,
        started: Instant,
        ended: Instant,
    ) -> Option<Result<(), ClickError>> {
        let history = lock(self.links.get(index)?.as_ref()?);
        self.checked.fetch_add(1, Ordering::Relaxed);
        let versions = &history.versions;
        let floor =
            versions.iter().rposition(|v| v.acknowledged.is_some_and(|a| a + self.bound <= started)).unwrap_or(0);
        let allowed = versions.iter().skip(floor).take_while(|v| v.sent <= ended);
        let result = if allowed.clone().any(|v| v.target == location) {
            Ok(())
        } else if versions.iter().take(floor).any(|v| v.target == location) {
            self.stale.fetch_add(1, Ordering::Relaxed);
            Err(ClickError::Stale)
        } else {
            Err(ClickError::Unknown)
        };
        Some(result)
    }

    /// The figures for the summary; `None` when no edit was acknowledged and none was tried.
    pub fn propagation(&self) -> Option<Propagation> {
        let edits_acknowledged = self.acknowledged.load(Ordering::Relaxed);
        let tried = self.links.iter().flatten().any(|h| lock(h).versions.len() > 1);
        (edits_acknowledged > 0 || tried).then(|| {
            let stale_clicks = self.stale.load(Ordering::Relaxed);
            Propagation {
                bound_s: self.bound.as_secs_f64(),
                edited_links: self.editable(),
                edits_acknowledged,
                clicks_checked: self.checked.load(Ordering::Relaxed),
                stale_clicks,
                ok: stale_clicks == 0,
            }
        })
    }
}

impl Ticket<'_> {
    /// The edit was answered `200` at `at`: from `at + bound` on, every click must see its target or a later one.
    pub fn acknowledge(mut self, at: Instant) {
        self.done = true;
        self.ledger.end(self.index, Some(at));
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.ledger.end(self.index, None);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUND: Duration = Duration::from_secs(2);

    fn ledger(bound: Duration) -> EditLedger {
        let link = |id: &str, token: Option<&str>| SavedLink {
            id: id.into(),
            url: format!("https://example.com/{id}"),
            manage_token: token.map(str::to_owned),
        };
        let links = [link("aaaaaaa", Some("t1")), link("bbbbbbb", None), link("ccccccc", Some("t3"))];
        EditLedger::new(&links, 2, bound, Duration::from_secs(10))
    }

    #[test]
    fn only_hot_links_with_a_token_are_edited_one_edit_at_a_time() {
        let ledger = ledger(BOUND);
        assert_eq!(ledger.editable(), 1, "the second link has no token, the third is not among the hot ones");
        let (index, first) = ledger.begin(1, "https://example.com/v1").unwrap();
        assert_eq!(index, 0);
        assert!(ledger.begin(0, "https://example.com/v2").is_none(), "the link is being edited");
        drop(first);
        assert!(ledger.begin(0, "https://example.com/v2").is_some(), "an unanswered edit frees the link");
        assert!(ledger.check(1, "https://example.com/bbbbbbb", Instant::now(), Instant::now()).is_none());
    }

    #[test]
    fn a_click_begun_the_bound_after_the_acknowledgement_must_see_the_new_target() {
        let ledger = ledger(BOUND);
        let (_, ticket) = ledger.begin(0, "https://example.com/v1").unwrap();
        let acked = Instant::now();
        ticket.acknowledge(acked);
        let (old, new) = ("https://example.com/aaaaaaa", "https://example.com/v1");
        let check = |location, started: Instant| ledger.check(0, location, started, started + Duration::from_millis(5));
        assert_eq!(check(old, acked + Duration::from_millis(1999)), Some(Ok(())), "within the bound");
        assert_eq!(check(new, acked + Duration::from_millis(1)), Some(Ok(())));
        assert_eq!(check(old, acked + BOUND), Some(Err(ClickError::Stale)));
        assert_eq!(check(new, acked + BOUND), Some(Ok(())));
        assert_eq!(check("https://example.com/never", acked), Some(Err(ClickError::Unknown)));
        let summary = ledger.propagation().unwrap();
        assert_eq!((summary.edits_acknowledged, summary.clicks_checked, summary.stale_clicks), (1, 5, 1));
        assert!(!summary.ok);
    }

    #[test]
    fn with_no_bound_the_very_next_click_must_see_the_new_target_and_one_under_way_may_see_either() {
        let ledger = ledger(Duration::ZERO);
        let (old, new) = ("https://example.com/aaaaaaa", "https://example.com/v1");
        let before = Instant::now();
        let (_, ticket) = ledger.begin(0, new).unwrap();
        let sent = Instant::now();
        assert_eq!(ledger.check(0, new, before, sent), Some(Ok(())), "the edit was sent before the click was answered");
        assert_eq!(ledger.check(0, old, before, sent), Some(Ok(())), "not acknowledged yet");
        let acked = Instant::now();
        ticket.acknowledge(acked);
        assert_eq!(ledger.check(0, old, before, acked), Some(Ok(())), "begun before the acknowledgement");
        assert_eq!(ledger.check(0, old, acked, Instant::now()), Some(Err(ClickError::Stale)));
        assert_eq!(ledger.check(0, new, acked, Instant::now()), Some(Ok(())));
    }

    #[test]
    fn a_target_of_an_edit_sent_after_the_click_was_answered_does_not_pass() {
        let ledger = ledger(BOUND);
        let answered = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        let (_, _ticket) = ledger.begin(0, "https://example.com/v1").unwrap();
        assert_eq!(
            ledger.check(0, "https://example.com/v1", answered - Duration::from_millis(1), answered),
            Some(Err(ClickError::Unknown))
        );
    }

    #[test]
    fn old_versions_no_click_in_progress_can_be_held_to_are_dropped() {
        let ledger = ledger(Duration::ZERO);
        let start = Instant::now();
        for n in 1..=3 {
            let (_, ticket) = ledger.begin(0, &format!("https://example.com/v{n}")).unwrap();
            ticket.acknowledge(start + Duration::from_secs(20 * n));
        }
        let kept = lock(ledger.links[0].as_ref().unwrap()).versions.len();
        assert_eq!(kept, 2, "v3 and v2, the one a click begun 11 s before v3's acknowledgement is held to");
        let late = start + Duration::from_secs(60);
        assert_eq!(ledger.check(0, "https://example.com/v2", late, late), Some(Err(ClickError::Stale)));
    }

    #[test]
    fn an_edit_answer_names_the_link_and_its_new_target() {
        let body = br#"{"id":"aaaaaaa","url":"https://example.com/v1","state":"active"}"#;
        assert_eq!(check_edited(200, body, "aaaaaaa", "https://example.com/v1"), Ok(()));
        assert_eq!(check_edited(409, body, "aaaaaaa", "https://example.com/v1"), Err(EditCheckError::Status(409)));
        assert!(matches!(check_edited(200, b"{}", "aaaaaaa", "x"), Err(EditCheckError::Body(_))));
        assert!(matches!(check_edited(200, body, "aaaaaaa", "https://example.com/v2"), Err(EditCheckError::Link(_))));
    }
}
