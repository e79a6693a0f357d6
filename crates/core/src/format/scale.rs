//! Scale storage: how a block's scale is kept next to its elements, and the exact bit-level helpers
//! the scale rules need (`E(v)`, powers of two, float16 rounding).
//!
//! Reference: `../shared/reference/formats.md` §1 (notation). `E(v)` is read from the float32 bits,
//! never from a float `log2` (gguf-py's own MXFP4 takes a `log2` and rounds up just below a power of
//! two, which is why it is not the OCP rule).

use serde::Serialize;

/// Where a block's scale lives and in how many bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScaleStorage {
    /// A float32 per block (bitsandbytes absmax, fp8/fp4 with one float32 scale).
    F32,
    /// A float32 scale and an int32 zero point per group, as PyTorch stores them.
    F32WithZeroPoint,
    /// An IEEE float16 `d` per block (GGUF `Q*_0`).
    F16,
    /// A float16 `d` and a float16 minimum per block (GGUF `Q*_1`).
    F16WithMin,
    /// One E8M0 byte per block: a power of two `2^(b - 127)` (OCP Microscaling).
    E8M0,
    /// One E4M3 byte per block and one float32 per tensor (NVFP4).
    E4M3WithTensorF32,
}

impl ScaleStorage {
    /// Bits stored per block (or group).
    pub fn bits_per_block(self) -> u64 {
        match self {
            ScaleStorage::F32 => 32,
            ScaleStorage::F32WithZeroPoint => 64,
            ScaleStorage::F16 => 16,
            ScaleStorage::F16WithMin => 32,
            ScaleStorage::E8M0 | ScaleStorage::E4M3WithTensorF32 => 8,
        }
    }

    /// Bits stored once per tensor (NVFP4's float32 second-level scale).
    pub fn bits_per_tensor(self) -> u64 {
        match self {
            ScaleStorage::E4M3WithTensorF32 => 32,
            _ => 0,
        }
    }

    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            ScaleStorage::F32 => "float32",
            ScaleStorage::F32WithZeroPoint => "float32 + int32 zero point",
            ScaleStorage::F16 => "float16",
            ScaleStorage::F16WithMin => "float16 d + float16 min",
            ScaleStorage::E8M0 => "E8M0",
            ScaleStorage::E4M3WithTensorF32 => "E4M3 + float32 per tensor",
        }
    }
}

/// `E(v)`: the biased exponent field of a float32 minus 127 (floor(log2 |v|) for a normal v, −127
/// for zero and float32 subnormals), read from the bits.
#[inline(always)]
pub fn exponent(v: f32) -> i32 {
    ((v.to_bits() >> 23) & 0xff) as i32 - 127
}

/// `2^e` as a float32, exact for `e` in −149..=127 (subnormal below −126); `e` is clamped to that range.
#[inline(always)]
pub fn pow2(e: i32) -> f32 {
    let e = e.clamp(-149, 127);
    if e >= -126 {
        f32::from_bits(((e + 127) as u32) << 23)
    } else {
        f32::from_bits(1u32 << (e + 149))
    }
}

/// `f16(v)`: float32 to IEEE binary16 and back, round to nearest even, subnormals kept (the
/// smallest is 2^−24), overflow to infinity: numpy's `astype(np.float16)` (numpy 2.4.6), through
/// the `half` crate's `f16::from_f32` (half 2).
#[inline(always)]
pub fn f16_round(v: f32) -> f32 {
    half::f16::from_f32(v).to_f32()
}

/// The E8M0 byte `b` of a power-of-two scale `2^e`: `b = e + 127` (0..=254; 255 is NaN and never made).
#[inline(always)]
pub fn e8m0_byte(e: i32) -> u8 {
    (e.clamp(-127, 127) + 127) as u8
}

/// The scale an E8M0 byte stores: `2^(b − 127)`, 2^−127 being a float32 subnormal (NaN for 255).
pub fn e8m0_value(b: u8) -> f32 {
    if b == 255 {
        f32::NAN
    } else {
        pow2(b as i32 - 127)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponent_from_bits() {
        assert_eq!(exponent(1.0), 0);
        assert_eq!(exponent(0.999_999_94), -1);
        assert_eq!(exponent(-6.0), 2);
        assert_eq!(exponent(0.0), -127);
        assert_eq!(exponent(1e-40), -127);
        assert_eq!(exponent(f32::MIN_POSITIVE), -126);
    }

    #[test]
    fn powers_of_two() {
        assert_eq!(pow2(0), 1.0);
        assert_eq!(pow2(-127), f32::MIN_POSITIVE / 2.0);
        assert_eq!(pow2(-149), f32::from_bits(1));
        assert_eq!(pow2(127), 2f32.powi(127));
        assert_eq!(e8m0_value(e8m0_byte(-127)), pow2(-127));
    }

    #[test]
    fn float16_rounding_is_numpys() {
        // formats.md §2: fl(0.1 / 127) rounds to 0.0007872581481933594 in float16.
        assert_eq!(f16_round(0.1f32 / 127.0), 0.000_787_258_15);
        assert_eq!(f16_round(2f32.powi(-24)), 2f32.powi(-24));
        assert_eq!(f16_round(2f32.powi(-25)), 0.0);
        assert_eq!(f16_round(1.5 * 2f32.powi(-25)), 2f32.powi(-24));
        assert_eq!(f16_round(70000.0), f32::INFINITY);
    }
}
