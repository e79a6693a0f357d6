//! Plain timing of every chart at a million values (the format charts too; the Pareto chart over 140 000
//! tensor-format points, the heatmap over 10 000 tensors) (`cargo bench -p charts`): plan (the pass over the
//! data) and draw (to an in-memory SVG string and to the recording backend), best of 5 runs.
//! The browser figure (canvas, wasm) is measured by the app's e2e benchmark; this one tells whether
//! the chart code itself stays far below the 200 ms budget.

use plotters::prelude::*;
use plotters_svg::SVGBackend;
use quantscope_charts::data::Subject;
use quantscope_charts::granularity::Metric;
use quantscope_charts::grid_histogram::{self, GridValues, Units};
use quantscope_charts::heatmap::{self, Cell, Heatmap, Row};
use quantscope_charts::pareto::{self, ParetoData, TensorPoint};
use quantscope_charts::recording::RecordingBackend;
use quantscope_charts::scale_histogram::{self, Scales, Storage};
use quantscope_charts::tradeoff::FormatResult;
use quantscope_charts::{error_plot, granularity, histogram, reconstruction, sweep, Theme};
use quantscope_core::analysis::{analyse, compare, ParamSource};
use quantscope_core::params::RangeInput;
use quantscope_core::spec::{Granularity, QuantSpec, SpecOptions};
use quantscope_core::tensor::{Samples, Tensor};
use std::time::{Duration, Instant};

fn normals(n: usize) -> Vec<f64> {
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n).map(|_| (0..4).map(|_| next()).sum::<f64>() - 2.0).collect()
}

fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..5 {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        out = Some(r);
    }
    (best, out.unwrap())
}

fn ms(d: Duration) -> String {
    format!("{:8.2} ms", d.as_secs_f64() * 1e3)
}

const SIZE: (u32, u32) = (900, 480);

/// Times a chart's plan, then its drawing from that plan to an SVG string and to the recording backend.
fn row<P>(
    name: &str,
    plan: impl Fn() -> P,
    svg: impl Fn(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>, &P) -> Option<()>,
    rec: impl Fn(&DrawingArea<RecordingBackend, plotters::coord::Shift>, &P) -> Option<()>,
) {
    let (p, plan) = best(plan);
    let (d, _) = best(|| {
        let mut out = String::new();
        svg(&SVGBackend::with_string(&mut out, SIZE).into_drawing_area(), &plan).unwrap();
        out.len()
    });
    let (r, _) = best(|| rec(&RecordingBackend::new(SIZE.0, SIZE.1).into_drawing_area(), &plan).unwrap());
    println!("{name:15} plan {} draw {} | {}", ms(p), ms(d), ms(r));
}

