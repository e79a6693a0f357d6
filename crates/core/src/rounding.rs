//! Rounding rules, on f64, on f32 and exactly on rationals.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Float, One, Signed, Zero};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How a real value becomes an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    /// Nearest, ties to even (IEEE default; `torch.round`, `numpy.round`, Python `round`, `std::nearbyint`).
    HalfEven,
    /// Nearest, ties away from zero (C `round`, TFLite's `TfLiteRound`).
    HalfAway,
    /// Nearest, ties toward +infinity: `floor(v + 1/2)` taken exactly (JavaScript `Math.round`).
    HalfUp,
    /// Toward -infinity.
    Floor,
    /// Toward +infinity.
    Ceil,
    /// Toward zero (truncation, a C cast).
    TowardZero,
    /// `floor(v + u)` with `u` uniform in [0, 1) from a seeded generator: rounds up with probability `frac(v)`.
    Stochastic,
}

impl Rounding {
    /// Every rule, in the order the UI lists them.
    pub const ALL: [Rounding; 7] = [
        Rounding::HalfEven,
        Rounding::HalfAway,
        Rounding::HalfUp,
        Rounding::Floor,
        Rounding::Ceil,
        Rounding::TowardZero,
        Rounding::Stochastic,
    ];

    /// The name used by the CLI and the form.
    pub fn name(self) -> &'static str {
        match self {
            Rounding::HalfEven => "half-even",
            Rounding::HalfAway => "half-away",
            Rounding::HalfUp => "half-up",
            Rounding::Floor => "floor",
            Rounding::Ceil => "ceil",
            Rounding::TowardZero => "toward-zero",
            Rounding::Stochastic => "stochastic",
        }
    }

    /// Whether the rule rounds to the nearest integer (its decision boundaries are the half-integers).
    #[inline]
    pub const fn is_nearest(self) -> bool {
        matches!(self, Rounding::HalfEven | Rounding::HalfAway | Rounding::HalfUp)
    }

    /// Rounds an f64; `u` in [0, 1) is the random draw used only by [`Rounding::Stochastic`].
    #[inline]
    pub fn round_f64(self, v: f64, u: f64) -> f64 {
        self.round_float(v, u, f64::round_ties_even)
    }

    /// Rounds an f32 exactly as f32 code does (no detour through f64).
    #[inline]
    pub fn round_f32(self, v: f32, u: f32) -> f32 {
        self.round_float(v, u, f32::round_ties_even)
    }

    /// The rule for any float width; `ties_even` is the width's own IEEE nearest-even rounding.
    #[inline(always)]
    fn round_float<F: Float>(self, v: F, u: F, ties_even: fn(F) -> F) -> F {
        let half = F::from(0.5).expect("0.5 is representable");
        match self {
            Rounding::HalfEven => ties_even(v),
            Rounding::HalfAway => v.round(),
            Rounding::HalfUp => {
                // floor(v + 0.5) would round 0.49999999999999994 up; compare the exact fraction instead.
                let f = v.floor();
                if v - f >= half {
                    f + F::one()
                } else {
                    f
                }
            }
            Rounding::Floor => v.floor(),
            Rounding::Ceil => v.ceil(),
            Rounding::TowardZero => v.trunc(),
            Rounding::Stochastic => {
                let f = v.floor();
                if v - f > u {
                    f + F::one()
                } else {
                    f
                }
            }
        }
    }

    /// Whether an f64 result `v` (computed with a few ulps of error) is close enough to one of
    /// this rule's decision boundaries that only exact arithmetic can decide it.
    ///
    /// The boundaries are the half-integers for the nearest rules and the integers for the directed
    /// ones. The margin (1e-9 relative) is far wider than f64's error, so it only chooses when to do
    /// the exact computation, never the answer.
    #[inline]
    pub fn near_boundary(self, v: f64) -> bool {
        if !v.is_finite() || self == Rounding::Stochastic {
            return false;
        }
        let margin = 1e-9 * v.abs().max(1.0);
        let distance = if self.is_nearest() { (v - v.floor() - 0.5).abs() } else { (v - v.round()).abs() };
        distance <= margin
    }

    /// Rounds an exact rational. Stochastic rounding is not defined here (callers use f64 for it).
    pub fn round_exact(self, r: &BigRational) -> BigInt {
        let floor = r.floor().to_integer();
        let frac = r - BigRational::from_integer(floor.clone());
        let half = BigRational::new(BigInt::one(), BigInt::from(2));
        let up = floor.clone() + BigInt::one();
        match self {
            Rounding::Floor => floor,
            Rounding::Ceil => r.ceil().to_integer(),
            Rounding::TowardZero => r.trunc().to_integer(),
            Rounding::HalfUp | Rounding::Stochastic => {
                if frac >= half {
                    up
                } else {
                    floor
                }
            }
            Rounding::HalfAway => {
                if frac > half || (frac == half && !r.is_negative()) {
                    up
                } else {
                    floor
                }
            }
            Rounding::HalfEven => {
                if frac > half || (frac == half && (&floor % BigInt::from(2)) != BigInt::zero()) {
                    up
                } else {
                    floor
                }
            }
        }
    }
}

