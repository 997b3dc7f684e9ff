//! The local stack's own access log, in CloudFront's standard log format, and its counting: the stack stands in for
//! CloudFront, so it writes what CloudFront would (one line per request it answers, `x-edge-result-type` saying
//! the origin answered), rotates the lines into files and feeds each closed file to the same parser, [`Tally`] and
//! [`ClickCounts::record`] the counting function uses, so local click counts come from the code deployed ones do.
//!
//! A request only writes its line into a buffer it shares with the log's thread ([`AccessLog::record`] never
//! waits for a disk: when too many lines are waiting, the line is dropped and counted as such); the thread takes
//! what gathered there at most every [`NonBlockingWriter::GATHER`] and writes it to the file, and a task counts
//! closed files one at a time. A counted file is deleted: the counts are what is kept, and the file holds viewers'
//! addresses and user agents. A file that could not be counted stays in the folder and is counted when the stack
//! starts again.

use std::{
    fmt::Write as _,
    fs,
    io::{self, BufReader, BufWriter, Write as _},
    net::IpAddr,
    path::{Path, PathBuf},
    sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use http::{HeaderValue, Request, Response, header};
use origin_api::quota::ClientAddress;
use shortener_domain::{
    clicks::{CLOUDFRONT_FIELDS, LogFileKey, Tally, TallySummary},
    logging::{self, NonBlockingWriter},
    store::{ClickCounts, Recorded},
};
use time::{OffsetDateTime, macros::format_description};

use crate::{AnyStore, LocalConfig};

/// Bytes of lines waiting for the writer (about 4,000 lines: at one batch every [`NonBlockingWriter::GATHER`],
/// 400,000 requests a second); past this, lines are dropped rather than make a request wait.
const PENDING_BYTES: usize = 1 << 20;
/// Suffix of the file being written; renamed to [`CLOSED_SUFFIX`] once complete.
const OPEN_SUFFIX: &str = ".log.open";
/// Suffix of a complete file, waiting to be counted.
const CLOSED_SUFFIX: &str = ".log";
/// `x-edge-location` of the local stack's lines.
const LOCATION: &str = "LOCAL";

/// Where and how often the local stack writes its access log.
#[derive(Debug, Clone, clap::Args)]
pub struct AccessLogSettings {
    /// Write the access log and count clicks from it. Turn off behind the local edge, whose own log is counted
    /// instead (counting both would count each click the edge passed on twice).
    #[arg(long = "access-log", env = "ACCESS_LOG", default_value_t = true, action = clap::ArgAction::Set)]
    pub enabled: bool,
    /// Folder of the access log files (created if missing); default: `access-log` in the data folder.
    #[arg(long = "access-log-dir", env = "ACCESS_LOG_DIR")]
    pub dir: Option<PathBuf>,
    /// A file is closed and counted once it is this many seconds old.
    #[arg(
        long = "access-log-rotate-seconds",
        env = "ACCESS_LOG_ROTATE_SECONDS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub rotate_seconds: u64,
    /// A file is closed and counted once it holds this many bytes.
    #[arg(
        long = "access-log-max-bytes",
        env = "ACCESS_LOG_MAX_BYTES",
        default_value_t = 16 * 1024 * 1024,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub max_bytes: u64,
}

impl AccessLogSettings {
    /// The folder of the files, given the stack's data folder.
    pub fn folder(&self, data_dir: &Path) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| data_dir.join("access-log"))
    }
}

/// The `#Version` and `#Fields` lines that open a CloudFront standard log file, fields as
/// [`CLOUDFRONT_FIELDS`] lists them.
pub fn header() -> String {
    format!("#Version: 1.0\n#Fields: {}\n", CLOUDFRONT_FIELDS.join(" "))
}

/// The headers a request's line needs, taken before a handler consumes the request: shared copies of what hyper
/// parsed (header values hold their bytes by reference count), so taking them allocates nothing. The method and the
/// URI come to [`AccessLog::record`] from the caller, which keeps them for its own log line.
#[derive(Debug)]
pub struct Seen {
    host: Option<HeaderValue>,
    user_agent: Option<HeaderValue>,
    referer: Option<HeaderValue>,
    client: IpAddr,
}

