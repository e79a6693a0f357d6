//! The chart functions against a recording backend: counts, positions, labels and captions.

mod common;

use common::{int4_values, record, tensor};
use quantscope_charts::data::{Scope, Subject, ENVELOPE_BUCKETS, MAX_BINS, MAX_POINTS};
use quantscope_charts::format::{count, db, num, pct};
use quantscope_charts::granularity::Metric;
use quantscope_charts::recording::Op;
use quantscope_charts::{error_plot, granularity, histogram, hover, reconstruction, sweep, RangeChoice, Theme};
use quantscope_core::analysis::{analyse, ParamSource};
use quantscope_core::calibrate::{self, Calibration, Method};
use quantscope_core::spec::{Granularity, QuantSpec, SpecOptions};
use quantscope_core::tensor::Tensor;
use quantscope_core::tools::ToolOptions;

fn rgb(c: plotters::style::RGBColor) -> (u8, u8, u8) {
    (c.0, c.1, c.2)
}

fn close(a: i32, b: f64) -> bool {
    (a as f64 - b).abs() <= 1.0
}

#[test]
fn the_fixture_is_the_quantizer_the_tests_assume() {
    let r = int4_values();
    let ch = &r.analysis.channels[0];
    assert!((ch.scale - 0.1).abs() < 1e-15);
    assert_eq!(ch.zero_point, -5);
    assert_eq!(r.analysis.summary.metrics.count, 201);
    // Clipped: x ≤ -0.35 (the tie -3.5 rounds to -4, below qmin - z = -3) and x ≥ 1.26.
    assert_eq!(r.analysis.summary.metrics.clip_count, 16 + 25);
}

#[test]
fn reconstruction_draws_the_curve_the_samples_and_the_clipping_regions() {
    let r = int4_values();
    let subject = Subject::tensor(&r.analysis);
    let theme = Theme::light();
    let (log, drawn) = record(800, 500, |a| reconstruction::draw(a, &subject, &theme).unwrap());
    let frame = drawn.frame.clone().unwrap();

    // 201 samples, none left out: 160 dots + 41 clipped dots, plus one legend swatch each.
    assert_eq!(log.circles(rgb(theme.primary)).len(), 160 + 1);
    assert_eq!(log.circles(rgb(theme.clip)).len(), 41 + 1);
    // Each dot sits at (x, x̂).
    let el = r.analysis.channels[0].elements.as_ref().unwrap();
    let dots = log.circles(rgb(theme.primary));
    for i in [0usize, 20, 100, 170, 200] {
        let (x, xh) = (el.x[i], el.dequantized[i].unwrap());
        let want = (frame.pixel_x(x), frame.pixel_y(xh));
        let any = dots.iter().chain(log.circles(rgb(theme.clip)).iter()).any(|d| close(d.0, want.0) && close(d.1, want.1));
        assert!(any, "sample {i} at {want:?}");
    }
    // Two clipping regions (below -0.35, above 1.25), plus the legend swatch.
    let shades = log.filled_rects(rgb(theme.clip));
    assert_eq!(shades.len(), 1 + 2);
    let shades = &shades[1..];
    assert!(close(shades[0].1 .0, frame.pixel_x(-0.35)));
    assert!(close(shades[1].0 .0, frame.pixel_x(1.25)));
    // The staircase: every level from -0.3 to 1.2 is a horizontal run of the curve.
    let curve = log
        .ops()
        .into_iter()
        .find_map(|op| match op {
            Op::Path { points, color, .. } if color.rgb == rgb(theme.curve) && points.len() > 2 => Some(points),
            _ => None,
        })
        .unwrap();
    for k in -8..=7 {
        let level = (k + 5) as f64 * 0.1;
        assert!(curve.windows(2).any(|w| w[0].1 == w[1].1 && close(w[0].1, frame.pixel_y(level))), "level {level}");
    }
    // Caption figures.
    let c = &drawn.caption;
    assert!(c.contains("Reconstruction of w (int4 affine [-8, 7], textbook): 201 values"), "{c}");
    assert!(c.contains("s = 0.1, z = -5; 16 levels from -0.3 to 1.2"), "{c}");
    assert!(c.contains(&format!("41 clipped ({}) below -0.35 or above 1.25", pct(41.0 / 201.0))), "{c}");
    assert!(c.contains("20.4 %"), "{c}");
    assert!(c.contains("Every sample drawn"), "{c}");
    assert_eq!(*c, reconstruction::caption(&subject, &reconstruction::plan(&subject)));
    // Axis titles and legend.
    let texts = log.texts();
    for t in ["x, original value", "x̂, dequantized value", "identity x̂ = x", "clipping region", "samples (160)", "clipped samples (41)"]
    {
        assert!(texts.iter().any(|s| s == t), "{t} in {texts:?}");
    }
    assert!(texts.iter().any(|s| s.starts_with("transfer curve x̂ = (q − z)·s, s = 0.1, z = -5")));
}

