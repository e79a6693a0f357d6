//! The core's wasm simd128 kernel in Chromium: the same metrics, bit for bit, as the per-element path
//! (which the SIMD code never runs), for every float32 convention and both kinds of quantize (x·m, x/s).

use quantscope_core::{analyse, Convention, Dtype, Granularity, ParamSource, QuantSpec, Samples, Scheme, SpecOptions, Tensor};
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
            if i % 97 == 0 {
                0.0
            } else {
                ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.45) * (1 + i % 5) as f32
            }
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
                let source = ParamSource::Range(quantscope_core::RangeInput::new(-0.8, 1.1));
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
            for source in [ParamSource::Data, ParamSource::Range(quantscope_core::RangeInput::new(-0.8, 1.1))] {
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

/// Enough channels for several units of work (about 16 Ki values each) with a short last one, so the
/// loop reads ahead into the next unit (and must stop at the tensor's end), on 8- and 16-bit grids:
/// without a clamp the wasm loop takes round(v) for (round(v) + z) - z, exact for integers below
/// 2^24. Signed zeros included.
#[wasm_bindgen_test]
fn simd_kernel_matches_per_element_path_across_units() {
    let (rows, cols) = (40, 1000);
    let mut data = values(rows * cols);
    for x in data.iter_mut().step_by(89) {
        *x = -0.0;
    }
    let tensor = Tensor::dense("w", Samples::F32(data), vec![rows, cols], 0).unwrap();
    for convention in [Convention::Pytorch, Convention::Onnxruntime] {
        for scheme in [Scheme::Affine, Scheme::Symmetric] {
            for dtype in ["quint8", "qint8", "int16", "quint16"] {
                let dtype: Dtype = dtype.parse().unwrap();
                let spec = QuantSpec::resolve(&SpecOptions { convention, scheme, dtype, ..SpecOptions::default() }).unwrap();
                let fast = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, false).unwrap();
                let slow = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, true).unwrap();
                for (f, s) in fast.channels.iter().zip(&slow.channels) {
                    assert_eq!(f.metrics, s.metrics, "{convention} {scheme:?} {dtype} channel {}", f.index);
                }
                assert_eq!(fast.summary.metrics, slow.summary.metrics);
            }
        }
    }
}

/// The range pass: plain min/max when every value is finite, and a second, masked read of a run
/// holding NaN or ±inf, wherever they fall (in the 16-value steps or the tail): each channel's data
/// range is that of its finite values, and its non-finite values are counted.
#[wasm_bindgen_test]
fn range_pass_leaves_out_and_counts_non_finite_values() {
    let cols = 53; // three steps of 16 and a tail of 5
    let rows = 6;
    let mut data = values(rows * cols);
    let bad = [(1, 0, f32::NAN), (2, 17, f32::INFINITY), (3, 50, f32::NEG_INFINITY), (4, 3, f32::NAN), (4, 52, f32::INFINITY)];
    for &(r, c, x) in &bad {
        data[r * cols + c] = x;
    }
    let tensor = Tensor::dense("w", Samples::F32(data.clone()), vec![rows, cols], 0).unwrap();
    let spec = QuantSpec::resolve(&SpecOptions::default()).unwrap();
    let analysis = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, false).unwrap();
    for (r, channel) in analysis.channels.iter().enumerate() {
        let row = &data[r * cols..(r + 1) * cols];
        let finite = row.iter().filter(|x| x.is_finite());
        let min = finite.clone().fold(f32::INFINITY, |m, &x| m.min(x)) as f64;
        let max = finite.fold(f32::NEG_INFINITY, |m, &x| m.max(x)) as f64;
        assert_eq!(channel.data_min, Some(min), "row {r}");
        assert_eq!(channel.data_max, Some(max), "row {r}");
        let expected = bad.iter().filter(|b| b.0 == r).count() as u64;
        assert_eq!(channel.metrics.nonfinite, expected, "row {r}");
    }
}

/// Every rounding rule but stochastic on the simd128 loop (half-even `f32x4.nearest`, the directed
/// rules, half away from zero and half up as exact trunc/floor steps), and the textbook convention's
/// f64 loop, against the per-element path: eighths give exact ties at a hand-typed scale of 0.25.
#[wasm_bindgen_test]
fn simd_kernel_matches_per_element_path_for_every_rule() {
    let mut data = values(5 * 203);
    for (i, x) in data.iter_mut().enumerate().step_by(3) {
        *x = (i % 41) as f32 / 8.0 - 2.5;
    }
    let tensor = Tensor::dense("w", Samples::F32(data), vec![5, 203], 0).unwrap();
    let manual =
        quantscope_core::analysis::ManualParams { scale: 0.25, scale_exact: quantscope_core::exact::Decimal::parse("0.25"), zero_point: 3 };
    for rounding in quantscope_core::Rounding::ALL.into_iter().filter(|&r| r != quantscope_core::Rounding::Stochastic) {
        for convention in [Convention::Pytorch, Convention::Onnxruntime, Convention::Tflite, Convention::Textbook] {
            let spec = QuantSpec::resolve(&SpecOptions { convention, rounding: Some(rounding), ..SpecOptions::default() }).unwrap();
            for source in [ParamSource::Data, ParamSource::Manual(vec![manual; 5])] {
                let fast = analyse(&tensor, &spec, Granularity::PerChannel, &source, false).unwrap();
                let slow = analyse(&tensor, &spec, Granularity::PerChannel, &source, true).unwrap();
                for (f, s) in fast.channels.iter().zip(&slow.channels) {
                    assert_eq!(f.metrics, s.metrics, "{convention} {rounding} channel {}", f.index);
                }
                assert_eq!(fast.summary.metrics, slow.summary.metrics);
            }
        }
    }
}