/// One answered request: a line of the log.
#[derive(Debug)]
struct Entry<'a> {
    method: &'a http::Method,
    uri: &'a http::Uri,
    seen: &'a Seen,
    at: SystemTime,
    status: u16,
    elapsed: Duration,
    content_type: Option<&'a HeaderValue>,
    content_length: Option<&'a HeaderValue>,
}

/// The access log of a running stack: hands lines to the writer thread, and closes it at shutdown.
#[derive(Debug, Default)]
pub struct AccessLog {
    shared: Option<Arc<Shared>>,
    counter: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// What requests and the writer thread share: the lines written and not yet taken, which a request appends to
/// under the lock (formatting its line in place: it copies nothing else, and nothing is allocated), and the
/// thread takes all at once.
#[derive(Debug)]
struct Shared {
    pending: Mutex<Pending>,
    gathered: Condvar,
    fields: [Field; CLOUDFRONT_FIELDS.len()],
}

#[derive(Debug, Default)]
struct Pending {
    lines: String,
    /// The date and time of the last line, kept formatted.
    stamp: Stamp,
    dropped: u64,
    closing: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl AccessLog {
    /// No log: what the stack has with `--access-log false`.
    pub fn off() -> Self {
        Self::default()
    }

    /// The log `config` asks for, counted into `store`.
    pub fn open(config: &LocalConfig, store: &AnyStore) -> anyhow::Result<Self> {
        if !config.access_log.enabled {
            return Ok(Self::off());
        }
        let folder = config.access_log.folder(&config.data_dir);
        Self::start(folder.clone(), &config.access_log, store.clone())
            .map_err(|e| anyhow::anyhow!("opening the access log in {}: {e}", folder.display()))
    }

    /// Opens the log in `folder`: counts the files an earlier run left there (closing a file it was writing),
    /// then starts the writer thread and the counting task, which records each closed file into `counts`.
    pub fn start<C: ClickCounts + 'static>(
        folder: PathBuf,
        settings: &AccessLogSettings,
        counts: C,
    ) -> io::Result<Self> {
        fs::create_dir_all(&folder)?;
        let (closed_tx, closed_rx) = tokio::sync::mpsc::unbounded_channel();
        for file in left_over(&folder)? {
            let _ = closed_tx.send(file);
        }
        let counter = tokio::spawn(count_closed(counts, closed_rx));
        let shared = Arc::new(Shared { pending: Mutex::default(), gathered: Condvar::new(), fields: Field::all() });
        let writer = Writer {
            folder,
            rotate_after: Duration::from_secs(settings.rotate_seconds),
            max_bytes: settings.max_bytes,
            closed: closed_tx,
            file: None,
            shared: Arc::clone(&shared),
            header_bytes: u64::try_from(header().len()).unwrap_or(u64::MAX),
        };
        std::thread::Builder::new().name("access-log".to_owned()).spawn(move || writer.run())?;
        Ok(Self { shared: Some(shared), counter: Mutex::new(Some(counter)) })
    }

    /// What the log needs of `request` from `client`, or `None` when the log is off.
    pub fn see<B>(&self, request: &Request<B>, client: ClientAddress) -> Option<Seen> {
        self.shared.as_ref()?;
        let headers = request.headers();
        Some(Seen {
            host: headers.get(header::HOST).cloned(),
            user_agent: headers.get(header::USER_AGENT).cloned(),
            referer: headers.get(header::REFERER).cloned(),
            client: client.0,
        })
    }

