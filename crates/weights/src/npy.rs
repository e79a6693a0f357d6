//! The `.npy` header: magic, version, header length, and the Python dict literal
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
//!
//! Written here rather than with `npyz` (which builds for wasm32) because npyz allocates the header
//! length the file claims before reading it (up to 4 GiB on a version 2 header), multiplies the shape
//! unchecked (a panic in debug builds, a wrapped count in release), and reads elements one by one
//! through `Read`; quantscope needs range reads from a [`crate::Source`] and checked sizes.

use crate::dtype::Element;
use crate::error::Problem;

/// `numpy.load`'s default `max_header_size`: longer headers are refused before they are read.
pub const MAX_HEADER: u64 = 10_000;

/// The fixed part before the dict: magic, version, header length.
pub(crate) struct Prelude {
    /// Where the dict starts (10 for version 1, 12 for versions 2 and 3).
    pub start: u64,
    /// The dict's length in bytes.
    pub len: u64,
}

/// The bytes needed to read a prelude.
pub(crate) const PRELUDE: usize = 12;

/// Reads the prelude from the first (up to) 12 bytes of the file.
pub(crate) fn prelude(bytes: &[u8], file_len: u64) -> Result<Prelude, Problem> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(if bytes.len() >= 6 && &bytes[..6] == b"\x93NUMPY" {
            Problem::Truncated { what: "npy header length", start: 8, end: 10, len: file_len }
        } else {
            Problem::BadHeader { format: "npy", reason: "the magic string \\x93NUMPY is missing".into() }
        });
    }
    let (start, len) = match bytes[6] {
        1 => (10, u16::from_le_bytes([bytes[8], bytes[9]]) as u64),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(Problem::Truncated { what: "npy header length", start: 8, end: 12, len: file_len });
            }
            (12, u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as u64)
        }
        v => return Err(Problem::BadHeader { format: "npy", reason: format!("unknown format version {v}.{}", bytes[7]) }),
    };
    if len > MAX_HEADER {
        return Err(Problem::HeaderTooLarge { format: "npy", len, max: MAX_HEADER });
    }
    if start + len > file_len {
        return Err(Problem::Truncated { what: "npy header", start, end: start + len, len: file_len });
    }
    Ok(Prelude { start, len })
}

/// The parsed dict.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Header {
    /// The `descr` string as written (`<f4`), or a summary for structured dtypes.
    pub descr: String,
    /// What the elements are.
    pub element: Element,
    /// Bytes per element, when known.
    pub itemsize: Option<u64>,
    /// Little-endian data (or single bytes).
    pub little_endian: bool,
    /// Column-major data.
    pub fortran_order: bool,
    /// The shape.
    pub shape: Vec<u64>,
}

/// A Python literal as far as `.npy` headers use them.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Str(String),
    Bool(bool),
    None,
    Int(u64),
    Seq(Vec<Value>),
    Dict(Vec<(Value, Value)>),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

/// Nesting deeper than this is refused (shapes are flat; structured dtypes nest a few levels).
const MAX_DEPTH: usize = 16;

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {} of the dict", self.i))
    }
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        self.ws();
        let Some(&c) = self.s.get(self.i) else { return self.err("unexpected end") };
        match c {
            b'\'' | b'"' => {
                let start = self.i + 1;
                let end = match self.s[start..].iter().position(|&b| b == c) {
                    Some(p) => start + p,
                    None => return self.err("unterminated string"),
                };
                let text = std::str::from_utf8(&self.s[start..end]).map_err(|_| "a string is not UTF-8".to_string())?;
                if text.contains('\\') {
                    return self.err("escapes in strings are not supported");
                }
                self.i = end + 1;
                Ok(Value::Str(text.to_string()))
            }
            b'0'..=b'9' => {
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                    self.i += 1;
                }
                // Python 2 wrote long integers with an `L` suffix.
                let digits = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                if self.s.get(self.i) == Some(&b'L') {
                    self.i += 1;
                }
                digits.parse::<u64>().map(Value::Int).map_err(|_| format!("the integer {digits} does not fit 64 bits"))
            }
            b'(' | b'[' => {
                let close = if c == b'(' { b')' } else { b']' };
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    if self.eat(close) {
                        return Ok(Value::Seq(items));
                    }
                    items.push(self.value(depth + 1)?);
                    if !self.eat(b',') {
                        if self.eat(close) {
                            return Ok(Value::Seq(items));
                        }
                        return self.err("expected `,` or a closing bracket");
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    if self.eat(b'}') {
                        return Ok(Value::Dict(items));
                    }
                    let k = self.value(depth + 1)?;
                    if !self.eat(b':') {
                        return self.err("expected `:`");
                    }
                    let v = self.value(depth + 1)?;
                    items.push((k, v));
                    if !self.eat(b',') {
                        if self.eat(b'}') {
                            return Ok(Value::Dict(items));
                        }
                        return self.err("expected `,` or `}`");
                    }
                }
            }
            _ => {
                for (word, v) in [("True", Value::Bool(true)), ("False", Value::Bool(false)), ("None", Value::None)] {
                    if self.s[self.i..].starts_with(word.as_bytes()) {
                        self.i += word.len();
                        return Ok(v);
                    }
                }
                self.err("unexpected character")
            }
        }
    }
}

