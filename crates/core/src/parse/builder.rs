//! The parsed tensor and the builder that collects rows of numbers, with their decimals and where
//! their non-finite values were typed, straight into the tensor's one value array.

use super::lines::Line;
use super::number::{number_of, scan_whole, Scanned, NUMBER};
use crate::error::ParseError;
use crate::exact::Decimal;
use crate::tensor::{Layout, Samples, Tensor};
use serde::Serialize;

/// Where a non-finite value was typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValueLocation {
    /// Channel index.
    pub channel: usize,
    /// Index within the channel.
    pub index: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A parsed tensor with where its channels and non-finite values were typed.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedTensor {
    /// The tensor (rows layout; one row per channel).
    pub tensor: Tensor,
    /// The 1-based line of each channel.
    pub channel_lines: Vec<usize>,
    /// Every nan / inf typed.
    pub nonfinite: Vec<ValueLocation>,
}

/// Collects rows of numbers with their decimals, straight into the tensor's one value array.
pub(super) struct RowBuilder {
    /// `None`: unnamed, `ch<index>` once the index is known (a half of the text does not know it).
    pub(super) names: Vec<Option<String>>,
    pub(super) values: Vec<f64>,
    pub(super) offsets: Vec<usize>,
    pub(super) decimals: Vec<Option<Decimal>>,
    pub(super) lines: Vec<usize>,
    pub(super) nonfinite: Vec<ValueLocation>,
}

impl Default for RowBuilder {
    fn default() -> Self {
        RowBuilder {
            names: Vec::new(),
            values: Vec::new(),
            offsets: vec![0],
            decimals: Vec::new(),
            lines: Vec::new(),
            nonfinite: Vec::new(),
        }
    }
}

impl RowBuilder {
    /// Room for the values of `room` bytes of text like `text`: its first 64 KB are counted (a
    /// value is a run of bytes between separators) and the count scaled, with 5% to spare, so a
    /// paste fills its arrays without copying them as they grow (a million values' 8 MB of values
    /// and 24 MB of decimals were copied once in the worker when the room was one value per 8
    /// bytes and the values took 7.5). Text unlike its start grows the arrays as before.
    pub(super) fn for_text(text: &str, room: usize) -> Self {
        let values = estimated_values(text, room);
        RowBuilder { values: Vec::with_capacity(values), decimals: Vec::with_capacity(values), ..RowBuilder::default() }
    }

    /// Adds a token [`scan`] has read.
    #[inline]
    pub(super) fn push_scanned(&mut self, line: &Line<'_>, token: &str, byte: usize, scanned: Scanned) -> Result<(), ParseError> {
        let n =
            scanned.number.then(|| number_of(token, scanned)).flatten().ok_or_else(|| line.error(byte, token, "not a number", NUMBER))?;
        if !n.value.is_finite() {
            self.nonfinite.push(ValueLocation {
                channel: self.names.len() - 1,
                index: self.open_len(),
                line: line.number,
                column: line.column(byte),
            });
        }
        self.values.push(n.value);
        self.decimals.push(n.exact);
        Ok(())
    }

    /// Adds a whole field (channel lines), which must be one number.
    pub(super) fn push_value(&mut self, line: &Line<'_>, token: &str, byte: usize) -> Result<(), ParseError> {
        self.push_scanned(line, token, byte, scan_whole(token))
    }

    /// Values in the channel being read.
    pub(super) fn open_len(&self) -> usize {
        self.values.len() - self.offsets.last().copied().unwrap_or(0)
    }

    /// Starts the next channel (closing the one before).
    pub(super) fn open(&mut self, name: Option<String>, line: usize) {
        if !self.names.is_empty() {
            self.offsets.push(self.values.len());
        }
        self.names.push(name);
        self.lines.push(line);
    }