#[test]
fn histogram_grid_lines_sit_on_the_levels_and_thresholds_on_min_max() {
    let r = int4_values();
    let subject = Subject::tensor(&r.analysis);
    let theme = Theme::dark();
    let (log, drawn) = record(900, 500, |a| histogram::draw(a, &subject, &theme).unwrap());
    let frame = drawn.frame.clone().unwrap();
    let grid = log.vertical_lines(rgb(theme.curve));
    // All 16 levels (-0.3, -0.2, ..., 1.2), each at its pixel.
    assert_eq!(grid.len(), 16, "{grid:?}");
    for (i, k) in (-8..=7).enumerate() {
        let level = (k + 5) as f64 * 0.1;
        assert!(close(grid[i], frame.pixel_x(level)), "level {level}: {} vs {}", grid[i], frame.pixel_x(level));
    }
    // Thresholds at the calibration min and max.
    let thresholds = log.vertical_lines(rgb(theme.clip));
    assert_eq!(thresholds.len(), 2);
    assert!(close(thresholds[0], frame.pixel_x(-0.3)));
    assert!(close(thresholds[1], frame.pixel_x(1.2)));
    // Clipped mass: 16 below, 25 above, from the core's per-element flags.
    let el = r.analysis.channels[0].elements.as_ref().unwrap();
    let below = (0..201).filter(|&i| el.clipped[i] && el.q[i] == Some(-8)).count();
    assert_eq!(below, 16);
    let texts = log.texts();
    // The -0.3 threshold is near the left edge: its label sits inside, pointing left.
    assert!(texts.contains(&format!("← {} clipped", pct(16.0 / 201.0))), "{texts:?}");
    assert!(texts.contains(&format!("{} clipped", pct(25.0 / 201.0))), "{texts:?}");
    assert!(texts.iter().any(|t| t == "quantization levels x̂ₖ (all 16)"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "clip thresholds min = -0.3, max = 1.2"));
    // Bars: 201 values in bin_count(201) = 12 bins, all non-empty; plus the legend swatch.
    assert_eq!(log.filled_rects(rgb(theme.primary)).len(), 12 + 1);
    let c = &drawn.caption;
    assert!(c.contains("201 values in 12 bins from -0.5 to 1.5"), "{c}");
    assert!(c.contains("s = 0.1, z = -5"), "{c}");
    assert!(c.contains("clip thresholds min = -0.3, max = 1.2"), "{c}");
    assert!(c.contains("clipped mass 20.4 % (41 values: 8.0 % below, 12.4 % above)"), "{c}");
}