/// Parses the dict text (after the prelude).
pub(crate) fn header(text: &[u8]) -> Result<Header, String> {
    let mut p = Parser { s: text, i: 0 };
    let Value::Dict(items) = p.value(0)? else { return Err("the header is not a dict".into()) };
    p.ws();
    if p.i != text.len() {
        return p.err("text after the dict");
    }
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    for (k, v) in items {
        let Value::Str(k) = k else { return Err("a key is not a string".into()) };
        let slot = match k.as_str() {
            "descr" => &mut descr,
            "fortran_order" => &mut fortran,
            "shape" => &mut shape,
            other => return Err(format!("unexpected key `{other}`")),
        };
        if slot.replace(v).is_some() {
            return Err(format!("the key `{k}` appears twice"));
        }
    }
    let fortran_order = match fortran {
        Some(Value::Bool(b)) => b,
        Some(_) => return Err("`fortran_order` is not True or False".into()),
        None => return Err("the key `fortran_order` is missing".into()),
    };
    let shape = match shape {
        Some(Value::Seq(dims)) => dims
            .into_iter()
            .map(|d| match d {
                Value::Int(n) => Ok(n),
                _ => Err("`shape` holds something other than non-negative integers".to_string()),
            })
            .collect::<Result<Vec<u64>, String>>()?,
        Some(_) => return Err("`shape` is not a tuple".into()),
        None => return Err("the key `shape` is missing".into()),
    };
    let (descr, element, itemsize, little_endian) = match descr {
        Some(Value::Str(d)) => {
            let (element, itemsize, little) = parse_descr(&d)?;
            (d, element, itemsize, little)
        }
        Some(Value::Seq(_)) => ("structured".to_string(), Element::Other { reason: "structured (record) dtype".into() }, None, true),
        Some(_) => return Err("`descr` is not a string".into()),
        None => return Err("the key `descr` is missing".into()),
    };
    Ok(Header { descr, element, itemsize, little_endian, fortran_order, shape })
}

/// `<f4` → (f32, 4 bytes, little-endian).
fn parse_descr(d: &str) -> Result<(Element, Option<u64>, bool), String> {
    let bytes = d.as_bytes();
    let (order, rest) = match bytes.first() {
        Some(b'<' | b'=' | b'|') => (true, &d[1..]),
        Some(b'>') => (false, &d[1..]),
        _ => (true, d),
    };
    let kind = rest.chars().next().ok_or_else(|| format!("empty dtype `{d}`"))?;
    let digits: String = rest[kind.len_utf8()..].chars().take_while(|c| c.is_ascii_digit()).collect();
    let size: Option<u64> = digits.parse().ok();
    let element = match (kind, size) {
        ('f', Some(2)) => Element::F16,
        ('f', Some(4)) => Element::F32,
        ('f', Some(8)) => Element::F64,
        ('f', _) => Element::Other { reason: format!("float{} is not supported", size.unwrap_or(0) * 8) },
        ('i' | 'u', _) => Element::Other { reason: "integer data (already quantized?) is not analysed".into() },
        ('b', _) => Element::Other { reason: "boolean data".into() },
        ('c', _) => Element::Other { reason: "complex data".into() },
        ('O', _) => Element::Other { reason: "Python objects (pickled) are never loaded".into() },
        _ => Element::Other { reason: format!("dtype `{d}` is not a float type") },
    };
    let itemsize = match kind {
        'O' => None,
        'U' => size.and_then(|n| n.checked_mul(4)),
        _ => size,
    };
    Ok((element, itemsize, order))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_headers() {
        let h = header(b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }          \n").unwrap();
        assert_eq!((h.element, h.itemsize, h.shape, h.fortran_order), (Element::F32, Some(4), vec![2, 3], false));
        let h = header(b"{'descr': '>f2', 'fortran_order': True, 'shape': (5,), }").unwrap();
        assert_eq!((h.element, h.little_endian, h.shape), (Element::F16, false, vec![5]));
        let h = header(b"{'descr': '<f8', 'fortran_order': False, 'shape': (), }").unwrap();
        assert!(h.shape.is_empty());
        let h = header(b"{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (3,), }").unwrap();
        assert!(matches!(h.element, Element::Other { .. }));
        let h = header(b"{'descr': '|i1', 'fortran_order': False, 'shape': (3L,), }").unwrap();
        assert_eq!((h.itemsize, h.shape), (Some(1), vec![3]));
    }

    #[test]
    fn bad_headers() {
        for bad in [
            &b"{'descr': '<f4', 'fortran_order': False}"[..],
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
            b"{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }",
            b"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x",
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (1,",
            b"",
            b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        ] {
            assert!(header(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn preludes() {
        let mut v1 = b"\x93NUMPY\x01\x00\x10\x00".to_vec();
        v1.extend([b' '; 16]);
        assert_eq!(prelude(&v1, 26).map(|p| (p.start, p.len)).unwrap(), (10, 16));
        assert!(matches!(prelude(&v1, 20), Err(Problem::Truncated { .. })));
        let v2 = b"\x93NUMPY\x02\x00\xff\xff\xff\xff";
        assert!(matches!(prelude(v2, 100), Err(Problem::HeaderTooLarge { .. })));
        assert!(matches!(prelude(b"PK\x03\x04", 4), Err(Problem::BadHeader { .. })));
        assert!(matches!(prelude(b"\x93NUMPY\x09\x00\x00\x00", 10), Err(Problem::BadHeader { .. })));
    }
}
