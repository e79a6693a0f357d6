//! Properties that hold for every input (proptest).

use proptest::prelude::*;
use quantscope_core::parse;
use quantscope_core::{
    analyse, compare, Convention, Dtype, Granularity, ParamSource, QuantSpec, Rounding, Samples, Scheme, SpecOptions, Tensor,
};

fn conventions() -> impl Strategy<Value = Convention> {
    prop::sample::select(Convention::ALL.to_vec())
}

fn schemes() -> impl Strategy<Value = Scheme> {
    prop::sample::select(vec![Scheme::Affine, Scheme::Symmetric])
}

fn dtypes() -> impl Strategy<Value = Dtype> {
    (any::<bool>(), 2u32..=16).prop_map(|(signed, bits)| Dtype::new(signed, bits).unwrap())
}

fn roundings() -> impl Strategy<Value = Rounding> {
    prop::sample::select(Rounding::ALL.to_vec())
}

/// Options that every convention accepts (PyTorch refuses reduce_range on symmetric unsigned).
fn spec_options() -> impl Strategy<Value = SpecOptions> {
    (conventions(), dtypes(), schemes(), any::<bool>(), roundings(), any::<u64>()).prop_map(
        |(convention, dtype, scheme, reduce_range, rounding, seed)| SpecOptions {
            convention,
            dtype,
            scheme,
            reduce_range: reduce_range && dtype.bits > 2 && (scheme != Scheme::Symmetric || dtype.signed),
            rounding: Some(rounding),
            seed,
            ..SpecOptions::default()
        },
    )
}

fn matrix(rows: Vec<Vec<f64>>) -> Tensor {
    let names = (0..rows.len()).map(|c| format!("ch{c}")).collect();
    Tensor::from_rows("t", names, rows)
}