    /// Appends the channels of the text's next half.
    pub(super) fn append_channels(&mut self, next: RowBuilder) {
        if next.names.is_empty() {
            return;
        }
        let (channels, values) = (self.names.len(), self.values.len());
        if channels > 0 {
            self.offsets.push(values);
        }
        self.offsets.extend(next.offsets[1..].iter().map(|o| o + values));
        self.names.extend(next.names);
        self.lines.extend(next.lines);
        self.nonfinite.extend(next.nonfinite.into_iter().map(|v| ValueLocation { channel: v.channel + channels, ..v }));
        self.values.extend(next.values);
        self.decimals.extend(next.decimals);
    }

    /// Appends the values of the text's next half to the one channel (the Values tool's list).
    pub(super) fn append_values(&mut self, next: RowBuilder) {
        let values = self.values.len();
        self.nonfinite.extend(next.nonfinite.into_iter().map(|v| ValueLocation { index: v.index + values, ..v }));
        self.values.extend(next.values);
        self.decimals.extend(next.decimals);
    }

    pub(super) fn finish(mut self, name: &str) -> ParsedTensor {
        self.offsets.push(self.values.len());
        let names = self.names.into_iter().enumerate().map(|(i, n)| n.unwrap_or_else(|| format!("ch{i}"))).collect();
        let tensor = Tensor {
            name: name.to_string(),
            channel_names: names,
            data: Samples::F64(self.values),
            decimals: Some(self.decimals),
            layout: Layout::Rows { offsets: self.offsets },
        };
        ParsedTensor { tensor, channel_lines: self.lines, nonfinite: self.nonfinite }
    }
}

/// About how many values `room` bytes of text like `text` hold, from the runs of non-separator
/// bytes in its first 64 KB (a channel's name counts as one: a few to spare).
fn estimated_values(text: &str, room: usize) -> usize {
    const PREFIX: usize = 64 * 1024;
    let prefix = &text.as_bytes()[..text.len().min(PREFIX)];
    if prefix.is_empty() {
        return 0;
    }
    let separator = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',' | b';' | b':');
    let mut runs = 0usize;
    let mut inside = false;
    for &b in prefix {
        let starts = !separator(b) && !inside;
        runs += usize::from(starts);
        inside = !separator(b);
    }
    let per_byte = runs as f64 / prefix.len() as f64;
    (room as f64 * per_byte * 1.05) as usize + 16
}

/// Builds a dense tensor from parsed rows: equal-length rows as a `[rows, columns]` matrix with the
/// given channel axis (0: a channel per row, 1: a channel per column). Takes the rows by value: with
/// axis 0 they are the tensor (a million pasted values are 8 MB of values and 16 MB of decimals,
/// not copied), with axis 1 their values are moved into the matrix.
pub fn rows_to_matrix(t: Tensor, axis: usize) -> Result<Tensor, crate::error::QuantError> {
    if axis == 0 {
        return Ok(t);
    }
    let rows = t.channels();
    let cols = t.channel_len(0);
    let shape = vec![rows, cols];
    if (0..rows).any(|r| t.channel_len(r) != cols) {
        return Err(crate::error::QuantError::Shape {
            shape,
            axis,
            len: t.len(),
            reason: "channel axis 1 needs rows of equal length".into(),
        });
    }
    let mut out = Tensor::dense(t.name, t.data, shape, axis)?;
    out.decimals = t.decimals;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_room_holds_text_like_its_start_without_growing() {
        let line: Vec<String> = (0..1000).map(|i| format!("{:.4}", (i as f64).sin() * 2.0)).collect();
        let text = vec![line.join(" "); 200].join("\n");
        let values = estimated_values(&text, text.len());
        assert!((200_000..=212_000).contains(&values), "{values} for 200,000 values");
        // Named channels and commas: the names count as values (a few to spare).
        assert_eq!(estimated_values("a: 1, 2\nb: 3, 4", 15), 6 * 105 / 100 + 16);
        assert_eq!(estimated_values("", 0), 0);
        // The parse itself: the arrays are as long as the values, never shorter than estimated.
        let parsed = crate::parse::parse_tensor(&text, "t").unwrap();
        assert_eq!(parsed.tensor.len(), 200_000);
    }
}
