//! Golden tests: the example tables of the four reference pages, digit for digit as they print them.
//!
//! The four reference pages are named in the README ("The reference calculators"); their files were
//! numbered 000 to 003, which the constants and test names below keep: `seed_000` is the
//! per-channel calculator, `seed_001` the per-channel vs per-tensor calculator, `seed_002` the
//! quantization error calculator, `seed_003` the per-channel PTQ exercise.

use quantscope_core::parse::LineMode;
use quantscope_core::tools::{self, ToolOptions};
use quantscope_core::{Convention, Dtype, Granularity, Rounding, Scheme, SpecOptions, SymmetricDivisor};

fn textbook(dtype: Dtype, scheme: Scheme) -> ToolOptions {
    ToolOptions {
        spec: SpecOptions { convention: Convention::Textbook, dtype, scheme, ..SpecOptions::default() },
        ..ToolOptions::default()
    }
}

const SEED_000: &str = "\
filter_0,-1.2,1,0.73
filter_1,-0.8,0.9,-0.21
filter_2,-1.5,1.7,1.11
filter_3,-0.45,0.6,0.18
";

/// The per-channel calculator's table: channel, min, max, sample, scale, zero point, quantized, dequantized.
const SEED_000_TABLE: [[&str; 8]; 4] = [
    ["filter_0", "-1.2", "1", "0.73", "0.00862745", "11", "96", "0.73333333"],
    ["filter_1", "-0.8", "0.9", "-0.21", "0.00666667", "-8", "-40", "-0.21333333"],
    ["filter_2", "-1.5", "1.7", "1.11", "0.01254902", "-8", "80", "1.10431373"],
    ["filter_3", "-0.45", "0.6", "0.18", "0.00411765", "-19", "25", "0.18117647"],
];

#[test]
fn seed_000_table_with_both_nearest_rules() {
    for rounding in [Rounding::HalfEven, Rounding::HalfAway] {
        let mut options = textbook(Dtype::QINT8, Scheme::Affine);
        options.spec.rounding = Some(rounding);
        let report = tools::channels(SEED_000, &options).unwrap();
        assert_eq!(report.rows.len(), 4);
        for (row, want) in report.rows.iter().zip(SEED_000_TABLE) {
            let got = [
                row.channel.clone(),
                row.min.unwrap().to_string(),
                row.max.unwrap().to_string(),
                row.sample.to_string(),
                format!("{:.8}", row.scale),
                row.zero_point.to_string(),
                row.q.unwrap().to_string(),
                format!("{:.8}", row.dequantized.unwrap()),
            ];
            assert_eq!(got, want.map(str::to_string), "{rounding}");
            assert!(!row.clipped);
        }
    }
}

#[test]
fn seed_000_tie_depends_on_the_rule_as_it_should() {
    // filter_1: -0.21 / s is exactly -31.5. Math.round (half-up) gives -31 and q = -39.
    let mut options = textbook(Dtype::QINT8, Scheme::Affine);
    options.spec.rounding = Some(Rounding::HalfUp);
    let report = tools::channels(SEED_000, &options).unwrap();
    assert_eq!(report.rows[1].q_raw, Some(-39.0));
    options.spec.rounding = Some(Rounding::TowardZero);
    let report = tools::channels(SEED_000, &options).unwrap();
    assert_eq!(report.rows[1].q, Some(-39));
}

#[test]
fn seed_000_extra_columns() {
    let report = tools::channels(SEED_000, &textbook(Dtype::QINT8, Scheme::Affine)).unwrap();
    let row = &report.rows[0];
    assert_eq!(row.q_raw, Some(96.0));
    // |0.73333333... - 0.73| / 0.73
    let abs = row.abs_error.unwrap();
    assert_eq!(format!("{abs:.8}"), "0.00333333");
    assert_eq!(format!("{:.4}", row.pct_error.unwrap()), "0.4566");
    assert_eq!(format!("{:.2}", row.sqnr_db.unwrap()), "46.81");
    assert_eq!(report.analysis.convention, "textbook");
}

#[test]
fn seed_000_manual_parameters_reproduce_the_table() {
    let text = "filter_0,0.00862745098039216,11,0.73\nfilter_1,0.00666666666666667,-8,-0.21\n";
    let mut options = textbook(Dtype::QINT8, Scheme::Affine);
    options.param_mode = LineMode::Manual;
    let report = tools::channels(text, &options).unwrap();
    assert_eq!(report.rows[0].q, Some(96));
    // A typed scale of 0.00666666666666667 is not 1.7/255: -0.21 / it = -31.499999999999985, no tie.
    assert_eq!(report.rows[1].q, Some(-39));
    let exact = "filter_1,0.02,-8,-0.21\n"; // -0.21 / 0.02 = -10.5 exactly: a tie, half-even -> -10
    let report = tools::channels(exact, &options).unwrap();
    assert_eq!(report.rows[0].q_raw, Some(-18.0));
}

