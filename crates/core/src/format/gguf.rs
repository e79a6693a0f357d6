//! GGUF block types Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 (formats.md §2): 32 consecutive values of a row
//! share a float16 `d` (and a float16 minimum for `Q*_1`).
//!
//! Reference: gguf-py (`gguf`) 0.19.0, `gguf.quants.quantize` / `gguf.quants.dequantize` (the
//! `Q8_0 Q4_0 Q4_1 Q5_0 Q5_1` classes of `gguf/quants.py`, ggml's `quantize_row_q*_ref`), all in
//! float32 numpy arithmetic. **The codes use the float32 `d`; dequantization uses `f16(d)`.**
//! `id = 0` when `d == 0`, else `fl(1/d)`; a non-finite code (`d` so small that `1/d` is infinite) is 0.
//!
//! ```text
//! Q8_0   d = fl(amax / 127)            code = round_half_away(fl(x·id))           x̂ = fl(code · f16(d))
//! Q4_0   d = fl(mx / −8)  (mx: the first element of largest |x|, sign kept)
//!        code = min(15, trunc(fl(fl(x·id) + 8.5)))                              x̂ = fl((code − 8) · f16(d))
//! Q5_0   as Q4_0 with 16, 16.5, 31
//! Q4_1   d = fl(fl(max − min) / 15)  code = min(15, trunc(fl(fl(fl(x − min)·id) + 0.5)))
//!        x̂ = fl(fl(f16(d) · code) + f16(min))
//! Q5_1   as Q4_1 with 31
//! ```
//!
//! bits per weight: Q8_0 8.5, Q4_0 4.5, Q4_1 5.0, Q5_0 5.5, Q5_1 6.0. Codes as the JSON lists them:
//! int8 for Q8_0, 0..15 or 0..31 otherwise.

use super::block::{BlockScale, Sink};
use super::round::{clamped_code, half_away, integral_code, trunc_to_i32_or_zero};
use super::scale::f16_round;

/// Values per block.
pub const BLOCK: usize = 32;

/// A GGUF block type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GgufType {
    /// 8-bit, symmetric, `d = amax / 127`.
    Q8_0,
    /// 4-bit, `d = mx / −8`.
    Q4_0,
    /// 4-bit with a minimum.
    Q4_1,
    /// 5-bit, `d = mx / −16`.
    Q5_0,
    /// 5-bit with a minimum.
    Q5_1,
}

/// `id = 0` for `d == 0`, else `fl(1/d)`.
#[inline(always)]
fn inverse(d: f32) -> f32 {
    if d == 0.0 {
        0.0
    } else {
        1.0 / d
    }
}

/// Quantizes one block of 32 values. `amax`: the block's `round::amax`, when already taken
/// (compare shares it between formats), else taken here.
#[inline(always)]
pub(crate) fn block<S: Sink>(kind: GgufType, x: &[f32], amax: Option<f32>, sink: &mut S) -> BlockScale {
    let amax = || amax.unwrap_or_else(|| super::round::amax(x));
    match kind {
        GgufType::Q8_0 => q8_0(x, amax(), sink),
        GgufType::Q4_0 => q_0(x, amax(), 8, sink),
        GgufType::Q5_0 => q_0(x, amax(), 16, sink),
        GgufType::Q4_1 => q_1(x, 15, sink),
        GgufType::Q5_1 => q_1(x, 31, sink),
    }
}

#[inline(always)]
fn q8_0<S: Sink>(x: &[f32], amax: f32, sink: &mut S) -> BlockScale {
    let d = amax / 127.0;
    let id = inverse(d);
    let dh = f16_round(d);
    // A whole block in lane-wise arrays first (vectorized), then handed to the sink.
    let (mut codes, mut xhats) = ([0i32; BLOCK], [0.0f32; BLOCK]);
    for ((v, code), xhat) in x.iter().zip(&mut codes).zip(&mut xhats) {
        // f32::round is round half away from zero, exactly as gguf-py's np_roundf.
        let q = half_away(v * id);
        *code = trunc_to_i32_or_zero(q);
        // `code as f32` from the float (the integer is only kept by the full path): vectorized.
        *xhat = integral_code(q) * dh;
    }
    let len = x.len().min(BLOCK);
    sink.put_block(&x[..len], &xhats[..len], &codes[..len], 0);
    BlockScale::F16 { d: dh, min: None }
}

