//! The one logging setup of every binary: `RUST_LOG` filtering (default `info`), JSON lines for CloudWatch in
//! Lambda, readable text locally; the one line logged per answered request, by the one wrapper every entry point
//! (both Lambdas, the local stack) puts around its handler; and a [`NonBlockingWriter`], so that a server that
//! logs every request never waits for its log to be written, nor (with the text format) formats its line.

mod entries;

use std::{
    future::Future,
    io::{self, IsTerminal as _, Write},
    sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError},
    thread::JoinHandle,
    time::{Duration, Instant, SystemTime},
};

use tracing_subscriber::{EnvFilter, fmt::MakeWriter};

use crate::{
    ShortId,
    headers::CACHE_HEADER,
    paths::{self, Origin},
};

use self::entries::{Answered, Clock};

/// Longest path written to a log line; longer ones (scanners, junk) are cut, so a log line stays small.
const MAX_LOGGED_PATH: usize = 128;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line, without a timestamp (CloudWatch adds its own). Inside a Lambda invocation the line
    /// carries the runtime's span, so `span.requestId` is the invocation's request ID.
    Json,
    /// Human-readable lines with timestamps, for a terminal.
    Text,
}

/// Installs the global subscriber, writing each line to standard output as it is logged; call once, first thing in
/// `main`.
pub fn init(format: Format) {
    install(format, io::stdout, ansi_by_default());
}

/// Like [`init`], but the lines go through `writer`: a request that logs never waits for standard output. With
/// [`Format::Text`], a request's `answered` line goes to `writer` as its fields, and the writer's thread formats it.
pub fn init_with(format: Format, writer: NonBlockingWriter) {
    let ansi = ansi_by_default();
    if format == Format::Text {
        let _ = ANSWERED_TO.set(AnsweredTo { writer: writer.clone(), ansi });
    }
    install(format, writer, ansi);
}

/// Where [`answered`] hands its line's fields, when [`init_with`] installed a text log.
static ANSWERED_TO: OnceLock<AnsweredTo> = OnceLock::new();

struct AnsweredTo {
    writer: NonBlockingWriter,
    /// Whether the text format writes ANSI styles: the line is written as the format would write it.
    ansi: bool,
}

/// ANSI styles when standard output is a terminal, unless `NO_COLOR` is set to something (as `tracing_subscriber`
/// decides by default): a log sent to a file or a pipe gets the same lines without escape codes, which neither a
/// reader of the file nor a search in it wants, and which made up about a third of each request line's bytes.
fn ansi_by_default() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

fn install<W: for<'w> MakeWriter<'w> + Send + Sync + 'static>(format: Format, writer: W, ansi: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(ansi);
    match format {
        Format::Json => builder.json().with_current_span(true).with_span_list(false).without_time().init(),
        Format::Text => builder.init(),
    }
}

/// A log writer that never makes its caller wait for I/O: each line (or, for a request's `answered` line, its
/// fields) is copied into a bounded buffer, and a thread of its own formats and writes what has gathered there,
/// many lines per write (every [`NonBlockingWriter::GATHER`] at most,
/// at once when the buffer is half full). When the buffer is full, because the output is slower than the lines
/// come, a line is dropped rather than waited for; the writer counts the lines it dropped and writes how many
/// (`N log lines dropped: the log writer fell behind`) once it catches up. Cloned handles share one buffer and one
/// thread; each line is written whole (one [`Write::write`] call is one line), never interleaved with another.
#[derive(Clone)]
pub struct NonBlockingWriter {
    shared: Arc<Shared>,
}

/// The thread of a [`NonBlockingWriter`]: dropping it writes out what is buffered and waits for the thread to end.
/// Keep it alive as long as lines may be logged (in `main`); lines logged after it is dropped are lost.
#[must_use = "dropping it stops the writer thread"]
pub struct WriterThread {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    pending: Mutex<Pending>,
    gathered: Condvar,
    capacity: usize,
}

#[derive(Default)]
struct Pending {
    /// What is waiting to be written, framed by [`entries`].
    entries: Vec<u8>,
    dropped: u64,
    stopping: bool,
}

impl NonBlockingWriter {
    /// Longest time a line waits in the buffer before the thread writes it, unless the buffer fills up first.
    pub const GATHER: Duration = Duration::from_millis(10);

