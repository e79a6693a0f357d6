//! The tensor layout (the per-channel vs per-tensor calculator's and the per-channel PTQ
//! exercise's): one channel per line or per `;`, optional `name:` label.

use super::builder::{ParsedTensor, RowBuilder};
use super::lines::{for_each_value, in_halves, lines, split_at_byte, PARALLEL_TEXT_BYTES};
use crate::error::ParseError;

/// Parses a tensor typed one channel per line or per `;`: `name: 1, 2, 3; 4 5 6`.
///
/// Channels without a label are named `ch0`, `ch1`, ... A label with no values is an error.
pub fn parse_tensor(text: &str, name: &str) -> Result<ParsedTensor, ParseError> {
    tensor_in_halves(text, name, PARALLEL_TEXT_BYTES)
}

/// [`parse_tensor`], in two halves from `min_bytes` of text.
pub(super) fn tensor_in_halves(text: &str, name: &str, min_bytes: usize) -> Result<ParsedTensor, ParseError> {
    let (mut rows, second) = in_halves(text, min_bytes, tensor_rows)?;
    if let Some(second) = second {
        rows.append_channels(second);
    }
    if rows.names.is_empty() {
        return Err(ParseError::new(1, 1, "", "no values", "at least one channel of numbers"));
    }
    Ok(rows.finish(name))
}

/// The channels of `text`, its first line numbered `first_line`.
pub(super) fn tensor_rows(text: &str, first_line: usize, room: usize) -> Result<RowBuilder, ParseError> {
    let mut rows = RowBuilder::for_text(text, room);
    for line in lines(text, first_line) {
        let mut base = 0;
        for segment in split_at_byte(line.text, b';') {
            let seg_base = base;
            base += segment.len() + 1;
            if segment.trim().is_empty() {
                continue;
            }
            let (label, values, values_base) = match memchr::memchr(b':', segment.as_bytes()) {
                Some(colon) => {
                    let label = segment[..colon].trim();
                    if label.is_empty() {
                        return Err(line.error(seg_base + colon, ":", "empty channel name before", "a name such as `conv1:`"));
                    }
                    (Some(label), &segment[colon + 1..], seg_base + colon + 1)
                }
                None => (None, segment, seg_base),
            };
            rows.open(label.map(str::to_string), line.number);
            for_each_value(&line, values, values_base, |token, byte, scanned| rows.push_scanned(&line, token, byte, scanned))?;
            if rows.open_len() == 0 {
                let label = label.unwrap_or_default();
                return Err(line.error(seg_base, label, "channel has no values", "values after the name"));
            }
        }
    }
    Ok(rows)
}