/// Q4_0 (`n = 8`) and Q5_0 (`n = 16`).
#[inline(always)]
fn q_0<S: Sink>(x: &[f32], amax: f32, n: i32, sink: &mut S) -> BlockScale {
    // The first element of the largest magnitude (numpy argmax), with its sign.
    // The largest |v| first (vectorized), then the first value of that magnitude; none (all zero or
    // NaN) leaves mx = +0, as the in-order search `if |v| > amax` from 0 does.
    let mx = if amax > 0.0 { x.iter().copied().find(|v| v.abs() == amax).unwrap_or(0.0) } else { 0.0 };
    let d = mx / -(n as f32);
    let id = inverse(d);
    let dh = f16_round(d);
    let offset = n as f32 + 0.5;
    let top = (2 * n - 1) as f32;
    // A whole block in lane-wise arrays first (vectorized), then handed to the sink.
    let (mut codes, mut xhats, mut clipped) = ([0i32; BLOCK], [0.0f32; BLOCK], 0u32);
    for ((v, code), xhat) in x.iter().zip(&mut codes).zip(&mut xhats) {
        // With an infinite id (d < ~2.9e-39) gguf-py's NaN and ±inf cast to code 0 (numpy astype(uint8)).
        // min(top, trunc(·)) and its clipping in float32 (round::clamped_code), the integer only kept.
        let (c, over) = clamped_code(v * id + offset, top);
        *code = c as i32;
        *xhat = (c - n as f32) * dh;
        clipped += over as u32;
    }
    let len = x.len().min(BLOCK);
    sink.put_block(&x[..len], &xhats[..len], &codes[..len], clipped as u64);
    BlockScale::F16 { d: dh, min: None }
}

/// Q4_1 (`n = 15`) and Q5_1 (`n = 31`).
#[inline(always)]
fn q_1<S: Sink>(x: &[f32], n: i32, sink: &mut S) -> BlockScale {
    let (mut mn, mut mxv) = super::round::min_max(x);
    if x.is_empty() {
        (mn, mxv) = (0.0, 0.0);
    }
    let d = (mxv - mn) / n as f32;
    let id = inverse(d);
    let (dh, mh) = (f16_round(d), f16_round(mn));
    // A whole block in lane-wise arrays first (vectorized), then handed to the sink.
    let (mut codes, mut xhats, mut clipped) = ([0i32; BLOCK], [0.0f32; BLOCK], 0u32);
    for ((v, code), xhat) in x.iter().zip(&mut codes).zip(&mut xhats) {
        let (c, over) = clamped_code((v - mn) * id + 0.5, n as f32);
        *code = c as i32;
        *xhat = dh * c + mh;
        clipped += over as u32;
    }
    let len = x.len().min(BLOCK);
    sink.put_block(&x[..len], &xhats[..len], &codes[..len], clipped as u64);
    BlockScale::F16 { d: dh, min: Some(mh) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::block::FullSink;

    fn run(kind: GgufType, x: &[f32]) -> (Vec<f32>, Vec<i32>) {
        let (mut dq, mut codes) = (Vec::new(), Vec::new());
        let mut sink = FullSink { acc: Default::default(), dequantized: &mut dq, codes: &mut codes };
        block(kind, x, None, &mut sink);
        (dq, codes)
    }

    #[test]
    fn documented_examples() {
        // formats.md §2: amax 0.1 comes back as 0.09998178482055664, the tie −0.05 as −0.050384521484375.
        let mut x = vec![0.0f32; 32];
        x[0] = 0.1;
        x[1] = -0.05;
        let (dq, _) = run(GgufType::Q8_0, &x);
        assert_eq!(dq[0] as f64, 0.099_981_784_820_556_64);
        assert_eq!(dq[1] as f64, -0.050_384_521_484_375);
        // The element opposite to mx is clipped: [2, −2, 1] gives [2, −1.75, 1].
        let mut x = vec![0.0f32; 32];
        x[..3].copy_from_slice(&[2.0, -2.0, 1.0]);
        assert_eq!(&run(GgufType::Q4_0, &x).0[..3], &[2.0, -1.75, 1.0]);
        x[..3].copy_from_slice(&[-2.0, 2.0, 1.0]);
        assert_eq!(&run(GgufType::Q4_0, &x).0[..3], &[-2.0, 1.75, 1.0]);
        // A constant block: d = 0, x̂ = f16(min).
        assert!(run(GgufType::Q4_1, &[0.37; 32]).0.iter().all(|v| *v as f64 == 0.370_117_187_5));
    }
}
