//! Exact float32 roundings written with plain float arithmetic, so the block loops need no libm
//! call (`roundf`, `truncf` and `rintf` are calls on x86-64 without SSE4.1) and stay vectorizable.
//! Each equals its `std` counterpart on every float32 (tested exhaustively over a wide range).

/// 2^23: from here on every float32 is an integer.
const INTEGRAL: f32 = 8_388_608.0;

/// Round half to even, as `f32::round_ties_even`: adding and removing 2^23 rounds |v| < 2^23 at the
/// units place under the default rounding mode (one rounding each, never fused or reassociated).
#[inline(always)]
pub fn ties_even(v: f32) -> f32 {
    let a = v.abs();
    let r = if a < INTEGRAL { (a + INTEGRAL) - INTEGRAL } else { a };
    r.copysign(v)
}

/// Round half away from zero, as `f32::round` (gguf-py's `np_roundf`): to nearest even by adding and
/// removing 2^23, then one step away from zero where that went down on a tie (`|v| − r = ½`; the
/// difference is exact, `r` being within ½ of `|v|`). Plain float operations, so it vectorizes (a
/// truncating cast to an integer does not: Rust's saturating `as i32` is a scalar sequence per value).
#[inline(always)]
pub fn half_away(v: f32) -> f32 {
    let a = v.abs();
    let r = if a < INTEGRAL {
        let t = (a + INTEGRAL) - INTEGRAL;
        t + if a - t == 0.5 { 1.0 } else { 0.0 }
    } else {
        a
    };
    r.copysign(v)
}

/// `trunc_to_i32_or_zero(q) as f32` for an integral or non-finite `q` (a rounded code), without
/// the integer: `q` itself, `+0` for `−0`, saturated at `±2^31` as the cast saturates, 0 for NaN and ±inf.
#[inline(always)]
pub fn integral_code(q: f32) -> f32 {
    if q.is_finite() {
        q.clamp(-2_147_483_648.0, 2_147_483_648.0) + 0.0
    } else {
        0.0
    }
}

/// `trunc_to_i32_or_zero(v).clamp(0, top)` as a float, and whether `trunc_to_i32_or_zero(v) > top`
/// (the code was clipped), for a whole number `top` ≥ 0 below 2^23: the float clamped to `[0, top]`
/// then floored (to nearest even by adding and removing 2^23, minus one where that went up), clipped
/// when `v ≥ top + 1`; NaN and ±inf give code 0, not clipped. Plain float operations, so it vectorizes.
#[inline(always)]
pub fn clamped_code(v: f32, top: f32) -> (f32, bool) {
    let finite = v.is_finite();
    let u = if finite { v.clamp(0.0, top) } else { 0.0 };
    let r = (u + INTEGRAL) - INTEGRAL;
    let code = if r > u { r - 1.0 } else { r };
    (code + 0.0, finite && v >= top + 1.0)
}

/// Toward zero, as a C cast of a finite value to an integer: `as i32` truncates; NaN and ±inf give 0
/// (what numpy's `astype` gives in gguf-py's blocks with an infinite `1/d`).
#[inline(always)]
pub fn trunc_to_i32_or_zero(v: f32) -> i32 {
    if v.is_finite() {
        v as i32
    } else {
        0
    }
}

/// `max |v|` over a block, NaN ignored, `+0` for none: the value of folding `m.max(v.abs())` from
/// `0` in order (every `|v|` is `+0` or more, and the maximum of such numbers does not depend on the
/// order), taken in 8 lanes so that it vectorizes (the fold is one dependent chain of scalar steps).
#[inline(always)]
pub fn amax(x: &[f32]) -> f32 {
    let step = |m: f32, v: f32| {
        let a = v.abs();
        // `a > m` is false for a NaN `a`: it is skipped, as `f32::max` skips it.
        if a > m {
            a
        } else {
            m
        }
    };
    let mut lanes = [0.0f32; 8];
    let mut rows = x.chunks_exact(8);
    for row in &mut rows {
        for (m, v) in lanes.iter_mut().zip(row) {
            *m = step(*m, *v);
        }
    }
    for (m, v) in lanes.iter_mut().zip(rows.remainder()) {
        *m = step(*m, *v);
    }
    lanes.iter().fold(0.0f32, |m, v| step(m, *v))
}

