//! Scale and zero point: from a calibration range under a [`QuantSpec`], or given by hand.

use crate::error::QuantError;
use crate::exact::{self, Decimal};
use crate::rounding::Rounding;
use crate::spec::{Arithmetic, QuantSpec, Scheme};
use crate::warning::Warning;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive};
use serde::Serialize;

/// `torch.finfo(torch.float32).eps`, PyTorch's lower bound on a scale.
pub const TORCH_EPS: f32 = f32::EPSILON;

/// `x̂ = (q - z) · s`: in float32 for the float32 conventions (the integer difference times the
/// float32 scale, rounded once, as PyTorch's fake-quantize and ONNX Runtime compute it), in f64 for
/// the textbook convention. Every dequantized value the core reports comes from here (the fused
/// kernels compute the same float32 product lane by lane).
#[inline(always)]
pub fn dequantize(q: i64, zero_point: i64, scale: f64, float32: bool) -> f64 {
    if float32 {
        ((q - zero_point) as f32 * scale as f32) as f64
    } else {
        (q - zero_point) as f64 * scale
    }
}

/// A calibration range `[min, max]`, with the exact decimals they were typed as (when typed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RangeInput {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
    /// `min` as typed, if it was.
    pub min_exact: Option<Decimal>,
    /// `max` as typed, if it was.
    pub max_exact: Option<Decimal>,
}

impl RangeInput {
    /// A range known only by its f64 ends.
    pub fn new(min: f64, max: f64) -> Self {
        RangeInput { min, max, min_exact: None, max_exact: None }
    }
}

/// A channel's quantization parameters, as the convention stores them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QParams {
    /// The scale (for float32 conventions, a float32 value widened exactly).
    pub scale: f64,
    /// The zero point (textbook does not clamp it, so it may lie outside the range).
    pub zero_point: i64,
    /// TFLite symmetric quantizes with `x · (D / amax)` rather than `x / s`: that multiplier.
    #[serde(skip)]
    pub(crate) multiplier: Option<f32>,
    /// The exact scale (textbook only), for deciding ties: kept as the recipe that gives it, and
    /// computed only for a value near a tie ([`ExactScale::value`]).
    #[serde(skip)]
    pub(crate) exact_scale: Option<ExactScale>,
}

/// One end of a range as the textbook convention reads it: its f64 value and the decimal it was typed as.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ExactEnd {
    value: f64,
    decimal: Option<Decimal>,
}

impl ExactEnd {
    fn new(value: f64, decimal: Option<Decimal>) -> Self {
        ExactEnd { value, decimal }
    }

    /// Zero, exactly (an end moved to include zero).
    fn zero() -> Self {
        ExactEnd { value: 0.0, decimal: None }
    }

    /// The exact value ([`exact::exact_value`]).
    fn value(self) -> BigRational {
        exact::exact_value(self.value, self.decimal)
    }
}

/// The textbook convention's exact scale, as the few numbers it is computed from.
///
/// The big-rational arithmetic (a gcd per operation) cost about a sixth of a textbook analysis when
/// every channel's scale was computed up front; the rounding needs it only where the f64 quotient is
/// within a hair of a boundary ([`Rounding::near_boundary`]), which few channels ever meet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ExactScale {
    /// `1`: an empty range.
    One,
    /// A scale typed by hand.
    Given(ExactEnd),
    /// Affine: `(hi - lo) / steps`.
    Width { lo: ExactEnd, hi: ExactEnd, steps: i64 },
    /// Symmetric: `|amax| · 2 / twice` (`twice` is twice the divisor).
    Symmetric { amax: ExactEnd, twice: i64 },
}

impl ExactScale {
    /// The exact scale.
    pub(crate) fn value(&self) -> BigRational {
        match *self {
            ExactScale::One => exact::one(),
            ExactScale::Given(s) => s.value(),
            ExactScale::Width { lo, hi, steps } => (hi.value() - lo.value()) / exact::integer(steps),
            ExactScale::Symmetric { amax, twice } => amax.value().abs() * exact::integer(2) / exact::integer(twice),
        }
    }

