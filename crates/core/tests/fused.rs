//! The fused kernels (the float32 SIMD loops of every float32 convention, the textbook
//! convention's f64 loop) against the per-element path, which the fused kernels never run: the
//! same metrics, bit for bit, for every convention and every rounding rule but stochastic, with
//! ties, ±0, NaN and ±inf in the data, channels in rows or in runs, and exact-decimal ties typed
//! as text (proptest).

use proptest::prelude::*;
use quantscope_core::analysis::ManualParams;
use quantscope_core::exact::Decimal;
use quantscope_core::parse::{self, LineMode};
use quantscope_core::{
    analyse, Analysis, Convention, Dtype, Granularity, ParamSource, QuantSpec, Rounding, Samples, Scheme, SpecOptions, Tensor,
};

/// Every rule the fused loops take.
fn rules() -> impl Strategy<Value = Rounding> {
    prop::sample::select(Rounding::ALL.iter().copied().filter(|&r| r != Rounding::Stochastic).collect::<Vec<_>>())
}

/// Values with many exact ties at the scales of `manual()` (quarters), the float32 values nearest
/// a half, signed zeros, tiny values (whose `v - floor(v)` rounds to 1), and about one value in
/// 120 non-finite (its channel then takes the per-element path; most channels stay fused).
fn value() -> impl Strategy<Value = f32> {
    prop_oneof![
        60 => -40.0f32..40.0,
        40 => (-400i32..400).prop_map(|k| k as f32 / 4.0),
        20 => prop::sample::select(vec![0.0f32, -0.0, 0.499_999_97, -0.499_999_97, 0.5, -0.5, 1.5, -2.5, -1e-30, 1e-30, f32::MIN_POSITIVE]),
        1 => prop::sample::select(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY]),
    ]
}

/// Where the parameters come from: the data, a range narrower than the data (values clip), or a
/// hand-typed scale whose quotients of `value()` are exact ties.
fn source() -> impl Strategy<Value = u8> {
    0u8..3
}

fn params(which: u8, dtype: Dtype, channels: usize, granularity: Granularity, scale: f64) -> ParamSource {
    match which {
        0 => ParamSource::Data,
        1 => ParamSource::Range(quantscope_core::RangeInput::new(-4.0, 3.0)),
        _ => {
            let zero_point = if dtype.signed { 0 } else { 1 };
            let text = format!("{scale}");
            let one = ManualParams { scale, scale_exact: Decimal::parse(&text), zero_point };
            let count = if granularity == Granularity::PerChannel { channels } else { 1 };
            ParamSource::Manual(vec![one; count])
        }
    }
}

