//! Errors of the core: every rejection is a value that says where and why.

use serde::Serialize;
use thiserror::Error;

/// A rejected piece of pasted text, located to the character.
///
/// `line` and `column` are 1-based; `column` counts Unicode characters, so it
/// matches what an editor shows.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize)]
#[error("line {line}, column {column}: {problem} `{text}` (expected {expected})")]
pub struct ParseError {
    /// 1-based line number in the input.
    pub line: usize,
    /// 1-based column (in characters) where the offending text starts.
    pub column: usize,
    /// The offending text, as typed (shortened when very long).
    pub text: String,
    /// What is wrong with it, e.g. "not a number".
    pub problem: String,
    /// What was expected instead.
    pub expected: String,
}

impl ParseError {
    /// Builds an error; the text is cut to 60 characters so messages stay readable.
    pub fn new(line: usize, column: usize, text: &str, problem: impl Into<String>, expected: impl Into<String>) -> Self {
        let text = if text.chars().count() > 60 {
            let cut: String = text.chars().take(57).collect();
            format!("{cut}...")
        } else {
            text.to_string()
        };
        ParseError { line, column, text, problem: problem.into(), expected: expected.into() }
    }
}

/// Everything else the core can refuse: inconsistent options or parameters.
#[derive(Clone, Debug, PartialEq, Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuantError {
    /// A dtype name that is not known.
    #[error("unknown dtype `{name}` (expected qint8, quint8, int8, uint8, int<N> or uint<N> with N from 2 to 16)")]
    UnknownDtype {
        /// The name given.
        name: String,
    },
    /// An integer width outside 2..=16.
    #[error("bit width {bits} is not supported (expected 2 to 16)")]
    BitWidth {
        /// The width given.
        bits: u32,
    },
    /// A custom integer range that is empty, does not fit the dtype, or excludes 0 where the convention needs it.
    #[error("quant range [{qmin}, {qmax}] is invalid: {reason}")]
    QuantRange {
        /// Lower end given.
        qmin: i64,
        /// Upper end given.
        qmax: i64,
        /// Why it is refused.
        reason: String,
    },
    /// A combination of options that the chosen convention refuses (as its framework does).
    #[error("{convention} refuses this combination: {reason}")]
    Unsupported {
        /// The convention's name.
        convention: String,
        /// The framework's own reason.
        reason: String,
    },
    /// A manual scale that is not a positive finite number.
    #[error("channel {channel} (`{name}`): scale {scale} is invalid (expected a finite number > 0)")]
    ManualScale {
        /// 0-based channel index.
        channel: usize,
        /// Channel name.
        name: String,
        /// The scale given.
        scale: f64,
    },
    /// A manual zero point outside [qmin, qmax].
    #[error("channel {channel} (`{name}`): zero point {zero_point} is outside the integer range [{qmin}, {qmax}]")]
    ManualZeroPoint {
        /// 0-based channel index.
        channel: usize,
        /// Channel name.
        name: String,
        /// The zero point given.
        zero_point: i64,
        /// Range lower end.
        qmin: i64,
        /// Range upper end.
        qmax: i64,
    },
    /// A calibration range with min > max, or one whose width overflows.
    #[error("channel {channel} (`{name}`): range [{min}, {max}] is invalid: {reason}")]
    BadRange {
        /// 0-based channel index.
        channel: usize,
        /// Channel name.
        name: String,
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
        /// Why it is refused.
        reason: String,
    },
    /// The number of per-channel parameter sets does not match the channels.
    #[error("{given} parameter sets for {channels} channels")]
    ParamCount {
        /// Parameter sets given.
        given: usize,
        /// Channels in the tensor.
        channels: usize,
    },
    /// A shape or channel axis that does not fit the data.
    #[error("shape {shape:?} with channel axis {axis} does not fit {len} values: {reason}")]
    Shape {
        /// The shape.
        shape: Vec<usize>,
        /// The channel axis.
        axis: usize,
        /// Number of values.
        len: usize,
        /// Why.
        reason: String,
    },
    /// There is nothing to analyse.
    #[error("no values to analyse")]
    Empty,
}