    /// The exact scale as `(m · 2^e) / d` in integers, when its ends are known only as f64 values
    /// (no typed decimal: a weight file's values) and their difference fits in 123 bits: what
    /// [`exact::round_dyadic_quotient`] divides by.
    pub(crate) fn dyadic(&self) -> Option<((i128, i32), i64)> {
        let plain = |end: ExactEnd| if end.decimal.is_none() { exact::dyadic(end.value) } else { None };
        match *self {
            ExactScale::One => Some(((1, 0), 1)),
            ExactScale::Given(s) => Some((plain(s)?, 1)),
            ExactScale::Width { lo, hi, steps } => Some((exact::dyadic_difference(plain(hi)?, plain(lo)?)?, steps)),
            ExactScale::Symmetric { amax, twice } => {
                let (m, e) = plain(amax)?;
                Some(((2 * m.abs(), e), twice))
            }
        }
    }

    /// `x / s` exactly, without the big rationals, where it is known: a symmetric grid's own end
    /// (`x` the very number `amax` came from, same f64 and same typed decimal) gives
    /// `±amax / (amax / D) = ±D`, a half-integer or an integer (`twice / 2`), which f64 holds
    /// exactly. That quotient is a tie of the nearest rules in every channel of a half-integer `D`
    /// (`127.5` for qint8), so the exact path would otherwise build the rationals once a channel.
    pub(crate) fn quotient_of_end(&self, x: f64, decimal: Option<Decimal>) -> Option<f64> {
        match *self {
            ExactScale::Symmetric { amax, twice } if x == amax.value && decimal == amax.decimal && x != 0.0 && twice > 0 => {
                Some(twice as f64 / 2.0 * x.signum())
            }
            _ => None,
        }
    }
}

impl QParams {
    /// Parameters typed by hand, validated against the spec's range.
    ///
    /// The scale must be finite and > 0 (also after conversion to float32 for float32 conventions);
    /// the zero point must lie in `[qmin, qmax]`.
    pub fn manual(
        spec: &QuantSpec,
        channel: usize,
        name: &str,
        scale: f64,
        scale_exact: Option<Decimal>,
        zero_point: i64,
    ) -> Result<QParams, QuantError> {
        let stored = if spec.arithmetic == Arithmetic::ExactDecimal { scale } else { scale as f32 as f64 };
        if !(stored.is_finite() && stored > 0.0) {
            return Err(QuantError::ManualScale { channel, name: name.to_string(), scale });
        }
        if !spec.range.contains(zero_point) {
            return Err(QuantError::ManualZeroPoint {
                channel,
                name: name.to_string(),
                zero_point,
                qmin: spec.range.qmin as i64,
                qmax: spec.range.qmax as i64,
            });
        }
        let exact_scale = (spec.arithmetic == Arithmetic::ExactDecimal).then_some(ExactScale::Given(ExactEnd::new(scale, scale_exact)));
        Ok(QParams { scale: stored, zero_point, multiplier: None, exact_scale })
    }

    /// Computes the parameters of one channel (or the tensor) from its calibration range.
    ///
    /// The formulas, per convention, are in [`QuantSpec::formulas`] and `docs/conventions.md`.
    /// Returns the parameters and the warnings they raise (empty range, zero point outside or clamped).
    pub fn from_range(spec: &QuantSpec, range: &RangeInput) -> Result<(QParams, Vec<Warning>), String> {
        if range.min.is_nan() || range.max.is_nan() || range.min > range.max {
            return Err("min must not exceed max".into());
        }
        match spec.arithmetic {
            Arithmetic::ExactDecimal => textbook(spec, range),
            Arithmetic::TorchF32 => pytorch(spec, range),
            Arithmetic::OrtF64Scale => onnxruntime(spec, range),
            Arithmetic::TfliteF32 => tflite(spec, range),
        }
    }
}

/// The rounding used for a zero point: the spec's rule, except that stochastic rounding uses half-even.
fn zero_point_rounding(spec: &QuantSpec) -> Rounding {
    if spec.rounding == Rounding::Stochastic {
        Rounding::HalfEven
    } else {
        spec.rounding
    }
}

