//! The analysis's results: per channel, per tensor, side by side, and where the parameters came from.

use crate::exact::Decimal;
use crate::metrics::{serialize_extended, Metrics};
use crate::params::RangeInput;
use crate::spec::{Granularity, QuantSpec};
use crate::warning::Warning;
use serde::Serialize;

/// Where the parameters come from.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamSource {
    /// min/max of the data itself (finite values).
    Data,
    /// One calibration range for every channel (or for the tensor).
    Range(RangeInput),
    /// One calibration range per channel (per-tensor: their union).
    PerChannelRange(Vec<RangeInput>),
    /// Scale and zero point given by hand, one set per channel (per-tensor: exactly one set).
    Manual(Vec<ManualParams>),
}

/// A hand-typed scale and zero point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ManualParams {
    /// Scale.
    pub scale: f64,
    /// The scale as typed.
    pub scale_exact: Option<Decimal>,
    /// Zero point.
    pub zero_point: i64,
}

/// Per-element results of one channel, in the channel's order. `None` marks a non-finite input.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChannelElements {
    /// The original values (as the convention sees them: float32 conventions widen `x as f32`).
    pub x: Vec<f64>,
    /// `round(x / s) + z` before clamping.
    pub q_raw: Vec<Option<f64>>,
    /// The quantized integers, clamped to `[qmin, qmax]`.
    pub q: Vec<Option<i64>>,
    /// `x̂ = (q - z) · s`.
    pub dequantized: Vec<Option<f64>>,
    /// `e = x̂ - x`.
    pub error: Vec<Option<f64>>,
    /// Whether the value was clamped.
    pub clipped: Vec<bool>,
}

/// The result for one channel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelResult {
    /// 0-based index along the channel axis.
    pub index: usize,
    /// Name (from the input, or `ch<i>`).
    pub name: String,
    /// Lower end of the range the parameters came from (given, or the data's min; for manual parameters the data's).
    pub min: Option<f64>,
    /// Upper end of that range.
    pub max: Option<f64>,
    /// `max - min`.
    pub range: Option<f64>,
    /// Smallest finite value in the channel's data.
    pub data_min: Option<f64>,
    /// Largest finite value in the channel's data.
    pub data_max: Option<f64>,
    /// Scale used for this channel.
    pub scale: f64,
    /// Zero point used for this channel.
    pub zero_point: i64,
    /// Reconstruction metrics.
    #[serde(flatten)]
    pub metrics: Metrics,
    /// Flags for this channel.
    pub warnings: Vec<Warning>,
    /// Per-element results, when asked for. Shared: the tensor tool's report holds its
    /// granularity's analysis beside both sides of the comparison, and a million values' elements
    /// are 73 MB to copy (and, in a fresh worker, to fault in).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub elements: Option<std::sync::Arc<ChannelElements>>,
}

/// The tensor-wide summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Number of values (finite or not).
    pub elements: usize,
    /// Smallest finite value.
    pub min: Option<f64>,
    /// Largest finite value.
    pub max: Option<f64>,
    /// Metrics over every finite value.
    #[serde(flatten)]
    pub metrics: Metrics,
    /// Tensor-wide flags (per-tensor parameter warnings, totals).
    pub warnings: Vec<Warning>,
}

/// One analysis: the spec it used, one result per channel, and the tensor summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Analysis {
    /// Tensor name.
    pub tensor: String,
    /// The convention label, e.g. `pytorch` or `pytorch (custom: rounding)`.
    pub convention: String,
    /// The resolved spec.
    pub spec: QuantSpec,
    /// Per channel or per tensor.
    pub granularity: Granularity,
    /// Shape of the data.
    pub shape: Vec<usize>,
    /// Channel axis.
    pub axis: usize,
    /// Per-channel results (with per-tensor granularity every channel carries the tensor's parameters).
    pub channels: Vec<ChannelResult>,
    /// Whole-tensor results.
    pub summary: Summary,
}

impl ChannelResult {
    /// A copy of the channel's results without its per-element values (which a clone would copy
    /// first: 73 bytes per value).
    pub fn without_elements(&self) -> ChannelResult {
        // The rest of the fields are plain numbers, copied.
        ChannelResult { name: self.name.clone(), metrics: self.metrics.clone(), warnings: self.warnings.clone(), elements: None, ..*self }
    }
}

impl Analysis {
    /// A copy of the analysis without any channel's per-element values.
    pub fn without_elements(&self) -> Analysis {
        Analysis {
            tensor: self.tensor.clone(),
            convention: self.convention.clone(),
            spec: self.spec.clone(),
            granularity: self.granularity,
            shape: self.shape.clone(),
            axis: self.axis,
            channels: self.channels.iter().map(ChannelResult::without_elements).collect(),
            summary: self.summary.clone(),
        }
    }
}

/// The memory estimate of the per-channel vs per-tensor calculator.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemoryEstimate {
    /// Number of values.
    pub elements: usize,
    /// Storage bits per value.
    pub bits: u32,
    /// `elements · bits / 8` bytes.
    pub payload_bytes: f64,
    /// `payload + 8` bytes (one scale/zero-point pair).
    pub per_tensor_bytes: f64,
    /// `payload + channels · 8` bytes.
    pub per_channel_bytes: f64,
    /// Number of channels.
    pub channels: usize,
}

impl MemoryEstimate {
    /// `payload = elements · bits / 8`; per-tensor adds 8 bytes, per-channel `channels · 8` bytes.
    pub fn new(elements: usize, bits: u32, channels: usize) -> Self {
        let payload = elements as f64 * bits as f64 / 8.0;
        MemoryEstimate {
            elements,
            bits,
            payload_bytes: payload,
            per_tensor_bytes: payload + 8.0,
            per_channel_bytes: payload + channels as f64 * 8.0,
            channels,
        }
    }
}

/// Per-channel and per-tensor on the same tensor, side by side.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Per-channel analysis.
    pub per_channel: Analysis,
    /// Per-tensor analysis.
    pub per_tensor: Analysis,
    /// Memory of each.
    pub memory: MemoryEstimate,
    /// `SQNR(per-channel) - SQNR(per-tensor)` in dB (`null` when undefined, e.g. both lossless).
    #[serde(serialize_with = "serialize_extended")]
    pub sqnr_gain_db: Option<f64>,
    /// `MSE(per-tensor) / MSE(per-channel)`.
    #[serde(serialize_with = "serialize_extended")]
    pub mse_ratio: Option<f64>,
}
