//! The range pass: each channel's smallest and largest usable value, and its non-finite values.

use super::parallel::Unit;
use crate::params::RangeInput;
use crate::simd;
#[cfg(target_arch = "x86_64")]
use crate::simd::Level;
use crate::spec::Arithmetic;
use crate::tensor::{Sample, Samples, Tensor};

/// Observed range of a channel.
#[derive(Clone, Debug, Default)]
pub(super) struct Scan {
    pub(super) min: Option<(f64, usize)>,
    pub(super) max: Option<(f64, usize)>,
    pub(super) nonfinite: u64,
    pub(super) first_nonfinite: Option<usize>,
    pub(super) inexact: u64,
    pub(super) seen: usize,
}

impl Scan {
    pub(super) fn range(&self, tensor: &Tensor) -> Option<RangeInput> {
        let (min, imin) = self.min?;
        let (max, imax) = self.max?;
        Some(RangeInput { min, max, min_exact: tensor.decimal(imin), max_exact: tensor.decimal(imax) })
    }
}

/// Whether a value can be quantized in this arithmetic: finite, and for the float32 conventions
/// finite in float32 too (`1e300` is `inf` to `torch.tensor`).
#[inline]
pub(super) fn usable(x: f64, arithmetic: Arithmetic) -> bool {
    if arithmetic == Arithmetic::ExactDecimal {
        x.is_finite()
    } else {
        (x as f32).is_finite()
    }
}

/// The ranges of a unit's channels.
pub(super) fn scan(tensor: &Tensor, arithmetic: Arithmetic, unit: &Unit) -> Vec<Scan> {
    let mut scans = vec![Scan::default(); unit.channels.len()];
    for block in unit.blocks {
        let s = &mut scans[block.channel - unit.channels.start];
        let start = block.range.start;
        let (lo, hi, bad) = match &tensor.data {
            Samples::F32(v) => block_range(&v[block.range.clone()], |x| x.is_finite()),
            Samples::F64(v) if arithmetic == Arithmetic::ExactDecimal => block_range(&v[block.range.clone()], |x| x.is_finite()),
            Samples::F64(v) => block_range(&v[block.range.clone()], |x| (x as f32).is_finite()),
        };
        // Indices matter only for the typed decimals of the ends, and for the rare non-finite values.
        let position =
            |value: f64| block.range.clone().find(|&i| tensor.data.get(i) == value && usable(value, arithmetic)).unwrap_or(start);
        if lo.is_finite() && s.min.is_none_or(|(m, _)| lo < m) {
            s.min = Some((lo, if tensor.decimals.is_some() { position(lo) } else { start }));
        }
        if hi.is_finite() && s.max.is_none_or(|(m, _)| hi > m) {
            s.max = Some((hi, if tensor.decimals.is_some() { position(hi) } else { start }));
        }
        if bad > 0 {
            s.nonfinite += bad;
            if s.first_nonfinite.is_none() {
                let first = block.range.clone().position(|i| !usable(tensor.data.get(i), arithmetic)).unwrap_or(0);
                s.first_nonfinite = Some(s.seen + first);
            }
        }
        if tensor.decimals.is_some() {
            s.inexact +=
                block.range.clone().filter(|&i| usable(tensor.data.get(i), arithmetic) && tensor.decimal(i).is_none()).count() as u64;
        }
        s.seen += block.range.len();
    }
    scans
}

