//! Large input of the Tensor and Values tools, analysed in the Web Worker (`crate::worker`) so the
//! page stays responsive: the worker runs [`super::run`] (the very call the page makes for small
//! input, so the numbers are identical) and hands back the tables and, for the charts, a bounded
//! sample of the values with the full data's parameters (`quantscope_weights::sample`, the Files tool's
//! charts). The full core report stays in the worker, which makes the export files from it.

use std::sync::Arc;

use quantscope_core::analysis::{Comparison, MemoryEstimate};
use quantscope_core::calibrate::Calibration;
use quantscope_core::{Analysis, Granularity, SpecOptions};
use quantscope_weights::sample::{Sample, MAX_SAMPLE_VALUES};
use serde::{Deserialize, Serialize};

use super::sampled::{AnalysedSample, SampledCharts};
use super::{ChartData, InputError, Report};
use crate::form::{FormState, Tool};

/// Input text above this many bytes goes to the worker: about 250,000 values as typically typed
/// (`-0.1234 `, 8 bytes each). Below it the synchronous path answers within a frame or two
/// (1M values block the page for seconds: README, "Performance").
pub const LARGE_INPUT_BYTES: usize = 2 * 1024 * 1024;

/// Whether `tool`'s input in `form` is analysed in the worker.
pub fn is_large(tool: Tool, form: &FormState) -> bool {
    matches!(tool, Tool::Tensor | Tool::Values) && form.data(tool).len() > LARGE_INPUT_BYTES
}

/// Whether the worker computes `tool`'s results: a large input, or any input in a format
/// ([`super::format::names_format`]: the page does not link the formats' arithmetic).
pub fn in_worker(tool: Tool, form: &FormState) -> bool {
    is_large(tool, form) || super::format::names_format(tool, form)
}

/// The worker's side for a form in a format: the tables and the charts' data
/// ([`super::format::FormatView`], in the report), and the core's result, which the worker keeps
/// for the export files. `None`: the form names no format ([`analyse`] then).
pub fn analyse_format(tool: Tool, form: &FormState) -> Option<Result<(LargeReport, super::format::FormatData), InputError>> {
    let data = match super::format::data(tool, form)? {
        Ok(data) => data,
        Err(e) => return Some(Err(e)),
    };
    // The same check of the settings as `analyse`'s: a bad option is said as the page says it.
    Some(crate::options::tool_options(tool, form).map(|_| (LargeReport { report: data.report(), sample: None }, data)))
}

/// What the worker posts back for a large input: the tables as `results::convert` made them, and
/// the charts' sample. What the sample is analysed with comes from the form the page posted
/// ([`SampleSettings::of`]), not from the reply: the page's wasm then has no reader for the
/// settings' types (`SpecOptions`, `Calibration`: 12 KB of code before wasm-opt).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LargeReport {
    /// The tool's tables, notes and formulas (`charts` is left empty).
    pub report: Report,
    /// The charts' sample; `None` for a format's result (`results::format`: its charts' data is
    /// the report's `format`).
    #[serde(default)]
    pub sample: Option<Sample>,
}

/// What a large input's charts' sample is analysed with: the full data's settings, as the worker's
/// run resolved them from the same form (`options::tool_options`).
#[derive(Clone, Debug, PartialEq)]
pub struct SampleSettings {
    spec: SpecOptions,
    calibration: Calibration,
    granularity: Granularity,
}

impl SampleSettings {
    /// The settings of `tool` on `form` (the form posted to the worker); `None` when the form's
    /// options do not resolve (the worker then answers with that error, and there are no charts).
    /// The granularity is the analysis's: the form's for the Tensor tool, per tensor for the
    /// Values tool (its one channel).
    pub fn of(tool: Tool, form: &FormState) -> Option<SampleSettings> {
        let options = crate::options::tool_options(tool, form).ok()?;
        let granularity = if tool == Tool::Values { Granularity::PerTensor } else { options.granularity };
        Some(SampleSettings { spec: options.spec, calibration: options.calibration, granularity })
    }
}

