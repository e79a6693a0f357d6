//! Float elements with one float32 scale: fp8-e4m3, fp8-e5m2, fp6-e3m2, fp6-e2m3, fp4-e2m1,
//! symmetric, per tensor, per channel (row) or per group along the row (formats.md §6).
//!
//! Reference: fp8: torch 2.15.0, `torch.clamp` then `.to(torch.float8_e4m3fn)` /
//! `.to(torch.float8_e5m2)` and back to float32 (torchao's float8 pattern), checked against
//! ml_dtypes 0.7.0; fp4-e2m1: ml_dtypes 0.7.0 `astype(float4_e2m1fn)`, checked against torchao's
//! `_f32_to_floatx_unpacked`; fp6 follows the same rule with the MX element types.
//!
//! ```text
//! scale   = fl(amax / fmax), or 1 when that is 0          fmax = 448, 57344, 28, 7.5 or 6
//! element = RNE cast of clamp(fl(x / scale), −fmax, fmax)
//! x̂       = fl(element · scale)
//! ```
//!
//! A group with amax < fmax·2^−126 has a subnormal scale: `x / scale` may then exceed fmax a little
//! and is saturated by the clamp. bits per weight: element bits + 32/n, n the values sharing a
//! scale. Codes: the element bit patterns.

use super::block::{BlockScale, Sink};
use super::element::MiniFloat;

/// `fl(amax / fmax)`, or 1 when that is 0.
#[inline(always)]
pub(crate) fn scale_of(element: MiniFloat, amax: f32) -> f32 {
    let s = amax / element.max();
    if s == 0.0 {
        1.0
    } else {
        s
    }
}

/// Quantizes one group (or row, or a row of a per-tensor scope) with the given scale.
#[inline(always)]
pub(crate) fn block<S: Sink>(element: MiniFloat, scale: f32, x: &[f32], sink: &mut S) -> BlockScale {
    // Runs of 64 in lane-wise arrays (vectorized), each handed to the sink at once.
    const RUN: usize = 64;
    let max = element.max();
    for run in x.chunks(RUN) {
        let (mut codes, mut xhats, mut clipped) = ([0i32; RUN], [0.0f32; RUN], 0u32);
        for ((v, code), xhat) in run.iter().zip(&mut codes).zip(&mut xhats) {
            let scaled = v / scale;
            let c = element.encode(scaled.clamp(-max, max));
            (*code, *xhat) = (c as i32, element.decode(c) * scale);
            clipped += (scaled.abs() > max) as u32;
        }
        sink.put_run(run, &xhats[..run.len()], &codes[..run.len()], clipped as u64);
    }
    BlockScale::F32 { scale }
}
