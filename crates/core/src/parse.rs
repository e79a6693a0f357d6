//! Parsers for the seeds' three text layouts. Every rejection is a located [`ParseError`]; nothing panics.
//!
//! - channel lines (seed 000): `channel,min,max,sample[,sample...]`, or `channel,scale,zero_point,sample...`
//!   in manual mode;
//! - a tensor (seeds 001, 003): one channel per line or per `;`, values separated by commas and/or
//!   white space, optional `name:` label;
//! - a flat list of values (seed 002): separated by commas, white space, newlines or `;`.
//!
//! All accept blank lines and `#` comments, numbers such as `1e-3`, `-.5`, `+2`, and `nan` / `inf`
//! (kept, and flagged by the analysis, never silently used). Floats are converted by `fast-float2`
//! (correctly rounded); each number's exact decimal is kept for the textbook convention's ties.

use crate::analysis::{ManualParams, ParamSource};
use crate::error::ParseError;
use crate::exact::Decimal;
use crate::params::RangeInput;
use crate::tensor::{Layout, Samples, Tensor};
use serde::{Deserialize, Serialize};

const NUMBER: &str = "a number such as 0.25, -.5, 1e-3, +2, nan or inf";

/// A parsed number: its f64 value and, when finite and short enough, its exact decimal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number {
    /// Correctly rounded f64.
    pub value: f64,
    /// The decimal as typed.
    pub exact: Option<Decimal>,
}

/// What one read of a token tells: where it ends, whether it is a number in the accepted syntax
/// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` or `[+-]? (nan | inf | infinity)`,
/// and, for a finite one, its exact decimal as [`Decimal::parse`] gives it.
///
/// Pasted text is read once here (syntax, decimal and the token's end together) and once more by
/// `fast-float2` for the correctly rounded f64: 10 MB of numbers is otherwise four reads.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Scanned {
    /// Byte offset just past the token (the next white space, comma or the end).
    end: usize,
    /// Whether the token is a number.
    number: bool,
    /// Its exact decimal: at most 18 significant digits and an exponent within ±100000, as
    /// [`Decimal::parse`] (which stays the reference; a property test compares the two).
    exact: Option<Decimal>,
}

#[inline]
fn is_separator(b: u8) -> bool {
    is_space(b) || b == b','
}

/// Reads an optional `+` or `-` at `b[*i]`; whether it was `-`.
#[inline(always)]
fn sign(b: &[u8], i: &mut usize) -> bool {
    match b.get(*i) {
        Some(&c @ (b'-' | b'+')) => {
            *i += 1;
            c == b'-'
        }
        _ => false,
    }
}

/// Reads the token that starts at `b[start]` (up to white space, a comma or the end of `b`).
#[inline]
fn scan(b: &[u8], start: usize) -> Scanned {
    const MAX_DIGITS: u32 = 18;
    let mut i = start;
    let negative = sign(b, &mut i);
    let body = i;
    let (mut mantissa, mut significant, mut digits, mut scale, mut point) = (0i64, 0u32, 0usize, 0i64, false);
    // The digits before the point, then (after a `.`) the digits after it.
    loop {
        // Eight digits at a time while there are eight (the bulk of a pasted value's digits).
        while let Some(eight) = eight_digits(b, i) {
            let leading_zeros = if mantissa == 0 { eight.leading_zeros() } else { 0 };
            significant += 8 - leading_zeros;
            if significant <= MAX_DIGITS {
                mantissa = mantissa * 100_000_000 + eight.value() as i64;
            }
            digits += 8;
            scale -= 8 * point as i64;
            i += 8;
        }
        while i < b.len() && b[i].is_ascii_digit() {
            let c = b[i];
            digits += 1;
            scale -= point as i64;
            // Leading zeros carry no significant digit.
            if mantissa != 0 || c != b'0' {
                significant += 1;
                if significant <= MAX_DIGITS {
                    mantissa = mantissa * 10 + (c - b'0') as i64;
                }
            }
            i += 1;
        }
        if point || i == b.len() || b[i] != b'.' {
            break;
        }
        point = true;
        i += 1;
    }
    let mut exponent = 0i64;
    let mut exponent_fits = true;
    let mut well_formed = digits > 0;
    if well_formed && i < b.len() && (b[i] | 0x20) == b'e' {
        i += 1;
        let exponent_negative = sign(b, &mut i);
        let first = i;
        while i < b.len() && b[i].is_ascii_digit() {
            exponent = (exponent * 10 + (b[i] - b'0') as i64).min(1 << 40);
            i += 1;
        }
        well_formed = i > first;
        // Decimal::parse takes exponents of at most 7 characters, a `-` counted, a `+` not.
        exponent_fits = i - first + exponent_negative as usize <= 7;
        if exponent_negative {
            exponent = -exponent;
        }
    }
    let number_end = i;
    while i < b.len() && !is_separator(b[i]) {
        i += 1;
    }
    if digits == 0 {
        let word = &b[body..i];
        let named = word.eq_ignore_ascii_case(b"nan") || word.eq_ignore_ascii_case(b"inf") || word.eq_ignore_ascii_case(b"infinity");
        return Scanned { end: i, number: named, exact: None };
    }
    let number = well_formed && number_end == i;
    let exponent = exponent + scale;
    let exact = (number && significant <= MAX_DIGITS && exponent_fits && exponent.abs() <= 100_000)
        .then(|| Decimal { mantissa: if negative { -mantissa } else { mantissa }, exponent: exponent as i32 });
    Scanned { end: i, number, exact }
}

