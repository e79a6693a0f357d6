//! The fused float32 kernel and the range pass written with wasm `simd128` instructions.
//!
//! LLVM leaves the portable kernel scalar on wasm; these loops perform the same float32 operations
//! per lane, in the same order, as `simd::fused_loop` and `analysis::scan::block_range`, so results
//! are bit-for-bit the same (the wasm tests in Chromium check it against the portable code). Two
//! steps are shorter but exact: without a clamp, x̂ is `round(v) · s` (see `half_rows`), and the
//! range pass flags a non-finite value with `x - x` instead of counting them (a run holding one is
//! read again, counted). Built only with `-C target-feature=+simd128` (the app's
//! `.cargo/config.toml`).
//!
//! Written for what V8 makes of them (16 xmm registers, no prefetch): each loop carries few enough
//! values to stay in registers, and the measuring loop reads one value per cache line of the next
//! unit so that memory works while it computes. On 4096 × 4096 in Node 20 these took the analysis
//! from about 48 to 21 ms (`bench/perf_table.py`, README).

use super::{band_of, clip, clip_boundaries, rule, Kernel, Kernel64};
use crate::metrics::{Accumulator, Sums, LANES, ROWS};
use core::arch::wasm32::*;

/// Values per call of the register loop: its 32-bit lane counts then hold at most 2^28 per lane.
const RUN: usize = 1 << 31;

/// Runs whole rows of `LANES` values through the fused kernel; returns how many values it consumed.
pub(crate) fn fused_rows<const MUL: bool, const R: u8>(xs: &[f32], k: &Kernel, acc: &mut Accumulator) -> usize {
    let mut done = 0;
    for run in xs.chunks(RUN) {
        // The next unit's values as far ahead of this run as of the whole.
        let k = &Kernel { next: k.next.get(done..).unwrap_or(&[]), ..*k };
        let consumed = if k.clamp { rows::<MUL, true, R>(run, k, acc) } else { rows::<MUL, false, R>(run, k, acc) };
        done += consumed;
        // A run left partly to the caller must be the last.
        if consumed != run.len() {
            break;
        }
    }
    done
}

/// `total[4h + i] += sum[i] as f64` for the 4 lanes of `sum`, the half `h` of a row.
#[inline(always)]
fn add_into(total: &mut [f64; LANES], h: usize, sum: v128) {
    let lo = f64x2_promote_low_f32x4(sum);
    let hi = f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(sum, sum));
    for (k, v) in [lo, hi].into_iter().enumerate() {
        let at = 4 * h + 2 * k;
        // SAFETY: `total[at..at + 2]` is in bounds (h < 2, k < 2); unaligned access is fine in wasm.
        unsafe {
            let t = total.as_mut_ptr().add(at) as *mut v128;
            v128_store(t, f64x2_add(v128_load(t), v));
        }
    }
}

/// One half (4 lanes) of the rows' running sums, kept in registers.
#[derive(Clone, Copy)]
struct Half {
    x2: v128,
    e2: v128,
    abs_e: v128,
    pct: v128,
    max_abs_e: v128,
    nonzero: v128,
    clipped: v128,
}

/// The kernel's constants, splatted once.
struct Consts {
    m: v128,
    z: v128,
    qmin: v128,
    qmax: v128,
    s: v128,
    abs: v128,
}

