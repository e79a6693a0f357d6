//! Integer targets: signedness, bit width and the integer interval `[qmin, qmax]`.

use crate::error::QuantError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// An inclusive integer interval `[qmin, qmax]` that quantized values are clamped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntRange {
    /// Smallest integer.
    pub qmin: i32,
    /// Largest integer.
    pub qmax: i32,
}

impl IntRange {
    /// Number of integer levels, `qmax - qmin + 1`.
    pub fn levels(&self) -> u32 {
        (self.qmax - self.qmin) as u32 + 1
    }

    /// Whether `z` lies in `[qmin, qmax]`.
    pub fn contains(&self, z: i64) -> bool {
        (self.qmin as i64..=self.qmax as i64).contains(&z)
    }
}

impl fmt::Display for IntRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.qmin, self.qmax)
    }
}

/// An integer storage type: signed or unsigned, 2 to 16 bits.
///
/// `qint8` is signed 8-bit, `quint8` unsigned 8-bit (PyTorch's names); `int4` is signed 4-bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dtype {
    /// Two's complement (true) or unsigned.
    pub signed: bool,
    /// Storage width in bits (2..=16).
    pub bits: u8,
}

impl Dtype {
    /// PyTorch's `torch.qint8`.
    pub const QINT8: Dtype = Dtype { signed: true, bits: 8 };
    /// PyTorch's `torch.quint8`.
    pub const QUINT8: Dtype = Dtype { signed: false, bits: 8 };

    /// A dtype of the given signedness and width, refusing widths outside 2..=16.
    pub fn new(signed: bool, bits: u32) -> Result<Self, QuantError> {
        if !(2..=16).contains(&bits) {
            return Err(QuantError::BitWidth { bits });
        }
        Ok(Dtype { signed, bits: bits as u8 })
    }

    /// The full interval of the type: signed b-bit `[-2^(b-1), 2^(b-1) - 1]`, unsigned `[0, 2^b - 1]`.
    pub fn full_range(&self) -> IntRange {
        let b = self.bits as u32;
        if self.signed {
            IntRange { qmin: -(1 << (b - 1)), qmax: (1 << (b - 1)) - 1 }
        } else {
            IntRange { qmin: 0, qmax: (1 << b) - 1 }
        }
    }

    /// Whether this is one of PyTorch's own 8-bit quantized dtypes (anything else is a custom quant range there).
    pub fn is_byte(&self) -> bool {
        self.bits == 8
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.signed, self.bits) {
            (true, 8) => write!(f, "qint8"),
            (false, 8) => write!(f, "quint8"),
            (true, b) => write!(f, "int{b}"),
            (false, b) => write!(f, "uint{b}"),
        }
    }
}

impl FromStr for Dtype {
    type Err = QuantError;

    /// Accepts `qint8`, `quint8`, `int8`, `uint8` (aliases), `int<N>`, `uint<N>`, `qint<N>`, `quint<N>`
    /// and `torch.` prefixes, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || QuantError::UnknownDtype { name: s.to_string() };
        let lower = s.trim().to_ascii_lowercase();
        let name = lower.strip_prefix("torch.").unwrap_or(&lower);
        let (signed, digits) = if let Some(rest) = name.strip_prefix("quint").or_else(|| name.strip_prefix("uint")) {
            (false, rest)
        } else if let Some(rest) = name.strip_prefix("qint").or_else(|| name.strip_prefix("int")) {
            (true, rest)
        } else {
            return Err(unknown());
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 3 {
            return Err(unknown());
        }
        let bits: u32 = digits.parse().map_err(|_| unknown())?;
        Dtype::new(signed, bits)
    }
}

impl Serialize for Dtype {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Dtype {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ranges() {
        let cases = [
            ("qint8", -128, 127),
            ("int8", -128, 127),
            ("quint8", 0, 255),
            ("uint8", 0, 255),
            ("int4", -8, 7),
            ("uint4", 0, 15),
            ("int2", -2, 1),
            ("INT16", -32768, 32767),
            ("uint16", 0, 65535),
            ("torch.qint8", -128, 127),
        ];
        for (name, qmin, qmax) in cases {
            let d: Dtype = name.parse().unwrap();
            assert_eq!(d.full_range(), IntRange { qmin, qmax }, "{name}");
        }
        assert_eq!(Dtype::QINT8.to_string(), "qint8");
        assert_eq!("int4".parse::<Dtype>().unwrap().to_string(), "int4");
    }

    #[test]
    fn rejects_unknown() {
        for bad in ["int1", "int17", "float8", "int", "int-4", "int8x", ""] {
            assert!(bad.parse::<Dtype>().is_err(), "{bad}");
        }
    }
}