/// The worker's side: runs the tool on `form` as the page would, and keeps the full report
/// (`ChartData`, for the export files) beside the [`LargeReport`] it returns. A format's result
/// (`--preset`, a float element, integer groups) comes back as its tables, with no sample and no
/// full report (`None`).
pub fn analyse(tool: Tool, form: &FormState) -> Result<(LargeReport, Option<ChartData>), InputError> {
    let mut report = super::run(tool, form)?;
    if report.format.is_some() {
        return Ok((LargeReport { report, sample: None }, None));
    }
    let full = report.charts.take().ok_or_else(|| no_charts(tool))?;
    let sample = sample_of(&full).ok_or_else(|| no_charts(tool))?;
    Ok((LargeReport { report, sample: Some(sample) }, Some(full)))
}

/// A report without charts data cannot happen for these tools; said rather than panicked.
fn no_charts(tool: Tool) -> InputError {
    InputError {
        field: super::Field::Data,
        line: 0,
        column: 0,
        text: String::new(),
        problem: format!("the {} tool gave no data for its charts", tool.slug()),
        expected: String::new(),
    }
}

/// The charts' sample of a full report: the values of the tensor the core read (the Tensor tool)
/// or of the one channel's results (the Values tool), and the report's own full-data comparison.
fn sample_of(full: &ChartData) -> Option<Sample> {
    match full {
        ChartData::Tensor { report, input, .. } => Some(Sample::take(input, &report.full, MAX_SAMPLE_VALUES)),
        ChartData::Values(report) => {
            let a = &report.analysis;
            let channel = a.channels.first()?;
            let x = channel.elements.as_ref()?.x.clone();
            let tensor = quantscope_core::Tensor::from_rows(a.tensor.clone(), vec![channel.name.clone()], vec![x]);
            Some(Sample::take(&tensor, &single_channel_comparison(a), MAX_SAMPLE_VALUES))
        }
        ChartData::Channels(_) | ChartData::Sampled(_) => None,
    }
}

/// The Values tool has one channel and one set of parameters: both sides of the comparison are
/// its analysis (the sample reads each side's ranges and figures, not their elements).
fn single_channel_comparison(a: &Analysis) -> Comparison {
    let side = a.without_elements();
    Comparison {
        per_channel: side.clone(),
        per_tensor: side,
        memory: MemoryEstimate::new(a.summary.elements, u32::from(a.spec.dtype.bits), 1),
        sqnr_gain_db: Some(0.0),
        mse_ratio: Some(1.0),
    }
}

impl LargeReport {
    /// The page's side: the tables as they came, and the charts drawn from the sample analysed
    /// with the full data's parameters under `settings` (`report::sampled`, as for a tensor of a
    /// weight file).
    pub fn into_report(self, settings: Option<SampleSettings>, now: impl Fn() -> f64) -> Report {
        let (mut report, charts) = self.into_parts(settings);
        report.charts = charts.build(now);
        report
    }

    /// [`LargeReport::into_report`] in two steps: the tables now, the charts when asked (the page
    /// draws them in a later task, so that the two do not block it together).
    pub fn into_parts(self, settings: Option<SampleSettings>) -> (Report, PendingCharts) {
        let LargeReport { report, sample } = self;
        (report, PendingCharts { sample, settings })
    }
}

/// A large report's charts not yet built: the sample and what it is analysed with.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingCharts {
    sample: Option<Sample>,
    settings: Option<SampleSettings>,
}

impl PendingCharts {
    /// The sample, when it was posted apart from the report (the worker's `Text` reply); one
    /// already in the report is kept.
    pub fn with_sample(self, sample: Option<Sample>) -> PendingCharts {
        PendingCharts { sample: self.sample.or(sample), ..self }
    }

    /// The sample analysed with the full data's parameters; `None` if it cannot be.
    pub fn build(self, now: impl Fn() -> f64) -> Option<ChartData> {
        self.analyse(&now)?.build(&now)
    }