    /// Adds the line of a request to `method` on `uri` answered with `response`, `elapsed` after it came, at `at`,
    /// for the writer thread; never waits for it (the line is dropped, and counted as such, when too many are
    /// waiting).
    pub fn record<B>(
        &self,
        seen: Option<Seen>,
        method: &http::Method,
        uri: &http::Uri,
        response: &Response<B>,
        elapsed: Duration,
        at: SystemTime,
    ) {
        let (Some(shared), Some(seen)) = (&self.shared, seen) else { return };
        let headers = response.headers();
        let entry = Entry {
            method,
            uri,
            seen: &seen,
            at,
            status: response.status().as_u16(),
            elapsed,
            content_type: headers.get(header::CONTENT_TYPE),
            content_length: headers.get(header::CONTENT_LENGTH),
        };
        let mut pending = shared.lock();
        let before = pending.lines.len();
        let Pending { lines, stamp, .. } = &mut *pending;
        entry.write_line(&shared.fields, stamp, lines);
        if pending.lines.len() > PENDING_BYTES {
            pending.lines.truncate(before);
            pending.dropped += 1;
            return;
        }
        drop(pending);
        // The thread waits only while nothing is pending: the first line of a batch wakes it, the rest gather.
        if before == 0 {
            shared.gathered.notify_one();
        }
    }

