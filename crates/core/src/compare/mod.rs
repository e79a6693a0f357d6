//! # Compare formats over a model, and plan a mixed-precision assignment
//!
//! A *compare report* holds, for every tensor of a model and every format asked for, the numbers
//! that decide which format the tensor should get: bits per weight (scales included, as
//! `docs/formats.md` counts them), stored bytes, mean squared error, SQNR and the largest error.
//! It is a plain value: serialised to JSON by the CLI (`quantscope compare --format json`), read
//! back, and [merged](CompareReport::merge) with the reports of other shards of the same model,
//! so a checkpoint analysed on several machines gives one [`plan`].
//!
//! Definitions, per tensor `t` with `n_t` values `x` and reconstruction `x̂` in a format:
//! - `sum_squared_error = Σ (x̂ − x)²`, `mse = sum_squared_error / n_t`;
//! - `signal_power = Σ x²`, `sqnr_db = 10·log10(signal_power / sum_squared_error)`
//!   ([`crate::metrics::sqnr_db`]: `"+inf"` in JSON when the error is zero);
//! - `bits = n_t · bits_per_weight`, an integer for every format (block scales are whole bits
//!   per block), and `bytes = ⌈bits / 8⌉`.
//!
//! A tensor a format cannot take (its row length is not a multiple of the block, it is 1-D, it is
//! already quantized in the file) gets a result with a `reason` instead of numbers.
//!
//! The totals of a format add the sums over the tensors it took: `mse = Σ sse / Σ n`,
//! `sqnr_db = 10·log10(Σ signal_power / Σ sse)`, `bits_per_weight = Σ bits / Σ n`.

pub mod plan;
pub mod recipe;

use crate::format::{compare_rows_ranged, tensor_range, Format, FormatError, FormatStats};
use crate::metrics::{serialize_extended, sqnr_db};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashMap;
use thiserror::Error;

/// One format's numbers on one tensor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Bits per weight, scales included.
    pub bits_per_weight: f64,
    /// Stored bytes, `⌈bits / 8⌉`.
    pub bytes: u64,
    /// Mean squared error, `Σ(x̂ − x)² / n`.
    pub mse: f64,
    /// `10·log10(Σx² / Σ(x̂ − x)²)`; `"+inf"` when the error is zero.
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
    pub sqnr_db: Option<f64>,
    /// `max |x̂ − x|`.
    pub max_abs_error: f64,
    /// Stored bits, `n · bits_per_weight` (an integer for every format).
    pub bits: u64,
    /// `Σ(x̂ − x)²`: what the planner adds up.
    pub sum_squared_error: f64,
    /// `Σx²`.
    pub signal_power: f64,
    /// Values clipped by the format (saturated or clamped).
    pub clipped: u64,
}

impl Measured {
    /// The numbers of a tensor of `elements` values, from its sums in a format.
    pub fn new(elements: u64, bits_per_weight: f64, sum_squared_error: f64, signal_power: f64, max_abs_error: f64, clipped: u64) -> Self {
        let bits = bits_of(elements, bits_per_weight);
        Measured {
            bits_per_weight,
            bytes: bits.div_ceil(8),
            mse: if elements == 0 { 0.0 } else { sum_squared_error / elements as f64 },
            sqnr_db: Some(sqnr_db(signal_power, sum_squared_error)),
            max_abs_error,
            bits,
            sum_squared_error,
            signal_power,
            clipped,
        }
    }
}

impl From<&FormatStats> for Measured {
    fn from(s: &FormatStats) -> Self {
        Measured {
            bits_per_weight: s.bits_per_weight,
            bytes: s.bytes,
            mse: s.mse(),
            sqnr_db: Some(s.sqnr_db()),
            max_abs_error: s.max_abs_error,
            bits: s.storage_bits,
            sum_squared_error: s.sum_squared_error,
            signal_power: s.signal_power,
            clipped: s.clipped,
        }
    }
}

