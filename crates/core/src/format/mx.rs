//! OCP Microscaling (MX v1.0): MXFP8 (E4M3, E5M2), MXFP6 (E3M2, E2M3), MXFP4 (E2M1) and MXINT8.
//! 32 consecutive values of a row share one E8M0 scale, a power of two (formats.md §3).
//!
//! Reference: torchao 0.18.0, `torchao.prototype.mx_formats.mx_tensor.MXTensor.to_mx(x, elem_dtype,
//! block_size=32, scaling_mode=ScaleCalculationMode.FLOOR)` and `.dequantize(torch.float32)`
//! (functions `to_mx`, `to_dtype`, `get_fp_scale`; fp6/fp4 casts
//! `torchao.prototype.custom_fp_utils._f32_to_floatx_unpacked`), cross-checked bit for bit against
//! Microsoft's microxcaling (`mx.mx_ops._quantize_mx`, `round="even"`, commit 7bc4195). MXINT8 follows
//! the spec (torchao has none), as microxcaling's int8.
//!
//! ```text
//! MX float   e = clamp(E(amax) − emax_elem, −127, 127)   b = e + 127   X = 2^e
//!            element = RNE cast of fl(x / X), saturating at ±max      x̂ = fl(element · X)
//! MXINT8     e = clamp(E(amax), −127, 127)                X = 2^e
//!            code = clamp(RNE(fl(fl(x / X) · 64)), −127, 127)          x̂ = fl(fl(code / 64) · X)
//! ```
//!
//! `E(v)` is read from the float32 bits. `x / X` is computed as `x · 2^−e`: both are the exact
//! quotient rounded once (2^−e is a float32 for every e in −127..=127), and a product is cheaper. At b = 0 this follows the spec (2^−127 both ways), not
//! torchao, which divides by 2^−126 there. bits per weight: element bits + 8/32 (MXFP8 and MXINT8
//! 8.25, MXFP6 6.25, MXFP4 4.25). Codes: the element bit patterns (sign as the top bit), the int8
//! code for MXINT8.

use super::block::{BlockScale, Sink};
use super::element::{decode_e2m1, encode_e2m1, MiniFloat, E2M1};
use super::round::ties_even;
use super::scale::{e8m0_byte, exponent, pow2};

/// Values per block.
pub const BLOCK: usize = 32;

/// An MX element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MxElement {
    /// A small float (E4M3, E5M2, E3M2, E2M3, E2M1).
    Float(MiniFloat),
    /// INT8 with an implicit 2^−6, symmetric (−127..=127).
    Int8,
}

/// Quantizes one block of 32 values. `amax`: the block's `round::amax`, when already taken
/// (compare shares it between formats), else taken here.
#[inline(always)]
pub(crate) fn block<S: Sink>(element: MxElement, x: &[f32], amax: Option<f32>, sink: &mut S) -> BlockScale {
    let amax = amax.unwrap_or_else(|| super::round::amax(x));
    match element {
        MxElement::Float(m) if m == E2M1 => {
            let e = (exponent(amax) - m.emax()).clamp(-127, 127);
            let (scale, inverse) = (pow2(e), pow2(-e));
            // A whole block in lane-wise arrays first (vectorized), then handed to the sink.
            let (mut codes, mut xhats, mut clipped) = ([0i32; BLOCK], [0.0f32; BLOCK], 0u32);
            for ((v, code), xhat) in x.iter().zip(&mut codes).zip(&mut xhats) {
                let scaled = v * inverse;
                let c = encode_e2m1(scaled.clamp(-6.0, 6.0));
                (*code, *xhat) = (c as i32, decode_e2m1(c) * scale);
                clipped += (scaled.abs() > 6.0) as u32;
            }
            let n = x.len().min(BLOCK);
            sink.put_block(&x[..n], &xhats[..n], &codes[..n], clipped as u64);
            BlockScale::E8M0 { byte: e8m0_byte(e) }
        }
        MxElement::Float(m) => {
            let e = (exponent(amax) - m.emax()).clamp(-127, 127);
            let (scale, inverse) = (pow2(e), pow2(-e));
            let max = m.max();
            let (mut codes, mut xhats, mut clipped) = ([0i32; BLOCK], [0.0f32; BLOCK], 0u32);
            for ((v, code), xhat) in x.iter().zip(&mut codes).zip(&mut xhats) {
                let scaled = v * inverse;
                let c = m.encode(scaled);
                (*code, *xhat) = (c as i32, m.decode(c) * scale);
                clipped += (scaled.abs() > max) as u32;
            }
            let n = x.len().min(BLOCK);
            sink.put_block(&x[..n], &xhats[..n], &codes[..n], clipped as u64);
            BlockScale::E8M0 { byte: e8m0_byte(e) }
        }
        MxElement::Int8 => {
            let e = exponent(amax).clamp(-127, 127);
            let (scale, inverse) = (pow2(e), pow2(-e));
            for &v in x {
                let r = ties_even((v * inverse) * 64.0);
                let code = r.clamp(-127.0, 127.0) as i32;
                sink.put(v, (code as f32 / 64.0) * scale, code, r.abs() > 127.0);
            }
            BlockScale::E8M0 { byte: e8m0_byte(e) }
        }
    }
}
