//! The messages between the page and the worker, as JSON strings (the `File` travels next to the
//! request as a structured-clone handle). The worker serialises the `formats` crate's own types
//! (the CLI's `--format json` rows); the page reads them into the view types here, which ignore
//! fields they do not show.

use quant::calibrate::Calibration;
use quant::SpecOptions;
use serde::{Deserialize, Deserializer, Serialize};

/// What the page asks; every request carries its job number, echoed in the replies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Request {
    /// Open the file and list its tensors.
    List { job: u32 },
    /// The model-wide table of one tensor (`tensor`) or of all (`None`).
    Analyse {
        job: u32,
        tensor: Option<String>,
        axis: usize,
        spec: SpecOptions,
        calibration: Calibration,
        worst: usize,
    },
}

/// What the worker sends back (the page's reading of it).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reply {
    /// The worker's wasm is running and listening.
    Ready,
    /// The file's tensors.
    Listed { job: u32, format: String, tensors: Vec<TensorView> },
    /// `done` of `total` bytes of tensor data read; `tensor` is being read.
    Progress { job: u32, done: u64, total: u64, tensor: String },
    /// The table, sorted most sensitive first; `elapsed_ms` from the request to the rows,
    /// `compute_ms` from the last tensor's last byte read to its result (the analysis alone);
    /// `memory_bytes`: the worker's wasm memory (its peak: wasm memory never shrinks).
    /// `csv`: the rows as `quantscope file --format csv` writes them.
    Done {
        job: u32,
        rows: Vec<RowView>,
        #[serde(default)]
        csv: String,
        elapsed_ms: f64, compute_ms: f64, #[serde(default)] memory_bytes: f64 },
    /// The file (or the request) was refused: the message names the file and the tensor.
    Failed { job: u32, message: String },
}

impl Reply {
    /// The job it answers (`None` for `Ready`).
    pub fn job(&self) -> Option<u32> {
        match self {
            Reply::Ready => None,
            Reply::Listed { job, .. } | Reply::Progress { job, .. } | Reply::Done { job, .. } | Reply::Failed { job, .. } => Some(*job),
        }
    }
}

/// A tensor as listed (`formats::TensorInfo`'s JSON).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TensorView {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<u64>,
    pub elements: u64,
    pub bytes: u64,
    pub not_analysable: Option<String>,
    pub note: Option<String>,
}

/// A worst channel (`formats::report::WorstChannel`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct WorstView {
    pub index: usize,
    pub name: String,
    #[serde(deserialize_with = "extended")]
    pub sqnr_db: Option<f64>,
}

/// One analysed tensor (`formats::report::TensorResult`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ResultView {
    pub axis: usize,
    pub channels: usize,
    #[serde(deserialize_with = "extended")]
    pub per_channel_sqnr_db: Option<f64>,
    #[serde(deserialize_with = "extended")]
    pub per_tensor_sqnr_db: Option<f64>,
    #[serde(deserialize_with = "extended")]
    pub sqnr_gain_db: Option<f64>,
    pub per_channel_mse: Option<f64>,
    pub per_tensor_mse: Option<f64>,
    pub per_channel_clip_rate: Option<f64>,
    pub per_tensor_clip_rate: Option<f64>,
    pub worst_channels: Vec<WorstView>,
}

/// One row of the model-wide table (`formats::report::Row`, flattened as the CLI writes it).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RowView {
    #[serde(flatten)]
    pub info: TensorView,
    #[serde(default)]
    pub result: Option<ResultView>,
    #[serde(default)]
    pub skipped: Option<String>,
}

/// Reads what `quant::metrics::serialize_extended` writes: a number, `"+inf"`, `"-inf"` or null.
fn extended<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Extended {
        Number(f64),
        Text(String),
    }
    Ok(match Option::<Extended>::deserialize(d)? {
        None => None,
        Some(Extended::Number(v)) => Some(v),
        Some(Extended::Text(t)) => match t.as_str() {
            "+inf" | "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
    })
}
