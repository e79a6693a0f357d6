//! The fused float32 kernel written with AVX2 and AVX-512 intrinsics.
//!
//! LLVM vectorizes the portable kernel's arithmetic but not its bookkeeping (the row's clip flags
//! and the float32 partial sums go through memory, several times the instructions of the work
//! itself); these loops keep everything in registers and perform exactly the same float32
//! operations per lane, in the same order, as `Kernel::one` and `Partial::add`, so the
//! results are bit-for-bit the same (the property tests compare them with the per-element path).
//!
//! Without a clamp, x̂ is `round(v) · s` rather than `(round(v) + z - z) · s`: the same value,
//! as `Kernel::new` keeps the clamp unless both sums are exact.
//!
//! Two things are cheaper here than in the portable [`Accumulator::flush`], with the same bits:
//! - the float32 partial sums go into the f64 totals every `ROWS` rows straight from the registers;
//! - the running maximum and the two counts stay in registers for the whole run: a maximum and an
//!   integer sum do not depend on how they are grouped, so they are handed to the accumulator once,
//!   at the end.
//!
//! The AVX-512 loop computes two rows (16 values) per step and adds the first row's values, then
//! the second's, into the 8 lanes of the sums: the order of the AVX2 loop and of the portable code.

use super::{band_of, clip, clip_boundaries, rule, Kernel, Kernel64};
use crate::metrics::{Accumulator, Sums, LANES, ROWS};
use core::arch::x86_64::*;

/// Values per call of the register loops: their 32-bit lane counts then hold at most 2^28 per lane.
const RUN: usize = 1 << 31;

/// Runs whole rows of `LANES` values through the fused kernel (with the AVX-512 loop if `wide`);
/// returns how many values it consumed.
///
/// # Safety
/// The CPU must support AVX2, and AVX-512F/VL if `wide` ([`super::level`]).
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn fused_rows<const MUL: bool, const R: u8>(xs: &[f32], k: &Kernel, acc: &mut Accumulator, wide: bool) -> usize {
    let mut done = 0;
    for run in xs.chunks(RUN) {
        // The next unit's values as far ahead of this run as of the whole.
        let k = &Kernel { next: k.next.get(done..).unwrap_or(&[]), ..*k };
        // SAFETY: AVX2, and AVX-512F/VL if `wide`, are the caller's promise.
        let consumed = unsafe {
            match (wide, k.clamp) {
                (true, true) => rows512::<MUL, true, R>(run, k, acc),
                (true, false) => rows512::<MUL, false, R>(run, k, acc),
                (false, true) => rows256::<MUL, true, R>(run, k, acc),
                (false, false) => rows256::<MUL, false, R>(run, k, acc),
            }
        };
        done += consumed;
        // A run left partly to the caller must be the last.
        if consumed != run.len() {
            break;
        }
    }
    done
}

/// Asks for the cache line of `next[at]` (the next unit's value as far ahead as this row's) into
/// the core's L2: the next unit's range pass then reads from the cache while this loop computes
/// (this pass reads its own data from the cache; without it the memory would wait idle meanwhile).
/// A prefetch never faults, whatever the address, hence `wrapping_add` past a short `next`.
#[inline(always)]
fn prefetch(next: &[f32], at: usize) {
    if !next.is_empty() {
        // SAFETY: SSE is part of x86_64; a prefetch only hints the cache and reads nothing.
        unsafe { _mm_prefetch::<_MM_HINT_T1>(next.as_ptr().wrapping_add(at) as *const i8) };
    }
}

/// The rule `R` on 8 lanes: the same float32 result as [`Rounding::round_f32`](crate::rounding::Rounding::round_f32).
///
/// The directed rules and half-even are one `vroundps`. Half away from zero is `t = trunc(v)` plus
/// `±1` (the sign of `v`) where `|v - t| >= 1/2`: `v - t` is exact (the bits of `v` below its
/// integer part), and so is `t ± 1` (a fraction exists only below 2^23), so this is `roundf`. Half
/// up is `f = floor(v)` plus 1 where `v - f >= 1/2`, the operations of `round_f32` itself. Only the
/// sign of a zero result can differ (`+0` for `-0`), which changes neither `q` nor any metric.
#[target_feature(enable = "avx2")]
#[inline]
fn round256<const R: u8>(v: __m256) -> __m256 {
    const EXC: i32 = _MM_FROUND_NO_EXC;
    let half = _mm256_set1_ps(0.5);
    let one = _mm256_set1_ps(1.0);
    match R {
        rule::FLOOR => _mm256_round_ps::<{ _MM_FROUND_TO_NEG_INF | EXC }>(v),
        rule::CEIL => _mm256_round_ps::<{ _MM_FROUND_TO_POS_INF | EXC }>(v),
        rule::TOWARD_ZERO => _mm256_round_ps::<{ _MM_FROUND_TO_ZERO | EXC }>(v),
        rule::HALF_AWAY => {
            let sign = _mm256_set1_ps(-0.0);
            let t = _mm256_round_ps::<{ _MM_FROUND_TO_ZERO | EXC }>(v);
            let away = _mm256_cmp_ps::<_CMP_GE_OQ>(_mm256_andnot_ps(sign, _mm256_sub_ps(v, t)), half);
            let step = _mm256_or_ps(one, _mm256_and_ps(v, sign));
            _mm256_add_ps(t, _mm256_and_ps(away, step))
        }
        rule::HALF_UP => {
            let f = _mm256_round_ps::<{ _MM_FROUND_TO_NEG_INF | EXC }>(v);
            let up = _mm256_cmp_ps::<_CMP_GE_OQ>(_mm256_sub_ps(v, f), half);
            _mm256_add_ps(f, _mm256_and_ps(up, one))
        }
        _ => _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | EXC }>(v),
    }
}