    /// Closes the file being written and waits until every closed file has been counted (or failed to be).
    pub async fn close(&self) {
        let counter = self.counter.lock().ok().and_then(|mut counter| counter.take());
        if let Some(shared) = self.shared.clone() {
            shared.lock().closing = true;
            shared.gathered.notify_one();
        }
        if let Some(counter) = counter {
            let _ = counter.await;
        }
    }
}

/// Files an earlier run left in `folder`, oldest first: a file it was still writing is closed first.
fn left_over(folder: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(folder)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let Some(closed) = closed_path(&path) {
            fs::rename(&path, &closed)?;
            files.push(closed);
        } else if name.ends_with(CLOSED_SUFFIX) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The name `open` (a file being written) takes once closed; `None` for any other file.
fn closed_path(open: &Path) -> Option<PathBuf> {
    let stem = open.file_name()?.to_str()?.strip_suffix(OPEN_SUFFIX)?;
    Some(open.with_file_name(format!("{stem}{CLOSED_SUFFIX}")))
}

/// The file being written.
struct OpenFile {
    path: PathBuf,
    out: BufWriter<fs::File>,
    opened: Instant,
    bytes: u64,
}

/// The writer thread's state.
struct Writer {
    folder: PathBuf,
    rotate_after: Duration,
    max_bytes: u64,
    closed: tokio::sync::mpsc::UnboundedSender<PathBuf>,
    file: Option<OpenFile>,
    shared: Arc<Shared>,
    /// The length of [`header`].
    header_bytes: u64,
}

impl Writer {
    /// Waits for lines (or for the open file's time to close), lets more gather for
    /// [`NonBlockingWriter::GATHER`], takes them all and writes them, until the log is closed.
    fn run(mut self) {
        let mut batch = String::with_capacity(PENDING_BYTES);
        loop {
            let wait =
                self.file.as_ref().map_or(self.rotate_after, |f| self.rotate_after.saturating_sub(f.opened.elapsed()));
            let (dropped, closing) = {
                let mut pending = self.shared.lock();
                if pending.lines.is_empty() && !pending.closing {
                    pending =
                        self.shared.gathered.wait_timeout(pending, wait).unwrap_or_else(PoisonError::into_inner).0;
                }
                if !pending.lines.is_empty() && !pending.closing {
                    // Lines gather meanwhile: a request then finds the buffer in use and wakes no one.
                    drop(pending);
                    std::thread::sleep(NonBlockingWriter::GATHER);
                    pending = self.shared.lock();
                }
                std::mem::swap(&mut pending.lines, &mut batch);
                (std::mem::take(&mut pending.dropped), pending.closing)
            };
            if dropped > 0 {
                tracing::warn!(dropped, "access log lines dropped: the writer could not keep up");
            }
            self.write_batch(&batch);
            batch.clear();
            self.flush();
            if closing {
                return self.rotate();
            }
            if self.file.as_ref().is_some_and(|f| f.opened.elapsed() >= self.rotate_after) {
                self.rotate();
            }
        }
    }

    /// Writes whole lines of `batch` at a time: as many as the open file takes before it holds `max_bytes` (the
    /// line that reaches it included, as if they were written one by one), then the rest into the next file.
    fn write_batch(&mut self, batch: &str) {
        let mut rest = batch.as_bytes();
        while !rest.is_empty() {
            // A file not yet open starts with its header lines.
            let held = self.file.as_ref().map_or(self.header_bytes, |f| f.bytes);
            let before_limit = usize::try_from(self.max_bytes.saturating_sub(held)).unwrap_or(usize::MAX);
            let last = before_limit.saturating_sub(1).min(rest.len());
            let cut = rest[last..].iter().position(|&b| b == b'\n').map_or(rest.len(), |at| last + at + 1);
            let (lines, after) = rest.split_at(cut);
            self.write(lines);
            rest = after;
        }
    }

    fn write(&mut self, lines: &[u8]) {
        if let Err(error) = self.try_write(lines) {
            tracing::error!(%error, folder = %self.folder.display(), "cannot write the access log: lines are lost");
            self.file = None;
        }
        if self.file.as_ref().is_some_and(|f| f.bytes >= self.max_bytes || f.opened.elapsed() >= self.rotate_after) {
            self.rotate();
        }
    }

    fn try_write(&mut self, lines: &[u8]) -> io::Result<()> {
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(open_file(&self.folder)?),
        };
        file.out.write_all(lines)?;
        file.bytes += u64::try_from(lines.len()).unwrap_or(u64::MAX);
        Ok(())
    }

    fn flush(&mut self) {
        if let Some(file) = &mut self.file
            && let Err(error) = file.out.flush()
        {
            tracing::error!(%error, file = %file.path.display(), "cannot write the access log");
        }
    }

    /// Closes the file being written (if any) and hands it to the counting task.
    fn rotate(&mut self) {
        let Some(file) = self.file.take() else { return };
        let Some(closed) = closed_path(&file.path) else { return };
        let done = file
            .out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .and_then(|f| f.sync_all())
            .and_then(|()| fs::rename(&file.path, &closed));
        match done {
            Ok(()) => {
                let _ = self.closed.send(closed);
            }
            Err(error) => tracing::error!(%error, file = %file.path.display(), "cannot close the access log file"),
        }
    }
}

/// A new file in `folder`, named as CloudFront names its files (distribution, UTC time, a unique part), its
/// header lines written.
fn open_file(folder: &Path) -> io::Result<OpenFile> {
    let now = OffsetDateTime::now_utc();
    let stamp =
        now.format(format_description!("[year]-[month]-[day]-[hour]-[minute]-[second]")).map_err(io::Error::other)?;
    let path = folder.join(format!("{LOCATION}.{stamp}.{:09}-{}{OPEN_SUFFIX}", now.nanosecond(), std::process::id()));
    let mut out = BufWriter::new(fs::OpenOptions::new().create_new(true).write(true).open(&path)?);
    let header = header();
    out.write_all(header.as_bytes())?;
    Ok(OpenFile { path, out, opened: Instant::now(), bytes: u64::try_from(header.len()).unwrap_or(u64::MAX) })
}

/// What a field of the line holds, worked out from its name once, not for every line.
#[derive(Debug, Clone, Copy)]
enum Field {
    Date,
    Time,
    Location,
    ContentLength,
    ClientIp,
    Method,
    Host,
    UriStem,
    Status,
    Referer,
    UserAgent,
    Query,
    Result,
    Protocol,
    ProtocolVersion,
    Seconds,
    ContentType,
    /// What the local stack does not have (TLS, cookies, encryption): `-`.
    Absent,
}

impl Field {
    fn named(name: &str) -> Self {
        match name {
            "date" => Self::Date,
            "time" => Self::Time,
            "x-edge-location" => Self::Location,
            "sc-bytes" | "sc-content-len" => Self::ContentLength,
            "c-ip" => Self::ClientIp,
            "cs-method" => Self::Method,
            "cs(Host)" | "x-host-header" => Self::Host,
            "cs-uri-stem" => Self::UriStem,
            "sc-status" => Self::Status,
            "cs(Referer)" => Self::Referer,
            "cs(User-Agent)" => Self::UserAgent,
            "cs-uri-query" => Self::Query,
            "x-edge-result-type" | "x-edge-response-result-type" | "x-edge-detailed-result-type" => Self::Result,
            "cs-protocol" => Self::Protocol,
            "cs-protocol-version" => Self::ProtocolVersion,
            "time-taken" | "time-to-first-byte" => Self::Seconds,
            "sc-content-type" => Self::ContentType,
            _ => Self::Absent,
        }
    }

