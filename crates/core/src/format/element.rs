//! Element codecs: the small number types a block's values are stored in.
//!
//! - [`MiniFloat`]: sign, `exponent_bits`, `mantissa_bits`, a bias, subnormals, no infinity in the
//!   range used (values are clamped to ±max before the cast, formats.md §1, so `ml_dtypes`' E4M3 NaN
//!   for 500 and E5M2's overflow to infinity never happen). Casts round to nearest, ties to even.
//! - Integers (GGUF codes, MXINT8, PyTorch int4/int8) are plain `i32` codes; their grids are ranges.
//! - Lookup tables (NF4, bitsandbytes FP4) live in [`super::bnb`].
//!
//! [`ElementType::grid`] lists the representable values (unscaled), for the page's histogram.

use super::bnb;
use super::round::ties_even;
use super::scale::{exponent, pow2};
use serde::Serialize;

/// A small binary float: `(−1)^s · 2^(e − bias) · 1.m` for a nonzero exponent field `e`,
/// `(−1)^s · 2^(1 − bias) · 0.m` for `e = 0`. Codes are `s | e | m`, the sign as the top bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct MiniFloat {
    /// Name as the formats are written: `e4m3`, `e5m2`, `e3m2`, `e2m3`, `e2m1`.
    pub name: &'static str,
    /// Exponent field width.
    pub exponent_bits: u32,
    /// Mantissa field width.
    pub mantissa_bits: u32,
    /// Exponent bias.
    pub bias: i32,
    /// Largest finite magnitude, as a float32 bit pattern (consts cannot hold a float compare).
    max_bits: u32,
}

/// float8 E4M3 "fn" (no infinity; S.1111.111 is NaN): max 448, smallest subnormal 2^−9 (torch `float8_e4m3fn`).
pub const E4M3: MiniFloat = MiniFloat { name: "e4m3", exponent_bits: 4, mantissa_bits: 3, bias: 7, max_bits: 0x43e0_0000 };
/// float8 E5M2 (IEEE-like): max 57344, smallest subnormal 2^−16 (torch `float8_e5m2`).
pub const E5M2: MiniFloat = MiniFloat { name: "e5m2", exponent_bits: 5, mantissa_bits: 2, bias: 15, max_bits: 0x4760_0000 };
/// float6 E3M2 (no infinity or NaN): max 28, smallest subnormal 0.0625 (OCP MX v1.0).
pub const E3M2: MiniFloat = MiniFloat { name: "e3m2", exponent_bits: 3, mantissa_bits: 2, bias: 3, max_bits: 0x41e0_0000 };
/// float6 E2M3 (no infinity or NaN): max 7.5, smallest subnormal 0.125 (OCP MX v1.0).
pub const E2M3: MiniFloat = MiniFloat { name: "e2m3", exponent_bits: 2, mantissa_bits: 3, bias: 1, max_bits: 0x40f0_0000 };
/// float4 E2M1 (no infinity or NaN): 0, 0.5, 1, 1.5, 2, 3, 4, 6 (OCP MX v1.0, NVFP4's element).
pub const E2M1: MiniFloat = MiniFloat { name: "e2m1", exponent_bits: 2, mantissa_bits: 1, bias: 1, max_bits: 0x40c0_0000 };

impl MiniFloat {
    /// The largest finite magnitude.
    #[inline(always)]
    pub fn max(&self) -> f32 {
        f32::from_bits(self.max_bits)
    }

    /// Total bits of a code (sign included).
    pub fn bits(&self) -> u32 {
        1 + self.exponent_bits + self.mantissa_bits
    }

    /// `emax_elem`: the exponent of the largest normal (OCP MX's scale rule subtracts it).
    pub fn emax(&self) -> i32 {
        exponent(self.max())
    }

    /// Round-to-nearest-even cast of `v`, saturating at ±max, sign of zero kept; NaN gives code 0.
    ///
    /// Computed from the float32 bits: the quantum at `v`'s exponent (or the subnormal quantum) is a
    /// power of two, so `v / quantum` is exact and `round_ties_even` is the cast's rounding.
    #[inline(always)]
    pub fn encode(&self, v: f32) -> u32 {
        if v.is_nan() {
            return 0;
        }
        let sign = (v.to_bits() >> 31) << (self.exponent_bits + self.mantissa_bits);
        let a = v.abs().min(self.max());
        let emin = 1 - self.bias;
        let e = exponent(a).max(emin);
        let m = ties_even(a * pow2(self.mantissa_bits as i32 - e)) as u32;
        let implicit = 1u32 << self.mantissa_bits;
        let magnitude = if m >= implicit {
            // Normal (a carry to 2·implicit moves to the next exponent with mantissa 0, the same bits).
            (((e + self.bias) as u32) << self.mantissa_bits) + (m - implicit)
        } else {
            m
        };
        sign | magnitude
    }

    /// The value of a code, exact in float32.
    #[inline(always)]
    pub fn decode(&self, code: u32) -> f32 {
        let mantissa_mask = (1u32 << self.mantissa_bits) - 1;
        let field = (code >> self.mantissa_bits) & ((1u32 << self.exponent_bits) - 1);
        let m = code & mantissa_mask;
        let magnitude = if field == 0 {
            m as f32 * pow2(1 - self.bias - self.mantissa_bits as i32)
        } else {
            ((1u32 << self.mantissa_bits) + m) as f32 * pow2(field as i32 - self.bias - self.mantissa_bits as i32)
        };
        if code >> (self.exponent_bits + self.mantissa_bits) & 1 == 1 {
            -magnitude
        } else {
            magnitude
        }
    }