/// Applies the clamp rule to a computed zero point, with the warning it deserves.
fn settle_zero_point(spec: &QuantSpec, z: i64, warnings: &mut Vec<Warning>) -> i64 {
    let (qmin, qmax) = (spec.range.qmin as i64, spec.range.qmax as i64);
    if spec.range.contains(z) {
        z
    } else if spec.clamp_zero_point {
        let to = z.clamp(qmin, qmax);
        warnings.push(Warning::ZeroPointClamped { from: z, to });
        to
    } else {
        warnings.push(Warning::ZeroPointOutOfRange { zero_point: z, qmin, qmax });
        z
    }
}

fn to_i64(v: f64) -> Result<i64, String> {
    if v.is_finite() && v.abs() < 9.0e15 {
        Ok(v as i64)
    } else {
        Err(format!("the zero point {v} is not a representable integer"))
    }
}

/// Textbook, f64 with exact ties.
///
/// affine: `s = (max - min) / (qmax - qmin)`, `z = round(qmin - min / s)` (not clamped);
/// symmetric: `s = max(|min|, |max|) / D`, `z = 0` (signed) or the midpoint (unsigned);
/// empty range: `s = 1` (as the per-channel PTQ exercise does).
fn textbook(spec: &QuantSpec, range: &RangeInput) -> Result<(QParams, Vec<Warning>), String> {
    let mut warnings = Vec::new();
    let (qmin, qmax) = (spec.range.qmin as i64, spec.range.qmax as i64);
    let mut lo = ExactEnd::new(range.min, range.min_exact);
    let mut hi = ExactEnd::new(range.max, range.max_exact);
    if spec.include_zero {
        if lo.value > 0.0 {
            lo = ExactEnd::zero();
        }
        if hi.value < 0.0 {
            hi = ExactEnd::zero();
        }
    }
    let rounding = zero_point_rounding(spec);
    match spec.scheme {
        Scheme::Affine => {
            let width = hi.value - lo.value;
            if !width.is_finite() {
                return Err("the range is too wide for f64".into());
            }
            let (scale, exact_scale) = if width == 0.0 {
                warnings.push(Warning::ZeroRange { scale: 1.0 });
                (1.0, ExactScale::One)
            } else {
                (width / (qmax - qmin) as f64, ExactScale::Width { lo, hi, steps: qmax - qmin })
            };
            let z_real = qmin as f64 - lo.value / scale;
            let z = if rounding.near_boundary(z_real) {
                // In 128-bit integers where they hold the numbers (a range of ±a gives a tie,
                // 127.5 for qint8, in every channel), else in big rationals.
                let integers = match exact_scale {
                    ExactScale::Width { lo, hi, steps } => {
                        exact::round_affine_zero_point(rounding, qmin, (lo.value, lo.decimal), (hi.value, hi.decimal), steps)
                    }
                    _ => None,
                };
                integers.unwrap_or_else(|| {
                    let exact_z = exact::integer(qmin) - lo.value() / exact_scale.value();
                    rounding.round_exact(&exact_z).to_f64().unwrap_or(f64::NAN)
                })
            } else {
                rounding.round_f64(z_real, 0.0)
            };
            let z = settle_zero_point(spec, to_i64(z)?, &mut warnings);
            Ok((QParams { scale, zero_point: z, multiplier: None, exact_scale: Some(exact_scale) }, warnings))
        }
        Scheme::Symmetric => {
            let amax = lo.value.abs().max(hi.value.abs());
            let amax_end = if lo.value.abs() >= hi.value.abs() { lo } else { hi };
            let z = spec.symmetric_zero_point();
            let (lo_q, hi_q) = (qmin - z, qmax - z);
            let (scale, exact_scale) = if amax == 0.0 {
                warnings.push(Warning::ZeroRange { scale: 1.0 });
                (1.0, ExactScale::One)
            } else {
                let twice = spec.symmetric_divisor.twice(lo_q, hi_q);
                (amax / spec.symmetric_divisor.value(lo_q, hi_q), ExactScale::Symmetric { amax: amax_end, twice })
            };
            if !scale.is_finite() || scale <= 0.0 {
                return Err("the divisor is not positive for this range".into());
            }
            Ok((QParams { scale, zero_point: z, multiplier: None, exact_scale: Some(exact_scale) }, warnings))
        }
    }
}

