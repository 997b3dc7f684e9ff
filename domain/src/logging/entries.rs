//! What a [`NonBlockingWriter`](super::NonBlockingWriter)'s buffer holds: lines their caller formatted, and
//! `answered` lines as the raw fields a request hands over, which the writer thread formats exactly as
//! `tracing_subscriber`'s text format would have on the request's task. A request copies a few dozen bytes; the
//! formatting, the short ID's parse and the clock's conversion to a date happen on the writer thread.

use std::{
    io::Write as _,
    time::{SystemTime, UNIX_EPOCH},
};

use time::OffsetDateTime;

use super::short_id_in;

/// The `answered` line's target, level and message, as the text format writes them.
const TARGET: &str = "shortener_domain::logging";
const LEVEL: &str = " INFO";
const MESSAGE: &str = "answered";

/// ANSI styles as `tracing_subscriber` writes them (through `nu_ansi_term`).
const DIMMED: &str = "\x1b[2m";
const ITALIC: &str = "\x1b[3m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

const LINE: u8 = 0;
const ANSWERED_PLAIN: u8 = 1;
const ANSWERED_ANSI: u8 = 2;
/// An answered entry before its strings: kind, seconds, nanoseconds, elapsed µs, status, three lengths.
const ANSWERED_HEAD: usize = 1 + 8 + 4 + 8 + 2 + 3 * 4;
/// `cache`'s length when the response had no cache header.
const NO_CACHE: u32 = u32::MAX;

/// The fields of one `answered` line, borrowed from the request that was answered.
#[derive(Debug, Clone, Copy)]
pub(super) struct Answered<'a> {
    pub method: &'a str,
    /// Already cut to the longest logged path.
    pub path: &'a str,
    pub status: u16,
    pub cache: Option<&'a str>,
    pub elapsed_us: u64,
}

/// Bytes `line` takes in the buffer.
pub(super) fn line_size(line: &[u8]) -> usize {
    1 + 4 + line.len()
}

/// Appends `line` (formatted, with its newline) to `buffer`; `None` if it is too long to frame (over 4 GiB).
pub(super) fn push_line(buffer: &mut Vec<u8>, line: &[u8]) -> Option<()> {
    let len = u32::try_from(line.len()).ok()?;
    buffer.push(LINE);
    buffer.extend_from_slice(&len.to_le_bytes());
    buffer.extend_from_slice(line);
    Some(())
}

impl Answered<'_> {
    /// Bytes these fields take in the buffer.
    pub(super) fn size(&self) -> usize {
        ANSWERED_HEAD + self.method.len() + self.path.len() + self.cache.map_or(0, str::len)
    }

    /// Appends the fields of a line logged `at` to `buffer`, to be written with ANSI styles or not; `None` (and
    /// nothing appended) if a field is too long to frame.
    pub(super) fn push(&self, at: SystemTime, ansi: bool, buffer: &mut Vec<u8>) -> Option<()> {
        let len = |text: &str| u32::try_from(text.len()).ok().filter(|&n| n != NO_CACHE);
        let (method, path) = (len(self.method)?, len(self.path)?);
        let cache = match self.cache {
            Some(cache) => len(cache)?,
            None => NO_CACHE,
        };
        let (seconds, nanos) = unix_time(at);
        buffer.push(if ansi { ANSWERED_ANSI } else { ANSWERED_PLAIN });
        buffer.extend_from_slice(&seconds.to_le_bytes());
        buffer.extend_from_slice(&nanos.to_le_bytes());
        buffer.extend_from_slice(&self.elapsed_us.to_le_bytes());
        buffer.extend_from_slice(&self.status.to_le_bytes());
        for n in [method, path, cache] {
            buffer.extend_from_slice(&n.to_le_bytes());
        }
        buffer.extend_from_slice(self.method.as_bytes());
        buffer.extend_from_slice(self.path.as_bytes());
        buffer.extend_from_slice(self.cache.unwrap_or_default().as_bytes());
        Some(())
    }

    /// The line as `tracing_subscriber`'s text format writes [`log_event`](super::log_event)'s event, logged
    /// `at` outside any span.
    pub(super) fn write_text(&self, at: SystemTime, ansi: bool, clock: &mut Clock, out: &mut Vec<u8>) {
        let style = |out: &mut Vec<u8>, style: &str, text: &str| {
            if ansi {
                out.extend_from_slice(style.as_bytes());
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(RESET.as_bytes());
            } else {
                out.extend_from_slice(text.as_bytes());
            }
        };
        let field = |out: &mut Vec<u8>, name: &str| {
            out.push(b' ');
            style(out, ITALIC, name);
            style(out, DIMMED, "=");
        };
        style(out, DIMMED, clock.timestamp(at));
        out.push(b' ');
        style(out, GREEN, LEVEL);
        out.push(b' ');
        style(out, DIMMED, TARGET);
        style(out, DIMMED, ":");
        out.push(b' ');
        out.extend_from_slice(MESSAGE.as_bytes());
        field(out, "method");
        debug_str(out, self.method);
        field(out, "path");
        debug_str(out, self.path);
        if let Some(id) = short_id_in(self.path) {
            field(out, "short_id");
            debug_str(out, id);
        }
        field(out, "status");
        decimal(out, u64::from(self.status));
        if let Some(cache) = self.cache {
            field(out, "cache");
            debug_str(out, cache);
        }
        field(out, "elapsed_us");
        decimal(out, self.elapsed_us);
        out.push(b'\n');
    }
}