/// [`round256`] on 16 lanes (the masked adds keep even the sign of a zero).
#[target_feature(enable = "avx512f,avx512vl,avx2")]
#[inline]
fn round512<const R: u8>(v: __m512) -> __m512 {
    const EXC: i32 = _MM_FROUND_NO_EXC;
    let half = _mm512_set1_ps(0.5);
    let one = _mm512_set1_ps(1.0);
    match R {
        rule::FLOOR => _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEG_INF | EXC }>(v),
        rule::CEIL => _mm512_roundscale_ps::<{ _MM_FROUND_TO_POS_INF | EXC }>(v),
        rule::TOWARD_ZERO => _mm512_roundscale_ps::<{ _MM_FROUND_TO_ZERO | EXC }>(v),
        rule::HALF_AWAY => {
            let t = _mm512_roundscale_ps::<{ _MM_FROUND_TO_ZERO | EXC }>(v);
            let away = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(_mm512_abs_ps(_mm512_sub_ps(v, t)), half);
            let sign = _mm512_set1_epi32(i32::MIN);
            let step = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(one), _mm512_and_si512(_mm512_castps_si512(v), sign)));
            _mm512_mask_add_ps(t, away, t, step)
        }
        rule::HALF_UP => {
            let f = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEG_INF | EXC }>(v);
            let up = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(_mm512_sub_ps(v, f), half);
            _mm512_mask_add_ps(f, up, f, one)
        }
        _ => _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | EXC }>(v),
    }
}

/// `total[lane] += sum[lane] as f64` for the 8 lanes of `sum`.
#[target_feature(enable = "avx2")]
unsafe fn add_into(total: &mut [f64; LANES], sum: __m256) {
    let t = total.as_mut_ptr();
    let lo = _mm256_cvtps_pd(_mm256_castps256_ps128(sum));
    let hi = _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(sum));
    // SAFETY: `total` holds 8 f64, two unaligned 256-bit accesses at offsets 0 and 4.
    unsafe {
        _mm256_storeu_pd(t, _mm256_add_pd(_mm256_loadu_pd(t), lo));
        _mm256_storeu_pd(t.add(4), _mm256_add_pd(_mm256_loadu_pd(t.add(4)), hi));
    }
}

/// The four float32 sums of the current group of rows.
#[derive(Clone, Copy)]
struct Sums256 {
    x2: __m256,
    e2: __m256,
    abs_e: __m256,
    pct: __m256,
}

impl Sums256 {
    #[target_feature(enable = "avx2")]
    unsafe fn load(acc: &Accumulator) -> Self {
        let p = &acc.part;
        // SAFETY: each is an array of LANES = 8 four-byte values, one unaligned 256-bit load.
        unsafe {
            Sums256 {
                x2: _mm256_loadu_ps(p.x2.as_ptr()),
                e2: _mm256_loadu_ps(p.e2.as_ptr()),
                abs_e: _mm256_loadu_ps(p.abs_e.as_ptr()),
                pct: _mm256_loadu_ps(p.pct.as_ptr()),
            }
        }
    }

    /// Adds the group's sums into the f64 totals and starts the next group at zero: what
    /// [`Accumulator::flush`] does with them.
    #[target_feature(enable = "avx2")]
    unsafe fn flush(&mut self, acc: &mut Accumulator) {
        let t = &mut acc.total;
        // SAFETY: AVX2, as this function.
        unsafe {
            add_into(&mut t.x2, self.x2);
            add_into(&mut t.e2, self.e2);
            add_into(&mut t.abs_e, self.abs_e);
            add_into(&mut t.pct, self.pct);
        }
        let zero = _mm256_setzero_ps();
        *self = Sums256 { x2: zero, e2: zero, abs_e: zero, pct: zero };
    }

    /// Leaves the sums, the maximum and the counts in the accumulator's partial sums.
    #[target_feature(enable = "avx2")]
    unsafe fn store(self, acc: &mut Accumulator, max_abs_e: __m256, nonzero: __m256i, clipped: __m256i) {
        let p = &mut acc.part;
        // SAFETY: each destination is an array of LANES = 8 four-byte values.
        unsafe {
            _mm256_storeu_ps(p.x2.as_mut_ptr(), self.x2);
            _mm256_storeu_ps(p.e2.as_mut_ptr(), self.e2);
            _mm256_storeu_ps(p.abs_e.as_mut_ptr(), self.abs_e);
            _mm256_storeu_ps(p.pct.as_mut_ptr(), self.pct);
            _mm256_storeu_ps(p.max_abs_e.as_mut_ptr(), max_abs_e);
            _mm256_storeu_si256(p.nonzero.as_mut_ptr() as *mut __m256i, nonzero);
            _mm256_storeu_si256(p.clipped.as_mut_ptr() as *mut __m256i, clipped);
        }
    }
}

