//! Exact values for the textbook convention: a pasted decimal is the number the user meant.
//!
//! `-0.21 / (1.7 / 255)` is exactly `-31.5`, a tie, but f64 computes `-31.499999999999996`.
//! So every pasted number also keeps its exact decimal value, and where an f64 result falls within a
//! hair of a rounding boundary the core decides it with exact rational arithmetic
//! ([`crate::rounding::Rounding::near_boundary`]). Away from the boundaries f64 is used as is.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};

/// A decimal number exactly as typed: `mantissa × 10^exponent`, up to 18 significant digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// Signed significand.
    pub mantissa: i64,
    /// Power of ten.
    pub exponent: i32,
}

impl Decimal {
    /// The exact decimal value of a finite numeric token (`-0.21`, `+2`, `1e-3`, `-.5`).
    ///
    /// Returns `None` for `nan`/`inf`, for more than 18 significant digits, or for exponents
    /// beyond ±100000 (such numbers are then taken at their f64 value, and the caller says so).
    pub fn parse(token: &str) -> Option<Decimal> {
        let bytes = token.as_bytes();
        let mut i = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut mantissa: i64 = 0;
        let mut digits = 0u32;
        let mut any_digit = false;
        let mut scale: i64 = 0;
        let mut seen_point = false;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_digit() {
                any_digit = true;
                if seen_point {
                    scale -= 1;
                }
                if mantissa == 0 && b == b'0' {
                    // leading zeros carry no significant digit
                } else {
                    digits += 1;
                    if digits > 18 {
                        return None;
                    }
                    mantissa = mantissa * 10 + (b - b'0') as i64;
                }
            } else if b == b'.' && !seen_point {
                seen_point = true;
            } else {
                break;
            }
            i += 1;
        }
        if !any_digit {
            return None;
        }
        let mut exponent: i64 = 0;
        if i < bytes.len() {
            if bytes[i] != b'e' && bytes[i] != b'E' {
                return None;
            }
            let text = &token[i + 1..];
            let text = text.strip_prefix('+').unwrap_or(text);
            if text.is_empty() || text.len() > 7 {
                return None;
            }
            exponent = text.parse::<i64>().ok()?;
        }
        let exponent = exponent + scale;
        if exponent.abs() > 100_000 {
            return None;
        }
        Some(Decimal { mantissa: if negative { -mantissa } else { mantissa }, exponent: exponent as i32 })
    }

    /// The exact rational value.
    pub fn to_rational(self) -> BigRational {
        let ten = BigInt::from(10);
        let m = BigInt::from(self.mantissa);
        if self.exponent >= 0 {
            BigRational::from_integer(m * num_traits::pow(ten, self.exponent as usize))
        } else {
            BigRational::new(m, num_traits::pow(ten, (-self.exponent) as usize))
        }
    }
}

/// The exact value of a number: its typed decimal when known, else the exact value of its f64.
pub fn exact_value(value: f64, decimal: Option<Decimal>) -> BigRational {
    match decimal {
        Some(d) => d.to_rational(),
        None => BigRational::from_float(value).unwrap_or_else(BigRational::zero),
    }
}

/// An exact integer as a rational.
pub fn integer(n: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(n))
}

/// One, exactly.
pub fn one() -> BigRational {
    BigRational::one()
}

/// An f64's exact value as `m · 2^e` (None for NaN and ±inf).
pub(crate) fn dyadic(v: f64) -> Option<(i128, i32)> {
    if !v.is_finite() {
        return None;
    }
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = (bits & ((1u64 << 52) - 1)) as i128;
    let (m, e) = if biased == 0 { (fraction, -1074) } else { (fraction | (1 << 52), biased - 1075) };
    Some((if bits >> 63 == 1 { -m } else { m }, e))
}

/// `a · 2^ea − b · 2^eb` exactly as `m · 2^e`, when it fits in 123 bits (None otherwise).
pub(crate) fn dyadic_difference((a, ea): (i128, i32), (b, eb): (i128, i32)) -> Option<(i128, i32)> {
    let e = ea.min(eb);
    let (sa, sb) = ((ea - e) as u32, (eb - e) as u32);
    if sa > 70 || sb > 70 {
        return None;
    }
    Some(((a << sa) - (b << sb), e))
}

/// Bits of `|v|`.
fn bit_length(v: i128) -> u32 {
    128 - v.unsigned_abs().leading_zeros()
}

