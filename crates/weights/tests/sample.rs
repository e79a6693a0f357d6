//! The charts' sample of a tensor (`quantscope_weights::sample`): bounded, deterministic, quantized with the
//! full data's parameters, its bar chart carrying the full data's figures (the model-wide table's).

use std::ops::ControlFlow;

use quantscope_core::calibrate::{self, Calibration, Method};
use quantscope_core::{Comparison, Granularity, QuantSpec, Samples, SpecOptions, Tensor};
use quantscope_weights::model_table::{self, Outcome, TableOptions};
use quantscope_weights::sample::{Sample, SampleValues, MAX_SAMPLE_VALUES};
use quantscope_weights::Archive;

/// A [rows, cols] float32 tensor with a different spread per row and a few outliers.
fn weights(rows: usize, cols: usize, axis: usize) -> Tensor {
    let data: Vec<f32> = (0..rows * cols)
        .map(|i| {
            let (r, c) = (i / cols, i % cols);
            let v = ((i as f32) * 0.618).sin() * (0.2 + (r % 7) as f32 * 0.3) + (c % 5) as f32 * 0.01;
            if i % 997 == 0 {
                v * 8.0
            } else {
                v
            }
        })
        .collect();
    Tensor::dense("layer.weight", Samples::F32(data), vec![rows, cols], axis).unwrap()
}

fn full(tensor: &Tensor, spec: &QuantSpec, calibration: &Calibration) -> Comparison {
    let (pc, pt) = calibrate::sources(tensor, spec, calibration).unwrap();
    quantscope_core::analysis::compare_sources(tensor, spec, &pc, &pt, false).unwrap()
}

fn pytorch() -> QuantSpec {
    QuantSpec::resolve(&SpecOptions { convention: quantscope_core::Convention::Pytorch, ..SpecOptions::default() }).unwrap()
}

#[test]
fn the_sample_is_quantized_with_the_full_data_parameters() {
    let spec = pytorch();
    for method in [Method::MinMax, Method::Percentile, Method::MovingAverage] {
        for axis in [0, 1] {
            let calibration = Calibration { method, percentile: 99.0 };
            let tensor = weights(24, 300, axis);
            let comparison = full(&tensor, &spec, &calibration);
            let sample = Sample::take(&tensor, &comparison, 1000);
            let small = sample.tensor();
            let sampled = sample.compare(&small, &spec).unwrap();
            let kept: Vec<usize> = sample.kept.iter().map(|k| k.index).collect();
            for (k, &c) in kept.iter().enumerate() {
                let (a, b) = (&sampled.per_channel.channels[k], &comparison.per_channel.channels[c]);
                assert_eq!((a.scale, a.zero_point), (b.scale, b.zero_point), "{method:?} axis {axis} per-channel {c}");
                let (a, b) = (&sampled.per_tensor.channels[k], &comparison.per_tensor.channels[c]);
                assert_eq!((a.scale, a.zero_point), (b.scale, b.zero_point), "{method:?} axis {axis} per-tensor {c}");
            }
            // Its per-element analysis has the same parameters too.
            let elements = sample.analyse(&small, &spec, Granularity::PerChannel).unwrap();
            assert_eq!(elements.channels[3].scale, comparison.per_channel.channels[sample.kept[3].index].scale);
            assert_eq!(elements.channels[3].elements.as_ref().unwrap().x.len(), sample.kept[3].count);
        }
    }
}