/// Eight ASCII digits read as one little-endian word (the SWAR method of fast_float and simdjson).
#[derive(Clone, Copy)]
struct EightDigits(u64);

/// The eight bytes at `b[i..]` when they are all digits.
#[inline(always)]
fn eight_digits(b: &[u8], i: usize) -> Option<EightDigits> {
    let bytes: [u8; 8] = b.get(i..i + 8)?.try_into().ok()?;
    let word = u64::from_le_bytes(bytes);
    // Each byte is 0x30..=0x39: its high nibble is 3, and adding 6 keeps it 3 (no byte carries,
    // once every high nibble is 3).
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    let all_digits = word & HIGH == THREES && word.wrapping_add(0x0606_0606_0606_0606) & HIGH == THREES;
    all_digits.then(|| EightDigits(word - 0x3030_3030_3030_3030))
}

impl EightDigits {
    /// The eight digits' value, the first digit the most significant (three multiplications).
    #[inline(always)]
    fn value(self) -> u32 {
        let v = self.0;
        // Wrapping, as the method intends: the high bytes' overflow is masked off.
        let v = v.wrapping_mul(10).wrapping_add(v >> 8); // pairs of digits in every other byte
        let v = ((v & 0x0000_00FF_0000_00FF)
            .wrapping_mul(100 + (1_000_000 << 32))
            .wrapping_add(((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32))))
            >> 32;
        v as u32
    }

    /// How many of the digits, from the first, are `0`.
    #[inline(always)]
    fn leading_zeros(self) -> u32 {
        self.0.trailing_zeros() / 8
    }
}

/// The f64 of a token [`scan`] found to be a number, by `fast-float2` (correctly rounded), with
/// the exact decimal kept only where the value is finite.
#[inline]
fn number_of(token: &str, scanned: Scanned) -> Option<Number> {
    let unsigned = token.strip_prefix('+').unwrap_or(token);
    let value: f64 = fast_float2::parse(unsigned).ok()?;
    Some(Number { value, exact: if value.is_finite() { scanned.exact } else { None } })
}

/// [`scan`] of a whole token (a field): a number only if nothing follows it.
fn scan_whole(token: &str) -> Scanned {
    let mut scanned = scan(token.as_bytes(), 0);
    scanned.number &= scanned.end == token.len();
    scanned
}

/// Parses one numeric token (no surrounding space).
pub fn parse_number(token: &str) -> Option<Number> {
    let scanned = scan_whole(token);
    scanned.number.then(|| number_of(token, scanned)).flatten()
}

/// A line of the input with its number and the byte offset where its content starts.
struct Line<'a> {
    number: usize,
    text: &'a str,
    full: &'a str,
}

