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
    /// Room for the values of `bytes` of text at one value per 8 bytes (a value and its separator
    /// take about that in a pasted tensor), so that a typical paste fills its arrays without
    /// copying them as they grow (measured: one thread 160–200 → 185–305 MB/s on 10 MB); shorter
    /// values grow them as before.
    pub(super) fn for_text(bytes: usize) -> Self {
        let values = bytes / 8;
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

/// Builds a dense tensor from parsed rows: equal-length rows as a `[rows, columns]` matrix with the
/// given channel axis (0: a channel per row, 1: a channel per column).
pub fn rows_to_matrix(parsed: &ParsedTensor, axis: usize) -> Result<Tensor, crate::error::QuantError> {
    let t = &parsed.tensor;
    if axis == 0 {
        return Ok(t.clone());
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
    let data = match &t.data {
        Samples::F64(v) => Samples::F64(v.clone()),
        Samples::F32(v) => Samples::F32(v.clone()),
    };
    let mut out = Tensor::dense(t.name.clone(), data, shape, axis)?;
    out.decimals = t.decimals.clone();
    Ok(out)
}