    /// A writer to `output` through a buffer of at most `capacity` bytes, and the thread that writes it, named
    /// `name`. Fails only if the thread cannot be started.
    pub fn spawn(name: &str, output: impl Write + Send + 'static, capacity: usize) -> io::Result<(Self, WriterThread)> {
        let shared = Arc::new(Shared { pending: Mutex::default(), gathered: Condvar::new(), capacity });
        let thread = std::thread::Builder::new().name(name.to_owned()).spawn({
            let shared = Arc::clone(&shared);
            move || shared.write_out(output)
        })?;
        Ok((Self { shared: Arc::clone(&shared) }, WriterThread { shared, thread: Some(thread) }))
    }

    /// Buffers `line` (which should end with its newline) whole, or drops it if the buffer has no room for it.
    pub fn write_line(&self, line: &[u8]) {
        self.buffer(entries::line_size(line), |buffer| entries::push_line(buffer, line));
    }

    /// Buffers the fields of an `answered` line logged `at`, or drops it if the buffer has no room for them.
    fn write_answered(&self, at: SystemTime, answered: &Answered<'_>, ansi: bool) {
        self.buffer(answered.size(), |buffer| answered.push(at, ansi, buffer));
    }

    /// Appends an entry of `size` bytes with `push` if the buffer has room for it, and wakes the writer thread if
    /// it may be waiting for it; counts it as dropped otherwise.
    fn buffer(&self, size: usize, push: impl FnOnce(&mut Vec<u8>) -> Option<()>) {
        let mut pending = self.shared.lock();
        let before = pending.entries.len();
        if before + size > self.shared.capacity || push(&mut pending.entries).is_none() {
            pending.dropped += 1;
            return;
        }
        let half = self.shared.capacity / 2;
        let wake = before == 0 || (before < half && pending.entries.len() >= half);
        drop(pending);
        if wake {
            self.shared.gathered.notify_one();
        }
    }
}

impl std::fmt::Debug for NonBlockingWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonBlockingWriter").field("capacity", &self.shared.capacity).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for WriterThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterThread").finish_non_exhaustive()
    }
}