/// `n · bpw` as the integer it is: every format's bits per weight times its tensor's size is a
/// whole number of bits (`bpw` is a multiple of 1/64 plus 32 bits per tensor at most), so the
/// rounding only removes the f64 product's error.
pub fn bits_of(elements: u64, bits_per_weight: f64) -> u64 {
    let bits = (elements as f64 * bits_per_weight).round();
    if bits.is_finite() && bits > 0.0 {
        bits as u64
    } else {
        0
    }
}

/// Reads what [`serialize_extended`] writes: a number, `"+inf"`, `"-inf"` or `null`.
pub fn deserialize_extended<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Extended {
        Number(f64),
        Text(String),
    }
    match Option::<Extended>::deserialize(d)? {
        None => Ok(None),
        Some(Extended::Number(v)) => Ok(Some(v)),
        Some(Extended::Text(t)) => match t.as_str() {
            "+inf" | "inf" => Ok(Some(f64::INFINITY)),
            "-inf" => Ok(Some(f64::NEG_INFINITY)),
            other => Err(serde::de::Error::custom(format!("expected a number, \"+inf\" or \"-inf\", found \"{other}\""))),
        },
    }
}

/// A format's result on a tensor: its numbers, or why the format cannot take the tensor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Outcome {
    /// The format took the tensor.
    Measured(Measured),
    /// It did not.
    Refused {
        /// Why, e.g. "row length 100 is not a multiple of the block size 32".
        reason: String,
    },
}

/// One format on one tensor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormatResult {
    /// The format's token (`q4_0`, `int4:per-group:128`, ...; see `docs/formats.md`).
    pub format: String,
    /// Its numbers or the reason.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl FormatResult {
    /// The numbers, when the format took the tensor.
    pub fn measured(&self) -> Option<&Measured> {
        match &self.outcome {
            Outcome::Measured(m) => Some(m),
            Outcome::Refused { .. } => None,
        }
    }
}

/// One tensor of the model and every format's result on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorCompare {
    /// Its name in the file.
    pub name: String,
    /// Its shape, outermost first (numpy order).
    pub shape: Vec<u64>,
    /// Number of values.
    pub elements: u64,
    /// Its type in the file (`bf16`, `f32`, GGUF's `q4_k`, ...).
    pub dtype: String,
    /// Its size as stored in the file, in bits: what it costs when no format is applied.
    pub source_bits: u64,
    /// Why it is kept in its source type whatever the formats (1-D norms and biases, tensors
    /// already quantized, integer tensors); `None` for the tensors the formats are measured on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<String>,
    /// One result per format of the report, in its order.
    pub results: Vec<FormatResult>,
}

impl TensorCompare {
    /// The result of `format`, if the report has it.
    pub fn result(&self, format: &str) -> Option<&FormatResult> {
        self.results.iter().find(|r| r.format == format)
    }
}

/// A format's totals over the tensors it took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormatTotal {
    /// The format's token.
    pub format: String,
    /// Tensors it took.
    pub tensors: usize,
    /// Tensors it could not take (kept tensors included).
    pub refused: usize,
    /// Values of the tensors it took.
    pub elements: u64,
    /// `Σ bits / Σ n`.
    pub bits_per_weight: f64,
    /// `Σ bytes` of the tensors it took.
    pub bytes: u64,
    /// `Σ sse / Σ n`.
    pub mse: f64,
    /// `10·log10(Σ signal_power / Σ sse)`.
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
    pub sqnr_db: Option<f64>,
    /// The largest error over its tensors.
    pub max_abs_error: f64,
    /// `Σ sse`.
    pub sum_squared_error: f64,
}

/// Every tensor of a model (or of a shard of it) under every format asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareReport {
    /// The files read (for a merged report, every shard's files).
    #[serde(default)]
    pub files: Vec<String>,
    /// The formats, in the order asked for.
    pub formats: Vec<String>,
    /// The tensors, in file order.
    pub tensors: Vec<TensorCompare>,
    /// Per format, over the tensors it took.
    pub totals: Vec<FormatTotal>,
}