/// The fused kernel, as `simd::x86`: the float32 sums go into the f64 totals every `ROWS` rows
/// straight from the registers, and the running maximum and the counts stay in registers for the
/// whole run (a maximum and integer sums do not depend on how they are grouped).
///
/// Each group of up to `ROWS` rows is read twice from L1, once per half of the row: lanes 0–3,
/// then lanes 4–7. Every lane still adds its values in row order, so the sums are the same, but
/// the loop carries 7 registers instead of 14 and has no flush branch inside: V8 has 16 xmm
/// registers, and with both halves and the branch in one loop it spilled about half of each step
/// to the stack (measured: about 150 instructions per row, 70 of them moves to and from the stack).
#[inline(always)]
fn rows<const MUL: bool, const CLAMP: bool, const R: u8>(xs: &[f32], k: &Kernel, acc: &mut Accumulator) -> usize {
    let c = Consts {
        m: f32x4_splat(k.m),
        z: f32x4_splat(k.z),
        qmin: f32x4_splat(k.qmin),
        qmax: f32x4_splat(k.qmax),
        s: f32x4_splat(k.s),
        abs: u32x4_splat(0x7fff_ffff),
    };
    let zero = f32x4_splat(0.0);
    let load = |a: &[f32; LANES], h: usize| f32x4(a[4 * h], a[4 * h + 1], a[4 * h + 2], a[4 * h + 3]);
    let load_u = |a: &[u32; LANES], h: usize| u32x4(a[4 * h], a[4 * h + 1], a[4 * h + 2], a[4 * h + 3]);
    acc.take_counts();
    let p = &acc.part;
    let mut halves = [0, 1].map(|h| Half {
        x2: load(&p.x2, h),
        e2: load(&p.e2, h),
        abs_e: load(&p.abs_e, h),
        pct: load(&p.pct, h),
        max_abs_e: load(&p.max_abs_e, h),
        nonzero: load_u(&p.nonzero, h),
        clipped: load_u(&p.clipped, h),
    });
    let consumed = xs.len() - xs.len() % LANES;
    let mut rest = &xs[..consumed];
    let mut rows = acc.rows as usize;
    // What the touches read, kept so that neither LLVM nor V8 drops the reads.
    let mut touched = 0u32;
    while !rest.is_empty() {
        let (group, tail) = rest.split_at(((ROWS as usize - rows) * LANES).min(rest.len()));
        touched = touched.wrapping_add(touch(k.next, xs.len() - rest.len(), group.len()));
        half_rows::<MUL, CLAMP, R, 0>(group, &c, &mut halves[0]);
        half_rows::<MUL, CLAMP, R, 1>(group, &c, &mut halves[1]);
        rows += group.len() / LANES;
        if rows == ROWS as usize {
            let t = &mut acc.total;
            for (h, half) in halves.iter_mut().enumerate() {
                add_into(&mut t.x2, h, half.x2);
                add_into(&mut t.e2, h, half.e2);
                add_into(&mut t.abs_e, h, half.abs_e);
                add_into(&mut t.pct, h, half.pct);
                (half.x2, half.e2, half.abs_e, half.pct) = (zero, zero, zero, zero);
            }
            rows = 0;
        }
        rest = tail;
    }
    let p = &mut acc.part;
    for (h, half) in halves.iter().enumerate() {
        let store = |v: v128, a: &mut [f32; LANES]| {
            // SAFETY: a [f32; 8] holds two v128 at offsets 0 and 4 floats; unaligned stores are fine in wasm.
            unsafe { v128_store(a.as_mut_ptr().add(4 * h) as *mut v128, v) };
        };
        store(half.x2, &mut p.x2);
        store(half.e2, &mut p.e2);
        store(half.abs_e, &mut p.abs_e);
        store(half.pct, &mut p.pct);
        store(half.max_abs_e, &mut p.max_abs_e);
        // SAFETY: as above, for u32.
        unsafe {
            v128_store(p.nonzero.as_mut_ptr().add(4 * h) as *mut v128, half.nonzero);
            v128_store(p.clipped.as_mut_ptr().add(4 * h) as *mut v128, half.clipped);
        }
    }
    acc.rows = rows as u32;
    core::hint::black_box(touched);
    consumed
}

