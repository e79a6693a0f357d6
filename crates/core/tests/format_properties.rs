//! Properties of every format (proptest): the token round-trips; every dequantized value is its
//! code's grid value times its block scale, and codes stay in range; an all-zero block gives zeros;
//! no block does better than the best choice of grid points for its stored scale (so its SQNR never
//! beats what its scale allows); the streaming statistics equal the full path's; nothing panics.

use proptest::prelude::*;
use quantscope_core::format::{self, ElementType, FloatElement, Format, FormatKnobs, IntBits, Preset, Scope};
use quantscope_core::Scheme;

fn any_scope() -> impl Strategy<Value = Scope> {
    prop_oneof![Just(Scope::Tensor), Just(Scope::Channel), (1usize..300).prop_map(Scope::Group)]
}

fn any_format() -> impl Strategy<Value = Format> {
    prop_oneof![
        proptest::sample::select(Preset::ALL.to_vec()).prop_map(Format::Preset),
        (proptest::sample::select(FloatElement::ALL.to_vec()), any_scope()).prop_map(|(element, scope)| Format::Float { element, scope }),
        (
            proptest::sample::select(vec![IntBits::Int4, IntBits::Int8]),
            proptest::sample::select(vec![Scheme::Symmetric, Scheme::Affine]),
            any_scope()
        )
            .prop_map(|(bits, scheme, scope)| Format::Int { bits, scheme, scope }),
    ]
}

/// Formats with small blocks, so random matrices stay small.
fn small_format() -> impl Strategy<Value = Format> {
    any_format().prop_map(|f| match f {
        Format::Float { element, scope: Scope::Group(_) } => Format::Float { element, scope: Scope::Group(16) },
        Format::Int { bits, scheme, scope: Scope::Group(_) } => Format::Int { bits, scheme, scope: Scope::Group(32) },
        f => f,
    })
}

/// Values of every kind the vectors have: normal spreads, outliers, tiny, subnormal, zeros, ties.
fn value() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => -1.0f32..1.0,
        1 => -1e4f32..1e4,
        1 => -1e-6f32..1e-6,
        1 => (-1000i32..1000).prop_map(|i| i as f32 * 1e-42),
        1 => Just(0.0f32),
        1 => (-64i32..64).prop_map(|i| i as f32 / 8.0),
    ]
}

