//! The core's per-channel analysis as plain wasm exports (no bindings generator), timed under Node
//! by `bench/wasm_bench.mjs` on the same float32 data as the native and NumPy runs.
//!
//! The host asks for a buffer with `buffer(len)`, writes the values into wasm memory, then calls
//! `analyse(ptr, rows, cols, which)` as often as it likes.

use quantscope_core::{analyse as run, Convention, Granularity, ParamSource, QuantSpec, Samples, Scheme, SpecOptions, Tensor};

/// A zeroed buffer of `len` float32 values in wasm memory, for the host to fill; it lives as long as the module.
#[no_mangle]
pub extern "C" fn buffer(len: usize) -> *mut f32 {
    let mut v = vec![0f32; len];
    let ptr = v.as_mut_ptr();
    std::mem::forget(v);
    ptr
}

/// One full per-channel analysis of the `rows × cols` values at `ptr` (from [`buffer`] with
/// `len = rows · cols`). `which`: 0 PyTorch affine, 1 PyTorch symmetric, 2 ONNX Runtime affine.
/// Returns the tensor SQNR (so nothing is optimised away), NaN on an error.
///
/// # Safety
/// `ptr` must come from `buffer(rows * cols)`.
#[no_mangle]
pub unsafe extern "C" fn analyse(ptr: *mut f32, rows: usize, cols: usize, which: u32) -> f64 {
    let (convention, scheme) = match which {
        0 => (Convention::Pytorch, Scheme::Affine),
        1 => (Convention::Pytorch, Scheme::Symmetric),
        _ => (Convention::Onnxruntime, Scheme::Affine),
    };
    let Ok(spec) = QuantSpec::resolve(&SpecOptions { convention, scheme, ..SpecOptions::default() }) else { return f64::NAN };
    let len = rows * cols;
    // SAFETY: the caller passes a buffer of exactly `len` values from `buffer`; it is given back below.
    let data = unsafe { Vec::from_raw_parts(ptr, len, len) };
    let Ok(tensor) = Tensor::dense("w", Samples::F32(data), vec![rows, cols], 0) else { return f64::NAN };
    let sqnr = run(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, false)
        .ok()
        .and_then(|a| a.summary.metrics.sqnr_db)
        .unwrap_or(f64::NAN);
    if let Samples::F32(data) = tensor.data {
        std::mem::forget(data);
    }
    sqnr
}
