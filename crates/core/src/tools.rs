//! The text tools of the app and the CLI (`channels`, `tensor`, `values`; `file` reads weight files): text and options in,
//! one report out. The browser app and the command line both call these; neither computes a number itself.

use crate::analysis::{self, Analysis, ChannelResult, Comparison, MemoryEstimate, ParamSource, Summary};
use crate::calibrate::{self, Calibration};
use crate::error::{ParseError, QuantError};
use crate::exact;
use crate::format::FormatKnobs;
use crate::metrics::{serialize_extended, serialize_extended_vec, sqnr_db};
use crate::parse::{self, LineMode, ParsedTensor, ValueLocation};
use crate::spec::{Granularity, QuantSpec, SpecOptions};
use crate::tensor::Tensor;
use num_traits::ToPrimitive;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Every option of the channels, tensor and values tools, named as the CLI flags and the form fields are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolOptions {
    /// Convention and its overrides.
    #[serde(flatten)]
    pub spec: SpecOptions,
    /// Per channel or per tensor (tensor tool: which one the `channels` list reports; values tool: ignored).
    pub granularity: Granularity,
    /// Channels tool: min/max lines or manual scale/zero point lines.
    pub param_mode: LineMode,
    /// A custom calibration range `MIN:MAX` for every channel (tensor and values tools); empty: from the data.
    pub range: String,
    /// Tensor tool: channel axis of the pasted matrix (0: a channel per row, 1: a channel per column).
    /// Channels tool: the channel axis of the original tensor the lines describe (the per-channel calculator's), a label
    /// carried into the report and the hand-off to PyTorch / ONNX (`quantize_per_channel(..., axis)`).
    pub axis: usize,
    /// Tensor name shown in reports.
    pub tensor_name: String,
    /// Include per-element results (q, dequantized, ...) in the report.
    pub keep_values: bool,
    /// How the range is chosen when no `range` is typed (tensor and values tools; default min/max).
    pub calibration: Calibration,
    /// The format flags given (`--preset`, `--group-size`, a float `--dtype`, `--granularity
    /// per-group`, with the `--dtype`, `--scheme`, `--granularity` and `--convention` texts beside
    /// them); when they name a format (`FormatKnobs::is_format`) the format path computes instead of
    /// the conventions'. Empty for the integer conventions.
    #[serde(default, skip_serializing_if = "FormatKnobs::is_empty")]
    pub format: FormatKnobs,
}

impl Default for ToolOptions {
    fn default() -> Self {
        ToolOptions {
            spec: SpecOptions::default(),
            granularity: Granularity::PerChannel,
            param_mode: LineMode::MinMax,
            range: String::new(),
            axis: 0,
            tensor_name: "tensor".into(),
            keep_values: false,
            calibration: Calibration::default(),
            format: FormatKnobs::default(),
        }
    }
}

/// A tool's refusal: bad text (located), a bad option, or an inconsistent setting.
#[derive(Clone, Debug, PartialEq, Error, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum ToolError {
    /// The pasted input.
    #[error("input: {0}")]
    Input(ParseError),
    /// A form field / CLI option, e.g. `range`.
    #[error("{field}: {error}")]
    Option {
        /// The option's name.
        field: &'static str,
        /// What is wrong with it.
        error: ParseError,
    },
    /// Parameters or options the core refuses.
    #[error("{0}")]
    Quant(QuantError),
}

impl From<QuantError> for ToolError {
    fn from(e: QuantError) -> Self {
        ToolError::Quant(e)
    }
}

fn resolve(options: &ToolOptions) -> Result<QuantSpec, ToolError> {
    Ok(QuantSpec::resolve(&options.spec)?)
}

/// The parameter sources `(per-channel, per-tensor)`: a typed range, else the calibration method's.
fn calibrated(tensor: &Tensor, spec: &QuantSpec, options: &ToolOptions) -> Result<(ParamSource, ParamSource), ToolError> {
    match custom_range(options)? {
        ParamSource::Data => calibrate::sources(tensor, spec, &options.calibration).map_err(|reason| ToolError::Option {
            field: "percentile",
            error: ParseError::new(1, 1, &options.calibration.percentile.to_string(), reason, "a percentile in (0, 100], e.g. 99.999"),
        }),
        typed => Ok((typed.clone(), typed)),
    }
}