/// `round(x · d / (m · 2^e))` under `rule`, decided exactly in 128-bit integers: the textbook
/// convention's exact decision for a value known only as its f64 (a weight file's) over a scale
/// whose ends are too, without big rationals (a gcd per operation). `None` where 128 bits do not
/// hold the numbers, the result is beyond ±2^53, `m` is 0 or the rule is stochastic: the caller
/// then takes the big rationals. The same result as [`Rounding::round_exact`] on the same rational.
pub(crate) fn round_dyadic_quotient(rule: crate::rounding::Rounding, x: f64, (m, e): (i128, i32), d: i64) -> Option<f64> {
    use crate::rounding::Rounding;
    let (mx, ex) = dyadic(x)?;
    if m == 0 || d <= 0 || rule == Rounding::Stochastic || bit_length(d as i128) > 20 {
        return None;
    }
    if mx == 0 {
        return Some(0.0);
    }
    // v = p / q with q > 0.
    let (mut p, mut q) = (mx * d as i128, m);
    if q < 0 {
        (p, q) = (-p, -q);
    }
    let k = ex - e;
    if k >= 0 {
        if bit_length(p) + k as u32 > 125 {
            return None;
        }
        p <<= k;
    } else {
        if bit_length(q) + k.unsigned_abs() > 125 {
            return None;
        }
        q <<= k.unsigned_abs();
    }
    round_ratio(rule, p, q)
}

/// `round(p / q)` under `rule` for `q > 0`, in 128-bit integers; `None` for the stochastic rule,
/// where `2 · (p mod q)` overflows, or beyond ±2^53.
fn round_ratio(rule: crate::rounding::Rounding, p: i128, q: i128) -> Option<f64> {
    use crate::rounding::Rounding;
    if q <= 0 || rule == Rounding::Stochastic {
        return None;
    }
    let (floor, rem) = (p.div_euclid(q), p.rem_euclid(q));
    let twice = rem.checked_mul(2)?;
    let up = match rule {
        Rounding::Floor => false,
        Rounding::Ceil => rem != 0,
        Rounding::TowardZero => p < 0 && rem != 0,
        Rounding::HalfUp | Rounding::Stochastic => twice >= q,
        Rounding::HalfAway => twice > q || (twice == q && p >= 0),
        Rounding::HalfEven => twice > q || (twice == q && floor % 2 != 0),
    };
    let r = floor + up as i128;
    (r.unsigned_abs() <= 1 << 53).then_some(r as f64)
}

/// A number as `m · radix^e` exactly: its typed decimal (radix 10), else its f64 value (radix 2).
fn radix_parts(value: f64, decimal: Option<Decimal>) -> Option<(i128, i32, i128)> {
    match decimal {
        Some(d) => Some((d.mantissa as i128, d.exponent, 10)),
        None => dyadic(value).map(|(m, e)| (m, e, 2)),
    }
}