/// Why compare reports cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no compare report to merge")]
    Empty,
    /// The reports were made with different format lists.
    #[error("report {index} ({file}) has formats [{found}] but the first has [{expected}]: compare every shard with the same --formats")]
    FormatsDiffer {
        /// 0-based position of the report.
        index: usize,
        /// Its files.
        file: String,
        /// Its formats.
        found: String,
        /// The first report's formats.
        expected: String,
    },
    /// A tensor appears in two reports.
    #[error("tensor `{name}` appears in report {first} and in report {second}: the shards overlap")]
    Duplicate {
        /// The tensor.
        name: String,
        /// 0-based position of the first report holding it.
        first: usize,
        /// And of the second.
        second: usize,
    },
    /// A tensor's results do not follow the report's format list.
    #[error("tensor `{name}` of report {index} has results for [{found}], not the report's formats [{expected}]")]
    Inconsistent {
        /// The tensor.
        name: String,
        /// 0-based position of the report.
        index: usize,
        /// The formats of its results.
        found: String,
        /// The report's formats.
        expected: String,
    },
}

impl CompareReport {
    /// A report of `tensors` under `formats`, with its totals.
    pub fn new(files: Vec<String>, formats: Vec<String>, tensors: Vec<TensorCompare>) -> Self {
        let totals = totals(&formats, &tensors);
        CompareReport { files, formats, tensors, totals }
    }

    /// One report of several shards' reports: the tensors of each in turn, the totals recomputed
    /// from the tensors (so the merge of shards equals the report of the whole). The reports
    /// must share one format list and no tensor may appear twice.
    pub fn merge(parts: Vec<CompareReport>) -> Result<CompareReport, MergeError> {
        let first = parts.first().ok_or(MergeError::Empty)?;
        let formats = first.formats.clone();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut files = Vec::new();
        let mut tensors = Vec::new();
        for (index, part) in parts.into_iter().enumerate() {
            if part.formats != formats {
                return Err(MergeError::FormatsDiffer {
                    index,
                    file: part.files.join(", "),
                    found: part.formats.join(","),
                    expected: formats.join(","),
                });
            }
            for t in &part.tensors {
                if !t.results.iter().map(|r| &r.format).eq(formats.iter()) {
                    return Err(MergeError::Inconsistent {
                        name: t.name.clone(),
                        index,
                        found: t.results.iter().map(|r| r.format.as_str()).collect::<Vec<_>>().join(","),
                        expected: formats.join(","),
                    });
                }
                if let Some(&first) = seen.get(&t.name) {
                    return Err(MergeError::Duplicate { name: t.name.clone(), first, second: index });
                }
                seen.insert(t.name.clone(), index);
            }
            files.extend(part.files);
            tensors.extend(part.tensors);
        }
        Ok(CompareReport::new(files, formats, tensors))
    }
}

/// Why a 1-D tensor (a norm's weight, a bias) is kept: llama.cpp keeps 1-D tensors in float32 and
/// llm-compressor quantizes only the weights of Linear layers; they are a tiny part of a model.
pub const ONE_DIMENSIONAL: &str = "1-D tensor (a norm or a bias): kept in its source type";

/// A comma-separated list of format tokens (`q8_0,q4_0,int4:per-group:128`; the token syntax is
/// [`crate::format::token`]'s). An error's column counts from the start of the list.
pub fn parse_formats(list: &str) -> Result<Vec<Format>, FormatError> {
    let refuse = |problem: &str, column: usize, expected: &str| FormatError::Token {
        token: list.to_string(),
        column,
        problem: problem.to_string(),
        expected: expected.to_string(),
    };
    let mut formats: Vec<Format> = Vec::new();
    let mut column = 1;
    for item in list.split(',') {
        let lead = item.chars().take_while(|c| c.is_whitespace()).count();
        if item.trim().is_empty() {
            return Err(refuse("empty item in", column, "formats separated by single commas, as in q8_0,q4_0,mxfp4"));
        }
        let format: Format = item.parse().map_err(|e| match e {
            FormatError::Token { column: c, problem, expected, .. } => refuse(&problem, column + lead + c - 1, &expected),
            other => other,
        })?;
        if formats.contains(&format) {
            return Err(refuse("a format given twice in", column + lead, "each format once"));
        }
        formats.push(format);
        column += item.chars().count() + 1;
    }
    Ok(formats)
}

