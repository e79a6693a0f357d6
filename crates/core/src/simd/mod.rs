//! The SIMD side of the core: the fused kernel's constants ([`Kernel`]), its portable loop, and the
//! one place that asks the CPU what it offers ([`level`]), in the manner of the `half` crate's
//! `arch.rs`: the loops in [`x86`] and [`wasm`] are chosen here and nowhere else.

use crate::metrics::{Accumulator, LANES};
use crate::rounding::Rounding;
use crate::tensor::Sample;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) mod wasm;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86;

/// The vector instructions this CPU offers the loops, best last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))] // only x86_64 has more than one
pub(crate) enum Level {
    /// Whatever the build's target enables (wasm `simd128` when built with it; SSE2 on x86_64).
    Portable,
    /// x86_64 AVX2.
    Avx2,
    /// x86_64 AVX-512F and AVX-512VL (with AVX2).
    Avx512,
}

/// What this CPU offers: every `is_x86_feature_detected!` of the crate is here, asked once.
///
/// The environment variable `QUANTSCOPE_SIMD` may lower it (`portable`, `avx2`), so that the tests
/// can run every path on one machine (`QUANTSCOPE_SIMD=avx2 cargo test -p quantscope-core --test fused`).
#[inline]
pub(crate) fn level() -> Level {
    static LEVEL: std::sync::OnceLock<Level> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(|| {
        let cpu = detect();
        match std::env::var("QUANTSCOPE_SIMD").as_deref() {
            Ok("portable") => Level::Portable,
            Ok("avx2") => cpu.min(Level::Avx2),
            _ => cpu,
        }
    })
}

/// The best level the CPU supports.
fn detect() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected;
        if is_x86_feature_detected!("avx2") {
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl") {
                return Level::Avx512;
            }
            return Level::Avx2;
        }
    }
    Level::Portable
}

/// The rounding rules of the fused loops as const-generic codes (a `Rounding` cannot be a const
/// parameter on stable Rust), so that each loop is compiled once per rule with no branch inside.
/// Stochastic rounding draws one value per element from one sequence and stays on the per-element path.
pub(crate) mod rule {
    /// [`Rounding::HalfEven`](crate::rounding::Rounding::HalfEven).
    pub(crate) const HALF_EVEN: u8 = 0;
    /// [`Rounding::HalfAway`](crate::rounding::Rounding::HalfAway).
    pub(crate) const HALF_AWAY: u8 = 1;
    /// [`Rounding::HalfUp`](crate::rounding::Rounding::HalfUp).
    pub(crate) const HALF_UP: u8 = 2;
    /// [`Rounding::Floor`](crate::rounding::Rounding::Floor).
    pub(crate) const FLOOR: u8 = 3;
    /// [`Rounding::Ceil`](crate::rounding::Rounding::Ceil).
    pub(crate) const CEIL: u8 = 4;
    /// [`Rounding::TowardZero`](crate::rounding::Rounding::TowardZero).
    pub(crate) const TOWARD_ZERO: u8 = 5;
}

/// The code of a rule the fused loops take (`None`: stochastic).
pub(crate) fn rule_of(rounding: Rounding) -> Option<u8> {
    Some(match rounding {
        Rounding::HalfEven => rule::HALF_EVEN,
        Rounding::HalfAway => rule::HALF_AWAY,
        Rounding::HalfUp => rule::HALF_UP,
        Rounding::Floor => rule::FLOOR,
        Rounding::Ceil => rule::CEIL,
        Rounding::TowardZero => rule::TOWARD_ZERO,
        Rounding::Stochastic => return None,
    })
}

/// The rule of a code: a constant where `R` is, so `rounding::<R>().round_f32(v, 0.0)` compiles to
/// the rule's own instructions.
#[inline(always)]
pub(crate) const fn rounding<const R: u8>() -> Rounding {
    match R {
        rule::HALF_EVEN => Rounding::HalfEven,
        rule::HALF_AWAY => Rounding::HalfAway,
        rule::HALF_UP => Rounding::HalfUp,
        rule::FLOOR => Rounding::Floor,
        rule::CEIL => Rounding::Ceil,
        _ => Rounding::TowardZero,
    }
}

