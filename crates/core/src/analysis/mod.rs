//! The analysis: one pass for the ranges, one fused pass to quantize, dequantize and measure.
//!
//! - [`types`]: the results ([`Analysis`], [`ChannelResult`], [`Comparison`], ...);
//! - `scan`: the range pass;
//! - `quantize`: the per-element formula of each convention, and the fused kernel's constants;
//! - `measure`: parameters per channel and the measuring pass;
//! - `parallel`: units of channels read together, spread over threads;
//! - here: the orchestration ([`analyse`], [`compare`]).
//!
//! The SIMD loops and the CPU-feature dispatcher are in `crate::simd`.

mod measure;
mod parallel;
mod quantize;
mod scan;
pub mod types;

pub(crate) use parallel::in_parts;
pub use types::{Analysis, ChannelElements, ChannelResult, Comparison, ManualParams, MemoryEstimate, ParamSource, Summary};

use crate::error::QuantError;
use crate::metrics::Totals;
use crate::params::{QParams, RangeInput};
use crate::spec::{Granularity, QuantSpec};
use crate::tensor::{Block, Tensor};
use crate::warning::Warning;
use measure::{channel_error, union, Channel, Pass};
use parallel::{threads, units, Unit};
use quantize::Draws;
use scan::{scan, Scan};

/// Analyses a tensor: parameters per channel (or one set), then every value quantized, dequantized
/// and measured.
///
/// With `keep_elements` the per-element results are returned too (for tables, charts, `--values`);
/// the metrics are bit-for-bit the same either way.
pub fn analyse(
    tensor: &Tensor,
    spec: &QuantSpec,
    granularity: Granularity,
    source: &ParamSource,
    keep_elements: bool,
) -> Result<Analysis, QuantError> {
    analyse_in(tensor, spec, granularity, source, keep_elements, threads(tensor, spec))
}

