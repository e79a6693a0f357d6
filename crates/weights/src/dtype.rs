//! Element types and their conversion to float32.

use serde::Serialize;

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
    macro_rules! each {
        ($n:literal, $f:expr) => {
            out.extend(bytes.chunks_exact($n).map(|c| {
                let mut a = [0u8; $n];
                a.copy_from_slice(c);
                if !little_endian {
                    a.reverse();
                }
                $f(a)
            }))
        };
    }
    match element {
        Element::F32 => each!(4, f32::from_le_bytes),
        Element::F16 => each!(2, |a| half::f16::from_le_bytes(a).to_f32()),
        Element::Bf16 => each!(2, |a| half::bf16::from_le_bytes(a).to_f32()),
        Element::F64 => each!(8, |a| f64::from_le_bytes(a) as f32),
        Element::Other { .. } => {}
    }
}
