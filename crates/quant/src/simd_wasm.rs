//! The fused float32 kernel and the range pass written with wasm `simd128` instructions.
//!
//! LLVM leaves the portable kernel scalar on wasm; these loops perform exactly the same float32
//! operations per lane, in the same order, as `analysis::fused_loop` and `analysis::block_range`,
//! so results are bit-for-bit the same (the wasm tests in Chromium check it against the portable
//! code). Built only with `-C target-feature=+simd128` (the app's `.cargo/config.toml`).

use crate::analysis::Kernel;
use crate::metrics::{Accumulator, LANES, ROWS};
use core::arch::wasm32::*;

/// Values per call of the register loop: its 32-bit lane counts then hold at most 2^28 per lane.
const RUN: usize = 1 << 31;

/// Runs whole rows of `LANES` values through the fused kernel; returns how many values it consumed.
pub(crate) fn fused_rows<const MUL: bool>(xs: &[f32], k: &Kernel, acc: &mut Accumulator) -> usize {
    let mut done = 0;
    for run in xs.chunks(RUN) {
        let consumed = if k.clamp { rows::<MUL, true>(run, k, acc) } else { rows::<MUL, false>(run, k, acc) };
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

/// The fused kernel, as `simd_x86`: the float32 sums go into the f64 totals every `ROWS` rows
/// straight from the registers, and the running maximum and the counts stay in registers for the
/// whole run (a maximum and integer sums do not depend on how they are grouped).
#[inline(always)]
fn rows<const MUL: bool, const CLAMP: bool>(xs: &[f32], k: &Kernel, acc: &mut Accumulator) -> usize {
    let (m, z) = (f32x4_splat(k.m), f32x4_splat(k.z));
    let (qmin, qmax, s, zero) = (f32x4_splat(k.qmin), f32x4_splat(k.qmax), f32x4_splat(k.s), f32x4_splat(0.0));
    let load = |a: &[f32; LANES]| [f32x4(a[0], a[1], a[2], a[3]), f32x4(a[4], a[5], a[6], a[7])];
    let store = |v: &[v128; 2], a: &mut [f32; LANES]| {
        for (h, &half) in v.iter().enumerate() {
            // SAFETY: a [f32; 8] holds two v128 at offsets 0 and 4 floats; unaligned stores are fine in wasm.
            unsafe { v128_store(a.as_mut_ptr().add(4 * h) as *mut v128, half) };
        }
    };
    let store_u = |v: &[v128; 2], a: &mut [u32; LANES]| {
        for (h, &half) in v.iter().enumerate() {
            // SAFETY: as above, for u32.
            unsafe { v128_store(a.as_mut_ptr().add(4 * h) as *mut v128, half) };
        }
    };
    acc.take_counts();
    let p = &acc.part;
    let (mut x2, mut e2, mut ae_sum, mut pct, mut mx) = (load(&p.x2), load(&p.e2), load(&p.abs_e), load(&p.pct), load(&p.max_abs_e));
    let (mut nzc, mut clc) = ([zero; 2], [zero; 2]);
    let mut rows = acc.rows;
    let chunks = xs.chunks_exact(LANES);
    let consumed = xs.len() - chunks.remainder().len();
    for chunk in chunks {
        for h in 0..2 {
            // SAFETY: the chunk holds LANES = 8 floats; each half is 4 of them. Unaligned loads are fine in wasm.
            let x = unsafe { v128_load(chunk.as_ptr().add(4 * h) as *const v128) };
            let v = if MUL { f32x4_mul(x, m) } else { f32x4_div(x, m) };
            // wasm's own round-half-to-even, as f32::round_ties_even.
            let q = f32x4_add(f32x4_nearest(v), z);
            let qc = if CLAMP { f32x4_pmax(qmin, f32x4_pmin(qmax, q)) } else { q };
            let x_hat = f32x4_mul(f32x4_sub(qc, z), s);
            let e = f32x4_sub(x_hat, x);
            let ae = f32x4_abs(e);
            let ax = f32x4_abs(x);
            let nonzero = f32x4_ne(ax, zero);
            x2[h] = f32x4_add(x2[h], f32x4_mul(x, x));
            e2[h] = f32x4_add(e2[h], f32x4_mul(e, e));
            ae_sum[h] = f32x4_add(ae_sum[h], ae);
            // and with the mask: one instruction where bitselect takes three on x86.
            pct[h] = f32x4_add(pct[h], v128_and(f32x4_div(ae, ax), nonzero));
            mx[h] = f32x4_pmax(mx[h], ae);
            nzc[h] = i32x4_sub(nzc[h], nonzero);
            if CLAMP {
                clc[h] = i32x4_sub(clc[h], f32x4_ne(q, qc));
            }
        }
        rows += 1;
        if rows == ROWS {
            let t = &mut acc.total;
            for h in 0..2 {
                add_into(&mut t.x2, h, x2[h]);
                add_into(&mut t.e2, h, e2[h]);
                add_into(&mut t.abs_e, h, ae_sum[h]);
                add_into(&mut t.pct, h, pct[h]);
            }
            (x2, e2, ae_sum, pct) = ([zero; 2], [zero; 2], [zero; 2], [zero; 2]);
            rows = 0;
        }
    }
    let p = &mut acc.part;
    store(&x2, &mut p.x2);
    store(&e2, &mut p.e2);
    store(&ae_sum, &mut p.abs_e);
    store(&pct, &mut p.pct);
    store(&mx, &mut p.max_abs_e);
    store_u(&nzc, &mut p.nonzero);
    store_u(&clc, &mut p.clipped);
    acc.rows = rows;
    consumed
}

/// Smallest and largest finite value of a float32 run (±inf when none) and how many are not finite.
/// Plain min/max first (exact when every value is finite, as they nearly always are), otherwise
/// the run is read again with the non-finite values masked out, as `analysis::block_range`.
pub(crate) fn range_f32(xs: &[f32]) -> (f32, f32, u64) {
    match lanes_range::<false>(xs) {
        (lo, hi, 0) => (lo, hi, 0),
        _ => lanes_range::<true>(xs),
    }
}

/// The range in four independent accumulators, so the selects do not wait on each other.
#[inline(always)]
fn lanes_range<const MASKED: bool>(xs: &[f32]) -> (f32, f32, u64) {
    let inf = f32x4_splat(f32::INFINITY);
    let mut lo = [inf; 4];
    let mut hi = [f32x4_splat(f32::NEG_INFINITY); 4];
    let mut bad = [i32x4_splat(0); 4];
    let chunks = xs.chunks_exact(16);
    let rest = chunks.remainder();
    for chunk in chunks {
        for k in 0..4 {
            // SAFETY: the chunk holds 16 floats, 4 per k; unaligned loads are fine in wasm.
            let x = unsafe { v128_load(chunk.as_ptr().add(4 * k) as *const v128) };
            let ok = f32x4_lt(f32x4_abs(x), inf);
            if MASKED {
                lo[k] = v128_bitselect(x, lo[k], v128_and(ok, f32x4_lt(x, lo[k])));
                hi[k] = v128_bitselect(x, hi[k], v128_and(ok, f32x4_gt(x, hi[k])));
            } else {
                // `x < lo ? x : lo` and `hi < x ? x : hi`: a NaN never wins.
                lo[k] = f32x4_pmin(lo[k], x);
                hi[k] = f32x4_pmax(hi[k], x);
            }
            bad[k] = i32x4_sub(bad[k], v128_not(ok));
        }
    }
    let lanes = |v: v128| [f32x4_extract_lane::<0>(v), f32x4_extract_lane::<1>(v), f32x4_extract_lane::<2>(v), f32x4_extract_lane::<3>(v)];
    let ints = |v: v128| [i32x4_extract_lane::<0>(v), i32x4_extract_lane::<1>(v), i32x4_extract_lane::<2>(v), i32x4_extract_lane::<3>(v)];
    let mut min = lo.iter().flat_map(|&v| lanes(v)).fold(f32::INFINITY, f32::min);
    let mut max = hi.iter().flat_map(|&v| lanes(v)).fold(f32::NEG_INFINITY, f32::max);
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
