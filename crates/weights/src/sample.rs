//! A bounded, deterministic sample of one tensor for its charts, with the parameters of the full
//! data.
//!
//! The charts draw per-element results (`quantscope_core::Analysis` with elements: about 70 bytes per value),
//! far too much for a 300 MB tensor, and the app's page must not hold a second copy of it. So the
//! worker, which has the whole tensor, keeps at most [`MAX_SAMPLE_VALUES`] of its values: every
//! channel (every `channel_step`-th when there are more channels than that) and, of each, every
//! `value_step`-th value in the channel's order. Nothing random: the same tensor gives the same
//! sample.
//!
//! With the values go the ranges the full-data analysis derived its parameters from (each
//! channel's, and the tensor's for per-tensor), so [`Sample::compare`] quantizes the sample with
//! exactly the full data's scales and zero points ([`ParamSource::PerChannelRange`] and
//! [`ParamSource::Range`]), and the full data's figures of every kept channel (SQNR, MSE, clip
//! rate), which [`Sample::full_data_bars`] puts in the per-channel vs per-tensor chart so its bars
//! are the table's numbers, not the sample's.

use quantscope_core::analysis::{Comparison, MemoryEstimate, ParamSource};
use quantscope_core::metrics::{serialize_extended, Metrics};
use quantscope_core::sweep::{self, BitSweep};
use quantscope_core::tensor::Layout;
use quantscope_core::{Granularity, QuantError, QuantSpec, RangeInput, Samples, SpecOptions, Tensor};
use serde::{Deserialize, Serialize};

/// At most this many values are kept (2^16): the page analyses them on its main thread (about
/// 40 ms in Chromium here, where 2^18 took 150 ms and, with the charts, kept the page blocked past
/// half a second), the charts draw at most a few thousand primitives whatever the count, and the
/// histogram of 65 536 values already shows the distribution's tails.
pub const MAX_SAMPLE_VALUES: usize = 1 << 16;

/// A full-data figure of one granularity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// SQNR (dB; `+inf` when lossless).
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
    pub sqnr_db: Option<f64>,
    /// MSE.
    pub mse: Option<f64>,
    /// Clip rate.
    pub clip_rate: Option<f64>,
}

impl Figures {
    fn of(m: &Metrics) -> Self {
        Figures { sqnr_db: m.sqnr_db, mse: m.mse, clip_rate: m.clip_rate }
    }

    /// Writes these figures over a sample's metrics (and the RMSE that follows from the MSE).
    fn apply(&self, m: &mut Metrics) {
        m.sqnr_db = self.sqnr_db;
        m.mse = self.mse;
        m.rmse = self.mse.map(f64::sqrt);
        m.clip_rate = self.clip_rate;
    }
}

/// One kept channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampledChannel {
    /// Its index in the full tensor.
    pub index: usize,
    /// Its name (`ch<i>`).
    pub name: String,
    /// Values kept.
    pub count: usize,
    /// Values in the full data.
    pub len: usize,
    /// The range its per-channel parameters came from (`None`: no finite value, the core's `[0, 0]`).
    pub range: Option<(f64, f64)>,
    /// Its full-data figures with per-channel parameters.
    pub per_channel: Figures,
    /// Its full-data figures with the tensor's parameters.
    pub per_tensor: Figures,
}

/// The sampled values, in the precision of the tensor.
///
/// In JSON (the worker's replies to the page) they are their little-endian bytes in base64url,
/// `{"f32": "AACAPw"}` for `[1.0]`: every bit comes back, NaN, ±inf and −0 included (serde_json
/// writes a non-finite number as `null`, which then could not be read back), and the page reads
/// them at memory speed (65,536 float64 values written as JSON numbers were 50 ms of the page's
/// task reading a million pasted values' reply, profiled in Chromium).
#[derive(Clone, Debug, PartialEq)]
pub enum SampleValues {
    /// float32 (every weight file).
    F32(Vec<f32>),
    /// float64.
    F64(Vec<f64>),
}

/// [`SampleValues`] as written: the precision and the values' bytes in base64url (no padding).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum EncodedValues {
    F32(String),
    F64(String),
}

fn encode_bytes<const N: usize>(values: impl Iterator<Item = [u8; N]>) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(values.flatten().collect::<Vec<u8>>())
}

fn decode_bytes<E: serde::de::Error>(text: &str, width: usize) -> Result<Vec<u8>, E> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).map_err(E::custom)?;
    if bytes.len() % width != 0 {
        return Err(E::custom(format!("{} bytes of sample values are not whole {width}-byte values", bytes.len())));
    }
    Ok(bytes)
}

impl Serialize for SampleValues {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SampleValues::F32(values) => EncodedValues::F32(encode_bytes(values.iter().map(|v| v.to_le_bytes()))),
            SampleValues::F64(values) => EncodedValues::F64(encode_bytes(values.iter().map(|v| v.to_le_bytes()))),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SampleValues {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match EncodedValues::deserialize(deserializer)? {
            EncodedValues::F32(text) => SampleValues::F32(
                decode_bytes::<D::Error>(&text, 4)?.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            ),
            EncodedValues::F64(text) => SampleValues::F64(
                decode_bytes::<D::Error>(&text, 8)?
                    .chunks_exact(8)
                    .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                    .collect(),
            ),
        })
    }
}

