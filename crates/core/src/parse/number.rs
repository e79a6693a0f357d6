//! Number scanning: one read of a token for its syntax, its end and its exact decimal, then
//! `fast-float2` for the correctly rounded f64; and the `MIN:MAX` range of a form field.

use super::lines::Line;
use crate::error::ParseError;
use crate::exact::Decimal;
use crate::params::RangeInput;

pub(super) const NUMBER: &str = "a number such as 0.25, -.5, 1e-3, +2, nan or inf";

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
pub(super) struct Scanned {
    /// Byte offset just past the token (the next white space, comma or the end).
    pub(super) end: usize,
    /// Whether the token is a number.
    pub(super) number: bool,
    /// Its exact decimal: at most 18 significant digits and an exponent within ±100000, as
    /// [`Decimal::parse`] (which stays the reference; a property test compares the two).
    pub(super) exact: Option<Decimal>,
}

#[inline]
pub(super) fn is_separator(b: u8) -> bool {
    is_space(b) || b == b','
}

/// Reads an optional `+` or `-` at `b[*i]`; whether it was `-`.
#[inline(always)]
pub(super) fn sign(b: &[u8], i: &mut usize) -> bool {
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
pub(super) fn scan(b: &[u8], start: usize) -> Scanned {
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
pub(super) struct EightDigits(u64);

/// The eight bytes at `b[i..]` when they are all digits.
#[inline(always)]
pub(super) fn eight_digits(b: &[u8], i: usize) -> Option<EightDigits> {
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
pub(super) fn number_of(token: &str, scanned: Scanned) -> Option<Number> {
    let unsigned = token.strip_prefix('+').unwrap_or(token);
    let value: f64 = fast_float2::parse(unsigned).ok()?;
    Some(Number { value, exact: if value.is_finite() { scanned.exact } else { None } })
}

/// [`scan`] of a whole token (a field): a number only if nothing follows it.
pub(super) fn scan_whole(token: &str) -> Scanned {
    let mut scanned = scan(token.as_bytes(), 0);
    scanned.number &= scanned.end == token.len();
    scanned
}

/// Parses one numeric token (no surrounding space).
pub fn parse_number(token: &str) -> Option<Number> {
    let scanned = scan_whole(token);
    scanned.number.then(|| number_of(token, scanned)).flatten()
}

pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
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