#[test]
fn seed_000_reduce_range_and_quint8() {
    let mut options = textbook(Dtype::QINT8, Scheme::Affine);
    options.spec.reduce_range = true;
    let report = tools::channels(SEED_000, &options).unwrap();
    assert_eq!(report.analysis.spec.range, quantscope_core::IntRange { qmin: -64, qmax: 63 });
    assert_eq!(format!("{:.8}", report.rows[0].scale), format!("{:.8}", 2.2 / 127.0));
    let report = tools::channels(SEED_000, &textbook(Dtype::QUINT8, Scheme::Affine)).unwrap();
    // quint8: z = round(0 - (-1.2) / (2.2/255)) = round(139.0909) = 139; q = round(0.73/s) + 139 = 85 + 139
    assert_eq!(report.rows[0].zero_point, 139);
    assert_eq!(report.rows[0].q, Some(224));
}

const SEED_001: &str = "\
0.12, -0.33, 0.48, -0.05, 0.91
1.20, 0.95, 1.44, 1.10, 0.88
-1.70, -1.22, -0.94, -1.43, -1.11
0.03, 0.08, -0.02, 0.11, -0.06
";

#[test]
fn seed_001_local_ranges_and_memory() {
    let report = tools::tensor(SEED_001, &textbook(Dtype::QINT8, Scheme::Affine)).unwrap();
    let want = [("-0.33", "0.91", "1.24"), ("0.88", "1.44", "0.56"), ("-1.70", "-0.94", "0.76"), ("-0.06", "0.11", "0.17")];
    for (local, (min, max, range)) in report.local.iter().zip(want) {
        assert_eq!(format!("{:.2}", local.min.unwrap()), min);
        assert_eq!(format!("{:.2}", local.max.unwrap()), max);
        assert_eq!(format!("{:.2}", local.range.unwrap()), range);
        assert_eq!(local.count, 5);
    }
    // exact decimal difference, not 0.91 - -0.33 in f64
    assert_eq!(report.local[0].range, Some(1.24));
    let m = &report.comparison.memory;
    assert_eq!((m.payload_bytes, m.per_tensor_bytes, m.per_channel_bytes), (20.0, 28.0, 52.0));
    // Per-channel wins on this tensor, as the seed says.
    assert!(report.comparison.sqnr_gain_db.unwrap() > 0.0);
    assert_eq!(report.channel_lines, vec![1, 2, 3, 4]);
}

#[test]
fn seed_001_semicolons_and_labels_are_the_same_tensor() {
    let one_line =
        "1: 0.12 -0.33 0.48 -0.05 0.91; 2: 1.20,0.95,1.44,1.10,0.88;3:-1.70 -1.22 -0.94 -1.43 -1.11; 4: 0.03 0.08 -0.02 0.11 -0.06";
    let a = tools::tensor(SEED_001, &textbook(Dtype::QINT8, Scheme::Affine)).unwrap();
    let b = tools::tensor(one_line, &textbook(Dtype::QINT8, Scheme::Affine)).unwrap();
    assert_eq!(b.analysis.channels[2].name, "3");
    for (x, y) in a.analysis.channels.iter().zip(&b.analysis.channels) {
        assert_eq!((x.scale, x.zero_point, x.metrics.mse), (y.scale, y.zero_point, y.metrics.mse));
    }
}

#[test]
fn seed_001_per_tensor_carries_one_scale() {
    let mut options = textbook(Dtype::QINT8, Scheme::Affine);
    options.granularity = Granularity::PerTensor;
    let report = tools::tensor(SEED_001, &options).unwrap();
    let s = report.analysis.channels[0].scale;
    assert!(report.analysis.channels.iter().all(|c| c.scale == s));
    assert_eq!(format!("{s:.8}"), format!("{:.8}", (1.44 + 1.70) / 255.0));
}

const SEED_002: &str = "-1.25, -0.92, -0.51, -0.10, 0, 0.14, 0.37, 0.79, 1.12, 1.46";

#[test]
fn seed_002_sample_with_suggested_range() {
    let mut options = textbook(Dtype::QINT8, Scheme::Symmetric);
    options.range = "-1.50:1.50".into();
    options.spec.symmetric_divisor = Some(SymmetricDivisor::Qmax);
    let report = tools::values(SEED_002, &options).unwrap();
    let ch = &report.analysis.channels[0];
    assert_eq!(ch.scale, 1.5 / 127.0);
    let el = ch.elements.as_ref().unwrap();
    // -1.25 / (1.5/127) = -105.83 -> -106; 1.46 -> 123.61 -> 124; 0 -> 0
    assert_eq!(el.q[0], Some(-106));
    assert_eq!(el.q[4], Some(0));
    assert_eq!(el.q[9], Some(124));
    assert_eq!(report.range_source, "custom");
    assert_eq!(ch.metrics.clip_count, 0);
    // The quantization error calculator's metrics: MSE, RMSE, MAE, SQNR.
    let m = &ch.metrics;
    assert!(m.rmse.unwrap() <= ch.scale / 2.0);
    assert!(m.sqnr_db.unwrap() > 40.0);
}