impl SampleValues {
    fn len(&self) -> usize {
        match self {
            SampleValues::F32(v) => v.len(),
            SampleValues::F64(v) => v.len(),
        }
    }
}

/// A tensor's sample: the kept values channel after channel, the full data's ranges and figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// The tensor's name.
    pub tensor: String,
    /// Its full shape.
    pub shape: Vec<usize>,
    /// Its channel axis.
    pub axis: usize,
    /// Values in the full tensor.
    pub elements: usize,
    /// Channels in the full tensor.
    pub channels: usize,
    /// Every `channel_step`-th channel is kept (1: all of them).
    pub channel_step: usize,
    /// Every `value_step`-th value of a kept channel is kept (1: all of them).
    pub value_step: usize,
    /// The kept channels, in order.
    pub kept: Vec<SampledChannel>,
    /// Their values, channel after channel (`kept[i].count` each).
    pub values: SampleValues,
    /// The range the per-tensor parameters came from (`None`: no finite value).
    pub per_tensor_range: Option<(f64, f64)>,
    /// The full data's tensor-wide figures, per-channel parameters.
    pub per_channel: Figures,
    /// The full data's tensor-wide figures, per-tensor parameters.
    pub per_tensor: Figures,
    /// The full data's `SQNR(per-channel) - SQNR(per-tensor)`.
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
    pub sqnr_gain_db: Option<f64>,
    /// The full data's `MSE(per-tensor) / MSE(per-channel)`.
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
    pub mse_ratio: Option<f64>,
}

/// Reads what [`serialize_extended`] writes (a number, `"+inf"`, `"-inf"` or null): the core's one
/// reader, which the model table and the app's worker messages use too.
pub use quantscope_core::compare::deserialize_extended;

fn range_of(min: Option<f64>, max: Option<f64>) -> Option<(f64, f64)> {
    min.zip(max)
}

fn input(range: Option<(f64, f64)>) -> RangeInput {
    // No finite value: the core's own fallback for such a channel.
    let (lo, hi) = range.unwrap_or((0.0, 0.0));
    RangeInput::new(lo, hi)
}

impl Sample {
    /// Takes at most `max_values` values of `tensor` (at least one per kept channel), with the
    /// ranges and figures of its full-data `comparison` (`quantscope_core::analysis::compare_sources` of this
    /// tensor, without elements).
    pub fn take(tensor: &Tensor, comparison: &Comparison, max_values: usize) -> Sample {
        let channels = tensor.channels();
        let max_values = max_values.max(1);
        let channel_step = channels.div_ceil(max_values).max(1);
        let kept_indices: Vec<usize> = (0..channels).step_by(channel_step).collect();
        let budget = (max_values / kept_indices.len().max(1)).max(1);
        let longest = kept_indices.iter().map(|&c| tensor.channel_len(c)).max().unwrap_or(0);
        let value_step = longest.div_ceil(budget).max(1);

        // Where each channel's values go in the sample (None: not kept), and how many it has seen.
        let mut slot = vec![None; channels];
        for (k, &c) in kept_indices.iter().enumerate() {
            slot[c] = Some(k);
        }
        let mut picked: Vec<Vec<usize>> =
            kept_indices.iter().map(|&c| Vec::with_capacity(tensor.channel_len(c).div_ceil(value_step))).collect();
        let mut seen = vec![0usize; channels];
        for block in tensor.blocks() {
            let c = block.channel;
            let len = block.range.len();
            if let Some(k) = slot[c] {
                // The first position in this block that is a multiple of the step in the channel's order.
                let first = (value_step - seen[c] % value_step) % value_step;
                picked[k].extend((block.range.start + first..block.range.end).step_by(value_step));
            }
            seen[c] += len;
        }
        let values = match &tensor.data {
            Samples::F32(v) => SampleValues::F32(picked.iter().flatten().map(|&i| v[i]).collect()),
            Samples::F64(v) => SampleValues::F64(picked.iter().flatten().map(|&i| v[i]).collect()),
        };
        let pc = &comparison.per_channel;
        let pt = &comparison.per_tensor;
        let kept = kept_indices
            .iter()
            .zip(&picked)
            .map(|(&c, p)| {
                let full = pc.channels.get(c);
                SampledChannel {
                    index: c,
                    name: tensor.channel_names[c].clone(),
                    count: p.len(),
                    len: tensor.channel_len(c),
                    range: full.and_then(|r| range_of(r.min, r.max)),
                    per_channel: full.map(|r| Figures::of(&r.metrics)).unwrap_or_default(),
                    per_tensor: pt.channels.get(c).map(|r| Figures::of(&r.metrics)).unwrap_or_default(),
                }
            })
            .collect();
        Sample {
            tensor: tensor.name.clone(),
            shape: tensor.shape(),
            axis: tensor.axis(),
            elements: tensor.len(),
            channels,
            channel_step,
            value_step,
            kept,
            values,
            // Per tensor, every channel carries the tensor's range.
            per_tensor_range: pt.channels.first().and_then(|r| range_of(r.min, r.max)),
            per_channel: Figures::of(&pc.summary.metrics),
            per_tensor: Figures::of(&pt.summary.metrics),
            sqnr_gain_db: comparison.sqnr_gain_db,
            mse_ratio: comparison.mse_ratio,
        }
    }