/// A tensor kept in its source type (`reason`): every format's result is that reason.
pub fn kept(name: &str, shape: &[u64], dtype: &str, source_bits: u64, reason: &str, formats: &[Format]) -> TensorCompare {
    TensorCompare {
        name: name.to_string(),
        shape: shape.to_vec(),
        elements: shape.iter().product(),
        dtype: dtype.to_string(),
        source_bits,
        kept: Some(reason.to_string()),
        results: formats
            .iter()
            .map(|f| FormatResult { format: f.to_string(), outcome: Outcome::Refused { reason: reason.to_string() } })
            .collect(),
    }
}

/// Every format's numbers on one tensor of `shape` (numpy order), `values` in memory order: rows
/// are the last axis (blocks and groups run along them), one read of the values serves every
/// format ([`crate::format::compare_rows_ranged`], after one range pass). Tensors of fewer than two
/// dimensions are [kept](ONE_DIMENSIONAL).
pub fn measure(name: &str, shape: &[u64], dtype: &str, source_bits: u64, values: &[f32], formats: &[Format]) -> TensorCompare {
    let elements: u64 = shape.iter().product();
    let cols = shape.last().copied().unwrap_or(1);
    if shape.len() < 2 || elements == 0 {
        let reason = if elements == 0 { "empty tensor: nothing to quantize" } else { ONE_DIMENSIONAL };
        return kept(name, shape, dtype, source_bits, reason, formats);
    }
    let (rows, cols) = (usize::try_from(elements / cols).unwrap_or(usize::MAX), usize::try_from(cols).unwrap_or(usize::MAX));
    let threads = if values.len() < MIN_PER_THREAD { 1 } else { cores() };
    // One range pass (and check of every value) for all the groups of formats.
    let range = tensor_range(values, rows, cols);
    let stats = in_groups(formats, threads, |group| compare_rows_ranged(group, values, rows, cols, &range));
    let results = stats
        .iter()
        .zip(formats)
        .map(|(r, f)| FormatResult {
            format: f.to_string(),
            outcome: match r {
                Ok(stats) => Outcome::Measured(Measured::from(stats)),
                Err(e) => Outcome::Refused { reason: e.to_string() },
            },
        })
        .collect();
    TensorCompare { name: name.to_string(), shape: shape.to_vec(), elements, dtype: dtype.to_string(), source_bits, kept: None, results }
}

/// A format's CPU time per value relative to the others' (measured per format on the llama-shaped
/// benchmark file, docs/performance.md): only to balance the threads, never in a result.
fn relative_cost(format: &Format) -> u32 {
    use crate::format::Preset;
    match format {
        Format::Preset(Preset::Q4_0 | Preset::Q4_1 | Preset::Q5_0 | Preset::Q5_1) => 15,
        Format::Preset(Preset::Q8_0) => 11,
        Format::Preset(Preset::Mxfp4 | Preset::Mxfp6E3m2 | Preset::Mxfp6E2m3 | Preset::Mxfp8E4m3 | Preset::Mxfp8E5m2 | Preset::Mxint8) => {
            12
        }
        Format::Preset(Preset::Nf4 | Preset::Fp4Bnb) => 13,
        _ => 13,
    }
}

