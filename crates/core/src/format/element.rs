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
    /// From the float32 bits, without branches (so block loops vectorize): a normal result rounds
    /// the float32 mantissa to `mantissa_bits` to nearest even (a carry moves into the exponent) and
    /// rebiases the exponent; a subnormal one is `|v| / 2^(emin − mantissa_bits)` rounded to an
    /// integer by adding and removing 2^23. Equal to the plain cast (tested on every float32 class).
    #[inline(always)]
    pub fn encode(&self, v: f32) -> u32 {
        let (mb, emin) = (self.mantissa_bits, 1 - self.bias);
        let sign = (v.to_bits() >> 31) << (self.exponent_bits + mb);
        let a = v.abs().min(self.max());
        let bits = a.to_bits();
        let shift = 23 - mb;
        let rounded = (bits + ((1 << (shift - 1)) - 1) + ((bits >> shift) & 1)) >> shift;
        let normal = rounded.wrapping_sub(((127 - self.bias) as u32) << mb);
        let subnormal = ((a * pow2(mb as i32 - emin) + 8_388_608.0) - 8_388_608.0) as u32;
        let magnitude = if a >= pow2(emin) { normal } else { subnormal };
        if v.is_nan() {
            0
        } else {
            sign | magnitude
        }
    }

    /// The value of a code, exact in float32 (from the bits for a normal code).
    #[inline(always)]
    pub fn decode(&self, code: u32) -> f32 {
        let mb = self.mantissa_bits;
        let field = (code >> mb) & ((1u32 << self.exponent_bits) - 1);
        let m = code & ((1u32 << mb) - 1);
        let normal = f32::from_bits(((field + 127 - self.bias as u32) << 23) | (m << (23 - mb)));
        let subnormal = m as f32 * pow2(1 - self.bias - mb as i32);
        let magnitude = if field == 0 { subnormal } else { normal };
        let sign = (code >> (self.exponent_bits + mb)) & 1;
        f32::from_bits(magnitude.to_bits() | (sign << 31))
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

    /// The cast written the plain way: the quantum at v's exponent, `round_ties_even`.
    fn encode_reference(m: &MiniFloat, v: f32) -> u32 {
        if v.is_nan() {
            return 0;
        }
        let sign = (v.to_bits() >> 31) << (m.exponent_bits + m.mantissa_bits);
        let a = v.abs().min(m.max());
        let e = exponent(a).max(1 - m.bias);
        let q = (a * pow2(m.mantissa_bits as i32 - e)).round_ties_even() as u32;
        let implicit = 1u32 << m.mantissa_bits;
        sign | if q >= implicit { (((e + m.bias) as u32) << m.mantissa_bits) + (q - implicit) } else { q }
    }

    #[test]
    fn the_bit_level_cast_is_the_plain_one() {
        for m in [E4M3, E5M2, E3M2, E2M3, E2M1] {
            // Every float32 with a stride, both signs, plus specials.
            let mut bits = 0u32;
            while bits < 0x7f80_0000 {
                for v in [f32::from_bits(bits), -f32::from_bits(bits)] {
                    assert_eq!(m.encode(v), encode_reference(&m, v), "{} {v:e}", m.name);
                }
                bits += 997;
            }
            for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0, m.max(), 1e-45] {
                assert_eq!(m.encode(v), encode_reference(&m, v), "{} {v:e}", m.name);
            }
            // decode: every code of a finite value, against the formula on exact integers.
            for code in 0..1u32 << m.bits() {
                let field = (code >> m.mantissa_bits) & ((1 << m.exponent_bits) - 1);
                let mant = code & ((1 << m.mantissa_bits) - 1);
                let magnitude = if field == 0 {
                    mant as f64 * 2f64.powi(1 - m.bias - m.mantissa_bits as i32)
                } else {
                    ((1 << m.mantissa_bits) + mant) as f64 * 2f64.powi(field as i32 - m.bias - m.mantissa_bits as i32)
                };
                let want = if code >> (m.bits() - 1) == 1 { -magnitude } else { magnitude };
                assert_eq!(m.decode(code) as f64, want, "{} code {code}", m.name);
                assert_eq!(m.decode(code).is_sign_negative(), code >> (m.bits() - 1) == 1);
            }
        }
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