/// Reads one value per 64-byte cache line of `next[at..at + len]` (as much of it as there is):
/// wasm has no prefetch, but a plain read brings the line into the cache while the loop after it
/// computes, so that the next unit's range pass does not wait on memory. Returns the bits read.
#[inline(always)]
fn touch(next: &[f32], at: usize, len: usize) -> u32 {
    const LINE: usize = 64 / core::mem::size_of::<f32>();
    let part = next.get(at..(at + len).min(next.len())).unwrap_or(&[]);
    part.iter().step_by(LINE).fold(0u32, |bits, x| bits.wrapping_add(x.to_bits()))
}

/// The rule `R` on 4 lanes: the same float32 result as [`Rounding::round_f32`](crate::rounding::Rounding::round_f32)
/// (half-even is wasm's own `f32x4.nearest`; half away from zero and half up as `simd::x86::round256`
/// computes them, exact; only the sign of a zero result can differ, which changes no metric).
#[inline(always)]
fn round<const R: u8>(v: v128) -> v128 {
    let half = f32x4_splat(0.5);
    let one = f32x4_splat(1.0);
    match R {
        rule::FLOOR => f32x4_floor(v),
        rule::CEIL => f32x4_ceil(v),
        rule::TOWARD_ZERO => f32x4_trunc(v),
        rule::HALF_AWAY => {
            let t = f32x4_trunc(v);
            let away = f32x4_ge(f32x4_abs(f32x4_sub(v, t)), half);
            let step = v128_or(one, v128_and(v, f32x4_splat(-0.0)));
            f32x4_add(t, v128_and(away, step))
        }
        rule::HALF_UP => {
            let f = f32x4_floor(v);
            f32x4_add(f, v128_and(f32x4_ge(f32x4_sub(v, f), half), one))
        }
        _ => f32x4_nearest(v),
    }
}

/// Lanes `4H..4H + 4` of every row of `group` (whole rows of `LANES` values) into `half`.
#[inline(always)]
fn half_rows<const MUL: bool, const CLAMP: bool, const R: u8, const H: usize>(group: &[f32], c: &Consts, half: &mut Half) {
    let zero = f32x4_splat(0.0);
    let mut r = *half;
    for row in group.chunks_exact(LANES) {
        // SAFETY: the row holds LANES = 8 floats; lanes 4H..4H + 4 are in it. Unaligned loads are fine in wasm.
        let x = unsafe { v128_load(row.as_ptr().add(4 * H) as *const v128) };
        let v = if MUL { f32x4_mul(x, c.m) } else { f32x4_div(x, c.m) };
        let rounded = round::<R>(v);
        let q = f32x4_add(rounded, c.z);
        let qc = if CLAMP { f32x4_pmax(c.qmin, f32x4_pmin(c.qmax, q)) } else { q };
        // Without the clamp, (round(v) + z) - z is round(v) itself: `Kernel::new` keeps the clamp
        // unless qmin, qmax and z are integers below 2^24 in magnitude and no value can clip, and
        // then both steps are exact float32 integer sums. (Only the sign of a zero x̂ can differ,
        // which changes neither e², |e| nor |e|/|x|, masked out at x = 0.)
        let x_hat = if CLAMP { f32x4_mul(f32x4_sub(qc, c.z), c.s) } else { f32x4_mul(rounded, c.s) };
        let e = f32x4_sub(x_hat, x);
        let ae = v128_and(e, c.abs);
        let ax = v128_and(x, c.abs);
        let nonzero = f32x4_ne(x, zero);
        r.x2 = f32x4_add(r.x2, f32x4_mul(x, x));
        r.e2 = f32x4_add(r.e2, f32x4_mul(e, e));
        r.abs_e = f32x4_add(r.abs_e, ae);
        // and with the mask: one instruction where bitselect takes three on x86.
        r.pct = f32x4_add(r.pct, v128_and(f32x4_div(ae, ax), nonzero));
        r.max_abs_e = f32x4_pmax(r.max_abs_e, ae);
        r.nonzero = i32x4_sub(r.nonzero, nonzero);
        if CLAMP {
            r.clipped = i32x4_sub(r.clipped, f32x4_ne(q, qc));
        }
    }
    *half = r;
}

