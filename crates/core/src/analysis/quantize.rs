//! The per-element formula of every convention and rounding rule, and its fused form.

use crate::exact::{self, Decimal};
use crate::metrics::{Accumulator, LANES};
use crate::params::{ExactScale, QParams};
use crate::rounding::Rounding;
use crate::simd::{self, Kernel, Level};
use crate::spec::{Arithmetic, QuantSpec};
use crate::tensor::Sample;
use rand_core::{RngCore, SeedableRng};
use std::cell::OnceCell;

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
    /// The textbook convention's exact scale, as its recipe ([`ExactScale`]).
    pub(super) exact_scale: Option<ExactScale>,
    /// Its value, computed on the first value near a tie.
    exact_scale_value: OnceCell<num_rational::BigRational>,
    /// The exact scale in integers (`ExactScale::dyadic`), for values without a typed decimal.
    dyadic_scale: Option<((i128, i32), i64)>,
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
            exact_scale: p.exact_scale,
            exact_scale_value: OnceCell::new(),
            dyadic_scale: p.exact_scale.and_then(|e| e.dyadic()),
        }
    }

    /// `q = clamp(round(x / s) + z, qmin, qmax)`, `x̂ = (q - z) · s`, in the convention's arithmetic.
    #[inline]
    pub(super) fn quantize(&self, x: f64, decimal: impl FnOnce() -> Option<Decimal>, u: f64) -> Element {
        let z = self.zero_point;
        match self.arithmetic {
            Arithmetic::ExactDecimal => {
                let v = x / self.scale;
                let r = match self.exact_scale.is_some() && self.rounding.near_boundary(v) {
                    true => self.round_exactly(x, v, decimal()),
                    false => self.rounding.round_f64(v, u),
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

    /// The textbook convention's `round(x / s)` for a `v = x / s` (f64) near a boundary of the
    /// rule: decided on the exact values, `x` as typed (its decimal) or as stored, over the exact scale.
    #[cold]
    fn round_exactly(&self, x: f64, v: f64, decimal: Option<Decimal>) -> f64 {
        match &self.exact_scale {
            Some(recipe) => {
                if let Some(exact_v) = recipe.quotient_of_end(x, decimal) {
                    return self.rounding.round_f64(exact_v, 0.0);
                }
                // A value known only as its f64 over a scale whose ends are too: 128-bit integers.
                if let (None, Some((m, d))) = (decimal, self.dyadic_scale) {
                    if let Some(r) = exact::round_dyadic_quotient(self.rounding, x, m, d) {
                        return r;
                    }
                }
                let s = self.exact_scale_value.get_or_init(|| recipe.value());
                let exact_v = exact::exact_value(x, decimal) / s;
                num_traits::ToPrimitive::to_f64(&self.rounding.round_exact(&exact_v)).unwrap_or(v)
            }
            None => self.rounding.round_f64(v, 0.0),
        }
    }

    /// Whether a fused kernel gives the same results as [`Quantizer::quantize`]: every convention
    /// with every rule but stochastic rounding (one draw per element, in order). The textbook
    /// convention's f64 loop ([`fused_f64`]) needs `(q - z)` exact in f64: `|z| + max(|qmin|, |qmax|) < 2^53`.
    pub(super) fn fused_ok(&self) -> bool {
        const EXACT: u128 = 1 << 53;
        let grid = self.qmin.unsigned_abs().max(self.qmax.unsigned_abs()) as u128;
        self.rounding != Rounding::Stochastic
            && (self.arithmetic != Arithmetic::ExactDecimal || (self.zero_point.unsigned_abs() as u128) + grid < EXACT)
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
    let rule = simd::rule_of(qz.rounding).unwrap_or(simd::rule::HALF_EVEN);
    let k = Kernel { m, z, qmin, qmax, s, rule, multiply, clamp: true, next }.within(range);
    simd::fused(xs, &k, acc)
}

/// What the textbook loop knows of a run besides its values.
pub(super) struct Run<'a> {
    /// The run's smallest and largest value (None: unknown): from them the SIMD loops take one
    /// margin for the whole run and leave out the clamp when neither end clips ([`simd::Kernel64`]).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))] // read by the x86 loops only
    pub(super) range: Option<(f64, f64)>,
    /// The next unit's values ([`simd::Kernel64::next`]; empty: none), brought into the cache meanwhile.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(super) next: &'a [f32],
    /// The typed decimal of the run's `j`-th value, for the exact decision near a boundary.
    pub(super) decimal: &'a dyn Fn(usize) -> Option<Decimal>,
}

/// The textbook convention's fused loop (f64 arithmetic, finite values, per-element results not
/// kept): the operations of [`Quantizer::quantize`] in the same order, a row of `LANES` values at a
/// time so that they vectorize, summed in f64 into the same lanes as the per-element path.
///
/// `v = x / s` in f64 is within a few ulps of the exact quotient, so away from the rule's boundaries
/// (half-integers for the nearest rules, integers for the directed ones) its rounding is the exact
/// one. [`Rounding::near_boundary`] is the fast test (1e-9 relative, far wider than f64's error);
/// only a row holding such a value goes to the exact path for those values ([`Quantizer::round_exactly`],
/// on the typed decimal `run.decimal(j)` of the run's `j`-th value), as the per-element path does.
/// `x̂ = (clamp(r + z) - z) · s` in f64 is the per-element `(q - z) as f64 · s`: every term is an
/// integer below 2^53 ([`Quantizer::fused_ok`]).
///
/// What else the loop knows of the run is in `run` ([`Run`]).
pub(super) fn fused_f64<T: Sample>(xs: &[T], qz: &Quantizer, run: &Run, acc: &mut Accumulator) {
    let rule = simd::rule_of(qz.rounding).unwrap_or(simd::rule::HALF_EVEN);
    simd::with_rule!(rule, fused_f64_rule[T](xs, qz, run, acc))
}

/// [`fused_f64`] with the rule `R`, compiled for the best instruction set this CPU has.
fn fused_f64_rule<T: Sample, const R: u8>(xs: &[T], qz: &Quantizer, run: &Run, acc: &mut Accumulator) {
    match simd::level() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU supports AVX-512F/VL and AVX2, as `level` found.
        Level::Avx512 => unsafe { fused_f64_avx512::<T, R>(xs, qz, run, acc) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU supports AVX2, as `level` found.
        Level::Avx2 => unsafe { fused_f64_avx2::<T, R>(xs, qz, run, acc) },
        level => fused_f64_inverse::<T, R>(xs, qz, run, acc, level),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2")]
unsafe fn fused_f64_avx512<T: Sample, const R: u8>(xs: &[T], qz: &Quantizer, run: &Run, acc: &mut Accumulator) {
    fused_f64_inverse::<T, R>(xs, qz, run, acc, Level::Avx512)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fused_f64_avx2<T: Sample, const R: u8>(xs: &[T], qz: &Quantizer, run: &Run, acc: &mut Accumulator) {
    fused_f64_inverse::<T, R>(xs, qz, run, acc, Level::Avx2)
}

/// The loop with `x · (1/s)` in place of `x / s` for the rounding when both `s` and `1/s` are
/// normal: the product is within 2 ulps of the quotient, so it rounds the same way unless it is
/// within 1e-9 (relative) of a boundary, and those values go to the per-element decision on the
/// quotient itself. A division less per value: the loop's other one (`|e| / |x|`) is the metric's.
/// From AVX2 (`level`) the rows go to `simd::x86::textbook_rows`.
#[inline(always)]
fn fused_f64_inverse<T: Sample, const R: u8>(xs: &[T], qz: &Quantizer, run: &Run, acc: &mut Accumulator, level: Level) {
    let inverse = 1.0 / qz.scale;
    if qz.scale.is_normal() && inverse.is_normal() {
        fused_f64_loop::<T, R, true>(xs, qz, inverse, run, acc, level)
    } else {
        fused_f64_loop::<T, R, false>(xs, qz, inverse, run, acc, level)
    }
}

#[inline(always)]
fn fused_f64_loop<T: Sample, const R: u8, const INVERSE: bool>(
    xs: &[T],
    qz: &Quantizer,
    inverse: f64,
    run: &Run,
    acc: &mut Accumulator,
    level: Level,
) {
    #[cfg(not(target_arch = "x86_64"))]
    let _ = level;
    let rounding = simd::rounding::<R>();
    let s = qz.scale;
    let quotient = |x: f64| if INVERSE { x * inverse } else { x / s };
    let whole = xs.len() / LANES * LANES;
    let tail = &xs[whole..];
    // The lanes' sums in locals (registers) for the whole run, added to the totals once: each lane
    // still adds its values in order, so the sums are those of `Accumulator::add`.
    let mut sums = std::mem::take(&mut acc.total);
    #[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
    let k = {
        let (z, qmin, qmax) = (qz.zero_point as f64, qz.qmin as f64, qz.qmax as f64);
        // Every quotient of the run lies between those of its ends (x · (1/s) and x / s are monotone
        // in x, and so is the rounding): the largest |v| gives the margin, the ends' integers the clamp.
        let (margin, clip) = match run.range {
            Some((lo, hi)) => {
                let (v_lo, v_hi) = (quotient(lo), quotient(hi));
                let (raw_lo, raw_hi) = (rounding.round_f64(v_lo, 0.0) + z, rounding.round_f64(v_hi, 0.0) + z);
                let clip = if raw_lo >= qmin && raw_hi <= qmax {
                    simd::clip::NONE
                } else if raw_lo >= qmin && raw_hi <= qmax + 1.0 {
                    simd::clip::ROWS_APART_TOP
                } else if raw_lo >= qmin - 1.0 && raw_hi <= qmax {
                    simd::clip::ROWS_APART_BOTTOM
                } else if raw_lo >= qmin - 1.0 && raw_hi <= qmax + 1.0 {
                    simd::clip::ROWS_APART
                } else {
                    simd::clip::CLAMP
                };
                (2e-9 * v_lo.abs().max(v_hi.abs()).max(1.0), clip)
            }
            None => (f64::INFINITY, simd::clip::CLAMP),
        };
        simd::Kernel64 { s, inverse, z, qmin, qmax, margin, clip, next: run.next }
    };
    let mut at = 0;
    while at < whole {
        #[cfg(target_arch = "x86_64")]
        if level >= Level::Avx2 {
            // The next unit's values as far ahead of this row as of the run's first.
            let k = simd::Kernel64 { next: run.next.get(at..).unwrap_or(&[]), ..k };
            // SAFETY: AVX2, and AVX-512F/VL for the wide loop, as `level` says. It stops before a
            // row holding a value near a boundary, which the code below decides.
            at += unsafe { simd::x86::textbook_rows::<T, R, INVERSE>(&xs[at..whole], &k, &mut sums, level == Level::Avx512) };
            if at == whole {
                break;
            }
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            // The next unit's values as far ahead of this row as of the run's first.
            let k = simd::Kernel64 { next: run.next.get(at..).unwrap_or(&[]), ..k };
            // It stops before a row holding a value near a boundary, which the code below decides.
            at += simd::wasm::textbook_rows::<T, R, INVERSE>(&xs[at..whole], &k, &mut sums);
            if at == whole {
                break;
            }
        }
        let (i, row) = (at / LANES, &xs[at..at + LANES]);
        at += LANES;
        let mut x = [0f64; LANES];
        let mut near = false;
        for lane in 0..LANES {
            x[lane] = row[lane].f64();
            near |= near_boundary::<R>(quotient(x[lane]));
        }
        let (e, clipped) = if near {
            // A value near a boundary (rare): the row as the per-element path decides it, apart.
            cold_row::<T, R>(row, qz, |lane| (run.decimal)(i * LANES + lane))
        } else {
            let mut e = [0f64; LANES];
            let mut clipped = [false; LANES];
            for lane in 0..LANES {
                (e[lane], clipped[lane]) = finish(qz, x[lane], rounding.round_f64(quotient(x[lane]), 0.0));
            }
            (e, clipped)
        };
        sums.add_row(&x, &e, &clipped);
    }
    acc.total = sums;
    let start = xs.len() - tail.len();
    for (lane, value) in tail.iter().enumerate() {
        let x = value.f64();
        let (e, clipped) = decided::<R>(qz, x, || (run.decimal)(start + lane));
        acc.add(lane, x, e, clipped);
    }
    acc.count += xs.len() as u64;
}

/// One element of the textbook loop from its rounded `r = round(x / s)`: `e = (clamp(r + z) - z) · s - x`
/// and whether it was clamped.
#[inline(always)]
fn finish(qz: &Quantizer, x: f64, r: f64) -> (f64, bool) {
    let (qmin, qmax, z) = (qz.qmin as f64, qz.qmax as f64, qz.zero_point as f64);
    let raw = r + z;
    // `raw.clamp(qmin, qmax)` as two selects (maxpd, minpd): `raw` is never NaN here (x is finite).
    let low = if raw < qmin { qmin } else { raw };
    let q = if low > qmax { qmax } else { low };
    ((q - z) * qz.scale - x, q != raw)
}

/// One element as the per-element path decides it: on the quotient `x / s`, exactly near a boundary.
#[inline(always)]
fn decided<const R: u8>(qz: &Quantizer, x: f64, decimal: impl FnOnce() -> Option<Decimal>) -> (f64, bool) {
    let rounding = simd::rounding::<R>();
    let v = x / qz.scale;
    let r = match qz.exact_scale.is_some() && rounding.near_boundary(v) {
        true => qz.round_exactly(x, v, decimal()),
        false => rounding.round_f64(v, 0.0),
    };
    finish(qz, x, r)
}

/// A row holding a value near a boundary, each element [`decided`]; apart, so that the hot loop
/// keeps its values in registers.
#[cold]
#[inline(never)]
fn cold_row<T: Sample, const R: u8>(
    row: &[T],
    qz: &Quantizer,
    decimal: impl Fn(usize) -> Option<Decimal>,
) -> ([f64; LANES], [bool; LANES]) {
    let mut e = [0f64; LANES];
    let mut clipped = [false; LANES];
    for (lane, value) in row.iter().enumerate().take(LANES) {
        (e[lane], clipped[lane]) = decided::<R>(qz, value.f64(), || decimal(lane));
    }
    (e, clipped)
}

/// [`Rounding::near_boundary`] of the rule `R` without a branch, so that a row of it vectorizes:
/// the same answer (an infinite `v` gives a NaN distance, which is not near; `|v|` is never NaN here).
#[inline(always)]
fn near_boundary<const R: u8>(v: f64) -> bool {
    let rounding = simd::rounding::<R>();
    let distance = if rounding.is_nearest() { (v - v.floor() - 0.5).abs() } else { (v - v.round()).abs() };
    let magnitude = v.abs();
    distance <= 1e-9 * if magnitude > 1.0 { magnitude } else { 1.0 }
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
