//! Calibration methods against the reference implementations (`tests/data/calibration.py`:
//! ONNX Runtime's own `HistogramCollector` and `MinMaxCalibrater.merge_range`, and NumPy
//! reimplementations of PyTorch's moving-average observer and pytorch-quantization's MSE search).
//!
//! Tolerance: min/max, the moving average and the percentile ranges must match bit for bit (same
//! float32 histogram edges as `numpy.histogram`, same float64 cdf). Entropy and MSE may differ by
//! at most one histogram bin width: ONNX Runtime's KL divergence uses NumPy's SIMD float32 `log`
//! (not bit-identical to Rust's `f32::ln`), so two candidates whose divergences are within an ulp can
//! swap; the MSE reference sums in float64 in a different order.

use quantscope_core::calibrate::{self, Calibration, Method};
use quantscope_core::{ParamSource, QuantSpec, Samples, Scheme, SpecOptions, Tensor};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = include_str!("data/calibration.json");
    let v: Value = serde_json::from_str(text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn pair(v: &Value) -> (f32, f32) {
    (v[0].as_f64().unwrap() as f32, v[1].as_f64().unwrap() as f32)
}

fn values(case: &Value) -> Vec<f32> {
    case["values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect()
}

fn width(case: &Value, bins: usize) -> f32 {
    let (lo, hi) = pair(&case["minmax"]);
    2.0 * lo.abs().max(hi.abs()) / bins as f32
}

#[test]
fn percentile_is_onnxruntimes() {
    for case in cases() {
        let x = values(&case);
        let name = case["name"].as_str().unwrap();
        for (key, p, symmetric) in [
            ("percentile_affine", 99.999, false),
            ("percentile_symmetric", 99.999, true),
            ("percentile_99_9_affine", 99.9, false),
            ("percentile_99_9_symmetric", 99.9, true),
        ] {
            assert_eq!(calibrate::percentile(&x, p, symmetric), Some(pair(&case[key])), "{name} {key}");
        }
    }
}

#[test]
fn moving_average_is_pytorchs_and_onnxruntimes() {
    for case in cases() {
        let x = values(&case);
        let batch = case["batch"].as_u64().unwrap() as usize;
        let rows = x.len() / batch;
        let batches = x[..rows * batch]
            .chunks(batch)
            .map(|b| b.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v))));
        let got = calibrate::moving_average(batches, calibrate::AVERAGING_CONSTANT);
        assert_eq!(got, Some(pair(&case["moving_average"])), "{}", case["name"]);
        // Through the tools' path: the channels (rows) are the batches, both granularities share the range.
        let t = Tensor::dense("t", Samples::F32(x[..rows * batch].to_vec()), vec![rows, batch], 0).unwrap();
        let spec = QuantSpec::resolve(&SpecOptions::default()).unwrap();
        let cal = Calibration { method: Method::MovingAverage, ..Calibration::default() };
        let (pc, pt) = calibrate::sources(&t, &spec, &cal).unwrap();
        let (lo, hi) = pair(&case["moving_average"]);
        let expected = ParamSource::Range(quantscope_core::RangeInput::new(lo as f64, hi as f64));
        assert_eq!((pc, pt), (expected.clone(), expected));
    }
}

#[test]
fn entropy_is_onnxruntimes_within_one_bin() {
    for case in cases() {
        let x = values(&case);
        let (lo, hi) = calibrate::entropy(&x, calibrate::ENTROPY_BINS, calibrate::ENTROPY_QUANTIZED_BINS).unwrap();
        let (elo, ehi) = pair(&case["entropy"]);
        let w = width(&case, calibrate::ENTROPY_BINS);
        assert!((lo - elo).abs() <= w && (hi - ehi).abs() <= w, "{}: ({lo}, {hi}) vs ({elo}, {ehi})", case["name"]);
    }
}

#[test]
fn mse_is_pytorch_quantizations_within_one_bin() {
    for case in cases() {
        let x = values(&case);
        for (key, bits) in [("mse_8bit", 8), ("mse_4bit", 4)] {
            let (lo, hi) = calibrate::mse(&x, bits).unwrap();
            let (elo, ehi) = pair(&case[key]);
            let w = width(&case, calibrate::MSE_BINS) / 2.0;
            assert!((lo - elo).abs() <= w && (hi - ehi).abs() <= w, "{} {key}: ({lo}, {hi}) vs ({elo}, {ehi})", case["name"]);
        }
    }
}

#[test]
fn sources_per_channel_and_per_tensor() {
    let case = &cases()[5];
    assert_eq!(case["name"], "rows");
    let x = values(case);
    let t = Tensor::dense("t", Samples::F32(x.clone()), vec![16, 64], 0).unwrap();
    let spec = QuantSpec::resolve(&SpecOptions { scheme: Scheme::Affine, ..SpecOptions::default() }).unwrap();
    let cal = Calibration { method: Method::Percentile, percentile: 99.999 };
    let (pc, pt) = calibrate::sources(&t, &spec, &cal).unwrap();
    let (lo, hi) = pair(&case["percentile_affine"]);
    assert_eq!(pt, ParamSource::Range(quantscope_core::RangeInput::new(lo as f64, hi as f64)));
    let ParamSource::PerChannelRange(ranges) = pc else { panic!("{pc:?}") };
    assert_eq!(ranges.len(), 16);
    for (c, r) in ranges.iter().enumerate() {
        let (a, b) = calibrate::percentile(&x[c * 64..(c + 1) * 64], 99.999, false).unwrap();
        assert_eq!((r.min, r.max), (a as f64, b as f64));
    }
    let bad = Calibration { method: Method::Percentile, percentile: 0.0 };
    assert!(calibrate::sources(&t, &spec, &bad).is_err());
    // Every method through compare_sources: per-channel never worse than per-tensor here.
    for method in Method::ALL {
        let cal = Calibration { method, ..Calibration::default() };
        let (pc, pt) = calibrate::sources(&t, &spec, &cal).unwrap();
        let cmp = quantscope_core::analysis::compare_sources(&t, &spec, &pc, &pt, false).unwrap();
        let sqnr = cmp.per_channel.summary.metrics.sqnr_db.unwrap();
        // The moving average over 16 rows stays near the first rows' range and clips the rest.
        assert!(sqnr > if method == Method::MovingAverage { 5.0 } else { 20.0 }, "{method:?}: {sqnr}");
    }
}

#[test]
#[ignore = "prints how far entropy and MSE are from the reference"]
fn report_distances() {
    for case in cases() {
        let x = values(&case);
        let e = calibrate::entropy(&x, 2048, 128).unwrap();
        let m8 = calibrate::mse(&x, 8).unwrap();
        let m4 = calibrate::mse(&x, 4).unwrap();
        println!(
            "{}: entropy {:?} vs {:?}; mse8 {:?} vs {:?}; mse4 {:?} vs {:?}",
            case["name"],
            e,
            pair(&case["entropy"]),
            m8,
            pair(&case["mse_8bit"]),
            m4,
            pair(&case["mse_4bit"])
        );
    }
}