/// The AVX2 loop: one row of 8 values per step.
#[target_feature(enable = "avx2")]
unsafe fn rows256<const MUL: bool, const CLAMP: bool, const R: u8>(xs: &[f32], k: &Kernel, acc: &mut Accumulator) -> usize {
    let (m, z, qmin, qmax, s) =
        (_mm256_set1_ps(k.m), _mm256_set1_ps(k.z), _mm256_set1_ps(k.qmin), _mm256_set1_ps(k.qmax), _mm256_set1_ps(k.s));
    let zero = _mm256_setzero_ps();
    let abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(i32::MAX));
    acc.take_counts();
    // SAFETY (here and below): AVX2, as this function; the loads read arrays of 8 four-byte values.
    let mut sums = unsafe { Sums256::load(acc) };
    let mut mx = unsafe { _mm256_loadu_ps(acc.part.max_abs_e.as_ptr()) };
    let (mut nzc, mut clc) = (_mm256_setzero_si256(), _mm256_setzero_si256());
    let mut rows = acc.rows;
    let chunks = xs.chunks_exact(LANES);
    let consumed = xs.len() - chunks.remainder().len();
    for (i, chunk) in chunks.enumerate() {
        prefetch(k.next, i * LANES);
        // SAFETY: the chunk holds LANES = 8 floats.
        let x = unsafe { _mm256_loadu_ps(chunk.as_ptr()) };
        let v = if MUL { _mm256_mul_ps(x, m) } else { _mm256_div_ps(x, m) };
        let rounded = round256::<R>(v);
        let q = _mm256_add_ps(rounded, z);
        // f32::clamp(q, qmin, qmax), a NaN kept: maxps/minps return their second operand on NaN.
        let qc = if CLAMP { _mm256_min_ps(qmax, _mm256_max_ps(qmin, q)) } else { q };
        // Without the clamp, (q - z) is round(v) exactly (see `Kernel::new`).
        let e = _mm256_sub_ps(_mm256_mul_ps(if CLAMP { _mm256_sub_ps(qc, z) } else { rounded }, s), x);
        let ae = _mm256_and_ps(e, abs_mask);
        let ax = _mm256_and_ps(x, abs_mask);
        let nonzero = _mm256_cmp_ps::<_CMP_NEQ_UQ>(ax, zero);
        sums.x2 = _mm256_add_ps(sums.x2, _mm256_mul_ps(x, x));
        sums.e2 = _mm256_add_ps(sums.e2, _mm256_mul_ps(e, e));
        sums.abs_e = _mm256_add_ps(sums.abs_e, ae);
        sums.pct = _mm256_add_ps(sums.pct, _mm256_and_ps(_mm256_div_ps(ae, ax), nonzero));
        // `if ae > m { ae } else { m }`, as Partial::add.
        mx = _mm256_max_ps(ae, mx);
        nzc = _mm256_sub_epi32(nzc, _mm256_castps_si256(nonzero));
        if CLAMP {
            clc = _mm256_sub_epi32(clc, _mm256_castps_si256(_mm256_cmp_ps::<_CMP_NEQ_UQ>(q, qc)));
        }
        rows += 1;
        if rows == ROWS {
            unsafe { sums.flush(acc) };
            rows = 0;
        }
    }
    unsafe { sums.store(acc, mx, nzc, clc) };
    acc.rows = rows;
    consumed
}

/// The upper 8 lanes of a 16-lane vector.
#[target_feature(enable = "avx512f")]
fn upper(v: __m512) -> __m256 {
    _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v)))
}

/// `sum + lower(v) + upper(v)`: the first row's values, then the second's.
#[target_feature(enable = "avx512f,avx512vl,avx2")]
fn add_rows(sum: __m256, v: __m512) -> __m256 {
    _mm256_add_ps(_mm256_add_ps(sum, _mm512_castps512_ps256(v)), upper(v))
}

