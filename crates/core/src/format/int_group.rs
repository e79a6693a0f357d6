//! Integer groups in the PyTorch convention: int4 (−8..7) or int8 (−128..127), symmetric or affine,
//! per tensor, per channel (row) or per group along the row (formats.md §7).
//!
//! These are the per-channel rules of `conventions.md` §2 (the core's [`crate::params`], PyTorch
//! arithmetic) applied to the matrix reshaped to (rows·groups, group_size). Reference: torch 2.15.0
//! `PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=per_channel_symmetric |
//! per_channel_affine, quant_min, quant_max).calculate_qparams()`, then
//! `torch.fake_quantize_per_channel_affine`.
//!
//! ```text
//! mn = min(min, 0), mx = max(max, 0), eps = 2^−23
//! symmetric  s = max(fl(max(−mn, mx) / ((qmax − qmin)/2)), eps)    z = 0
//! affine     s = max(fl((mx − mn) / (qmax − qmin)), eps)           z = clamp(qmin − RNE(fl(mn / s)), qmin, qmax)
//! q = clamp(RNE(fl(x · fl(1/s))) + z, qmin, qmax)                   x̂ = fl((q − z) · s)
//! ```
//!
//! bits per weight: N + 64/group (a float32 scale and an int32 zero point per group, as PyTorch
//! stores them, symmetric included). Codes: q.

use super::block::{BlockScale, Sink};
use crate::dtype::Dtype;
use crate::error::QuantError;
use crate::params::{self, QParams, RangeInput};
use crate::spec::{Convention, QuantSpec, Scheme, SpecOptions};

/// The resolved PyTorch spec of an int group format (signed, `bits` wide, full range).
pub(crate) fn spec(bits: u32, scheme: Scheme) -> Result<QuantSpec, QuantError> {
    let dtype = Dtype::new(true, bits)?;
    QuantSpec::resolve(&SpecOptions { convention: Convention::Pytorch, dtype, scheme, ..SpecOptions::default() })
}

/// A group's scale and zero point from its min and max, by the core's PyTorch rule.
/// `Err` when the range is too wide for float32 (`mx − mn` overflows).
pub(crate) fn params_of(spec: &QuantSpec, min: f32, max: f32) -> Result<(f32, i32), String> {
    let (p, _warnings): (QParams, _) = QParams::from_range(spec, &RangeInput::new(min as f64, max as f64))?;
    Ok((p.scale as f32, p.zero_point as i32))
}

/// Quantizes one group with its parameters.
#[inline(always)]
pub(crate) fn block<S: Sink>(spec: &QuantSpec, scale: f32, zero_point: i32, x: &[f32], sink: &mut S) -> BlockScale {
    let (qmin, qmax) = (spec.range.qmin, spec.range.qmax);
    let inverse = 1.0 / scale;
    for &v in x {
        let r = super::round::ties_even(v * inverse);
        let raw = if r.is_finite() { r as i64 + zero_point as i64 } else { zero_point as i64 };
        let q = raw.clamp(qmin as i64, qmax as i64);
        let xhat = params::dequantize(q, zero_point as i64, scale as f64, true) as f32;
        sink.put(v, xhat, q as i32, raw != q);
    }
    BlockScale::Int { scale, zero_point }
}
