//! Reading the text: lines with their numbers (for located errors), comments cut off, `;` and
//! comma separated values, and the split of a large text into two halves parsed at once.

use super::number::{is_space, scan, Scanned, NUMBER};
use crate::error::ParseError;

/// A line of the input with its number and the byte offset where its content starts.
pub(super) struct Line<'a> {
    pub(super) number: usize,
    pub(super) text: &'a str,
    pub(super) full: &'a str,
}

impl Line<'_> {
    /// 1-based character column of a byte offset into `text`.
    pub(super) fn column(&self, byte: usize) -> usize {
        let offset = self.text.as_ptr() as usize - self.full.as_ptr() as usize + byte;
        self.full[..offset].chars().count() + 1
    }

    pub(super) fn error(&self, byte: usize, text: &str, problem: &str, expected: &str) -> ParseError {
        ParseError::new(self.number, self.column(byte), text, problem, expected)
    }
}

/// The input's lines with comments cut off (`#` to the end of the line), the first numbered `first`.
pub(super) fn lines(text: &str, first: usize) -> impl Iterator<Item = Line<'_>> {
    split_at_byte(text, b'\n').enumerate().map(move |(n, full)| {
        let full = full.strip_suffix('\r').unwrap_or(full);
        let text = match memchr::memchr(b'#', full.as_bytes()) {
            Some(i) => &full[..i],
            None => full,
        };
        Line { number: n + first, text, full }
    })
}

/// Text from this size is parsed on two threads in native builds, each half of the lines on its own.
pub(super) const PARALLEL_TEXT_BYTES: usize = 1 << 20;

/// `parse(part, first_line, room)` on the whole text, or on its two halves (split at a line end) at
/// once on two threads: the second half is `None` when the text was parsed whole. The first half's
/// error wins, as it comes first in the text. `room` is the bytes of text whose values the result
/// will hold: the whole text's for the first half, as the second is appended to it.
pub(super) fn in_halves<R: Send>(
    text: &str,
    min_bytes: usize,
    parse: impl Fn(&str, usize, usize) -> Result<R, ParseError> + Sync,
) -> Result<(R, Option<R>), ParseError> {
    #[cfg(not(target_arch = "wasm32"))]
    if text.len() >= min_bytes && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
        if let Some(end) = memchr::memchr(b'\n', &text.as_bytes()[text.len() / 2..]).map(|i| text.len() / 2 + i) {
            let (first, second) = (&text[..end], &text[end + 1..]);
            let second_line = memchr::memchr_iter(b'\n', first.as_bytes()).count() + 2;
            let parse = &parse;
            let (a, b) = std::thread::scope(|scope| {
                let later = std::thread::Builder::new().spawn_scoped(scope, move || parse(second, second_line, second.len())).ok();
                let a = parse(first, 1, text.len());
                // A thread that could not start leaves its half to this one.
                let b = match later.map(|h| h.join()) {
                    Some(Ok(b)) => b,
                    _ => parse(second, second_line, second.len()),
                };
                (a, b)
            });
            return Ok((a?, Some(b?)));
        }
    }
    #[cfg(target_arch = "wasm32")]
    let _ = min_bytes; // wasm has one thread: the page's and the worker's
    Ok((parse(text, 1, text.len())?, None))
}

/// `text.split(byte as char)` for an ASCII `byte`, with the `memchr` crate's SIMD search (pasted text
/// is megabytes; the standard library's character search reads a byte at a time here).
pub(super) fn split_at_byte(text: &str, byte: u8) -> impl Iterator<Item = &str> {
    let mut start = 0;
    memchr::memchr_iter(byte, text.as_bytes()).map(Some).chain(std::iter::once(None)).map(move |at| {
        let end = at.unwrap_or(text.len());
        // An ASCII byte is always a character boundary.
        let part = &text[start..end];
        start = end + 1;
        part
    })
}

/// Calls `f(token, byte_offset, scanned)` for each value of `segment` (values separated by commas
/// and/or white space; a trailing comma is allowed, an empty value between two commas is not).
pub(super) fn for_each_value(
    line: &Line<'_>,
    segment: &str,
    base: usize,
    mut f: impl FnMut(&str, usize, Scanned) -> Result<(), ParseError>,
) -> Result<(), ParseError> {
    let b = segment.as_bytes();
    let mut i = 0;
    let mut after_comma = false;
    let mut seen = false;
    while i < b.len() {
        let c = b[i];
        if is_space(c) {
            i += 1;
        } else if c == b',' {
            if after_comma || !seen {
                return Err(line.error(base + i, ",", "empty value before this comma", NUMBER));
            }
            after_comma = true;
            i += 1;
        } else {
            let scanned = scan(b, i);
            f(&segment[i..scanned.end], base + i, scanned)?;
            i = scanned.end;
            seen = true;
            after_comma = false;
        }
    }
    Ok(())
}