fn custom_range(options: &ToolOptions) -> Result<ParamSource, ToolError> {
    if options.range.trim().is_empty() {
        Ok(ParamSource::Data)
    } else {
        let r = parse::parse_range(options.range.trim()).map_err(|error| ToolError::Option { field: "range", error })?;
        Ok(ParamSource::Range(r))
    }
}

/// One row of the per-channel calculator's table: a channel's sample with every column the page prints and more.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SampleRow {
    /// Channel name.
    pub channel: String,
    /// 1-based input line.
    pub line: usize,
    /// Sample index within the channel's line.
    pub index: usize,
    /// The line's calibration min (min/max mode; `null` with manual parameters).
    pub min: Option<f64>,
    /// The line's calibration max (min/max mode; `null` with manual parameters).
    pub max: Option<f64>,
    /// The sample.
    pub sample: f64,
    /// Scale.
    pub scale: f64,
    /// Zero point.
    pub zero_point: i64,
    /// `round(x / s) + z` before clamping (`null` for a non-finite sample).
    pub q_raw: Option<f64>,
    /// The clamped integer.
    pub q: Option<i64>,
    /// `(q - z) · s`.
    pub dequantized: Option<f64>,
    /// Whether the sample was clipped.
    pub clipped: bool,
    /// `|x̂ - x|`.
    pub abs_error: Option<f64>,
    /// `|x̂ - x| / |x| · 100` (`null` at x = 0).
    pub pct_error: Option<f64>,
    /// `10·log10(x² / e²)` dB (`"+inf"` when exact).
    #[serde(serialize_with = "serialize_extended")]
    pub sqnr_db: Option<f64>,
}

fn sample_rows(parsed: &ParsedTensor, typed: &ParamSource, analysis: &Analysis) -> Vec<SampleRow> {
    let mut rows = Vec::new();
    for (c, ch) in analysis.channels.iter().enumerate() {
        let typed_range = match typed {
            ParamSource::PerChannelRange(r) => r.get(c),
            _ => None,
        };
        let Some(el) = &ch.elements else { continue };
        for i in 0..el.x.len() {
            let e = el.error[i];
            let x = el.x[i];
            rows.push(SampleRow {
                channel: ch.name.clone(),
                line: parsed.channel_lines[c],
                index: i,
                min: typed_range.map(|r| r.min),
                max: typed_range.map(|r| r.max),
                sample: parsed.tensor.data.get(parsed_index(parsed, c, i)),
                scale: ch.scale,
                zero_point: ch.zero_point,
                q_raw: el.q_raw[i],
                q: el.q[i],
                dequantized: el.dequantized[i],
                clipped: el.clipped[i],
                abs_error: e.map(f64::abs),
                pct_error: e.filter(|_| x != 0.0).map(|e| e.abs() / x.abs() * 100.0),
                sqnr_db: e.map(|e| sqnr_db(x * x, e * e)),
            });
        }
    }
    rows
}

fn parsed_index(parsed: &ParsedTensor, channel: usize, i: usize) -> usize {
    match &parsed.tensor.layout {
        crate::tensor::Layout::Rows { offsets } => offsets[channel] + i,
        crate::tensor::Layout::Strided { .. } => i,
    }
}

/// A refused hand-typed scale or zero point, pointed at where it was typed.
fn locate_manual_error(error: QuantError, parsed: &parse::ParsedChannels) -> ToolError {
    let (channel, field, problem, expected) = match &error {
        QuantError::ManualScale { channel, .. } => {
            (*channel, 0, "scale is not a finite number > 0", "a scale such as 0.0078125".to_string())
        }
        QuantError::ManualZeroPoint { channel, qmin, qmax, .. } => {
            (*channel, 1, "zero point is outside the integer range", format!("an integer in [{qmin}, {qmax}]"))
        }
        _ => return ToolError::Quant(error),
    };
    match parsed.param_fields.get(channel) {
        Some(fields) => {
            let (column, text) = &fields[field];
            ToolError::Input(ParseError::new(parsed.samples.channel_lines[channel], *column, text, problem, expected))
        }
        None => ToolError::Quant(error),
    }
}

/// The channels tool (the per-channel calculator's): per-channel calibration ranges (or manual parameters) and samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelsReport {
    /// Always `channels`.
    pub tool: &'static str,
    /// The analysis (per-element results always included).
    #[serde(flatten)]
    pub analysis: Analysis,
    /// The per-channel calculator's table: one row per sample.
    pub rows: Vec<SampleRow>,
    /// Where nan / inf samples were typed.
    pub nonfinite: Vec<ValueLocation>,
}