/// The fused analysis and the per-element one agree: both fail, or every metric is the same.
fn same_metrics(fast: Result<Analysis, impl std::fmt::Debug>, slow: Result<Analysis, impl std::fmt::Debug>) -> Result<(), TestCaseError> {
    match (fast, slow) {
        (Ok(fast), Ok(slow)) => {
            for (f, s) in fast.channels.iter().zip(&slow.channels) {
                prop_assert_eq!(&f.metrics, &s.metrics, "channel {}", f.name);
            }
            prop_assert_eq!(&fast.summary.metrics, &slow.summary.metrics);
        }
        (fast, slow) => prop_assert_eq!(fast.is_ok(), slow.is_ok()),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Every convention and every rule: float32 or f64 samples, channels along the first axis
    /// (whole rows) or the middle one (runs that start mid-row), per channel and per tensor.
    #[test]
    fn every_rule_is_fused_with_the_per_element_bits(
        convention in prop::sample::select(Convention::ALL.to_vec()),
        scheme in prop::sample::select(vec![Scheme::Affine, Scheme::Symmetric]),
        (signed, bits) in (any::<bool>(), 2u32..=16),
        rounding in rules(),
        data in prop::collection::vec(value(), 1..400),
        channels in 1usize..5,
        middle_axis in any::<bool>(),
        float64 in any::<bool>(),
        per_tensor in any::<bool>(),
        which in source(),
        scale in prop::sample::select(vec![0.5, 0.25, 0.125, 2.0, 0.1]),
    ) {
        let dtype = Dtype::new(signed, bits).unwrap();
        let len = data.len() / channels * channels;
        prop_assume!(len > 0);
        let (shape, axis) = match middle_axis && len / channels % 2 == 0 {
            true => (vec![2, channels, len / channels / 2], 1),
            false => (vec![channels, len / channels], 0),
        };
        let samples = match float64 {
            true => Samples::F64(data[..len].iter().map(|&x| x as f64).collect()),
            false => Samples::F32(data[..len].to_vec()),
        };
        let tensor = Tensor::dense("t", samples, shape, axis).unwrap();
        let spec = QuantSpec::resolve(&SpecOptions { convention, scheme, dtype, rounding: Some(rounding), ..SpecOptions::default() });
        prop_assume!(spec.is_ok());
        let spec = spec.unwrap();
        let granularity = if per_tensor { Granularity::PerTensor } else { Granularity::PerChannel };
        let source = params(which, dtype, channels, granularity, scale);
        let fast = analyse(&tensor, &spec, granularity, &source, false);
        let slow = analyse(&tensor, &spec, granularity, &source, true);
        same_metrics(fast, slow)?;
    }

    /// The textbook convention on typed decimals: `k / 100` over a typed scale such as `0.02` is
    /// often an exact tie that f64 computes a hair off (`-0.21 / 0.02 = -10.5`); the fused loop
    /// sends those to the exact path as the per-element path does, so every rule agrees.
    #[test]
    fn textbook_ties_in_typed_decimals_are_fused_exactly(
        rows in prop::collection::vec(prop::collection::vec(-300i32..300, 1..40), 1..4),
        scale in prop::sample::select(vec!["0.02", "0.1", "0.06", "0.3", "0.14"]),
        rounding in rules(),
        (signed, bits) in (any::<bool>(), 4u32..=12),
    ) {
        let text: String = rows
            .iter()
            .map(|row| row.iter().map(|&k| format!("{}{}.{:02}", if k < 0 { "-" } else { "" }, k.abs() / 100, k.abs() % 100)).collect::<Vec<_>>().join(", "))
            .collect::<Vec<_>>()
            .join("\n");
        let tensor = parse::parse_tensor(&text, "t").unwrap().tensor;
        let dtype = Dtype::new(signed, bits).unwrap();
        let spec = QuantSpec::resolve(&SpecOptions { convention: Convention::Textbook, dtype, rounding: Some(rounding), ..SpecOptions::default() }).unwrap();
        let zero_point = if signed { 0 } else { 1 << (bits - 1) };
        let manual = ManualParams { scale: scale.parse().unwrap(), scale_exact: Decimal::parse(scale), zero_point };
        for source in [ParamSource::Data, ParamSource::Manual(vec![manual; rows.len()])] {
            let fast = analyse(&tensor, &spec, Granularity::PerChannel, &source, false);
            let slow = analyse(&tensor, &spec, Granularity::PerChannel, &source, true);
            same_metrics(fast, slow)?;
        }
    }
}

/// The per-channel calculator's filter_1 row: `-0.21 / (1.7 / 255)` is the exact tie -31.5 (f64: -31.499999999999996),
/// so q = -40, not -39. The fused loop's metrics are those of q = -40: the error of x̂ = -32 · s.
#[test]
fn seed_000_filter_1_tie_is_decided_exactly_on_the_fused_path() {
    let parsed =
        parse::parse_channel_lines("filter_1,-0.8,0.9,-0.21,-0.21,-0.21,-0.21,-0.21,-0.21,-0.21,-0.21,-0.21", LineMode::MinMax, "seed")
            .unwrap();
    for rounding in [Rounding::HalfAway, Rounding::HalfEven] {
        let spec = QuantSpec::resolve(&SpecOptions { rounding: Some(rounding), ..SpecOptions::default() }).unwrap();
        let slow = analyse(&parsed.samples.tensor, &spec, Granularity::PerChannel, &parsed.params, true).unwrap();
        let fast = analyse(&parsed.samples.tensor, &spec, Granularity::PerChannel, &parsed.params, false).unwrap();
        let elements = slow.channels[0].elements.as_ref().unwrap();
        assert!(elements.q.iter().all(|&q| q == Some(-40)), "{rounding}: {:?}", elements.q);
        assert_eq!(fast.channels[0].metrics, slow.channels[0].metrics, "{rounding}");
        // x̂ - x = (q - z) · s - x with q = -40, z = -8; q = -39 would give -31 · s + 0.21 instead.
        let (s, z) = (slow.channels[0].scale, slow.channels[0].zero_point);
        assert_eq!(z, -8);
        let error = ((-40 - z) as f64 * s - -0.21f64).abs();
        assert_eq!(fast.channels[0].metrics.max_error, Some(error), "{rounding}");
    }
}