#[test]
fn the_sample_is_bounded_strided_and_deterministic() {
    let spec = pytorch();
    let calibration = Calibration::default();
    // 48 channels of 600 along axis 1 (the other axis): the sample keeps every channel.
    let tensor = weights(600, 48, 1);
    let comparison = full(&tensor, &spec, &calibration);
    let sample = Sample::take(&tensor, &comparison, 4096);
    assert!(sample.len() <= 4096, "{}", sample.len());
    assert_eq!(sample.kept.len(), 48);
    assert_eq!(sample.value_step, 8, "600 values into 4096 / 48 = 85 per channel");
    assert_eq!(sample.kept[0].count, 75);
    assert_eq!(sample.len(), 48 * 75);
    // Channel 5's values are every 8th of that channel's, in its order (axis 1: a column).
    let small = sample.tensor();
    let column: Vec<f64> = (0..600).map(|r| tensor.data.get(r * 48 + 5)).step_by(8).collect();
    let start = 5 * 75;
    let got: Vec<f64> = (start..start + 75).map(|i| small.data.get(i)).collect();
    assert_eq!(got, column);
    // The same tensor gives the same sample.
    assert!(Sample::take(&tensor, &comparison, 4096) == sample, "a second sample differs");
    assert_eq!(sample.describe(), "a strided sample of 3600 of 28800 values (every 8th value of each channel)");

    // More channels than the bound: every k-th channel, one value each at least, still bounded.
    let many = weights(10_000, 3, 0);
    let c = full(&many, &spec, &calibration);
    let s = Sample::take(&many, &c, 4096);
    assert_eq!(s.channel_step, 3);
    assert_eq!(s.kept.len(), 3334);
    assert!(s.len() <= 4096, "{}", s.len());
    assert!(s.describe().contains("every 3rd of the 10000 channels"), "{}", s.describe());

    // A small tensor is kept whole.
    let small = weights(4, 8, 0);
    let s = Sample::take(&small, &full(&small, &spec, &calibration), MAX_SAMPLE_VALUES);
    assert!(s.is_whole());
    assert_eq!(s.describe(), "the whole tensor (32 values)");
}

#[test]
fn the_bars_carry_the_numbers_of_the_model_wide_table() {
    let spec = pytorch();
    let calibration = Calibration { method: Method::Entropy, percentile: 99.999 };
    let tensor = weights(16, 1000, 0);
    let comparison = full(&tensor, &spec, &calibration);
    let sample = Sample::take(&tensor, &comparison, 2000);
    let small = sample.tensor();
    let sampled = sample.compare(&small, &spec).unwrap();
    // The sample's own SQNR differs from the full data's...
    assert_ne!(sampled.per_channel.summary.metrics.sqnr_db, comparison.per_channel.summary.metrics.sqnr_db);
    let bars = sample.full_data_bars(sampled);
    // ...the bars' are the table's, channel by channel and for the tensor.
    let row = model_table::TensorResult::of(&comparison, 3);
    assert_eq!(bars.per_channel.summary.metrics.sqnr_db, row.per_channel_sqnr_db);
    assert_eq!(bars.per_tensor.summary.metrics.sqnr_db, row.per_tensor_sqnr_db);
    assert_eq!(bars.per_channel.summary.metrics.mse, row.per_channel_mse);
    assert_eq!(bars.sqnr_gain_db, row.sqnr_gain_db);
    for (b, f) in bars.per_channel.channels.iter().zip(&comparison.per_channel.channels) {
        assert_eq!(b.metrics.sqnr_db, f.metrics.sqnr_db, "{}", b.name);
        assert_eq!(b.metrics.mse, f.metrics.mse, "{}", b.name);
    }
    for (b, f) in bars.per_tensor.channels.iter().zip(&comparison.per_tensor.channels) {
        assert_eq!(b.metrics.sqnr_db, f.metrics.sqnr_db, "{}", b.name);
    }
    assert_eq!(bars.memory.elements, 16_000);
    // The worst channel of the table is the lowest bar.
    let lowest = bars.per_channel.channels.iter().min_by(|a, b| a.metrics.sqnr_db.partial_cmp(&b.metrics.sqnr_db).unwrap()).unwrap();
    assert_eq!(lowest.index, row.worst_channels[0].index);
    // The sample travels as JSON (the worker to the page) and comes back equal.
    let json = serde_json::to_string(&sample).unwrap();
    assert!(serde_json::from_str::<Sample>(&json).unwrap() == sample, "the JSON round trip changed the sample");
}

