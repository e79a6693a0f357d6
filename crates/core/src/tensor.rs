//! Tensors: values, channel names and where each channel's values lie.

use crate::error::QuantError;
use crate::exact::Decimal;
use std::ops::Range;

/// The values of a tensor, in memory order, in the precision they came in.
#[derive(Clone, Debug, PartialEq)]
pub enum Samples {
    /// Pasted text (and f64 files): f64, and float32 conventions cast each value to float32 as
    /// `torch.tensor(list_of_python_floats)` does.
    F64(Vec<f64>),
    /// float32 data (weight files): widened exactly where f64 is needed.
    F32(Vec<f32>),
}

impl Samples {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Samples::F64(v) => v.len(),
            Samples::F32(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `i` as f64 (exact for both precisions).
    pub fn get(&self, i: usize) -> f64 {
        match self {
            Samples::F64(v) => v[i],
            Samples::F32(v) => v[i] as f64,
        }
    }
}

/// Where the values of each channel are.
#[derive(Clone, Debug, PartialEq)]
pub enum Layout {
    /// Channel `c` is `values[offsets[c]..offsets[c + 1]]` (pasted rows; channels may differ in length).
    Rows {
        /// `channels + 1` offsets, the first 0 and the last the number of values.
        offsets: Vec<usize>,
    },
    /// A dense row-major tensor of `shape`; channel `c` is every element whose index along `axis` is `c`.
    Strided {
        /// The shape.
        shape: Vec<usize>,
        /// The channel axis.
        axis: usize,
    },
}

/// A tensor to analyse.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Display name.
    pub name: String,
    /// One name per channel.
    pub channel_names: Vec<String>,
    /// The values in memory order.
    pub data: Samples,
    /// For pasted text: each value's exact decimal (`None` for nan/inf and over-long numbers).
    pub decimals: Option<Vec<Option<Decimal>>>,
    /// Where each channel's values are.
    pub layout: Layout,
}

/// A contiguous run of one channel's values, in memory order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The channel.
    pub channel: usize,
    /// Indices into the tensor's values.
    pub range: Range<usize>,
}

impl Tensor {
    /// A tensor whose channels are rows of possibly different lengths (pasted text, axis 0).
    pub fn from_rows(name: impl Into<String>, channel_names: Vec<String>, rows: Vec<Vec<f64>>) -> Tensor {
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        offsets.push(0);
        let mut data = Vec::with_capacity(rows.iter().map(Vec::len).sum());
        for row in rows {
            data.extend_from_slice(&row);
            offsets.push(data.len());
        }
        Tensor { name: name.into(), channel_names, data: Samples::F64(data), decimals: None, layout: Layout::Rows { offsets } }
    }

    /// A dense tensor of any rank with a channel axis; channel names default to `ch0`, `ch1`, ...
    pub fn dense(name: impl Into<String>, data: Samples, shape: Vec<usize>, axis: usize) -> Result<Tensor, QuantError> {
        let len = data.len();
        let shape_error = |reason: &str| QuantError::Shape { shape: shape.clone(), axis, len, reason: reason.to_string() };
        if shape.is_empty() {
            return Err(shape_error("a tensor needs at least one dimension"));
        }
        if axis >= shape.len() {
            return Err(shape_error("the axis is beyond the last dimension"));
        }
        let elements = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or_else(|| shape_error("the shape overflows"))?;
        if elements != len {
            return Err(shape_error("the number of values does not match the shape"));
        }
        let channel_names = (0..shape[axis]).map(|c| format!("ch{c}")).collect();
        Ok(Tensor { name: name.into(), channel_names, data, decimals: None, layout: Layout::Strided { shape, axis } })
    }

    /// Number of channels.
    pub fn channels(&self) -> usize {
        self.channel_names.len()
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The exact decimal of value `i`, when it was typed.
    pub fn decimal(&self, i: usize) -> Option<Decimal> {
        self.decimals.as_ref().and_then(|d| d[i])
    }

    /// Number of values in channel `c`.
    pub fn channel_len(&self, c: usize) -> usize {
        match &self.layout {
            Layout::Rows { offsets } => offsets[c + 1] - offsets[c],
            Layout::Strided { shape, axis } => self.len().checked_div(shape[*axis]).unwrap_or(0),
        }
    }

    /// The runs of values in memory order, each belonging to one channel.
    pub fn blocks(&self) -> Blocks<'_> {
        let (outer, inner) = match &self.layout {
            Layout::Rows { .. } => (1, 0),
            Layout::Strided { shape, axis } => (shape[..*axis].iter().product::<usize>(), shape[axis + 1..].iter().product::<usize>()),
        };
        Blocks { tensor: self, next: 0, total: outer * self.channels(), inner }
    }

