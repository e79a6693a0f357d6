//! The `.safetensors` header: an 8-byte little-endian length `n`, `n` bytes of JSON
//! `{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, "__metadata__": {...}}`,
//! then the data section, which the offsets index entirely, without holes or overlaps.
//!
//! The `safetensors` crate supplies the dtype vocabulary. Its `SafeTensors::read_metadata` needs the
//! whole file in one slice (the browser reads slices) and its size errors do not name the tensor, so
//! the same rules are checked here against the real length, each error naming its tensor.

use crate::dtype::Element;
use crate::error::{Error, Problem};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// The `safetensors` crate's `MAX_HEADER_SIZE`: longer headers are refused before they are read.
pub const MAX_HEADER: u64 = 100_000_000;

/// One tensor's entry, checked.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub name: String,
    pub dtype: String,
    pub element: Element,
    pub shape: Vec<u64>,
    pub elements: u64,
    /// Offsets within the data section.
    pub start: u64,
    pub end: u64,
}

/// The header's top-level object, in file order, duplicates kept.
struct Ordered(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    items.push((k, v));
                }
                Ok(Ordered(items))
            }
        }
        d.deserialize_map(V)
    }
}

fn bad(reason: impl Into<String>) -> Problem {
    Problem::BadHeader { format: "safetensors", reason: reason.into() }
}

/// The header length from the first 8 bytes, checked against the limit and the file's length.
pub(crate) fn header_len(first8: [u8; 8], file_len: u64) -> Result<u64, Problem> {
    let n = u64::from_le_bytes(first8);
    if n > MAX_HEADER {
        return Err(Problem::HeaderTooLarge { format: "safetensors", len: n, max: MAX_HEADER });
    }
    if 8 + n > file_len {
        return Err(Problem::Truncated { what: "safetensors header", start: 8, end: 8 + n, len: file_len });
    }
    Ok(n)
}

fn element_of(dtype: &str) -> (Element, Option<u64>) {
    let parsed: Result<safetensors::Dtype, _> = serde_json::from_value(Value::String(dtype.to_string()));
    match parsed {
        Ok(d) => {
            let element = match d {
                safetensors::Dtype::F32 => Element::F32,
                safetensors::Dtype::F16 => Element::F16,
                safetensors::Dtype::BF16 => Element::Bf16,
                safetensors::Dtype::F64 => Element::F64,
                safetensors::Dtype::BOOL => Element::Other { reason: "boolean data".into() },
                safetensors::Dtype::I8
                | safetensors::Dtype::U8
                | safetensors::Dtype::I16
                | safetensors::Dtype::U16
                | safetensors::Dtype::I32
                | safetensors::Dtype::U32
                | safetensors::Dtype::I64
                | safetensors::Dtype::U64 => Element::Other { reason: "integer data (already quantized?) is not analysed".into() },
                _ => Element::Other { reason: format!("{dtype} (8-bit or smaller float, complex) is not supported yet") },
            };
            (element, Some(d.bitsize() as u64))
        }
        Err(_) => (Element::Other { reason: format!("unknown dtype `{dtype}`") }, None),
    }
}