/// `work` on groups of `formats` over `threads` threads (one on wasm), the results put back in the
/// formats' order. Formats are independent: each group reads the tensor once and a format's sums do
/// not depend on its group, so the results equal one thread's bit for bit. Groups balance the
/// formats' [`relative_cost`]: on two threads the best split of up to 16 formats (every subset
/// tried), otherwise costliest format first into the least loaded group (LPT). A thread that
/// cannot be started leaves its group to the calling thread.
fn in_groups<R: Send>(formats: &[Format], threads: usize, work: impl Fn(&[Format]) -> Vec<R> + Sync) -> Vec<R> {
    let threads = threads.min(formats.len());
    if threads <= 1 {
        return work(formats);
    }
    let cost = |i: usize| relative_cost(&formats[i]);
    let mut groups: Vec<(u32, Vec<usize>)> = vec![(0, Vec::new()); threads];
    if threads == 2 && formats.len() <= 16 {
        // The subset holding the first format whose cost is nearest half the total.
        let total: u32 = (0..formats.len()).map(cost).sum();
        let load = |mask: u32| (0..formats.len()).filter(|i| mask >> i & 1 == 1).map(cost).sum::<u32>();
        let best = (0..1u32 << (formats.len() - 1)).map(|m| m << 1 | 1).min_by_key(|&m| load(m).max(total - load(m))).unwrap_or(1);
        for i in 0..formats.len() {
            groups[(best >> i & 1 == 0) as usize].1.push(i);
        }
    } else {
        let mut order: Vec<usize> = (0..formats.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(cost(i)));
        for i in order {
            if let Some(g) = groups.iter_mut().min_by_key(|g| g.0) {
                g.0 += cost(i);
                g.1.push(i);
            }
        }
    }
    let picked: Vec<(Vec<usize>, Vec<Format>)> = groups
        .into_iter()
        .filter(|g| !g.1.is_empty())
        .map(|(_, idx)| {
            let fs = idx.iter().map(|&i| formats[i]).collect();
            (idx, fs)
        })
        .collect();
    let outputs = run_groups(&picked, &work);
    let mut slots: Vec<Option<R>> = (0..formats.len()).map(|_| None).collect();
    for ((idx, _), out) in picked.iter().zip(outputs) {
        for (&i, r) in idx.iter().zip(out) {
            slots[i] = Some(r);
        }
    }
    slots.into_iter().flatten().collect()
}

/// Each group's `work`, the first on the calling thread and the others on their own.
#[cfg(not(target_arch = "wasm32"))]
fn run_groups<R: Send>(groups: &[(Vec<usize>, Vec<Format>)], work: &(impl Fn(&[Format]) -> Vec<R> + Sync)) -> Vec<Vec<R>> {
    let Some((first, rest)) = groups.split_first() else { return Vec::new() };
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            rest.iter().map(|(_, fs)| (fs, std::thread::Builder::new().spawn_scoped(scope, move || work(fs)).ok())).collect();
        let mut out = vec![work(&first.1)];
        for (fs, handle) in handles {
            out.push(match handle.map(|h| h.join()) {
                Some(Ok(r)) => r,
                _ => work(fs),
            });
        }
        out
    })
}

/// Each group's `work`, in turn (no threads in the page's worker).
#[cfg(target_arch = "wasm32")]
fn run_groups<R: Send>(groups: &[(Vec<usize>, Vec<Format>)], work: &(impl Fn(&[Format]) -> Vec<R> + Sync)) -> Vec<Vec<R>> {
    groups.iter().map(|(_, fs)| work(fs)).collect()
}

/// Values below which one thread measures every format: starting threads costs tens of microseconds.
const MIN_PER_THREAD: usize = 1 << 18;

/// The cores to spread formats over (one on wasm, where the page runs the worker).
fn cores() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    return std::thread::available_parallelism().map_or(1, |n| n.get());
    #[cfg(target_arch = "wasm32")]
    1
}

