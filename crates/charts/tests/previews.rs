//! Every chart rendered to SVG in `target/chart-previews/` (light and dark, wide and narrow, a
//! million values), each with its caption next to it in a `.txt`, to look at.

mod common;

use common::{int4_values, svg, tensor};
use quantscope_charts::data::Subject;
use quantscope_charts::granularity::Metric;
use quantscope_charts::{error, granularity, histogram, reconstruction, sweep, Theme};
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
            svg(&format!("values-error-{tag}"), w, h, |a| error::draw(a, &v, &theme).unwrap());
            svg(&format!("values-histogram-{tag}"), w, h, |a| histogram::draw(a, &v, &theme).unwrap());
            svg(&format!("tensor-reconstruction-ch2-{tag}"), w, h, |a| reconstruction::draw(a, &ch2, &theme).unwrap());
            svg(&format!("tensor-histogram-ch2-{tag}"), w, h, |a| histogram::draw(a, &ch2, &theme).unwrap());
            svg(&format!("tensor-error-all-{tag}"), w, h, |a| error::draw(a, &Subject::tensor(&report.analysis), &theme).unwrap());
            svg(&format!("tensor-granularity-sqnr-{tag}"), w, h, |a| granularity::draw(a, &report.full, Metric::SqnrDb, &theme).unwrap());
            svg(&format!("tensor-granularity-mse-{tag}"), w, h, |a| granularity::draw(a, &report.full, Metric::Mse, &theme).unwrap());
            svg(&format!("tensor-sweep-{tag}"), w, h, |a| sweep::draw(a, &sweep_data, &theme).unwrap());
        }
    }
    // The channels tool (seed 000's shape): a few samples per channel on its transfer curve.
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
    svg("million-error-light-wide", 900, 480, |a| error::draw(a, &s, &theme).unwrap());
    svg("million-histogram-light-wide", 900, 480, |a| histogram::draw(a, &s, &theme).unwrap());
    // High DPI: twice the pixels, the same layout.
    svg("values-histogram-light-dpr2", 1800, 960, |a| histogram::draw(a, &v, &Theme::light().scaled(2.0)).unwrap());
}