/// [`analyse`] on `threads` threads.
fn analyse_in(
    tensor: &Tensor,
    spec: &QuantSpec,
    granularity: Granularity,
    source: &ParamSource,
    keep_elements: bool,
    threads: usize,
) -> Result<Analysis, QuantError> {
    let channels = tensor.channels();
    if channels == 0 {
        return Err(QuantError::Empty);
    }
    match (source, granularity) {
        (ParamSource::PerChannelRange(rs), _) if rs.len() != channels => return Err(QuantError::ParamCount { given: rs.len(), channels }),
        (ParamSource::Manual(m), Granularity::PerChannel) if m.len() != channels => {
            return Err(QuantError::ParamCount { given: m.len(), channels })
        }
        (ParamSource::Manual(m), Granularity::PerTensor) if m.len() != 1 => {
            return Err(QuantError::ParamCount { given: m.len(), channels: 1 })
        }
        _ => {}
    }
    let blocks: Vec<Block> = tensor.blocks().collect();
    let units = units(tensor, &blocks);
    let pass = Pass { tensor, spec, source, keep_elements };

    let mut tensor_warnings = Vec::new();
    let mut tensor_range = None;
    let done: Vec<Vec<Channel>> = match granularity {
        // Each unit on its own: range, parameters, then the measuring pass while the data is in cache.
        Granularity::PerChannel => {
            let parts = in_parts(&units, Unit::len, threads, |units| {
                let mut draws = Draws::new(spec);
                let mut out = Vec::with_capacity(units.iter().map(|u| u.channels.len()).sum());
                for unit in units {
                    let scans = scan(tensor, spec.arithmetic, unit);
                    let params = unit.channels.clone().zip(&scans).map(|(c, s)| pass.channel_params(c, s)).collect::<Result<_, _>>()?;
                    pass.measure(unit, scans, params, &mut draws, &mut out);
                }
                Ok(out)
            });
            parts.into_iter().collect::<Result<Vec<Vec<Channel>>, QuantError>>()?
        }
        // Every range first, then one set of parameters, then the measuring pass.
        Granularity::PerTensor => {
            let scans =
                in_parts(&units, Unit::len, threads, |units| units.iter().map(|u| scan(tensor, spec.arithmetic, u)).collect::<Vec<_>>());
            let work: Vec<(&Unit, Vec<Scan>)> = units.iter().zip(scans.into_iter().flatten()).collect();
            let p = match source {
                ParamSource::Manual(m) => QParams::manual(spec, 0, &tensor.name, m[0].scale, m[0].scale_exact, m[0].zero_point)?,
                _ => {
                    let scans = work.iter().flat_map(|(_, s)| s);
                    let present: Vec<RangeInput> = scans.enumerate().filter_map(|(c, s)| pass.range(c, s)).collect();
                    tensor_range = union(&present);
                    if tensor_range.is_none() {
                        tensor_warnings.push(Warning::NoFiniteValues);
                    }
                    let range = tensor_range.unwrap_or(RangeInput::new(0.0, 0.0));
                    let (p, w) = QParams::from_range(spec, &range).map_err(|e| channel_error(tensor, 0, &range, e))?;
                    tensor_warnings.extend(w);
                    p
                }
            };
            let parts = in_parts(
                &work,
                |(u, _)| u.len(),
                threads,
                |work| {
                    let mut draws = Draws::new(spec);
                    let mut out = Vec::with_capacity(work.iter().map(|(u, _)| u.channels.len()).sum());
                    for (unit, scans) in work {
                        let params = vec![(p.clone(), Vec::new()); scans.len()];
                        pass.measure(unit, scans.clone(), params, &mut draws, &mut out);
                    }
                    out
                },
            );
            parts
        }
    };

    let mut total = Totals::default();
    let mut results = Vec::with_capacity(channels);
    let mut total_nonfinite = 0;
    let mut first_nonfinite = None;
    for (c, ch) in done.into_iter().flatten().enumerate() {
        let Channel { scan: s, params, mut warnings, totals, elements } = ch;
        total.merge(&totals);
        total_nonfinite += s.nonfinite;
        first_nonfinite = first_nonfinite.or(s.first_nonfinite);
        let metrics = totals.metrics(s.nonfinite);
        if let Some(first_index) = s.first_nonfinite {
            warnings.push(Warning::NonFinite { count: s.nonfinite, first_index });
        }
        if metrics.clip_count > 0 {
            warnings.push(Warning::Clipping { count: metrics.clip_count, rate: metrics.clip_rate.unwrap_or(0.0) });
        }
        if s.inexact > 0 {
            warnings.push(Warning::InexactDecimals { count: s.inexact });
        }
        // The range the parameters came from: the channel's, or the tensor's for per-tensor.
        let given = match source {
            ParamSource::Manual(_) => None,
            _ if granularity == Granularity::PerTensor => tensor_range,
            _ => pass.range(c, &s),
        };
        let (min, max) = match given {
            Some(r) => (Some(r.min), Some(r.max)),
            None => (s.min.map(|m| m.0), s.max.map(|m| m.0)),
        };
        results.push(ChannelResult {
            index: c,
            name: tensor.channel_names[c].clone(),
            min,
            max,
            range: min.zip(max).map(|(a, b)| b - a),
            data_min: s.min.map(|m| m.0),
            data_max: s.max.map(|m| m.0),
            scale: params.scale,
            zero_point: params.zero_point,
            metrics,
            warnings,
            elements: elements.map(std::sync::Arc::new),
        });
    }
    let metrics = total.metrics(total_nonfinite);
    if metrics.clip_count > 0 {
        tensor_warnings.push(Warning::Clipping { count: metrics.clip_count, rate: metrics.clip_rate.unwrap_or(0.0) });
    }
    if total_nonfinite > 0 {
        tensor_warnings.push(Warning::NonFinite { count: total_nonfinite, first_index: first_nonfinite.unwrap_or(0) });
    }
    let summary = Summary {
        elements: tensor.len(),
        min: results.iter().filter_map(|r| r.data_min).reduce(f64::min),
        max: results.iter().filter_map(|r| r.data_max).reduce(f64::max),
        metrics,
        warnings: tensor_warnings,
    };
    Ok(Analysis {
        tensor: tensor.name.clone(),
        convention: spec.label(),
        spec: spec.clone(),
        granularity,
        shape: tensor.shape(),
        axis: tensor.axis(),
        channels: results,
        summary,
    })
}

/// Per-channel and per-tensor analyses of the same tensor, the memory estimate and the gain.
pub fn compare(tensor: &Tensor, spec: &QuantSpec, source: &ParamSource, keep_elements: bool) -> Result<Comparison, QuantError> {
    let per_tensor_source = match source {
        // Hand-typed per-channel parameters have no per-tensor counterpart: use the data's range.
        ParamSource::Manual(_) => ParamSource::Data,
        other => other.clone(),
    };
    compare_sources(tensor, spec, source, &per_tensor_source, keep_elements)
}

