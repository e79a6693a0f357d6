//! From a stored code and its block's scale back to a value: the dequantize side of every format,
//! written once more on its own (the kernels fuse it into their loops), for the page's grids, the
//! property tests and anyone reading stored blocks.

use super::block::BlockScale;
use super::bnb::Table;
use super::element::{decode_e2m1, ElementType};
use super::preset::Preset;
use super::scale::e8m0_value;
use super::token::Format;

impl Format {
    /// The element type (its [`ElementType::grid`] is what the histogram draws, times the scale).
    pub fn element(&self) -> ElementType {
        match self {
            Format::Preset(p) => p.info().element,
            Format::Float { element, .. } => ElementType::Float(element.minifloat()),
            Format::Int { bits, .. } => {
                let half = 1i32 << (bits.bits() - 1);
                ElementType::Int { min: -half, max: half - 1 }
            }
        }
    }

    /// The smallest and largest stored code (bit patterns for floats, with the sign as top bit).
    pub fn code_range(&self) -> (i32, i32) {
        match self.element() {
            ElementType::Int { min, max } => (min, max),
            ElementType::Int8Scaled => (-127, 127),
            ElementType::Float(m) => (0, (1 << m.bits()) - 1),
            ElementType::Nf4 | ElementType::Fp4Bnb => (0, 15),
        }
    }

    /// `x̂` of a stored `code` in a block stored as `scale` (`per_tensor_scale`: NVFP4's `pts`),
    /// with the reference's roundings: GGUF `fl((code − n)·f16(d))` or `fl(fl(f16(d)·code) + f16(m))`,
    /// MX `fl(element · 2^(b−127))` (MXINT8 `fl(fl(code/64) · X)`), NVFP4 `fl(element · fl(pts·s8))`,
    /// bitsandbytes `fl(T[code] · absmax)`, float elements `fl(element · scale)`, integers
    /// `fl((q − z) · s)`. `None` when the scale does not belong to this format.
    pub fn dequantize_code(&self, code: i32, scale: &BlockScale, per_tensor_scale: Option<f32>) -> Option<f32> {
        let element = self.element();
        Some(match (*self, *scale) {
            (Format::Preset(Preset::Q8_0), BlockScale::F16 { d, min: None }) => code as f32 * d,
            (Format::Preset(Preset::Q4_0), BlockScale::F16 { d, min: None }) => (code - 8) as f32 * d,
            (Format::Preset(Preset::Q5_0), BlockScale::F16 { d, min: None }) => (code - 16) as f32 * d,
            (Format::Preset(Preset::Q4_1 | Preset::Q5_1), BlockScale::F16 { d, min: Some(m) }) => d * code as f32 + m,
            (Format::Preset(Preset::Mxint8), BlockScale::E8M0 { byte }) => (code as f32 / 64.0) * e8m0_value(byte),
            (Format::Preset(_), BlockScale::E8M0 { byte }) => match element {
                ElementType::Float(m) => m.decode(code as u32) * e8m0_value(byte),
                _ => return None,
            },
            (Format::Preset(Preset::Nvfp4), BlockScale::E4M3 { value, .. }) => decode_e2m1(code as u32) * (per_tensor_scale? * value),
            (Format::Preset(Preset::Nf4), BlockScale::Absmax { absmax }) => Table::Nf4.value(code) * absmax,
            (Format::Preset(Preset::Fp4Bnb), BlockScale::Absmax { absmax }) => Table::Fp4.value(code) * absmax,
            (Format::Float { element, .. }, BlockScale::F32 { scale }) => element.minifloat().decode(code as u32) * scale,
            (Format::Int { .. }, BlockScale::Int { scale, zero_point }) => (code - zero_point) as f32 * scale,
            _ => return None,
        })
    }
}