/// The textbook convention's simd128 f64 loop (`simd::wasm::textbook_rows`) against the per-element
/// path, bit for bit, for every rule but stochastic, float32 and f64 data, and every way it treats
/// the clamp: channels whose data range clips by one step at the top, the bottom, both ends, or
/// further (`clip::ROWS_APART_TOP`, `_BOTTOM`, `ROWS_APART`, `CLAMP`) or not at all. The values are
/// bf16-like (8 significant bits), with exact ties and boundaries of the scale 1/128 (the rows the
/// loop must leave to the exact decision), ±0, a NaN and ±inf, at a hand-typed scale (x · 128,
/// exact), a scale of 0.1 (x · (1/s) close to x / s) and the data's own.
#[wasm_bindgen_test]
fn textbook_simd_loop_matches_per_element_path() {
    let (rows, cols) = (6, 517);
    // The ends of each channel's range in 256ths, half steps of the scale 1/128 (qint8 is [-128, 127]).
    let ends = [(-256, 254), (-256, 255), (-257, 254), (-258, 256), (-384, 384), (-128, 128)]
        .map(|(lo, hi)| (lo as f32 / 256.0, hi as f32 / 256.0));
    let bf16 = |x: f32| f32::from_bits(x.to_bits() & 0xffff_0000);
    let mut data = Vec::with_capacity(rows * cols);
    for (r, &(lo, hi)) in ends.iter().enumerate() {
        let spread = values(cols);
        for (c, &v) in spread.iter().enumerate() {
            // Mostly bf16-like values inside the range; every 37th an exact half step (a tie of the
            // nearest rules), every 41st a whole step (a boundary of the directed ones).
            let x = match c {
                // The ends, again and again, each in rows of their own (the loop leaves a row with a
                // clipping value to the exact code: a row holding both ends would hide the other).
                _ if c % 67 == 3 => lo,
                _ if c % 71 == 12 => hi,
                _ if c % 37 == 0 => ((c % 200) as f32 - 100.0 + 0.5) / 128.0,
                _ if c % 41 == 0 => ((c % 200) as f32 - 100.0) / 128.0,
                _ if c % 53 == 0 => -0.0,
                _ => bf16((v / 2.0).clamp(lo, hi)),
            };
            data.push(x.clamp(lo, hi));
        }
        // Non-finite values in the last channel, in the rows and in the tail.
        if r == rows - 1 {
            let at = r * cols;
            (data[at + 100], data[at + 203], data[at + 515]) = (f32::NAN, f32::INFINITY, f32::NEG_INFINITY);
        }
    }
    let f32_tensor = Tensor::dense("w", Samples::F32(data.clone()), vec![rows, cols], 0).unwrap();
    let f64_tensor = Tensor::dense("w", Samples::F64(data.iter().map(|&x| x as f64).collect()), vec![rows, cols], 0).unwrap();
    let manual = |scale: f64, text: &str, zero_point: i64| {
        let params =
            quantscope_core::analysis::ManualParams { scale, scale_exact: quantscope_core::exact::Decimal::parse(text), zero_point };
        ParamSource::Manual(vec![params; rows])
    };
    let sources = [
        manual(1.0 / 128.0, "0.0078125", 0),
        manual(1.0 / 128.0, "0.0078125", -1),
        manual(1.0 / 128.0, "0.0078125", 1),
        manual(0.1, "0.1", 0),
        ParamSource::Data,
        ParamSource::Range(quantscope_core::RangeInput::new(-0.8, 0.9)),
    ];
    for rounding in quantscope_core::Rounding::ALL.into_iter().filter(|&r| r != quantscope_core::Rounding::Stochastic) {
        for scheme in [Scheme::Affine, Scheme::Symmetric] {
            let options = SpecOptions { convention: Convention::Textbook, scheme, rounding: Some(rounding), ..SpecOptions::default() };
            let spec = QuantSpec::resolve(&options).unwrap();
            for (tensor, kind) in [(&f32_tensor, "f32"), (&f64_tensor, "f64")] {
                for (n, source) in sources.iter().enumerate() {
                    let fast = analyse(tensor, &spec, Granularity::PerChannel, source, false).unwrap();
                    let slow = analyse(tensor, &spec, Granularity::PerChannel, source, true).unwrap();
                    for (f, s) in fast.channels.iter().zip(&slow.channels) {
                        assert_eq!(f.metrics, s.metrics, "{rounding} {scheme:?} {kind} source {n} channel {}", f.index);
                    }
                    assert_eq!(fast.summary.metrics, slow.summary.metrics);
                }
            }
        }
    }
}