/// `with_rule!(rule, f[A, B](args))` calls `f::<A, B, R>(args)` with `R` the const code of `rule`.
macro_rules! with_rule {
    ($rule:expr, $f:ident[$($g:tt),*]($($arg:expr),*)) => {
        match $rule {
            $crate::simd::rule::HALF_EVEN => $f::<$($g,)* { $crate::simd::rule::HALF_EVEN }>($($arg),*),
            $crate::simd::rule::HALF_AWAY => $f::<$($g,)* { $crate::simd::rule::HALF_AWAY }>($($arg),*),
            $crate::simd::rule::HALF_UP => $f::<$($g,)* { $crate::simd::rule::HALF_UP }>($($arg),*),
            $crate::simd::rule::FLOOR => $f::<$($g,)* { $crate::simd::rule::FLOOR }>($($arg),*),
            $crate::simd::rule::CEIL => $f::<$($g,)* { $crate::simd::rule::CEIL }>($($arg),*),
            _ => $f::<$($g,)* { $crate::simd::rule::TOWARD_ZERO }>($($arg),*),
        }
    };
}
pub(crate) use with_rule;

/// A channel's quantizer as the float32 constants of the fused kernel (the wasm SIMD loop reads them too).
#[derive(Clone, Copy)]
pub(crate) struct Kernel<'a> {
    /// The multiplier (`x · m`) or the scale (`x / m`).
    pub(crate) m: f32,
    /// Zero point.
    pub(crate) z: f32,
    /// Smallest integer.
    pub(crate) qmin: f32,
    /// Largest integer.
    pub(crate) qmax: f32,
    /// Scale.
    pub(crate) s: f32,
    /// The rounding rule's code ([`rule`]).
    pub(crate) rule: u8,
    /// Whether the kernel quantizes `x · m` (PyTorch, TFLite weights) rather than `x / m` (ONNX Runtime).
    pub(crate) multiply: bool,
    /// Whether any value can clip; when none can, the SIMD loops leave out the clamp and the clip
    /// count (they would change nothing).
    pub(crate) clamp: bool,
    /// The next unit's values, from the one as far ahead of this run's first value as the unit is
    /// long (at most as many as the run; empty: none). The SIMD loops bring them into the cache
    /// while they compute, so that the next range pass reads from the cache instead of waiting on
    /// memory: x86_64 with a prefetch, wasm (which has none) by reading one value per cache line.
    #[cfg_attr(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))), allow(dead_code))]
    pub(crate) next: &'a [f32],
}

impl<'a> Kernel<'a> {
    /// The kernel for values within `range` (the run's finite min and max, if known): this one,
    /// without the clamp when no value can clip.
    ///
    /// No value clips when neither end does: for `m > 0`, `x ↦ round(x · m) + z` (or `x / m`) is
    /// monotone in float32 too (each step rounds monotonically), so every `q` lies between the ends'.
    pub(crate) fn within(self, range: Option<(f32, f32)>) -> Kernel<'a> {
        let mut k = Kernel { clamp: true, ..self };
        // Integers below 2^24 in magnitude are exact in float32, so without a clamp the SIMD loops
        // may take round(v) for (round(v) + z) - z: q = round(v) + z lies in [qmin, qmax], so the
        // exact sum is representable and nothing rounds (only the sign of a zero x̂ can differ,
        // which changes neither e², |e| nor |e|/|x|, masked at x = 0). Wider grids keep the clamp.
        const EXACT: f32 = 16_777_216.0;
        let small = [k.qmin, k.qmax, k.z].iter().all(|v| v.abs() < EXACT);
        if let Some((lo, hi)) = range {
            let (lo, hi) = with_rule!(k.rule, ends[](&k, lo, hi));
            // NaN compares false: a NaN end keeps the clamp.
            k.clamp = !(small && k.m > 0.0 && lo >= k.qmin && hi <= k.qmax);
        }
        k
    }

    /// `round(x / s) + z` before clamping, with the rule `R`.
    #[inline(always)]
    fn unclamped<const MUL: bool, const R: u8>(&self, x: f32) -> f32 {
        let v = if MUL { x * self.m } else { x / self.m };
        rounding::<R>().round_f32(v, 0.0) + self.z
    }

    /// One element: the error `e = x̂ - x` and whether it was clamped.
    #[inline(always)]
    fn one<const MUL: bool, const R: u8>(&self, x: f32) -> (f32, bool) {
        let q = self.unclamped::<MUL, R>(x);
        let qc = q.clamp(self.qmin, self.qmax);
        let x_hat = (qc - self.z) * self.s;
        (x_hat - x, q != qc)
    }

    /// One row of `LANES` elements.
    #[inline(always)]
    fn row<T: Sample, const MUL: bool, const R: u8>(&self, row: &[T]) -> ([f32; LANES], [f32; LANES], [bool; LANES]) {
        let mut x = [0f32; LANES];
        let mut error = [0f32; LANES];
        let mut clipped = [false; LANES];
        for lane in 0..LANES {
            x[lane] = row[lane].f32();
            (error[lane], clipped[lane]) = self.one::<MUL, R>(x[lane]);
        }
        (x, error, clipped)
    }
}