impl Line<'_> {
    /// 1-based character column of a byte offset into `text`.
    fn column(&self, byte: usize) -> usize {
        let offset = self.text.as_ptr() as usize - self.full.as_ptr() as usize + byte;
        self.full[..offset].chars().count() + 1
    }

    fn error(&self, byte: usize, text: &str, problem: &str, expected: &str) -> ParseError {
        ParseError::new(self.number, self.column(byte), text, problem, expected)
    }
}

/// The input's lines with comments cut off (`#` to the end of the line), the first numbered `first`.
fn lines(text: &str, first: usize) -> impl Iterator<Item = Line<'_>> {
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
const PARALLEL_TEXT_BYTES: usize = 1 << 20;

/// `parse(part, first_line, room)` on the whole text, or on its two halves (split at a line end) at
/// once on two threads: the second half is `None` when the text was parsed whole. The first half's
/// error wins, as it comes first in the text. `room` is the bytes of text whose values the result
/// will hold: the whole text's for the first half, as the second is appended to it.
fn in_halves<R: Send>(
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
fn split_at_byte(text: &str, byte: u8) -> impl Iterator<Item = &str> {
    let mut start = 0;
    memchr::memchr_iter(byte, text.as_bytes()).map(Some).chain(std::iter::once(None)).map(move |at| {
        let end = at.unwrap_or(text.len());
        // An ASCII byte is always a character boundary.
        let part = &text[start..end];
        start = end + 1;
        part
    })
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
}

/// Calls `f(token, byte_offset, scanned)` for each value of `segment` (values separated by commas
/// and/or white space; a trailing comma is allowed, an empty value between two commas is not).
fn for_each_value(
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

/// Where a non-finite value was typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValueLocation {
    /// Channel index.
    pub channel: usize,
    /// Index within the channel.
    pub index: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A parsed tensor with where its channels and non-finite values were typed.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedTensor {
    /// The tensor (rows layout; one row per channel).
    pub tensor: Tensor,
    /// The 1-based line of each channel.
    pub channel_lines: Vec<usize>,
    /// Every nan / inf typed.
    pub nonfinite: Vec<ValueLocation>,
}

/// Collects rows of numbers with their decimals, straight into the tensor's one value array.
struct RowBuilder {
    /// `None`: unnamed, `ch<index>` once the index is known (a half of the text does not know it).
    names: Vec<Option<String>>,
    values: Vec<f64>,
    offsets: Vec<usize>,
    decimals: Vec<Option<Decimal>>,
    lines: Vec<usize>,
    nonfinite: Vec<ValueLocation>,
}

impl Default for RowBuilder {
    fn default() -> Self {
        RowBuilder {
            names: Vec::new(),
            values: Vec::new(),
            offsets: vec![0],
            decimals: Vec::new(),
            lines: Vec::new(),
            nonfinite: Vec::new(),
        }
    }
}

impl RowBuilder {
    /// Room for the values of `bytes` of text at one value per 8 bytes (a value and its separator
    /// take about that in a pasted tensor), so that a typical paste fills its arrays without
    /// copying them as they grow (measured: one thread 160–200 → 185–305 MB/s on 10 MB); shorter
    /// values grow them as before.
    fn for_text(bytes: usize) -> Self {
        let values = bytes / 8;
        RowBuilder { values: Vec::with_capacity(values), decimals: Vec::with_capacity(values), ..RowBuilder::default() }
    }

    /// Adds a token [`scan`] has read.
    #[inline]
    fn push_scanned(&mut self, line: &Line<'_>, token: &str, byte: usize, scanned: Scanned) -> Result<(), ParseError> {
        let n =
            scanned.number.then(|| number_of(token, scanned)).flatten().ok_or_else(|| line.error(byte, token, "not a number", NUMBER))?;
        if !n.value.is_finite() {
            self.nonfinite.push(ValueLocation {
                channel: self.names.len() - 1,
                index: self.open_len(),
                line: line.number,
                column: line.column(byte),
            });
        }
        self.values.push(n.value);
        self.decimals.push(n.exact);
        Ok(())
    }

    /// Adds a whole field (channel lines), which must be one number.
    fn push_value(&mut self, line: &Line<'_>, token: &str, byte: usize) -> Result<(), ParseError> {
        self.push_scanned(line, token, byte, scan_whole(token))
    }

    /// Values in the channel being read.
    fn open_len(&self) -> usize {
        self.values.len() - self.offsets.last().copied().unwrap_or(0)
    }

    /// Starts the next channel (closing the one before).
    fn open(&mut self, name: Option<String>, line: usize) {
        if !self.names.is_empty() {
            self.offsets.push(self.values.len());
        }
        self.names.push(name);
        self.lines.push(line);
    }

    /// Appends the channels of the text's next half.
    fn append_channels(&mut self, next: RowBuilder) {
        if next.names.is_empty() {
            return;
        }
        let (channels, values) = (self.names.len(), self.values.len());
        if channels > 0 {
            self.offsets.push(values);
        }
        self.offsets.extend(next.offsets[1..].iter().map(|o| o + values));
        self.names.extend(next.names);
        self.lines.extend(next.lines);
        self.nonfinite.extend(next.nonfinite.into_iter().map(|v| ValueLocation { channel: v.channel + channels, ..v }));
        self.values.extend(next.values);
        self.decimals.extend(next.decimals);
    }

    /// Appends the values of the text's next half to the one channel (the Values tool's list).
    fn append_values(&mut self, next: RowBuilder) {
        let values = self.values.len();
        self.nonfinite.extend(next.nonfinite.into_iter().map(|v| ValueLocation { index: v.index + values, ..v }));
        self.values.extend(next.values);
        self.decimals.extend(next.decimals);
    }

    fn finish(mut self, name: &str) -> ParsedTensor {
        self.offsets.push(self.values.len());
        let names = self.names.into_iter().enumerate().map(|(i, n)| n.unwrap_or_else(|| format!("ch{i}"))).collect();
        let tensor = Tensor {
            name: name.to_string(),
            channel_names: names,
            data: Samples::F64(self.values),
            decimals: Some(self.decimals),
            layout: Layout::Rows { offsets: self.offsets },
        };
        ParsedTensor { tensor, channel_lines: self.lines, nonfinite: self.nonfinite }
    }
}

/// Parses a tensor typed one channel per line or per `;`: `name: 1, 2, 3; 4 5 6`.
///
/// Channels without a label are named `ch0`, `ch1`, ... A label with no values is an error.
pub fn parse_tensor(text: &str, name: &str) -> Result<ParsedTensor, ParseError> {
    tensor_in_halves(text, name, PARALLEL_TEXT_BYTES)
}

/// [`parse_tensor`], in two halves from `min_bytes` of text.
fn tensor_in_halves(text: &str, name: &str, min_bytes: usize) -> Result<ParsedTensor, ParseError> {
    let (mut rows, second) = in_halves(text, min_bytes, tensor_rows)?;
    if let Some(second) = second {
        rows.append_channels(second);
    }
    if rows.names.is_empty() {
        return Err(ParseError::new(1, 1, "", "no values", "at least one channel of numbers"));
    }
    Ok(rows.finish(name))
}

/// The channels of `text`, its first line numbered `first_line`.
fn tensor_rows(text: &str, first_line: usize, room: usize) -> Result<RowBuilder, ParseError> {
    let mut rows = RowBuilder::for_text(room);
    for line in lines(text, first_line) {
        let mut base = 0;
        for segment in split_at_byte(line.text, b';') {
            let seg_base = base;
            base += segment.len() + 1;
            if segment.trim().is_empty() {
                continue;
            }
            let (label, values, values_base) = match memchr::memchr(b':', segment.as_bytes()) {
                Some(colon) => {
                    let label = segment[..colon].trim();
                    if label.is_empty() {
                        return Err(line.error(seg_base + colon, ":", "empty channel name before", "a name such as `conv1:`"));
                    }
                    (Some(label), &segment[colon + 1..], seg_base + colon + 1)
                }
                None => (None, segment, seg_base),
            };
            rows.open(label.map(str::to_string), line.number);
            for_each_value(&line, values, values_base, |token, byte, scanned| rows.push_scanned(&line, token, byte, scanned))?;
            if rows.open_len() == 0 {
                let label = label.unwrap_or_default();
                return Err(line.error(seg_base, label, "channel has no values", "values after the name"));
            }
        }
    }
    Ok(rows)
}

/// Parses a flat list of values (commas, white space, newlines or `;` between them) as one channel.
pub fn parse_values(text: &str, name: &str) -> Result<ParsedTensor, ParseError> {
    values_in_halves(text, name, PARALLEL_TEXT_BYTES)
}

/// [`parse_values`], in two halves from `min_bytes` of text.
fn values_in_halves(text: &str, name: &str, min_bytes: usize) -> Result<ParsedTensor, ParseError> {
    let (mut rows, second) = in_halves(text, min_bytes, |text, first_line, room| {
        let mut rows = RowBuilder::for_text(room);
        rows.open(None, first_line);
        for line in lines(text, first_line) {
            let mut base = 0;
            for segment in split_at_byte(line.text, b';') {
                let seg_base = base;
                base += segment.len() + 1;
                for_each_value(&line, segment, seg_base, |token, byte, scanned| rows.push_scanned(&line, token, byte, scanned))?;
            }
        }
        Ok(rows)
    })?;
    if let Some(second) = second {
        rows.append_values(second);
    }
    if rows.values.is_empty() {
        return Err(ParseError::new(1, 1, "", "no values", "a list of numbers such as -1.25, 0.14, 0.79"));
    }
    rows.names[0] = Some(name.to_string());
    Ok(rows.finish(name))
}

/// What the three numbers after the channel name mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineMode {
    /// `channel,min,max,sample...`: a calibration range per channel.
    #[default]
    MinMax,
    /// `channel,scale,zero_point,sample...`: parameters given by hand.
    Manual,
}

/// Parsed channel lines: the samples as a tensor, and the ranges or parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedChannels {
    /// One channel per line, holding that line's samples.
    pub samples: ParsedTensor,
    /// `PerChannelRange` (min/max mode) or `Manual`.
    pub params: ParamSource,
    /// Per line: the 1-based column and text of its two parameter fields (min and max, or scale and zero point).
    pub param_fields: Vec<[(usize, String); 2]>,
}

