//! # quant: quantscope's quantization core
//!
//! Pure Rust, no web, file-system or terminal dependency: the browser app (wasm) and the
//! `quantscope` command line both call it, so every number either shows comes from here.
//!
//! The flow is one direction: text ([`parse`]) and options ([`spec::SpecOptions`]) in, a resolved
//! [`spec::QuantSpec`], one [`analysis::Analysis`] out. [`tools`] wraps it for the channels, tensor and values tools.
//!
//! Every convention quantizes as `q = clamp(round(x / s) + z, qmin, qmax)` and dequantizes as
//! `x̂ = (q - z) · s`; they differ in how `s` and `z` are chosen ([`params`]), in rounding
//! ([`rounding`]) and in precision ([`spec::Arithmetic`]).
#![deny(missing_docs)]

pub mod analysis;
pub mod calibrate;
pub mod compare;
pub mod dtype;
pub mod error;
pub mod exact;
pub mod format;
pub mod metrics;
pub mod params;
pub mod parse;
pub mod rounding;
mod simd;
pub mod spec;
pub mod sweep;
pub mod tensor;
pub mod tools;
pub mod transfer;
pub mod warning;

pub use analysis::{analyse, compare, Analysis, ChannelResult, Comparison, ParamSource};
pub use dtype::{Dtype, IntRange};
pub use error::{ParseError, QuantError};
pub use params::{QParams, RangeInput};
pub use rounding::Rounding;
pub use spec::{Convention, Granularity, QuantSpec, Scheme, SpecOptions, SymmetricDivisor};
pub use tensor::{Samples, Tensor};
pub use warning::Warning;
