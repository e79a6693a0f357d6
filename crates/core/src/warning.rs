//! Warnings: things a result is still computed for, but that the user must see, on the row they concern.

use serde::Serialize;
use std::fmt;

/// Something to flag next to a channel's (or the tensor's) result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The range is empty (max == min, or amax == 0); the convention's substitute scale was used.
    ZeroRange {
        /// The scale used instead.
        scale: f64,
    },
    /// The scale was raised to PyTorch's eps (`2^-23`) because the range was tinier.
    ScaleAtEps,
    /// The zero point lies outside `[qmin, qmax]` (the textbook formula does not clamp it).
    ZeroPointOutOfRange {
        /// The zero point.
        zero_point: i64,
        /// Range lower end.
        qmin: i64,
        /// Range upper end.
        qmax: i64,
    },
    /// The zero point was clamped into the range.
    ZeroPointClamped {
        /// The unclamped zero point.
        from: i64,
        /// The zero point used.
        to: i64,
    },
    /// Some values fell outside the representable range and were clamped to qmin or qmax.
    Clipping {
        /// How many.
        count: u64,
        /// Fraction of the finite values.
        rate: f64,
    },
    /// NaN or infinite values (or, in the float32 conventions, values beyond float32's range): flagged
    /// and left out of ranges and metrics, never quantized.
    NonFinite {
        /// How many.
        count: u64,
        /// Index (within the channel) of the first one.
        first_index: usize,
    },
    /// Not one finite value: parameters fall back to the convention's empty-range rule.
    NoFiniteValues,
    /// Numbers typed with more than 18 significant digits: their ties are decided on their f64 value.
    InexactDecimals {
        /// How many.
        count: u64,
    },
}

impl Warning {
    /// A short code for tables and CSV (`clipping`, `zero-range`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Warning::ZeroRange { .. } => "zero-range",
            Warning::ScaleAtEps => "scale-at-eps",
            Warning::ZeroPointOutOfRange { .. } => "zero-point-out-of-range",
            Warning::ZeroPointClamped { .. } => "zero-point-clamped",
            Warning::Clipping { .. } => "clipping",
            Warning::NonFinite { .. } => "non-finite",
            Warning::NoFiniteValues => "no-finite-values",
            Warning::InexactDecimals { .. } => "inexact-decimals",
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::ZeroRange { scale } => write!(f, "empty range: scale set to {scale}"),
            Warning::ScaleAtEps => write!(f, "range below eps: scale raised to eps = 1.1920929e-7"),
            Warning::ZeroPointOutOfRange { zero_point, qmin, qmax } => {
                write!(f, "zero point {zero_point} is outside [{qmin}, {qmax}]: real 0 is not representable")
            }
            Warning::ZeroPointClamped { from, to } => write!(f, "zero point {from} clamped to {to}"),
            Warning::Clipping { count, rate } => write!(f, "{count} value(s) clipped ({:.2}%)", rate * 100.0),
            Warning::NonFinite { count, first_index } => {
                write!(f, "{count} non-finite value(s) (first at index {first_index}) left out")
            }
            Warning::NoFiniteValues => write!(f, "no finite values"),
            Warning::InexactDecimals { count } => {
                write!(f, "{count} value(s) have more than 18 significant digits: ties decided on their f64 value")
            }
        }
    }
}