    /// [`PendingCharts::build`]'s first half (the page runs each half in a task of its own):
    /// the sample's analysis at the form's granularity; `None` if it cannot be made.
    pub fn analyse(self, now: impl Fn() -> f64) -> Option<HalfBuiltCharts> {
        let SampleSettings { spec, calibration, granularity } = self.settings?;
        SampledCharts::analyse(self.sample?, spec, calibration, granularity, now).ok().map(HalfBuiltCharts)
    }
}

/// A large report's charts half built ([`PendingCharts::analyse`]).
#[derive(Debug)]
pub struct HalfBuiltCharts(AnalysedSample);

impl HalfBuiltCharts {
    /// The second half: the comparison the bar chart draws; `None` if it cannot be made.
    pub fn build(self, now: impl Fn() -> f64) -> Option<ChartData> {
        self.0.finish(now).ok().map(|charts| ChartData::Sampled(Arc::new(charts)))
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    /// The page's settings for the sample, from the form it posted, are those the worker's run
    /// used: the spec and calibration resolved from the form, the full analysis's granularity.
    #[test]
    fn the_pages_sample_settings_are_the_workers() {
        for tool in [Tool::Tensor, Tool::Values] {
            for (convention, calibration) in [("textbook", "minmax"), ("tflite", "percentile")] {
                let mut form = FormState::examples();
                form.tensor.calibration = calibration.into();
                form.values.calibration = calibration.into();
                form.tensor.quant.convention = convention.into();
                form.values.quant.convention = convention.into();
                let options = crate::options::tool_options(tool, &form).unwrap();
                let (large, full) = analyse(tool, &form).unwrap();
                let full = full.unwrap();
                let expected =
                    SampleSettings { spec: options.spec, calibration: options.calibration, granularity: full.analysis().granularity };
                assert_eq!(SampleSettings::of(tool, &form), Some(expected), "{tool:?} {convention} {calibration}");
                // The sample posted apart from the report, as the worker does.
                let mut large = large;
                let sample = large.sample.take();
                let (_, charts) = large.into_parts(SampleSettings::of(tool, &form));
                assert!(charts.clone().build(|| 0.0).is_none(), "no sample, no charts");
                assert!(charts.with_sample(sample).build(|| 0.0).is_some());
            }
        }
        let mut bad = FormState::examples();
        bad.tensor.quant.quant_min = "x".into();
        assert_eq!(SampleSettings::of(Tool::Tensor, &bad), None);
    }

    #[test]
    fn a_large_input_in_a_format_posts_its_tables_and_charts_data_without_a_sample() {
        let mut form = FormState::examples();
        let row = (0..64).map(|i| format!("{:.4}", (i as f64 * 0.3).sin())).collect::<Vec<_>>().join(", ");
        form.tensor.data = vec![row; 8].join("\n");
        form.tensor.quant.format = "mxfp4".into();
        let (large, full) = analyse(Tool::Tensor, &form).unwrap();
        assert!(full.is_none() && large.sample.is_none());
        let posted: LargeReport = serde_json::from_str(&serde_json::to_string(&large).unwrap()).unwrap();
        let (report, charts) = posted.into_parts(SampleSettings::of(Tool::Tensor, &form));
        assert!(report.tables.iter().any(|t| t.id == "format-blocks" && t.rows.len() == 16));
        assert!(charts.build(|| 0.0).is_none());
        let view = report.format.clone().expect("the charts' data");
        assert_eq!((view.format.as_str(), view.values.len(), view.scales.len(), view.every), ("mxfp4", 512, 16, 1));
        assert!(view.sweep.iter().any(|p| p.format == "nf4" && p.sqnr_db.is_some()));
        assert_eq!(report, super::super::run(Tool::Tensor, &form).unwrap());
        let (by_format, data) = analyse_format(Tool::Tensor, &form).unwrap().unwrap();
        assert_eq!(by_format, large);
        assert_eq!(data.quantized.format.to_string(), "mxfp4");
        assert!(in_worker(Tool::Tensor, &form) && !is_large(Tool::Tensor, &form));
        assert!(!in_worker(Tool::Tensor, &FormState::examples()));
    }
}