/// The AVX-512 loop: two rows of 8 values per step.
#[target_feature(enable = "avx512f,avx512vl,avx2")]
unsafe fn rows512<const MUL: bool, const CLAMP: bool, const R: u8>(xs: &[f32], k: &Kernel, acc: &mut Accumulator) -> usize {
    // Steps of two rows must not straddle a group of ROWS rows: an odd row first goes alone.
    let mut done = 0;
    if acc.rows % 2 == 1 && xs.len() >= LANES {
        // SAFETY: AVX2, as this function.
        done = unsafe { rows256::<MUL, CLAMP, R>(&xs[..LANES], k, acc) };
    }
    let xs = &xs[done..];
    let (m, z, qmin, qmax, s) =
        (_mm512_set1_ps(k.m), _mm512_set1_ps(k.z), _mm512_set1_ps(k.qmin), _mm512_set1_ps(k.qmax), _mm512_set1_ps(k.s));
    let zero = _mm512_setzero_ps();
    let minus_one = _mm512_set1_epi32(-1);
    acc.take_counts();
    // SAFETY (here and below): AVX2, as this function; the loads read arrays of 8 four-byte values.
    let mut sums = unsafe { Sums256::load(acc) };
    let mut mx = _mm512_setzero_ps();
    let (mut nzc, mut clc) = (_mm512_setzero_si512(), _mm512_setzero_si512());
    let mut rows = acc.rows;
    let pairs = xs.chunks_exact(2 * LANES);
    let consumed = xs.len() - pairs.remainder().len();
    for (i, pair) in pairs.enumerate() {
        prefetch(k.next, i * 2 * LANES);
        // SAFETY: the pair holds 2 · LANES = 16 floats.
        let x = unsafe { _mm512_loadu_ps(pair.as_ptr()) };
        let v = if MUL { _mm512_mul_ps(x, m) } else { _mm512_div_ps(x, m) };
        let rounded = round512::<R>(v);
        let q = _mm512_add_ps(rounded, z);
        let qc = if CLAMP { _mm512_min_ps(qmax, _mm512_max_ps(qmin, q)) } else { q };
        let e = _mm512_sub_ps(_mm512_mul_ps(if CLAMP { _mm512_sub_ps(qc, z) } else { rounded }, s), x);
        let ae = _mm512_abs_ps(e);
        let ax = _mm512_abs_ps(x);
        let nonzero = _mm512_cmp_ps_mask::<_CMP_NEQ_UQ>(ax, zero);
        sums.x2 = add_rows(sums.x2, _mm512_mul_ps(x, x));
        sums.e2 = add_rows(sums.e2, _mm512_mul_ps(e, e));
        sums.abs_e = add_rows(sums.abs_e, ae);
        // `ae / ax` where x ≠ 0, +0 elsewhere: the AVX2 loop's division and mask in one instruction.
        sums.pct = add_rows(sums.pct, _mm512_maskz_div_ps(nonzero, ae, ax));
        mx = _mm512_max_ps(ae, mx);
        nzc = _mm512_mask_sub_epi32(nzc, nonzero, nzc, minus_one);
        if CLAMP {
            clc = _mm512_mask_sub_epi32(clc, _mm512_cmp_ps_mask::<_CMP_NEQ_UQ>(q, qc), clc, minus_one);
        }
        rows += 2;
        if rows == ROWS {
            unsafe { sums.flush(acc) };
            rows = 0;
        }
    }
    // The two rows' lanes to the 8 of the sums: a maximum and integer sums, in any order.
    // SAFETY: AVX2, as this function; the load reads an array of 8 four-byte values.
    let part_max = unsafe { _mm256_loadu_ps(acc.part.max_abs_e.as_ptr()) };
    let mx = _mm256_max_ps(_mm256_max_ps(_mm512_castps512_ps256(mx), upper(mx)), part_max);
    let lanes8 = |c: __m512i| _mm256_add_epi32(_mm512_castsi512_si256(c), _mm512_extracti64x4_epi64::<1>(c));
    unsafe { sums.store(acc, mx, lanes8(nzc), lanes8(clc)) };
    acc.rows = rows;
    done + consumed
}

/// The rule `R` on 8 f64 lanes: the same result as [`Rounding::round_f64`](crate::rounding::Rounding::round_f64),
/// with the steps of [`round512`] (the masked adds keep even the sign of a zero).
#[target_feature(enable = "avx512f,avx512vl,avx2")]
#[inline]
fn round_pd<const R: u8>(v: __m512d) -> __m512d {
    const EXC: i32 = _MM_FROUND_NO_EXC;
    let half = _mm512_set1_pd(0.5);
    let one = _mm512_set1_pd(1.0);
    match R {
        rule::FLOOR => _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEG_INF | EXC }>(v),
        rule::CEIL => _mm512_roundscale_pd::<{ _MM_FROUND_TO_POS_INF | EXC }>(v),
        rule::TOWARD_ZERO => _mm512_roundscale_pd::<{ _MM_FROUND_TO_ZERO | EXC }>(v),
        rule::HALF_AWAY => half_away_pd(v),
        rule::HALF_UP => {
            let f = _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEG_INF | EXC }>(v);
            let up = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(_mm512_sub_pd(v, f), half);
            _mm512_mask_add_pd(f, up, f, one)
        }
        _ => _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT | EXC }>(v),
    }
}

/// `f64::round` (half away from zero) on 8 lanes: `trunc(v) ± 1` where `|v - trunc(v)| >= 1/2`.
#[target_feature(enable = "avx512f,avx512vl,avx2")]
#[inline]
fn half_away_pd(v: __m512d) -> __m512d {
    let t = _mm512_roundscale_pd::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(v);
    let away = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(_mm512_abs_pd(_mm512_sub_pd(v, t)), _mm512_set1_pd(0.5));
    let sign = _mm512_set1_epi64(i64::MIN);
    let step =
        _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(_mm512_set1_pd(1.0)), _mm512_and_si512(_mm512_castpd_si512(v), sign)));
    _mm512_mask_add_pd(t, away, t, step)
}