fn main() {
    let n = 1_000_000;
    let xs = normals(n);
    let spec = QuantSpec::resolve(&SpecOptions::default()).unwrap();
    // One channel, per tensor, a range that clips the tails.
    let t = Tensor::from_rows("big", vec!["ch0".into()], vec![xs.clone()]);
    let a = analyse(&t, &spec, Granularity::PerTensor, &ParamSource::Range(RangeInput::new(-1.2, 1.2)), true).unwrap();
    let s = Subject::tensor(&a);
    let theme = Theme::light();
    let (w, h) = SIZE;
    println!("{n} values, {w}x{h}: plan (pass over the data) + draw (SVG string | recording)");

    row(
        "reconstruction",
        || reconstruction::plan(&s),
        |a, p| reconstruction::draw_plan(a, &s, p, &theme).map(drop).ok(),
        |a, p| reconstruction::draw_plan(a, &s, p, &theme).map(drop).ok(),
    );
    row(
        "error",
        || error_plot::plan(&s),
        |a, p| error_plot::draw_plan(a, &s, p, &theme).map(drop).ok(),
        |a, p| error_plot::draw_plan(a, &s, p, &theme).map(drop).ok(),
    );
    row(
        "histogram",
        || histogram::plan(&s),
        |a, p| histogram::draw_plan(a, &s, p, &theme).map(drop).ok(),
        |a, p| histogram::draw_plan(a, &s, p, &theme).map(drop).ok(),
    );

    // The format charts on the same million values: MXFP4's E2M1 grid in block units, 31 250 E8M0 scales.
    let e2m1 = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0];
    let mut scales = Vec::with_capacity(n / 32);
    let mut scaled = Vec::with_capacity(n);
    for block in xs.chunks(32) {
        let amax = block.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let x = 2f64.powi(amax.log2().floor() as i32 - 2);
        scales.push(x);
        scaled.extend(block.iter().map(|v| v / x));
    }
    let grid = GridValues { label: "big", format: "MXFP4", values: &scaled, grid: &e2m1, scale: 1.0, units: Units::PerBlockScale };
    row(
        "format grid",
        || grid_histogram::plan(&grid),
        |a, p| grid_histogram::draw_plan(a, &grid, p, &theme).map(drop).ok(),
        |a, p| grid_histogram::draw_plan(a, &grid, p, &theme).map(drop).ok(),
    );
    let blocks = Scales { label: "big", format: "MXFP4", scales: &scales, storage: Storage::PowerOfTwo };
    row(
        "block scales",
        || scale_histogram::plan(&blocks),
        |a, p| scale_histogram::draw_plan(a, &blocks, p, &theme).map(drop).ok(),
        |a, p| scale_histogram::draw_plan(a, &blocks, p, &theme).map(drop).ok(),
    );
    // A model of 10 000 tensors in 14 formats (140 000 points, thinned) and a heatmap page of its first rows.
    let formats: Vec<String> = (0..14).map(|f| format!("format{f}")).collect();
    let points: Vec<TensorPoint> = (0..10_000 * 14)
        .map(|i| TensorPoint {
            tensor: format!("t{}", i / 14),
            format: formats[i % 14].clone(),
            bits_per_weight: 4.0 + (i % 14) as f64 * 0.3,
            sqnr_db: Some(15.0 + (i % 14) as f64 * 1.8 + xs[i] * 2.0),
        })
        .collect();
    let totals =
        formats.iter().enumerate().map(|(f, name)| FormatResult::new(name.clone(), 4.0 + f as f64 * 0.3, 15.0 + f as f64 * 1.8)).collect();
    let model = ParetoData { model: "big".into(), points, totals, plan: None };
    row(
        "pareto 140k",
        || pareto::plan(&model),
        |a, p| pareto::draw_plan(a, &model, p, &theme).map(drop).ok(),
        |a, p| pareto::draw_plan(a, &model, p, &theme).map(drop).ok(),
    );
    let rows = (0..10_000)
        .map(|r| Row {
            tensor: format!("model.layers.{r}.weight"),
            cells: (0..14).map(|f| Cell::Sqnr(Some(xs[r * 14 + f] * 10.0 + 20.0))).collect(),
        })
        .collect();
    let map = Heatmap { model: "big".into(), formats, rows };
    row(
        "heatmap 10k x 14",
        || (),
        |a, _| heatmap::draw(a, &map, 0, &theme).map(drop).ok(),
        |a, _| heatmap::draw(a, &map, 0, &theme).map(drop).ok(),
    );

    // A 1000 x 1000 tensor, 1000 channels, for the bars and the sweep.
    let t = Tensor::dense("w", Samples::F64(xs), vec![1000, 1000], 0).unwrap();
    let c = compare(&t, &spec, &ParamSource::Data, false).unwrap();
    let (p, plan) = best(|| granularity::plan(&c, Metric::SqnrDb));
    let (d, _) = best(|| {
        let mut out = String::new();
        granularity::draw_plan(&SVGBackend::with_string(&mut out, (w, h)).into_drawing_area(), &c, &plan, &theme).unwrap();
        out.len()
    });
    println!("per-tensor/ch.  plan {} draw {}", ms(p), ms(d));

    let (p, sw) =
        best(|| quantscope_core::sweep::bit_sweep(&t, &SpecOptions::default(), &ParamSource::Data, quantscope_core::sweep::BITS).unwrap());
    let (d, _) = best(|| {
        let mut out = String::new();
        sweep::draw(&SVGBackend::with_string(&mut out, (w, h)).into_drawing_area(), &sw, &theme).unwrap();
        out.len()
    });
    println!("bit sweep  core sweep {} (30 analyses, textbook) draw {}", ms(p), ms(d));
    let torch = SpecOptions { convention: quantscope_core::Convention::Pytorch, ..SpecOptions::default() };
    let (p, _) = best(|| quantscope_core::sweep::bit_sweep(&t, &torch, &ParamSource::Data, quantscope_core::sweep::BITS).unwrap());
    println!("bit sweep  core sweep {} (30 analyses, pytorch: the fused float32 kernel)", ms(p));
}
