//! The error statistics' sums over a whole chunk of 32 or 64 values, in the lanes that
//! [`block`](super::block) fixes: value `i` in lane `i mod 4`, each lane summed in order, the lanes
//! combined as `(l0 + l1) + (l2 + l3)`.
//!
//! ```text
//! errors:  Σ (x̂ − x)²  and  max |x̂ − x|   (e = f64(x̂) − f64(x), NaN skipped by the maximum)
//! power:   Σ x²                           (x as f64: each square is exact)
//! ```
//!
//! [`Portable`] writes the lanes as four-element arrays; [`Avx2`] holds them in one 256-bit register
//! (four float64), the same operations in the same order (never fused, never reassociated), so the same
//! bits. The compiler's own vectorization of the portable loops, once inlined into the format kernels,
//! was pairs of lanes with shuffles between them: written out, a chunk of 32 is 8 conversions,
//! subtractions, products, sums and maxima.

use super::block::BlockStats;

/// The whole-chunk sums (`N` a multiple of 4: 32 or 64), and a row's, made of them.
pub(crate) trait Lanes: Copy {
    /// `(Σ e², max |e|)` over the chunk, `e = f64(x̂) − f64(x)`, in the lanes above.
    fn errors<const N: usize>(self, xs: &[f32; N], xhats: &[f32; N]) -> (f64, f64);
    /// `Σ x²` over the chunk, in the lanes above.
    fn power<const N: usize>(self, xs: &[f32; N]) -> f64;

    /// A row's error statistics added to `stats` ([`block::row_errors`](super::block::row_errors)).
    #[inline(always)]
    fn row_errors(self, xs: &[f32], xhats: &[f32], block_len: usize, stats: &mut BlockStats) {
        super::block::row_errors(self, xs, xhats, block_len, stats)
    }

    /// A row's `Σ x²` added to `total` ([`block::row_power`](super::block::row_power)).
    #[inline(always)]
    fn row_power(self, row: &[f32], block_len: usize, total: &mut f64) {
        super::block::row_power(self, row, block_len, total)
    }
}

/// Lanes as plain arrays (every target).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Portable;

impl Lanes for Portable {
    #[inline(always)]
    fn errors<const N: usize>(self, xs: &[f32; N], xhats: &[f32; N]) -> (f64, f64) {
        errors(xs, xhats)
    }

    #[inline(always)]
    fn power<const N: usize>(self, xs: &[f32; N]) -> f64 {
        power(xs)
    }
}

/// `(Σ e², max |e|)` of any number of values in 4 lanes (the remainder into lanes 0, 1, 2).
#[inline(always)]
pub(crate) fn errors(xs: &[f32], xhats: &[f32]) -> (f64, f64) {
    let n = xs.len().min(xhats.len());
    let (xs, xhats) = (&xs[..n], &xhats[..n]);
    let (mut sse, mut max) = ([0.0f64; 4], [0.0f64; 4]);
    let whole = n / 4 * 4;
    let step = |sse: &mut f64, max: &mut f64, x: f32, xhat: f32| {
        let e = xhat as f64 - x as f64;
        *sse += e * e;
        // As `max.max(|e|)`: `max` is never NaN (it starts at 0), a NaN `|e|` is skipped.
        let a = e.abs();
        *max = if a > *max { a } else { *max };
    };
    for (xc, hc) in xs[..whole].chunks_exact(4).zip(xhats[..whole].chunks_exact(4)) {
        for l in 0..4 {
            step(&mut sse[l], &mut max[l], xc[l], hc[l]);
        }
    }
    for (l, (x, xhat)) in xs[whole..].iter().zip(&xhats[whole..]).enumerate() {
        step(&mut sse[l], &mut max[l], *x, *xhat);
    }
    ((sse[0] + sse[1]) + (sse[2] + sse[3]), max[0].max(max[1]).max(max[2].max(max[3])))
}

/// `Σ x²` of any number of values in 4 lanes (the remainder into lanes 0, 1, 2).
#[inline(always)]
pub(crate) fn power(xs: &[f32]) -> f64 {
    let mut power = [0.0f64; 4];
    let mut quads = xs.chunks_exact(4);
    for xc in &mut quads {
        for l in 0..4 {
            let x = xc[l] as f64;
            power[l] += x * x;
        }
    }
    for (l, x) in quads.remainder().iter().enumerate() {
        let x = *x as f64;
        power[l] += x * x;
    }
    (power[0] + power[1]) + (power[2] + power[3])
}