/// A matrix whose row length suits the format: (format, rows, cols, data).
fn case() -> impl Strategy<Value = (Format, usize, usize, Vec<f32>)> {
    (small_format(), 1usize..4, 1usize..3).prop_flat_map(|(f, rows, blocks)| {
        let cols = f.block_size().unwrap_or(24) * blocks;
        (Just(f), Just(rows), Just(cols), proptest::collection::vec(value(), rows * cols))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn tokens_and_knobs_round_trip(f in any_format()) {
        let token = f.to_string();
        prop_assert_eq!(token.parse::<Format>(), Ok(f));
        prop_assert_eq!(token.to_uppercase().parse::<Format>(), Ok(f));
        prop_assert_eq!(FormatKnobs::of(&f).resolve(), Ok(f));
        let block_or_float = matches!(f, Format::Preset(_) | Format::Float { .. });
        prop_assert!(FormatKnobs::of(&f).is_format() || !block_or_float);
    }

    #[test]
    fn values_are_on_the_grid_times_the_block_scale((f, rows, cols, data) in case()) {
        let q = format::quantize(&f, &data, rows, cols).unwrap();
        let (lo, hi) = f.code_range();
        let grid = f.element().grid();
        for row in &q.channels {
            for b in &row.blocks {
                for i in b.start..b.start + b.len {
                    let (code, xhat) = (row.codes[i], row.dequantized[i]);
                    prop_assert!((lo..=hi).contains(&code), "{f}: code {code} outside {lo}..={hi}");
                    let from_code = f.dequantize_code(code, &b.scale, q.per_tensor_scale).unwrap();
                    prop_assert_eq!(from_code.to_bits(), xhat.to_bits(), "{}: code {} of {:?}", f, code, b.scale);
                    if let ElementType::Float(m) = f.element() {
                        prop_assert!(grid.contains(&m.decode(code as u32)), "{f}: code {code} is not a finite element");
                    }
                }
            }
        }
    }

    #[test]
    fn no_block_beats_its_grid((f, rows, cols, data) in case()) {
        let q = format::quantize(&f, &data, rows, cols).unwrap();
        let (lo, hi) = f.code_range();
        for (r, row) in q.channels.iter().enumerate() {
            for b in &row.blocks {
                let levels: Vec<f32> = (lo..=hi).filter_map(|c| f.dequantize_code(c, &b.scale, q.per_tensor_scale)).filter(|v| v.is_finite()).collect();
                let best: f64 = data[r * cols + b.start..r * cols + b.start + b.len]
                    .iter()
                    .map(|x| levels.iter().map(|l| (*l as f64 - *x as f64).powi(2)).fold(f64::INFINITY, f64::min))
                    .sum();
                // The two sums add the same terms in different orders: a relative 1e-12 covers that.
                prop_assert!(b.stats.sum_squared_error >= best * (1.0 - 1e-12), "{f}: block error {} below the grid's best {best}", b.stats.sum_squared_error);
            }
        }
    }

    #[test]
    fn an_all_zero_block_gives_zeros((f, rows, cols, mut data) in case(), row in 0usize..4) {
        let row = row % rows;
        let len = f.block_size().unwrap_or(cols);
        data[row * cols..row * cols + len].fill(0.0);
        if matches!(f, Format::Float { scope: Scope::Tensor, .. } | Format::Int { scope: Scope::Tensor, .. }) {
            data.fill(0.0);
        }
        let q = format::quantize(&f, &data, rows, cols).unwrap();
        prop_assert!(q.channels[row].dequantized[..len].iter().all(|v| *v == 0.0), "{f}: {:?}", &q.channels[row].dequantized[..len]);
    }

    #[test]
    fn streaming_equals_the_full_path((f, rows, cols, data) in case()) {
        let full = format::quantize(&f, &data, rows, cols).unwrap();
        let formats = [f, Format::Preset(Preset::Q4_0), Format::Preset(Preset::Nf4)];
        let streamed = format::compare_rows(&formats, &data, rows, cols);
        let s = streamed[0].as_ref().unwrap();
        prop_assert_eq!(s.sum_squared_error.to_bits(), full.stats.sum_squared_error.to_bits());
        prop_assert_eq!(s.signal_power.to_bits(), full.stats.signal_power.to_bits());
        prop_assert_eq!(s.max_abs_error, full.stats.max_abs_error);
        prop_assert_eq!(s.clipped, full.stats.clipped);
        prop_assert_eq!(s.bits_per_weight, full.bits_per_weight);
    }

    #[test]
    fn nothing_panics(f in any_format(), bits in proptest::collection::vec(any::<u32>(), 0..200), cols in 0usize..70) {
        let data: Vec<f32> = bits.iter().map(|b| f32::from_bits(*b)).collect();
        let cols = cols.min(data.len());
        let rows = data.len().checked_div(cols).unwrap_or(0);
        let data = &data[..rows * cols];
        let _ = format::quantize(&f, data, rows, cols);
        let _ = format::compare_rows(&[f], data, rows, cols);
        let finite: Vec<f32> = data.iter().map(|v| if v.is_finite() { *v } else { 0.0 }).collect();
        let _ = format::quantize(&f, &finite, rows, cols);
    }
}

#[test]
fn bits_per_weight_as_formats_md_counts_them() {
    let bpw = |t: &str, r, c| t.parse::<Format>().unwrap().bits_per_weight(r, c);
    for (t, want) in [("q8_0", 8.5), ("q4_0", 4.5), ("q4_1", 5.0), ("q5_0", 5.5), ("q5_1", 6.0), ("mxfp8-e4m3", 8.25), ("mxint8", 8.25)] {
        assert_eq!(bpw(t, 4, 64), want, "{t}");
    }
    for (t, want) in [("mxfp6-e2m3", 6.25), ("mxfp4", 4.25), ("nf4", 4.5), ("fp4-bnb", 4.5)] {
        assert_eq!(bpw(t, 4, 64), want, "{t}");
    }
    assert_eq!(bpw("nvfp4", 12, 16), 4.5 + 32.0 / 192.0);
    assert_eq!(bpw("fp8-e4m3:per-tensor", 2, 64), 8.25);
    assert_eq!(bpw("fp4-e2m1:per-channel", 2, 160), 4.2);
    assert_eq!(bpw("fp8-e5m2:per-group:32", 2, 64), 9.0);
    assert_eq!(bpw("int4:per-group:128", 2, 256), 4.5);
    assert_eq!(bpw("int8-affine:per-group:32", 2, 64), 10.0);
}

#[test]
fn bad_tokens_say_what_was_expected() {
    for (token, words) in [
        ("q3_k", &["unknown format", "q4_0"][..]),
        ("fp8-e4m3", &["missing scope"]),
        ("fp8-e4m3:per-row", &["unknown scope", "per-group:N"]),
        ("int4:per-group", &["missing group size"]),
        ("int4:per-group:0", &["bad group size"]),
        ("fp8-e4m3-affine:per-tensor", &["cannot be affine"]),
        ("q4_0:per-group:32", &["preset fixes"]),
        ("int3:per-channel", &["unknown element type"]),
    ] {
        let e = token.parse::<Format>().unwrap_err().to_string();
        for w in words {
            assert!(e.contains(w), "{token}: `{w}` not in {e}");
        }
    }
}

#[test]
fn an_all_zero_nvfp4_tensor_is_zeros_with_a_warning() {
    let q = format::quantize(&Format::Preset(Preset::Nvfp4), &[0.0; 32], 2, 16).unwrap();
    assert!(q.channels.iter().all(|r| r.dequantized.iter().all(|v| *v == 0.0)));
    assert_eq!(q.warnings, vec![format::FormatWarning::ZeroTensor]);
    assert_eq!(q.per_tensor_scale, Some(0.0));
}

#[test]
fn errors_are_located() {
    let f = Format::Preset(Preset::Q4_0);
    let e = format::quantize_rows(&f, &[&[0.0; 32], &[0.0; 33]]).unwrap_err().to_string();
    assert!(e.contains("row 2") && e.contains("length 33") && e.contains("block size 32"), "{e}");
    let mut row = [0.0f32; 32];
    row[1] = f32::NAN;
    let e = format::quantize(&f, &row, 1, 32).unwrap_err().to_string();
    assert!(e.contains("row 1, value 2"), "{e}");
    let e = format::quantize(&f, &[0.0; 3], 2, 2).unwrap_err().to_string();
    assert!(e.contains("3 values"), "{e}");
}
