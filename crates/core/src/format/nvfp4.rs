//! NVFP4: 16 consecutive values of a row share an E4M3 scale, and the tensor has one float32 scale;
//! the elements are E2M1 (formats.md §4).
//!
//! Reference: torchao 0.18.0, `NVFP4Tensor.to_nvfp4(x, block_size=16,
//! per_tensor_scale=per_tensor_amax_to_scale(amax))` and `.dequantize(torch.float32)` (math in
//! `nvfp4_quantize`).
//!
//! ```text
//! pts = fl(A / 2688)                      A = amax of the whole tensor, 2688 = 448 · 6
//! s   = clamp(fl(fl(amax / 6) / pts), 2^−6, 448)     s8 = RNE cast of s to E4M3
//! r   = fl(fl(1 / pts) / s8)              v = clamp(fl(x · r), −6, 6)   element = RNE cast to E2M1
//! h   = fl(pts · s8)                      x̂ = fl(element · h)
//! ```
//!
//! Quantize and dequantize round differently (`(1/pts)/s8` in, `pts·s8` out): both as written. An
//! all-zero tensor (`pts = 0`; torchao returns NaN) gives zeros and a warning. bits per weight:
//! 4 + 8/16 + 32/(rows·cols). Codes: E2M1 nibbles, bit 3 the sign.

use super::block::{BlockScale, Sink};
use super::element::{decode_e2m1, encode_e2m1, E4M3};

/// Values per block.
pub const BLOCK: usize = 16;

/// `448 · 6`: E4M3's max times E2M1's.
const RANGE: f32 = 2688.0;

/// E4M3's smallest normal, `torch.finfo(float8_e4m3fn).tiny`: the floor of a block scale.
const SCALE_FLOOR: f32 = 0.015_625;

/// The tensor-level part: `pts` and `fl(1 / pts)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TensorScale {
    pub pts: f32,
    inverse: f32,
}

impl TensorScale {
    /// From the tensor's amax; `None` when `pts` is 0 (an all-zero tensor, or one so tiny that
    /// `A / 2688` underflows): the format is undefined there.
    pub fn new(tensor_amax: f32) -> Option<TensorScale> {
        let pts = tensor_amax / RANGE;
        (pts > 0.0 && pts.is_finite()).then(|| TensorScale { pts, inverse: 1.0 / pts })
    }
}

/// Quantizes one block of 16 values.
#[inline(always)]
pub(crate) fn block<S: Sink>(tensor: TensorScale, x: &[f32], sink: &mut S) -> BlockScale {
    let amax = super::round::amax(x);
    let s = (amax / 6.0 / tensor.pts).clamp(SCALE_FLOOR, 448.0);
    let bits = E4M3.encode(s);
    let s8 = E4M3.decode(bits);
    let r = tensor.inverse / s8;
    let h = tensor.pts * s8;
    // A whole block in lane-wise arrays first (vectorized), then handed to the sink.
    let (mut codes, mut xhats, mut clipped) = ([0i32; BLOCK], [0.0f32; BLOCK], 0u32);
    for ((v, code), xhat) in x.iter().zip(&mut codes).zip(&mut xhats) {
        let scaled = v * r;
        let c = encode_e2m1(scaled.clamp(-6.0, 6.0));
        (*code, *xhat) = (c as i32, decode_e2m1(c) * h);
        clipped += (scaled.abs() > 6.0) as u32;
    }
    let n = x.len().min(BLOCK);
    sink.put_block(&x[..n], &xhats[..n], &codes[..n], clipped as u64);
    BlockScale::E4M3 { value: s8, bits: bits as u8 }
}

/// The all-zero tensor: zeros, block scales at the floor (as a zero block in a nonzero tensor).
#[inline(always)]
pub(crate) fn zero_block<S: Sink>(x: &[f32], sink: &mut S) -> BlockScale {
    for &v in x {
        sink.put(v, 0.0, 0, false);
    }
    BlockScale::E4M3 { value: SCALE_FLOOR, bits: E4M3.encode(SCALE_FLOOR) as u8 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::block::FullSink;

    #[test]
    fn documented_example() {
        // formats.md §4: [−3 … 3 (16 values), 7, 1e−6 × 15]: pts = 0.0026041667442768812,
        // block scales 192 and 448, and the 7 comes back as 7.000000476837158.
        let mut x: Vec<f32> = (0..16).map(|i| -3.0 + 6.0 * i as f32 / 15.0).collect();
        x.push(7.0);
        x.extend([1e-6f32; 15]);
        let t = TensorScale::new(7.0).unwrap();
        assert_eq!(t.pts as f64, 0.002_604_166_744_276_881_2);
        let (mut dq, mut codes) = (Vec::new(), Vec::new());
        let mut sink = FullSink { acc: Default::default(), dequantized: &mut dq, codes: &mut codes };
        let first = block(t, &x[..16], &mut sink);
        let second = block(t, &x[16..], &mut sink);
        assert_eq!(first.multiplier(), 192.0);
        assert_eq!(second.multiplier(), 448.0);
        assert_eq!(dq[16] as f64, 7.000_000_476_837_158);
    }
}
