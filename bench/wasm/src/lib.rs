//! The core's per-channel analysis as a wasm export, with the same data as the criterion benchmark
//! (`crates/quant/benches/analysis.rs`), so the wasm and native figures compare like for like.

use quant::{analyse, Convention, Granularity, ParamSource, QuantSpec, Samples, Scheme, SpecOptions, Tensor};
use wasm_bindgen::prelude::*;

/// The criterion benchmark's data: pseudo-normal values (sum of three uniforms), a spread per row.
fn weights(rows: usize, cols: usize) -> Vec<f32> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut out = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        let spread = 0.01 + (r % 17) as f32 * 0.05;
        for _ in 0..cols {
            out.push((next() + next() + next() - 1.5) * spread);
        }
    }
    out
}

/// A prepared tensor and spec; `run` analyses it once and returns the tensor SQNR (so nothing is optimised away).
#[wasm_bindgen]
pub struct Bench {
    tensor: Tensor,
    spec: QuantSpec,
}

#[wasm_bindgen]
impl Bench {
    /// `convention`: pytorch or onnxruntime; `scheme`: affine or symmetric.
    #[wasm_bindgen(constructor)]
    pub fn new(rows: usize, cols: usize, convention: &str, scheme: &str) -> Result<Bench, JsError> {
        let convention: Convention = convention.parse().map_err(|e: String| JsError::new(&e))?;
        let scheme: Scheme = scheme.parse().map_err(|e: String| JsError::new(&e))?;
        let spec = QuantSpec::resolve(&SpecOptions { convention, scheme, ..SpecOptions::default() })?;
        let tensor = Tensor::dense("w", Samples::F32(weights(rows, cols)), vec![rows, cols], 0)?;
        Ok(Bench { tensor, spec })
    }

    /// One full per-channel analysis.
    pub fn run(&self) -> Result<f64, JsError> {
        let a = analyse(&self.tensor, &self.spec, Granularity::PerChannel, &ParamSource::Data, false)?;
        Ok(a.summary.metrics.sqnr_db.unwrap_or(f64::NAN))
    }
}
