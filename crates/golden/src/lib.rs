//! Reference vectors produced by PyTorch 2.15 and ONNX Runtime 1.32, and the rule they are matched by.
//!
//! The vectors live in `crates/golden/data/*.json`; more files generated the same way can be named
//! in the `QUANTSCOPE_GOLDEN` environment variable (separated by `:`). The format is described at the
//! end of `docs/conventions.md`. Zero points and every integer must be identical; scales and
//! dequantized values equal to float32 precision (relative 1e-6).
#![deny(missing_docs)]

use serde::Deserialize;
use std::path::PathBuf;

/// One reference case.
#[derive(Clone, Debug, Deserialize)]
pub struct Case {
    /// Unique name.
    pub name: String,
    /// `pytorch` or `onnxruntime`.
    pub preset: String,
    /// `per_channel` or `per_tensor`.
    pub granularity: String,
    /// `qint8` or `quint8`.
    pub dtype: String,
    /// Bit width of the range used.
    pub bits: u32,
    /// Signed integer type.
    pub signed: bool,
    /// `affine` or `symmetric`.
    pub scheme: String,
    /// Whether reduce_range was set.
    pub reduce_range: bool,
    /// The range actually used.
    pub quant_min: i64,
    /// The range actually used.
    pub quant_max: i64,
    /// `[channels, values per channel]`.
    pub shape: Vec<usize>,
    /// One row per channel, float32 values printed to round-trip.
    pub values: Vec<Vec<f64>>,
    /// The framework's output.
    pub expected: Expected,
}

impl Case {
    /// Whether the case passes a custom quant_min/quant_max (narrower than 8 bits without reduce_range),
    /// as PyTorch observers take it.
    pub fn custom_range(&self) -> bool {
        self.bits < 8 && !self.reduce_range
    }
}

/// A framework's output for a case.
#[derive(Clone, Debug, Deserialize)]
pub struct Expected {
    /// One per channel, or one for per_tensor.
    pub scales: Vec<f64>,
    /// One per channel, or one for per_tensor.
    pub zero_points: Vec<i64>,
    /// Quantized integers, one row per channel.
    pub q: Vec<Vec<i64>>,
    /// Dequantized values, one row per channel.
    pub dequantized: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct VectorFile {
    cases: Vec<Case>,
}

/// What an implementation produced for a case, to compare with [`Expected`].
pub struct Produced {
    /// Scale per channel (per-tensor: the same on every channel).
    pub scales: Vec<f64>,
    /// Zero point per channel.
    pub zero_points: Vec<i64>,
    /// Quantized integers per channel (`None` where the implementation produced none).
    pub q: Vec<Vec<Option<i64>>>,
    /// Dequantized values per channel.
    pub dequantized: Vec<Vec<Option<f64>>>,
}

/// The vector files: the shipped ones, then those named in `QUANTSCOPE_GOLDEN`.
pub fn vector_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    if let Ok(extra) = std::env::var("QUANTSCOPE_GOLDEN") {
        files.extend(extra.split(':').filter(|s| !s.is_empty()).map(PathBuf::from));
    }
    files
}

/// Every case of every vector file.
pub fn cases() -> Vec<Case> {
    vector_files()
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let doc: VectorFile = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            doc.cases
        })
        .collect()
}

/// Equal, or within 1e-6 relative (float32 precision).
pub fn close(got: f64, want: f64) -> bool {
    got == want || (got - want).abs() <= 1e-6 * want.abs().max(f64::MIN_POSITIVE)
}

/// Compares produced results with a case's expectation; the first mismatch, described.
pub fn compare(case: &Case, got: &Produced) -> Result<(), String> {
    let want = &case.expected;
    if got.scales.len() != case.values.len() {
        return Err(format!("{} channels produced for {}", got.scales.len(), case.values.len()));
    }
    for c in 0..case.values.len() {
        let k = if want.scales.len() == 1 { 0 } else { c };
        if !close(got.scales[c], want.scales[k]) {
            return Err(format!("channel {c}: scale {} != {}", got.scales[c], want.scales[k]));
        }
        if got.zero_points[c] != want.zero_points[k] {
            return Err(format!("channel {c}: zero point {} != {}", got.zero_points[c], want.zero_points[k]));
        }
        for (i, (&q_want, &dq_want)) in want.q[c].iter().zip(&want.dequantized[c]).enumerate() {
            let x = case.values[c][i];
            if got.q[c].get(i).copied().flatten() != Some(q_want) {
                return Err(format!("channel {c} [{i}]: x = {x:e}: q {:?} != {q_want}", got.q[c].get(i)));
            }
            match got.dequantized[c].get(i).copied().flatten() {
                Some(dq) if close(dq, dq_want) => {}
                other => return Err(format!("channel {c} [{i}]: dequantized {other:?} != {dq_want}")),
            }
        }
    }
    Ok(())
}

/// Runs `check` on every case and panics with every mismatch (at least the 126 public cases must be there).
pub fn assert_all(check: impl Fn(&Case) -> Result<(), String>) {
    let cases = cases();
    assert!(cases.len() >= 126, "expected the public vectors, found {} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|case| check(case).err().map(|why| format!("{}: {why}", case.name))).collect();
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