/// Runs the channels tool on `channel,min,max,sample...` (or `channel,scale,zero_point,sample...`) lines.
pub fn channels(text: &str, options: &ToolOptions) -> Result<ChannelsReport, ToolError> {
    let spec = resolve(options)?;
    let parsed = parse::parse_channel_lines(text, options.param_mode, &options.tensor_name).map_err(ToolError::Input)?;
    let mut analysis = analysis::analyse(&parsed.samples.tensor, &spec, options.granularity, &parsed.params, true)
        .map_err(|e| locate_manual_error(e, &parsed))?;
    analysis.axis = options.axis;
    let rows = sample_rows(&parsed.samples, &parsed.params, &analysis);
    Ok(ChannelsReport { tool: "channels", analysis, rows, nonfinite: parsed.samples.nonfinite })
}

/// The per-channel vs per-tensor calculator's local statistics of a channel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LocalRange {
    /// Channel name.
    pub channel: String,
    /// Number of values.
    pub count: usize,
    /// Local min (finite values).
    pub min: Option<f64>,
    /// Local max.
    pub max: Option<f64>,
    /// `max - min`, exact on the typed decimals.
    pub range: Option<f64>,
}

/// One granularity's parameters and per-channel errors, for the side-by-side comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GranularityView {
    /// Scales (one per channel; per-tensor repeats the tensor's).
    pub scales: Vec<f64>,
    /// Zero points.
    pub zero_points: Vec<i64>,
    /// Per-channel MSE.
    pub channel_mse: Vec<Option<f64>>,
    /// Per-channel SQNR (dB; `"+inf"` for a lossless channel).
    #[serde(serialize_with = "serialize_extended_vec")]
    pub channel_sqnr_db: Vec<Option<f64>>,
    /// Whole-tensor results.
    pub summary: Summary,
    /// Scale/zero-point pairs stored.
    pub parameter_sets: usize,
}

impl GranularityView {
    fn of(a: &Analysis) -> Self {
        GranularityView {
            scales: a.channels.iter().map(|c| c.scale).collect(),
            zero_points: a.channels.iter().map(|c| c.zero_point).collect(),
            channel_mse: a.channels.iter().map(|c| c.metrics.mse).collect(),
            channel_sqnr_db: a.channels.iter().map(|c| c.metrics.sqnr_db).collect(),
            summary: a.summary.clone(),
            parameter_sets: if a.granularity == Granularity::PerTensor { 1 } else { a.channels.len() },
        }
    }
}

/// Per-channel vs per-tensor on the same tensor (the per-channel vs per-tensor calculator's comparison).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComparisonView {
    /// Per-channel side.
    pub per_channel: GranularityView,
    /// Per-tensor side.
    pub per_tensor: GranularityView,
    /// Memory estimate.
    pub memory: MemoryEstimate,
    /// SQNR gain of per-channel over per-tensor, dB.
    #[serde(serialize_with = "serialize_extended")]
    pub sqnr_gain_db: Option<f64>,
    /// `MSE(per-tensor) / MSE(per-channel)`.
    #[serde(serialize_with = "serialize_extended")]
    pub mse_ratio: Option<f64>,
}

/// The tensor tool (the per-channel vs per-tensor calculator and the per-channel PTQ exercise).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TensorReport {
    /// Always `tensor`.
    pub tool: &'static str,
    /// The analysis at the requested granularity (its `channels` has one item per input channel).
    #[serde(flatten)]
    pub analysis: Analysis,
    /// The per-channel vs per-tensor calculator's local min / max / range table.
    pub local: Vec<LocalRange>,
    /// Both granularities side by side.
    pub comparison: ComparisonView,
    /// Where nan / inf values were typed.
    pub nonfinite: Vec<ValueLocation>,
    /// The 1-based input line of each channel (axis 0).
    pub channel_lines: Vec<usize>,
    /// Both full analyses (for views that show the two side by side).
    #[serde(skip)]
    pub full: Comparison,
    /// The calibration method the ranges came from (`None`: a typed range).
    #[serde(skip)]
    pub calibration: Option<Calibration>,
}