    /// The tensor's shape: `[channels, length]` for equal rows, `[values]`-per-row otherwise described as rows.
    pub fn shape(&self) -> Vec<usize> {
        match &self.layout {
            Layout::Strided { shape, .. } => shape.clone(),
            Layout::Rows { .. } => {
                let c = self.channels();
                let first = if c > 0 { self.channel_len(0) } else { 0 };
                if (0..c).all(|i| self.channel_len(i) == first) {
                    vec![c, first]
                } else {
                    vec![self.len()]
                }
            }
        }
    }

    /// The channel axis (0 for rows).
    pub fn axis(&self) -> usize {
        match &self.layout {
            Layout::Strided { axis, .. } => *axis,
            Layout::Rows { .. } => 0,
        }
    }
}

/// Iterator over a tensor's [`Block`]s.
pub struct Blocks<'a> {
    tensor: &'a Tensor,
    next: usize,
    total: usize,
    inner: usize,
}

impl Iterator for Blocks<'_> {
    type Item = Block;
    fn next(&mut self) -> Option<Block> {
        if self.next >= self.total {
            return None;
        }
        let k = self.next;
        self.next += 1;
        Some(match &self.tensor.layout {
            Layout::Rows { offsets } => Block { channel: k, range: offsets[k]..offsets[k + 1] },
            Layout::Strided { .. } => Block { channel: k % self.tensor.channels(), range: k * self.inner..(k + 1) * self.inner },
        })
    }
}

/// A sample's precision as the analysis loops read it: float32 or f64, both convertible to the other.
pub(crate) trait Sample: Copy {
    /// The value as float32 (rounded to nearest for f64, as `x as f32`).
    fn f32(self) -> f32;
    /// The value as f64 (exact for float32).
    fn f64(self) -> f64;
    /// The run itself when it is float32 (the SIMD loops read float32 only).
    fn as_f32(xs: &[Self]) -> Option<&[f32]>;
    /// The run itself when it is f64 (the textbook convention's SIMD loop reads both).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn as_f64(xs: &[Self]) -> Option<&[f64]>;
}
impl Sample for f32 {
    #[inline(always)]
    fn f32(self) -> f32 {
        self
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self as f64
    }
    fn as_f32(xs: &[Self]) -> Option<&[f32]> {
        Some(xs)
    }
    fn as_f64(_: &[Self]) -> Option<&[f64]> {
        None
    }
}
impl Sample for f64 {
    #[inline(always)]
    fn f32(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self
    }
    fn as_f32(_: &[Self]) -> Option<&[f32]> {
        None
    }
    fn as_f64(xs: &[Self]) -> Option<&[f64]> {
        Some(xs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_blocks() {
        let t = Tensor::from_rows("t", vec!["a".into(), "b".into()], vec![vec![1.0, 2.0, 3.0], vec![4.0]]);
        let blocks: Vec<_> = t.blocks().collect();
        assert_eq!(blocks, vec![Block { channel: 0, range: 0..3 }, Block { channel: 1, range: 3..4 }]);
        assert_eq!(t.shape(), vec![4]);
    }

    #[test]
    fn conv_weight_axis_1() {
        // [O=2, I=3, kH=1, kW=2], channel axis 1 (input channels)
        let t = Tensor::dense("w", Samples::F32((0..12).map(|v| v as f32).collect()), vec![2, 3, 1, 2], 1).unwrap();
        assert_eq!(t.channels(), 3);
        assert_eq!(t.channel_len(1), 4);
        let channel_1: Vec<f64> = t.blocks().filter(|b| b.channel == 1).flat_map(|b| b.range).map(|i| t.data.get(i)).collect();
        assert_eq!(channel_1, vec![2.0, 3.0, 8.0, 9.0]);
    }

    #[test]
    fn bad_shapes() {
        assert!(Tensor::dense("w", Samples::F32(vec![0.0; 5]), vec![2, 3], 0).is_err());
        assert!(Tensor::dense("w", Samples::F32(vec![0.0; 6]), vec![2, 3], 2).is_err());
        assert!(Tensor::dense("w", Samples::F32(vec![]), vec![usize::MAX, 3], 0).is_err());
    }
}