/// The affine textbook zero point `round(qmin − lo / s)` with `s = (hi − lo) / steps`, decided
/// exactly in 128-bit integers: `(qmin · (hi − lo) − lo · steps) / (hi − lo)` once both ends are
/// written with one radix and one exponent, which then cancels. The ends are `(f64, typed
/// decimal)` as [`exact_value`] reads them. `None` where that does not hold (an end typed as a
/// decimal and the other known only as an f64, unless it is zero; numbers beyond 128 bits; an
/// empty range; the stochastic rule): the caller then takes the big rationals (a gcd per
/// operation, about 40 µs a channel in the page's wasm). The same result as
/// [`crate::rounding::Rounding::round_exact`] on the same rational.
pub(crate) fn round_affine_zero_point(
    rule: crate::rounding::Rounding,
    qmin: i64,
    lo: (f64, Option<Decimal>),
    hi: (f64, Option<Decimal>),
    steps: i64,
) -> Option<f64> {
    let (lo, hi) = (radix_parts(lo.0, lo.1)?, radix_parts(hi.0, hi.1)?);
    // Zero is written in either radix.
    let radix = match (lo, hi) {
        ((0, _, _), (_, _, r)) | ((_, _, r), (0, _, _)) => r,
        ((_, _, a), (_, _, b)) if a == b => a,
        _ => return None,
    };
    let exponent = |(m, e, _): (i128, i32, i128), other: i32| if m == 0 { other } else { e };
    let (e_lo, e_hi) = (exponent(lo, hi.1), exponent(hi, lo.1));
    let e = e_lo.min(e_hi);
    let widen = |m: i128, by: i32| radix.checked_pow(u32::try_from(by).ok()?).and_then(|f| m.checked_mul(f));
    let (a, b) = (widen(lo.0, e_lo - e)?, widen(hi.0, e_hi - e)?);
    let width = b.checked_sub(a)?;
    let numerator = (qmin as i128).checked_mul(width)?.checked_sub(a.checked_mul(steps as i128)?)?;
    round_ratio(rule, numerator, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: i64, e: i32) -> Option<Decimal> {
        Some(Decimal { mantissa: m, exponent: e })
    }

    #[test]
    fn parses_what_users_type() {
        assert_eq!(Decimal::parse("-0.21"), d(-21, -2));
        assert_eq!(Decimal::parse("+2"), d(2, 0));
        assert_eq!(Decimal::parse("1e-3"), d(1, -3));
        assert_eq!(Decimal::parse("-.5"), d(-5, -1));
        assert_eq!(Decimal::parse("1.20"), d(120, -2));
        assert_eq!(Decimal::parse("0.000"), d(0, -3));
        assert_eq!(Decimal::parse("12.5E+2"), d(125, 1));
        assert_eq!(Decimal::parse("5."), d(5, 0));
        assert_eq!(Decimal::parse("nan"), None);
        assert_eq!(Decimal::parse("inf"), None);
        assert_eq!(Decimal::parse("1234567890123456789"), None);
        assert_eq!(Decimal::parse("0.000000000000000000001"), d(1, -21));
    }

    proptest::proptest! {
        /// The 128-bit decision equals `round_exact` on the big rationals, wherever it gives one:
        /// values of few significant bits (bfloat16-like) over scales of such ends give many exact ties.
        #[test]
        fn dyadic_quotient_is_round_exact(
            x_bits in 0u32..512, x_exp in -12i32..12, negative in proptest::prelude::any::<bool>(),
            lo in -2000i32..0, hi in 1i32..2000, shift in -8i32..8, steps in 1i64..70000,
            rule in proptest::sample::select(crate::rounding::Rounding::ALL.to_vec()),
            special in proptest::sample::select(vec![None, Some(0.0), Some(-0.0), Some(1e-300), Some(5e-324), Some(1e300), Some(f64::MAX)]),
        ) {
            let x = special.unwrap_or((if negative { -1.0 } else { 1.0 }) * x_bits as f64 * 2f64.powi(x_exp - 8));
            let (lo, hi) = (lo as f64 * 2f64.powi(shift - 6), hi as f64 * 2f64.powi(shift - 6));
            let width = dyadic_difference(dyadic(hi).unwrap(), dyadic(lo).unwrap()).unwrap();
            let scale = (BigRational::from_float(hi).unwrap() - BigRational::from_float(lo).unwrap()) / integer(steps);
            if let Some(r) = round_dyadic_quotient(rule, x, width, steps) {
                let exact = rule.round_exact(&(BigRational::from_float(x).unwrap() / scale));
                proptest::prop_assert_eq!(Some(r), num_traits::ToPrimitive::to_f64(&exact));
            } else {
                proptest::prop_assert!(rule == crate::rounding::Rounding::Stochastic || special.is_some(), "{x} {lo} {hi} {steps}");
            }
        }
    }

    proptest::proptest! {
        /// The affine zero point in 128-bit integers equals `round_exact` of
        /// `qmin − lo / ((hi − lo) / steps)` on the big rationals, wherever it gives one: ends typed
        /// as decimals or known as f64 values (few significant digits and mirrored ranges give
        /// exact ties), zero for either end, every rule and grid.
        #[test]
        fn affine_zero_point_is_round_exact(
            lo_m in -30000i64..=0, hi_m in 0i64..30000, lo_e in -9i32..3, hi_e in -9i32..3,
            mirrored in proptest::prelude::any::<bool>(), typed in 0u8..4, shift in -40i32..40,
            (qmin, steps) in proptest::sample::select(vec![(-128i64, 255i64), (0, 255), (-8, 15), (0, 15), (-32768, 65535), (-1, 2), (3, 1000)]),
            rule in proptest::sample::select(crate::rounding::Rounding::ALL.to_vec()),
        ) {
            let hi_m = if mirrored { -lo_m } else { hi_m };
            let hi_e = if mirrored { lo_e } else { hi_e };
            // 0..2: both typed, neither, only the low end; else decimals read as f64 values scaled by 2^shift.
            let end = |m: i64, e: i32, typed: bool| -> (f64, Option<Decimal>) {
                let d = Decimal { mantissa: m, exponent: e };
                if typed { (format!("{m}e{e}").parse().unwrap(), Some(d)) } else { ((m as f64) * 2f64.powi(shift / 4 + e), None) }
            };
            let lo = end(lo_m, lo_e, typed == 0 || typed == 2);
            let hi = end(hi_m, hi_e, typed == 0);
            let (lo_x, hi_x) = (exact_value(lo.0, lo.1), exact_value(hi.0, hi.1));
            proptest::prop_assume!(hi_x > lo_x);
            let exact = rule.round_exact(&(integer(qmin) - lo_x.clone() / ((hi_x - lo_x) / integer(steps))));
            match round_affine_zero_point(rule, qmin, lo, hi, steps) {
                Some(z) => proptest::prop_assert_eq!(Some(z), num_traits::ToPrimitive::to_f64(&exact)),
                None => proptest::prop_assert!(
                    rule == crate::rounding::Rounding::Stochastic || (typed == 2 && hi_m != 0 && lo_m != 0),
                    "{lo:?} {hi:?} {qmin} {steps}"
                ),
            }
        }
    }

    #[test]
    fn affine_zero_point_ties_of_mirrored_ranges() {
        use crate::rounding::Rounding;
        // [-2, 2] on qint8: z = round(-128 + 127.5) = round(-0.5), a tie, typed or not.
        for (lo, hi) in [((-2.0, d(-20000, -4)), (2.0, d(20000, -4))), ((-2.0, None), (2.0, None))] {
            assert_eq!(round_affine_zero_point(Rounding::HalfEven, -128, lo, hi, 255), Some(0.0));
            assert_eq!(round_affine_zero_point(Rounding::HalfAway, -128, lo, hi, 255), Some(-1.0));
            assert_eq!(round_affine_zero_point(Rounding::HalfUp, -128, lo, hi, 255), Some(0.0));
            assert_eq!(round_affine_zero_point(Rounding::Floor, -128, lo, hi, 255), Some(-1.0));
            assert_eq!(round_affine_zero_point(Rounding::HalfEven, 0, lo, hi, 255), Some(128.0));
            assert_eq!(round_affine_zero_point(Rounding::HalfAway, 0, lo, hi, 255), Some(128.0));
        }
        // A typed end and an f64 one: the big rationals decide.
        assert_eq!(round_affine_zero_point(Rounding::HalfEven, -128, (-2.0, d(-2, 0)), (2.0, None), 255), None);
        // Zero typed either way.
        assert_eq!(round_affine_zero_point(Rounding::HalfEven, 0, (0.0, None), (1.5, d(15, -1)), 255), Some(0.0));
    }

    #[test]
    fn dyadic_quotient_decides_every_tie_as_round_exact() {
        // v = x / (1 / 4) = k / 2 for x = k / 8: every half-integer and integer from -10 to 10.
        let scale = BigRational::new(BigInt::from(1), BigInt::from(4));
        for rule in crate::rounding::Rounding::ALL.into_iter().filter(|&r| r != crate::rounding::Rounding::Stochastic) {
            for k in -20..=20 {
                let x = k as f64 / 8.0;
                let exact = rule.round_exact(&(BigRational::from_float(x).unwrap() / &scale));
                assert_eq!(round_dyadic_quotient(rule, x, dyadic(1.0).unwrap(), 4), num_traits::ToPrimitive::to_f64(&exact), "{rule} {x}");
            }
        }
    }

    #[test]
    fn dyadic_values() {
        assert_eq!(dyadic(1.0), Some((1 << 52, -52)));
        assert_eq!(dyadic(-0.75), Some((-(3 << 51), -53)));
        assert_eq!(dyadic(5e-324), Some((1, -1074)));
        assert_eq!(dyadic(f64::NAN), None);
        assert_eq!(dyadic_difference((1, 0), (1, -80)), None);
        assert_eq!(dyadic_difference((3, 1), (1, 0)), Some((5, 0)));
    }

    #[test]
    fn the_per_channel_calculators_filter_1_tie_is_exact() {
        // -0.21 / ((0.9 - -0.8) / 255) = -31.5 exactly
        let x = Decimal::parse("-0.21").unwrap().to_rational();
        let range = Decimal::parse("0.9").unwrap().to_rational() - Decimal::parse("-0.8").unwrap().to_rational();
        let v = x * integer(255) / range;
        assert_eq!(v, BigRational::new(BigInt::from(-63), BigInt::from(2)));
    }
}