/// The lanes of `v` within the kernel's band around a boundary of the rule `R`, given `r`, `v`
/// rounded by the rule: `|v − rn(v)|` (`rn`: to nearest, `r` itself for half-even) at least
/// `band = 1/2 − margin` for the nearest rules (`v` is that close to a half-integer), at most
/// `band = margin` for the directed ones (that close to an integer). Both differences are exact, and
/// the margin is at least twice [`Rounding::near_boundary`](crate::rounding::Rounding::near_boundary)'s
/// `1e-9 · max(|v|, 1)` for every `v` of the run ([`Kernel64::margin`]), so every value that test
/// finds near is found here too: the loop leaves it (and a few more) to the exact decision.
#[target_feature(enable = "avx512f,avx512vl,avx2")]
#[inline]
fn band_pd<const R: u8>(v: __m512d, r: __m512d, band: __m512d) -> __mmask8 {
    let nearest = if R == rule::HALF_EVEN { r } else { _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v) };
    let distance = _mm512_abs_pd(_mm512_sub_pd(v, nearest));
    if super::rounding::<R>().is_nearest() {
        _mm512_cmp_pd_mask::<_CMP_GE_OQ>(distance, band)
    } else {
        _mm512_cmp_pd_mask::<_CMP_LE_OQ>(distance, band)
    }
}

/// The textbook convention's loop on whole rows of `LANES` values (one f64 vector each with
/// AVX-512 if `wide`, two with AVX2), from the start of `xs` until a row holds a value near a
/// boundary of the rule (for `analysis::quantize`'s exact decision) or no whole row is left;
/// returns how many values it consumed.
///
/// The operations of `analysis::quantize::fused_f64_loop` lane by lane, in the same order, into
/// the same f64 sums: `v = x · (1/s)` (`INVERSE`) or `x / s`, `r = round(v)`, `raw = r + z`,
/// `q = clamp(raw)`, `e = (q - z) · s - x`, then `x²`, `e²`, `|e|`, `|e|/|x|` (x ≠ 0), max `|e|`
/// and the counts. The sums stay in registers for the whole run.
///
/// # Safety
/// The CPU must support AVX2, and AVX-512F/VL if `wide` ([`super::level`]).
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn textbook_rows<T: crate::tensor::Sample, const R: u8, const INVERSE: bool>(
    xs: &[T],
    k: &Kernel64<'_>,
    sums: &mut Sums<f64, u64>,
    wide: bool,
) -> usize {
    // SAFETY: the caller's promise, passed on.
    unsafe {
        match k.clip {
            clip::NONE => textbook_rows_clamped::<T, R, INVERSE, { clip::NONE }>(xs, k, sums, wide),
            clip::ROWS_APART => textbook_rows_clamped::<T, R, INVERSE, { clip::ROWS_APART }>(xs, k, sums, wide),
            clip::ROWS_APART_TOP => textbook_rows_clamped::<T, R, INVERSE, { clip::ROWS_APART_TOP }>(xs, k, sums, wide),
            clip::ROWS_APART_BOTTOM => textbook_rows_clamped::<T, R, INVERSE, { clip::ROWS_APART_BOTTOM }>(xs, k, sums, wide),
            _ => textbook_rows_clamped::<T, R, INVERSE, { clip::CLAMP }>(xs, k, sums, wide),
        }
    }
}

/// [`textbook_rows`] with the clamp, without it, or without it and with the clipping rows left to
/// the caller (`CLIP`, one of [`clip`]).
#[target_feature(enable = "avx2")]
unsafe fn textbook_rows_clamped<T: crate::tensor::Sample, const R: u8, const INVERSE: bool, const CLIP: u8>(
    xs: &[T],
    k: &Kernel64<'_>,
    sums: &mut Sums<f64, u64>,
    wide: bool,
) -> usize {
    let rows = xs.len() / LANES;
    // SAFETY (all loads below): `at + LANES <= xs.len()` for every row read; AVX-512 if `wide`.
    unsafe {
        match (T::as_f32(xs), T::as_f64(xs), wide) {
            (_, _, true) => textbook_rows512::<T, R, INVERSE, CLIP>(xs, k, sums),
            (Some(f), _, false) => rows_pd256::<R, INVERSE, CLIP>(
                rows,
                |at| {
                    let v = _mm256_loadu_ps(f.as_ptr().add(at));
                    (_mm256_cvtps_pd(_mm256_castps256_ps128(v)), _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v)))
                },
                k,
                sums,
            ),
            (_, Some(d), false) => rows_pd256::<R, INVERSE, CLIP>(
                rows,
                |at| (_mm256_loadu_pd(d.as_ptr().add(at)), _mm256_loadu_pd(d.as_ptr().add(at + 4))),
                k,
                sums,
            ),
            _ => 0,
        }
    }
}

