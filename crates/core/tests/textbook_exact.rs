//! The textbook convention against its definition in exact arithmetic (proptest).
//!
//! The core computes a channel's scale and zero point in f64 and quantizes `x / s` in f64; only where
//! a quotient is within a hair of a rounding boundary does it build the exact scale (a
//! `BigRational`, computed lazily from the typed decimals) and decide on exact values. This test
//! computes every parameter and every integer the slow way, in exact rationals from the typed
//! decimals (`s = (hi − lo) / (qmax − qmin)` or `amax / D`, `z = round(qmin − lo / s)`,
//! `q = clamp(round(x / s) + z)`), and checks that the core's zero points and integers are those,
//! on both the per-element and the fused path (whose metrics must then be the per-element ones).
//! The values are hundredths and thousandths, so many quotients are exact ties that f64 misses
//! (the per-channel calculator's `-0.21 / (1.7 / 255) = -31.5`); ±0 is typed as `-0.00`, and NaN / ±inf rows keep
//! their channel on the per-element path.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use proptest::prelude::*;
use quantscope_core::exact::Decimal;
use quantscope_core::parse;
use quantscope_core::{analyse, Convention, Dtype, Granularity, ParamSource, QuantSpec, Rounding, Samples, Scheme, SpecOptions, Tensor};

fn integer(n: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(n))
}

/// A typed value: `k / 100` or `k / 1000` with its sign, or a non-finite token.
fn token() -> impl Strategy<Value = String> {
    let decimal = |k: i32, places: usize| {
        let scale = 10i32.pow(places as u32);
        format!("{}{}.{:0places$}", if k < 0 { "-" } else { "" }, k.abs() / scale, k.abs() % scale)
    };
    prop_oneof![
        40 => (-400i32..400).prop_map(move |k| decimal(k, 2)),
        20 => (-4000i32..4000).prop_map(move |k| decimal(k, 3)),
        10 => prop::sample::select(vec!["-0.21", "0.9", "-0.8", "1.7", "-0.00", "0", "0.5", "-0.5", "2.55", "-1.275"]).prop_map(String::from),
        1 => prop::sample::select(vec!["nan", "inf", "-inf"]).prop_map(String::from),
    ]
}

/// The rules the textbook convention takes without draws.
fn rules() -> impl Strategy<Value = Rounding> {
    prop::sample::select(Rounding::ALL.iter().copied().filter(|&r| r != Rounding::Stochastic).collect::<Vec<_>>())
}

/// One channel's zero point and integers computed in exact rationals from typed tokens.
fn exact_channel(spec: &QuantSpec, tokens: &[String]) -> Option<(i64, Vec<Option<i64>>)> {
    let values: Vec<Option<BigRational>> = tokens.iter().map(|t| Decimal::parse(t).map(Decimal::to_rational)).collect();
    exact_values(spec, &values)
}

/// One channel's zero point and integers computed in exact rationals (None: no finite value).
fn exact_values(spec: &QuantSpec, values: &[Option<BigRational>]) -> Option<(i64, Vec<Option<i64>>)> {
    let finite: Vec<&BigRational> = values.iter().flatten().collect();
    let mut lo = (*finite.iter().min()?).clone();
    let mut hi = (*finite.iter().max()?).clone();
    if spec.include_zero {
        lo = lo.min(BigRational::zero());
        hi = hi.max(BigRational::zero());
    }
    let (qmin, qmax) = (spec.range.qmin as i64, spec.range.qmax as i64);
    let rounding = spec.rounding;
    let (scale, zero_point) = match spec.scheme {
        Scheme::Affine => {
            let width = &hi - &lo;
            let scale = if width.is_zero() { integer(1) } else { width / integer(qmax - qmin) };
            let z = rounding.round_exact(&(integer(qmin) - &lo / &scale)).to_i64()?;
            let z = if spec.clamp_zero_point { z.clamp(qmin, qmax) } else { z };
            (scale, z)
        }
        Scheme::Symmetric => {
            let z = spec.symmetric_zero_point();
            let amax = lo.abs().max(hi.abs());
            let twice = spec.symmetric_divisor.twice(qmin - z, qmax - z);
            let scale = if amax.is_zero() { integer(1) } else { amax * integer(2) / integer(twice) };
            (scale, z)
        }
    };
    let (smin, smax) = (spec.saturation.qmin as i64, spec.saturation.qmax as i64);
    let q = values
        .iter()
        .map(|v| v.as_ref().map(|v| (rounding.round_exact(&(v / &scale)).to_i64().unwrap() + zero_point).clamp(smin, smax)))
        .collect();
    Some((zero_point, q))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Zero points and integers equal the exact computation's; the fused metrics equal the per-element ones.
    #[test]
    fn textbook_parameters_and_integers_are_the_exact_ones(
        rows in prop::collection::vec(prop::collection::vec(token(), 1..48), 1..4),
        scheme in prop::sample::select(vec![Scheme::Affine, Scheme::Symmetric]),
        rounding in rules(),
        (signed, bits) in (any::<bool>(), 2u32..=12),
        include_zero in any::<bool>(),
    ) {
        let width = rows.iter().map(Vec::len).min().unwrap();
        let rows: Vec<Vec<String>> = rows.into_iter().map(|r| r[..width].to_vec()).collect();
        let text = rows.iter().map(|r| r.join(", ")).collect::<Vec<_>>().join("\n");
        let tensor = parse::parse_tensor(&text, "t").unwrap().tensor;
        let dtype = Dtype::new(signed, bits).unwrap();
        let options = SpecOptions {
            convention: Convention::Textbook,
            scheme,
            dtype,
            rounding: Some(rounding),
            include_zero: Some(include_zero),
            ..SpecOptions::default()
        };
        let Ok(spec) = QuantSpec::resolve(&options) else { return Ok(()) };
        let slow = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, true).unwrap();
        let fast = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, false).unwrap();
        for (c, row) in rows.iter().enumerate() {
            let (s, f) = (&slow.channels[c], &fast.channels[c]);
            prop_assert_eq!(&f.metrics, &s.metrics, "channel {}", c);
            prop_assert_eq!(f.zero_point, s.zero_point);
            let Some((zero_point, q)) = exact_channel(&spec, row) else { continue };
            prop_assert_eq!(s.zero_point, zero_point, "channel {}: {:?}", c, row);
            prop_assert_eq!(&s.elements.as_ref().unwrap().q, &q, "channel {}: {:?}", c, row);
        }
    }
}