/// Parses and checks the header JSON; `data_len` is the length of the data section
/// (`file length - 8 - n`). Entries come back sorted by offset.
pub(crate) fn entries(json: &[u8], data_len: u64) -> Result<Vec<Entry>, Error> {
    let text = std::str::from_utf8(json).map_err(|e| Error::file(bad(format!("not UTF-8 ({e})"))))?;
    let Ordered(items) = serde_json::from_str(text).map_err(|e| Error::file(bad(e.to_string())))?;
    let mut entries: Vec<Entry> = Vec::with_capacity(items.len());
    let mut seen_metadata = false;
    for (name, value) in items {
        let fail = |p: Problem| Error::tensor(&name, p);
        if name == "__metadata__" {
            let ok = value.as_object().is_some_and(|m| m.values().all(Value::is_string));
            if !ok || seen_metadata {
                return Err(Error::file(bad("`__metadata__` must appear once, as an object of strings")));
            }
            seen_metadata = true;
            continue;
        }
        let obj = value.as_object().ok_or_else(|| fail(bad("the entry is not an object")))?;
        let dtype = obj.get("dtype").and_then(Value::as_str).ok_or_else(|| fail(bad("`dtype` is missing or not a string")))?;
        let shape: Vec<u64> = obj
            .get("shape")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect())
            .ok_or_else(|| fail(bad("`shape` is missing or not a list of non-negative integers")))?;
        let offsets: Vec<u64> = obj
            .get("data_offsets")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect())
            .filter(|o: &Vec<u64>| o.len() == 2)
            .ok_or_else(|| fail(bad("`data_offsets` is missing or not two non-negative integers")))?;
        let (start, end) = (offsets[0], offsets[1]);
        let (element, bits) = element_of(dtype);
        let elements =
            shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).ok_or_else(|| fail(Problem::ShapeOverflow { shape: shape.clone() }))?;
        if end < start {
            return Err(fail(Problem::BadOffsets { start, end, reason: "the end is before the start".into() }));
        }
        if end > data_len {
            return Err(fail(Problem::BadOffsets {
                start,
                end,
                reason: format!("past the end of the data section ({data_len} bytes): truncated file?"),
            }));
        }
        if let Some(bits) = bits {
            let needed_bits = elements.checked_mul(bits).ok_or_else(|| fail(Problem::ShapeOverflow { shape: shape.clone() }))?;
            if needed_bits % 8 != 0 || needed_bits / 8 != end - start {
                return Err(fail(Problem::SizeMismatch {
                    shape,
                    dtype: dtype.to_string(),
                    needed: needed_bits.div_ceil(8),
                    declared: end - start,
                }));
            }
        }
        if entries.iter().any(|e| e.name == name) {
            return Err(fail(Problem::DuplicateName));
        }
        entries.push(Entry { name: name.clone(), dtype: dtype.to_string(), element, shape, elements, start, end });
    }
    entries.sort_by_key(|e| (e.start, e.end));
    // The offsets must tile the data section: each starts where the previous ends, the last ends at its end.
    let mut at = 0u64;
    for e in &entries {
        if e.start != at {
            let reason = if e.start < at {
                format!("overlaps the previous tensor (which ends at {at})")
            } else {
                format!("leaves a gap: the previous tensor ends at {at}")
            };
            return Err(Error::tensor(&e.name, Problem::BadOffsets { start: e.start, end: e.end, reason }));
        }
        at = e.end;
    }
    if at != data_len {
        return Err(Error::file(Problem::SizeMismatch { shape: vec![], dtype: "data section".into(), needed: at, declared: data_len }));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(json: &str, data_len: u64) -> Result<Vec<Entry>, Error> {
        entries(json.as_bytes(), data_len)
    }

    #[test]
    fn good_header() {
        let e = one(r#"{"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 12).unwrap();
        assert_eq!(e.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(e[1].element, Element::F16);
    }

    #[test]
    fn lies_name_the_tensor() {
        let cases = [
            (
                r#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                8,
                "tensor `w`: the shape [3] of F32 needs 12 bytes but the header gives it 8",
            ),
            (
                r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                4,
                "tensor `w`: data offsets 0..8: past the end of the data section (4 bytes): truncated file?",
            ),
            (
                r#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,2],"data_offsets":[0,8]}}"#,
                8,
                "tensor `w`: the shape [4294967296, 4294967296, 2] overflows",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                8,
                "tensor `b`: data offsets 4..8: overlaps the previous tensor (which ends at 8)",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                8,
                "tensor `a`: data offsets 4..8: leaves a gap: the previous tensor ends at 0",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                8,
                "tensor `a`: the name appears twice",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[1]}}"#,
                4,
                "tensor `a`: bad safetensors header: `data_offsets` is missing or not two non-negative integers",
            ),
        ];
        for (json, len, message) in cases {
            assert_eq!(one(json, len).unwrap_err().to_string(), message);
        }
        assert!(one("[1]", 0).is_err());
        assert!(one(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8).is_err(), "trailing bytes");
        let e = one(r#"{"a":{"dtype":"C128","shape":[1],"data_offsets":[0,16]}}"#, 16).unwrap();
        assert!(matches!(e[0].element, Element::Other { .. }));
    }

    #[test]
    fn header_lengths() {
        assert!(matches!(header_len(u64::MAX.to_le_bytes(), 100), Err(Problem::HeaderTooLarge { .. })));
        assert!(matches!(header_len(50u64.to_le_bytes(), 40), Err(Problem::Truncated { .. })));
        assert_eq!(header_len(2u64.to_le_bytes(), 10), Ok(2));
    }
}