/// The table's own pass hands each tensor to the inspector once, while it is loaded.
#[test]
fn the_table_hands_the_analysed_tensor_to_its_inspector() {
    let file = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/model.safetensors")).unwrap();
    let mut archive = Archive::open(file.as_slice(), "model").unwrap();
    let options =
        TableOptions { tensor: Some("fc.weight".into()), axis: 0, spec: pytorch(), calibration: Calibration::default(), worst: 3 };
    let mut samples = Vec::new();
    let rows = model_table::table_with(&mut archive, &options, &mut |_| ControlFlow::Continue(()), &mut |tensor, comparison| {
        samples.push(Sample::take(tensor, comparison, 100));
    })
    .unwrap();
    assert_eq!(samples.len(), 1);
    let s = &samples[0];
    assert_eq!((s.tensor.as_str(), s.elements, s.channels), ("fc.weight", 512, 16));
    assert!(s.len() <= 100 && s.len() >= 16);
    let Outcome::Result(r) = &rows[0].outcome else { panic!("analysed") };
    assert_eq!(s.per_channel.sqnr_db, r.per_channel_sqnr_db);
}

/// The bits of a sample's values, whatever their precision.
fn bits(values: &SampleValues) -> Vec<u64> {
    match values {
        SampleValues::F32(v) => v.iter().map(|x| u64::from(x.to_bits())).collect(),
        SampleValues::F64(v) => v.iter().map(|x| x.to_bits()).collect(),
    }
}

fn json_round_trip(values: &SampleValues) -> SampleValues {
    serde_json::from_str(&serde_json::to_string(values).unwrap()).unwrap()
}

/// The sample's values travel as their little-endian bytes in base64url: `[1.0]` in float32 is
/// `AACAPw` (bytes 00 00 80 3f), and every bit comes back, NaN (with its payload), ±inf, −0 and
/// subnormals included, which JSON numbers cannot carry (serde_json writes NaN as `null`).
#[test]
fn sample_values_travel_bit_for_bit() {
    assert_eq!(serde_json::to_string(&SampleValues::F32(vec![1.0])).unwrap(), r#"{"f32":"AACAPw"}"#);
    assert_eq!(serde_json::to_string(&SampleValues::F64(vec![])).unwrap(), r#"{"f64":""}"#);
    let odd64 =
        SampleValues::F64(vec![f64::NAN, f64::from_bits(0x7ff0_0000_0000_0001), f64::INFINITY, f64::NEG_INFINITY, -0.0, 5e-324, 0.1]);
    assert_eq!(bits(&json_round_trip(&odd64)), bits(&odd64));
    let odd32 = SampleValues::F32(vec![f32::NAN, f32::from_bits(0xffc0_0001), f32::INFINITY, -0.0, 1e-45, 0.1]);
    assert_eq!(bits(&json_round_trip(&odd32)), bits(&odd32));
    // A text that is not whole values, or not base64url, is an error, not a panic.
    for bad in [r#"{"f32":"AACA"}"#, r#"{"f64":"AACAPw"}"#, r#"{"f32":"!!!!"}"#, r#"{"f32":[1.0]}"#, r#"{"f16":""}"#] {
        assert!(serde_json::from_str::<SampleValues>(bad).is_err(), "{bad} was read");
    }
}

proptest::proptest! {
    /// Any float32 and float64 bits come back from the JSON the worker writes.
    #[test]
    fn any_sample_values_come_back(words in proptest::collection::vec(proptest::prelude::any::<u64>(), 0..64)) {
        let f64s = SampleValues::F64(words.iter().map(|&w| f64::from_bits(w)).collect());
        proptest::prop_assert_eq!(bits(&json_round_trip(&f64s)), bits(&f64s));
        let f32s = SampleValues::F32(words.iter().map(|&w| f32::from_bits(w as u32)).collect());
        proptest::prop_assert_eq!(bits(&json_round_trip(&f32s)), bits(&f32s));
    }
}