/// PyTorch `UniformQuantizationObserverBase._calculate_qparams`, in float32.
///
/// `min_neg = min(min, 0)`, `max_pos = max(max, 0)`;
/// symmetric: `s = max(-min_neg, max_pos) / ((qmax - qmin) / 2)`, `z = 0` (qint8) or 128 / `(qmin + qmax) // 2` (quint8);
/// affine: `s = (max_pos - min_neg) / (qmax - qmin)`, `z = clamp(qmin - round(min_neg / s), qmin, qmax)`;
/// both: `s = max(s, eps)`.
fn pytorch(spec: &QuantSpec, range: &RangeInput) -> Result<(QParams, Vec<Warning>), String> {
    let mut warnings = Vec::new();
    let (qmin, qmax) = (spec.range.qmin, spec.range.qmax);
    let mut lo = range.min as f32;
    let mut hi = range.max as f32;
    if spec.include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let rounding = zero_point_rounding(spec);
    let (raw_scale, z) = match spec.scheme {
        Scheme::Symmetric => {
            let amax = lo.abs().max(hi.abs());
            (amax / spec.divisor_value() as f32, spec.symmetric_zero_point())
        }
        Scheme::Affine => {
            let s = (hi - lo) / (qmax - qmin) as f32;
            let s_used = s.max(TORCH_EPS);
            let z = qmin as i64 - rounding.round_f32(lo / s_used, 0.0) as i64;
            (s, z)
        }
    };
    if !raw_scale.is_finite() {
        return Err("the range is too wide for float32".into());
    }
    let scale = raw_scale.max(TORCH_EPS);
    if raw_scale < TORCH_EPS {
        warnings.push(if raw_scale == 0.0 { Warning::ZeroRange { scale: scale as f64 } } else { Warning::ScaleAtEps });
    }
    let z = settle_zero_point(spec, z, &mut warnings);
    Ok((QParams { scale: scale as f64, zero_point: z, multiplier: None, exact_scale: None }, warnings))
}

/// ONNX Runtime `quant_utils.compute_scale_zp`.
///
/// `rmin = min(rmin, 0)`, `rmax = max(rmax, 0)` in float32; symmetric: `rmin, rmax = -absmax, absmax`;
/// `s = f64(rmax - rmin) / (qmax - qmin)` in float64; if `s < float32 tiny`: `s = 1, z = 0`;
/// symmetric `z = round((qmin + qmax) / 2)`, affine `z = round(qmin - rmin / s)` (half-even, float64);
/// then `s` is stored as float32.
fn onnxruntime(spec: &QuantSpec, range: &RangeInput) -> Result<(QParams, Vec<Warning>), String> {
    let mut warnings = Vec::new();
    let (qmin, qmax) = (spec.range.qmin as i64, spec.range.qmax as i64);
    let mut lo = range.min as f32;
    let mut hi = range.max as f32;
    if spec.include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let dq = (qmax - qmin) as f64;
    let scale64 = match spec.scheme {
        Scheme::Symmetric => {
            let absmax = lo.abs().max(hi.abs());
            // (2·absmax) / (qmax - qmin) in float64 equals absmax / D for D = (qmax - qmin) / 2.
            absmax as f64 / spec.divisor_value()
        }
        Scheme::Affine => (hi - lo) as f64 / dq,
    };
    if !scale64.is_finite() || scale64 as f32 == f32::INFINITY {
        return Err("the range is too wide for float32".into());
    }
    if scale64 < f32::MIN_POSITIVE as f64 {
        warnings.push(Warning::ZeroRange { scale: 1.0 });
        return Ok((QParams { scale: 1.0, zero_point: 0, multiplier: None, exact_scale: None }, warnings));
    }
    let rounding = zero_point_rounding(spec);
    let z = match spec.scheme {
        Scheme::Symmetric => spec.symmetric_zero_point(),
        Scheme::Affine => to_i64(rounding.round_f64(qmin as f64 - lo as f64 / scale64, 0.0))?,
    };
    let z = settle_zero_point(spec, z, &mut warnings);
    Ok((QParams { scale: scale64 as f32 as f64, zero_point: z, multiplier: None, exact_scale: None }, warnings))
}