/// A bfloat16-like value (8 significant bits, as a weight file's): `k · 2^j`, often an exact tie
/// over a scale whose ends are such values too; signed zeros and a few non-finite values.
fn weight() -> impl Strategy<Value = f32> {
    prop_oneof![
        60 => (-255i32..256, -10i32..4).prop_map(|(k, j)| k as f32 * 2f32.powi(j)),
        5 => prop::sample::select(vec![0.0f32, -0.0, 1e-30, -3e-39]),
        1 => prop::sample::select(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Values known only as float32 (no typed decimal): the exact decision takes 128-bit integers
    /// (`exact::round_dyadic_quotient`) instead of big rationals; the same integers as the exact
    /// computation, on both paths.
    #[test]
    fn textbook_on_float32_weights_is_exact(
        data in prop::collection::vec(weight(), 1..300),
        channels in 1usize..4,
        scheme in prop::sample::select(vec![Scheme::Affine, Scheme::Symmetric]),
        rounding in rules(),
        (signed, bits) in (any::<bool>(), 2u32..=12),
    ) {
        let len = data.len() / channels * channels;
        prop_assume!(len > 0);
        let tensor = Tensor::dense("t", Samples::F32(data[..len].to_vec()), vec![channels, len / channels], 0).unwrap();
        let options = SpecOptions { convention: Convention::Textbook, scheme, dtype: Dtype::new(signed, bits).unwrap(), rounding: Some(rounding), ..SpecOptions::default() };
        let Ok(spec) = QuantSpec::resolve(&options) else { return Ok(()) };
        let slow = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, true).unwrap();
        let fast = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, false).unwrap();
        for (c, row) in data[..len].chunks(len / channels).enumerate() {
            let (s, f) = (&slow.channels[c], &fast.channels[c]);
            prop_assert_eq!(&f.metrics, &s.metrics, "channel {}", c);
            let values: Vec<Option<BigRational>> = row.iter().map(|&x| BigRational::from_float(x as f64)).collect();
            let Some((zero_point, q)) = exact_values(&spec, &values) else { continue };
            prop_assert_eq!(s.zero_point, zero_point, "channel {}: {:?}", c, row);
            prop_assert_eq!(&s.elements.as_ref().unwrap().q, &q, "channel {}: {:?}", c, row);
        }
    }
}

/// The per-channel calculator's filter_1 row decided exactly: `-0.21` over the range `-0.8 .. 0.9` in qint8 is the tie -31.5.
#[test]
fn the_per_channel_calculators_filter_1_row_against_the_exact_computation() {
    let row: Vec<String> = ["-0.8", "0.9", "-0.21", "-0.21"].map(String::from).to_vec();
    let tensor = parse::parse_tensor(&row.join(", "), "t").unwrap().tensor;
    for rounding in [Rounding::HalfEven, Rounding::HalfAway, Rounding::HalfUp, Rounding::Floor] {
        let spec = QuantSpec::resolve(&SpecOptions { rounding: Some(rounding), ..SpecOptions::default() }).unwrap();
        let a = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, true).unwrap();
        let (z, q) = exact_channel(&spec, &row).unwrap();
        assert_eq!(a.channels[0].zero_point, z, "{rounding}");
        assert_eq!(a.channels[0].elements.as_ref().unwrap().q, q, "{rounding}");
    }
}
