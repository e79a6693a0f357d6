//! The fused float32 kernel written with AVX2 intrinsics.
//!
//! LLVM vectorizes the portable kernel's arithmetic but not its bookkeeping (the row's clip flags
//! and the float32 partial sums go through memory, several times the instructions of the work
//! itself); this loop keeps everything in registers and performs exactly the same float32
//! operations per lane, in the same order, as `analysis::Kernel::one` and `Partial::add`, so the
//! results are bit-for-bit the same (the property tests compare it with the per-element path).

use crate::analysis::Kernel;
use crate::metrics::{Accumulator, LANES, ROWS};
use core::arch::x86_64::*;

/// Runs whole rows of `LANES` values through the fused kernel; returns how many values it consumed.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn fused_rows<const MUL: bool>(xs: &[f32], k: &Kernel, acc: &mut Accumulator) -> usize {
    if k.clamp {
        rows::<MUL, true>(xs, k, acc)
    } else {
        rows::<MUL, false>(xs, k, acc)
    }
}

/// [`fused_rows`], with or without the clamp.
#[target_feature(enable = "avx2")]
unsafe fn rows<const MUL: bool, const CLAMP: bool>(xs: &[f32], k: &Kernel, acc: &mut Accumulator) -> usize {
    let (m, z, qmin, qmax, s) =
        (_mm256_set1_ps(k.m), _mm256_set1_ps(k.z), _mm256_set1_ps(k.qmin), _mm256_set1_ps(k.qmax), _mm256_set1_ps(k.s));
    let zero = _mm256_setzero_ps();
    let abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(i32::MAX));
    let p = &acc.part;
    // SAFETY (loads and stores of the partial sums): each is an array of LANES = 8 four-byte values,
    // one unaligned 256-bit access.
    let (mut x2, mut e2, mut ae_sum) = (_mm256_loadu_ps(p.x2.as_ptr()), _mm256_loadu_ps(p.e2.as_ptr()), _mm256_loadu_ps(p.abs_e.as_ptr()));
    let (mut pct, mut mx) = (_mm256_loadu_ps(p.pct.as_ptr()), _mm256_loadu_ps(p.max_abs_e.as_ptr()));
    let mut nzc = _mm256_loadu_si256(p.nonzero.as_ptr() as *const __m256i);
    let mut clc = _mm256_loadu_si256(p.clipped.as_ptr() as *const __m256i);
    let mut rows = acc.rows;
    let chunks = xs.chunks_exact(LANES);
    let consumed = xs.len() - chunks.remainder().len();
    for chunk in chunks {
        // SAFETY: the chunk holds LANES = 8 floats.
        let x = _mm256_loadu_ps(chunk.as_ptr());
        let v = if MUL { _mm256_mul_ps(x, m) } else { _mm256_div_ps(x, m) };
        let q = _mm256_add_ps(_mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v), z);
        // f32::clamp(q, qmin, qmax), a NaN kept: maxps/minps return their second operand on NaN.
        let qc = if CLAMP { _mm256_min_ps(qmax, _mm256_max_ps(qmin, q)) } else { q };
        let e = _mm256_sub_ps(_mm256_mul_ps(_mm256_sub_ps(qc, z), s), x);
        let ae = _mm256_and_ps(e, abs_mask);
        let ax = _mm256_and_ps(x, abs_mask);
        let nonzero = _mm256_cmp_ps::<_CMP_NEQ_UQ>(ax, zero);
        x2 = _mm256_add_ps(x2, _mm256_mul_ps(x, x));
        e2 = _mm256_add_ps(e2, _mm256_mul_ps(e, e));
        ae_sum = _mm256_add_ps(ae_sum, ae);
        pct = _mm256_add_ps(pct, _mm256_and_ps(_mm256_div_ps(ae, ax), nonzero));
        // `if ae > m { ae } else { m }`, as Partial::add.
        mx = _mm256_max_ps(ae, mx);
        nzc = _mm256_sub_epi32(nzc, _mm256_castps_si256(nonzero));
        if CLAMP {
            clc = _mm256_sub_epi32(clc, _mm256_castps_si256(_mm256_cmp_ps::<_CMP_NEQ_UQ>(q, qc)));
        }
        rows += 1;
        if rows == ROWS {
            store(acc, x2, e2, ae_sum, pct, mx, nzc, clc);
            acc.flush();
            (x2, e2, ae_sum, pct, mx) = (zero, zero, zero, zero, zero);
            (nzc, clc) = (_mm256_setzero_si256(), _mm256_setzero_si256());
            rows = 0;
        }
    }
    store(acc, x2, e2, ae_sum, pct, mx, nzc, clc);
    acc.rows = rows;
    consumed
}

/// Writes the register partial sums back into the accumulator.
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)] // one register per partial sum
unsafe fn store(acc: &mut Accumulator, x2: __m256, e2: __m256, ae: __m256, pct: __m256, mx: __m256, nz: __m256i, cl: __m256i) {
    let p = &mut acc.part;
    // SAFETY: each destination is an array of LANES = 8 four-byte values.
    _mm256_storeu_ps(p.x2.as_mut_ptr(), x2);
    _mm256_storeu_ps(p.e2.as_mut_ptr(), e2);
    _mm256_storeu_ps(p.abs_e.as_mut_ptr(), ae);
    _mm256_storeu_ps(p.pct.as_mut_ptr(), pct);
    _mm256_storeu_ps(p.max_abs_e.as_mut_ptr(), mx);
    _mm256_storeu_si256(p.nonzero.as_mut_ptr() as *mut __m256i, nz);
    _mm256_storeu_si256(p.clipped.as_mut_ptr() as *mut __m256i, cl);
}