/// TFLite.
///
/// symmetric (weights, `SymmetricPerChannelQuantization`): `s = amax / D` and `x` is multiplied by
/// `D / amax`, in float32; `amax = 0` gives `s = 0`.
/// affine (`ChooseQuantizationParams`, float64): `s = (rmax - rmin) / (qmax - qmin)`; the zero point
/// comes from whichever end (`qmin - rmin/s` or `qmax - rmax/s`) has the smaller error, nudged into
/// `[qmin, qmax]` and rounded; `rmin == rmax` gives `s = 0, z = 0`.
fn tflite(spec: &QuantSpec, range: &RangeInput) -> Result<(QParams, Vec<Warning>), String> {
    let mut warnings = Vec::new();
    let (qmin, qmax) = (spec.range.qmin as i64, spec.range.qmax as i64);
    match spec.scheme {
        Scheme::Symmetric => {
            let mut lo = range.min as f32;
            let mut hi = range.max as f32;
            if spec.include_zero {
                lo = lo.min(0.0);
                hi = hi.max(0.0);
            }
            let amax = lo.abs().max(hi.abs());
            let d = spec.divisor_value() as f32;
            let z = spec.symmetric_zero_point();
            if !amax.is_finite() {
                return Err("the range is too wide for float32".into());
            }
            if amax == 0.0 {
                warnings.push(Warning::ZeroRange { scale: 0.0 });
                return Ok((QParams { scale: 0.0, zero_point: z, multiplier: Some(0.0), exact_scale: None }, warnings));
            }
            Ok((QParams { scale: (amax / d) as f64, zero_point: z, multiplier: Some(d / amax), exact_scale: None }, warnings))
        }
        Scheme::Affine => {
            let mut rmin = range.min;
            let mut rmax = range.max;
            if spec.include_zero {
                rmin = rmin.min(0.0);
                rmax = rmax.max(0.0);
            }
            if rmin == rmax {
                warnings.push(Warning::ZeroRange { scale: 0.0 });
                return Ok((QParams { scale: 0.0, zero_point: 0, multiplier: Some(0.0), exact_scale: None }, warnings));
            }
            let (qmin_d, qmax_d) = (qmin as f64, qmax as f64);
            let scale = (rmax - rmin) / (qmax_d - qmin_d);
            if !scale.is_finite() || scale as f32 == f32::INFINITY {
                return Err("the range is too wide for float32".into());
            }
            let from_min = qmin_d - rmin / scale;
            let from_max = qmax_d - rmax / scale;
            let err_min = qmin_d.abs() + (rmin / scale).abs();
            let err_max = qmax_d.abs() + (rmax / scale).abs();
            let zd = if err_min < err_max { from_min } else { from_max };
            let z = if spec.clamp_zero_point && zd < qmin_d {
                qmin
            } else if spec.clamp_zero_point && zd > qmax_d {
                qmax
            } else {
                to_i64(zero_point_rounding(spec).round_f64(zd, 0.0))?
            };
            let z = settle_zero_point(spec, z, &mut warnings);
            Ok((QParams { scale: scale as f32 as f64, zero_point: z, multiplier: None, exact_scale: None }, warnings))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Convention, SpecOptions};

    fn spec(convention: Convention, dtype: &str, scheme: Scheme) -> QuantSpec {
        QuantSpec::resolve(&SpecOptions { convention, dtype: dtype.parse().unwrap(), scheme, ..SpecOptions::default() }).unwrap()
    }

    fn typed(min: &str, max: &str) -> RangeInput {
        RangeInput { min: min.parse().unwrap(), max: max.parse().unwrap(), min_exact: Decimal::parse(min), max_exact: Decimal::parse(max) }
    }

    #[test]
    fn the_per_channel_calculators_parameters() {
        let sp = spec(Convention::Textbook, "qint8", Scheme::Affine);
        let rows = [("-1.2", "1", 11), ("-0.8", "0.9", -8), ("-1.5", "1.7", -8), ("-0.45", "0.6", -19)];
        for (min, max, z) in rows {
            let (p, w) = QParams::from_range(&sp, &typed(min, max)).unwrap();
            assert_eq!(p.zero_point, z, "{min}..{max}");
            assert!(w.is_empty());
        }
        let (p, _) = QParams::from_range(&sp, &typed("-1.2", "1")).unwrap();
        assert_eq!(format!("{:.8}", p.scale), "0.00862745");
    }

    #[test]
    fn textbook_zero_point_outside_is_flagged_not_clamped() {
        let sp = spec(Convention::Textbook, "qint8", Scheme::Affine);
        let (p, w) = QParams::from_range(&sp, &typed("0.5", "1.5")).unwrap();
        assert_eq!(p.zero_point, -128 - 128); // round(-128 - 0.5 / (1/255)) = round(-255.5) = -256 (half-even)
        assert!(matches!(w[0], Warning::ZeroPointOutOfRange { .. }));
    }

    #[test]
    fn pytorch_affine_and_symmetric() {
        let sp = spec(Convention::Pytorch, "quint8", Scheme::Affine);
        let (p, _) = QParams::from_range(&sp, &RangeInput::new(0.5, 2.0)).unwrap();
        // min forced to 0: s = 2/255 in f32, z = 0 - round(0) = 0
        assert_eq!(p.scale, (2.0f32 / 255.0) as f64);
        assert_eq!(p.zero_point, 0);
        let sp = spec(Convention::Pytorch, "qint8", Scheme::Symmetric);
        let (p, _) = QParams::from_range(&sp, &RangeInput::new(-1.0, 0.5)).unwrap();
        assert_eq!(p.scale, (1.0f32 / 127.5) as f64);
        assert_eq!(p.zero_point, 0);
        let (p, w) = QParams::from_range(&sp, &RangeInput::new(0.0, 0.0)).unwrap();
        assert_eq!(p.scale, f32::EPSILON as f64);
        assert!(matches!(w[0], Warning::ZeroRange { .. }));
    }

    #[test]
    fn onnxruntime_zero_range_and_symmetric_uint8() {
        let sp = spec(Convention::Onnxruntime, "quint8", Scheme::Symmetric);
        let (p, _) = QParams::from_range(&sp, &RangeInput::new(-1.0, 3.0)).unwrap();
        assert_eq!(p.zero_point, 128);
        assert_eq!(p.scale, (6.0f64 / 255.0) as f32 as f64);
        let (p, w) = QParams::from_range(&sp, &RangeInput::new(0.0, 0.0)).unwrap();
        assert_eq!((p.scale, p.zero_point), (1.0, 0));
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn tflite_weights_and_activations() {
        let sp = spec(Convention::Tflite, "qint8", Scheme::Symmetric);
        assert_eq!(sp.range.qmin, -127);
        let (p, _) = QParams::from_range(&sp, &RangeInput::new(-0.5, 2.54)).unwrap();
        assert_eq!(p.scale, (2.54f32 / 127.0) as f64);
        let sp = spec(Convention::Tflite, "qint8", Scheme::Affine);
        let (p, _) = QParams::from_range(&sp, &RangeInput::new(-1.0, 3.0)).unwrap();
        // s = 4/255; from_min = -128 + 63.75 = -64.25 (error 128 + 63.75) vs from_max = 127 - 191.25 = -64.25
        assert_eq!(p.zero_point, -64);
    }

    #[test]
    fn manual_parameters_are_validated() {
        let sp = spec(Convention::Textbook, "qint8", Scheme::Affine);
        assert!(QParams::manual(&sp, 2, "w", 0.0, None, 0).is_err());
        assert!(QParams::manual(&sp, 2, "w", f64::NAN, None, 0).is_err());
        let err = QParams::manual(&sp, 2, "w", 0.1, None, 300).unwrap_err();
        assert_eq!(err.to_string(), "channel 2 (`w`): zero point 300 is outside the integer range [-128, 127]");
        let sp = spec(Convention::Pytorch, "qint8", Scheme::Affine);
        assert!(QParams::manual(&sp, 0, "w", 1e-50, None, 0).is_err(), "underflows float32");
    }
}