/// The textbook convention's constants (f64) for its SIMD loops (`x86::textbook_rows`, `wasm::textbook_rows`).
#[derive(Clone, Copy)]
#[cfg_attr(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))), allow(dead_code))]
pub(crate) struct Kernel64<'a> {
    /// Scale.
    pub(crate) s: f64,
    /// `1 / s`, for the quotient's rounding when both are normal.
    pub(crate) inverse: f64,
    /// Zero point.
    pub(crate) z: f64,
    /// Smallest integer.
    pub(crate) qmin: f64,
    /// Largest integer.
    pub(crate) qmax: f64,
    /// The half-width of the band around the rule's boundaries that the loop leaves to the exact
    /// decision: at least twice [`Rounding::near_boundary`](crate::rounding::Rounding::near_boundary)'s `1e-9 · max(|v|, 1)` for every quotient
    /// `v` of the run (from the run's largest `|v|`), so one constant serves the whole run.
    pub(crate) margin: f64,
    /// How the loop keeps the integers in `[qmin, qmax]` ([`clip`]): the rounded quotient is monotone
    /// in `x`, so the run's two ends tell whether any value can clip.
    pub(crate) clip: u8,
    /// The next unit's values, as [`Kernel::next`]: the loop brings them into the cache while it
    /// computes, so that the next range pass does not wait on memory.
    pub(crate) next: &'a [f32],
}

/// How the textbook loop treats the clamp (`Kernel64::clip`); only the x86 and wasm `simd128` loops read it.
#[cfg_attr(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))), allow(dead_code))]
pub(crate) mod clip {
    /// No value of the run can clip: no clamp, no clip count.
    pub(crate) const NONE: u8 = 0;
    /// Only values next to the run's ends can (the ends clip by one step at most, as the top of a
    /// symmetric grid does): no clamp, and a row holding a clipping value goes to the per-element
    /// code with the near ones (the loop clamps the quotient onto the rule's boundary past the
    /// grid's end, which the band test finds: two instructions, no comparison of its own).
    pub(crate) const ROWS_APART: u8 = 1;
    /// Clamp and count in the loop.
    pub(crate) const CLAMP: u8 = 2;
    /// [`ROWS_APART`] when only the top end can clip (the top of a symmetric grid): one instruction.
    pub(crate) const ROWS_APART_TOP: u8 = 3;
    /// [`ROWS_APART`] when only the bottom end can clip.
    pub(crate) const ROWS_APART_BOTTOM: u8 = 4;
}

/// The quotients beyond which the rule `R` rounds outside the grid, `r < qmin − z` below `v_min`
/// and `r > qmax − z` above `v_max`: the rule's boundaries next to the grid's ends (half-integers
/// for the nearest rules, integers for the directed ones; the clamped quotient is exact). The
/// `clip::ROWS_APART` loops (`x86::textbook_rows`, `wasm::textbook_rows`) clamp `v` to
/// `[v_min, v_max]` (or to the side that can clip): a value that would clip lands on a boundary,
/// where the band test leaves its row to the caller, and every other value keeps its quotient,
/// its rounding and its place in the band.
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) fn clip_boundaries<const R: u8>(k: &Kernel64<'_>) -> (f64, f64) {
    let (r_min, r_max) = (k.qmin - k.z, k.qmax - k.z);
    match R {
        // floor(v) < r_min ⇔ v < r_min; floor(v) > r_max ⇔ v ≥ r_max + 1.
        rule::FLOOR => (r_min, r_max + 1.0),
        // ceil(v) < r_min ⇔ v ≤ r_min − 1; ceil(v) > r_max ⇔ v > r_max.
        rule::CEIL => (r_min - 1.0, r_max),
        // trunc is floor above zero and ceil below.
        rule::TOWARD_ZERO => (if r_min > 0.0 { r_min } else { r_min - 1.0 }, if r_max < 0.0 { r_max } else { r_max + 1.0 }),
        _ => (r_min - 0.5, r_max + 0.5),
    }
}