/// Parses `channel,min,max,sample[,sample...]` lines (or `channel,scale,zero_point,sample...`).
///
/// Fields are separated by commas (or tabs, as pasted from a spreadsheet). A first line whose
/// second field is not a number (a header such as `channel,min,max,sample`) is skipped.
pub fn parse_channel_lines(text: &str, mode: LineMode, name: &str) -> Result<ParsedChannels, ParseError> {
    let mut rows = RowBuilder::default();
    let mut ranges = Vec::new();
    let mut manual = Vec::new();
    let mut param_fields = Vec::new();
    let (first, second) = match mode {
        LineMode::MinMax => ("min", "max"),
        LineMode::Manual => ("scale", "zero_point"),
    };
    let layout = format!("channel,{first},{second},sample");
    let mut header_allowed = true;
    for line in lines(text, 1) {
        if line.text.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut start = 0;
        for (i, c) in line.text.char_indices() {
            if c == ',' || c == '\t' {
                fields.push((start, &line.text[start..i]));
                start = i + 1;
            }
        }
        fields.push((start, &line.text[start..]));
        // Offsets of the trimmed field contents.
        let fields: Vec<(usize, &str)> = fields.into_iter().map(|(at, f)| (at + (f.len() - f.trim_start().len()), f.trim())).collect();
        let was_header_allowed = std::mem::replace(&mut header_allowed, false);
        if was_header_allowed && fields.len() >= 2 && parse_number(fields[1].1).is_none() && fields[1].1.chars().any(char::is_alphabetic) {
            continue;
        }
        if fields.len() < 4 {
            let at = line.text.trim_end().len();
            return Err(line.error(at, line.text.trim(), &format!("{} field(s)", fields.len()), &format!("`{layout}`")));
        }
        let (name_at, channel) = fields[0];
        if channel.is_empty() {
            return Err(line.error(name_at, "", "empty channel name", &format!("`{layout}`")));
        }
        let number = |(at, text): (usize, &str), what: &str| -> Result<Number, ParseError> {
            let n = parse_number(text).ok_or_else(|| line.error(at, text, &format!("{what} is not a number"), NUMBER))?;
            if !n.value.is_finite() {
                return Err(line.error(at, text, &format!("{what} must be finite"), "a finite number"));
            }
            Ok(n)
        };
        match mode {
            LineMode::MinMax => {
                let min = number(fields[1], "min")?;
                let max = number(fields[2], "max")?;
                if min.value > max.value {
                    return Err(line.error(fields[1].0, fields[1].1, "min is greater than max", &format!("min <= max ({})", fields[2].1)));
                }
                ranges.push(RangeInput { min: min.value, max: max.value, min_exact: min.exact, max_exact: max.exact });
            }
            LineMode::Manual => {
                let scale = number(fields[1], "scale")?;
                let (at, zp_text) = fields[2];
                let zero_point = zp_text
                    .strip_prefix('+')
                    .unwrap_or(zp_text)
                    .parse::<i64>()
                    .ok()
                    .filter(|z| z.abs() <= 1 << 40)
                    .ok_or_else(|| line.error(at, zp_text, "zero point is not an integer", "an integer such as 0, -8 or 128"))?;
                manual.push(ManualParams { scale: scale.value, scale_exact: scale.exact, zero_point });
            }
        }
        param_fields.push([1, 2].map(|k| (line.column(fields[k].0), fields[k].1.to_string())));
        rows.open(Some(channel.to_string()), line.number);
        for &(at, text) in &fields[3..] {
            if text.is_empty() {
                return Err(line.error(at, "", "empty sample", NUMBER));
            }
            rows.push_value(&line, text, at)?;
        }
    }
    if rows.names.is_empty() {
        return Err(ParseError::new(1, 1, "", "no channels", format!("lines such as `{layout}`")));
    }
    let params = match mode {
        LineMode::MinMax => ParamSource::PerChannelRange(ranges),
        LineMode::Manual => ParamSource::Manual(manual),
    };
    Ok(ParsedChannels { samples: rows.finish(name), params, param_fields })
}

