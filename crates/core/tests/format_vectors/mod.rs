//! The format reference vectors (formats.md §8), shared by the format tests.
#![allow(dead_code)]

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One case.
#[derive(Deserialize)]
pub struct Case {
    pub id: String,
    pub kind: String,
    pub shape: Vec<usize>,
    pub preset: Option<String>,
    pub knobs: Option<Knobs>,
    pub cli_args: Vec<String>,
    pub rows: Vec<Vec<f64>>,
    pub expected: Expected,
}

/// The plain (non-preset) choices.
#[derive(Deserialize)]
pub struct Knobs {
    pub dtype: String,
    pub scheme: String,
    pub granularity: String,
    pub group_size: Option<usize>,
    pub convention: Option<String>,
}

/// What the reference produced.
#[derive(Deserialize)]
pub struct Expected {
    pub dequantized: Vec<Vec<f64>>,
    pub bits_per_weight: f64,
    /// Scales, codes, block size: by their JSON names.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl Case {
    /// The case as a format token.
    pub fn token(&self) -> String {
        if let Some(p) = &self.preset {
            return p.clone();
        }
        let k = self.knobs.as_ref().expect("a case has a preset or knobs");
        let element = if k.scheme == "affine" { format!("{}-affine", k.dtype) } else { k.dtype.clone() };
        match k.group_size {
            Some(g) => format!("{element}:{}:{g}", k.granularity),
            None => format!("{element}:{}", k.granularity),
        }
    }

    /// Whether one scale covers the tensor.
    pub fn is_per_tensor(&self) -> bool {
        self.knobs.as_ref().is_some_and(|k| k.granularity == "per-tensor")
    }

    /// The inputs as float32 (they are float32 values printed exactly).
    pub fn rows_f32(&self) -> Vec<Vec<f32>> {
        self.rows.iter().map(|r| r.iter().map(|v| *v as f32).collect()).collect()
    }
}

/// Equal as float32, +0 equal to −0.
pub fn same_f32(got: f32, want: f64) -> bool {
    got == want as f32 && (want as f32) as f64 == want
}

/// The shipped vectors, then the files named in `QUANTSCOPE_FORMAT_GOLDEN`.
pub fn files() -> Vec<PathBuf> {
    // crates/core/tests/data, from the core's tests and the CLI's (which include this file by path).
    let crates = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![crates.join("core/tests/data/formats_public.json")];
    if let Ok(extra) = std::env::var("QUANTSCOPE_FORMAT_GOLDEN") {
        files.extend(extra.split(':').filter(|s| !s.is_empty()).map(PathBuf::from));
    }
    files
}

/// Every case of every file.
pub fn cases() -> Vec<Case> {
    #[derive(Deserialize)]
    struct File {
        cases: Vec<Case>,
    }
    files()
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            serde_json::from_str::<File>(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display())).cases
        })
        .collect()
}