/// [`textbook_rows`] with AVX-512: one row a vector.
///
/// # Safety
/// The CPU must support AVX-512F/VL and AVX2.
#[target_feature(enable = "avx512f,avx512vl,avx2")]
unsafe fn textbook_rows512<T: crate::tensor::Sample, const R: u8, const INVERSE: bool, const CLIP: u8>(
    xs: &[T],
    k: &Kernel64<'_>,
    sums: &mut Sums<f64, u64>,
) -> usize {
    let rows = xs.len() / LANES;
    // SAFETY (loads): `at + LANES <= xs.len()` for every row read.
    unsafe {
        match (T::as_f32(xs), T::as_f64(xs)) {
            (Some(f), _) => rows_pd::<R, INVERSE, CLIP, true>(rows, |at| _mm512_cvtps_pd(_mm256_loadu_ps(f.as_ptr().add(at))), k, sums),
            (_, Some(d)) => rows_pd::<R, INVERSE, CLIP, false>(rows, |at| _mm512_loadu_pd(d.as_ptr().add(at)), k, sums),
            _ => 0,
        }
    }
}

/// [`round_pd`] on 4 f64 lanes with AVX2 (and-adds: only the sign of a zero result can differ,
/// which changes neither `q` nor any metric).
#[target_feature(enable = "avx2")]
#[inline]
fn round_pd256<const R: u8>(v: __m256d) -> __m256d {
    const EXC: i32 = _MM_FROUND_NO_EXC;
    let half = _mm256_set1_pd(0.5);
    let one = _mm256_set1_pd(1.0);
    match R {
        rule::FLOOR => _mm256_round_pd::<{ _MM_FROUND_TO_NEG_INF | EXC }>(v),
        rule::CEIL => _mm256_round_pd::<{ _MM_FROUND_TO_POS_INF | EXC }>(v),
        rule::TOWARD_ZERO => _mm256_round_pd::<{ _MM_FROUND_TO_ZERO | EXC }>(v),
        rule::HALF_AWAY => half_away_pd256(v),
        rule::HALF_UP => {
            let f = _mm256_round_pd::<{ _MM_FROUND_TO_NEG_INF | EXC }>(v);
            let up = _mm256_cmp_pd::<_CMP_GE_OQ>(_mm256_sub_pd(v, f), half);
            _mm256_add_pd(f, _mm256_and_pd(up, one))
        }
        _ => _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | EXC }>(v),
    }
}

/// [`half_away_pd`] on 4 lanes with AVX2.
#[target_feature(enable = "avx2")]
#[inline]
fn half_away_pd256(v: __m256d) -> __m256d {
    let sign = _mm256_set1_pd(-0.0);
    let t = _mm256_round_pd::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(v);
    let away = _mm256_cmp_pd::<_CMP_GE_OQ>(_mm256_andnot_pd(sign, _mm256_sub_pd(v, t)), _mm256_set1_pd(0.5));
    let step = _mm256_or_pd(_mm256_set1_pd(1.0), _mm256_and_pd(v, sign));
    _mm256_add_pd(t, _mm256_and_pd(away, step))
}

/// [`band_pd`] on 4 lanes with AVX2 (all ones where near).
#[target_feature(enable = "avx2")]
#[inline]
fn band_pd256<const R: u8>(v: __m256d, r: __m256d, band: __m256d) -> __m256d {
    let nearest = if R == rule::HALF_EVEN { r } else { _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v) };
    let distance = _mm256_andnot_pd(_mm256_set1_pd(-0.0), _mm256_sub_pd(v, nearest));
    if super::rounding::<R>().is_nearest() {
        _mm256_cmp_pd::<_CMP_GE_OQ>(distance, band)
    } else {
        _mm256_cmp_pd::<_CMP_LE_OQ>(distance, band)
    }
}

/// The sums of 4 lanes, in registers.
#[derive(Clone, Copy)]
struct Lanes4 {
    x2: __m256d,
    e2: __m256d,
    abs_e: __m256d,
    pct: __m256d,
    max_abs_e: __m256d,
    nonzero: __m256i,
    clipped: __m256i,
}

