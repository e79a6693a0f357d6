//! [`Format`]: one value naming a format, and its token, the single two-way mapping ([`FromStr`] and
//! [`Display`](fmt::Display)) that the CLI, the page and the compare/plan lists all use.
//!
//! Token syntax (also in `docs/formats.md`):
//!
//! ```text
//! token     = preset | float ":" scope | int ":" scope
//! preset    = q8_0 | q4_0 | q4_1 | q5_0 | q5_1 | mxfp8-e4m3 | mxfp8-e5m2 | mxfp6-e3m2 | mxfp6-e2m3
//!           | mxfp4 | mxint8 | nvfp4 | nf4 | fp4-bnb
//! float     = fp8-e4m3 | fp8-e5m2 | fp6-e3m2 | fp6-e2m3 | fp4-e2m1        (symmetric, one float32 scale)
//! int       = int4 | int8 | int4-affine | int8-affine                     (PyTorch convention; plain = symmetric)
//! scope     = per-tensor | per-channel | per-group:N                       (N ≥ 1, groups along each row)
//! ```
//!
//! Examples: `q4_0`, `fp8-e4m3:per-tensor`, `fp4-e2m1:per-group:32`, `int4:per-group:128`,
//! `int8-affine:per-tensor`. Parsing ignores case and surrounding space; `Display` writes the
//! canonical form, which parses back to the same value.

use super::element::{MiniFloat, E2M1, E2M3, E3M2, E4M3, E5M2};
use super::error::FormatError;
use super::preset::Preset;
use super::scale::ScaleStorage;
use super::{bnb, gguf, mx, nvfp4};
use crate::spec::Scheme;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A float element type used with one float32 scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FloatElement {
    /// float8 E4M3 (fn), max 448.
    Fp8E4m3,
    /// float8 E5M2, max 57344.
    Fp8E5m2,
    /// float6 E3M2, max 28.
    Fp6E3m2,
    /// float6 E2M3, max 7.5.
    Fp6E2m3,
    /// float4 E2M1, max 6.
    Fp4E2m1,
}

impl FloatElement {
    /// Every float element, in list order.
    pub const ALL: [FloatElement; 5] =
        [FloatElement::Fp8E4m3, FloatElement::Fp8E5m2, FloatElement::Fp6E3m2, FloatElement::Fp6E2m3, FloatElement::Fp4E2m1];

    /// The token (`fp8-e4m3`, ...), also the CLI's `--dtype` value.
    pub fn name(self) -> &'static str {
        match self {
            FloatElement::Fp8E4m3 => "fp8-e4m3",
            FloatElement::Fp8E5m2 => "fp8-e5m2",
            FloatElement::Fp6E3m2 => "fp6-e3m2",
            FloatElement::Fp6E2m3 => "fp6-e2m3",
            FloatElement::Fp4E2m1 => "fp4-e2m1",
        }
    }

    /// The codec.
    pub fn minifloat(self) -> MiniFloat {
        match self {
            FloatElement::Fp8E4m3 => E4M3,
            FloatElement::Fp8E5m2 => E5M2,
            FloatElement::Fp6E3m2 => E3M2,
            FloatElement::Fp6E2m3 => E2M3,
            FloatElement::Fp4E2m1 => E2M1,
        }
    }

    /// From a token.
    pub fn from_name(name: &str) -> Option<FloatElement> {
        FloatElement::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// The integer widths of the PyTorch group formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IntBits {
    /// int4: quant_min −8, quant_max 7.
    Int4,
    /// int8 (qint8): −128..127.
    Int8,
}

impl IntBits {
    /// 4 or 8.
    pub fn bits(self) -> u32 {
        match self {
            IntBits::Int4 => 4,
            IntBits::Int8 => 8,
        }
    }

    /// `int4` or `int8`, also the CLI's `--dtype` value.
    pub fn name(self) -> &'static str {
        match self {
            IntBits::Int4 => "int4",
            IntBits::Int8 => "int8",
        }
    }
}

/// Which values share one scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The whole tensor.
    Tensor,
    /// Each row (channel, the first axis).
    Channel,
    /// Runs of N consecutive values of each row, from its first value.
    Group(usize),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Tensor => f.write_str("per-tensor"),
            Scope::Channel => f.write_str("per-channel"),
            Scope::Group(n) => write!(f, "per-group:{n}"),
        }
    }
}

