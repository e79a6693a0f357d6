//! The model-wide table: one row per tensor, from the core's comparison of per-channel and
//! per-tensor quantization. Nothing here computes a metric; rows only pick and sort the core's.

use crate::sample::deserialize_extended;
use crate::{Archive, Error, Source, TensorInfo};
use quantscope_core::calibrate::{self, Calibration};
use quantscope_core::metrics::serialize_extended;
use quantscope_core::{Comparison, QuantSpec, Tensor};
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;

/// A channel among the worst.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorstChannel {
    /// Index along the channel axis.
    pub index: usize,
    /// Name (`ch<i>`).
    pub name: String,
    /// Its SQNR (dB) under per-channel parameters.
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
    pub sqnr_db: Option<f64>,
}

/// One analysed tensor's numbers, read from the core's [`Comparison`]. Read back (`Deserialize`) by
/// the app's worker that merges the tensors other workers analysed into one table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorResult {
    /// Channel axis used.
    pub axis: usize,
    /// Number of channels.
    pub channels: usize,
    /// Whole-tensor SQNR with per-channel parameters (dB).
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
    pub per_channel_sqnr_db: Option<f64>,
    /// Whole-tensor SQNR with one set of parameters (dB).
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
    pub per_tensor_sqnr_db: Option<f64>,
    /// `per-channel - per-tensor` SQNR (dB).
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
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
        let mut order: Vec<&quantscope_core::ChannelResult> = pc.channels.iter().collect();
        // Lowest SQNR first; channels without an SQNR (no finite values) last; ties by index.
        order.sort_by(|a, b| {
            let key = |r: &quantscope_core::ChannelResult| r.metrics.sqnr_db.unwrap_or(f64::INFINITY);
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Analysed.
    Result(TensorResult),
    /// Skipped, with the reason.
    Skipped(String),
}

/// Loads one tensor with `options`' channel axis, calibrates, runs the core's comparison and keeps
/// the table's numbers (the tensor is dropped before returning). `progress(bytes done, bytes total)`
/// of this tensor's load; `Break` cancels ([`crate::Problem::Cancelled`]).
pub fn analyse<S: Source>(
    archive: &mut Archive<S>,
    name: &str,
    options: &TableOptions,
    progress: &mut dyn FnMut(u64, u64) -> ControlFlow<()>,
) -> Result<TensorResult, Error> {
    analyse_with(archive, name, options, progress, &mut |_, _| {})
}

/// [`analyse`], handing the loaded tensor and the core's full-data comparison to `inspect` before
/// the tensor is dropped (the app's worker takes the charts' sample there: [`crate::sample`]).
fn analyse_with<S: Source>(
    archive: &mut Archive<S>,
    name: &str,
    options: &TableOptions,
    progress: &mut dyn FnMut(u64, u64) -> ControlFlow<()>,
    inspect: &mut dyn FnMut(&Tensor, &Comparison),
) -> Result<TensorResult, Error> {
    let (axis, spec, calibration, worst) = (options.axis, &options.spec, &options.calibration, options.worst);
    let tensor = archive.load_with_progress(name, axis, progress)?;
    let fail = |p| Error::tensor(name, p);
    let (pc, pt) = calibrate::sources(&tensor, spec, calibration)
        .map_err(|reason| fail(crate::Problem::BadHeader { format: "calibration", reason }))?;
    let comparison =
        quantscope_core::analysis::compare_sources(&tensor, spec, &pc, &pt, false).map_err(|e| fail(crate::Problem::Quant(e)))?;
    inspect(&tensor, &comparison);
    archive.recycle(tensor);
    Ok(TensorResult::of(&comparison, worst))
}

/// What [`table`] analyses.
#[derive(Clone, Debug)]
pub struct TableOptions {
    /// One tensor by name, or every tensor of the file (`None`).
    pub tensor: Option<String>,
    /// The channel axis.
    pub axis: usize,
    /// The resolved quantization spec.
    pub spec: QuantSpec,
    /// How ranges are chosen.
    pub calibration: Calibration,
    /// How many worst channels each row keeps.
    pub worst: usize,
}

/// Where [`table`] is: `done` of `total` bytes of the tensors it analyses, and the tensor now read.
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a> {
    /// Bytes of tensor data read so far (all tensors of this table).
    pub done: u64,
    /// Bytes of tensor data the table reads in all.
    pub total: u64,
    /// The tensor being read.
    pub tensor: &'a str,
}

/// The bytes of data [`table`] will read for a tensor: those it analyses.
fn will_analyse(info: &TensorInfo, axis: usize) -> Result<(), String> {
    if let Some(reason) = &info.not_analysable {
        Err(reason.clone())
    } else if axis >= info.shape.len().max(1) {
        Err(format!("the channel axis {axis} is beyond its {} dimension(s)", info.shape.len()))
    } else if info.elements == 0 {
        Err("no values".into())
    } else {
        Ok(())
    }
}

/// The model-wide table (what `quantscope file` prints and the app's Files tool shows): one row per
/// tensor (or the one asked for), sorted by [`sort`]. A tensor that cannot be analysed, or that the
/// core refuses under these settings, is a skipped row with the reason; a file error (truncated
/// data, bad member, cancel) is the `Err`. `progress` is called after every chunk read; `Break`
/// cancels.
pub fn table<S: Source>(
    archive: &mut Archive<S>,
    options: &TableOptions,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<Vec<Row>, Error> {
    table_with(archive, options, progress, &mut |_, _| {})
}

/// [`table`], handing each analysed tensor and its full-data comparison to `inspect` while the
/// tensor is loaded (one read of the file serves the table and, in the app, the charts' sample).
pub fn table_with<S: Source>(
    archive: &mut Archive<S>,
    options: &TableOptions,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
    inspect: &mut dyn FnMut(&Tensor, &Comparison),
) -> Result<Vec<Row>, Error> {
    let infos: Vec<TensorInfo> = match &options.tensor {
        Some(name) => {
            let info = archive.info(name).cloned().ok_or_else(|| Error::file(crate::Problem::NoSuchTensor { name: name.clone() }))?;
            vec![info]
        }
        None => archive.tensors().to_vec(),
    };
    let total: u64 = infos.iter().filter(|i| will_analyse(i, options.axis).is_ok()).map(|i| i.bytes).sum();
    let mut before = 0u64;
    let mut rows = Vec::with_capacity(infos.len());
    for info in infos {
        let outcome = match will_analyse(&info, options.axis) {
            Err(reason) => Outcome::Skipped(reason),
            Ok(()) => {
                let name = info.name.clone();
                let mut report = |done: u64, _: u64| progress(Progress { done: before + done, total, tensor: &name });
                let analysed = analyse_with(archive, &info.name, options, &mut report, inspect);
                before += info.bytes;
                match analysed {
                    Ok(r) => Outcome::Result(r),
                    // A setting the core refuses for this tensor: say so in its row.
                    Err(e) if matches!(e.problem, crate::Problem::Quant(_)) => Outcome::Skipped(e.problem.to_string()),
                    Err(e) => return Err(e),
                }
            }
        };
        rows.push(Row { info, outcome });
    }
    sort(&mut rows);
    Ok(rows)
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