#[test]
fn histogram_sets_every_calibration_method_side_by_side() {
    // 2000 values with one outlier: the methods disagree on the upper end.
    let mut values = common::normals(2000, 7);
    values[100] = 9.0;
    let text: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    let mut options = ToolOptions { tensor_name: "act".into(), ..ToolOptions::default() };
    options.calibration = Calibration { method: Method::Percentile, percentile: 99.0 };
    let report = quantscope_core::tools::values(&text.join(" "), &options).unwrap();
    let subject = Subject::tensor(&report.analysis).with_range_choice(RangeChoice::Method(options.calibration));
    let plan = histogram::plan(&subject);
    let finite: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    let expected =
        calibrate::every_method(&finite, [(finite.iter().copied().fold(f32::INFINITY, f32::min), 9.0)], &report.analysis.spec, 99.0);
    assert_eq!(plan.methods, expected);
    assert_eq!(plan.methods.len(), 5);
    assert_eq!(plan.chosen, Some(Method::Percentile));
    // The percentile row is the range the parameters came from.
    let ch = &report.analysis.channels[0];
    assert_eq!((plan.methods[2].min as f64, plan.methods[2].max as f64), (ch.min.unwrap(), ch.max.unwrap()));
    assert!(plan.methods[2].max < 5.0 && plan.methods[0].max == 9.0, "{:?}", plan.methods);

    let theme = Theme::light();
    let (log, drawn) = record(900, 520, |a| histogram::draw_plan(a, &subject, &plan, &theme).unwrap());
    let frame = drawn.frame.clone().unwrap();
    let mut rows_y = Vec::new();
    for (m, color) in plan.methods.iter().zip(theme.methods) {
        // One interval per method from its min to its max, with an end tick at each end.
        let lines = log.horizontal_lines(rgb(color));
        assert_eq!(lines.len(), 1, "{:?}: {lines:?}", m.method);
        let (a, b, y) = lines[0];
        assert!(close(a, frame.pixel_x(m.min as f64)) && close(b, frame.pixel_x(m.max as f64)), "{:?}", m.method);
        let ticks = log.vertical_lines(rgb(color));
        assert_eq!(ticks.len(), 2);
        assert!(close(ticks[0], frame.pixel_x(m.min as f64)) && close(ticks[1], frame.pixel_x(m.max as f64)));
        // Above the bars' area.
        assert!(y < frame.top + (frame.bottom - frame.top) / 2, "{:?} at y {y}", m.method);
        rows_y.push(y);
    }
    // One row each, minmax on top.
    assert!(rows_y.windows(2).all(|w| w[0] < w[1]), "{rows_y:?}");
    let texts = log.texts();
    for label in ["minmax", "moving average", "percentile 99 · chosen", "MSE", "entropy (KL)"] {
        assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
    }
    let c = &drawn.caption;
    assert!(c.contains(&format!("percentile 99 [{}, {}]", num(plan.methods[2].min as f64), num(plan.methods[2].max as f64))), "{c}");
    assert!(c.contains("minmax [") && c.contains("entropy (KL) [") && c.contains("MSE [") && c.contains("moving average ["), "{c}");
    assert!(c.contains("the parameters use percentile 99"), "{c}");

    // Channels calibrated one by one, the whole tensor shown: the chosen row is the thresholds
    // (the union of the channels' percentile ranges), the others are over all the values.
    let options = ToolOptions { calibration: Calibration { method: Method::Percentile, percentile: 99.0 }, ..ToolOptions::default() };
    let (_, tensor_report) = tensor(4, 300, options);
    let all = Subject::tensor(&tensor_report.analysis).with_range_choice(tensor_report.calibration.into());
    let plan = histogram::plan(&all);
    let (a, b) = all.calibration_range().unwrap();
    let row = plan.methods.iter().find(|m| m.method == Method::Percentile).unwrap();
    assert_eq!((row.min, row.max), (a as f32, b as f32));
    assert_eq!(plan.methods[0].max, all.data_range().unwrap().1 as f32, "minmax over every value");

    // A typed range: the methods are still shown, none is marked chosen.
    let given = Subject::tensor(&report.analysis).with_range_choice(RangeChoice::Given);
    let plan = histogram::plan(&given);
    assert_eq!(plan.chosen, None);
    assert!(histogram::caption(&given, &plan).contains("the parameters use the given range"));
}