/// A quantization format: a preset, or an element type with one float32 scale per scope, or a
/// PyTorch integer type per scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A named block format (GGUF, MX, NVFP4, bitsandbytes).
    Preset(Preset),
    /// A float element with one float32 scale (symmetric).
    Float {
        /// Element type.
        element: FloatElement,
        /// Who shares a scale.
        scope: Scope,
    },
    /// A PyTorch integer (int4 −8..7, int8 −128..127), symmetric or affine.
    Int {
        /// Width.
        bits: IntBits,
        /// Symmetric or affine.
        scheme: Scheme,
        /// Who shares a scale.
        scope: Scope,
    },
}

impl Format {
    /// Values per block along a row, when the format fixes it (presets and groups); `None` for
    /// per-tensor and per-channel scopes.
    pub fn block_size(&self) -> Option<usize> {
        match self {
            Format::Preset(p) => Some(p.info().block_size),
            Format::Float { scope: Scope::Group(n), .. } | Format::Int { scope: Scope::Group(n), .. } => Some(*n),
            _ => None,
        }
    }

    /// Bits per stored element.
    pub fn element_bits(&self) -> u32 {
        match self {
            Format::Preset(p) => match p {
                Preset::Q8_0 | Preset::Mxfp8E4m3 | Preset::Mxfp8E5m2 | Preset::Mxint8 => 8,
                Preset::Q5_0 | Preset::Q5_1 => 5,
                Preset::Mxfp6E3m2 | Preset::Mxfp6E2m3 => 6,
                _ => 4,
            },
            Format::Float { element, .. } => element.minifloat().bits(),
            Format::Int { bits, .. } => bits.bits(),
        }
    }

    /// How the scales are stored.
    pub fn scale_storage(&self) -> ScaleStorage {
        match self {
            Format::Preset(p) => p.info().scale,
            Format::Float { .. } => ScaleStorage::F32,
            Format::Int { .. } => ScaleStorage::F32WithZeroPoint,
        }
    }

    /// Total stored bits of `rows` rows holding `elements` values in all (elements, block scales
    /// and the per-tensor scale), formats.md §0.
    pub fn storage_bits(&self, rows: usize, elements: usize) -> u64 {
        let n = elements as u64;
        let storage = self.scale_storage();
        let scales = match self {
            Format::Float { scope, .. } | Format::Int { scope, .. } => match scope {
                Scope::Tensor => u64::from(n > 0),
                Scope::Channel => rows as u64,
                Scope::Group(g) => n.div_ceil((*g).max(1) as u64),
            },
            Format::Preset(p) => n.div_ceil(p.info().block_size as u64),
        };
        n * self.element_bits() as u64 + scales * storage.bits_per_block() + storage.bits_per_tensor()
    }

    /// Bits per weight of a `rows × cols` tensor, counting the stored scales (formats.md §0):
    /// Q8_0 8.5, Q4_0 4.5, Q4_1 5.0, Q5_0 5.5, Q5_1 6.0, MXFP8/MXINT8 8.25, MXFP6 6.25, MXFP4 4.25,
    /// NVFP4 4.5 + 32/(rows·cols), NF4/FP4 4.5, float elements bits + 32/n, intN groups N + 64/n
    /// (n: the values sharing a scale). An empty tensor gives the element bits.
    pub fn bits_per_weight(&self, rows: usize, cols: usize) -> f64 {
        let n = rows.saturating_mul(cols);
        if n == 0 {
            return self.element_bits() as f64;
        }
        self.storage_bits(rows, n) as f64 / n as f64
    }

    /// Whether quantizing needs a pass over the whole tensor first (its amax or range).
    pub fn needs_tensor_range(&self) -> bool {
        matches!(
            self,
            Format::Preset(Preset::Nvfp4) | Format::Float { scope: Scope::Tensor, .. } | Format::Int { scope: Scope::Tensor, .. }
        )
    }

