//! Click counts from the edge's own access logs: CloudFront answers repeat clicks without running our code, so
//! the only place every click is seen is its standard (legacy) log. This module reads those W3C lines, decides
//! which of them are clicks of a short link, and adds them up per ID and UTC day ([`Tally`]), keeping nothing
//! about the viewer. The stores record a tally exactly once per log file ([`crate::store::ClickCounts`]).

use std::{borrow::Cow, collections::HashMap, fmt, io::BufRead, sync::LazyLock};

use aho_corasick::AhoCorasick;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::ShortId;

/// Days of counts a stats read covers, today included.
pub const STATS_DAYS: u16 = 90;

/// Day counts written in one store transaction (DynamoDB's `TransactWriteItems` takes 100 items: these and the
/// chunk's marker). Both stores cut a tally at the same places, so a retry finds the chunks it already applied.
pub const CHUNK_ITEMS: usize = 99;

/// User-agent fragments (compared in lowercase) of crawlers, link-preview fetchers and uptime checkers: a line
/// whose user agent holds one is counted under `bots`, not `clicks`. Specific names rather than a bare "bot",
/// which phone models such as Cubot carry in their user agents.
pub const BOT_AGENTS: &[&str] = &[
    "googlebot",
    "google-inspectiontool",
    "googleother",
    "adsbot-google",
    "mediapartners-google",
    "feedfetcher-google",
    "bingbot",
    "bingpreview",
    "msnbot",
    "slurp",
    "duckduckbot",
    "baiduspider",
    "yandexbot",
    "yandex.com/bots",
    "applebot",
    "petalbot",
    "sogou",
    "ahrefsbot",
    "semrushbot",
    "mj12bot",
    "dotbot",
    "bytespider",
    "gptbot",
    "chatgpt-user",
    "claudebot",
    "perplexitybot",
    "ccbot",
    "ia_archiver",
    "archive.org_bot",
    "facebookexternalhit",
    "facebookcatalog",
    "facebot",
    "meta-externalagent",
    "twitterbot",
    "linkedinbot",
    "slackbot",
    "slack-imgproxy",
    "discordbot",
    "telegrambot",
    "whatsapp",
    "skypeuripreview",
    "microsoftpreview",
    "pinterestbot",
    "redditbot",
    "embedly",
    "iframely",
    "vkshare",
    "mastodon",
    "bluesky",
    "cardyb",
    "line-poker",
    "kakaotalk-scrap",
    "google-pagerenderer",
    "uptimerobot",
    "pingdom",
    "statuscake",
    "site24x7",
    "headlesschrome",
    "crawler",
    "spider",
];

/// [`BOT_AGENTS`] as one automaton, so a user agent is searched for all of them in one pass.
static BOTS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(BOT_AGENTS)
        .unwrap_or_else(|error| unreachable!("BOT_AGENTS are plain strings: {error}"))
});

/// Whether `user_agent` is a crawler or link-preview fetcher of [`BOT_AGENTS`]. Works on the user agent as
/// CloudFront logs it (escaped) as well as decoded: no fragment holds a character CloudFront escapes.
pub fn is_bot(user_agent: &str) -> bool {
    BOTS.is_match(user_agent)
}

/// How CloudFront classified a response (`x-edge-result-type`), as its standard log reference lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultType {
    /// Served from the edge cache: counted (the edge answered our redirect).
    Hit,
    /// Found in the cache expired and revalidated with the resolver: counted.
    RefreshHit,
    /// Served from the Origin Shield cache: counted.
    OriginShieldHit,
    /// Forwarded to the resolver, whose answer was returned: counted.
    Miss,
    /// CloudFront's own HTTP-to-HTTPS redirect: not counted, since the viewer comes back over HTTPS and that
    /// request is the click (counting both would count it twice).
    Redirect,
    /// Refused because a CloudFront quota was exceeded: not counted.
    LimitExceeded,
    /// Refused with 503 for want of capacity: not counted.
    CapacityExceeded,
    /// An error, or a viewer that disconnected before the last byte: not counted.
    Error,
    /// Anything else (`FunctionGeneratedResponse`, a value added later): not counted, since none of it is the
    /// resolver's redirect reaching a viewer; counted apart in [`TallySummary::unknown_results`].
    Other,
}