/// Smallest and largest finite value of a float32 run (±inf when none) and how many are not finite.
/// Plain min/max first (exact when every value is finite, as they nearly always are), otherwise
/// the run is read again with the non-finite values masked out, as `analysis::scan::block_range`.
pub(crate) fn range_f32(xs: &[f32]) -> (f32, f32, u64) {
    match plain_range(xs) {
        Some((lo, hi)) => (lo, hi, 0),
        None => masked_range(xs),
    }
}

/// Calls `step(k, x)` for each vector of 4 values of `xs`, `k` cycling through the four accumulators
/// (16 values a turn); returns the values left over.
#[inline(always)]
fn each_vector(xs: &[f32], mut step: impl FnMut(usize, v128)) -> &[f32] {
    let chunks = xs.chunks_exact(16);
    let rest = chunks.remainder();
    for chunk in chunks {
        for k in 0..4 {
            // SAFETY: the chunk holds 16 floats, 4 per k; unaligned loads are fine in wasm.
            step(k, unsafe { v128_load(chunk.as_ptr().add(4 * k) as *const v128) });
        }
    }
    rest
}

/// Folds four accumulators of 4 lanes into one value.
fn fold(v: &[v128; 4], start: f32, f: fn(f32, f32) -> f32) -> f32 {
    v.iter()
        .flat_map(|&v| [f32x4_extract_lane::<0>(v), f32x4_extract_lane::<1>(v), f32x4_extract_lane::<2>(v), f32x4_extract_lane::<3>(v)])
        .fold(start, f)
}

/// Min and max of a run in which every value is finite, or `None` if one is not. `x - x` is +0
/// (all bits clear) for a finite `x` and NaN for ±inf and NaN, so or-ing them flags a non-finite
/// value in two instructions a vector, where comparing |x| with infinity and counting takes five
/// as V8 compiles them. Four independent accumulators, so the selects do not wait on each other.
#[inline(always)]
fn plain_range(xs: &[f32]) -> Option<(f32, f32)> {
    let mut lo = [f32x4_splat(f32::INFINITY); 4];
    let mut hi = [f32x4_splat(f32::NEG_INFINITY); 4];
    let mut bad = [f32x4_splat(0.0); 4];
    let rest = each_vector(xs, |k, x| {
        // `x < lo ? x : lo` and `hi < x ? x : hi`: a NaN never wins (and is flagged below).
        lo[k] = f32x4_pmin(lo[k], x);
        hi[k] = f32x4_pmax(hi[k], x);
        bad[k] = v128_or(bad[k], f32x4_sub(x, x));
    });
    let flagged = v128_or(v128_or(bad[0], bad[1]), v128_or(bad[2], bad[3]));
    if v128_any_true(flagged) || rest.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let min = rest.iter().fold(fold(&lo, f32::INFINITY, f32::min), |m, &x| m.min(x));
    let max = rest.iter().fold(fold(&hi, f32::NEG_INFINITY, f32::max), |m, &x| m.max(x));
    Some((min, max))
}

/// The range of the finite values and how many are not finite, each value checked.
fn masked_range(xs: &[f32]) -> (f32, f32, u64) {
    let inf = f32x4_splat(f32::INFINITY);
    let mut lo = [inf; 4];
    let mut hi = [f32x4_splat(f32::NEG_INFINITY); 4];
    let mut bad = [i32x4_splat(0); 4];
    let rest = each_vector(xs, |k, x| {
        let ok = f32x4_lt(f32x4_abs(x), inf);
        lo[k] = v128_bitselect(x, lo[k], v128_and(ok, f32x4_lt(x, lo[k])));
        hi[k] = v128_bitselect(x, hi[k], v128_and(ok, f32x4_gt(x, hi[k])));
        bad[k] = i32x4_sub(bad[k], v128_not(ok));
    });
    let ints = |v: v128| [i32x4_extract_lane::<0>(v), i32x4_extract_lane::<1>(v), i32x4_extract_lane::<2>(v), i32x4_extract_lane::<3>(v)];
    let mut min = fold(&lo, f32::INFINITY, f32::min);
    let mut max = fold(&hi, f32::NEG_INFINITY, f32::max);
    let mut count: u64 = bad.iter().flat_map(|&v| ints(v)).map(|b| b as u64).sum();
    for &x in rest {
        if x.is_finite() {
            min = min.min(x);
            max = max.max(x);
        } else {
            count += 1;
        }
    }
    (min, max, count)
}

