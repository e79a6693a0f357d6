//! Element types and their conversion to float32.

use serde::Serialize;
use std::mem::MaybeUninit;

/// What a tensor's elements are, as far as the analysis cares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Element {
    /// IEEE float32: analysed as it is.
    F32,
    /// IEEE float16: widened exactly to float32 (`half`).
    F16,
    /// bfloat16: widened exactly to float32 (`half`).
    Bf16,
    /// float64: rounded to the nearest float32 for the analysis (the only lossy conversion).
    F64,
    /// Anything else: listed, not analysed.
    Other {
        /// Why it is not analysed.
        reason: String,
    },
}

impl Element {
    /// Bytes per element of an analysable type.
    pub fn size(&self) -> Option<usize> {
        match self {
            Element::F32 => Some(4),
            Element::F16 | Element::Bf16 => Some(2),
            Element::F64 => Some(8),
            Element::Other { .. } => None,
        }
    }

    /// What the analysis does to the values, when it changes them.
    pub fn note(&self) -> Option<&'static str> {
        match self {
            Element::F64 => Some("float64 rounded to float32 for the analysis"),
            Element::F16 => Some("float16 widened exactly to float32"),
            Element::Bf16 => Some("bfloat16 widened exactly to float32"),
            _ => None,
        }
    }
}

/// Appends the float32 values of `bytes` (whole elements) to `out`.
pub(crate) fn convert(element: &Element, little_endian: bool, bytes: &[u8], out: &mut Vec<f32>) {
    let n = element.size().map_or(0, |size| bytes.len() / size);
    out.reserve(n);
    let written = convert_into(element, little_endian, bytes, &mut out.spare_capacity_mut()[..n]);
    // SAFETY: `convert_into` wrote the first `written` (<= n) values after the initialised ones.
    unsafe { out.set_len(out.len() + written) };
}

/// Writes the float32 values of `bytes` (whole elements) into `out`, as many as both hold, and
/// returns that number: the one conversion loop, for appending ([`convert`]) and for writing a
/// tensor's parts from several threads. `MaybeUninit` so that a tensor's values are written once,
/// not zeroed first.
pub(crate) fn convert_into(element: &Element, little_endian: bool, bytes: &[u8], out: &mut [MaybeUninit<f32>]) -> usize {
    macro_rules! each {
        ($n:literal, $f:expr) => {{
            let pairs = out.iter_mut().zip(bytes.chunks_exact($n));
            let n = pairs.len();
            // The byte order is decided once, outside the loop, so that the loop vectorizes.
            if little_endian {
                pairs.for_each(|(o, c)| {
                    let mut a = [0u8; $n];
                    a.copy_from_slice(c);
                    o.write($f(a));
                });
            } else {
                pairs.for_each(|(o, c)| {
                    let mut a = [0u8; $n];
                    a.copy_from_slice(c);
                    a.reverse();
                    o.write($f(a));
                });
            }
            n
        }};
    }
    match element {
        Element::F32 => each!(4, f32::from_le_bytes),
        Element::F16 => each!(2, |a| half::f16::from_le_bytes(a).to_f32()),
        Element::Bf16 => each!(2, |a| half::bf16::from_le_bytes(a).to_f32()),
        Element::F64 => each!(8, |a| f64::from_le_bytes(a) as f32),
        Element::Other { .. } => 0,
    }
}
