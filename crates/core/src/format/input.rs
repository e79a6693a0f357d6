//! Text to float32 rows for the format paths: each typed decimal becomes the float32 nearest to it.
//!
//! The parser ([`crate::parse`]) gives the correctly rounded float64 of each token and, for tokens
//! of up to 18 significant digits, the exact decimal. Rounding that float64 to float32 is correct
//! except when the float64 lands exactly on the midpoint of two float32 neighbours (a midpoint has
//! 25 significant bits, so it is a float64, and rounding is monotone: a decimal below the midpoint
//! can round up onto it, never past it). Only then is the exact decimal compared with the midpoint.

use crate::error::ParseError;
use crate::exact::{self, Decimal};
use crate::parse::ParsedTensor;
use crate::tensor::Layout;
use num_rational::BigRational;
use std::cmp::Ordering;

/// The float32 nearest to the decimal that parsed to `value` (ties to even), avoiding the double
/// rounding of decimal → float64 → float32. Without the decimal (over 18 significant digits, which
/// no float32 repr needs), `value as f32`: such a token may still be rounded twice.
pub fn nearest_f32(value: f64, decimal: Option<Decimal>) -> f32 {
    let rounded = value as f32;
    if !value.is_finite() || rounded as f64 == value || !rounded.is_finite() {
        return rounded;
    }
    let other = if (rounded as f64) < value { rounded.next_up() } else { rounded.next_down() };
    let midpoint = (rounded as f64 + other as f64) / 2.0;
    if midpoint != value {
        return rounded;
    }
    let Some(decimal) = decimal else { return rounded };
    let Some(exact_midpoint) = BigRational::from_float(midpoint) else { return rounded };
    let (below, above) = if rounded < other { (rounded, other) } else { (other, rounded) };
    match exact::exact_value(value, Some(decimal)).cmp(&exact_midpoint) {
        Ordering::Less => below,
        Ordering::Greater => above,
        Ordering::Equal => rounded,
    }
}

/// The parsed rows as float32 (each value the float32 nearest to what was typed). A NaN or infinity
/// typed in the text is refused where it was typed.
pub fn f32_rows(parsed: &ParsedTensor) -> Result<Vec<Vec<f32>>, ParseError> {
    let tensor = &parsed.tensor;
    if let Some(at) = parsed.nonfinite.first() {
        let offset = match &tensor.layout {
            Layout::Rows { offsets } => offsets[at.channel] + at.index,
            Layout::Strided { .. } => 0,
        };
        let text = format!("{}", tensor.data.get(offset));
        return Err(ParseError::new(at.line, at.column, &text, "not a finite value", "a finite number"));
    }
    let mut start = 0;
    Ok((0..tensor.channels())
        .map(|c| {
            let len = tensor.channel_len(c);
            let row = (start..start + len).map(|i| nearest_f32(tensor.data.get(i), tensor.decimal(i))).collect();
            start += len;
            row
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_number;

    fn parse(text: &str) -> f32 {
        let n = parse_number(text).unwrap();
        nearest_f32(n.value, n.exact)
    }

    #[test]
    fn reprs_of_float32_values_come_back_exactly() {
        for v in [0.1f32, -0.0, 1e-6, 1e-40, f32::MAX, f32::from_bits(1), 3.3959] {
            assert_eq!(parse(&format!("{:?}", v as f64)).to_bits(), v.to_bits(), "{v}");
        }
    }

    #[test]
    fn no_double_rounding() {
        // Both decimals round to the float64 1 + 2^-24, the midpoint of the float32 values 1 and
        // 1 + 2^-23, which a second rounding ties to even (1.0). Only one of them is really below it.
        for (text, want) in [("1.00000005960464478", 1.0 + f32::EPSILON), ("1.00000005960464477", 1.0)] {
            assert_eq!(text.parse::<f64>().unwrap(), 1.0 + 2f64.powi(-24));
            assert_eq!(parse(text), want, "{text}");
            assert_eq!(parse(&format!("-{text}")), -want, "-{text}");
        }
        // Exactly the midpoint: ties to even.
        assert_eq!(parse("1.000000059604644775390625"), 1.0);
    }
}