    /// Every finite value, ascending, −0 left out.
    pub fn grid(&self) -> Vec<f32> {
        let positive: Vec<f32> =
            (0..1u32 << (self.exponent_bits + self.mantissa_bits)).map(|c| self.decode(c)).filter(|v| *v <= self.max()).collect();
        let mut all: Vec<f32> = positive.iter().rev().filter(|v| **v > 0.0).map(|v| -v).collect();
        all.extend(positive);
        all
    }
}

/// E2M1 by comparisons: the magnitude index is the number of midpoints below `|v|`, with the ties
/// at 0.25, 1.25, 2.5 going down and 0.75, 1.75, 3.5, 5 going up (to the even code). Equal to
/// `E2M1.encode` (tested), and the form the fused loops use.
#[inline(always)]
pub fn encode_e2m1(v: f32) -> u32 {
    let a = v.abs();
    let index = (a > 0.25) as u32
        + (a >= 0.75) as u32
        + (a > 1.25) as u32
        + (a >= 1.75) as u32
        + (a > 2.5) as u32
        + (a >= 3.5) as u32
        + (a > 5.0) as u32;
    ((v.to_bits() >> 31) << 3) | index
}

/// The E2M1 magnitudes by code.
pub const E2M1_VALUES: [f32; 8] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0];

/// E2M1 code to value, from the bits (no table, so block loops vectorize): magnitude index i ≥ 2 is
/// `2^((i >> 1) − 1) · (1 + (i & 1)/2)`, i = 1 is 0.5, i = 0 is 0.
#[inline(always)]
pub fn decode_e2m1(code: u32) -> f32 {
    let i = code & 7;
    let magnitude = if i >= 2 { (((i >> 1) + 126) << 23) | ((i & 1) << 22) } else { i * (126 << 23) };
    f32::from_bits(magnitude | ((code & 8) << 28))
}

/// An element type, for listing its grid (the page's histogram) and naming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElementType {
    /// Integer codes `min..=max` (the value is `(code − offset) · scale` or `code · d + m`).
    Int {
        /// Smallest code.
        min: i32,
        /// Largest code.
        max: i32,
    },
    /// MXINT8: `code / 64` for code in −127..=127.
    Int8Scaled,
    /// A small float.
    Float(MiniFloat),
    /// bitsandbytes NF4 table.
    Nf4,
    /// bitsandbytes FP4 table.
    Fp4Bnb,
}

impl ElementType {
    /// Every representable unscaled value, ascending (the block's values are these times its scale).
    pub fn grid(&self) -> Vec<f32> {
        match self {
            ElementType::Int { min, max } => (*min..=*max).map(|c| c as f32).collect(),
            ElementType::Int8Scaled => (-127..=127).map(|c| c as f32 / 64.0).collect(),
            ElementType::Float(m) => m.grid(),
            ElementType::Nf4 => bnb::NF4.to_vec(),
            ElementType::Fp4Bnb => {
                let mut v = bnb::FP4_SORTED.to_vec();
                v.dedup();
                v
            }
        }
    }

    /// Bits per element.
    pub fn bits(&self) -> u32 {
        match self {
            ElementType::Int { min, max } => 32 - ((*max - *min) as u32).leading_zeros(),
            ElementType::Int8Scaled => 8,
            ElementType::Float(m) => m.bits(),
            ElementType::Nf4 | ElementType::Fp4Bnb => 4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maxima() {
        assert_eq!((E4M3.max(), E5M2.max(), E3M2.max(), E2M3.max(), E2M1.max()), (448.0, 57344.0, 28.0, 7.5, 6.0));
        assert_eq!((E4M3.emax(), E5M2.emax(), E3M2.emax(), E2M3.emax(), E2M1.emax()), (8, 15, 4, 2, 2));
    }

    #[test]
    fn casts_saturate_and_round_ties_to_even() {
        let cast = |m: &MiniFloat, v: f32| m.decode(m.encode(v));
        assert_eq!(cast(&E4M3, 500.0), 448.0);
        assert_eq!(cast(&E4M3, 300.0), 288.0);
        assert_eq!(cast(&E4M3, 2f32.powi(-10)), 0.0);
        assert_eq!(cast(&E4M3, 3.0 * 2f32.powi(-10)), 2f32.powi(-8));
        assert_eq!(cast(&E5M2, 1e9), 57344.0);
        for (v, want) in [(6.5, 6.0), (5.0, 4.0), (2.5, 2.0), (0.25, 0.0), (0.75, 1.0), (-3.5, -4.0), (1.25, 1.0), (1.75, 2.0)] {
            assert_eq!(cast(&E2M1, v), want, "{v}");
        }
        assert_eq!(E4M3.encode(-0.0), 0x80);
        assert_eq!(E4M3.encode(448.0), 0x7e);
        assert_eq!(E5M2.encode(57344.0), 0x7b);
    }

    #[test]
    fn the_fast_e2m1_is_the_generic_cast() {
        let mut v = -7.0f32;
        while v <= 7.0 {
            assert_eq!(encode_e2m1(v.clamp(-6.0, 6.0)), E2M1.encode(v), "{v}");
            assert_eq!(decode_e2m1(encode_e2m1(v)).to_bits(), E2M1.decode(E2M1.encode(v)).to_bits());
            v += 1.0 / 64.0;
        }
    }

    #[test]
    fn grids() {
        assert_eq!(E2M1.grid(), vec![-6.0, -4.0, -3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]);
        assert_eq!(E4M3.grid().len(), 253);
        assert_eq!(E5M2.grid().len(), 247);
        assert_eq!(ElementType::Nf4.grid().len(), 16);
        assert_eq!(ElementType::Fp4Bnb.grid().len(), 15);
        assert_eq!(ElementType::Int { min: -8, max: 7 }.bits(), 4);
    }
}