/// The smallest and largest value of a block, NaN skipped (`+inf` and `−inf` for none): the values
/// of folding `f32::min` and `f32::max` in order, taken in 8 lanes so that they vectorize. A nonzero
/// minimum or maximum has one bit pattern whatever the order; a zero one (whose sign `f32::min` and
/// `f32::max` pick by their operands' order) is taken again by the in-order fold.
#[inline(always)]
pub fn min_max(x: &[f32]) -> (f32, f32) {
    let step = |(lo, hi): (f32, f32), v: f32| (if v < lo { v } else { lo }, if v > hi { v } else { hi });
    let mut lanes = [(f32::INFINITY, f32::NEG_INFINITY); 8];
    let mut rows = x.chunks_exact(8);
    for row in &mut rows {
        for (m, v) in lanes.iter_mut().zip(row) {
            *m = step(*m, *v);
        }
    }
    for (m, v) in lanes.iter_mut().zip(rows.remainder()) {
        *m = step(*m, *v);
    }
    let (lo, hi) = lanes
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &(l, h)| (if l < lo { l } else { lo }, if h > hi { h } else { hi }));
    if lo == 0.0 || hi == 0.0 {
        return x.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_is_the_ordered_fold() {
        let specials = [0.0f32, -0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-45, -3.5, 2.0, f32::MAX, -f32::MAX];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..70 {
            for _ in 0..40 {
                let x: Vec<f32> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        if seed.is_multiple_of(3) {
                            specials[(seed >> 8) as usize % specials.len()]
                        } else {
                            f32::from_bits((seed >> 16) as u32)
                        }
                    })
                    .collect();
                let fold = x.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
                let lanes = min_max(&x);
                assert_eq!((lanes.0.to_bits(), lanes.1.to_bits()), (fold.0.to_bits(), fold.1.to_bits()), "{x:?}");
            }
        }
    }

    #[test]
    fn amax_is_the_ordered_fold() {
        let specials = [0.0f32, -0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-45, -3.5, 2.0, f32::MAX, -f32::MAX];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..70 {
            for _ in 0..40 {
                let x: Vec<f32> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        if seed.is_multiple_of(5) {
                            specials[(seed >> 8) as usize % specials.len()]
                        } else {
                            f32::from_bits((seed >> 16) as u32)
                        }
                    })
                    .collect();
                let fold = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                assert_eq!(amax(&x).to_bits(), fold.to_bits(), "{x:?}");
            }
        }
    }

    #[test]
    fn float_codes_are_the_integer_casts() {
        let specials =
            [0.0f32, -0.0, 0.5, -0.5, 0.99999994, 1.0, 14.999999, 15.0, 15.5, 16.0, 16.000002, 31.0, 31.999998, 32.0, -1.0, -1.5];
        let more = [
            2_147_483_520.0f32,
            2_147_483_648.0,
            -2_147_483_648.0,
            -2_147_483_904.0,
            1e30,
            -1e30,
            8_388_608.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        let mut seed = 0x3c6e_f372_fe94_f82au64;
        let mut values: Vec<f32> = specials.iter().chain(&more).copied().collect();
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Values around the codes' range and anywhere in float32.
            values.push(if seed.is_multiple_of(2) {
                ((seed >> 20) as u32 as f32 / 4e7) - 20.0
            } else {
                f32::from_bits((seed >> 16) as u32)
            });
        }
        for v in values {
            for top in [15i32, 31] {
                let raw = trunc_to_i32_or_zero(v);
                let (code, clipped) = clamped_code(v, top as f32);
                assert_eq!(code.to_bits(), (raw.clamp(0, top) as f32).to_bits(), "{v} {top}");
                assert_eq!(clipped, raw > top, "{v} {top}");
            }
            let q = half_away(v);
            assert_eq!(integral_code(q).to_bits(), (trunc_to_i32_or_zero(q) as f32).to_bits(), "{v}");
        }
    }

    #[test]
    fn equal_to_std_roundings() {
        let mut bits = 0u32;
        // Every float32 from 0 to 2^25, with stride 7, both signs, plus the specials near ties.
        while f32::from_bits(bits) < 33_554_432.0 {
            for v in [f32::from_bits(bits), -f32::from_bits(bits)] {
                assert_eq!(ties_even(v).to_bits(), v.round_ties_even().to_bits(), "{v}");
                assert_eq!(half_away(v).to_bits(), v.round().to_bits(), "{v}");
            }
            bits += 7;
        }
        for v in [0.5f32, 1.5, 2.5, -0.5, -2.5, 0.499_999_97, 8_388_607.5, -8_388_607.5, 1e30, -0.0] {
            assert_eq!(ties_even(v).to_bits(), v.round_ties_even().to_bits(), "{v}");
            assert_eq!(half_away(v).to_bits(), v.round().to_bits(), "{v}");
        }
        assert_eq!(trunc_to_i32_or_zero(f32::NAN), 0);
        assert_eq!(trunc_to_i32_or_zero(f32::INFINITY), 0);
        assert_eq!(trunc_to_i32_or_zero(-7.9), -7);
    }
}