/// The AVX2 textbook loop: a row is two vectors of 4 lanes, `h = 0` (lanes 0–3) and `h = 1` (4–7).
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn rows_pd256<const R: u8, const INVERSE: bool, const CLIP: u8>(
    rows: usize,
    load: impl Fn(usize) -> (__m256d, __m256d),
    k: &Kernel64<'_>,
    sums: &mut Sums<f64, u64>,
) -> usize {
    let (s, inverse, z) = (_mm256_set1_pd(k.s), _mm256_set1_pd(k.inverse), _mm256_set1_pd(k.z));
    let (qmin, qmax, zero, sign) = (_mm256_set1_pd(k.qmin), _mm256_set1_pd(k.qmax), _mm256_setzero_pd(), _mm256_set1_pd(-0.0));
    // SAFETY (loads and stores): each sum is an array of LANES = 8 eight-byte values, two 256-bit halves.
    let mut lanes = [0, 1].map(|h| unsafe {
        Lanes4 {
            x2: _mm256_loadu_pd(sums.x2.as_ptr().add(4 * h)),
            e2: _mm256_loadu_pd(sums.e2.as_ptr().add(4 * h)),
            abs_e: _mm256_loadu_pd(sums.abs_e.as_ptr().add(4 * h)),
            pct: _mm256_loadu_pd(sums.pct.as_ptr().add(4 * h)),
            max_abs_e: _mm256_loadu_pd(sums.max_abs_e.as_ptr().add(4 * h)),
            nonzero: _mm256_loadu_si256(sums.nonzero.as_ptr().add(4 * h) as *const __m256i),
            clipped: _mm256_loadu_si256(sums.clipped.as_ptr().add(4 * h) as *const __m256i),
        }
    });
    let band = _mm256_set1_pd(band_of::<R>(k.margin));
    let (v_min, v_max) = clip_boundaries::<R>(k);
    let (v_min, v_max) = (_mm256_set1_pd(v_min), _mm256_set1_pd(v_max));
    let mut row = 0;
    while row < rows {
        prefetch(k.next, row * LANES);
        let (lo, hi) = load(row * LANES);
        let quotient = |x: __m256d| {
            let v = if INVERSE { _mm256_mul_pd(x, inverse) } else { _mm256_div_pd(x, s) };
            // A value that would clip onto the boundary it lies beyond, which the band finds.
            match CLIP {
                clip::ROWS_APART => _mm256_min_pd(_mm256_max_pd(v, v_min), v_max),
                clip::ROWS_APART_TOP => _mm256_min_pd(v, v_max),
                clip::ROWS_APART_BOTTOM => _mm256_max_pd(v, v_min),
                _ => v,
            }
        };
        let (v_lo, v_hi) = (quotient(lo), quotient(hi));
        let (r_lo, r_hi) = (round_pd256::<R>(v_lo), round_pd256::<R>(v_hi));
        let apart = _mm256_or_pd(band_pd256::<R>(v_lo, r_lo, band), band_pd256::<R>(v_hi, r_hi, band));
        if _mm256_movemask_pd(apart) != 0 {
            break;
        }
        for (l, (x, r)) in lanes.iter_mut().zip([(lo, r_lo), (hi, r_hi)]) {
            // With the clamp: `raw = r + z`, `if raw < qmin { qmin } else { raw }`, then
            // `if low > qmax { qmax } else { low }`, `e = (q - z) · s - x`. Without it `q − z` is
            // `r` itself (integers below 2^53).
            let (q_minus_z, clipped) = if CLIP == clip::CLAMP {
                let raw = _mm256_add_pd(r, z);
                let q = _mm256_min_pd(qmax, _mm256_max_pd(qmin, raw));
                (_mm256_sub_pd(q, z), _mm256_cmp_pd::<_CMP_NEQ_UQ>(q, raw))
            } else {
                (r, zero)
            };
            let e = _mm256_sub_pd(_mm256_mul_pd(q_minus_z, s), x);
            let ae = _mm256_andnot_pd(sign, e);
            let ax = _mm256_andnot_pd(sign, x);
            let nz = _mm256_cmp_pd::<_CMP_NEQ_UQ>(ax, zero);
            l.x2 = _mm256_add_pd(l.x2, _mm256_mul_pd(x, x));
            l.e2 = _mm256_add_pd(l.e2, _mm256_mul_pd(e, e));
            l.abs_e = _mm256_add_pd(l.abs_e, ae);
            l.pct = _mm256_add_pd(l.pct, _mm256_and_pd(_mm256_div_pd(ae, ax), nz));
            l.max_abs_e = _mm256_max_pd(ae, l.max_abs_e);
            l.nonzero = _mm256_sub_epi64(l.nonzero, _mm256_castpd_si256(nz));
            if CLIP == clip::CLAMP {
                l.clipped = _mm256_sub_epi64(l.clipped, _mm256_castpd_si256(clipped));
            }
        }
        row += 1;
    }
    for (h, l) in lanes.iter().enumerate() {
        // SAFETY: as the loads above.
        unsafe {
            _mm256_storeu_pd(sums.x2.as_mut_ptr().add(4 * h), l.x2);
            _mm256_storeu_pd(sums.e2.as_mut_ptr().add(4 * h), l.e2);
            _mm256_storeu_pd(sums.abs_e.as_mut_ptr().add(4 * h), l.abs_e);
            _mm256_storeu_pd(sums.pct.as_mut_ptr().add(4 * h), l.pct);
            _mm256_storeu_pd(sums.max_abs_e.as_mut_ptr().add(4 * h), l.max_abs_e);
            _mm256_storeu_si256(sums.nonzero.as_mut_ptr().add(4 * h) as *mut __m256i, l.nonzero);
            _mm256_storeu_si256(sums.clipped.as_mut_ptr().add(4 * h) as *mut __m256i, l.clipped);
        }
    }
    row * LANES
}