    /// Every preset, then the usual plain combinations: a list for menus and for `compare`.
    pub fn common() -> Vec<Format> {
        let mut all: Vec<Format> = Preset::ALL.into_iter().map(Format::Preset).collect();
        for element in [FloatElement::Fp8E4m3, FloatElement::Fp8E5m2] {
            all.push(Format::Float { element, scope: Scope::Tensor });
            all.push(Format::Float { element, scope: Scope::Channel });
        }
        all.push(Format::Float { element: FloatElement::Fp4E2m1, scope: Scope::Group(32) });
        for bits in [IntBits::Int8, IntBits::Int4] {
            all.push(Format::Int { bits, scheme: Scheme::Symmetric, scope: Scope::Channel });
        }
        all.push(Format::Int { bits: IntBits::Int4, scheme: Scheme::Symmetric, scope: Scope::Group(128) });
        all.push(Format::Int { bits: IntBits::Int4, scheme: Scheme::Affine, scope: Scope::Group(128) });
        all
    }
}

/// Keeps the block-size constants of each family next to the token that names them.
const _: () = assert!(gguf::BLOCK == 32 && mx::BLOCK == 32 && nvfp4::BLOCK == 16 && bnb::BLOCK == 64);

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Preset(p) => f.write_str(p.name()),
            Format::Float { element, scope } => write!(f, "{}:{scope}", element.name()),
            Format::Int { bits, scheme, scope } => {
                let affine = if *scheme == Scheme::Affine { "-affine" } else { "" };
                write!(f, "{}{affine}:{scope}", bits.name())
            }
        }
    }
}

const EXPECTED_TOKEN: &str = "a preset (q8_0, q4_0, q4_1, q5_0, q5_1, mxfp8-e4m3, mxfp8-e5m2, mxfp6-e3m2, mxfp6-e2m3, mxfp4, mxint8, \
     nvfp4, nf4, fp4-bnb) or ELEMENT:SCOPE with ELEMENT fp8-e4m3, fp8-e5m2, fp6-e3m2, fp6-e2m3, fp4-e2m1, int4, int8, \
     int4-affine or int8-affine and SCOPE per-tensor, per-channel or per-group:N";

impl FromStr for Format {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<Format, FormatError> {
        let token = s.trim().to_ascii_lowercase();
        let refuse = |problem: &str, column: usize, expected: &str| FormatError::Token {
            token: s.trim().to_string(),
            column,
            problem: problem.to_string(),
            expected: expected.to_string(),
        };
        if let Some(p) = Preset::ALL.into_iter().find(|p| p.name() == token) {
            return Ok(Format::Preset(p));
        }
        let mut parts = token.splitn(2, ':');
        let head = parts.next().unwrap_or("");
        let Some(rest) = parts.next() else {
            let problem =
                if FloatElement::from_name(head).is_some() || head.starts_with("int") { "missing scope in" } else { "unknown format" };
            return Err(refuse(problem, 1, EXPECTED_TOKEN));
        };
        let scope_column = head.chars().count() + 2;
        let scope = match rest {
            "per-tensor" => Scope::Tensor,
            "per-channel" => Scope::Channel,
            _ => match rest.strip_prefix("per-group:") {
                Some(n) => match n.parse::<usize>() {
                    Ok(n) if n >= 1 => Scope::Group(n),
                    _ => return Err(refuse("bad group size in", scope_column + 10, "a group size N ≥ 1, as in per-group:128")),
                },
                None if rest == "per-group" => {
                    return Err(refuse("missing group size in", scope_column, "per-group:N, as in per-group:128"))
                }
                None => return Err(refuse("unknown scope in", scope_column, "per-tensor, per-channel or per-group:N")),
            },
        };
        if let Some(element) = FloatElement::from_name(head) {
            return Ok(Format::Float { element, scope });
        }
        let int = |name: &str| match name {
            "int4" => Some(IntBits::Int4),
            "int8" => Some(IntBits::Int8),
            _ => None,
        };
        if let Some(bits) = int(head) {
            return Ok(Format::Int { bits, scheme: Scheme::Symmetric, scope });
        }
        if let Some(bits) = head.strip_suffix("-affine").and_then(int) {
            return Ok(Format::Int { bits, scheme: Scheme::Affine, scope });
        }
        if head.ends_with("-affine") {
            return Err(refuse(
                "a float element cannot be affine in",
                1,
                "fp8-e4m3, fp8-e5m2, fp6-e3m2, fp6-e2m3, fp4-e2m1 (symmetric) or int4-affine, int8-affine",
            ));
        }
        if Preset::ALL.iter().any(|p| p.name() == head) {
            return Err(refuse("a preset fixes its own scope in", scope_column, "the preset name alone, as in q4_0"));
        }
        Err(refuse("unknown element type in", 1, EXPECTED_TOKEN))
    }
}

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Format, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
