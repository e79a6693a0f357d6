//! Every chart rendered to SVG in `target/chart-previews/` (light and dark, wide and narrow, a
//! million values), each with its caption next to it in a `.txt`, to look at.

mod common;

use common::{int4_values, svg, tensor};
use quantscope_charts::data::Subject;
use quantscope_charts::granularity::Metric;
use quantscope_charts::{error_plot, granularity, histogram, reconstruction, sweep, Theme};
use quantscope_core::analysis::{analyse, ParamSource};
use quantscope_core::spec::{Granularity, QuantSpec, SpecOptions};
use quantscope_core::tensor::Tensor;
use quantscope_core::tools::{self, ToolOptions};

#[test]
fn previews() {
    let values = int4_values();
    let v = Subject::tensor(&values.analysis);
    let (text, report) = tensor(6, 400, ToolOptions::default());
    let sweep_data = quantscope_core::sweep::tensor_tool(&text, &ToolOptions::default()).unwrap();
    let ch2 = Subject::channel(&report.analysis, 2);
    for (name, theme) in [("light", Theme::light()), ("dark", Theme::dark())] {
        for (size, (w, h)) in [("wide", (900, 480)), ("narrow", (380, 340))] {
            let tag = format!("{name}-{size}");
            svg(&format!("values-reconstruction-{tag}"), w, h, |a| reconstruction::draw(a, &v, &theme).unwrap());
            svg(&format!("values-error-{tag}"), w, h, |a| error_plot::draw(a, &v, &theme).unwrap());
            svg(&format!("values-histogram-{tag}"), w, h, |a| histogram::draw(a, &v, &theme).unwrap());
            svg(&format!("tensor-reconstruction-ch2-{tag}"), w, h, |a| reconstruction::draw(a, &ch2, &theme).unwrap());
            svg(&format!("tensor-histogram-ch2-{tag}"), w, h, |a| histogram::draw(a, &ch2, &theme).unwrap());
            svg(&format!("tensor-error-all-{tag}"), w, h, |a| error_plot::draw(a, &Subject::tensor(&report.analysis), &theme).unwrap());
            svg(&format!("tensor-granularity-sqnr-{tag}"), w, h, |a| granularity::draw(a, &report.full, Metric::SqnrDb, &theme).unwrap());
            svg(&format!("tensor-granularity-mse-{tag}"), w, h, |a| granularity::draw(a, &report.full, Metric::Mse, &theme).unwrap());
            svg(&format!("tensor-sweep-{tag}"), w, h, |a| sweep::draw(a, &sweep_data, &theme).unwrap());
        }
    }
    // The channels tool (the per-channel calculator's shape): a few samples per channel on its transfer curve.
    let channels = tools::channels(
        "filter_0, -1.2, 0.9, -1.1, -0.5, 0.0, 0.31, 0.9, 1.3\nfilter_1, -0.21, 1.49, -0.21, 0.0, 0.7, 1.49\n",
        &ToolOptions {
            spec: SpecOptions { dtype: quantscope_core::Dtype::new(true, 3).unwrap(), ..SpecOptions::default() },
            ..ToolOptions::default()
        },
    )
    .unwrap();
    for c in 0..2 {
        let s = Subject::channel(&channels.analysis, c);
        svg(&format!("channels-reconstruction-{c}-light-wide"), 900, 480, |a| reconstruction::draw(a, &s, &Theme::light()).unwrap());
    }

    // A million values, per-tensor int8 with a range that clips the tails.
    let xs = common::normals(1_000_000, 11);
    let t = Tensor::from_rows("big", vec!["ch0".into()], vec![xs]);
    let spec = QuantSpec::resolve(&SpecOptions::default()).unwrap();
    let a =
        analyse(&t, &spec, Granularity::PerTensor, &ParamSource::Range(quantscope_core::params::RangeInput::new(-1.2, 1.2)), true).unwrap();
    let s = Subject::tensor(&a);
    let theme = Theme::light();
    svg("million-reconstruction-light-wide", 900, 480, |a| reconstruction::draw(a, &s, &theme).unwrap());
    svg("million-error-light-wide", 900, 480, |a| error_plot::draw(a, &s, &theme).unwrap());
    svg("million-histogram-light-wide", 900, 480, |a| histogram::draw(a, &s, &theme).unwrap());
    // High DPI: twice the pixels, the same layout.
    svg("values-histogram-light-dpr2", 1800, 960, |a| histogram::draw(a, &v, &Theme::light().scaled(2.0)).unwrap());
}