/// The textbook convention's loop on whole rows of `LANES` values with `simd128` (a row is four f64
/// vectors: lane `j` of vector `h` is the row's value `2h + j`), from the start of `xs` until a row
/// holds a value near a boundary of the rule (for `analysis::quantize`'s exact decision) or no whole
/// row is left; returns how many values it consumed.
///
/// The operations of `analysis::quantize::fused_f64_loop` lane by lane, in the same order, into the
/// same f64 sums, as `simd::x86::textbook_rows` performs them: `v = x · (1/s)` (`INVERSE`) or `x / s`,
/// `r = round(v)`, `raw = r + z`, `q = clamp(raw)`, `e = (q - z) · s - x`, then `x²`, `e²`, `|e|`,
/// `|e|/|x|` (x ≠ 0, a true division), max `|e|` and the counts. `f64x2.pmin`/`pmax` are x86's
/// `minpd`/`maxpd` with the operands swapped (`pmax(a, b) = a < b ? b : a`), so NaN and ±0 take
/// the same side as there and in the portable selects.
pub(crate) fn textbook_rows<T: crate::tensor::Sample, const R: u8, const INVERSE: bool>(
    xs: &[T],
    k: &Kernel64<'_>,
    sums: &mut Sums<f64, u64>,
) -> usize {
    match k.clip {
        clip::NONE => textbook_rows_clipped::<T, R, INVERSE, { clip::NONE }>(xs, k, sums),
        clip::ROWS_APART => textbook_rows_clipped::<T, R, INVERSE, { clip::ROWS_APART }>(xs, k, sums),
        clip::ROWS_APART_TOP => textbook_rows_clipped::<T, R, INVERSE, { clip::ROWS_APART_TOP }>(xs, k, sums),
        clip::ROWS_APART_BOTTOM => textbook_rows_clipped::<T, R, INVERSE, { clip::ROWS_APART_BOTTOM }>(xs, k, sums),
        _ => textbook_rows_clipped::<T, R, INVERSE, { clip::CLAMP }>(xs, k, sums),
    }
}

/// [`textbook_rows`] for float32 or f64 data with the clip variant `CLIP` (one of [`clip`]).
#[inline(always)]
fn textbook_rows_clipped<T: crate::tensor::Sample, const R: u8, const INVERSE: bool, const CLIP: u8>(
    xs: &[T],
    k: &Kernel64<'_>,
    sums: &mut Sums<f64, u64>,
) -> usize {
    let rows = xs.len() / LANES;
    match (T::as_f32(xs), T::as_f64(xs)) {
        (Some(f), _) => rows_f64x2::<R, INVERSE, CLIP>(
            rows,
            |at| {
                let row: &[f32; LANES] = f[at..at + LANES].try_into().expect("a whole row");
                // SAFETY: the row holds 8 floats, two v128 at offsets 0 and 4; unaligned loads are fine in wasm.
                let (a, b) = unsafe { (v128_load(row.as_ptr() as *const v128), v128_load(row.as_ptr().add(4) as *const v128)) };
                let high = |v: v128| f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(v, v));
                [f64x2_promote_low_f32x4(a), high(a), f64x2_promote_low_f32x4(b), high(b)]
            },
            k,
            sums,
        ),
        (_, Some(d)) => rows_f64x2::<R, INVERSE, CLIP>(
            rows,
            |at| {
                let row: &[f64; LANES] = d[at..at + LANES].try_into().expect("a whole row");
                // SAFETY: the row holds 8 f64, four v128 at offsets 0, 2, 4, 6; unaligned loads are fine in wasm.
                [0, 1, 2, 3].map(|h| unsafe { v128_load(row.as_ptr().add(2 * h) as *const v128) })
            },
            k,
            sums,
        ),
        _ => 0,
    }
}

