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

    #[test]
    fn the_per_channel_calculators_filter_1_tie_is_exact() {
        // -0.21 / ((0.9 - -0.8) / 255) = -31.5 exactly
        let x = Decimal::parse("-0.21").unwrap().to_rational();
        let range = Decimal::parse("0.9").unwrap().to_rational() - Decimal::parse("-0.8").unwrap().to_rational();
        let v = x * integer(255) / range;
        assert_eq!(v, BigRational::new(BigInt::from(-63), BigInt::from(2)));
    }
}
