//! Conventions as data: a [`Convention`] plus the user's overrides resolve to one [`QuantSpec`].
//!
//! Every convention quantizes as `q = clamp(round(x / s) + z, qmin, qmax)` and dequantizes as
//! `x̂ = (q - z) · s`. They differ in how `s` and `z` are chosen, in the rounding rule and in the
//! arithmetic precision; `docs/conventions.md` (and `../shared/reference/conventions.md`) give the
//! sources. The fields a user may override are the `Option`s of [`SpecOptions`]; the arithmetic and
//! the zero-range rule belong to the convention.

use crate::dtype::{Dtype, IntRange};
use crate::error::QuantError;
use crate::rounding::Rounding;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A named set of choices, matching one framework or the reference calculators' formulas (README, *The reference calculators*).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    /// The formulas printed in the reference calculators: f64, range as given, exact decimal ties.
    #[default]
    Textbook,
    /// `torch.ao.quantization` observers and fake-quantize: f32, zero forced into the range, eps, clamped zero point.
    Pytorch,
    /// `onnxruntime.quantization.quant_utils`: scale in f64 stored as f32, narrow int8 symmetric range.
    Onnxruntime,
    /// TFLite / LiteRT: int8 symmetric narrow weights (`amax / 127`), nudged affine activations, ties away from zero.
    Tflite,
}

impl Convention {
    /// Every convention, in the order the UI lists them.
    pub const ALL: [Convention; 4] = [Convention::Textbook, Convention::Pytorch, Convention::Onnxruntime, Convention::Tflite];

    /// The name used by the CLI and the form.
    pub fn name(self) -> &'static str {
        match self {
            Convention::Textbook => "textbook",
            Convention::Pytorch => "pytorch",
            Convention::Onnxruntime => "onnxruntime",
            Convention::Tflite => "tflite",
        }
    }

    /// A human title.
    pub fn title(self) -> &'static str {
        match self {
            Convention::Textbook => "Textbook",
            Convention::Pytorch => "PyTorch",
            Convention::Onnxruntime => "ONNX Runtime",
            Convention::Tflite => "TFLite",
        }
    }

    /// One line on what the convention changes.
    pub fn summary(self) -> &'static str {
        match self {
            Convention::Textbook => "The reference calculators' formulas in exact decimal arithmetic: range as given (zero not forced in), zero point not clamped, divisor selectable.",
            Convention::Pytorch => "torch.ao observers: float32, zero forced into the range, scale >= eps, zero point clamped, x·(1/s) rounded half to even.",
            Convention::Onnxruntime => "ONNX Runtime quant_utils: zero forced in, scale computed in float64 and stored as float32, int8 symmetric uses [-127, 127], x/s rounded half to even.",
            Convention::Tflite => "TFLite: int8 symmetric weights on [-127, 127] with s = amax/127; affine activations with a nudged zero point; ties away from zero.",
        }
    }
}

impl fmt::Display for Convention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Convention {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace(['-', '_', ' '], "").as_str() {
            "textbook" => Ok(Convention::Textbook),
            "pytorch" | "torch" => Ok(Convention::Pytorch),
            "onnxruntime" | "ort" | "onnx" => Ok(Convention::Onnxruntime),
            "tflite" | "litert" | "tensorflow" => Ok(Convention::Tflite),
            _ => Err(format!("unknown convention `{s}` (expected textbook, pytorch, onnxruntime or tflite)")),
        }
    }
}

/// Affine (asymmetric, any zero point) or symmetric (zero point fixed at the middle of the range).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// `s = (max - min) / (qmax - qmin)`, `z = round(qmin - min / s)`.
    #[default]
    Affine,
    /// `s = max(|min|, |max|) / D`, `z = 0` (signed) or the midpoint (unsigned).
    Symmetric,
}

impl Scheme {
    /// The CLI / form name.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Affine => "affine",
            Scheme::Symmetric => "symmetric",
        }
    }
}

impl FromStr for Scheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "affine" | "asymmetric" | "asym" => Ok(Scheme::Affine),
            "symmetric" | "sym" => Ok(Scheme::Symmetric),
            _ => Err(format!("unknown scheme `{s}` (expected affine or symmetric)")),
        }
    }
}

/// One set of parameters for the whole tensor, or one per channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Granularity {
    /// One scale and zero point per channel (along the channel axis).
    #[default]
    PerChannel,
    /// One scale and zero point for the whole tensor.
    PerTensor,
}