    /// The fields of a line, in the order of [`CLOUDFRONT_FIELDS`].
    fn all() -> [Self; CLOUDFRONT_FIELDS.len()] {
        CLOUDFRONT_FIELDS.map(Self::named)
    }
}

impl Entry<'_> {
    /// The line, tab-separated, in the order of [`CLOUDFRONT_FIELDS`].
    #[cfg(test)]
    fn line(&self) -> String {
        let mut line = String::with_capacity(256);
        self.write_line(&Field::all(), &mut Stamp::default(), &mut line);
        line
    }

    /// Appends the line, its `fields` tab-separated, to `line`; `stamp` holds the date and time of the last line.
    fn write_line(&self, fields: &[Field], stamp: &mut Stamp, line: &mut String) {
        stamp.set(self.at);
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            self.write_field(*field, stamp, line);
        }
        line.push('\n');
    }

    fn result(&self) -> &'static str {
        if self.status >= 400 { "Error" } else { "Miss" }
    }

    /// Appends the value of `field`.
    fn write_field(&self, field: Field, stamp: &Stamp, line: &mut String) {
        let seen = &self.seen;
        let optional = |line: &mut String, value: Option<&str>| match value {
            Some(value) => push_escaped(line, value),
            None => line.push('-'),
        };
        // Writing to a String cannot fail.
        match field {
            Field::Date => line.push_str(&stamp.date),
            Field::Time => line.push_str(&stamp.time),
            Field::Location => line.push_str(LOCATION),
            Field::ContentLength => optional(line, text(self.content_length)),
            Field::ClientIp => match seen.client {
                IpAddr::V4(ip) => {
                    for (i, octet) in ip.octets().into_iter().enumerate() {
                        if i > 0 {
                            line.push('.');
                        }
                        push_decimal(line, u64::from(octet));
                    }
                }
                IpAddr::V6(ip) => {
                    let _ = write!(line, "{ip}");
                }
            },
            Field::Method => line.push_str(self.method.as_str()),
            Field::Host => optional(line, text(seen.host.as_ref())),
            Field::UriStem => push_escaped(line, self.uri.path()),
            Field::Status => push_decimal(line, u64::from(self.status)),
            Field::Referer => optional(line, text(seen.referer.as_ref())),
            Field::UserAgent => optional(line, text(seen.user_agent.as_ref())),
            Field::Query => optional(line, self.uri.query().filter(|q| !q.is_empty())),
            Field::Result => line.push_str(self.result()),
            Field::Protocol => line.push_str("http"),
            Field::ProtocolVersion => line.push_str("HTTP/1.1"),
            Field::Seconds => {
                // Milliseconds, rounded, as whole numbers: no floating-point formatting per line.
                let millis = u64::try_from((self.elapsed.as_micros() + 500) / 1000).unwrap_or(u64::MAX);
                push_decimal(line, millis / 1000);
                line.push('.');
                let thousandths = millis % 1000;
                if thousandths < 100 {
                    line.push('0');
                }
                if thousandths < 10 {
                    line.push('0');
                }
                push_decimal(line, thousandths);
            }
            Field::ContentType => optional(line, text(self.content_type)),
            Field::Absent => line.push('-'),
        }
    }
}

/// Appends `n` in decimal, without the formatting machinery.
fn push_decimal(line: &mut String, n: u64) {
    line.push_str(logging::decimal(n, &mut [0; 20]));
}

/// A header value as a field's text; one that is not visible ASCII is written as absent.
fn text(value: Option<&HeaderValue>) -> Option<&str> {
    value.and_then(|value| value.to_str().ok())
}

/// The `date` and `time` fields of the second lines are being written in, formatted once per second.
#[derive(Debug, Default)]
struct Stamp {
    second: Option<u64>,
    date: String,
    time: String,
}

