//! Parsers for the seeds' three text layouts. Every rejection is a located [`ParseError`](crate::error::ParseError); nothing panics.
//!
//! - channel lines (the per-channel calculator's): `channel,min,max,sample[,sample...]`, or `channel,scale,zero_point,sample...`
//!   in manual mode;
//! - a tensor (the per-channel vs per-tensor calculator's, the per-channel PTQ exercise's): one
//!   channel per line or per `;`, values separated by commas and/or white space, optional `name:`
//!   label;
//! - a flat list of values (the quantization error calculator's): separated by commas, white space, newlines or `;`.
//!
//! All accept blank lines and `#` comments, numbers such as `1e-3`, `-.5`, `+2`, and `nan` / `inf`
//! (kept, and flagged by the analysis, never silently used). Floats are converted by `fast-float2`
//! (correctly rounded); each number's exact decimal is kept for the textbook convention's ties.
//!
//! One module per input layout ([`tensor_rows`], [`values_list`], [`channel_lines`]), on the number
//! scanner ([`number`]), the line reader and the rows builder they share.

mod builder;
pub mod channel_lines;
mod lines;
pub mod number;
pub mod tensor_rows;
pub mod values_list;

pub use builder::{rows_to_matrix, ParsedTensor, ValueLocation};
pub use channel_lines::{parse_channel_lines, LineMode, ParsedChannels};
pub use number::{parse_number, parse_range, Number};
pub use tensor_rows::parse_tensor;
pub use values_list::parse_values;

#[cfg(test)]
mod tests;