impl Granularity {
    /// The CLI / form name.
    pub fn name(self) -> &'static str {
        match self {
            Granularity::PerChannel => "per-channel",
            Granularity::PerTensor => "per-tensor",
        }
    }
}

impl FromStr for Granularity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "per-channel" | "channel" => Ok(Granularity::PerChannel),
            "per-tensor" | "tensor" => Ok(Granularity::PerTensor),
            _ => Err(format!("unknown granularity `{s}` (expected per-channel or per-tensor)")),
        }
    }
}

/// The divisor `D` of the symmetric scale `s = amax / D`.
///
/// Measured on the range shifted by the zero point, `[lo, hi] = [qmin - z, qmax - z]` (for signed
/// types `z = 0`, so this is `[qmin, qmax]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SymmetricDivisor {
    /// `max(|lo|, |hi|)`: 128 for int8 (the per-channel calculator and the per-channel vs per-tensor calculator).
    MaxAbs,
    /// `hi`: 127 for int8 (the quantization error calculator, the per-channel PTQ exercise; TensorRT/TFLite `amax / 127`).
    Qmax,
    /// `(hi - lo) / 2`: 127.5 for int8 (PyTorch observers, ONNX Runtime).
    HalfRange,
}

impl SymmetricDivisor {
    /// The CLI / form name.
    pub fn name(self) -> &'static str {
        match self {
            SymmetricDivisor::MaxAbs => "max-abs",
            SymmetricDivisor::Qmax => "qmax",
            SymmetricDivisor::HalfRange => "half-range",
        }
    }

    /// The divisor for a range `[lo, hi]` already shifted by the zero point; may be fractional (x.5).
    pub fn value(self, lo: i64, hi: i64) -> f64 {
        match self {
            SymmetricDivisor::MaxAbs => lo.abs().max(hi.abs()) as f64,
            SymmetricDivisor::Qmax => hi as f64,
            SymmetricDivisor::HalfRange => (hi - lo) as f64 / 2.0,
        }
    }

    /// Twice the divisor, an exact integer (for exact arithmetic).
    pub fn twice(self, lo: i64, hi: i64) -> i64 {
        match self {
            SymmetricDivisor::MaxAbs => 2 * lo.abs().max(hi.abs()),
            SymmetricDivisor::Qmax => 2 * hi,
            SymmetricDivisor::HalfRange => hi - lo,
        }
    }
}

impl FromStr for SymmetricDivisor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "max-abs" | "maxabs" | "max" | "128" => Ok(SymmetricDivisor::MaxAbs),
            "qmax" | "127" => Ok(SymmetricDivisor::Qmax),
            "half-range" | "halfrange" | "127.5" => Ok(SymmetricDivisor::HalfRange),
            _ => Err(format!("unknown symmetric divisor `{s}` (expected max-abs, qmax or half-range)")),
        }
    }
}

/// The arithmetic a convention computes in: what makes it bit-exact with its framework.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Arithmetic {
    /// f64, with rounding decisions near a boundary taken exactly on the typed decimals.
    ExactDecimal,
    /// float32 throughout; quantize as `nearbyint(x · (1/s))` (PyTorch fake-quantize).
    TorchF32,
    /// scale in f64 from float32 min/max, stored as float32; quantize as `round(x / s)` in float32.
    OrtF64Scale,
    /// TFLite: affine parameters in f64, symmetric in float32; quantize `x · (qmax/amax)` or `x / s` in float32.
    TfliteF32,
}

/// What a convention does when the range is empty (max == min, or amax == 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZeroRangeRule {
    /// `s = 1.0` (as the per-channel PTQ exercise does), with a warning.
    ScaleOne,
    /// `s = max(s, eps)` with `eps = 2^-23` (PyTorch).
    Eps,
    /// `s < float32 tiny` gives `s = 1.0, z = 0` (ONNX Runtime).
    TinyToOne,
    /// `s = 0`: every value quantizes to the zero point (TFLite).
    ZeroScale,
}