#[test]
fn histogram_draws_every_kth_level_when_there_are_many() {
    let (_, report) = tensor(1, 4000, ToolOptions::default());
    let subject = Subject::channel(&report.analysis, 0);
    let theme = Theme::light();
    let (log, drawn) = record(900, 500, |a| histogram::draw(a, &subject, &theme).unwrap());
    let frame = drawn.frame.clone().unwrap();
    let ch = &report.analysis.channels[0];
    let plan = histogram::plan(&subject);
    let grid = plan.grid.as_ref().unwrap();
    // Data range calibration on int8: the 256 levels all lie in the x range; every 5th is drawn.
    assert_eq!((grid.visible, grid.step), (256, 5));
    let lines = log.vertical_lines(rgb(theme.curve));
    assert_eq!(lines.len(), grid.levels.len());
    assert!(lines.len() <= quantscope_charts::data::MAX_GRID_LINES);
    for (&(k, v), &px) in grid.levels.iter().zip(&lines) {
        assert_eq!((k - ch.zero_point) % 5, 0);
        assert!((v - (k - ch.zero_point) as f64 * ch.scale).abs() < 1e-12);
        assert!(close(px, frame.pixel_x(v)));
    }
    assert!(log.texts().iter().any(|t| t == "levels x̂ₖ, every 5th of 256 shown"));
    assert!(drawn.caption.contains("every 5th of 256"), "{}", drawn.caption);
}

#[test]
fn error_chart_has_the_half_step_band_and_marks_clipped_values() {
    let r = int4_values();
    let subject = Subject::tensor(&r.analysis);
    let theme = Theme::light();
    let (log, drawn) = record(800, 500, |a| error_plot::draw(a, &subject, &theme).unwrap());
    let frame = drawn.frame.clone().unwrap();
    // The band's edges at ±s/2 = ±0.05, across all 201 positions.
    let edges: Vec<Vec<(i32, i32)>> = log
        .ops()
        .into_iter()
        .filter_map(|op| match op {
            Op::Path { points, color, .. } if color.rgb == rgb(theme.curve) && points.len() == 2 && points[0].1 == points[1].1 => {
                Some(points)
            }
            _ => None,
        })
        .collect();
    assert!(edges
        .iter()
        .any(|p| close(p[0].1, frame.pixel_y(0.05)) && close(p[0].0, frame.pixel_x(0.0)) && close(p[1].0, frame.pixel_x(201.0))));
    assert!(edges.iter().any(|p| close(p[0].1, frame.pixel_y(-0.05))));
    // Every unclipped value is a dot (plus a legend swatch); the 41 clipped ones are crosses
    // (two lines each) or, off the scale, triangles at the edge.
    assert_eq!(log.circles(rgb(theme.primary)).len(), 160 + 1);
    let crosses = log.ops().iter().filter(|op| matches!(op, Op::Line { color, .. } if color.rgb == rgb(theme.clip))).count() / 2;
    let triangles = log.ops().iter().filter(|op| matches!(op, Op::Polygon { color, .. } if color.rgb == rgb(theme.clip))).count();
    assert_eq!(crosses + triangles, 41 + 1, "{crosses} + {triangles}");
    assert!(triangles > 0);
    let el = r.analysis.channels[0].elements.as_ref().unwrap();
    let within = (0..201).filter(|&i| el.error[i].unwrap().abs() <= 0.05 * (1.0 + 1e-9)).count();
    let m = &r.analysis.summary.metrics;
    let c = &drawn.caption;
    assert!(c.contains(&format!("{within} of 201 values within ±s/2 = ±0.05")), "{c}");
    assert!(c.contains(&format!("max |error| {}, MSE {}, SQNR {}", num(m.max_error.unwrap()), num(m.mse.unwrap()), db(m.sqnr_db))), "{c}");
    assert!(c.contains("41 clipped (20.4 %), |error| up to 0.3, marked at the edge"), "{c}");
    assert!(c.contains("Every value drawn"), "{c}");
    assert!(log.texts().iter().any(|t| t == "x̂ − x, error (value units)"));
}