fn finite_rows() -> impl Strategy<Value = Vec<Vec<f64>>> {
    prop::collection::vec(prop::collection::vec(-1.0e3f64..1.0e3, 1..24), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Nearest rounding: an element that was not clipped is within half a step of its original
    /// (plus float32 rounding of the product for the float32 conventions).
    #[test]
    fn error_within_half_a_step(options in spec_options(), rows in finite_rows(), nearest in prop::sample::select(vec![Rounding::HalfEven, Rounding::HalfAway, Rounding::HalfUp])) {
        let spec = QuantSpec::resolve(&SpecOptions { rounding: Some(nearest), ..options }).unwrap();
        let a = analyse(&matrix(rows), &spec, Granularity::PerChannel, &ParamSource::Data, true).unwrap();
        for ch in &a.channels {
            let el = ch.elements.as_ref().unwrap();
            for i in 0..el.x.len() {
                if el.clipped[i] || ch.scale == 0.0 { continue; }
                let e = el.error[i].unwrap().abs();
                let slack = if spec.arithmetic == quantscope_core::spec::Arithmetic::ExactDecimal { 1e-9 * ch.scale } else { el.x[i].abs() * 2.4e-7 + ch.scale * 1e-6 };
                prop_assert!(e <= ch.scale / 2.0 + slack, "x = {} e = {} s = {}", el.x[i], e, ch.scale);
            }
        }
    }

    /// Quantized values always lie in the saturation range, whatever the input.
    #[test]
    fn clamped_values_in_range(options in spec_options(), rows in prop::collection::vec(prop::collection::vec(any::<f64>(), 1..12), 1..4), per_tensor in any::<bool>()) {
        let spec = QuantSpec::resolve(&options).unwrap();
        let g = if per_tensor { Granularity::PerTensor } else { Granularity::PerChannel };
        // Any f64: NaN, inf, subnormal, huge. Either an analysis or a clear error, never a panic.
        if let Ok(a) = analyse(&matrix(rows), &spec, g, &ParamSource::Data, true) {
            for ch in &a.channels {
                let el = ch.elements.as_ref().unwrap();
                for (x, q) in el.x.iter().zip(&el.q) {
                    match q {
                        Some(q) => prop_assert!(spec.saturation.contains(*q)),
                        // Never quantized: non-finite, or beyond float32 in a float32 convention.
                        None => prop_assert!(!x.is_finite() || (spec.arithmetic != quantscope_core::spec::Arithmetic::ExactDecimal && !(*x as f32).is_finite())),
                    }
                }
            }
        }
    }

    /// Per-channel min/max calibration never does worse than per-tensor on channels of different
    /// spread (each narrower channel gets a finer grid; the widest one gets the same grid).
    #[test]
    fn per_channel_mse_at_most_per_tensor(
        convention in conventions(),
        scheme in schemes(),
        amplitude in 0.01f64..100.0,
        factors in prop::collection::vec(0.01f64..0.5, 1..5),
        unit in prop::collection::vec(-1.0f64..1.0, 64),
    ) {
        let spec = QuantSpec::resolve(&SpecOptions { convention, scheme, ..SpecOptions::default() }).unwrap();
        let mut rows = vec![unit.iter().map(|u| u * amplitude).chain([-amplitude, amplitude]).collect::<Vec<_>>()];
        for f in &factors {
            rows.push(unit.iter().map(|u| u * amplitude * f).collect());
        }
        let c = compare(&matrix(rows), &spec, &ParamSource::Data, false).unwrap();
        let pc = c.per_channel.summary.metrics.mse.unwrap();
        let pt = c.per_tensor.summary.metrics.mse.unwrap();
        prop_assert!(pc <= pt, "per-channel {pc} > per-tensor {pt}");
        prop_assert_eq!(c.per_channel.channels[0].scale, c.per_tensor.channels[0].scale);
    }

    /// Symmetric: zero point 0 for signed types, the middle of the range for unsigned ones.
    #[test]
    fn symmetric_zero_points(convention in conventions(), dtype in dtypes(), rows in finite_rows()) {
        let spec = QuantSpec::resolve(&SpecOptions { convention, dtype, scheme: Scheme::Symmetric, ..SpecOptions::default() }).unwrap();
        let a = analyse(&matrix(rows), &spec, Granularity::PerChannel, &ParamSource::Data, false).unwrap();
        let r = spec.range;
        for ch in &a.channels {
            if dtype.signed || (ch.scale == 1.0 && convention == Convention::Onnxruntime) {
                // ONNX Runtime's empty range gives z = 0 whatever the type.
                prop_assert!(ch.zero_point == 0 || !dtype.signed);
            } else {
                let mid2 = (r.qmin + r.qmax) as i64;
                prop_assert!((2 * ch.zero_point - mid2).abs() <= 1, "z = {} for {}", ch.zero_point, r);
            }
        }
    }

    /// The fused float32 kernel and the per-element path give the same metrics, bit for bit.
    #[test]
    fn fused_kernel_matches_per_element_path(
        convention in prop::sample::select(vec![Convention::Pytorch, Convention::Onnxruntime, Convention::Tflite]),
        scheme in schemes(),
        dtype in dtypes(),
        data in prop::collection::vec(-50.0f32..50.0, 1..300),
        channels in 1usize..5,
    ) {
        let len = data.len() / channels * channels;
        prop_assume!(len > 0);
        let shape = vec![channels, len / channels];
        let tensor = Tensor::dense("t", Samples::F32(data[..len].to_vec()), shape, 0).unwrap();
        let spec = QuantSpec::resolve(&SpecOptions { convention, scheme, dtype, rounding: Some(Rounding::HalfEven), ..SpecOptions::default() }).unwrap();
        let fast = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, false).unwrap();
        let slow = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, true).unwrap();
        for (f, s) in fast.channels.iter().zip(&slow.channels) {
            prop_assert_eq!(&f.metrics, &s.metrics);
        }
        prop_assert_eq!(&fast.summary.metrics, &slow.summary.metrics);
    }

    /// The same with channels in the middle axis, `[outer, channels, inner]`: each channel is several
    /// runs whose lengths are not whole rows, so the SIMD loops start in the middle of a row group
    /// (and, for AVX-512, on an odd row) and hand partial sums to the portable code and back.
    #[test]
    fn fused_kernel_matches_per_element_path_in_runs(
        convention in prop::sample::select(vec![Convention::Pytorch, Convention::Onnxruntime]),
        dtype in dtypes(),
        outer in 1usize..6,
        channels in 1usize..4,
        inner in 1usize..90,
        seed in any::<u32>(),
    ) {
        let len = outer * channels * inner;
        let data: Vec<f32> = (0..len as u32).map(|i| ((i.wrapping_mul(2_654_435_761) ^ seed) % 20_001) as f32 / 1000.0 - 10.0).collect();
        let tensor = Tensor::dense("t", Samples::F32(data), vec![outer, channels, inner], 1).unwrap();
        let spec = QuantSpec::resolve(&SpecOptions { convention, dtype, rounding: Some(Rounding::HalfEven), ..SpecOptions::default() }).unwrap();
        for source in [ParamSource::Data, ParamSource::Range(quantscope_core::RangeInput::new(-4.0, 3.0))] {
            let fast = analyse(&tensor, &spec, Granularity::PerChannel, &source, false).unwrap();
            let slow = analyse(&tensor, &spec, Granularity::PerChannel, &source, true).unwrap();
            for (f, s) in fast.channels.iter().zip(&slow.channels) {
                prop_assert_eq!(&f.metrics, &s.metrics);
            }
            prop_assert_eq!(&fast.summary.metrics, &slow.summary.metrics);
        }
    }

    /// Stochastic rounding is reproducible from its seed and unbiased on average.
    #[test]
    fn stochastic_rounding_is_seeded(seed in any::<u64>(), rows in finite_rows()) {
        let spec = QuantSpec::resolve(&SpecOptions { rounding: Some(Rounding::Stochastic), seed, ..SpecOptions::default() }).unwrap();
        let t = matrix(rows);
        let a = analyse(&t, &spec, Granularity::PerChannel, &ParamSource::Data, true).unwrap();
        let b = analyse(&t, &spec, Granularity::PerChannel, &ParamSource::Data, true).unwrap();
        prop_assert_eq!(a, b);
    }

    /// The parsers never panic, whatever the text.
    #[test]
    fn parsers_never_panic(text in "\\PC{0,200}") {
        let _ = parse::parse_tensor(&text, "t");
        let _ = parse::parse_values(&text, "t");
        let _ = parse::parse_channel_lines(&text, parse::LineMode::MinMax, "t");
        let _ = parse::parse_channel_lines(&text, parse::LineMode::Manual, "t");
        let _ = parse::parse_range(&text);
    }

    /// Numbers printed by Rust's shortest round-trip formatting parse back to the same bits.
    #[test]
    fn numbers_round_trip(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let text = format!("{x:?}");
        let p = parse::parse_values(&text, "v").unwrap();
        prop_assert_eq!(p.tensor.data.get(0).to_bits(), x.to_bits());
        let text = format!("{x:e}");
        let p = parse::parse_values(&text, "v").unwrap();
        prop_assert_eq!(p.tensor.data.get(0).to_bits(), x.to_bits());
    }
}

#[test]
fn stochastic_rounding_is_unbiased() {
    // 0.25 steps: E[q] = 0.25 over many draws.
    let values = vec![0.25 / 255.0 * 2.0; 20_000];
    let mut rows = vec![values];
    rows.push(vec![-2.0 / 255.0 * 128.0, 2.0 / 255.0 * 127.0]);
    let spec = QuantSpec::resolve(&SpecOptions { rounding: Some(Rounding::Stochastic), seed: 7, ..SpecOptions::default() }).unwrap();
    let a = analyse(&matrix(rows), &spec, Granularity::PerTensor, &ParamSource::Data, true).unwrap();
    let el = a.channels[0].elements.as_ref().unwrap();
    let z = a.channels[0].zero_point as f64;
    let s = a.channels[0].scale;
    let mean: f64 = el.q.iter().map(|q| q.unwrap() as f64 - z).sum::<f64>() / el.q.len() as f64;
    let want = 0.25 / 255.0 * 2.0 / s;
    assert!((mean - want).abs() < 0.02, "mean {mean} want {want}");
}