#[test]
fn seed_002_derived_range_and_narrower_bits_clip() {
    let mut options = textbook("int4".parse().unwrap(), Scheme::Affine);
    options.range = "-0.5:0.5".into();
    let report = tools::values(SEED_002, &options).unwrap();
    let m = &report.analysis.channels[0].metrics;
    // -0.51 lies outside [-0.5, 0.5] but within half a step (1/30) of it: it rounds onto qmin unclipped.
    assert_eq!(m.clip_count, 5, "-1.25 -0.92 0.79 1.12 1.46 clip");
    assert_eq!(report.analysis.channels[0].elements.as_ref().unwrap().q[2], Some(-8));
    let report = tools::values(SEED_002, &textbook(Dtype::QINT8, Scheme::Affine)).unwrap();
    assert_eq!(report.range_source, "data");
    assert_eq!(report.analysis.channels[0].metrics.clip_count, 0);
}

#[test]
fn non_finite_values_are_flagged_never_used() {
    for convention in [Convention::Textbook, Convention::Pytorch] {
        let mut options = textbook(Dtype::QINT8, Scheme::Affine);
        options.spec.convention = convention;
        let report = tools::values("0.5, nan, -0.25, inf, 1e300, 1", &options).unwrap();
        let ch = &report.analysis.channels[0];
        // 1e300 is finite in f64 (textbook) but inf in float32 (PyTorch).
        let expected_nonfinite = if convention == Convention::Textbook { 2 } else { 3 };
        assert_eq!(ch.metrics.nonfinite, expected_nonfinite, "{convention}");
        assert!(ch.metrics.mse.unwrap().is_finite());
        let el = ch.elements.as_ref().unwrap();
        assert_eq!(el.q[1], None);
        assert!(ch
            .warnings
            .iter()
            .any(|w| matches!(w, quantscope_core::Warning::NonFinite { count, first_index: 1 } if *count == expected_nonfinite)));
        assert_eq!(report.nonfinite.len(), 2, "where nan and inf were typed");
    }
}

#[test]
fn manual_parameter_errors_point_at_the_field() {
    let mut options = textbook(Dtype::QINT8, Scheme::Affine);
    options.param_mode = LineMode::Manual;
    let err = tools::channels("a,0.1,0,0.5\nb, 0.1, 300, 0.2\n", &options).unwrap_err();
    match err {
        tools::ToolError::Input(e) => {
            assert_eq!((e.line, e.column, e.text.as_str()), (2, 9, "300"));
            assert_eq!(
                e.to_string(),
                "line 2, column 9: zero point is outside the integer range `300` (expected an integer in [-128, 127])"
            );
        }
        other => panic!("{other:?}"),
    }
    let err = tools::channels("a,0,0,0.5\n", &options).unwrap_err();
    assert!(matches!(err, tools::ToolError::Input(ref e) if (e.line, e.column) == (1, 3)), "{err:?}");
}

#[test]
fn reported_ranges_are_the_ones_used() {
    let mut options = textbook(Dtype::QINT8, Scheme::Affine);
    options.range = "-1.5:1.5".into();
    let report = tools::values("-1.25, 3", &options).unwrap();
    let ch = &report.analysis.channels[0];
    assert_eq!((ch.min, ch.max, ch.data_max), (Some(-1.5), Some(1.5), Some(3.0)));
    // Per-tensor from per-line ranges: the union; sample rows keep each line's typed range.
    let mut options = textbook(Dtype::QINT8, Scheme::Affine);
    options.granularity = Granularity::PerTensor;
    let report = tools::channels("a,-1,1,0.5\nb,-2,0.5,0.1\n", &options).unwrap();
    assert_eq!((report.analysis.channels[0].min, report.analysis.channels[0].max), (Some(-2.0), Some(1.0)));
    assert_eq!((report.rows[0].min, report.rows[0].max), (Some(-1.0), Some(1.0)));
    options.param_mode = LineMode::Manual;
    let report = tools::channels("a,0.1,0,0.5\n", &options).unwrap();
    assert_eq!(report.rows[0].min, None);
}

#[test]
fn lossless_channels_say_inf_in_the_comparison() {
    let mut options = textbook(Dtype::QINT8, Scheme::Affine);
    options.spec.convention = Convention::Pytorch;
    let report = tools::tensor("0, 0, 0\n1, -1, 0.5", &options).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["comparison"]["per_channel"]["channel_sqnr_db"][0], "+inf");
}