#[test]
fn grouped_bars_one_pair_per_channel_with_memory_in_the_legend() {
    let (_, report) = tensor(4, 256, ToolOptions::default());
    let theme = Theme::light();
    let (log, drawn) = record(900, 450, |a| granularity::draw(a, &report.full, Metric::SqnrDb, &theme).unwrap());
    // 4 per-channel and 4 per-tensor bars, plus a legend swatch each.
    assert_eq!(log.filled_rects(rgb(theme.primary)).len(), 4 + 1);
    assert_eq!(log.filled_rects(rgb(theme.secondary)).len(), 4 + 1);
    let frame = drawn.frame.clone().unwrap();
    // Bar tops at each channel's SQNR.
    let tops: Vec<i32> = log.filled_rects(rgb(theme.primary)).iter().skip(1).take(4).map(|r| r.0 .1).collect();
    for (c, top) in tops.iter().enumerate() {
        let v = report.full.per_channel.channels[c].metrics.sqnr_db.unwrap();
        assert!(close(*top, frame.pixel_y(v)), "channel {c}");
    }
    let texts = log.texts();
    for name in ["ch0", "ch1", "ch2", "ch3"] {
        assert!(texts.iter().any(|t| t == name), "{name} in {texts:?}");
    }
    let m = &report.full.memory;
    assert!(texts.iter().any(|t| t.starts_with("per-channel (4 pairs): ")));
    assert!(texts.iter().any(|t| t.starts_with("per-tensor (1 pair): ")));
    let c = &drawn.caption;
    assert!(c.contains(&format!("gain {}", db(report.full.sqnr_gain_db))), "{c}");
    assert!(
        c.contains(&format!("Memory for {} values at 8 bits: payload {}", count(1024), quantscope_charts::format::bytes(m.payload_bytes))),
        "{c}"
    );
    assert!(c.contains("per-channel (4 pairs): 1.031 KiB, +3.1 %; per-tensor (1 pair): 1.008 KiB, +0.8 %"), "{c}");
    // MSE on a log axis: the same bars.
    let (log, _) = record(900, 450, |a| granularity::draw(a, &report.full, Metric::Mse, &theme).unwrap());
    assert_eq!(log.filled_rects(rgb(theme.secondary)).len(), 4 + 1);
}

#[test]
fn many_channels_are_grouped() {
    let (_, report) = tensor(300, 8, ToolOptions::default());
    let theme = Theme::light();
    let (log, drawn) = record(900, 450, |a| granularity::draw(a, &report.full, Metric::SqnrDb, &theme).unwrap());
    assert_eq!(log.filled_rects(rgb(theme.primary)).len(), 100 + 1);
    assert!(drawn.caption.contains("each bar is the worst of 3 consecutive channels"), "{}", drawn.caption);
}

#[test]
fn sweep_has_fifteen_widths_per_granularity_and_the_guide() {
    let (text, report) = tensor(4, 256, ToolOptions::default());
    let sweep_data = quantscope_core::sweep::tensor_tool(&text, &ToolOptions::default()).unwrap();
    let theme = Theme::light();
    let (log, drawn) = record(800, 450, |a| sweep::draw(a, &sweep_data, &theme).unwrap());
    assert_eq!(log.circles(rgb(theme.primary)).len(), 15);
    assert_eq!(log.circles(rgb(theme.secondary)).len(), 15);
    let at8 = sweep_data.at(8).unwrap();
    // The sweep's 8-bit point is the tensor tool's own result.
    assert_eq!(at8.per_channel_sqnr_db, report.full.per_channel.summary.metrics.sqnr_db);
    assert_eq!(at8.per_tensor_sqnr_db, report.full.per_tensor.summary.metrics.sqnr_db);
    let c = &drawn.caption;
    assert!(
        c.contains(&format!(
            "at the current 8 bits per-channel {}, per-tensor {}",
            db(at8.per_channel_sqnr_db),
            db(at8.per_tensor_sqnr_db)
        )),
        "{c}"
    );
    assert!(c.contains("(guide: 6.02 dB per bit)"), "{c}");
    assert!(log.texts().iter().any(|t| t == "guide: 6.02 dB per bit"));
    assert!(log.texts().iter().any(|t| t == "bit width (bits)"));
    // The guide (one wide faint segment) through the 8-bit per-channel point.
    let frame = drawn.frame.unwrap();
    let guides: Vec<(Vec<(i32, i32)>, u32)> = log
        .ops()
        .into_iter()
        .filter_map(|op| match op {
            Op::Path { points, color, width }
                if color.rgb == rgb(theme.muted) && points.len() == 2 && points[0].1 != points[1].1 && points[0].0 != points[1].0 =>
            {
                Some((points, width))
            }
            _ => None,
        })
        .collect();
    assert_eq!(guides.len(), 1);
    let (a, b) = (guides[0].0[0], guides[0].0[1]);
    assert_eq!(guides[0].1, 8);
    let x8 = frame.pixel_x(8.0);
    let y8 = a.1 as f64 + (x8 - a.0 as f64) / (b.0 - a.0) as f64 * (b.1 - a.1) as f64;
    assert!((y8 - frame.pixel_y(at8.per_channel_sqnr_db.unwrap())).abs() <= 2.0);
    // Its slope is 6.02 dB per bit.
    let slope_px = (b.1 - a.1) as f64 / (b.0 - a.0) as f64;
    let slope_data = (frame.pixel_y(6.02) - frame.pixel_y(0.0)) / (frame.pixel_x(1.0) - frame.pixel_x(0.0));
    assert!((slope_px / slope_data - 1.0).abs() < 0.02, "{slope_px} vs {slope_data}");
}