impl ResultType {
    /// The classification named `value`.
    pub fn parse(value: &str) -> Self {
        match value {
            "Hit" => Self::Hit,
            "RefreshHit" => Self::RefreshHit,
            "OriginShieldHit" => Self::OriginShieldHit,
            "Miss" => Self::Miss,
            "Redirect" => Self::Redirect,
            "LimitExceeded" => Self::LimitExceeded,
            "CapacityExceeded" => Self::CapacityExceeded,
            "Error" => Self::Error,
            _ => Self::Other,
        }
    }

    /// Whether a viewer got the resolver's answer in full, from the edge or from the origin.
    pub fn delivered(self) -> bool {
        matches!(self, Self::Hit | Self::RefreshHit | Self::OriginShieldHit | Self::Miss)
    }
}

/// The statuses of the resolver's redirect (`REDIRECT_STATUS` picks one of them).
pub const REDIRECT_STATUSES: [u16; 4] = [301, 302, 307, 308];

/// The fields of CloudFront's standard (legacy) log, in the order its reference documents them; a file's
/// `#Fields` line overrides it.
pub const CLOUDFRONT_FIELDS: [&str; 33] = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
];

/// The fields counting reads, in the order [`parse_line`] hands them on.
const READ_FIELDS: [&str; 7] =
    ["date", "time", "cs-method", "cs-uri-stem", "sc-status", "cs(User-Agent)", "x-edge-result-type"];

/// Where the fields counting reads stand in a line (0-based tab-separated columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldIndex {
    /// Each field's column and its place in [`READ_FIELDS`], leftmost column first: a line's fields are met in
    /// this order, so each column is compared with one wanted column only.
    by_column: [(usize, usize); READ_FIELDS.len()],
    /// Columns a line must have to hold every field above.
    width: usize,
}

/// Why a log line was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Fewer tab-separated fields than the `#Fields` line names.
    #[error("a line has {found} fields, {needed} needed")]
    Fields {
        /// Fields the line has.
        found: usize,
        /// Fields needed.
        needed: usize,
    },
    /// `date` and `time` are not `YYYY-MM-DD` and `HH:MM:SS`.
    #[error("date or time is malformed")]
    Timestamp,
    /// `sc-status` is not a number of three digits.
    #[error("sc-status is malformed")]
    Status,
    /// A `#Fields` line without one of the fields counting needs.
    #[error("the #Fields line lacks {0}")]
    MissingField(&'static str),
}

impl FieldIndex {
    /// The positions in CloudFront's documented order ([`CLOUDFRONT_FIELDS`]).
    pub fn cloudfront() -> Self {
        Self::from_names(CLOUDFRONT_FIELDS.iter().copied())
            .unwrap_or_else(|missing| unreachable!("CLOUDFRONT_FIELDS names every field counting reads: {missing}"))
    }

    /// The positions a `#Fields:` line gives (the line with or without its `#Fields:` prefix).
    pub fn from_fields_line(line: &str) -> Result<Self, LineError> {
        let names = line.trim().strip_prefix("#Fields:").unwrap_or(line);
        Self::from_names(names.split_whitespace())
    }

    fn from_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<Self, LineError> {
        let names: Vec<&str> = names.collect();
        let mut by_column = [(0, 0); READ_FIELDS.len()];
        for (slot, (entry, name)) in by_column.iter_mut().zip(READ_FIELDS).enumerate() {
            let column =
                names.iter().position(|n| n.eq_ignore_ascii_case(name)).ok_or(LineError::MissingField(name))?;
            *entry = (column, slot);
        }
        by_column.sort_unstable();
        let width = 1 + by_column.last().map_or(0, |&(column, _)| column);
        Ok(Self { by_column, width })
    }
}

impl Default for FieldIndex {
    fn default() -> Self {
        Self::cloudfront()
    }
}

/// One request of the log, in the fields counting reads. It holds the user agent only while the line is read;
/// nothing of it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine<'a> {
    /// When CloudFront finished answering, UTC.
    pub at: OffsetDateTime,
    /// `cs-method`.
    pub method: &'a str,
    /// `cs-uri-stem`, CloudFront's escapes undone: the path as the viewer sent it.
    pub path: Cow<'a, str>,
    /// `sc-status` (0 for `000`: the viewer left before an answer).
    pub status: u16,
    /// `x-edge-result-type`.
    pub result: ResultType,
    /// `cs(User-Agent)` as logged, CloudFront's escapes kept (`-` when there was none): only [`is_bot`] reads it.
    pub user_agent: &'a str,
}

