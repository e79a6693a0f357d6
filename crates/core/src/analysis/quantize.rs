//! The per-element formula of every convention and rounding rule, and its fused form.

use crate::exact::{self, Decimal};
use crate::metrics::Accumulator;
use crate::params::QParams;
use crate::rounding::Rounding;
use crate::simd::{self, Kernel};
use crate::spec::{Arithmetic, QuantSpec};
use crate::tensor::Sample;
use rand_core::{RngCore, SeedableRng};

/// A channel's parameters prepared for the per-element formula.
pub(super) struct Quantizer {
    pub(super) arithmetic: Arithmetic,
    pub(super) rounding: Rounding,
    pub(super) scale: f64,
    pub(super) scale32: f32,
    /// float32 conventions: `Some(m)` quantizes as `x · m`, `None` as `x / s`.
    pub(super) multiplier: Option<f32>,
    pub(super) zero_point: i64,
    pub(super) qmin: i64,
    pub(super) qmax: i64,
    pub(super) exact_scale: Option<num_rational::BigRational>,
}

/// One element's results. For the float32 conventions `x`, `x_hat` and `error` are float32 values
/// (widened exactly): `e = x̂ - x` is taken in float32, as the frameworks do.
pub(super) struct Element {
    pub(super) x: f64,
    pub(super) raw: f64,
    pub(super) q: i64,
    pub(super) x_hat: f64,
    pub(super) error: f64,
}

impl Quantizer {
    pub(super) fn new(spec: &QuantSpec, p: &QParams) -> Self {
        let multiplier = match spec.arithmetic {
            Arithmetic::TorchF32 => Some(1.0f32 / p.scale as f32),
            _ => p.multiplier,
        };
        Quantizer {
            arithmetic: spec.arithmetic,
            rounding: spec.rounding,
            scale: p.scale,
            scale32: p.scale as f32,
            multiplier,
            zero_point: p.zero_point,
            qmin: spec.saturation.qmin as i64,
            qmax: spec.saturation.qmax as i64,
            exact_scale: p.exact_scale.clone(),
        }
    }

    /// `q = clamp(round(x / s) + z, qmin, qmax)`, `x̂ = (q - z) · s`, in the convention's arithmetic.
    #[inline]
    pub(super) fn quantize(&self, x: f64, decimal: impl FnOnce() -> Option<Decimal>, u: f64) -> Element {
        let z = self.zero_point;
        match self.arithmetic {
            Arithmetic::ExactDecimal => {
                let v = x / self.scale;
                let r = match &self.exact_scale {
                    Some(s) if self.rounding.near_boundary(v) => {
                        let exact_v = exact::exact_value(x, decimal()) / s;
                        num_traits::ToPrimitive::to_f64(&self.rounding.round_exact(&exact_v)).unwrap_or(v)
                    }
                    _ => self.rounding.round_f64(v, u),
                };
                let raw = r + z as f64;
                let q = raw.clamp(self.qmin as f64, self.qmax as f64) as i64;
                let x_hat = crate::params::dequantize(q, z, self.scale, false);
                Element { x, raw, q, x_hat, error: x_hat - x }
            }
            _ => {
                let x32 = x as f32;
                let v = match self.multiplier {
                    Some(m) => x32 * m,
                    None => x32 / self.scale32,
                };
                let r = self.rounding.round_f32(v, u as f32);
                let raw = r as f64 + z as f64;
                let q = raw.clamp(self.qmin as f64, self.qmax as f64) as i64;
                let x_hat = crate::params::dequantize(q, z, self.scale, true) as f32;
                Element { x: x32 as f64, raw, q, x_hat: x_hat as f64, error: (x_hat - x32) as f64 }
            }
        }
    }

    /// Whether the fused float32 kernel gives the same results as [`Quantizer::quantize`].
    pub(super) fn fused_ok(&self) -> bool {
        self.arithmetic != Arithmetic::ExactDecimal && self.rounding == Rounding::HalfEven
    }
}

/// The fused float32 kernel (half-even rounding, finite values, per-element results not kept):
/// one read of the data, no intermediate arrays ([`simd::fused`]).
pub(super) fn fused_f32<T: Sample>(xs: &[T], qz: &Quantizer, range: Option<(f32, f32)>, next: &[f32], acc: &mut Accumulator) {
    // x · m (PyTorch, TFLite weights) or x / s (ONNX Runtime).
    let (m, multiply) = match qz.multiplier {
        Some(m) => (m, true),
        None => (qz.scale32, false),
    };
    let (z, qmin, qmax, s) = (qz.zero_point as f32, qz.qmin as f32, qz.qmax as f32, qz.scale32);
    let k = Kernel { m, z, qmin, qmax, s, multiply, clamp: true, next }.within(range);
    simd::fused(xs, &k, acc)
}

/// Uniform draws in [0, 1) for stochastic rounding, reproducible from the seed.
pub(super) struct Draws(Option<rand_pcg::Pcg64Mcg>);

impl Draws {
    pub(super) fn new(spec: &QuantSpec) -> Self {
        Draws((spec.rounding == Rounding::Stochastic).then(|| rand_pcg::Pcg64Mcg::seed_from_u64(spec.seed)))
    }
    #[inline]
    pub(super) fn next(&mut self) -> f64 {
        match &mut self.0 {
            Some(rng) => (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64),
            None => 0.0,
        }
    }
}
