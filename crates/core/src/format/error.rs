//! What the format paths refuse, each located (row and column are 1-based, as the CLI prints them).

use serde::Serialize;
use thiserror::Error;

/// A refused format token or input.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FormatError {
    /// A format token that does not parse.
    #[error("column {column}: {problem} `{token}` (expected {expected})")]
    Token {
        /// The token as given.
        token: String,
        /// 1-based column in the token where the problem starts.
        column: usize,
        /// What is wrong.
        problem: String,
        /// What was expected.
        expected: String,
    },
    /// A row whose length is not a multiple of the block or group size.
    #[error("row {row}: length {length} is not a multiple of the block size {block} of {format} (expected rows of {block}, {}, ... values)", 2 * block)]
    RowLength {
        /// 1-based row.
        row: usize,
        /// Its length.
        length: usize,
        /// The block or group size.
        block: usize,
        /// The format's token.
        format: String,
    },
    /// A NaN or infinite input value.
    #[error("row {row}, value {column}: `{value}` is not finite (expected a finite number)")]
    NonFinite {
        /// 1-based row.
        row: usize,
        /// 1-based position in the row.
        column: usize,
        /// The value as printed.
        value: String,
    },
    /// A matrix whose data does not have rows × cols values.
    #[error("the data has {len} values, not rows × cols = {rows} × {cols} (expected one value per element)")]
    Shape {
        /// Rows given.
        rows: usize,
        /// Columns given.
        cols: usize,
        /// Values given.
        len: usize,
    },
    /// A group or row whose range does not fit the format's float32 arithmetic.
    #[error("row {row}, values {start}..{end}: {reason} (expected a range whose width fits in float32)")]
    Range {
        /// 1-based row.
        row: usize,
        /// 1-based first value of the group.
        start: usize,
        /// 1-based last value of the group.
        end: usize,
        /// Why.
        reason: String,
    },
    /// Command-line or form options that contradict each other.
    #[error("{option}: {problem} (expected {expected})")]
    Options {
        /// The option (flag or field) at fault.
        option: String,
        /// What is wrong.
        problem: String,
        /// What was expected.
        expected: String,
    },
}

/// Something the result should say next to its numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FormatWarning {
    /// NVFP4 of an all-zero tensor (or one whose amax / 2688 underflows): torchao returns NaN; the
    /// result is zeros.
    ZeroTensor,
}

impl std::fmt::Display for FormatWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatWarning::ZeroTensor => f.write_str(
                "the tensor's amax is 0 (or amax / 2688 underflows): NVFP4's per-tensor scale is 0 and torchao returns NaN; the result is zeros",
            ),
        }
    }
}