/// Whether a click came from a person or from a crawler or preview fetcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clicker {
    /// Counted under `clicks`.
    Viewer,
    /// Counted under `bots` ([`BOT_AGENTS`]).
    Bot,
}

impl LogLine<'_> {
    /// The short link this line is a click of, and who clicked: a `GET` (not `HEAD`) of `/{id}` with a valid
    /// [`ShortId`], answered with a redirect status ([`REDIRECT_STATUSES`]) that reached the viewer from the edge
    /// cache or from the resolver ([`ResultType::delivered`]). Never the preview `/{id}+`, a 404 or 410, a
    /// malformed ID or CloudFront's own HTTP-to-HTTPS redirect.
    pub fn click(&self) -> Option<(ShortId, Clicker)> {
        let (id, clicker) = self.clicked()?;
        Some((ShortId::parse(id).ok()?, clicker))
    }

    /// [`LogLine::click`] with the ID as the line's text, not yet checked: its caller parses it, or (a tally)
    /// finds it among IDs it parsed before, which only a valid ID can match.
    fn clicked(&self) -> Option<(&str, Clicker)> {
        if self.method != "GET" || !REDIRECT_STATUSES.contains(&self.status) || !self.result.delivered() {
            return None;
        }
        let id = self.path.strip_prefix('/')?;
        let clicker = if is_bot(self.user_agent) { Clicker::Bot } else { Clicker::Viewer };
        Some((id, clicker))
    }
}

/// Reads one tab-separated request line with the field positions of `index`.
pub fn parse_line<'a>(index: &FieldIndex, line: &'a str) -> Result<LogLine<'a>, LineError> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut picked = [""; READ_FIELDS.len()];
    let mut wanted = index.by_column.iter().peekable();
    let mut found = 0;
    let mut start = 0;
    let fields = memchr::memchr_iter(b'\t', line.as_bytes()).chain(std::iter::once(line.len())).map(|end| {
        // A tab is one byte of ASCII: every cut is on a character boundary.
        let field = line.get(start..end).unwrap_or_default();
        start = end + 1;
        field
    });
    for (column, field) in fields.enumerate().take(index.width) {
        found = column + 1;
        if let Some(&(_, slot)) = wanted.next_if(|&&(at, _)| at == column)
            && let Some(picked) = picked.get_mut(slot)
        {
            *picked = field;
        }
    }
    if found < index.width {
        return Err(LineError::Fields { found, needed: index.width });
    }
    let [date, time, method, stem, status, user_agent, result_type] = picked;
    let (date, time) = parse_date(date).zip(parse_time(time)).ok_or(LineError::Timestamp)?;
    if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
        return Err(LineError::Status);
    }
    Ok(LogLine {
        at: PrimitiveDateTime::new(date, time).assume_utc(),
        method,
        path: unescape(stem),
        status: status.parse().map_err(|_| LineError::Status)?,
        result: ResultType::parse(result_type),
        user_agent,
    })
}

/// The digits of `text` as a number, if it is exactly `N` ASCII digits.
fn digits<const N: usize>(text: &[u8]) -> Option<u16> {
    let digits: &[u8; N] = text.try_into().ok()?;
    digits.iter().try_fold(0u16, |n, &d| d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0')))
}

/// `YYYY-MM-DD`, as `date` is logged.
fn parse_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let month = Month::try_from(u8::try_from(digits::<2>(&b[5..7])?).ok()?).ok()?;
    let day = u8::try_from(digits::<2>(&b[8..10])?).ok()?;
    Date::from_calendar_date(i32::from(digits::<4>(&b[..4])?), month, day).ok()
}

/// `HH:MM:SS`, as `time` is logged.
fn parse_time(text: &str) -> Option<Time> {
    let b = text.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let part = |range: std::ops::Range<usize>| digits::<2>(&b[range]).and_then(|n| u8::try_from(n).ok());
    Time::from_hms(part(0..2)?, part(3..5)?, part(6..8)?).ok()
}

