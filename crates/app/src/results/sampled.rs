//! The charts of one tensor of a weight file (the Files tool): the worker's bounded sample
//! (`quantscope_weights::sample`), analysed here by the core with the full data's parameters. The element
//! charts draw the sample; the per-channel vs per-tensor bars carry the full data's figures (the
//! model-wide table's numbers); every caption says what it was drawn from.

use quantscope_core::analysis::{Analysis, Comparison};
use quantscope_core::calibrate::Calibration;
use quantscope_core::sweep::BitSweep;
use quantscope_core::{Granularity, QuantSpec, SpecOptions, Tensor};
use quantscope_weights::sample::Sample;

/// A tensor's charts' data, built once per result.
#[derive(Debug)]
pub struct SampledCharts {
    pub sample: Sample,
    /// The sampled values as a tensor.
    pub tensor: Tensor,
    /// The sample at the form's granularity, with per-element results (the element charts).
    pub analysis: Analysis,
    /// Per-channel vs per-tensor with the full data's figures (the bar chart).
    pub bars: Comparison,
    /// The spec's options, for the bit-width sweep.
    pub spec_options: SpecOptions,
    pub calibration: Calibration,
    /// How long the page took to build this (the core's analyses of the sample), ms.
    pub build_ms: f64,
}

impl SampledCharts {
    /// Analyses `sample` with the full data's parameters (an error names the tensor).
    pub fn build(
        sample: Sample,
        spec_options: SpecOptions,
        calibration: Calibration,
        granularity: Granularity,
        now: impl Fn() -> f64,
    ) -> Result<SampledCharts, String> {
        let started = now();
        let fail = |e: quantscope_core::QuantError| format!("{}: the charts' sample could not be analysed: {e}", sample.tensor);
        let spec = QuantSpec::resolve(&spec_options).map_err(fail)?;
        let tensor = sample.tensor();
        let analysis = sample.analyse(&tensor, &spec, granularity).map_err(fail)?;
        let bars = sample.full_data_bars(sample.compare(&tensor, &spec).map_err(fail)?);
        Ok(SampledCharts { sample, tensor, analysis, bars, spec_options, calibration, build_ms: now() - started })
    }

    /// Said under the element charts and the sweep: what they were drawn from.
    pub fn note(&self) -> String {
        if self.sample.is_whole() {
            format!("Drawn from all {} values of {}.", self.sample.elements, self.sample.tensor)
        } else {
            format!("Drawn from {} of {}, quantized with the full data's parameters.", self.sample.describe(), self.sample.tensor)
        }
    }

    /// Said under the bar chart: its numbers are the full data's.
    pub fn bars_note(&self) -> String {
        format!("Bars: the full data's figures of {} (the model-wide table's numbers).", self.sample.tensor)
    }

    /// The bit-width sweep of the sample.
    pub fn sweep(&self) -> Option<BitSweep> {
        self.sample.sweep(&self.tensor, &self.spec_options).ok()
    }
}
