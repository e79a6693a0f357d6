//! bitsandbytes NF4 and FP4: 64 consecutive values share a float32 absmax; each value is the index of
//! the nearest entry of a 16-level table (formats.md §5).
//!
//! Reference: bitsandbytes 0.50.2, `bitsandbytes.functional.quantize_4bit(A, blocksize=64,
//! compress_statistics=False, quant_type="nf4" | "fp4")` (CPU: the generic torch kernel
//! `bitsandbytes::quantize_4bit`, "default" backend) and `dequantize_4bit` (the C++ CPU kernel,
//! `table[code] · absmax`).
//!
//! ```text
//! absmax = max |x|                       (stored as float32, unmodified)
//! r      = fl(1 / max(absmax, c))        c = float32(1e-38), a float32 subnormal
//! s      = clamp(fl(x · r), −1, 1)
//! q      = first i with s ≤ M[i] (15 if none), M[i] = fl((T[i] + T[i+1]) / 2): ties go to the LOWER level
//! x̂      = fl(T[q] · absmax)
//! ```
//!
//! bits per weight: 4 + 32/64 = 4.5 (no double quantization).

use super::block::{BlockScale, Sink};

/// Values per block.
pub const BLOCK: usize = 64;

/// `float32(1e-38)`: bitsandbytes' floor on the absmax before its reciprocal.
pub const ABSMAX_FLOOR: f32 = 1e-38;

/// The NF4 table, ascending; the NF4 code is the index (written as formats.md prints it: the
/// float64 repr of each float32).
#[allow(clippy::excessive_precision)]
pub const NF4: [f32; 16] = [
    -1.0,
    -0.696_192_800_998_687_7,
    -0.525_073_051_452_636_7,
    -0.394_917_488_098_144_53,
    -0.284_441_381_692_886_35,
    -0.184_773_430_228_233_34,
    -0.091_050_036_251_544_95,
    0.0,
    0.079_580_299_556_255_34,
    0.160_930_201_411_247_25,
    0.246_112_301_945_686_34,
    0.337_915_241_718_292_24,
    0.440_709_829_330_444_34,
    0.562_617_003_917_694_1,
    0.722_956_836_223_602_3,
    1.0,
];

/// bitsandbytes' FP4 table by code: `fl(v / 12)` for v in 0, 0.0625, 8, 12, 4, 6, 2, 3 (codes 0–7)
/// and their negatives (codes 8–15, code 8 being +0.0). Not E2M1.
pub const FP4_BY_CODE: [f32; 16] = [
    0.0 / 12.0,
    0.0625 / 12.0,
    8.0 / 12.0,
    1.0,
    4.0 / 12.0,
    6.0 / 12.0,
    2.0 / 12.0,
    3.0 / 12.0,
    0.0,
    -0.0625 / 12.0,
    -8.0 / 12.0,
    -1.0,
    -4.0 / 12.0,
    -6.0 / 12.0,
    -2.0 / 12.0,
    -3.0 / 12.0,
];

/// The FP4 codes in ascending order of their values. Of the two zeros, code 0 takes the values
/// at or below the midpoint 0 and code 8 those just above it, as bitsandbytes' codes show.
const FP4_ORDER: [u8; 16] = [11, 10, 13, 12, 15, 14, 9, 0, 8, 1, 6, 7, 4, 5, 2, 3];

/// The FP4 table ascending (two zeros).
pub const FP4_SORTED: [f32; 16] = {
    let mut t = [0.0f32; 16];
    let mut i = 0;
    while i < 16 {
        t[i] = FP4_BY_CODE[FP4_ORDER[i] as usize];
        i += 1;
    }
    t
};

/// `M[i] = fl((T[i] + T[i+1]) / 2)` in float32.
const fn midpoints(t: &[f32; 16]) -> [f32; 15] {
    let mut m = [0.0f32; 15];
    let mut i = 0;
    while i < 15 {
        m[i] = (t[i] + t[i + 1]) / 2.0;
        i += 1;
    }
    m
}