fn local_ranges(t: &Tensor, analysis: &Analysis) -> Vec<LocalRange> {
    let mut exact_ends = vec![(None, None); t.channels()];
    // The exact decimals of each channel's min and max, so `range` is their exact difference.
    // The first value equal to each end, in the channel's order (the search stops there).
    for block in t.blocks() {
        let ch: &ChannelResult = &analysis.channels[block.channel];
        let ends = &mut exact_ends[block.channel];
        let exact_end = |end: Option<f64>| {
            let i = block.range.clone().find(|&i| Some(t.data.get(i)) == end)?;
            Some(exact::exact_value(t.data.get(i), t.decimal(i)))
        };
        if ends.0.is_none() {
            ends.0 = exact_end(ch.data_min);
        }
        if ends.1.is_none() {
            ends.1 = exact_end(ch.data_max);
        }
    }
    analysis
        .channels
        .iter()
        .zip(exact_ends)
        .map(|(ch, (lo, hi))| LocalRange {
            channel: ch.name.clone(),
            count: t.channel_len(ch.index),
            min: ch.data_min,
            max: ch.data_max,
            range: lo.zip(hi).and_then(|(lo, hi)| (hi - lo).to_f64()),
        })
        .collect()
}

/// Runs the tensor tool: values per channel, per-channel and per-tensor side by side.
pub fn tensor(text: &str, options: &ToolOptions) -> Result<TensorReport, ToolError> {
    tensor_with_input(text, options).map(|(report, _)| report)
}

/// [`tensor`], and the tensor it read from `text`: a large input's charts take their sample from
/// it rather than read the text again.
pub fn tensor_with_input(text: &str, options: &ToolOptions) -> Result<(TensorReport, Tensor), ToolError> {
    let spec = resolve(options)?;
    custom_range(options)?; // a bad typed range is reported before the input
    let ParsedTensor { tensor: rows, channel_lines, nonfinite } =
        parse::parse_tensor(text, &options.tensor_name).map_err(ToolError::Input)?;
    let tensor = parse::rows_to_matrix(rows, options.axis)?;
    let (per_channel_source, per_tensor_source) = calibrated(&tensor, &spec, options)?;
    let full = analysis::compare_sources(&tensor, &spec, &per_channel_source, &per_tensor_source, options.keep_values)?;
    let analysis = match options.granularity {
        Granularity::PerChannel => full.per_channel.clone(),
        Granularity::PerTensor => full.per_tensor.clone(),
    };
    // With axis 0 the tensor is the parsed rows, one channel per line.
    let local = if options.axis == 0 { local_ranges(&tensor, &full.per_channel) } else { Vec::new() };
    let comparison = ComparisonView {
        per_channel: GranularityView::of(&full.per_channel),
        per_tensor: GranularityView::of(&full.per_tensor),
        memory: full.memory.clone(),
        sqnr_gain_db: full.sqnr_gain_db,
        mse_ratio: full.mse_ratio,
    };
    let report =
        TensorReport { tool: "tensor", analysis, local, comparison, nonfinite, channel_lines, full, calibration: method_used(options) };
    Ok((report, tensor))
}

/// The values tool (the quantization error calculator's): one list, a custom or derived range, one set of parameters.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValuesReport {
    /// Always `values`.
    pub tool: &'static str,
    /// The analysis of the single channel (per-element results always included).
    #[serde(flatten)]
    pub analysis: Analysis,
    /// Whether the range was typed (`custom`), the data's min/max (`data`) or a calibration method's (its name, e.g. `percentile`).
    pub range_source: &'static str,
    /// Where nan / inf values were typed.
    pub nonfinite: Vec<ValueLocation>,
    /// The calibration method the range came from (`None`: a typed range).
    #[serde(skip)]
    pub calibration: Option<Calibration>,
}

/// The calibration method that chose the range: none when a range was typed.
fn method_used(options: &ToolOptions) -> Option<Calibration> {
    options.range.trim().is_empty().then_some(options.calibration)
}

/// Runs the values tool on a flat list of values.
pub fn values(text: &str, options: &ToolOptions) -> Result<ValuesReport, ToolError> {
    let spec = resolve(options)?;
    let source = custom_range(options)?;
    let parsed = parse::parse_values(text, &options.tensor_name).map_err(ToolError::Input)?;
    let (_, per_tensor_source) = calibrated(&parsed.tensor, &spec, options)?;
    let analysis = analysis::analyse(&parsed.tensor, &spec, Granularity::PerTensor, &per_tensor_source, true)?;
    let range_source = match source {
        ParamSource::Data if options.calibration.method == calibrate::Method::MinMax => "data",
        ParamSource::Data => options.calibration.method.name(),
        _ => "custom",
    };
    Ok(ValuesReport { tool: "values", analysis, range_source, nonfinite: parsed.nonfinite, calibration: method_used(options) })
}
