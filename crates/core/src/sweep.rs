//! Bit-width sweep: the same tensor, convention and choices quantized at every width from 2 to 16
//! bits, per tensor and per channel, for the "SQNR vs bits" chart.
//!
//! Each point is a full [`analyse`] with only the dtype's width changed (signedness kept), so its
//! SQNR `10 · log10(Σx² / Σe²)` dB is exactly the one the tools report at that width. A custom
//! `quant_min`/`quant_max` belongs to one width, so the sweep drops it (and says so); hand-typed
//! parameters belong to one width too, so the sweep calibrates from the data instead.
//!
//! The rule of thumb the chart draws as a guide: each extra bit halves the step, so the error
//! power drops by 4 and the SQNR rises by `10 · log10(4) = 20 · log10(2) ≈ 6.02` dB per bit
//! ([`DB_PER_BIT`]), as long as nothing clips and the error stays uniform within ±s/2.

use crate::analysis::{analyse, ParamSource};
use crate::dtype::Dtype;
use crate::error::QuantError;
use crate::parse;
use crate::spec::{Granularity, QuantSpec, SpecOptions};
use crate::tensor::Tensor;
use crate::tools::{ToolError, ToolOptions};
use serde::Serialize;
use std::ops::RangeInclusive;

/// `20 · log10(2)`: the SQNR gained per extra bit in the uniform-error model.
pub const DB_PER_BIT: f64 = 6.020_599_913_279_624;

/// The widths the sweep covers by default.
pub const BITS: RangeInclusive<u32> = 2..=16;

/// One bit width's results for both granularities.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPoint {
    /// Storage bits.
    pub bits: u32,
    /// Tensor SQNR (dB) with one scale/zero point per channel (`+inf` when lossless).
    pub per_channel_sqnr_db: Option<f64>,
    /// Tensor SQNR (dB) with one scale/zero point for the tensor.
    pub per_tensor_sqnr_db: Option<f64>,
    /// Tensor MSE per channel.
    pub per_channel_mse: Option<f64>,
    /// Tensor MSE per tensor.
    pub per_tensor_mse: Option<f64>,
}

/// SQNR per bit width for both granularities.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BitSweep {
    /// One point per width the convention accepts, in increasing width.
    pub points: Vec<SweepPoint>,
    /// Widths the convention refused, with the reason (e.g. reduce_range on a 2-bit type).
    pub skipped: Vec<(u32, String)>,
    /// Signedness kept from the options.
    pub signed: bool,
    /// The width of the options the sweep started from.
    pub current_bits: u32,
    /// A custom quant_min/quant_max was given and dropped for the sweep.
    pub dropped_custom_range: bool,
    /// Manual parameters were given; the sweep calibrated from the data instead.
    pub calibrated_from_data: bool,
}

impl BitSweep {
    /// The point at a width, if it was computed.
    pub fn at(&self, bits: u32) -> Option<&SweepPoint> {
        self.points.iter().find(|p| p.bits == bits)
    }

    /// The 6.02 dB/bit guide through the per-channel SQNR at the anchor width (the current width, or
    /// the nearest width with a finite per-channel SQNR): `SQNR(anchor) + 6.02 · (bits - anchor)`.
    pub fn guide_db(&self, bits: u32) -> Option<f64> {
        let anchor = self
            .points
            .iter()
            .filter(|p| p.per_channel_sqnr_db.is_some_and(f64::is_finite))
            .min_by_key(|p| (p.bits as i64 - self.current_bits as i64).abs())?;
        let at = anchor.per_channel_sqnr_db?;
        Some(at + DB_PER_BIT * (bits as f64 - anchor.bits as f64))
    }
}

/// Sweeps `bits` on a tensor: for each width, the options with `dtype = (signed, width)` resolved and
/// both granularities analysed (metrics only, the fast path).
pub fn bit_sweep(tensor: &Tensor, options: &SpecOptions, source: &ParamSource, bits: RangeInclusive<u32>) -> Result<BitSweep, QuantError> {
    let calibrated_from_data = matches!(source, ParamSource::Manual(_));
    let source = if calibrated_from_data { ParamSource::Data } else { source.clone() };
    let dropped_custom_range = options.quant_min.is_some() || options.quant_max.is_some();
    let mut points = Vec::new();
    let mut skipped = Vec::new();
    for b in bits {
        let dtype = Dtype::new(options.dtype.signed, b)?;
        let opts = SpecOptions { dtype, quant_min: None, quant_max: None, ..options.clone() };
        let spec = match QuantSpec::resolve(&opts) {
            Ok(spec) => spec,
            Err(e) => {
                skipped.push((b, e.to_string()));
                continue;
            }
        };
        let pc = analyse(tensor, &spec, Granularity::PerChannel, &source, false)?;
        let pt = analyse(tensor, &spec, Granularity::PerTensor, &source, false)?;
        points.push(SweepPoint {
            bits: b,
            per_channel_sqnr_db: pc.summary.metrics.sqnr_db,
            per_tensor_sqnr_db: pt.summary.metrics.sqnr_db,
            per_channel_mse: pc.summary.metrics.mse,
            per_tensor_mse: pt.summary.metrics.mse,
        });
    }
    Ok(BitSweep {
        points,
        skipped,
        signed: options.dtype.signed,
        current_bits: options.dtype.bits as u32,
        dropped_custom_range,
        calibrated_from_data,
    })
}

