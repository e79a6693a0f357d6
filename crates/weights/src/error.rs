//! Errors: what is wrong, and with which tensor.

use thiserror::Error;

/// A refused file or tensor: the tensor it concerns (when it concerns one) and the problem.
#[derive(Clone, Debug, PartialEq, Error)]
#[error("{}{problem}", tensor.as_ref().map(|t| format!("tensor `{t}`: ")).unwrap_or_default())]
pub struct Error {
    /// The tensor, when the problem is in one tensor's entry or data.
    pub tensor: Option<String>,
    /// What is wrong.
    pub problem: Problem,
}

impl Error {
    /// A problem with the file as a whole.
    pub fn file(problem: Problem) -> Self {
        Error { tensor: None, problem }
    }
    /// A problem with one tensor.
    pub fn tensor(name: &str, problem: Problem) -> Self {
        Error { tensor: Some(name.to_string()), problem }
    }
}

/// What is wrong with a file or a tensor.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum Problem {
    /// The source could not be read.
    #[error("cannot read bytes {start}..{end}: {message}")]
    Io {
        /// First byte asked for.
        start: u64,
        /// One past the last byte.
        end: u64,
        /// The reader's message.
        message: String,
    },
    /// Neither `.npy`, `.npz` (zip) nor `.safetensors`.
    #[error("not a .npy, .npz or .safetensors file (it starts with {found})")]
    UnknownFormat {
        /// The first bytes, escaped.
        found: String,
    },
    /// The file ends before something its header promises.
    #[error("truncated: the {what} needs bytes {start}..{end} but the file has {len}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// First byte needed.
        start: u64,
        /// One past the last byte needed.
        end: u64,
        /// The file's (or member's) length.
        len: u64,
    },
    /// A header length beyond the format's limit.
    #[error("the {format} header length {len} exceeds the limit of {max} bytes")]
    HeaderTooLarge {
        /// `npy` or `safetensors`.
        format: &'static str,
        /// The length the file claims.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// A header that does not parse or misses a field.
    #[error("bad {format} header: {reason}")]
    BadHeader {
        /// `npy` or `safetensors`.
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The product of the shape (or its byte size) does not fit 64 bits.
    #[error("the shape {shape:?} overflows")]
    ShapeOverflow {
        /// The shape.
        shape: Vec<u64>,
    },
    /// The shape and dtype need a different number of bytes than the header gives the data.
    #[error("the shape {shape:?} of {dtype} needs {needed} bytes but the header gives it {declared}")]
    SizeMismatch {
        /// The shape.
        shape: Vec<u64>,
        /// The dtype as written in the file.
        dtype: String,
        /// `elements · itemsize`.
        needed: u64,
        /// What the header or file gives.
        declared: u64,
    },
    /// Offsets that overlap, leave a gap, or reach past the data.
    #[error("data offsets {start}..{end}: {reason}")]
    BadOffsets {
        /// Start offset as written.
        start: u64,
        /// End offset as written.
        end: u64,
        /// What is wrong.
        reason: String,
    },
    /// A name that appears twice.
    #[error("the name appears twice")]
    DuplicateName,
    /// Loading a tensor quantscope cannot analyse.
    #[error("{dtype} is not analysable: {reason}")]
    NotAnalysable {
        /// The dtype as written in the file.
        dtype: String,
        /// Why.
        reason: String,
    },
    /// No tensor of that name.
    #[error("no tensor named `{name}` in the file")]
    NoSuchTensor {
        /// The name asked for.
        name: String,
    },
    /// The zip container (.npz) is damaged.
    #[error("bad .npz (zip) container: {0}")]
    Zip(String),
    /// The core refused the tensor (e.g. the channel axis is beyond the last dimension).
    #[error("{0}")]
    Quant(quantscope_core::QuantError),
    /// The progress callback asked to stop.
    #[error("cancelled")]
    Cancelled,
}