#[cfg(target_arch = "x86_64")]
pub(crate) use x86::Avx2;

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Lanes;
    use crate::format::block::BlockStats;
    use std::arch::x86_64::*;

    /// The four lanes in one AVX2 register. Only made where the CPU has AVX2 ([`Avx2::new`]).
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Avx2(());

    impl Avx2 {
        /// The token, when this CPU has AVX2.
        pub(crate) fn new() -> Option<Avx2> {
            std::arch::is_x86_feature_detected!("avx2").then_some(Avx2(()))
        }
    }

    impl Lanes for Avx2 {
        #[inline(always)]
        fn errors<const N: usize>(self, xs: &[f32; N], xhats: &[f32; N]) -> (f64, f64) {
            // SAFETY: an `Avx2` exists only where the CPU has AVX2.
            unsafe { errors(xs, xhats) }
        }

        #[inline(always)]
        fn power<const N: usize>(self, xs: &[f32; N]) -> f64 {
            // SAFETY: as above.
            unsafe { power(xs) }
        }

        // A row at a time: one call compiled for AVX2 (a function with a target feature is not
        // inlined into one without it, and a call per chunk cost more than the chunk's sums).
        #[inline(always)]
        fn row_errors(self, xs: &[f32], xhats: &[f32], block_len: usize, stats: &mut BlockStats) {
            // SAFETY: as above.
            unsafe { row_errors(self, xs, xhats, block_len, stats) }
        }

        #[inline(always)]
        fn row_power(self, row: &[f32], block_len: usize, total: &mut f64) {
            // SAFETY: as above.
            unsafe { row_power(self, row, block_len, total) }
        }
    }

    #[target_feature(enable = "avx2")]
    fn row_errors(lanes: Avx2, xs: &[f32], xhats: &[f32], block_len: usize, stats: &mut BlockStats) {
        crate::format::block::row_errors(lanes, xs, xhats, block_len, stats)
    }

    #[target_feature(enable = "avx2")]
    fn row_power(lanes: Avx2, row: &[f32], block_len: usize, total: &mut f64) {
        crate::format::block::row_power(lanes, row, block_len, total)
    }

    /// `(l0 + l1) + (l2 + l3)`.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn sum_lanes(v: __m256d) -> f64 {
        let pairs = _mm_hadd_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
        _mm_cvtsd_f64(_mm_add_sd(pairs, _mm_unpackhi_pd(pairs, pairs)))
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn errors<const N: usize>(xs: &[f32; N], xhats: &[f32; N]) -> (f64, f64) {
        let magnitude = _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX));
        let (mut sse, mut max) = (_mm256_setzero_pd(), _mm256_setzero_pd());
        for (xc, hc) in xs.chunks_exact(4).zip(xhats.chunks_exact(4)) {
            // SAFETY: each chunk holds 4 floats (chunks_exact).
            let (x, xhat) = unsafe { (_mm_loadu_ps(xc.as_ptr()), _mm_loadu_ps(hc.as_ptr())) };
            let e = _mm256_sub_pd(_mm256_cvtps_pd(xhat), _mm256_cvtps_pd(x));
            sse = _mm256_add_pd(sse, _mm256_mul_pd(e, e));
            // maxpd(a, m) is `a > m ? a : m`: a NaN |e| leaves m, as the portable step does.
            max = _mm256_max_pd(_mm256_and_pd(e, magnitude), max);
        }
        // The lanes' maxima are never NaN and all ≥ +0: their maximum does not depend on the order.
        let m = _mm_max_pd(_mm256_castpd256_pd128(max), _mm256_extractf128_pd::<1>(max));
        (sum_lanes(sse), _mm_cvtsd_f64(_mm_max_sd(m, _mm_unpackhi_pd(m, m))))
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn power<const N: usize>(xs: &[f32; N]) -> f64 {
        let mut power = _mm256_setzero_pd();
        for xc in xs.chunks_exact(4) {
            // SAFETY: each chunk holds 4 floats.
            let x = _mm256_cvtps_pd(unsafe { _mm_loadu_ps(xc.as_ptr()) });
            power = _mm256_add_pd(power, _mm256_mul_pd(x, x));
        }
        sum_lanes(power)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_same_bits_as_the_portable_lanes() {
            let Some(avx2) = Avx2::new() else { return };
            let mut seed = 0x51_7cc1_b727_220au64;
            let mut next = || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                match seed % 7 {
                    0 => [0.0f32, -0.0, f32::NAN, f32::INFINITY, 1e-45, f32::MAX][(seed >> 8) as usize % 6],
                    _ => f32::from_bits((seed >> 16) as u32),
                }
            };
            for _ in 0..2000 {
                let (xs, xhats): (Vec<f32>, Vec<f32>) = (0..64).map(|_| (next(), next())).unzip();
                let (x32, h32) = (<&[f32; 32]>::try_from(&xs[..32]).unwrap(), <&[f32; 32]>::try_from(&xhats[..32]).unwrap());
                let (x64, h64) = (<&[f32; 64]>::try_from(&xs[..]).unwrap(), <&[f32; 64]>::try_from(&xhats[..]).unwrap());
                // NaN (from a NaN or infinite input) in any of its bit patterns.
                let one = |v: f64| if v.is_nan() { u64::MAX } else { v.to_bits() };
                let bits = |(a, b): (f64, f64)| (one(a), one(b));
                assert_eq!(bits(avx2.errors(x32, h32)), bits(super::super::errors(x32, h32)));
                assert_eq!(bits(avx2.errors(x64, h64)), bits(super::super::errors(x64, h64)));
                assert_eq!(one(avx2.power(x32)), one(super::super::power(x32)));
                assert_eq!(one(avx2.power(x64)), one(super::super::power(x64)));
            }
        }
    }
}