/// `tracing_subscriber` formats each event into one buffer and writes it with one `write_all`: one line.
impl Write for &NonBlockingWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.write_line(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'w> MakeWriter<'w> for NonBlockingWriter {
    type Writer = &'w Self;

    fn make_writer(&'w self) -> Self::Writer {
        self
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The writer thread: waits for a first line, gathers more for up to [`NonBlockingWriter::GATHER`], formats
    /// what needs it and writes them with one call, and again, until it is told to stop and has written
    /// everything. A failing output (a closed pipe) loses those lines; nothing else can be done with them.
    fn write_out(&self, mut output: impl Write) {
        let mut batch = Vec::with_capacity(self.capacity);
        let mut text = Vec::with_capacity(self.capacity);
        let mut clock = Clock::default();
        loop {
            let (dropped, stopping) = {
                let mut pending = self.lock();
                while pending.entries.is_empty() && pending.dropped == 0 && !pending.stopping {
                    pending = self.gathered.wait(pending).unwrap_or_else(PoisonError::into_inner);
                }
                if !pending.stopping && pending.entries.len() < self.capacity / 2 {
                    pending = self
                        .gathered
                        .wait_timeout(pending, NonBlockingWriter::GATHER)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                std::mem::swap(&mut pending.entries, &mut batch);
                (std::mem::take(&mut pending.dropped), pending.stopping && batch.is_empty())
            };
            entries::write_all(&batch, &mut clock, &mut text);
            let mut written = output.write_all(&text);
            if dropped > 0 {
                written =
                    written.and_then(|()| writeln!(output, "{dropped} log lines dropped: the log writer fell behind"));
            }
            // Nothing is left to tell of a failed write: the output is where errors would be reported.
            let _ = written.and_then(|()| output.flush());
            batch.clear();
            text.clear();
            if stopping {
                return;
            }
        }
    }
}

impl Drop for WriterThread {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.gathered.notify_one();
        if let Some(thread) = self.thread.take() {
            // A panic of the writer thread has already been reported on standard error.
            let _ = thread.join();
        }
    }
}

/// Awaits `handler`, the answer to `method` on `path`, and logs the request's one `answered` line: method, path
/// (cut to 128 bytes), the short ID it names if any, status, the resolver's [`CACHE_HEADER`] if any, and the
/// handler's time. Bodies are never logged, so neither is a target URL.
pub async fn answered<B>(
    method: &http::Method,
    path: &str,
    handler: impl Future<Output = http::Response<B>>,
) -> http::Response<B> {
    let started = Instant::now();
    let response = handler.await;
    log_response(method, path, &response, started.elapsed(), SystemTime::now());
    response
}

/// Logs the one `answered` line of a request to `method` on `path` whose `response` took `elapsed` and was ready
/// `at`, for a server that times its requests itself (the local stack, whose access log takes the same figures);
/// [`answered`] is the same for a handler.
pub fn log_response<B>(
    method: &http::Method,
    path: &str,
    response: &http::Response<B>,
    elapsed: Duration,
    at: SystemTime,
) {
    let cache = response.headers().get(CACHE_HEADER).and_then(|value| value.to_str().ok());
    log_answered(method.as_str(), path, response.status().as_u16(), cache, elapsed, at);
}

fn log_answered(method: &str, path: &str, status: u16, cache: Option<&str>, elapsed: Duration, at: SystemTime) {
    // The short ID is checked again only for the log: skip that on the hot path when the line would be dropped.
    if !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let path = cut(path, MAX_LOGGED_PATH);
    let elapsed_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    let answered = Answered { method, path, status, cache, elapsed_us };
    match ANSWERED_TO.get() {
        Some(to) if outside_any_span() => to.writer.write_answered(at, &answered, to.ansi),
        _ => log_event(&answered),
    }
}

/// Logs `answered` as a tracing event: the line the writer thread writes from the same fields.
fn log_event(answered: &Answered<'_>) {
    tracing::info!(
        method = answered.method,
        path = answered.path,
        short_id = short_id_in(answered.path),
        status = answered.status,
        cache = answered.cache,
        elapsed_us = answered.elapsed_us,
        "answered"
    );
}

/// Whether no span is entered on this thread: the text format writes the spans an event is logged in before it,
/// which the writer thread's `answered` line does not.
fn outside_any_span() -> bool {
    tracing::dispatcher::get_default(|dispatch| dispatch.current_span().id().is_none())
}

/// The short ID a path names: `/{id}` for the resolver, `/api/links/{id}` for the API.
fn short_id_in(path: &str) -> Option<&str> {
    let candidate = match path.strip_prefix("/api/links/") {
        Some(id) => id,
        None if paths::origin(path) == Origin::Resolver => path.strip_prefix('/')?,
        None => return None,
    };
    ShortId::check(candidate).ok().map(|()| candidate)
}

/// `n` in decimal, written into `digits` without the formatting machinery: log lines carry numbers, and a server
/// that logs every request writes several per request. Most are under 1,000 (a status, an address's octets,
/// milliseconds, a minute's seconds): those are cut from a table instead, with no digit written or checked.
pub fn decimal(mut n: u64, digits: &mut [u8; 20]) -> &str {
    if let Some(small) = usize::try_from(n).ok().filter(|&n| n < 1000) {
        let width = if small < 10 {
            1
        } else if small < 100 {
            2
        } else {
            3
        };
        let end = 3 * small + 3;
        return UNDER_1000.get(end - width..end).unwrap_or_default();
    }
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b"0123456789"[usize::try_from(n % 10).unwrap_or_default()];
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&digits[start..]).unwrap_or_default()
}

/// 000 to 999, three digits each: [`decimal`]'s table.
const UNDER_1000: &str = {
    const BYTES: [u8; 3000] = {
        let (mut bytes, mut at, mut hundreds) = ([0; 3000], 0, b'0');
        while hundreds <= b'9' {
            let mut tens = b'0';
            while tens <= b'9' {
                let mut ones = b'0';
                while ones <= b'9' {
                    (bytes[at], bytes[at + 1], bytes[at + 2]) = (hundreds, tens, ones);
                    at += 3;
                    ones += 1;
                }
                tens += 1;
            }
            hundreds += 1;
        }
        bytes
    };
    match std::str::from_utf8(&BYTES) {
        Ok(text) => text,
        Err(_) => panic!("ASCII digits are UTF-8"),
    }
};

/// `text` cut to at most `max` bytes, on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// For a binary's `main` at init: the value, or the error logged as `init failed` and the process ended with
/// status 1, which Lambda reports as an init error instead of starting a function that could never answer.
pub fn or_exit<T, E: std::fmt::Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|error| {
        tracing::error!(%error, "init failed");
        std::process::exit(1)
    })
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::fmt::time::FormatTime;

    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in (0..=1_100).chain([9_999, 10_000, 65_535, 86_400, u64::MAX]) {
            assert_eq!(decimal(n, &mut [0; 20]), n.to_string());
        }
    }

    #[test]
    fn finds_the_short_id_a_path_names() {
        assert_eq!(short_id_in("/abc1234"), Some("abc1234"));
        assert_eq!(short_id_in("/api/links/my-alias"), Some("my-alias"));
        assert_eq!(short_id_in("/shorten"), None);
        assert_eq!(short_id_in("/assets/app.js"), None);
        assert_eq!(short_id_in("/not%20an%20id"), None);
    }

    /// An output the test can read back, that signals each write and can hold it until told to go on.
    #[derive(Clone)]
    struct Recorder {
        written: Arc<Mutex<Vec<u8>>>,
        started: std::sync::mpsc::SyncSender<()>,
        proceed: Arc<Mutex<std::sync::mpsc::Receiver<()>>>,
    }

    impl Recorder {
        /// The recorder, a receiver told of each write, and a sender each write waits for.
        fn new() -> (Self, std::sync::mpsc::Receiver<()>, std::sync::mpsc::Sender<()>) {
            let (started, writes) = std::sync::mpsc::sync_channel(100);
            let (go, proceed) = std::sync::mpsc::channel();
            let recorder = Self { written: Arc::default(), started, proceed: Arc::new(Mutex::new(proceed)) };
            (recorder, writes, go)
        }

        fn text(&self) -> String {
            String::from_utf8(self.written.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for Recorder {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let _ = self.started.try_send(());
            let _ = self.proceed.lock().unwrap().recv();
            self.written.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_from_every_thread_is_written_whole_before_the_writer_thread_ends() {
        let (recorder, _writes, go) = Recorder::new();
        drop(go);
        let (writer, thread) = NonBlockingWriter::spawn("test-log", recorder.clone(), 1 << 20).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..500 {
                        writer.write_line(format!("thread {t} line {i}\n").as_bytes());
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(thread);
        let text = recorder.text();
        for t in 0..4 {
            let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(&format!("thread {t} "))).collect();
            let expected: Vec<String> = (0..500).map(|i| format!("thread {t} line {i}")).collect();
            assert_eq!(lines, expected, "thread {t}'s lines, whole and in order");
        }
        assert_eq!(text.lines().count(), 2000);
    }

    #[test]
    fn a_full_buffer_drops_lines_without_waiting_and_the_log_says_how_many() {
        let (recorder, writes, go) = Recorder::new();
        // Each line takes 5 bytes more in the buffer than its text: "next\n" takes 10.
        let (writer, thread) = NonBlockingWriter::spawn("test-log", recorder.clone(), 20).unwrap();
        writer.write_line(b"first\n");
        writes.recv().unwrap();
        // The thread is stuck writing the first line: two of these fit in the buffer, three do not.
        for _ in 0..5 {
            writer.write_line(b"next\n");
        }
        drop(go);
        drop(thread);
        assert_eq!(recorder.text(), "first\nnext\nnext\n3 log lines dropped: the log writer fell behind\n");
    }

    /// A `tracing_subscriber` timer that writes one fixed text.
    struct FixedTime(String);

    impl FormatTime for FixedTime {
        fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
            w.write_str(&self.0)
        }
    }

    /// What `tracing_subscriber`'s text format, set up as [`install`] sets it up, writes for the events `log` logs.
    fn text_format(ansi: bool, timer: impl FormatTime + Send + Sync + 'static, log: impl FnOnce()) -> String {
        let written = Arc::new(Mutex::new(Vec::new()));
        let make_writer = {
            let written = Arc::clone(&written);
            move || Capture(Arc::clone(&written))
        };
        let subscriber = tracing_subscriber::fmt().with_writer(make_writer).with_ansi(ansi).with_timer(timer).finish();
        tracing::subscriber::with_default(subscriber, log);
        String::from_utf8(written.lock().unwrap().clone()).unwrap()
    }

    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_writer_thread_writes_an_answered_line_byte_for_byte_as_the_text_format_writes_its_event() {
        let long = format!("/{}", "x".repeat(300));
        let cases = [
            ("GET", "/abc1234", 301, Some("hit"), 12),
            ("HEAD", "/abc1234+", 200, Some("miss"), 1_234),
            ("POST", "/shorten", 201, None, 5_000),
            ("PATCH", "/api/links/my-alias", 200, None, 0),
            ("BREW", "/a\"quote\\and é\u{1b}[31m", 404, Some("negative"), u64::MAX),
            ("GET", long.as_str(), 404, Some("negative"), 7),
        ];
        let at = SystemTime::UNIX_EPOCH + Duration::new(1_796_083_199, 123_456_789);
        let stamp = Clock::default().timestamp(at).to_owned();
        for ansi in [false, true] {
            let mut buffer = Vec::new();
            let mut expected = String::new();
            for (method, path, status, cache, elapsed_us) in cases {
                let answered = Answered { method, path: cut(path, MAX_LOGGED_PATH), status, cache, elapsed_us };
                answered.push(at, ansi, &mut buffer).unwrap();
                expected += &text_format(ansi, FixedTime(stamp.clone()), || log_event(&answered));
            }
            assert_eq!(expected.lines().count(), cases.len());
            let mut written = Vec::new();
            entries::write_all(&buffer, &mut Clock::default(), &mut written);
            assert_eq!(String::from_utf8(written).unwrap(), expected, "ANSI styles: {ansi}");
        }
    }

    #[test]
    fn timestamps_are_written_as_the_text_format_writes_them() {
        let mut clock = Clock::default();
        let mut stamp = |at| clock.timestamp(at).to_owned();
        let epoch = SystemTime::UNIX_EPOCH;
        assert_eq!(stamp(epoch), "1970-01-01T00:00:00.000000Z");
        assert_eq!(stamp(epoch + Duration::new(951_827_696, 999_999_999)), "2000-02-29T12:34:56.999999Z");
        assert_eq!(stamp(epoch + Duration::new(951_827_696, 5_000)), "2000-02-29T12:34:56.000005Z");
        assert_eq!(stamp(epoch + Duration::new(1_796_083_199, 0)), "2026-11-30T23:59:59.000000Z");
        assert_eq!(stamp(epoch - Duration::from_micros(1)), "1969-12-31T23:59:59.999999Z");

        let before = stamp(SystemTime::now());
        let line = text_format(false, tracing_subscriber::fmt::time::SystemTime, || tracing::info!("now"));
        let after = stamp(SystemTime::now());
        let logged = line.split(' ').next().unwrap();
        assert_eq!(logged.len(), before.len(), "{line}");
        assert!(before.as_str() <= logged && logged <= after.as_str(), "{before} <= {logged} <= {after}");
    }

    #[test]
    fn answered_lines_and_other_lines_are_written_in_the_order_they_were_logged() {
        let (recorder, _writes, go) = Recorder::new();
        drop(go);
        let (writer, thread) = NonBlockingWriter::spawn("test-log", recorder.clone(), 1 << 20).unwrap();
        let at = SystemTime::now();
        let answered = Answered { method: "GET", path: "/abc1234", status: 301, cache: Some("hit"), elapsed_us: 3 };
        writer.write_line(b"before\n");
        writer.write_answered(at, &answered, false);
        writer.write_line(b"after\n");
        drop(thread);
        let mut line = Vec::new();
        answered.write_text(at, false, &mut Clock::default(), &mut line);
        let line = String::from_utf8(line).unwrap();
        assert!(line.ends_with(
            " INFO shortener_domain::logging: answered method=\"GET\" path=\"/abc1234\" short_id=\"abc1234\" \
             status=301 cache=\"hit\" elapsed_us=3\n"
        ));
        assert_eq!(recorder.text(), format!("before\n{line}after\n"));
    }

    #[test]
    fn cuts_on_a_character_boundary() {
        assert_eq!(cut("abc", 10), "abc");
        assert_eq!(cut("abcdef", 3), "abc");
        assert_eq!(cut("aé", 2), "a");
    }
}