impl fmt::Display for Rounding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Rounding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase().replace('_', "-");
        Ok(match key.as_str() {
            "half-even" | "half-to-even" | "nearest-even" | "bankers" | "even" => Rounding::HalfEven,
            "half-away" | "half-away-from-zero" | "away" => Rounding::HalfAway,
            "half-up" | "js" | "math.round" => Rounding::HalfUp,
            "floor" | "down" => Rounding::Floor,
            "ceil" | "up" => Rounding::Ceil,
            "toward-zero" | "trunc" | "truncate" => Rounding::TowardZero,
            "stochastic" => Rounding::Stochastic,
            _ => {
                return Err(format!(
                    "unknown rounding `{s}` (expected half-even, half-away, half-up, floor, ceil, toward-zero or stochastic)"
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rat(n: i64, d: i64) -> BigRational {
        BigRational::new(BigInt::from(n), BigInt::from(d))
    }

    #[test]
    fn ties_by_rule() {
        // value, half-even, half-away, half-up, floor, ceil, toward-zero
        let table = [
            (2.5, 2.0, 3.0, 3.0, 2.0, 3.0, 2.0),
            (-2.5, -2.0, -3.0, -2.0, -3.0, -2.0, -2.0),
            (-31.5, -32.0, -32.0, -31.0, -32.0, -31.0, -31.0),
            (0.5, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0),
            (1.2, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0),
            (-1.7, -2.0, -2.0, -2.0, -2.0, -1.0, -1.0),
        ];
        let rules = [Rounding::HalfEven, Rounding::HalfAway, Rounding::HalfUp, Rounding::Floor, Rounding::Ceil, Rounding::TowardZero];
        for row in table {
            let expected = [row.1, row.2, row.3, row.4, row.5, row.6];
            for (rule, want) in rules.iter().zip(expected) {
                assert_eq!(rule.round_f64(row.0, 0.0), want, "{rule} {}", row.0);
                assert_eq!(rule.round_f32(row.0 as f32, 0.0), want as f32, "{rule} f32 {}", row.0);
                let exact = rule.round_exact(&rat((row.0 * 10.0) as i64, 10));
                assert_eq!(exact, BigInt::from(want as i64), "{rule} exact {}", row.0);
            }
        }
    }

    #[test]
    fn half_up_is_exact_below_half() {
        assert_eq!(Rounding::HalfUp.round_f64(0.49999999999999994, 0.0), 0.0);
        assert_eq!(Rounding::HalfUp.round_f32(0.49999997, 0.0), 0.0);
    }

    #[test]
    fn stochastic_uses_the_draw() {
        assert_eq!(Rounding::Stochastic.round_f64(1.25, 0.2), 2.0);
        assert_eq!(Rounding::Stochastic.round_f64(1.25, 0.3), 1.0);
        assert_eq!(Rounding::Stochastic.round_f64(-1.25, 0.7), -1.0);
        assert_eq!(Rounding::Stochastic.round_f64(3.0, 0.0), 3.0);
    }

    #[test]
    fn boundary_detection() {
        assert!(Rounding::HalfEven.near_boundary(-31.499999999999996));
        assert!(!Rounding::HalfEven.near_boundary(-31.4));
        assert!(Rounding::Floor.near_boundary(2.9999999999999996));
        assert!(!Rounding::Floor.near_boundary(2.5));
    }

    #[test]
    fn names_round_trip() {
        for r in Rounding::ALL {
            assert_eq!(r.name().parse::<Rounding>().unwrap(), r);
        }
        assert!("sideways".parse::<Rounding>().is_err());
    }
}
