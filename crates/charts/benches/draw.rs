//! Plain timing of every chart at a million values (`cargo bench -p charts`): plan (the pass over the
//! data) and draw (to an in-memory SVG string and to the recording backend), best of 5 runs.
//! The browser figure (canvas, wasm) is measured by the app's e2e benchmark; this one tells whether
//! the chart code itself stays far below the 200 ms budget.

use charts::data::Subject;
use charts::granularity::Metric;
use charts::recording::RecordingBackend;
use charts::{error, granularity, histogram, reconstruction, sweep, Theme};
use plotters::prelude::*;
use plotters_svg::SVGBackend;
use quant::analysis::{analyse, compare, ParamSource};
use quant::params::RangeInput;
use quant::spec::{Granularity, QuantSpec, SpecOptions};
use quant::tensor::{Samples, Tensor};
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

fn main() {
    let n = 1_000_000;
    let xs = normals(n);
    let spec = QuantSpec::resolve(&SpecOptions::default()).unwrap();
    // One channel, per tensor, a range that clips the tails.
    let t = Tensor::from_rows("big", vec!["ch0".into()], vec![xs.clone()]);
    let a = analyse(&t, &spec, Granularity::PerTensor, &ParamSource::Range(RangeInput::new(-1.2, 1.2)), true).unwrap();
    let s = Subject::tensor(&a);
    let theme = Theme::light();
    let (w, h) = (900u32, 480u32);
    println!("{n} values, {w}x{h}: plan (pass over the data) + draw (SVG string | recording)");

    let (p, plan) = best(|| reconstruction::plan(&s));
    let (d, _) = best(|| {
        let mut out = String::new();
        reconstruction::draw_plan(&SVGBackend::with_string(&mut out, (w, h)).into_drawing_area(), &s, &plan, &theme).unwrap();
        out.len()
    });
    let (r, _) = best(|| reconstruction::draw_plan(&RecordingBackend::new(w, h).into_drawing_area(), &s, &plan, &theme).unwrap());
    println!("reconstruction  plan {} draw {} | {}", ms(p), ms(d), ms(r));

    let (p, plan) = best(|| error::plan(&s));
    let (d, _) = best(|| {
        let mut out = String::new();
        error::draw_plan(&SVGBackend::with_string(&mut out, (w, h)).into_drawing_area(), &s, &plan, &theme).unwrap();
        out.len()
    });
    let (r, _) = best(|| error::draw_plan(&RecordingBackend::new(w, h).into_drawing_area(), &s, &plan, &theme).unwrap());
    println!("error           plan {} draw {} | {}", ms(p), ms(d), ms(r));

    let (p, plan) = best(|| histogram::plan(&s));
    let (d, _) = best(|| {
        let mut out = String::new();
        histogram::draw_plan(&SVGBackend::with_string(&mut out, (w, h)).into_drawing_area(), &s, &plan, &theme).unwrap();
        out.len()
    });
    let (r, _) = best(|| histogram::draw_plan(&RecordingBackend::new(w, h).into_drawing_area(), &s, &plan, &theme).unwrap());
    println!("histogram       plan {} draw {} | {}", ms(p), ms(d), ms(r));

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

    let (p, sw) = best(|| quant::sweep::bit_sweep(&t, &SpecOptions::default(), &ParamSource::Data, quant::sweep::BITS).unwrap());
    let (d, _) = best(|| {
        let mut out = String::new();
        sweep::draw(&SVGBackend::with_string(&mut out, (w, h)).into_drawing_area(), &sw, &theme).unwrap();
        out.len()
    });
    println!("bit sweep  core sweep {} (30 analyses, textbook) draw {}", ms(p), ms(d));
    let torch = SpecOptions { convention: quant::Convention::Pytorch, ..SpecOptions::default() };
    let (p, _) = best(|| quant::sweep::bit_sweep(&t, &torch, &ParamSource::Data, quant::sweep::BITS).unwrap());
    println!("bit sweep  core sweep {} (30 analyses, pytorch: the fused float32 kernel)", ms(p));
}
