//! The core's wasm simd128 kernel in Chromium: the same metrics, bit for bit, as the per-element path
//! (which the SIMD code never runs), for every float32 convention and both kinds of quantize (x·m, x/s).

use quant::{analyse, Convention, Dtype, Granularity, ParamSource, QuantSpec, Samples, Scheme, SpecOptions, Tensor};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Deterministic values with zeros, clipping candidates and a ragged tail (not a multiple of 8).
fn values(len: usize) -> Vec<f32> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if i % 97 == 0 { 0.0 } else { ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.45) * (1 + i % 5) as f32 }
        })
        .collect()
}

#[wasm_bindgen_test]
fn simd_kernel_matches_per_element_path() {
    #[cfg(not(target_feature = "simd128"))]
    panic!("the app's wasm is meant to be built with simd128 (.cargo/config.toml)");
    for convention in [Convention::Pytorch, Convention::Onnxruntime, Convention::Tflite] {
        for scheme in [Scheme::Affine, Scheme::Symmetric] {
            for dtype in ["qint8", "quint8", "int4"] {
                let dtype: Dtype = dtype.parse().unwrap();
                let tensor = Tensor::dense("w", Samples::F32(values(7 * 301)), vec![7, 301], 0).unwrap();
                let spec = QuantSpec::resolve(&SpecOptions { convention, scheme, dtype, ..SpecOptions::default() }).unwrap();
                // A range narrower than the data, so some values clip.
                let source = ParamSource::Range(quant::RangeInput::new(-0.8, 1.1));
                for source in [ParamSource::Data, source] {
                    let fast = analyse(&tensor, &spec, Granularity::PerChannel, &source, false).unwrap();
                    let slow = analyse(&tensor, &spec, Granularity::PerChannel, &source, true).unwrap();
                    for (f, s) in fast.channels.iter().zip(&slow.channels) {
                        assert_eq!(f.metrics, s.metrics, "{convention} {scheme:?} {dtype}");
                    }
                    assert_eq!(fast.summary.metrics, slow.summary.metrics);
                }
            }
        }
    }
}

/// Channels in the middle axis: each channel is several runs whose lengths are not whole rows, so the
/// SIMD loop starts in the middle of a group of rows and hands its partial sums to the portable
/// code and back.
#[wasm_bindgen_test]
fn simd_kernel_matches_per_element_path_in_runs() {
    for inner in [5, 24, 45, 130, 300] {
        let tensor = Tensor::dense("w", Samples::F32(values(3 * 4 * inner)), vec![3, 4, inner], 1).unwrap();
        for convention in [Convention::Pytorch, Convention::Onnxruntime] {
            let spec = QuantSpec::resolve(&SpecOptions { convention, ..SpecOptions::default() }).unwrap();
            for source in [ParamSource::Data, ParamSource::Range(quant::RangeInput::new(-0.8, 1.1))] {
                let fast = analyse(&tensor, &spec, Granularity::PerChannel, &source, false).unwrap();
                let slow = analyse(&tensor, &spec, Granularity::PerChannel, &source, true).unwrap();
                for (f, s) in fast.channels.iter().zip(&slow.channels) {
                    assert_eq!(f.metrics, s.metrics, "{convention} inner {inner}");
                }
                assert_eq!(fast.summary.metrics, slow.summary.metrics);
            }
        }
    }
}