#[target_feature(enable = "avx512f,avx512vl,avx2")]
#[inline]
unsafe fn rows_pd<const R: u8, const INVERSE: bool, const CLIP: u8, const FLOAT32: bool>(
    rows: usize,
    load: impl Fn(usize) -> __m512d,
    k: &Kernel64<'_>,
    sums: &mut Sums<f64, u64>,
) -> usize {
    let (s, inverse, z) = (_mm512_set1_pd(k.s), _mm512_set1_pd(k.inverse), _mm512_set1_pd(k.z));
    let (qmin, qmax, zero) = (_mm512_set1_pd(k.qmin), _mm512_set1_pd(k.qmax), _mm512_setzero_pd());
    let minus_one = _mm512_set1_epi64(-1);
    // SAFETY: each is an array of LANES = 8 eight-byte values, one unaligned 512-bit access.
    let (mut x2, mut e2, mut abs_e, mut pct, mut max_abs_e, mut clipped) = unsafe {
        (
            _mm512_loadu_pd(sums.x2.as_ptr()),
            _mm512_loadu_pd(sums.e2.as_ptr()),
            _mm512_loadu_pd(sums.abs_e.as_ptr()),
            _mm512_loadu_pd(sums.pct.as_ptr()),
            _mm512_loadu_pd(sums.max_abs_e.as_ptr()),
            _mm512_loadu_si512(sums.clipped.as_ptr() as *const _),
        )
    };
    // The nonzero values counted in a scalar (a popcount of the mask, cheaper here than a masked
    // vector add): only the lanes' total is ever read, so lane 0 takes it at the end.
    let mut nonzero = 0u64;
    let band = _mm512_set1_pd(band_of::<R>(k.margin));
    let (v_min, v_max) = clip_boundaries::<R>(k);
    let (v_min, v_max) = (_mm512_set1_pd(v_min), _mm512_set1_pd(v_max));
    // A row's rounded quotients `r`, and its lanes near a boundary (none: the row is decided here).
    let decide = |x: __m512d| {
        let v = if INVERSE { _mm512_mul_pd(x, inverse) } else { _mm512_div_pd(x, s) };
        // A value that would clip onto the boundary it lies beyond, which the band finds.
        let v = match CLIP {
            clip::ROWS_APART => _mm512_min_pd(_mm512_max_pd(v, v_min), v_max),
            clip::ROWS_APART_TOP => _mm512_min_pd(v, v_max),
            clip::ROWS_APART_BOTTOM => _mm512_max_pd(v, v_min),
            _ => v,
        };
        let r = round_pd::<R>(v);
        (r, band_pd::<R>(v, r, band))
    };
    // A decided row into the sums.
    let mut add = |x: __m512d, r: __m512d| {
        // With the clamp: `raw = r + z`, `if raw < qmin { qmin } else { raw }`, then
        // `if low > qmax { qmax } else { low }`, `e = (q - z) · s - x`. Without it `q − z` is `r`
        // itself (integers below 2^53).
        let e = if CLIP == clip::CLAMP {
            let raw = _mm512_add_pd(r, z);
            let q = _mm512_min_pd(qmax, _mm512_max_pd(qmin, raw));
            clipped = _mm512_mask_sub_epi64(clipped, _mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(q, raw), clipped, minus_one);
            _mm512_sub_pd(_mm512_mul_pd(_mm512_sub_pd(q, z), s), x)
        } else {
            _mm512_sub_pd(_mm512_mul_pd(r, s), x)
        };
        let ae = _mm512_abs_pd(e);
        let ax = _mm512_abs_pd(x);
        let nz = _mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(ax, zero);
        // `x2 + x · x`: the square of a float32 value is exact in f64 (48 bits), so one fused
        // multiply-add rounds the sum alone, as the addition of the exact square does.
        x2 = if FLOAT32 { _mm512_fmadd_pd(x, x, x2) } else { _mm512_add_pd(x2, _mm512_mul_pd(x, x)) };
        e2 = _mm512_add_pd(e2, _mm512_mul_pd(e, e));
        abs_e = _mm512_add_pd(abs_e, ae);
        pct = _mm512_add_pd(pct, _mm512_maskz_div_pd(nz, ae, ax));
        max_abs_e = _mm512_max_pd(ae, max_abs_e);
        nonzero += u64::from(nz.count_ones());
    };
    // Two rows a step (one cache line of float32, one test for both), then the odd row.
    let mut row = 0;
    let mut near = false;
    while row + 2 <= rows {
        prefetch(k.next, row * LANES);
        let (x_a, x_b) = (load(row * LANES), load((row + 1) * LANES));
        let ((r_a, near_a), (r_b, near_b)) = (decide(x_a), decide(x_b));
        if near_a | near_b != 0 {
            if near_a == 0 {
                add(x_a, r_a);
                row += 1;
            }
            near = true;
            break;
        }
        add(x_a, r_a);
        add(x_b, r_b);
        row += 2;
    }
    if !near && row < rows {
        let x = load(row * LANES);
        let (r, near) = decide(x);
        if near == 0 {
            add(x, r);
            row += 1;
        }
    }
    // SAFETY: as the loads above.
    unsafe {
        _mm512_storeu_pd(sums.x2.as_mut_ptr(), x2);
        _mm512_storeu_pd(sums.e2.as_mut_ptr(), e2);
        _mm512_storeu_pd(sums.abs_e.as_mut_ptr(), abs_e);
        _mm512_storeu_pd(sums.pct.as_mut_ptr(), pct);
        _mm512_storeu_pd(sums.max_abs_e.as_mut_ptr(), max_abs_e);
        _mm512_storeu_si512(sums.clipped.as_mut_ptr() as *mut _, clipped);
    }
    sums.nonzero[0] += nonzero;
    row * LANES
}