/// Smallest and largest usable value of a run (±inf when there is none) and how many are not usable:
/// one read, in independent lanes of the sample's own precision, so that it vectorizes. On x86_64 it
/// runs as AVX2 code when the CPU has it.
pub(super) fn block_range<T: Sample + num_traits::Float>(xs: &[T], usable: impl Fn(T) -> bool + Copy) -> (f64, f64, u64) {
    #[cfg(target_arch = "x86_64")]
    if simd::level() >= Level::Avx2 {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { block_range_avx2(xs, usable) };
    }
    block_range_generic(xs, usable)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn block_range_avx2<T: Sample + num_traits::Float>(xs: &[T], usable: impl Fn(T) -> bool + Copy) -> (f64, f64, u64) {
    block_range_generic(xs, usable)
}

#[inline(always)]
pub(super) fn block_range_generic<T: Sample + num_traits::Float>(xs: &[T], usable: impl Fn(T) -> bool + Copy) -> (f64, f64, u64) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if let Some(floats) = T::as_f32(xs) {
        // float32 data: usable means finite, whatever the convention.
        let (lo, hi, bad) = simd::wasm::range_f32(floats);
        return (lo as f64, hi as f64, bad);
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    if let Some(floats) = T::as_f32(xs) {
        // float32 data: usable means finite, whatever the convention.
        return match finite_range_f32(floats) {
            Some((lo, hi)) => (lo, hi, 0),
            None => lanes_range::<T, true>(xs, usable),
        };
    }
    // Plain min/max first (a NaN never wins a comparison, an infinity would): exact when every
    // value is usable, as they nearly always are; otherwise the run is read again, masked.
    match lanes_range::<T, false>(xs, usable) {
        (lo, hi, 0) => (lo, hi, 0),
        _ => lanes_range::<T, true>(xs, usable),
    }
}

/// Min and max of a float32 run in which every value is finite, or `None` if one is not (the
/// caller then reads it again, masked). `x - x` is +0 (no bit set) for a finite `x` and NaN for ±inf
/// and NaN, so or-ing their bits flags a non-finite value in two instructions a vector where
/// checking |x| < inf and counting takes four. Same lanes and comparisons as [`lanes_range`], so
/// the same min and max.
#[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
#[allow(clippy::eq_op)] // `x - x` is the test, not a slip
#[inline(always)]
pub(super) fn finite_range_f32(xs: &[f32]) -> Option<(f64, f64)> {
    const W: usize = 16;
    let mut lo = [f32::INFINITY; W];
    let mut hi = [f32::NEG_INFINITY; W];
    let mut flag = [0u32; W];
    let fold = |lane: usize, x: f32| {
        lo[lane] = if x < lo[lane] { x } else { lo[lane] };
        hi[lane] = if x > hi[lane] { x } else { hi[lane] };
        flag[lane] |= (x - x).to_bits();
    };
    each_lane::<_, W>(xs, fold);
    if flag.iter().any(|&f| f != 0) {
        return None;
    }
    Some((lo.iter().map(|&v| v as f64).fold(f64::INFINITY, f64::min), hi.iter().map(|&v| v as f64).fold(f64::NEG_INFINITY, f64::max)))
}

/// Calls `fold(lane, x)` for the values of `xs` in order, lane `i % W` for the `i`-th (the range
/// passes' independent lanes, which the compiler turns into vector registers).
#[inline(always)]
pub(super) fn each_lane<T: Copy, const W: usize>(xs: &[T], mut fold: impl FnMut(usize, T)) {
    let mut chunks = xs.chunks_exact(W);
    for chunk in &mut chunks {
        for (lane, &x) in chunk.iter().enumerate() {
            fold(lane, x);
        }
    }
    for (lane, &x) in chunks.remainder().iter().enumerate() {
        fold(lane, x);
    }
}

/// The range over 16 independent lanes; `MASKED` leaves unusable values out of the min/max.
#[inline(always)]
pub(super) fn lanes_range<T: Sample + num_traits::Float, const MASKED: bool>(
    xs: &[T],
    usable: impl Fn(T) -> bool + Copy,
) -> (f64, f64, u64) {
    const W: usize = 16;
    let mut lo = [T::infinity(); W];
    let mut hi = [T::neg_infinity(); W];
    let mut bad = [0u32; W];
    let fold = |lane: usize, x: T| {
        let ok = usable(x);
        let take = ok || !MASKED;
        lo[lane] = if take && x < lo[lane] { x } else { lo[lane] };
        hi[lane] = if take && x > hi[lane] { x } else { hi[lane] };
        bad[lane] += !ok as u32;
    };
    each_lane::<_, W>(xs, fold);
    (
        lo.iter().map(|v| v.f64()).fold(f64::INFINITY, f64::min),
        hi.iter().map(|v| v.f64()).fold(f64::NEG_INFINITY, f64::max),
        bad.iter().map(|&b| b as u64).sum(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The float32 range pass (plain min/max with the `x - x` flag, else a masked second read)
        /// gives the finite values' min and max and counts the rest, wherever NaN and ±inf fall.
        #[test]
        fn float32_range_leaves_out_and_counts_non_finite_values(
            values in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => -1e6f32..1e6f32,
                    1 => proptest::sample::select(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0, f32::MAX, f32::MIN, f32::MIN_POSITIVE / 4.0]),
                ],
                0..100,
            )
        ) {
            let finite: Vec<f64> = values.iter().filter(|x| x.is_finite()).map(|&x| x as f64).collect();
            let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
            let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let (lo, hi, bad) = block_range(&values, |x: f32| x.is_finite());
            proptest::prop_assert_eq!(lo, min);
            proptest::prop_assert_eq!(hi, max);
            proptest::prop_assert_eq!(bad as usize, values.len() - finite.len());
        }
    }
}
