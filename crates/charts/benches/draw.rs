//! Plain timing of every chart at a million values (`cargo bench -p charts`): plan (the pass over the
//! data) and draw (to an in-memory SVG string and to the recording backend), best of 5 runs.
//! The browser figure (canvas, wasm) is measured by the app's e2e benchmark; this one tells whether
//! the chart code itself stays far below the 200 ms budget.

use plotters::prelude::*;
use plotters_svg::SVGBackend;
use quantscope_charts::data::Subject;
use quantscope_charts::granularity::Metric;
use quantscope_charts::recording::RecordingBackend;
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