const NF4_MID: [f32; 15] = midpoints(&NF4);
const FP4_MID: [f32; 15] = midpoints(&FP4_SORTED);

/// Which bitsandbytes table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    /// NormalFloat4.
    Nf4,
    /// bitsandbytes FP4.
    Fp4,
}

impl Table {
    fn sorted(self) -> &'static [f32; 16] {
        match self {
            Table::Nf4 => &NF4,
            Table::Fp4 => &FP4_SORTED,
        }
    }

    fn midpoints(self) -> &'static [f32; 15] {
        match self {
            Table::Nf4 => &NF4_MID,
            Table::Fp4 => &FP4_MID,
        }
    }

    /// The stored code of a sorted index (NF4: the index; FP4: bitsandbytes' code order).
    #[inline(always)]
    fn code(self, index: usize) -> i32 {
        match self {
            Table::Nf4 => index as i32,
            Table::Fp4 => FP4_ORDER[index] as i32,
        }
    }

    /// The table value of a stored code.
    pub fn value(self, code: i32) -> f32 {
        match self {
            Table::Nf4 => NF4[(code & 15) as usize],
            Table::Fp4 => FP4_BY_CODE[(code & 15) as usize],
        }
    }
}

/// Index of the first midpoint at or above `s`: the count of midpoints strictly below it.
#[inline(always)]
fn level(mid: &[f32; 15], s: f32) -> usize {
    mid.iter().map(|m| (s > *m) as u32).sum::<u32>() as usize
}

/// Quantizes one block of 64 (or fewer, never in practice) values.
#[inline(always)]
pub(crate) fn block<S: Sink>(table: Table, x: &[f32], amax: Option<f32>, sink: &mut S) -> BlockScale {
    // The block's `round::amax`, when compare already took it (from its two halves of 32).
    let absmax = amax.unwrap_or_else(|| super::round::amax(x));
    let r = 1.0 / absmax.max(ABSMAX_FLOOR);
    let (sorted, mid) = (table.sorted(), table.midpoints());
    // The levels of a whole block first (lane-wise comparisons, vectorized), then the table.
    let mut levels = [0u32; BLOCK];
    for (v, l) in x.iter().zip(&mut levels) {
        *l = level(mid, (v * r).clamp(-1.0, 1.0)) as u32;
    }
    let (mut codes, mut xhats, mut clipped) = ([0i32; BLOCK], [0.0f32; BLOCK], 0u32);
    for (((v, l), code), xhat) in x.iter().zip(&levels).zip(&mut codes).zip(&mut xhats) {
        let index = *l as usize & 15;
        (*code, *xhat) = (table.code(index), sorted[index] * absmax);
        clipped += ((v * r).abs() > 1.0) as u32;
    }
    let n = x.len().min(BLOCK);
    sink.put_block(&x[..n], &xhats[..n], &codes[..n], clipped as u64);
    BlockScale::Absmax { absmax }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::excessive_precision)]
    fn tables_and_midpoints_are_the_documented_ones() {
        assert_eq!(NF4_MID[0], -0.848_096_370_697_021_5);
        assert_eq!(NF4_MID[6], -0.045_525_018_125_772_476);
        assert_eq!(NF4_MID[14], 0.861_478_447_914_123_5);
        assert_eq!(FP4_SORTED[0], -1.0);
        assert_eq!(FP4_SORTED[15], 1.0);
        assert_eq!(FP4_SORTED[9], 0.005_208_333_488_553_762_4);
        assert_eq!(FP4_MID[7], 0.0);
        assert_eq!(ABSMAX_FLOOR, 9.999_999_350_456_404e-39);
    }

    #[test]
    fn ties_go_to_the_lower_level() {
        assert_eq!(level(&NF4_MID, NF4_MID[9]), 9);
        assert_eq!(level(&NF4_MID, 1.0), 15);
        assert_eq!(level(&NF4_MID, -1.0), 0);
        assert_eq!(level(&FP4_MID, 0.0), 7);
    }
}
