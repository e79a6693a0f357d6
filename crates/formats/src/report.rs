//! The model-wide table: one row per tensor, from the core's comparison of per-channel and
//! per-tensor quantization. Nothing here computes a metric; rows only pick and sort the core's.

use crate::{Archive, Error, Source, TensorInfo};
use quant::calibrate::{self, Calibration};
use quant::metrics::serialize_extended;
use quant::{Comparison, QuantSpec};
use serde::Serialize;

/// A channel among the worst.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorstChannel {
    /// Index along the channel axis.
    pub index: usize,
    /// Name (`ch<i>`).
    pub name: String,
    /// Its SQNR (dB) under per-channel parameters.
    #[serde(serialize_with = "serialize_extended")]
    pub sqnr_db: Option<f64>,
}

/// One analysed tensor's numbers, read from the core's [`Comparison`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TensorResult {
    /// Channel axis used.
    pub axis: usize,
    /// Number of channels.
    pub channels: usize,
    /// Whole-tensor SQNR with per-channel parameters (dB).
    #[serde(serialize_with = "serialize_extended")]
    pub per_channel_sqnr_db: Option<f64>,
    /// Whole-tensor SQNR with one set of parameters (dB).
    #[serde(serialize_with = "serialize_extended")]
    pub per_tensor_sqnr_db: Option<f64>,
    /// `per-channel - per-tensor` SQNR (dB).
    #[serde(serialize_with = "serialize_extended")]
    pub sqnr_gain_db: Option<f64>,
    /// MSE with per-channel parameters.
    pub per_channel_mse: Option<f64>,
    /// MSE with per-tensor parameters.
    pub per_tensor_mse: Option<f64>,
    /// Clip rate with per-channel parameters.
    pub per_channel_clip_rate: Option<f64>,
    /// Clip rate with per-tensor parameters.
    pub per_tensor_clip_rate: Option<f64>,
    /// The channels with the lowest per-channel SQNR, worst first.
    pub worst_channels: Vec<WorstChannel>,
}

impl TensorResult {
    /// Picks the table's numbers from a comparison; `worst` channels are kept.
    pub fn of(c: &Comparison, worst: usize) -> Self {
        let pc = &c.per_channel;
        let mut order: Vec<&quant::ChannelResult> = pc.channels.iter().collect();
        // Lowest SQNR first; channels without an SQNR (no finite values) last; ties by index.
        order.sort_by(|a, b| {
            let key = |r: &quant::ChannelResult| r.metrics.sqnr_db.unwrap_or(f64::INFINITY);
            key(a).total_cmp(&key(b)).then(a.index.cmp(&b.index))
        });
        TensorResult {
            axis: pc.axis,
            channels: pc.channels.len(),
            per_channel_sqnr_db: pc.summary.metrics.sqnr_db,
            per_tensor_sqnr_db: c.per_tensor.summary.metrics.sqnr_db,
            sqnr_gain_db: c.sqnr_gain_db,
            per_channel_mse: pc.summary.metrics.mse,
            per_tensor_mse: c.per_tensor.summary.metrics.mse,
            per_channel_clip_rate: pc.summary.metrics.clip_rate,
            per_tensor_clip_rate: c.per_tensor.summary.metrics.clip_rate,
            worst_channels: order
                .into_iter()
                .take(worst)
                .map(|r| WorstChannel { index: r.index, name: r.name.clone(), sqnr_db: r.metrics.sqnr_db })
                .collect(),
        }
    }
}

/// One row of the model-wide table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The tensor as listed.
    #[serde(flatten)]
    pub info: TensorInfo,
    /// Its results, or why there are none (not analysable, or refused).
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A row's results or the reason there are none.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Analysed.
    Result(TensorResult),
    /// Skipped, with the reason.
    Skipped(String),
}

/// Loads one tensor, calibrates, runs the core's comparison and keeps the table's numbers (the
/// tensor is dropped before returning).
pub fn analyse<S: Source>(
    archive: &mut Archive<S>,
    name: &str,
    axis: usize,
    spec: &QuantSpec,
    calibration: &Calibration,
    worst: usize,
) -> Result<TensorResult, Error> {
    let tensor = archive.load(name, axis)?;
    let fail = |p| Error::tensor(name, p);
    let (pc, pt) = calibrate::sources(&tensor, spec, calibration)
        .map_err(|reason| fail(crate::Problem::BadHeader { format: "calibration", reason }))?;
    let comparison = quant::analysis::compare_sources(&tensor, spec, &pc, &pt, false).map_err(|e| fail(crate::Problem::Quant(e)))?;
    Ok(TensorResult::of(&comparison, worst))
}

/// Sorts rows so the most sensitive layers come first: analysed rows by per-channel SQNR ascending
/// (no SQNR last), then the skipped rows in file order.
pub fn sort(rows: &mut [Row]) {
    rows.sort_by(|a, b| match (&a.outcome, &b.outcome) {
        (Outcome::Result(x), Outcome::Result(y)) => {
            let key = |r: &TensorResult| r.per_channel_sqnr_db.unwrap_or(f64::INFINITY);
            key(x).total_cmp(&key(y))
        }
        (Outcome::Result(_), Outcome::Skipped(_)) => std::cmp::Ordering::Less,
        (Outcome::Skipped(_), Outcome::Result(_)) => std::cmp::Ordering::Greater,
        _ => std::cmp::Ordering::Equal,
    });
}