/// Formats every entry of `buffer` into `out`, in order.
pub(super) fn write_all(buffer: &[u8], clock: &mut Clock, out: &mut Vec<u8>) {
    let mut rest = buffer;
    while let Some(next) = write_one(rest, clock, out) {
        rest = next;
    }
}

/// Formats the first entry of `buffer` into `out` and returns what follows it; `None` at the end.
fn write_one<'b>(buffer: &'b [u8], clock: &mut Clock, out: &mut Vec<u8>) -> Option<&'b [u8]> {
    let (&kind, rest) = buffer.split_first()?;
    if kind == LINE {
        let (len, rest) = take_u32(rest)?;
        let (line, rest) = rest.split_at_checked(len)?;
        out.extend_from_slice(line);
        return Some(rest);
    }
    let (seconds, rest) = rest.split_first_chunk::<8>()?;
    let (nanos, rest) = rest.split_first_chunk::<4>()?;
    let (elapsed_us, rest) = rest.split_first_chunk::<8>()?;
    let (status, rest) = rest.split_first_chunk::<2>()?;
    let (method, rest) = take_u32(rest)?;
    let (path, rest) = take_u32(rest)?;
    let (cache, rest) = rest.split_first_chunk::<4>()?;
    let cache = u32::from_le_bytes(*cache);
    let (method, rest) = take_str(rest, method)?;
    let (path, rest) = take_str(rest, path)?;
    let (cache, rest) = match cache {
        NO_CACHE => (None, rest),
        len => take_str(rest, usize::try_from(len).ok()?).map(|(cache, rest)| (Some(cache), rest))?,
    };
    let at = from_unix_time(i64::from_le_bytes(*seconds), u32::from_le_bytes(*nanos))?;
    let answered = Answered {
        method,
        path,
        status: u16::from_le_bytes(*status),
        cache,
        elapsed_us: u64::from_le_bytes(*elapsed_us),
    };
    answered.write_text(at, kind == ANSWERED_ANSI, clock, out);
    Some(rest)
}

fn take_u32(buffer: &[u8]) -> Option<(usize, &[u8])> {
    let (len, rest) = buffer.split_first_chunk::<4>()?;
    Some((usize::try_from(u32::from_le_bytes(*len)).ok()?, rest))
}

fn take_str(buffer: &[u8], len: usize) -> Option<(&str, &[u8])> {
    let (text, rest) = buffer.split_at_checked(len)?;
    Some((std::str::from_utf8(text).ok()?, rest))
}

/// `at` as whole seconds since the Unix epoch (negative before it) and nanoseconds after them.
fn unix_time(at: SystemTime) -> (i64, u32) {
    match at.duration_since(UNIX_EPOCH) {
        Ok(since) => (i64::try_from(since.as_secs()).unwrap_or(i64::MAX), since.subsec_nanos()),
        Err(before) => {
            let before = before.duration();
            let seconds = -i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            match before.subsec_nanos() {
                0 => (seconds, 0),
                nanos => (seconds - 1, 1_000_000_000 - nanos),
            }
        }
    }
}

fn from_unix_time(seconds: i64, nanos: u32) -> Option<SystemTime> {
    let after = std::time::Duration::new(seconds.unsigned_abs(), 0);
    let whole = if seconds >= 0 { UNIX_EPOCH.checked_add(after) } else { UNIX_EPOCH.checked_sub(after) }?;
    whole.checked_add(std::time::Duration::from_nanos(u64::from(nanos)))
}

/// The writer thread's timestamps, `tracing_subscriber`'s format (`2026-11-30T09:30:54.123456Z`, UTC), the date
/// and time of day worked out once per second.
#[derive(Debug, Default)]
pub(super) struct Clock {
    second: Option<i64>,
    /// The date and time of day of `second`, up to its decimal point.
    text: String,
    /// `text`'s length without the microseconds.
    whole: usize,
}

impl Clock {
    /// `at` as text.
    pub(super) fn timestamp(&mut self, at: SystemTime) -> &str {
        use std::fmt::Write as _;
        let (seconds, nanos) = unix_time(at);
        if self.second != Some(seconds) {
            self.second = Some(seconds);
            self.text.clear();
            let Ok(time) = OffsetDateTime::from_unix_timestamp(seconds) else {
                self.text.push_str("<unknown time>");
                self.whole = usize::MAX;
                return &self.text;
            };
            let year = time.year();
            let _ = if year > 9999 {
                write!(self.text, "+{year}")
            } else if year < 0 {
                write!(self.text, "{year:05}")
            } else {
                write!(self.text, "{year:04}")
            };
            let (month, day) = (u8::from(time.month()), time.day());
            let (hour, minute, second) = (time.hour(), time.minute(), time.second());
            let _ = write!(self.text, "-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.");
            self.whole = self.text.len();
        }
        if self.whole <= self.text.len() {
            self.text.truncate(self.whole);
            let _ = write!(self.text, "{:06}Z", nanos / 1_000);
        }
        &self.text
    }
}

/// `text` as `{:?}` writes it: quoted, and escaped where it needs escaping.
fn debug_str(out: &mut Vec<u8>, text: &str) {
    let plain = |b: u8| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\';
    if text.bytes().all(plain) {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        let _ = write!(out, "{text:?}");
    }
}

/// `n` in decimal.
fn decimal(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(super::decimal(n, &mut [0; 20]).as_bytes());
}