impl Stamp {
    /// Makes the fields those of `at` (UTC).
    fn set(&mut self, at: SystemTime) {
        let second = at.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
        if self.second == Some(second) {
            return;
        }
        let at = OffsetDateTime::from(at);
        self.date.clear();
        self.time.clear();
        // Writing to a String cannot fail.
        let _ = write!(self.date, "{}", at.date());
        let _ = write!(self.time, "{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second());
        self.second = Some(second);
    }
}

/// `value` as CloudFront writes a field: `-` when empty; `%`, spaces, tabs, control characters and non-ASCII
/// bytes as `%XX`, which [`shortener_domain::clicks::unescape`] undoes.
#[cfg(test)]
fn escape(value: &str) -> String {
    let mut out = String::new();
    push_escaped(&mut out, value);
    out
}

/// Appends `value` as CloudFront writes a field (see `escape`).
fn push_escaped(out: &mut String, value: &str) {
    let plain = |b: u8| b.is_ascii_graphic() && b != b'%';
    if value.is_empty() {
        out.push('-');
    } else if value.bytes().all(plain) {
        out.push_str(value);
    } else {
        for b in value.bytes() {
            if plain(b) {
                out.push(char::from(b));
            } else {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

/// Counts closed files as they come, one at a time, deleting each once counted.
async fn count_closed<C: ClickCounts>(counts: C, mut closed: tokio::sync::mpsc::UnboundedReceiver<PathBuf>) {
    while let Some(path) = closed.recv().await {
        match count_file(&counts, &path).await {
            Ok((summary, recorded)) => {
                tracing::info!(
                    file = %path.display(),
                    lines = summary.lines,
                    clicks = summary.clicks,
                    bots = summary.bots,
                    chunks = recorded.applied,
                    already_counted = recorded.skipped,
                    "access log counted"
                );
                if let Err(error) = fs::remove_file(&path) {
                    tracing::warn!(%error, file = %path.display(), "cannot delete a counted access log file");
                }
            }
            Err(error) => {
                tracing::error!(%error, file = %path.display(), "cannot count an access log file: kept for the next start");
            }
        }
    }
}

/// Counts each of `files` into the store `config` names, in order, stopping at the first that fails; what each
/// came to.
pub async fn count_files(
    config: &LocalConfig,
    files: &[PathBuf],
) -> anyhow::Result<Vec<(PathBuf, TallySummary, Recorded)>> {
    let counts = AnyStore::open(config).await?;
    let mut counted = Vec::with_capacity(files.len());
    for path in files {
        let (summary, recorded) = count_file(&counts, path).await?;
        counted.push((path.clone(), summary, recorded));
    }
    Ok(counted)
}

/// Why a log file was not counted.
#[derive(Debug, thiserror::Error)]
pub enum CountError {
    /// The file could not be read.
    #[error("reading {0}: {1}")]
    Read(PathBuf, #[source] io::Error),
    /// The store did not record the counts; recording the same file again adds what is missing.
    #[error("recording {0}: {1}")]
    Store(PathBuf, #[source] shortener_domain::store::StoreError),
}

/// The key a log file is recorded under: its name (not its folder, so a moved file is still recognised) and its
/// size, so a different file reusing a name is not mistaken for it.
pub fn file_key(path: &Path) -> io::Result<LogFileKey> {
    let size = fs::metadata(path)?.len();
    let name = path.file_name().map_or_else(|| path.to_string_lossy(), |n| n.to_string_lossy());
    Ok(LogFileKey::new(&name, &size.to_string()))
}

/// Reads a closed log file in CloudFront's standard format and records its tally into `counts`, exactly once per
/// file: recording the same file again adds nothing.
pub async fn count_file<C: ClickCounts>(counts: &C, path: &Path) -> Result<(TallySummary, Recorded), CountError> {
    let read_error = |e| CountError::Read(path.to_owned(), e);
    let key = file_key(path).map_err(read_error)?;
    let owned = path.to_owned();
    let tally = tokio::task::spawn_blocking(move || Tally::read(BufReader::new(fs::File::open(owned)?)))
        .await
        .map_err(|e| read_error(io::Error::other(e)))?
        .map_err(read_error)?;
    let recorded = counts.record(&key, &tally).await.map_err(|e| CountError::Store(path.to_owned(), e))?;
    Ok((tally.summary(), recorded))
}

#[cfg(test)]
mod tests {
    use shortener_domain::{
        ShortId,
        clicks::{Clicker, FieldIndex, parse_line, unescape},
        store::ClickCounts as _,
        testing::embedded_store,
    };

    use super::*;

    /// The line of a request to `path` answered with `status`.
    fn line(method: &str, path: &str, status: u16, user_agent: Option<&str>) -> String {
        let (method, uri) = (method.parse().unwrap(), format!("{path}?utm_source=x%20y").parse().unwrap());
        let seen = Seen {
            host: Some(HeaderValue::from_static("127.0.0.1:8080")),
            user_agent: user_agent.map(|agent| HeaderValue::from_str(agent).unwrap()),
            referer: None,
            client: "::1".parse().unwrap(),
        };
        let (content_type, content_length) =
            (HeaderValue::from_static("text/html; charset=utf-8"), HeaderValue::from_static("120"));
        Entry {
            method: &method,
            uri: &uri,
            seen: &seen,
            at: time::macros::datetime!(2026-11-30 23:59:59 UTC).into(),
            status,
            elapsed: Duration::from_millis(3),
            content_type: Some(&content_type),
            content_length: Some(&content_length),
        }
        .line()
    }

    #[test]
    fn a_line_holds_cloudfronts_fields_in_order_and_the_domain_parser_reads_it_as_a_click_the_origin_answered() {
        let line = line("GET", "/abc1234", 301, Some("Mozilla/5.0 (X11;\tLinux)"));
        let fields: Vec<&str> = line.trim_end_matches('\n').split('\t').collect();
        assert_eq!(fields.len(), CLOUDFRONT_FIELDS.len(), "{line}");
        let field = |name: &str| fields[CLOUDFRONT_FIELDS.iter().position(|n| *n == name).unwrap()];
        assert_eq!(field("x-edge-result-type"), "Miss");
        assert_eq!(field("cs-uri-query"), "utm_source=x%2520y", "a % is escaped, as CloudFront does");
        assert_eq!(field("c-ip"), "::1");
        assert_eq!(field("cs(Referer)"), "-");

        let parsed =
            parse_line(&FieldIndex::from_fields_line(header().lines().nth(1).unwrap()).unwrap(), &line).unwrap();
        assert_eq!(unescape(parsed.user_agent), "Mozilla/5.0 (X11;\tLinux)");
        assert_eq!(parsed.at, time::macros::datetime!(2026-11-30 23:59:59 UTC));
        assert_eq!(parsed.click(), Some((ShortId::parse("abc1234").unwrap(), Clicker::Viewer)));
    }

    #[test]
    fn seconds_are_written_to_the_millisecond_and_the_status_in_decimal() {
        let line = line("GET", "/abc1234", 301, None);
        let fields: Vec<&str> = line.trim_end_matches('\n').split('\t').collect();
        let field = |name: &str| fields[CLOUDFRONT_FIELDS.iter().position(|n| *n == name).unwrap()];
        assert_eq!(field("time-taken"), "0.003");
        assert_eq!(field("sc-status"), "301");
    }

    #[test]
    fn an_error_answer_is_logged_as_an_error_and_is_no_click() {
        let line = line("GET", "/abc1234", 404, None);
        assert!(line.contains("\t404\t-\t-\t"), "{line}");
        assert!(line.contains("\tError\t"), "{line}");
        assert_eq!(parse_line(&FieldIndex::cloudfront(), &line).unwrap().click(), None);
    }

    #[test]
    fn escaping_is_undone_by_the_domains_unescape() {
        for value in ["plain", "a b\tc%41", "é ü 漢", "50%", "\u{7f}x"] {
            let escaped = escape(value);
            assert!(!escaped.contains([' ', '\t', '\n']), "{escaped}");
            assert_eq!(unescape(&escaped), value);
        }
        assert_eq!(escape(""), "-");
    }

    #[test]
    fn a_batch_is_split_between_files_on_line_boundaries_as_if_written_line_by_line() {
        let line = line("GET", "/abc1234", 301, None);
        let (header_bytes, line_bytes) = (u64::try_from(header().len()).unwrap(), u64::try_from(line.len()).unwrap());
        // A file is closed once it holds `max_bytes`: exactly with its second line, or with its third line when the
        // second leaves it one byte short.
        for (max_bytes, expected) in
            [(header_bytes + 2 * line_bytes, vec![2, 2, 2, 2]), (header_bytes + 2 * line_bytes + 1, vec![3, 3, 2])]
        {
            let folder = tempfile::tempdir().unwrap();
            let (closed, mut closed_files) = tokio::sync::mpsc::unbounded_channel();
            let shared = Arc::new(Shared { pending: Mutex::default(), gathered: Condvar::new(), fields: Field::all() });
            let mut writer = Writer {
                folder: folder.path().to_owned(),
                rotate_after: Duration::from_secs(3600),
                max_bytes,
                closed,
                file: None,
                shared,
                header_bytes,
            };

            writer.write_batch(&line.repeat(8));
            writer.rotate();

            let mut lines = Vec::new();
            while let Ok(path) = closed_files.try_recv() {
                let file = fs::read_to_string(path).unwrap();
                let body = file.strip_prefix(&header()).unwrap();
                assert!(body.replace(&line, "").is_empty(), "whole lines only: {body:?}");
                lines.push(body.lines().count());
            }
            assert_eq!(lines, expected, "max_bytes {max_bytes}");
        }
    }

    #[tokio::test]
    async fn a_file_counted_twice_counts_once() {
        let (store, _dir) = embedded_store();
        let logs = tempfile::tempdir().unwrap();
        let path = logs.path().join("LOCAL.2026-11-30-23-59-59.000000001-1.log");
        let mut text = header();
        for _ in 0..3 {
            text.push_str(&line("GET", "/abc1234", 301, Some("curl/8")));
        }
        text.push_str(&line("HEAD", "/abc1234", 301, Some("curl/8")));
        text.push_str(&line("GET", "/abc1234+", 200, Some("curl/8")));
        text.push_str(&line("GET", "/abc1234", 301, Some("Slackbot-LinkExpanding 1.0")));
        fs::write(&path, text).unwrap();

        let (summary, first) = count_file(&store, &path).await.unwrap();
        assert_eq!((summary.lines, summary.clicks, summary.bots), (6, 3, 1));
        assert_eq!((first.applied, first.skipped), (1, 0));
        let (_, again) = count_file(&store, &path).await.unwrap();
        assert_eq!((again.applied, again.skipped), (0, 1));

        let day = time::macros::date!(2026 - 11 - 30);
        let stats = store.stats(&ShortId::parse("abc1234").unwrap(), day, 1).await.unwrap();
        assert_eq!((stats.clicks, stats.bots), (3, 1));
    }

    #[tokio::test]
    async fn a_file_left_open_by_a_crash_is_closed_and_counted_at_the_next_start() {
        let (store, _dir) = embedded_store();
        let logs = tempfile::tempdir().unwrap();
        let open = logs.path().join(format!("LOCAL.2026-11-30-23-59-59.000000001-1{OPEN_SUFFIX}"));
        fs::write(&open, header() + &line("GET", "/abc1234", 301, None)).unwrap();
        let settings = AccessLogSettings { enabled: true, dir: None, rotate_seconds: 60, max_bytes: 1 << 20 };

        let log = AccessLog::start(logs.path().to_owned(), &settings, store.clone()).unwrap();
        log.close().await;

        let day = time::macros::date!(2026 - 11 - 30);
        let stats = store.stats(&ShortId::parse("abc1234").unwrap(), day, 1).await.unwrap();
        assert_eq!(stats.clicks, 1);
        assert_eq!(fs::read_dir(logs.path()).unwrap().count(), 0, "counted, then deleted");
    }
}