/// [`compare`] with a different source for each granularity: a calibration method
/// ([`crate::calibrate::sources`]) computes one range per channel and another over the whole tensor.
pub fn compare_sources(
    tensor: &Tensor,
    spec: &QuantSpec,
    per_channel_source: &ParamSource,
    per_tensor_source: &ParamSource,
    keep_elements: bool,
) -> Result<Comparison, QuantError> {
    let per_channel = analyse(tensor, spec, Granularity::PerChannel, per_channel_source, keep_elements)?;
    let per_tensor = analyse(tensor, spec, Granularity::PerTensor, per_tensor_source, keep_elements)?;
    Ok(comparison(tensor, spec, per_channel, per_tensor))
}

/// The comparison of `tensor`'s two analyses (per channel, per tensor, as [`analyse`] made them
/// with `spec`): the memory estimate, `gain = SQNR(per-channel) − SQNR(per-tensor)` dB and
/// `ratio = MSE(per-tensor) / MSE(per-channel)`. For a caller that has one of the analyses already.
pub fn comparison(tensor: &Tensor, spec: &QuantSpec, per_channel: Analysis, per_tensor: Analysis) -> Comparison {
    let memory = MemoryEstimate::new(tensor.len(), spec.dtype.bits as u32, tensor.channels());
    let gain = match (per_channel.summary.metrics.sqnr_db, per_tensor.summary.metrics.sqnr_db) {
        (Some(a), Some(b)) if (a - b).is_finite() => Some(a - b),
        (Some(a), Some(b)) if a.is_infinite() && b.is_finite() => Some(a),
        _ => None,
    };
    let ratio = match (per_tensor.summary.metrics.mse, per_channel.summary.metrics.mse) {
        (Some(t), Some(c)) if c > 0.0 => Some(t / c),
        (Some(t), Some(_)) if t > 0.0 => Some(f64::INFINITY),
        _ => None,
    };
    Comparison { per_channel, per_tensor, memory, sqnr_gain_db: gain, mse_ratio: ratio }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Convention, SpecOptions};
    use crate::tensor::Samples;

    /// The thread count changes no bit: uneven rows, channels along a later axis, both granularities.
    #[test]
    fn results_do_not_depend_on_threads() {
        let value = |i: usize| ((i * 7919 % 10007) as f64 / 10007.0 - 0.5) * (1 + i % 13) as f64;
        let rows: Vec<Vec<f64>> = (0..37).map(|r| (0..(r * 977 % 3001)).map(|i| value(r * 5000 + i)).collect()).collect();
        let names = (0..rows.len()).map(|c| format!("ch{c}")).collect();
        let strided = Samples::F32((0..6 * 50 * 331).map(|i| value(i) as f32).collect());
        let tensors = [Tensor::from_rows("rows", names, rows), Tensor::dense("conv", strided, vec![6, 50, 331], 1).unwrap()];
        for convention in [Convention::Pytorch, Convention::Onnxruntime, Convention::Textbook] {
            let spec = QuantSpec::resolve(&SpecOptions { convention, ..SpecOptions::default() }).unwrap();
            for tensor in &tensors {
                for granularity in [Granularity::PerChannel, Granularity::PerTensor] {
                    let one = analyse_in(tensor, &spec, granularity, &ParamSource::Data, false, 1).unwrap();
                    for threads in [2, 3, 64] {
                        assert_eq!(analyse_in(tensor, &spec, granularity, &ParamSource::Data, false, threads).unwrap(), one);
                    }
                }
            }
        }
    }

    /// With a range narrower than the data the fused kernel clamps and counts like the per-element path.
    #[test]
    fn fused_kernel_clips_like_per_element_path() {
        let data: Vec<f32> = (0..4 * 1000).map(|i| ((i * 7919 % 10007) as f32 / 10007.0 - 0.5) * 2.0).collect();
        let tensor = Tensor::dense("t", Samples::F32(data), vec![4, 1000], 0).unwrap();
        for convention in [Convention::Pytorch, Convention::Onnxruntime, Convention::Tflite] {
            let spec = QuantSpec::resolve(&SpecOptions { convention, ..SpecOptions::default() }).unwrap();
            for source in [ParamSource::Range(RangeInput::new(-0.3, 0.2)), ParamSource::Data] {
                for granularity in [Granularity::PerChannel, Granularity::PerTensor] {
                    let fast = analyse(&tensor, &spec, granularity, &source, false).unwrap();
                    let slow = analyse(&tensor, &spec, granularity, &source, true).unwrap();
                    for (f, s) in fast.channels.iter().zip(&slow.channels) {
                        assert_eq!(f.metrics, s.metrics);
                    }
                    assert_eq!(fast.summary.metrics, slow.summary.metrics);
                    if matches!(source, ParamSource::Range(_)) {
                        assert!(fast.summary.metrics.clip_count > 0);
                    }
                }
            }
        }
    }
}
