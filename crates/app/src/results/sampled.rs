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
        SampledCharts::analyse(sample, spec_options, calibration, granularity, &now)?.finish(&now)
    }

    /// [`SampledCharts::build`]'s first half: the sample's analysis at the form's granularity (the
    /// element charts' data). The page runs the halves in tasks of their own: with the textbook
    /// convention each decides every kept channel's zero point in exact arithmetic, and together
    /// they blocked the page for longer than a frame should take.
    pub fn analyse(
        sample: Sample,
        spec_options: SpecOptions,
        calibration: Calibration,
        granularity: Granularity,
        now: impl Fn() -> f64,
    ) -> Result<AnalysedSample, String> {
        let started = now();
        let spec = QuantSpec::resolve(&spec_options).map_err(|e| failed(&sample, e))?;
        let tensor = sample.tensor();
        let analysis = sample.analyse(&tensor, &spec, granularity).map_err(|e| failed(&sample, e))?;
        Ok(AnalysedSample { sample, tensor, spec, analysis, spec_options, calibration, build_ms: now() - started })
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

/// Why the charts' sample could not be analysed, naming the tensor.
fn failed(sample: &Sample, e: quantscope_core::QuantError) -> String {
    format!("{}: the charts' sample could not be analysed: {e}", sample.tensor)
}

/// A sample analysed at the form's granularity ([`SampledCharts::analyse`]), its comparison of the
/// two granularities (the bar chart) still to come ([`AnalysedSample::finish`]).
#[derive(Debug)]
pub struct AnalysedSample {
    sample: Sample,
    tensor: Tensor,
    spec: QuantSpec,
    analysis: Analysis,
    spec_options: SpecOptions,
    calibration: Calibration,
    build_ms: f64,
}

impl AnalysedSample {
    /// [`SampledCharts::build`]'s second half: both granularities on the sample, with the full data's
    /// figures on the bars.
    pub fn finish(self, now: impl Fn() -> f64) -> Result<SampledCharts, String> {
        let started = now();
        let AnalysedSample { sample, tensor, spec, analysis, spec_options, calibration, build_ms } = self;
        let bars = sample.full_data_bars(compare(&sample, &tensor, &spec, &analysis).map_err(|e| failed(&sample, e))?);
        Ok(SampledCharts { sample, tensor, analysis, bars, spec_options, calibration, build_ms: build_ms + now() - started })
    }
}

/// The sample's [`Sample::compare`], reusing `analysis` when it is the per-channel side: its
/// metrics are the same with or without per-element results (the fused and per-element paths give
/// the same bits, `quantscope-core`'s `tests/fused.rs`), and with the textbook convention that side
/// decides every kept channel's zero point in exact arithmetic, which is not done twice.
fn compare(sample: &Sample, tensor: &Tensor, spec: &QuantSpec, analysis: &Analysis) -> Result<Comparison, quantscope_core::QuantError> {
    if analysis.granularity != Granularity::PerChannel {
        return sample.compare(tensor, spec);
    }
    let (_, per_tensor_source) = sample.sources();
    let per_tensor = quantscope_core::analysis::analyse(tensor, spec, Granularity::PerTensor, &per_tensor_source, false)?;
    Ok(quantscope_core::analysis::comparison(tensor, spec, analysis.without_elements(), per_tensor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_core::spec::Convention;
    use quantscope_weights::sample::MAX_SAMPLE_VALUES;

    /// The charts' data built in two halves, the per-channel analysis reused for the bars, is what
    /// the sample's own analysis and comparison give: every convention, both granularities, a
    /// sample that keeps every value and a strided one, with symmetric data (a zero point on a tie
    /// in every channel with the textbook convention).
    #[test]
    fn the_halves_give_the_samples_own_analysis_and_comparison() {
        for (channels, len) in [(7, 50), (300, 400)] {
            let rows: Vec<Vec<f64>> =
                (0..channels).map(|c| (0..len).map(|i| (((c * len + i) as f64).sin() * 2.0 * 1e4).round() / 1e4).collect()).collect();
            let names = (0..channels).map(|c| format!("ch{c}")).collect();
            let tensor = Tensor::from_rows("t", names, rows);
            for convention in [Convention::Textbook, Convention::Pytorch, Convention::Onnxruntime, Convention::Tflite] {
                let options = SpecOptions { convention, ..SpecOptions::default() };
                let spec = QuantSpec::resolve(&options).unwrap();
                let full =
                    quantscope_core::analysis::compare(&tensor, &spec, &quantscope_core::analysis::ParamSource::Data, false).unwrap();
                let sample = Sample::take(&tensor, &full, MAX_SAMPLE_VALUES.min(channels * len / 3));
                let sampled = sample.tensor();
                for granularity in [Granularity::PerChannel, Granularity::PerTensor] {
                    let charts =
                        SampledCharts::build(sample.clone(), options.clone(), Calibration::default(), granularity, || 0.0).unwrap();
                    assert_eq!(charts.analysis, sample.analyse(&sampled, &spec, granularity).unwrap(), "{convention:?} {granularity:?}");
                    let bars = sample.full_data_bars(sample.compare(&sampled, &spec).unwrap());
                    assert_eq!(charts.bars, bars, "{convention:?} {granularity:?} {channels}x{len}");
                }
            }
        }
    }
}
