//! The one logging setup of every binary: `RUST_LOG` filtering (default `info`), JSON lines for CloudWatch in
//! Lambda, readable text locally; the one line logged per answered request, by the one wrapper every entry point
//! (both Lambdas, the local stack) puts around its handler; and a [`NonBlockingWriter`], so that a server that
//! logs every request never waits for its log to be written.

use std::{
    future::Future,
    io::{self, Write},
    sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError},
    thread::JoinHandle,
    time::{Duration, Instant},
};

use tracing_subscriber::{EnvFilter, fmt::MakeWriter};

use crate::{
    ShortId,
    headers::CACHE_HEADER,
    paths::{self, Origin},
};

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
    install(format, io::stdout);
}

/// Like [`init`], but the lines go through `writer`: a request that logs never waits for standard output.
pub fn init_with(format: Format, writer: NonBlockingWriter) {
    install(format, writer);
}

fn install<W: for<'w> MakeWriter<'w> + Send + Sync + 'static>(format: Format, writer: W) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    match format {
        Format::Json => builder.json().with_current_span(true).with_span_list(false).without_time().init(),
        Format::Text => builder.init(),
    }
}

/// A log writer that never makes its caller wait for I/O: each line is copied into a bounded buffer, and a thread
/// of its own writes what has gathered there, many lines per write (every [`NonBlockingWriter::GATHER`] at most,
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
    lines: Vec<u8>,
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
        let mut pending = self.shared.lock();
        let before = pending.lines.len();
        if before + line.len() > self.shared.capacity {
            pending.dropped += 1;
            return;
        }
        pending.lines.extend_from_slice(line);
        let half = self.shared.capacity / 2;
        let wake = before == 0 || (before < half && pending.lines.len() >= half);
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

    /// The writer thread: waits for a first line, gathers more for up to [`NonBlockingWriter::GATHER`], writes
    /// them with one call, and again, until it is told to stop and has written everything. A failing output (a
    /// closed pipe) loses those lines; nothing else can be done with them.
    fn write_out(&self, mut output: impl Write) {
        let mut batch = Vec::with_capacity(self.capacity);
        loop {
            let (dropped, stopping) = {
                let mut pending = self.lock();
                while pending.lines.is_empty() && pending.dropped == 0 && !pending.stopping {
                    pending = self.gathered.wait(pending).unwrap_or_else(PoisonError::into_inner);
                }
                if !pending.stopping && pending.lines.len() < self.capacity / 2 {
                    pending = self
                        .gathered
                        .wait_timeout(pending, NonBlockingWriter::GATHER)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                std::mem::swap(&mut pending.lines, &mut batch);
                (std::mem::take(&mut pending.dropped), pending.stopping && batch.is_empty())
            };
            let mut written = output.write_all(&batch);
            if dropped > 0 {
                written =
                    written.and_then(|()| writeln!(output, "{dropped} log lines dropped: the log writer fell behind"));
            }
            // Nothing is left to tell of a failed write: the output is where errors would be reported.
            let _ = written.and_then(|()| output.flush());
            batch.clear();
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
    let cache = response.headers().get(CACHE_HEADER).and_then(|value| value.to_str().ok());
    log_answered(method.as_str(), path, response.status().as_u16(), cache, started.elapsed());
    response
}

fn log_answered(method: &str, path: &str, status: u16, cache: Option<&str>, elapsed: Duration) {
    // The short ID is parsed again only for the log: skip that on the hot path when the line would be dropped.
    if !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let short_id = short_id_in(path);
    let path = cut(path, MAX_LOGGED_PATH);
    let elapsed_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        method,
        path,
        short_id = short_id.as_ref().map(ShortId::as_str),
        status,
        cache,
        elapsed_us,
        "answered"
    );
}

/// The short ID a path names: `/{id}` for the resolver, `/api/links/{id}` for the API.
fn short_id_in(path: &str) -> Option<ShortId> {
    let candidate = match path.strip_prefix("/api/links/") {
        Some(id) => id,
        None if paths::origin(path) == Origin::Resolver => path.strip_prefix('/')?,
        None => return None,
    };
    ShortId::parse(candidate).ok()
}

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
    use super::*;

    #[test]
    fn finds_the_short_id_a_path_names() {
        assert_eq!(short_id_in("/abc1234").as_ref().map(ShortId::as_str), Some("abc1234"));
        assert_eq!(short_id_in("/api/links/my-alias").as_ref().map(ShortId::as_str), Some("my-alias"));
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
        let (writer, thread) = NonBlockingWriter::spawn("test-log", recorder.clone(), 10).unwrap();
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

    #[test]
    fn cuts_on_a_character_boundary() {
        assert_eq!(cut("abc", 10), "abc");
        assert_eq!(cut("abcdef", 3), "abc");
        assert_eq!(cut("aé", 2), "a");
    }
}