#[test]
fn a_million_values_draw_a_few_thousand_primitives() {
    let xs = common::normals(1_000_000, 7);
    let t = Tensor::from_rows("big", vec!["ch0".into()], vec![xs]);
    let spec = QuantSpec::resolve(&SpecOptions::default()).unwrap();
    let range = ParamSource::Range(quantscope_core::params::RangeInput::new(-1.5, 1.5));
    let a = analyse(&t, &spec, Granularity::PerTensor, &range, true).unwrap();
    let subject = Subject::new(&a, Scope::Tensor);
    let theme = Theme::light();

    let (log, drawn) = record(900, 500, |area| reconstruction::draw(area, &subject, &theme).unwrap());
    assert!(log.circles(rgb(theme.primary)).len() + log.circles(rgb(theme.clip)).len() <= MAX_POINTS + 2);
    assert!(drawn.primitives <= MAX_POINTS + 10, "{}", drawn.primitives);
    assert!(drawn.caption.contains("Downsampled: "), "{}", drawn.caption);
    assert!(drawn.caption.contains("of 1\u{2009}000\u{2009}000 samples drawn"), "{}", drawn.caption);
    assert!(log.len() < 5000, "{}", log.len());

    let (log, drawn) = record(900, 500, |area| error_plot::draw(area, &subject, &theme).unwrap());
    assert!(drawn.primitives <= ENVELOPE_BUCKETS + error_plot::MAX_CLIPPED_MARKERS + 10, "{}", drawn.primitives);
    assert!(drawn.caption.contains("min–max envelope of 800 index buckets of 1\u{2009}250 values"), "{}", drawn.caption);
    assert!(log.len() < 5000, "{}", log.len());

    let (log, drawn) = record(900, 500, |area| histogram::draw(area, &subject, &theme).unwrap());
    assert!(log.filled_rects(rgb(theme.primary)).len() <= MAX_BINS + 1);
    assert!(drawn.caption.contains("1\u{2009}000\u{2009}000 values in 120 bins"), "{}", drawn.caption);
    assert!(log.len() < 2000, "{}", log.len());
}

