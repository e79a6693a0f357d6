//! The flat list layout (the quantization error calculator's): one channel of values separated by commas, white space,
//! newlines or `;`.

use super::builder::{ParsedTensor, RowBuilder};
use super::lines::{for_each_value, in_halves, lines, split_at_byte, PARALLEL_TEXT_BYTES};
use crate::error::ParseError;

/// Parses a flat list of values (commas, white space, newlines or `;` between them) as one channel.
pub fn parse_values(text: &str, name: &str) -> Result<ParsedTensor, ParseError> {
    values_in_halves(text, name, PARALLEL_TEXT_BYTES)
}

/// [`parse_values`], in two halves from `min_bytes` of text.
pub(super) fn values_in_halves(text: &str, name: &str, min_bytes: usize) -> Result<ParsedTensor, ParseError> {
    let (mut rows, second) = in_halves(text, min_bytes, |text, first_line, room| {
        let mut rows = RowBuilder::for_text(text, room);
        rows.open(None, first_line);
        for line in lines(text, first_line) {
            let mut base = 0;
            for segment in split_at_byte(line.text, b';') {
                let seg_base = base;
                base += segment.len() + 1;
                for_each_value(&line, segment, seg_base, |token, byte, scanned| rows.push_scanned(&line, token, byte, scanned))?;
            }
        }
        Ok(rows)
    })?;
    if let Some(second) = second {
        rows.append_values(second);
    }
    if rows.values.is_empty() {
        return Err(ParseError::new(1, 1, "", "no values", "a list of numbers such as -1.25, 0.14, 0.79"));
    }
    rows.names[0] = Some(name.to_string());
    Ok(rows.finish(name))
}