/// The user's choices: a convention plus any single choice overridden (`None` keeps the convention's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpecOptions {
    /// Base convention.
    pub convention: Convention,
    /// Integer target.
    pub dtype: Dtype,
    /// Affine or symmetric.
    pub scheme: Scheme,
    /// Narrow the integer interval by one bit (PyTorch `reduce_range`).
    pub reduce_range: bool,
    /// Drop the most negative level (e.g. int8 [-127, 127]); `None` = the convention's default.
    pub narrow_range: Option<bool>,
    /// Custom lower end of the integer range (PyTorch `quant_min`).
    pub quant_min: Option<i32>,
    /// Custom upper end of the integer range (PyTorch `quant_max`).
    pub quant_max: Option<i32>,
    /// Rounding rule override.
    pub rounding: Option<Rounding>,
    /// Symmetric divisor override.
    pub symmetric_divisor: Option<SymmetricDivisor>,
    /// Force zero into the calibration range (`min = min(min, 0)`, `max = max(max, 0)`).
    pub include_zero: Option<bool>,
    /// Clamp the zero point into `[qmin, qmax]`.
    pub clamp_zero_point: Option<bool>,
    /// Seed of the stochastic rounding generator.
    pub seed: u64,
}

impl Default for SpecOptions {
    fn default() -> Self {
        SpecOptions {
            convention: Convention::Textbook,
            dtype: Dtype::QINT8,
            scheme: Scheme::Affine,
            reduce_range: false,
            narrow_range: None,
            quant_min: None,
            quant_max: None,
            rounding: None,
            symmetric_divisor: None,
            include_zero: None,
            clamp_zero_point: None,
            seed: 0,
        }
    }
}

/// Everything needed to quantize, resolved: no defaults left to guess.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuantSpec {
    /// The convention this came from.
    pub convention: Convention,
    /// Integer target.
    pub dtype: Dtype,
    /// Affine or symmetric.
    pub scheme: Scheme,
    /// The integer interval the parameters are computed for (after custom range, narrow and reduce range).
    pub range: IntRange,
    /// The interval quantized values are clamped to. The same as `range`, except in ONNX Runtime,
    /// whose `quantize_nparray` saturates to the dtype's full range while `compute_scale_zp` used the
    /// reduced or narrow one (so uint8 symmetric with reduce_range can give q = 128).
    pub saturation: IntRange,
    /// Whether reduce_range was applied.
    pub reduce_range: bool,
    /// Whether the narrow range was applied.
    pub narrow_range: bool,
    /// Whether a custom quant_min/quant_max was given (or the dtype is not 8-bit, as PyTorch sees it).
    pub custom_range: bool,
    /// Rounding rule.
    pub rounding: Rounding,
    /// Seed for stochastic rounding.
    pub seed: u64,
    /// Symmetric divisor.
    pub symmetric_divisor: SymmetricDivisor,
    /// Zero forced into the calibration range.
    pub include_zero: bool,
    /// Zero point clamped into `[qmin, qmax]`.
    pub clamp_zero_point: bool,
    /// Arithmetic (owned by the convention).
    pub arithmetic: Arithmetic,
    /// Empty-range rule (owned by the convention).
    pub zero_range: ZeroRangeRule,
    /// Names of the choices that differ from the convention's defaults; non-empty means "custom".
    pub overridden: Vec<&'static str>,
}

/// A convention's default choices for a dtype and scheme.
struct Defaults {
    rounding: Rounding,
    divisor: SymmetricDivisor,
    include_zero: bool,
    clamp_zero_point: bool,
    narrow_range: bool,
    arithmetic: Arithmetic,
    zero_range: ZeroRangeRule,
}

fn defaults(convention: Convention, dtype: Dtype, scheme: Scheme) -> Defaults {
    let symmetric = scheme == Scheme::Symmetric;
    match convention {
        Convention::Textbook => Defaults {
            rounding: Rounding::HalfEven,
            divisor: SymmetricDivisor::MaxAbs,
            include_zero: false,
            clamp_zero_point: false,
            narrow_range: false,
            arithmetic: Arithmetic::ExactDecimal,
            zero_range: ZeroRangeRule::ScaleOne,
        },
        Convention::Pytorch => Defaults {
            rounding: Rounding::HalfEven,
            divisor: SymmetricDivisor::HalfRange,
            include_zero: true,
            clamp_zero_point: true,
            narrow_range: false,
            arithmetic: Arithmetic::TorchF32,
            zero_range: ZeroRangeRule::Eps,
        },
        Convention::Onnxruntime => Defaults {
            rounding: Rounding::HalfEven,
            divisor: SymmetricDivisor::HalfRange,
            include_zero: true,
            clamp_zero_point: false,
            // get_qmin_qmax_for_qType: INT8 and INT16 symmetric use [-(2^(b-1) - 1), 2^(b-1) - 1].
            narrow_range: symmetric && dtype.signed && (dtype.bits == 8 || dtype.bits == 16),
            arithmetic: Arithmetic::OrtF64Scale,
            zero_range: ZeroRangeRule::TinyToOne,
        },
        Convention::Tflite => Defaults {
            rounding: Rounding::HalfAway,
            divisor: SymmetricDivisor::Qmax,
            include_zero: true,
            clamp_zero_point: true,
            narrow_range: symmetric && dtype.signed,
            arithmetic: Arithmetic::TfliteF32,
            zero_range: ZeroRangeRule::ZeroScale,
        },
    }
}