/// The sweep for the tensor tool's text and options (2..16 bits), as `tools::tensor` reads them.
pub fn tensor_tool(text: &str, options: &ToolOptions) -> Result<BitSweep, ToolError> {
    let parsed = parse::parse_tensor(text, &options.tensor_name).map_err(ToolError::Input)?;
    let tensor = parse::rows_to_matrix(parsed.tensor, options.axis)?;
    let source = if options.range.trim().is_empty() {
        ParamSource::Data
    } else {
        let r = parse::parse_range(options.range.trim()).map_err(|error| ToolError::Option { field: "range", error })?;
        ParamSource::Range(r)
    };
    Ok(bit_sweep(&tensor, &options.spec, &source, BITS)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Scheme, SymmetricDivisor};

    #[test]
    fn exact_sqnr_of_a_symmetric_max_abs_sweep() {
        // Textbook symmetric, divisor max(|qmin|, |qmax|) = 2^(b-1): s = 1 / 2^(b-1) for x = [-1, 1].
        // -1 / s = -2^(b-1) = qmin exactly (e = 0); 1 / s = 2^(b-1) clips to qmax = 2^(b-1) - 1, so
        // x̂ = 1 - s and e = -s. SQNR = 10 · log10(2 / s²) = 10 · log10(2 · 4^(b-1)).
        let t = Tensor::from_rows("t", vec!["a".into()], vec![vec![-1.0, 1.0]]);
        let options =
            SpecOptions { scheme: Scheme::Symmetric, symmetric_divisor: Some(SymmetricDivisor::MaxAbs), ..SpecOptions::default() };
        let sweep = bit_sweep(&t, &options, &ParamSource::Data, BITS).unwrap();
        assert_eq!(sweep.points.len(), 15);
        assert!(sweep.skipped.is_empty());
        assert_eq!(sweep.current_bits, 8);
        for p in &sweep.points {
            let expected = 10.0 * (2.0 * 4f64.powi(p.bits as i32 - 1)).log10();
            assert!((p.per_channel_sqnr_db.unwrap() - expected).abs() < 1e-12, "{} bits", p.bits);
            assert_eq!(p.per_channel_sqnr_db, p.per_tensor_sqnr_db);
        }
        // Exact values: 2 bits 10·log10(8), 8 bits 10·log10(32768).
        assert!((sweep.at(2).unwrap().per_channel_sqnr_db.unwrap() - 9.030_899_869_919_434).abs() < 1e-12);
        assert!((sweep.at(8).unwrap().per_channel_sqnr_db.unwrap() - 45.154_499_349_597_18).abs() < 1e-12);
        // The guide goes through the 8-bit point with 20·log10(2) dB per bit.
        assert!((sweep.guide_db(8).unwrap() - 45.154_499_349_597_18).abs() < 1e-12);
        assert!((sweep.guide_db(10).unwrap() - sweep.guide_db(8).unwrap() - 2.0 * DB_PER_BIT).abs() < 1e-12);
        assert!((DB_PER_BIT - 20.0 * 2f64.log10()).abs() < 1e-15);
    }

    #[test]
    fn per_channel_beats_per_tensor_and_matches_a_direct_analysis() {
        let t = Tensor::from_rows("t", vec!["a".into(), "b".into()], vec![vec![-1.0, 0.3, 1.0], vec![-0.01, 0.004, 0.02]]);
        let options = SpecOptions::default();
        let sweep = bit_sweep(&t, &options, &ParamSource::Data, 4..=6).unwrap();
        for p in &sweep.points {
            assert!(p.per_channel_sqnr_db.unwrap() >= p.per_tensor_sqnr_db.unwrap());
            let spec = QuantSpec::resolve(&SpecOptions { dtype: Dtype::new(true, p.bits).unwrap(), ..options.clone() }).unwrap();
            let direct = analyse(&t, &spec, Granularity::PerTensor, &ParamSource::Data, true).unwrap();
            assert_eq!(p.per_tensor_sqnr_db, direct.summary.metrics.sqnr_db);
            assert_eq!(p.per_tensor_mse, direct.summary.metrics.mse);
        }
    }

    #[test]
    fn custom_ranges_and_refusals_are_reported() {
        let t = Tensor::from_rows("t", vec!["a".into()], vec![vec![-1.0, 1.0]]);
        let options = SpecOptions { quant_min: Some(-8), quant_max: Some(7), ..SpecOptions::default() };
        let sweep = bit_sweep(&t, &options, &ParamSource::Data, 2..=3).unwrap();
        assert!(sweep.dropped_custom_range);
        assert_eq!(sweep.points.len(), 2);
        let text = "a: -1, 1\nb: -0.5, 0.5\n";
        let tool = tensor_tool(text, &ToolOptions::default()).unwrap();
        assert_eq!(tool.points.len(), 15);
    }
}