/// Undoes CloudFront's escaping of a field: `%XX` back to its byte (a `%` not followed by two hex digits stays
/// as it is); bytes that do not form UTF-8 become U+FFFD.
pub fn unescape(field: &str) -> Cow<'_, str> {
    if !field.contains('%') {
        return Cow::Borrowed(field);
    }
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Clicks of one ID on one UTC day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCount {
    /// Clicks by viewers.
    pub clicks: u64,
    /// Clicks by crawlers and link-preview fetchers.
    pub bots: u64,
}

impl DayCount {
    /// Adds `other` to this count.
    pub fn add(&mut self, other: DayCount) {
        self.clicks += other.clicks;
        self.bots += other.bots;
    }
}

/// What reading a log file came to, for the function's log line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TallySummary {
    /// Request lines read (header lines and blank lines aside).
    pub lines: u64,
    /// Lines that could not be read ([`LineError`]).
    pub malformed: u64,
    /// Lines counted under `clicks`.
    pub clicks: u64,
    /// Lines counted under `bots`.
    pub bots: u64,
    /// Lines whose `x-edge-result-type` is not one the reference lists ([`ResultType::Other`]).
    pub unknown_results: u64,
}

/// Clicks per short ID per UTC day, added up from log lines, and the newest request time seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// By day, then by ID: a line's count is found by the ID's text, without making an ID of it.
    counts: HashMap<Date, HashMap<ShortId, DayCount>>,
    newest: Option<OffsetDateTime>,
    summary: TallySummary,
}

/// One store transaction's worth of a [`Tally`]: up to [`CHUNK_ITEMS`] day counts, ordered by ID and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyChunk<'a> {
    /// Its place among the tally's chunks, from 0: with the file's key, the name of its marker.
    pub index: usize,
    /// The day counts.
    pub entries: Vec<(&'a ShortId, Date, DayCount)>,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one line (a click, a bot, or nothing) and notes its time.
    pub fn add(&mut self, line: &LogLine<'_>) {
        self.summary.lines += 1;
        if line.result == ResultType::Other {
            self.summary.unknown_results += 1;
        }
        self.newest = self.newest.max(Some(line.at));
        let Some((id, clicker)) = line.clicked() else { return };
        let ids = self.counts.entry(line.at.date()).or_default();
        // A known ID was parsed when first seen; any other text is parsed (checked) now.
        let count = match ids.get_mut(id) {
            Some(count) => count,
            None => match ShortId::parse(id) {
                Ok(id) => ids.entry(id).or_default(),
                Err(_) => return,
            },
        };
        match clicker {
            Clicker::Viewer => {
                count.clicks += 1;
                self.summary.clicks += 1;
            }
            Clicker::Bot => {
                count.bots += 1;
                self.summary.bots += 1;
            }
        }
    }

    /// Counts every line of a whole log file: `#Version` and `#Fields` header lines (the latter sets the field
    /// order of the lines after it), blank lines skipped, malformed lines counted as such and otherwise ignored.
    pub fn read(mut reader: impl BufRead) -> std::io::Result<Self> {
        let mut tally = Self::new();
        let mut index = FieldIndex::cloudfront();
        let mut valid_header = true;
        // One buffer for every line, not one allocation per line.
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line)? > 0 {
            let bytes = line.strip_suffix(b"\n").unwrap_or(&line);
            // Lines are ASCII (CloudFront escapes the rest): checked at full speed, replaced only if not.
            let text = std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), Cow::Borrowed);
            tally.read_line(&mut index, &mut valid_header, &text);
            line.clear();
        }
        Ok(tally)
    }

    /// Counts every line of a log file already in memory, as [`Tally::read`] does.
    pub fn from_log(text: &str) -> Self {
        let mut tally = Self::new();
        let mut index = FieldIndex::cloudfront();
        let mut valid_header = true;
        for line in text.split('\n') {
            tally.read_line(&mut index, &mut valid_header, line);
        }
        tally
    }

    fn read_line(&mut self, index: &mut FieldIndex, valid_header: &mut bool, line: &str) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            return;
        }
        if let Some(names) = line.strip_prefix("#Fields:") {
            match FieldIndex::from_fields_line(names) {
                Ok(found) => {
                    *index = found;
                    *valid_header = true;
                }
                Err(_) => *valid_header = false,
            }
            return;
        }
        if line.starts_with('#') {
            return;
        }
        match parse_line(index, line) {
            Ok(parsed) if *valid_header => self.add(&parsed),
            _ => {
                self.summary.lines += 1;
                self.summary.malformed += 1;
            }
        }
    }

    /// Adds another tally to this one.
    pub fn merge(&mut self, other: Tally) {
        for (date, ids) in other.counts {
            let mine = self.counts.entry(date).or_default();
            for (id, count) in ids {
                mine.entry(id).or_default().add(count);
            }
        }
        self.newest = self.newest.max(other.newest);
        let (a, b) = (&mut self.summary, other.summary);
        a.lines += b.lines;
        a.malformed += b.malformed;
        a.clicks += b.clicks;
        a.bots += b.bots;
        a.unknown_results += b.unknown_results;
    }

    /// The count of `id` on `date` (zeros when there is none).
    pub fn count(&self, id: &ShortId, date: Date) -> DayCount {
        self.counts.get(&date).and_then(|ids| ids.get(id)).copied().unwrap_or_default()
    }

    /// Distinct (ID, day) pairs counted.
    pub fn len(&self) -> usize {
        self.counts.values().map(HashMap::len).sum()
    }

    /// Whether no click was counted.
    pub fn is_empty(&self) -> bool {
        self.counts.values().all(HashMap::is_empty)
    }

    /// The newest request time among the lines read, clicks or not.
    pub fn newest(&self) -> Option<OffsetDateTime> {
        self.newest
    }

    /// What reading came to.
    pub fn summary(&self) -> TallySummary {
        self.summary
    }

    /// The day counts cut into store transactions: ordered by ID then day, [`CHUNK_ITEMS`] a chunk, so the same
    /// file always gives the same chunks.
    pub fn chunks(&self) -> Vec<TallyChunk<'_>> {
        let mut entries: Vec<(&ShortId, Date, DayCount)> =
            self.counts.iter().flat_map(|(date, ids)| ids.iter().map(|(id, count)| (id, *date, *count))).collect();
        entries.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        entries
            .chunks(CHUNK_ITEMS)
            .enumerate()
            .map(|(index, entries)| TallyChunk { index, entries: entries.to_vec() })
            .collect()
    }
}