/// The rule `R` on 2 f64 lanes: `simd::x86::round_pd256`'s result (`f64x2.nearest` for half-even;
/// half away from zero and half up built the same way, exact; only the sign of a zero result can
/// differ, which changes neither `q` nor any metric).
#[inline(always)]
fn round_f64x2<const R: u8>(v: v128) -> v128 {
    let half = f64x2_splat(0.5);
    let one = f64x2_splat(1.0);
    match R {
        rule::FLOOR => f64x2_floor(v),
        rule::CEIL => f64x2_ceil(v),
        rule::TOWARD_ZERO => f64x2_trunc(v),
        rule::HALF_AWAY => {
            let t = f64x2_trunc(v);
            let away = f64x2_ge(f64x2_abs(f64x2_sub(v, t)), half);
            let step = v128_or(one, v128_and(v, f64x2_splat(-0.0)));
            f64x2_add(t, v128_and(away, step))
        }
        rule::HALF_UP => {
            let f = f64x2_floor(v);
            f64x2_add(f, v128_and(f64x2_ge(f64x2_sub(v, f), half), one))
        }
        _ => f64x2_nearest(v),
    }
}

/// `simd::x86::band_pd256` on 2 lanes: all ones where `v` lies within the band of a boundary of the
/// rule `R` (a NaN or infinite `v` is never near, as there).
#[inline(always)]
fn band_f64x2<const R: u8>(v: v128, r: v128, band: v128) -> v128 {
    let nearest = if R == rule::HALF_EVEN { r } else { f64x2_nearest(v) };
    let distance = f64x2_abs(f64x2_sub(v, nearest));
    if super::rounding::<R>().is_nearest() {
        f64x2_ge(distance, band)
    } else {
        f64x2_le(distance, band)
    }
}

/// The textbook loop's sums of a row's 8 lanes, four vectors of 2, in registers.
#[derive(Clone, Copy)]
struct Lanes8 {
    x2: [v128; 4],
    e2: [v128; 4],
    abs_e: [v128; 4],
    pct: [v128; 4],
    max_abs_e: [v128; 4],
}