    /// Values kept.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every value was kept (the charts are of the whole tensor).
    pub fn is_whole(&self) -> bool {
        self.len() == self.elements
    }

    /// What the charts of this sample show, for their captions: `the whole tensor (N values)`, or
    /// `a strided sample of N of M values (every k-th value of each channel)`.
    pub fn describe(&self) -> String {
        if self.is_whole() {
            return format!("the whole tensor ({} values)", self.elements);
        }
        let mut what = Vec::new();
        if self.value_step > 1 {
            what.push(format!("every {} value of each channel", ordinal(self.value_step)));
        }
        if self.channel_step > 1 {
            what.push(format!("every {} of the {} channels", ordinal(self.channel_step), self.channels));
        }
        format!("a strided sample of {} of {} values ({})", self.len(), self.elements, what.join(", "))
    }

    /// The sampled values as a tensor: one row per kept channel, named as in the full tensor.
    pub fn tensor(&self) -> Tensor {
        let mut offsets = Vec::with_capacity(self.kept.len() + 1);
        offsets.push(0);
        for k in &self.kept {
            offsets.push(offsets.last().copied().unwrap_or(0) + k.count);
        }
        let data = match &self.values {
            SampleValues::F32(v) => Samples::F32(v.clone()),
            SampleValues::F64(v) => Samples::F64(v.clone()),
        };
        Tensor {
            name: self.tensor.clone(),
            channel_names: self.kept.iter().map(|k| k.name.clone()).collect(),
            data,
            decimals: None,
            layout: Layout::Rows { offsets },
        }
    }

    /// The full data's parameter sources for the sample: `(per-channel, per-tensor)`.
    pub fn sources(&self) -> (ParamSource, ParamSource) {
        (ParamSource::PerChannelRange(self.kept.iter().map(|k| input(k.range)).collect()), ParamSource::Range(input(self.per_tensor_range)))
    }

    /// The core's analysis of the sample at `granularity` with the full data's parameters, with its
    /// per-element results (what the element charts draw).
    pub fn analyse(&self, tensor: &Tensor, spec: &QuantSpec, granularity: Granularity) -> Result<quantscope_core::Analysis, QuantError> {
        let (pc, pt) = self.sources();
        let source = match granularity {
            Granularity::PerChannel => pc,
            Granularity::PerTensor => pt,
        };
        quantscope_core::analysis::analyse(tensor, spec, granularity, &source, true)
    }

    /// Both granularities on the sample with the full data's parameters (metrics only).
    pub fn compare(&self, tensor: &Tensor, spec: &QuantSpec) -> Result<Comparison, QuantError> {
        let (pc, pt) = self.sources();
        quantscope_core::analysis::compare_sources(tensor, spec, &pc, &pt, false)
    }

    /// The per-channel vs per-tensor comparison the bar chart draws: the sample's [`quantscope_core::compare()`]
    /// (`Self::compare`) with every kept channel's and the tensor's SQNR, MSE and clip rate replaced
    /// by the full data's, and the memory of the full tensor, so the bars and the caption are the
    /// numbers of the model-wide table.
    pub fn full_data_bars(&self, sampled: Comparison) -> Comparison {
        let mut c = sampled;
        for (k, ch) in self.kept.iter().zip(c.per_channel.channels.iter_mut()) {
            k.per_channel.apply(&mut ch.metrics);
        }
        for (k, ch) in self.kept.iter().zip(c.per_tensor.channels.iter_mut()) {
            k.per_tensor.apply(&mut ch.metrics);
        }
        self.per_channel.apply(&mut c.per_channel.summary.metrics);
        self.per_tensor.apply(&mut c.per_tensor.summary.metrics);
        c.per_channel.summary.elements = self.elements;
        c.per_tensor.summary.elements = self.elements;
        c.memory = MemoryEstimate::new(self.elements, c.memory.bits, self.channels);
        c.sqnr_gain_db = self.sqnr_gain_db;
        c.mse_ratio = self.mse_ratio;
        c
    }

    /// The bit-width sweep (2 to 16 bits) of the sample with the full data's per-channel ranges
    /// (per tensor: their union, as the sweep of the Tensor tool), from the spec's `options`.
    pub fn sweep(&self, tensor: &Tensor, options: &SpecOptions) -> Result<BitSweep, QuantError> {
        let (pc, _) = self.sources();
        sweep::bit_sweep(tensor, options, &pc, sweep::BITS)
    }
}

/// `2nd`, `3rd`, `11th`, `21st`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