#[test]
fn hover_finds_the_element_and_the_step_under_the_pointer() {
    let r = int4_values();
    let subject = Subject::tensor(&r.analysis);
    let theme = Theme::light().scaled(2.0);
    // Element 100: x = 0.5, q = round(0.5 / 0.1) - 5 = 0, x̂ = 0.5, error 0.
    let (_, drawn) = record(1600, 1000, |a| reconstruction::draw(a, &subject, &theme).unwrap());
    let f = drawn.frame.unwrap();
    let h = hover::reconstruction(&subject, &f, f.pixel_x(0.5) + 1.0, f.pixel_y(0.5) - 1.0, 12.0).unwrap();
    assert_eq!((h.point.index, h.point.q, h.point.x_hat, h.point.error), (100, 0, 0.5, 0.0));
    assert_eq!(h.text(), "w #100 · x = 0.5 · q = 0 · x̂ = 0.5 · error = 0");
    assert!(hover::reconstruction(&subject, &f, 0.0, 0.0, 12.0).is_none());

    // Element 3 on the error chart: x = -0.47 clipped to q = -8, x̂ = -0.3, error 0.17 (off scale, at the top edge).
    let (_, drawn) = record(1600, 1000, |a| error_plot::draw(a, &subject, &theme).unwrap());
    let f = drawn.frame.unwrap();
    let h = hover::error(&subject, &f, f.pixel_x(3.0), f.pixel_y(f.y.1) + 2.0, 12.0).unwrap();
    assert_eq!((h.point.index, h.point.q, h.point.clipped), (3, -8, true));
    assert!((h.point.x_hat + 0.3).abs() < 1e-15);
    assert!(h.text().starts_with("w #3 · x = -0.47 · q = -8 · x̂ = -0.3 · error = 0.17"), "{}", h.text());

    // The histogram at x = 0.52: q = 0 (0.52 / 0.1 = 5.2 → 5, + z = 0), x̂ = 0.5.
    let plan = histogram::plan(&subject);
    let (_, drawn) = record(1600, 1000, |a| histogram::draw_plan(a, &subject, &plan, &theme).unwrap());
    let f = drawn.frame.unwrap();
    let h = hover::histogram(&plan, &f, f.pixel_x(0.52), (f.top + f.bottom) as f64 / 2.0).unwrap();
    assert_eq!((h.q, h.x_hat), (Some(0), Some(0.5)));
    assert!(h.count > 0);
}

#[test]
fn themes_scale_fonts_and_strokes_for_high_dpi() {
    let r = int4_values();
    let subject = Subject::tensor(&r.analysis);
    let size = |scale: f64| {
        let theme = Theme::light().scaled(scale);
        let (log, _) = record((800.0 * scale) as u32, (500.0 * scale) as u32, |a| reconstruction::draw(a, &subject, &theme).unwrap());
        log.ops()
            .into_iter()
            .find_map(|op| match op {
                Op::Text { text, size, .. } if text == "x, original value" => Some(size),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(size(2.0), 2.0 * size(1.0));
}

#[test]
fn per_channel_tensor_scope_has_no_single_curve_but_still_draws() {
    let (_, report) = tensor(3, 100, ToolOptions::default());
    let subject = Subject::tensor(&report.analysis);
    assert!(subject.curve().is_none());
    let theme = Theme::light();
    let (_, drawn) = record(800, 500, |a| reconstruction::draw(a, &subject, &theme).unwrap());
    assert!(drawn.caption.contains("no single transfer curve"), "{}", drawn.caption);
    let (_, drawn) = record(800, 500, |a| histogram::draw(a, &subject, &theme).unwrap());
    assert!(drawn.caption.contains("no level grid"), "{}", drawn.caption);
    let (log, drawn) = record(800, 500, |a| error_plot::draw(a, &subject, &theme).unwrap());
    assert!(drawn.caption.contains("±s/2 of their channel"), "{}", drawn.caption);
    // One band per channel.
    assert_eq!(log.filled_rects(rgb(theme.curve)).len(), 3 + 1);
    // Per-tensor analyses share one curve.
    let pt = &report.full.per_tensor;
    assert!(Subject::tensor(pt).curve().is_some());
}

#[test]
fn without_per_element_results_the_charts_say_so() {
    let (_, mut report) = tensor(2, 10, ToolOptions::default());
    report.analysis = report.analysis.without_elements();
    let subject = Subject::channel(&report.analysis, 1);
    let theme = Theme::light();
    let (log, drawn) = record(600, 400, |a| reconstruction::draw(a, &subject, &theme).unwrap());
    assert!(drawn.frame.is_none());
    assert!(log.texts().iter().any(|t| t == "no per-element results"));
}