impl QuantSpec {
    /// Resolves options into a spec, refusing what the convention's framework refuses.
    pub fn resolve(options: &SpecOptions) -> Result<QuantSpec, QuantError> {
        let SpecOptions { convention, dtype, scheme, reduce_range, .. } = *options;
        let d = defaults(convention, dtype, scheme);
        let mut overridden = Vec::new();
        let mut pick = |name: &'static str, given: Option<bool>, default: bool| -> bool {
            match given {
                Some(v) if v != default => {
                    overridden.push(name);
                    v
                }
                _ => default,
            }
        };
        let narrow_range = pick("narrow_range", options.narrow_range, d.narrow_range);
        let include_zero = pick("include_zero", options.include_zero, d.include_zero);
        let clamp_zero_point = pick("clamp_zero_point", options.clamp_zero_point, d.clamp_zero_point);
        let rounding = match options.rounding {
            Some(r) if r != d.rounding => {
                overridden.push("rounding");
                r
            }
            _ => d.rounding,
        };
        let symmetric_divisor = match options.symmetric_divisor {
            Some(v) if v != d.divisor => {
                overridden.push("symmetric_divisor");
                v
            }
            _ => d.divisor,
        };

        let full = dtype.full_range();
        let custom_given = options.quant_min.is_some() || options.quant_max.is_some();
        let mut range = IntRange { qmin: options.quant_min.unwrap_or(full.qmin), qmax: options.quant_max.unwrap_or(full.qmax) };
        let refuse = |range: IntRange, reason: &str| QuantError::QuantRange {
            qmin: range.qmin as i64,
            qmax: range.qmax as i64,
            reason: reason.to_string(),
        };
        if range.qmin >= range.qmax {
            return Err(refuse(range, "quant_min must be smaller than quant_max"));
        }
        if range.qmin < full.qmin || range.qmax > full.qmax {
            return Err(refuse(range, &format!("it does not fit {dtype} {full}")));
        }
        let needs_zero = matches!(convention, Convention::Pytorch | Convention::Onnxruntime);
        if needs_zero && (range.qmin > 0 || range.qmax < 0) {
            return Err(refuse(range, &format!("{} requires the integer range to include 0", convention.title())));
        }
        if narrow_range {
            range.qmin += 1;
        }
        if reduce_range {
            if convention == Convention::Pytorch && scheme == Scheme::Symmetric && !dtype.signed {
                return Err(QuantError::Unsupported {
                    convention: convention.title().into(),
                    reason: "Cannot reduce range for symmetric quantization for quint8".into(),
                });
            }
            range = if convention == Convention::Onnxruntime && !custom_given {
                // quant_utils ONNX_INT_TYPE_REDUCED_RANGE: uint8 (0, 127), int8 (-64, 64), int4 (-4, 3), int16 (-16384, 16384).
                let b = dtype.bits as u32;
                if !dtype.signed {
                    IntRange { qmin: 0, qmax: (1 << (b - 1)) - 1 }
                } else if b == 4 {
                    IntRange { qmin: -4, qmax: 3 }
                } else {
                    IntRange { qmin: -(1 << (b - 2)), qmax: 1 << (b - 2) }
                }
            } else {
                // PyTorch: quant_min // 2, quant_max // 2 (floor division).
                IntRange { qmin: range.qmin.div_euclid(2), qmax: range.qmax.div_euclid(2) }
            };
        }
        if range.qmin >= range.qmax {
            return Err(refuse(range, "the range is empty after narrowing"));
        }
        let saturation = if convention == Convention::Onnxruntime {
            IntRange { qmin: options.quant_min.unwrap_or(full.qmin), qmax: options.quant_max.unwrap_or(full.qmax) }
        } else {
            range
        };
        Ok(QuantSpec {
            convention,
            dtype,
            scheme,
            range,
            saturation,
            reduce_range,
            narrow_range,
            custom_range: custom_given || !dtype.is_byte(),
            rounding,
            seed: options.seed,
            symmetric_divisor,
            include_zero,
            clamp_zero_point,
            arithmetic: d.arithmetic,
            zero_range: d.zero_range,
            overridden,
        })
    }

    /// Whether any choice differs from the convention's defaults ("custom" in the UI).
    pub fn is_custom(&self) -> bool {
        !self.overridden.is_empty()
    }

    /// A label such as `pytorch` or `pytorch (custom: rounding)`, to state next to every result.
    pub fn label(&self) -> String {
        if self.overridden.is_empty() {
            self.convention.name().to_string()
        } else {
            format!("{} (custom: {})", self.convention.name(), self.overridden.join(", "))
        }
    }

    /// The zero point of symmetric quantization.
    ///
    /// Signed: `0`. Unsigned: PyTorch uses 128 on quint8 and `(qmin + qmax) // 2` on a custom range
    /// (textbook and TFLite follow it); ONNX Runtime uses `round_half_even((qmin + qmax) / 2)`.
    pub fn symmetric_zero_point(&self) -> i64 {
        let IntRange { qmin, qmax } = self.range;
        let (qmin, qmax) = (qmin as i64, qmax as i64);
        if self.dtype.signed {
            return 0;
        }
        match self.convention {
            Convention::Onnxruntime => ((qmin + qmax) as f64 / 2.0).round_ties_even() as i64,
            _ if self.custom_range => (qmin + qmax).div_euclid(2),
            _ => 1 << (self.dtype.bits - 1),
        }
    }

    /// The symmetric divisor's value for this range, e.g. 128, 127 or 127.5 for int8.
    pub fn divisor_value(&self) -> f64 {
        let z = self.symmetric_zero_point();
        self.symmetric_divisor.value(self.range.qmin as i64 - z, self.range.qmax as i64 - z)
    }

    /// The formulas of this spec, as shown in the "how it is computed" panel and the PDF.
    pub fn formulas(&self) -> Vec<(&'static str, String)> {
        let IntRange { qmin, qmax } = self.range;
        let round = self.rounding.name();
        let mut out = vec![("integer range", format!("[qmin, qmax] = [{qmin}, {qmax}] ({})", self.dtype))];
        let sat = self.saturation;
        if sat != self.range {
            out.push(("saturation", format!("quantized values are clamped to the dtype's [{}, {}]", sat.qmin, sat.qmax)));
        }
        let (cmin, cmax) = (sat.qmin, sat.qmax);
        if self.include_zero {
            out.push(("range", "min = min(min, 0), max = max(max, 0)".to_string()));
        }
        let precision = match self.arithmetic {
            Arithmetic::ExactDecimal => "f64; ties decided on the exact decimals typed",
            Arithmetic::TorchF32 => "float32 throughout",
            Arithmetic::OrtF64Scale => "scale in float64, stored as float32; quantize in float32",
            Arithmetic::TfliteF32 => "float32 (affine parameters in float64)",
        };
        match self.scheme {
            Scheme::Affine => {
                out.push(("scale", format!("s = (max - min) / (qmax - qmin) = (max - min) / {}", qmax - qmin)));
                let zp = format!("z = {round}(qmin - min / s)");
                out.push((
                    "zero point",
                    if self.clamp_zero_point { format!("{zp}, clamped to [{qmin}, {qmax}]") } else { format!("{zp} (not clamped)") },
                ));
            }
            Scheme::Symmetric => {
                out.push(("scale", format!("s = max(|min|, |max|) / {} ({})", self.divisor_value(), self.symmetric_divisor.name())));
                out.push(("zero point", format!("z = {}", self.symmetric_zero_point())));
            }
        }
        let zero_range = match self.zero_range {
            ZeroRangeRule::ScaleOne => "if the range is empty: s = 1",
            ZeroRangeRule::Eps => "s = max(s, 1.1920929e-7)",
            ZeroRangeRule::TinyToOne => "if s < 1.1754944e-38: s = 1, z = 0",
            ZeroRangeRule::ZeroScale => "if the range is empty: s = 0 and every q = z",
        };
        out.push(("empty range", zero_range.to_string()));
        let quantize = match self.arithmetic {
            Arithmetic::TorchF32 => format!("q = clamp({round}(x · (1/s)) + z, {cmin}, {cmax})"),
            Arithmetic::TfliteF32 if self.scheme == Scheme::Symmetric => {
                format!("q = clamp({round}(x · ({} / amax)) + z, {cmin}, {cmax})", self.divisor_value())
            }
            _ => format!("q = clamp({round}(x / s) + z, {cmin}, {cmax})"),
        };
        out.push(("quantize", quantize));
        out.push(("dequantize", "x̂ = (q - z) · s".to_string()));
        out.push(("error", "e = x̂ - x; MSE = mean(e²); SQNR = 10·log10(Σx² / Σe²) dB".to_string()));
        out.push(("arithmetic", precision.to_string()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(convention: Convention, dtype: &str, scheme: Scheme, reduce: bool) -> Result<QuantSpec, QuantError> {
        QuantSpec::resolve(&SpecOptions {
            convention,
            dtype: dtype.parse().unwrap(),
            scheme,
            reduce_range: reduce,
            ..SpecOptions::default()
        })
    }

    #[test]
    fn ranges_per_convention() {
        use Convention::*;
        use Scheme::*;
        let cases = [
            (Pytorch, "qint8", Affine, false, -128, 127),
            (Pytorch, "qint8", Affine, true, -64, 63),
            (Pytorch, "quint8", Affine, true, 0, 127),
            (Pytorch, "int4", Symmetric, false, -8, 7),
            (Onnxruntime, "qint8", Symmetric, false, -127, 127),
            (Onnxruntime, "qint8", Symmetric, true, -64, 64),
            (Onnxruntime, "qint8", Affine, true, -64, 64),
            (Onnxruntime, "quint8", Symmetric, true, 0, 127),
            (Onnxruntime, "int4", Symmetric, false, -8, 7),
            (Onnxruntime, "int4", Affine, true, -4, 3),
            (Tflite, "qint8", Symmetric, false, -127, 127),
            (Tflite, "qint8", Affine, false, -128, 127),
            (Textbook, "qint8", Affine, true, -64, 63),
        ];
        for (c, d, s, r, qmin, qmax) in cases {
            let sp = spec(c, d, s, r).unwrap();
            assert_eq!(sp.range, IntRange { qmin, qmax }, "{c} {d} {s:?} rr={r}");
        }
    }

    #[test]
    fn pytorch_refuses_reduced_symmetric_quint8() {
        assert!(matches!(spec(Convention::Pytorch, "quint8", Scheme::Symmetric, true), Err(QuantError::Unsupported { .. })));
    }

    #[test]
    fn symmetric_zero_points() {
        let sp = spec(Convention::Pytorch, "quint8", Scheme::Symmetric, false).unwrap();
        assert_eq!(sp.symmetric_zero_point(), 128);
        assert_eq!(sp.divisor_value(), 127.5);
        let sp = spec(Convention::Pytorch, "uint4", Scheme::Symmetric, false).unwrap();
        assert_eq!(sp.symmetric_zero_point(), 7);
        let sp = spec(Convention::Onnxruntime, "quint8", Scheme::Symmetric, true).unwrap();
        assert_eq!(sp.symmetric_zero_point(), 64);
        let sp = spec(Convention::Textbook, "qint8", Scheme::Symmetric, false).unwrap();
        assert_eq!((sp.symmetric_zero_point(), sp.divisor_value()), (0, 128.0));
    }

    #[test]
    fn overrides_make_custom() {
        let sp = QuantSpec::resolve(&SpecOptions {
            convention: Convention::Pytorch,
            rounding: Some(Rounding::HalfEven),
            ..SpecOptions::default()
        })
        .unwrap();
        assert!(!sp.is_custom(), "setting a default is not an override");
        let sp = QuantSpec::resolve(&SpecOptions {
            convention: Convention::Pytorch,
            rounding: Some(Rounding::HalfAway),
            ..SpecOptions::default()
        })
        .unwrap();
        assert_eq!(sp.label(), "pytorch (custom: rounding)");
    }

    #[test]
    fn custom_ranges_are_checked() {
        let bad = QuantSpec::resolve(&SpecOptions {
            convention: Convention::Pytorch,
            quant_min: Some(1),
            quant_max: Some(10),
            ..SpecOptions::default()
        });
        assert!(bad.is_err());
        let bad = QuantSpec::resolve(&SpecOptions { quant_min: Some(-300), ..SpecOptions::default() });
        assert!(bad.is_err());
        let ok = QuantSpec::resolve(&SpecOptions {
            convention: Convention::Pytorch,
            quant_min: Some(-8),
            quant_max: Some(7),
            ..SpecOptions::default()
        })
        .unwrap();
        assert_eq!(ok.range, IntRange { qmin: -8, qmax: 7 });
    }
}