/// Each format's totals over the tensors it took.
pub fn totals(formats: &[String], tensors: &[TensorCompare]) -> Vec<FormatTotal> {
    formats
        .iter()
        .enumerate()
        .map(|(i, format)| {
            let mut t = FormatTotal {
                format: format.clone(),
                tensors: 0,
                refused: 0,
                elements: 0,
                bits_per_weight: 0.0,
                bytes: 0,
                mse: 0.0,
                sqnr_db: None,
                max_abs_error: 0.0,
                sum_squared_error: 0.0,
            };
            let (mut bits, mut signal) = (0u64, 0.0f64);
            for tensor in tensors {
                match tensor.results.get(i).and_then(FormatResult::measured) {
                    Some(m) => {
                        t.tensors += 1;
                        t.elements += tensor.elements;
                        bits += m.bits;
                        t.bytes += m.bytes;
                        t.sum_squared_error += m.sum_squared_error;
                        signal += m.signal_power;
                        t.max_abs_error = t.max_abs_error.max(m.max_abs_error);
                    }
                    None => t.refused += 1,
                }
            }
            if t.elements > 0 {
                t.bits_per_weight = bits as f64 / t.elements as f64;
                t.mse = t.sum_squared_error / t.elements as f64;
                t.sqnr_db = Some(sqnr_db(signal, t.sum_squared_error));
            }
            t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn tensor(name: &str, elements: u64, results: &[(&str, Option<(f64, f64)>)]) -> TensorCompare {
        TensorCompare {
            name: name.into(),
            shape: vec![elements / 32, 32],
            elements,
            dtype: "bf16".into(),
            source_bits: elements * 16,
            kept: None,
            results: results
                .iter()
                .map(|&(format, m)| FormatResult {
                    format: format.into(),
                    outcome: match m {
                        Some((bpw, sse)) => Outcome::Measured(Measured::new(elements, bpw, sse, elements as f64, sse.sqrt(), 0)),
                        None => Outcome::Refused { reason: "row length 33 is not a multiple of the block size 32".into() },
                    },
                })
                .collect(),
        }
    }

    #[test]
    fn format_lists() {
        let f = parse_formats("q8_0, q4_0,int4:per-group:128,FP8-E4M3:per-channel").unwrap();
        let shown: Vec<String> = f.iter().map(|f| f.to_string()).collect();
        assert_eq!(shown, ["q8_0", "q4_0", "int4:per-group:128", "fp8-e4m3:per-channel"]);
        let column = |list: &str| match parse_formats(list) {
            Err(FormatError::Token { column, token, .. }) => {
                assert_eq!(token, list);
                column
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(column("q8_0,q9_0"), 6);
        assert_eq!(column("q8_0, int4:per-grp"), 12);
        assert_eq!(column("q8_0,,q4_0"), 6);
        assert_eq!(column("q8_0,q4_0,q8_0"), 11);
        assert_eq!(column(""), 1);
    }

    #[test]
    fn measure_streams_every_format_and_keeps_1d_tensors() {
        let formats = parse_formats("q8_0,q4_0,nf4").unwrap();
        let values: Vec<f32> = (0..128).map(|i| ((i * 37 % 101) as f32 - 50.0) / 64.0).collect();
        let t = measure("w", &[2, 64], "f32", 128 * 32, &values, &formats);
        let mse: Vec<f64> = t.results.iter().map(|r| r.measured().unwrap().mse).collect();
        assert!(mse[0] < mse[1] && mse[0] > 0.0, "{mse:?}");
        let q4 = crate::format::quantize(&formats[1], &values, 2, 64).unwrap();
        assert_eq!(mse[1], q4.mse());
        assert_eq!(t.results[2].measured().unwrap().bits, 128 * 4 + 2 * 32);
        // NF4's block is 64: a row of 32 is refused with the reason.
        let t = measure("w", &[4, 32], "f32", 128 * 32, &values, &formats);
        assert!(matches!(&t.results[2].outcome, Outcome::Refused { reason } if reason.contains("not a multiple of the block size 64")));
        let t = measure("norm", &[128], "f32", 128 * 32, &values, &formats);
        assert_eq!(t.kept.as_deref(), Some(ONE_DIMENSIONAL));
        assert!(t.results.iter().all(|r| r.measured().is_none()));
    }

    #[test]
    fn format_groups_give_one_threads_results_in_order() {
        use crate::format::compare_rows;
        let formats = parse_formats("q8_0,q5_1,q4_0,mxfp4,nf4,nvfp4,int4:per-group:32").unwrap();
        let values: Vec<f32> = (0..4096).map(|i| ((i * 7919 % 1009) as f32 - 504.0) / 300.0).collect();
        let one = compare_rows(&formats, &values, 16, 256);
        for threads in [2, 3, 7, 9] {
            assert_eq!(in_groups(&formats, threads, |group| compare_rows(group, &values, 16, 256)), one, "{threads} threads");
        }
    }

    #[test]
    fn measured_numbers() {
        let m = Measured::new(64, 4.5, 2.0, 200.0, 0.5, 3);
        assert_eq!((m.bits, m.bytes), (288, 36));
        assert_eq!(m.mse, 2.0 / 64.0);
        assert_eq!(m.sqnr_db, Some(20.0));
        // NVFP4 on 16 values: 4.5 + 32/16 bits per weight, 104 bits, 13 bytes.
        let m = Measured::new(16, 4.5 + 2.0, 0.0, 1.0, 0.0, 0);
        assert_eq!((m.bits, m.bytes, m.sqnr_db), (104, 13, Some(f64::INFINITY)));
    }

    #[test]
    fn json_round_trip_keeps_infinities_and_reasons() {
        let r = CompareReport::new(
            vec!["a.safetensors".into()],
            vec!["q4_0".into(), "q8_0".into()],
            vec![tensor("w", 64, &[("q4_0", Some((4.5, 0.0))), ("q8_0", None)])],
        );
        let text = serde_json_like(&r);
        assert!(text.contains("\"sqnr_db\":\"+inf\""), "{text}");
        assert!(text.contains("\"reason\":\"row length 33"), "{text}");
        let back: CompareReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }

    fn serde_json_like(r: &CompareReport) -> String {
        serde_json::to_string(r).unwrap()
    }

    #[test]
    fn totals_add_the_sums() {
        let r = CompareReport::new(
            vec![],
            vec!["q4_0".into(), "q8_0".into()],
            vec![
                tensor("a", 64, &[("q4_0", Some((4.5, 1.0))), ("q8_0", Some((8.5, 0.25)))]),
                tensor("b", 32, &[("q4_0", Some((4.5, 2.0))), ("q8_0", None)]),
            ],
        );
        let q4 = &r.totals[0];
        assert_eq!((q4.tensors, q4.refused, q4.elements, q4.bytes), (2, 0, 96, 36 + 18));
        assert_eq!(q4.bits_per_weight, 4.5);
        assert_eq!(q4.mse, 3.0 / 96.0);
        assert_eq!(q4.sqnr_db, Some(10.0 * (96.0f64 / 3.0).log10()));
        let q8 = &r.totals[1];
        assert_eq!((q8.tensors, q8.refused, q8.elements), (1, 1, 64));
    }

    #[test]
    fn merge_of_shards_is_the_whole() {
        let formats = vec!["q4_0".to_string(), "q8_0".to_string()];
        let a = tensor("a", 64, &[("q4_0", Some((4.5, 1.0))), ("q8_0", Some((8.5, 0.25)))]);
        let b = tensor("b", 32, &[("q4_0", Some((4.5, 2.0))), ("q8_0", None)]);
        let whole = CompareReport::new(vec!["m".into()], formats.clone(), vec![a.clone(), b.clone()]);
        let merged = CompareReport::merge(vec![
            CompareReport::new(vec!["m".into()], formats.clone(), vec![a.clone()]),
            CompareReport::new(vec![], formats.clone(), vec![b.clone()]),
        ])
        .unwrap();
        assert_eq!(merged, whole);
        let twice = CompareReport::merge(vec![whole.clone(), whole.clone()]).unwrap_err();
        assert_eq!(twice, MergeError::Duplicate { name: "a".into(), first: 0, second: 1 });
        let other = CompareReport::new(vec!["x".into()], vec!["q4_0".into()], vec![]);
        assert!(matches!(CompareReport::merge(vec![whole, other]), Err(MergeError::FormatsDiffer { index: 1, .. })));
        assert_eq!(CompareReport::merge(vec![]), Err(MergeError::Empty));
    }
}