/// The format and compare charts (issues 13 and 14), light and dark, wide and narrow.
#[test]
fn format_previews() {
    use quantscope_charts::format_sweep::{self, FormatSweep};
    use quantscope_charts::grid_histogram::{self, GridValues, Units};
    use quantscope_charts::heatmap::{self, Cell, Heatmap, Row};
    use quantscope_charts::pareto::{self, ParetoData, PlanPoint, TensorPoint};
    use quantscope_charts::scale_histogram::{self, Scales, Storage};
    use quantscope_charts::tradeoff::FormatResult;

    let e2m1 = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0];
    let nf4 = [
        -1.0,
        -0.6961928,
        -0.5250731,
        -0.3949175,
        -0.2844414,
        -0.1847734,
        -0.09105004,
        0.0,
        0.0795803,
        0.1609302,
        0.2461123,
        0.3379152,
        0.4407098,
        0.562617,
        0.7229568,
        1.0,
    ];
    // MXFP4 over 64 blocks of 32: each block divided by its E8M0 scale 2^(E(amax) − 2), so amax/X lies in [4, 8).
    let xs = common::normals(64 * 32, 5);
    let mut scaled = Vec::new();
    let mut scales = Vec::new();
    for block in xs.chunks(32) {
        let amax = block.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let x = 2f64.powi(amax.log2().floor() as i32 - 2);
        scales.push(x);
        scaled.extend(block.iter().map(|v| v / x));
    }
    let block: Vec<f64> = xs[..32].to_vec();
    let amax = block.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let f16_d: Vec<f64> = xs.chunks(32).map(|b| -b.iter().fold(0.0f64, |m, v| m.max(v.abs())) / 8.0).collect();
    let sweep = FormatSweep {
        label: "blk.0.ffn_up.weight".into(),
        results: vec![
            FormatResult::new("int8:per-channel", 8.0156, 39.5),
            FormatResult::new("q8_0", 8.5, 40.12),
            FormatResult::new("fp8-e4m3:per-channel", 8.0078, 31.0),
            FormatResult::new("int4:per-group:128", 4.5, 18.4),
            FormatResult::new("q4_0", 4.5, 17.25),
            FormatResult::new("nf4", 4.5, 18.9),
            FormatResult::new("mxfp4", 4.25, 16.02),
            FormatResult::new("nvfp4", 4.5005, 19.4),
            FormatResult::not_applicable("q5_1", 6.0, "row length 100 is not a multiple of 32"),
        ],
        chosen: Some("nf4".into()),
    };
    let formats = ["q8_0", "q5_1", "q4_0", "mxfp4", "nf4"];
    let names = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"];
    let mut rows = Vec::new();
    let mut points = Vec::new();
    for layer in 0..4 {
        for (k, n) in names.iter().enumerate() {
            let tensor = format!("blk.{layer}.{n}.weight");
            let wobble = ((layer * 7 + k) as f64 * 1.37).sin() * 2.0;
            let base = [40.0, 29.5, 17.3, 16.1, 18.6];
            let bits = [8.5, 6.0, 4.5, 4.25, 4.5];
            let cells = (0..5)
                .map(|f| {
                    if *n == "attn_k" && f == 1 {
                        Cell::NotApplicable("row length 100".into())
                    } else {
                        Cell::Sqnr(Some(base[f] + wobble))
                    }
                })
                .collect();
            for f in 0..5 {
                if !(*n == "attn_k" && f == 1) {
                    points.push(TensorPoint {
                        tensor: tensor.clone(),
                        format: formats[f].into(),
                        bits_per_weight: bits[f],
                        sqnr_db: Some(base[f] + wobble),
                    });
                }
            }
            rows.push(Row { tensor, cells });
        }
    }
    let map = Heatmap { model: "llama-shaped (4 layers)".into(), formats: formats.iter().map(|s| s.to_string()).collect(), rows };
    let pareto_data = ParetoData {
        model: "llama-shaped (4 layers)".into(),
        points,
        totals: vec![
            FormatResult::new("q8_0", 8.5, 40.1),
            FormatResult::new("q5_1", 6.0, 29.4),
            FormatResult::new("q4_0", 4.5, 17.2),
            FormatResult::new("mxfp4", 4.25, 16.0),
            FormatResult::new("nf4", 4.5, 18.5),
        ],
        plan: Some(PlanPoint { label: "plan at 5 bpw".into(), bits_per_weight: 4.98, sqnr_db: Some(22.7) }),
    };
    for (name, theme) in [("light", Theme::light()), ("dark", Theme::dark())] {
        for (size, (w, h)) in [("wide", (900, 480)), ("narrow", (380, 340))] {
            let tag = format!("{name}-{size}");
            let one = GridValues {
                label: "block 0",
                format: "MXFP4",
                values: &block,
                grid: &e2m1,
                scale: 2f64.powi(amax.log2().floor() as i32 - 2),
                units: Units::Original,
            };
            svg(&format!("format-grid-mxfp4-block-{tag}"), w, h, |a| grid_histogram::draw(a, &one, &theme).unwrap());
            let all = GridValues {
                label: "w (64 blocks)",
                format: "MXFP4",
                values: &scaled,
                grid: &e2m1,
                scale: 1.0,
                units: Units::PerBlockScale,
            };
            svg(&format!("format-grid-mxfp4-tensor-{tag}"), w, h, |a| grid_histogram::draw(a, &all, &theme).unwrap());
            let nf = GridValues { label: "block 0", format: "NF4", values: &block, grid: &nf4, scale: amax, units: Units::Original };
            svg(&format!("format-grid-nf4-block-{tag}"), w, h, |a| grid_histogram::draw(a, &nf, &theme).unwrap());
            let e8m0 = Scales { label: "w", format: "MXFP4: E8M0 per 32 values", scales: &scales, storage: Storage::PowerOfTwo };
            svg(&format!("format-scales-e8m0-{tag}"), w, h, |a| scale_histogram::draw(a, &e8m0, &theme).unwrap());
            let d = Scales { label: "w", format: "Q4_0: float16 d per 32 values", scales: &f16_d, storage: Storage::Continuous };
            svg(&format!("format-scales-f16-{tag}"), w, h, |a| scale_histogram::draw(a, &d, &theme).unwrap());
            svg(&format!("format-sweep-{tag}"), w, h, |a| format_sweep::draw(a, &sweep, &theme).unwrap());
            svg(&format!("compare-heatmap-{tag}"), w, h.max(480), |a| heatmap::draw(a, &map, 0, &theme).unwrap());
            svg(&format!("compare-pareto-{tag}"), w, h, |a| pareto::draw(a, &pareto_data, &theme).unwrap());
        }
    }
}