/// Parses a custom range `MIN:MAX` (e.g. `-1.5:1.5`), as typed in `--range` or the form.
pub fn parse_range(text: &str) -> Result<RangeInput, ParseError> {
    let line = Line { number: 1, text, full: text };
    let expected = "MIN:MAX such as -1.5:1.5";
    let colon = text.find(':').ok_or_else(|| line.error(0, text, "no `:` between min and max", expected))?;
    let part = |from: usize, to: usize| -> Result<Number, ParseError> {
        let raw = &text[from..to];
        let trimmed = raw.trim();
        let at = from + (raw.len() - raw.trim_start().len());
        let n = parse_number(trimmed).ok_or_else(|| line.error(at, trimmed, "not a number", expected))?;
        if !n.value.is_finite() {
            return Err(line.error(at, trimmed, "must be finite", expected));
        }
        Ok(n)
    };
    let min = part(0, colon)?;
    let max = part(colon + 1, text.len())?;
    if min.value > max.value {
        return Err(line.error(0, text, "min is greater than max", expected));
    }
    Ok(RangeInput { min: min.value, max: max.value, min_exact: min.exact, max_exact: max.exact })
}

/// Builds a dense tensor from parsed rows: equal-length rows as a `[rows, columns]` matrix with the
/// given channel axis (0: a channel per row, 1: a channel per column).
pub fn rows_to_matrix(parsed: &ParsedTensor, axis: usize) -> Result<Tensor, crate::error::QuantError> {
    let t = &parsed.tensor;
    if axis == 0 {
        return Ok(t.clone());
    }
    let rows = t.channels();
    let cols = t.channel_len(0);
    let shape = vec![rows, cols];
    if (0..rows).any(|r| t.channel_len(r) != cols) {
        return Err(crate::error::QuantError::Shape {
            shape,
            axis,
            len: t.len(),
            reason: "channel axis 1 needs rows of equal length".into(),
        });
    }
    let data = match &t.data {
        Samples::F64(v) => Samples::F64(v.clone()),
        Samples::F32(v) => Samples::F32(v.clone()),
    };
    let mut out = Tensor::dense(t.name.clone(), data, shape, axis)?;
    out.decimals = t.decimals.clone();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for (text, value) in [("1e-3", 1e-3), ("-.5", -0.5), ("+2", 2.0), ("5.", 5.0), ("-0.21", -0.21), ("1E+2", 100.0)] {
            assert_eq!(parse_number(text).unwrap().value, value, "{text}");
        }
        assert!(parse_number("nan").unwrap().value.is_nan());
        assert_eq!(parse_number("-inf").unwrap().value, f64::NEG_INFINITY);
        assert_eq!(parse_number("+Infinity").unwrap().value, f64::INFINITY);
        for bad in ["", "-", ".", "1e", "1e+", "0x10", "1_000", "1..2", "--1", "1.2.3", "e5", "nan1", "½", "1,5"] {
            assert!(parse_number(bad).is_none(), "{bad}");
        }
        // Correct rounding to the last bit (a classic hard case).
        assert_eq!(parse_number("2.2250738585072011e-308").unwrap().value, 2.225_073_858_507_201e-308);
        assert_eq!(parse_number("0.1").unwrap().value.to_bits(), 0.1f64.to_bits());
    }

    /// The syntax as it was checked before the one-pass [`scan`]: the oracle of the property below.
    fn reference_well_formed(token: &str) -> bool {
        let b = token.as_bytes();
        let mut i = 0;
        if matches!(b.first(), Some(b'+' | b'-')) {
            i = 1;
        }
        let rest = &token[i..];
        if rest.eq_ignore_ascii_case("nan") || rest.eq_ignore_ascii_case("inf") || rest.eq_ignore_ascii_case("infinity") {
            return true;
        }
        let digits = |i: &mut usize| {
            let start = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i - start
        };
        let mut mantissa_digits = digits(&mut i);
        if i < b.len() && b[i] == b'.' {
            i += 1;
            mantissa_digits += digits(&mut i);
        }
        if mantissa_digits == 0 {
            return false;
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return false;
            }
        }
        i == b.len()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// One read gives what the syntax check and `Decimal::parse` gave, token for token, and
        /// finds the token's end at the first separator.
        #[test]
        fn scan_agrees_with_syntax_check_and_decimal(
            token in "[-+]?([0-9]{0,22}[.]?[0-9]{0,22}([eE][-+]?[0-9]{0,9})?|0{0,12}[.]?0{0,12}[1-9][0-9]{0,20}|(?i:nan|inf|infinity)|[0-9a-z.+-]{0,6})",
            tail in "([ ,\t][ ,0-9]{0,3})?",
        ) {
            let text = format!("{token}{tail}");
            let s = scan(text.as_bytes(), 0);
            let end = text.find(|c: char| is_separator(c as u8) && c.is_ascii()).unwrap_or(text.len());
            proptest::prop_assert_eq!(s.end, end);
            let token = &text[..end];
            proptest::prop_assert_eq!(s.number, reference_well_formed(token), "{}", token);
            if s.number {
                proptest::prop_assert_eq!(s.exact, Decimal::parse(token), "{}", token);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1500))]
        /// Parsed in two halves on two threads (as from 1 MiB of text), a text gives what it gives
        /// parsed whole: values, decimals, channel names and lines, non-finite locations, or the
        /// same first error.
        #[test]
        fn halves_give_what_the_whole_gives(
            lines in proptest::collection::vec("(([a-c]{1,2}: )?((-?[0-9]{1,3}(\\.[0-9]{1,3})?|nan|-inf|x)[ ,]{1,2}){0,4}(; )?){0,3}(# c)?", 0..12),
        ) {
            let text = lines.join("\n");
            // Compared as printed: NaN is not equal to itself.
            let same = |a: Result<ParsedTensor, ParseError>, b: Result<ParsedTensor, ParseError>| format!("{a:?}") == format!("{b:?}");
            proptest::prop_assert!(same(tensor_in_halves(&text, "t", 0), tensor_in_halves(&text, "t", usize::MAX)), "{:?}", text);
            proptest::prop_assert!(same(values_in_halves(&text, "v", 0), values_in_halves(&text, "v", usize::MAX)), "{:?}", text);
        }
    }

    #[test]
    fn tensor_layouts() {
        let p = parse_tensor("# weights\n0.12, -0.33 0.48\n\nb: 1,2;3 4\n", "w").unwrap();
        let t = &p.tensor;
        assert_eq!(t.channel_names, vec!["ch0", "b", "ch2"]);
        assert_eq!(t.channel_len(0), 3);
        assert_eq!(t.channel_len(2), 2);
        assert_eq!(p.channel_lines, vec![2, 4, 4]);
        assert_eq!(t.data.get(1), -0.33);
        assert_eq!(t.decimal(1), Decimal::parse("-0.33"));
    }

    #[test]
    fn located_errors() {
        let e = parse_tensor("1, 2, 3\n4, 0.3x, 6", "w").unwrap_err();
        assert_eq!((e.line, e.column, e.text.as_str()), (2, 4, "0.3x"));
        assert_eq!(e.to_string(), "line 2, column 4: not a number `0.3x` (expected a number such as 0.25, -.5, 1e-3, +2, nan or inf)");
        let e = parse_tensor("1,,2", "w").unwrap_err();
        assert_eq!((e.line, e.column), (1, 3));
        let e = parse_tensor("a:\n", "w").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse_tensor("é: 1, x", "w").unwrap_err();
        assert_eq!(e.column, 7, "columns count characters, not bytes");
        assert!(parse_tensor("  # nothing\n\n", "w").is_err());
    }

    #[test]
    fn nonfinite_values_are_kept_and_located() {
        let p = parse_values("1, nan\n-inf 2", "v").unwrap();
        assert_eq!(p.tensor.len(), 4);
        assert_eq!(
            p.nonfinite,
            vec![ValueLocation { channel: 0, index: 1, line: 1, column: 4 }, ValueLocation { channel: 0, index: 2, line: 2, column: 1 },]
        );
    }

    #[test]
    fn channel_lines() {
        let text = "channel,min,max,sample\nfilter_0,-1.2,1,0.73\nfilter_1, -0.8, 0.9, -0.21\n";
        let p = parse_channel_lines(text, LineMode::MinMax, "conv").unwrap();
        assert_eq!(p.samples.tensor.channel_names, vec!["filter_0", "filter_1"]);
        match &p.params {
            ParamSource::PerChannelRange(r) => {
                assert_eq!((r[1].min, r[1].max), (-0.8, 0.9));
                assert_eq!(r[1].min_exact, Decimal::parse("-0.8"));
            }
            other => panic!("{other:?}"),
        }
        let e = parse_channel_lines("a,2,1,0", LineMode::MinMax, "t").unwrap_err();
        assert_eq!((e.column, e.problem.as_str()), (3, "min is greater than max"));
        let e = parse_channel_lines("a,1,2", LineMode::MinMax, "t").unwrap_err();
        assert_eq!(e.problem, "3 field(s)");
        let e = parse_channel_lines("a,0.1,1.5,0", LineMode::Manual, "t").unwrap_err();
        assert_eq!((e.column, e.text.as_str()), (7, "1.5"));
        let e = parse_channel_lines("a,nan,1,0", LineMode::MinMax, "t").unwrap_err();
        assert_eq!(e.problem, "min must be finite");
        let p = parse_channel_lines("a,0.1,-3,0.5,0.7", LineMode::Manual, "t").unwrap();
        assert_eq!(p.samples.tensor.channel_len(0), 2);
    }

    #[test]
    fn ranges() {
        let r = parse_range("-1.5:1.5").unwrap();
        assert_eq!((r.min, r.max), (-1.5, 1.5));
        assert_eq!(parse_range(" -1 : 2 ").unwrap().max, 2.0);
        assert_eq!(parse_range("1:x").unwrap_err().column, 3);
        assert!(parse_range("2:1").is_err());
        assert!(parse_range("1.5").is_err());
    }
}