/// The band of the textbook loops' boundary test for the rule `R` and a margin
/// ([`Kernel64::margin`]): a nearest rule's quotient is near when its distance to the nearest
/// integer is at least `0.5 − margin`, a directed rule's when it is at most `margin`.
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) fn band_of<const R: u8>(margin: f64) -> f64 {
    if rounding::<R>().is_nearest() {
        0.5 - margin
    } else {
        margin
    }
}

/// `round(x / s) + z` of a run's two ends, with the kernel's rule.
fn ends<const R: u8>(k: &Kernel, lo: f32, hi: f32) -> (f32, f32) {
    if k.multiply {
        (k.unclamped::<true, R>(lo), k.unclamped::<true, R>(hi))
    } else {
        (k.unclamped::<false, R>(lo), k.unclamped::<false, R>(hi))
    }
}

/// Runs a run of values through the fused kernel into `acc`, on the best loops this CPU has: the
/// hand-written AVX2 / AVX-512 or wasm `simd128` loops for whole rows of float32, the portable code
/// (compiled for the same instruction set) for the rest. Every path performs the same float32
/// operations per lane in the same order: the same bits.
pub(crate) fn fused<T: Sample>(xs: &[T], k: &Kernel, acc: &mut Accumulator) {
    with_rule!(k.rule, fused_rule[T](xs, k, acc))
}

/// [`fused`] with the rule `R`.
fn fused_rule<T: Sample, const R: u8>(xs: &[T], k: &Kernel, acc: &mut Accumulator) {
    match level() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU supports AVX-512F/VL and AVX2, as `level` found.
        Level::Avx512 => unsafe { fused_avx512::<T, R>(xs, k, acc) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU supports AVX2, as `level` found.
        Level::Avx2 => unsafe { fused_avx2::<T, R>(xs, k, acc) },
        level => fused_portable::<T, R>(xs, k, acc, level),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2")]
unsafe fn fused_avx512<T: Sample, const R: u8>(xs: &[T], k: &Kernel, acc: &mut Accumulator) {
    fused_portable::<T, R>(xs, k, acc, Level::Avx512)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fused_avx2<T: Sample, const R: u8>(xs: &[T], k: &Kernel, acc: &mut Accumulator) {
    fused_portable::<T, R>(xs, k, acc, Level::Avx2)
}

/// `x · m` or `x / m`: a separate loop for each.
#[inline(always)]
fn fused_portable<T: Sample, const R: u8>(xs: &[T], k: &Kernel, acc: &mut Accumulator, level: Level) {
    if k.multiply {
        fused_loop::<T, true, R>(xs, k, acc, level)
    } else {
        fused_loop::<T, false, R>(xs, k, acc, level)
    }
}

#[inline(always)]
fn fused_loop<T: Sample, const MUL: bool, const R: u8>(xs: &[T], k: &Kernel, acc: &mut Accumulator, level: Level) {
    // float32 data runs through the hand-written SIMD loops (whole rows), the rest here.
    let done = match T::as_f32(xs) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Some(floats) => wasm::fused_rows::<MUL, R>(floats, k, acc),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU supports AVX2 (and AVX-512F/VL for the wide loop), as `level` found.
        Some(floats) if level >= Level::Avx2 => unsafe { x86::fused_rows::<MUL, R>(floats, k, acc, level == Level::Avx512) },
        _ => 0,
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = level;
    let (rows, tail) = xs[done..].split_at((xs.len() - done) / LANES * LANES);
    for row in rows.chunks_exact(LANES) {
        let (x, e, clipped) = k.row::<T, MUL, R>(row);
        acc.add32_row(&x, &e, &clipped);
    }
    for (lane, &v) in tail.iter().enumerate() {
        let x = v.f32();
        let (e, clipped) = k.one::<MUL, R>(x);
        acc.add32(lane, x, e, clipped);
    }
    acc.count += xs.len() as u64;
}