/// Which log file a tally came from: its object key and its ETag (or version), so a file delivered twice is
/// recognised and a different file under a reused key is not mistaken for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogFileKey(String);

impl LogFileKey {
    /// The key of the object `key` (its bucket included, when several buckets feed one table) at `version` (its
    /// ETag or version ID).
    pub fn new(key: &str, version: &str) -> Self {
        Self(format!("{key}#{version}"))
    }

    /// The name the stores give the file's markers.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LogFileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Clicks of one day, as a stats read returns them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DayClicks {
    /// The UTC day, `YYYY-MM-DD` in JSON.
    #[serde(with = "day_format")]
    pub date: Date,
    /// Clicks by viewers.
    pub clicks: u64,
    /// Clicks by crawlers and link-preview fetchers.
    pub bots: u64,
}

time::serde::format_description!(day_format, Date, "[year]-[month]-[day]");

/// The counts of one short link over the last days.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClickStats {
    /// Clicks by viewers over `days`.
    pub clicks: u64,
    /// Clicks by crawlers and link-preview fetchers over `days`.
    pub bots: u64,
    /// Every day of the period, oldest first, days without clicks included.
    pub days: Vec<DayClicks>,
    /// The newest request time of any log counted so far (for every link): how fresh the figures are. `None`
    /// before the first log was counted.
    #[serde(with = "time::serde::rfc3339::option")]
    pub counted_until: Option<OffsetDateTime>,
}

impl ClickStats {
    /// Stats for the `days` days ending with `today`, from the day counts found (`found(date)`).
    pub fn over_days(
        today: Date,
        days: u16,
        counted_until: Option<OffsetDateTime>,
        mut found: impl FnMut(Date) -> DayCount,
    ) -> Self {
        let mut stats = Self { clicks: 0, bots: 0, days: Vec::with_capacity(days.into()), counted_until };
        for date in stats_days(today, days) {
            let count = found(date);
            stats.clicks += count.clicks;
            stats.bots += count.bots;
            stats.days.push(DayClicks { date, clicks: count.clicks, bots: count.bots });
        }
        stats
    }
}

/// The `days` days ending with `today`, oldest first.
pub fn stats_days(today: Date, days: u16) -> impl Iterator<Item = Date> {
    (0..i64::from(days)).rev().filter_map(move |back| today.checked_sub(time::Duration::days(back)))
}