/// The textbook loop proper: `load(at)` gives the row at `at` as four f64 vectors.
#[inline(always)]
fn rows_f64x2<const R: u8, const INVERSE: bool, const CLIP: u8>(
    rows: usize,
    load: impl Fn(usize) -> [v128; 4],
    k: &Kernel64<'_>,
    sums: &mut Sums<f64, u64>,
) -> usize {
    let (s, inverse, z) = (f64x2_splat(k.s), f64x2_splat(k.inverse), f64x2_splat(k.z));
    let (qmin, qmax, zero) = (f64x2_splat(k.qmin), f64x2_splat(k.qmax), f64x2_splat(0.0));
    let get = |a: &[f64; LANES]| [0, 1, 2, 3].map(|h| f64x2(a[2 * h], a[2 * h + 1]));
    let mut l =
        Lanes8 { x2: get(&sums.x2), e2: get(&sums.e2), abs_e: get(&sums.abs_e), pct: get(&sums.pct), max_abs_e: get(&sums.max_abs_e) };
    // The counts: integer sums whatever the grouping, so both halves of every vector go into one
    // register each and their total into lane 0 at the end (only the lanes' total is ever read).
    let (mut nonzero, mut clipped) = (i64x2_splat(0), i64x2_splat(0));
    let band = f64x2_splat(band_of::<R>(k.margin));
    let (v_min, v_max) = clip_boundaries::<R>(k);
    let (v_min, v_max) = (f64x2_splat(v_min), f64x2_splat(v_max));
    let quotient = |x: v128| {
        let v = if INVERSE { f64x2_mul(x, inverse) } else { f64x2_div(x, s) };
        // A value that would clip onto the boundary it lies beyond, which the band finds.
        // (`pmax(v_min, v)` is `maxpd(v, v_min)`, `pmin(v_max, w)` is `minpd(w, v_max)`.)
        match CLIP {
            clip::ROWS_APART => f64x2_pmin(v_max, f64x2_pmax(v_min, v)),
            clip::ROWS_APART_TOP => f64x2_pmin(v_max, v),
            clip::ROWS_APART_BOTTOM => f64x2_pmax(v_min, v),
            _ => v,
        }
    };
    // What the touches read, kept so that neither LLVM nor V8 drops the reads.
    let mut touched = 0u32;
    let mut row = 0;
    while row < rows {
        // One read per 64-byte cache line of the next unit (wasm has no prefetch): every other row.
        if row % 2 == 0 {
            touched = touched.wrapping_add(k.next.get(row * LANES).map_or(0, |x| x.to_bits()));
        }
        let x = load(row * LANES);
        let v = x.map(quotient);
        let r = [0, 1, 2, 3].map(|h| round_f64x2::<R>(v[h]));
        let near = [0, 1, 2, 3].map(|h| band_f64x2::<R>(v[h], r[h], band));
        if v128_any_true(v128_or(v128_or(near[0], near[1]), v128_or(near[2], near[3]))) {
            break;
        }
        for h in 0..4 {
            let (x, r) = (x[h], r[h]);
            // With the clamp: `raw = r + z`, `if raw < qmin { qmin } else { raw }`, then
            // `if low > qmax { qmax } else { low }`, `e = (q - z) · s - x`. Without it `q − z` is
            // `r` itself (integers below 2^53).
            let q_minus_z = if CLIP == clip::CLAMP {
                let raw = f64x2_add(r, z);
                let q = f64x2_pmin(f64x2_pmax(raw, qmin), qmax);
                clipped = i64x2_sub(clipped, f64x2_ne(q, raw));
                f64x2_sub(q, z)
            } else {
                r
            };
            let e = f64x2_sub(f64x2_mul(q_minus_z, s), x);
            let ae = f64x2_abs(e);
            let ax = f64x2_abs(x);
            let nz = f64x2_ne(ax, zero);
            l.x2[h] = f64x2_add(l.x2[h], f64x2_mul(x, x));
            l.e2[h] = f64x2_add(l.e2[h], f64x2_mul(e, e));
            l.abs_e[h] = f64x2_add(l.abs_e[h], ae);
            l.pct[h] = f64x2_add(l.pct[h], v128_and(f64x2_div(ae, ax), nz));
            // `if ae > m { ae } else { m }`, as the portable code.
            l.max_abs_e[h] = f64x2_pmax(l.max_abs_e[h], ae);
            nonzero = i64x2_sub(nonzero, nz);
        }
        row += 1;
    }
    let put = |v: &[v128; 4], a: &mut [f64; LANES]| {
        for (h, &v) in v.iter().enumerate() {
            (a[2 * h], a[2 * h + 1]) = (f64x2_extract_lane::<0>(v), f64x2_extract_lane::<1>(v));
        }
    };
    put(&l.x2, &mut sums.x2);
    put(&l.e2, &mut sums.e2);
    put(&l.abs_e, &mut sums.abs_e);
    put(&l.pct, &mut sums.pct);
    put(&l.max_abs_e, &mut sums.max_abs_e);
    let total = |v: v128| (i64x2_extract_lane::<0>(v) as u64).wrapping_add(i64x2_extract_lane::<1>(v) as u64);
    sums.nonzero[0] += total(nonzero);
    sums.clipped[0] += total(clipped);
    core::hint::black_box(touched);
    row * LANES
}
