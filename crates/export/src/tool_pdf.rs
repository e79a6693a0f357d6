//! The PDF report of a tool's results: title, date, tensor, the convention label and every
//! resolved option, the formulas, the summary metrics, and the tool's result tables (the same
//! tables the CLI prints, see [`crate::tables`]), on A4 or US Letter.

use crate::font::Font;
use crate::number::{Num, Precision};
use crate::pdf::{Align, Document, Paper, Table, BODY};
use crate::pdf_backend::PdfBackend;
use crate::tables::{self, Block};
use plotters::drawing::DrawingAreaErrorKind;
use quantscope_charts::granularity::Metric;
use quantscope_charts::{RangeChoice, Subject, Theme};
use quantscope_core::parse::LineMode;
use quantscope_core::sweep::BitSweep;
use quantscope_core::tools::{ChannelsReport, TensorReport, ToolOptions, ValuesReport};
use quantscope_core::{Analysis, Granularity, QuantSpec};
use serde::Serialize;
use std::convert::Infallible;

/// What the report says besides the results.
#[derive(Clone, Debug)]
pub struct PdfOptions {
    /// Paper size.
    pub paper: Paper,
    /// The date printed on the report (given, so the same inputs give the same file), e.g. `2026-11-23`.
    pub date: String,
    /// The tool options the report was computed with, for the options list (calibration range,
    /// axis, parameter lines); without them only the resolved spec is listed.
    pub options: Option<ToolOptions>,
    /// At most this many per-element rows are printed (the CSV has them all).
    pub max_values: usize,
    /// Decimals of the numbers in the tables.
    pub precision: Precision,
    /// The bit-width sweep of the tensor tool (`quantscope_core::sweep::tensor_tool`), drawn when given.
    pub sweep: Option<BitSweep>,
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions {
            paper: Paper::A4,
            date: String::new(),
            options: None,
            max_values: 2000,
            precision: Precision::Decimals(8),
            sweep: None,
        }
    }
}

/// The PDF report of the channels tool (the per-channel calculator's table).
pub fn channels_pdf(report: &ChannelsReport, o: &PdfOptions) -> Vec<u8> {
    let n = Num(o.precision);
    let subject = Subject::tensor(&report.analysis);
    let charts: Vec<Chart<'_>> = vec![(
        "Reconstruction",
        Box::new(move |a| quantscope_charts::reconstruction::draw(a, &subject, &Theme::light()).map(|d| d.caption)),
    )];
    build("Channels", &report.analysis, tables::channels(report, n), charts, o)
}

/// The PDF report of the tensor tool (per-channel vs per-tensor, local ranges, memory).
pub fn tensor_pdf(report: &TensorReport, o: &PdfOptions) -> Vec<u8> {
    let n = Num(o.precision);
    let a = &report.analysis;
    let mut charts: Vec<Chart<'_>> = vec![(
        "Per-tensor vs per-channel",
        Box::new(|area| quantscope_charts::granularity::draw(area, &report.full, Metric::SqnrDb, &Theme::light()).map(|d| d.caption)),
    )];
    if let Some(sweep) = &o.sweep {
        charts.push((
            "Bit-width sweep",
            Box::new(move |area| quantscope_charts::sweep::draw(area, sweep, &Theme::light()).map(|d| d.caption)),
        ));
    }
    if Subject::tensor(a).has_elements() {
        charts.extend(element_charts(a, report.calibration.into()));
    }
    build("Tensor", a, tables::tensor(report, n, o.max_values), charts, o)
}

/// The PDF report of the values tool (one list, one set of parameters).
pub fn values_pdf(report: &ValuesReport, o: &PdfOptions) -> Vec<u8> {
    let n = Num(o.precision);
    build(
        "Values",
        &report.analysis,
        tables::values(report, n, o.max_values, "custom range"),
        element_charts(&report.analysis, report.calibration.into()),
        o,
    )
}

/// A chart: its title and a function drawing it (returning its caption).
type Chart<'a> =
    (&'static str, Box<dyn FnOnce(&quantscope_charts::Area<PdfBackend<'_>>) -> Result<String, DrawingAreaErrorKind<Infallible>> + 'a>);

/// Size of a chart in its own units (the pixels it would have on the page).
const CHART_SIZE: (u32, u32) = (760, 380);

/// The per-element charts of the whole tensor: reconstruction, error, histogram (with every
/// calibration method's range beside the one chosen).
fn element_charts(a: &Analysis, range_choice: RangeChoice) -> Vec<Chart<'_>> {
    vec![
        (
            "Reconstruction",
            Box::new(move |area| quantscope_charts::reconstruction::draw(area, &Subject::tensor(a), &Theme::light()).map(|d| d.caption)),
        ),
        ("Error", Box::new(move |area| quantscope_charts::error_plot::draw(area, &Subject::tensor(a), &Theme::light()).map(|d| d.caption))),
        (
            "Histogram",
            Box::new(move |area| {
                quantscope_charts::histogram::draw(area, &Subject::tensor(a).with_range_choice(range_choice), &Theme::light())
                    .map(|d| d.caption)
            }),
        ),
    ]
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// The serde name of a unit enum value (`torch-f32`, `scale-one`, ...).
fn serde_name(v: impl Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

fn kv(items: &[(&str, String)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// Every resolved choice of the spec (`convention`: its label), with the granularity when there
/// is one (the model-wide report has both).
pub(crate) fn spec_items(convention: &str, s: &QuantSpec, granularity: Option<Granularity>) -> Vec<(String, String)> {
    let overridden = if s.overridden.is_empty() { "none (the convention's defaults)".to_string() } else { s.overridden.join(", ") };
    let mut items = kv(&[
        ("convention", format!("{convention} ({})", s.convention.title())),
        ("integer type", s.dtype.to_string()),
        ("scheme", s.scheme.name().into()),
    ]);
    if let Some(g) = granularity {
        items.push(("granularity".into(), g.name().into()));
    }
    items.extend(kv(&[
        ("integer range", format!("[qmin, qmax] = {}", s.range)),
        ("values clamped to", s.saturation.to_string()),
        ("reduce range", yes_no(s.reduce_range)),
        ("narrow range", yes_no(s.narrow_range)),
        ("custom quant_min / quant_max", yes_no(s.custom_range)),
        ("rounding", s.rounding.name().into()),
        ("stochastic seed", s.seed.to_string()),
        ("symmetric divisor", format!("{} = {}", s.symmetric_divisor.name(), s.divisor_value())),
        ("include zero", yes_no(s.include_zero)),
        ("clamp zero point", yes_no(s.clamp_zero_point)),
        ("arithmetic", serde_name(s.arithmetic)),
        ("empty range", serde_name(s.zero_range)),
        ("overridden", overridden),
    ]));
    items
}

/// Every resolved choice of the spec, and the tool options that shape the parameters.
fn option_items(tool: &str, a: &Analysis, options: Option<&ToolOptions>) -> Vec<(String, String)> {
    let mut items = spec_items(&a.convention, &a.spec, Some(a.granularity));
    if let Some(o) = options {
        let range = if o.range.trim().is_empty() { "from the data".to_string() } else { o.range.trim().to_string() };
        match tool {
            "Channels" => {
                let lines = match o.param_mode {
                    LineMode::MinMax => "channel, min, max, samples (a calibration range per line)",
                    LineMode::Manual => "channel, scale, zero point, samples (parameters given by hand)",
                };
                items.push(("input lines".into(), lines.into()));
            }
            "Tensor" => {
                items.push(("calibration range".into(), range));
                items.push(("channel axis".into(), o.axis.to_string()));
            }
            _ => items.push(("calibration range".into(), range)),
        }
    }
    items
}

fn summary_items(a: &Analysis, n: Num) -> Vec<(String, String)> {
    let s = &a.summary;
    let m = &s.metrics;
    let mut items = kv(&[
        ("values", format!("{} ({} measured, {} non-finite left out)", s.elements, m.count, m.nonfinite)),
        ("data min / max", format!("{} / {}", n.opt(s.min), n.opt(s.max))),
        ("MSE", n.opt(m.mse)),
        ("RMSE", n.opt(m.rmse)),
        ("MAE", n.opt(m.mae)),
        ("max error", n.opt(m.max_error)),
        ("mean % error", format!("{} ({} zero value(s) left out)", n.opt(m.mean_pct_error), m.pct_error_zeros)),
        ("SQNR", n.db(m.sqnr_db)),
        ("clipped", format!("{} of {} ({})", m.clip_count, m.count, n.pct(m.clip_rate))),
    ]);
    if a.channels.len() == 1 || a.granularity == quantscope_core::Granularity::PerTensor {
        if let Some(c) = a.channels.first() {
            items.insert(2, ("scale / zero point".into(), format!("{} / {}", n.f(c.scale), c.zero_point)));
        }
    }
    items.push(("warnings".into(), if s.warnings.is_empty() { "none".into() } else { tables::warnings_text(&s.warnings) }));
    items
}

/// The "Convention and options" section (`items`, then what the convention is) and the spec's
/// formulas, as every report prints them.
pub(crate) fn options_and_formulas(doc: &mut Document, items: &[(String, String)], spec: &QuantSpec) {
    doc.heading("Convention and options");
    doc.key_values(items);
    doc.space(3.0);
    doc.note(spec.convention.summary());

    doc.heading("Formulas");
    let formulas: Vec<(String, String)> = spec.formulas().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    doc.key_values(&formulas);
}

/// A table laid out on paper, its cells shown with `n`: number columns right-aligned, text left.
pub(crate) fn pdf_table(data: &crate::table::Table, n: Num) -> Table {
    Table {
        columns: data
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.label.clone(), if data.is_numeric_column(i) { Align::Right } else { Align::Left }))
            .collect(),
        rows: data.shown(n),
    }
}

fn build(tool: &str, a: &Analysis, blocks: Vec<Block>, charts: Vec<Chart<'_>>, o: &PdfOptions) -> Vec<u8> {
    let n = Num(o.precision);
    let title = format!("quantscope report: {} ({})", a.tensor, a.convention);
    let mut doc = Document::new(o.paper, &format!("quantscope · {tool} · {} · {}", a.tensor, a.convention), "quantscope");
    doc.title("quantscope report");
    doc.line(&format!("{tool} tool · tensor {} · {}", a.tensor, a.convention), Font::Regular, 11.0, 0.0);
    doc.space(4.0);
    let mut overview = kv(&[
        ("date", o.date.clone()),
        ("tensor", a.tensor.clone()),
        ("shape", format!("{:?}", a.shape)),
        ("channel axis", a.axis.to_string()),
        ("channels", a.channels.len().to_string()),
    ]);
    if o.date.is_empty() {
        overview.remove(0);
    }
    doc.key_values(&overview);

    options_and_formulas(&mut doc, &option_items(tool, a, o.options.as_ref()), &a.spec);

    doc.heading("Summary");
    doc.key_values(&summary_items(a, n));

    for block in blocks {
        match block {
            Block::Intro(_) => {}
            Block::Section { context, table, after } => {
                // The heading stays with its table (a short one whole, a long one's first rows).
                doc.ensure(70.0 + 14.0 * table.rows.len().min(12) as f32);
                doc.heading(&table.caption);
                doc.note(&context);
                doc.space(3.0);
                doc.table(&pdf_table(&table, n));
                for line in after {
                    doc.paragraph(&line, BODY);
                }
            }
            Block::Line(line) => doc.paragraph(&line, BODY),
        }
    }
    if !charts.is_empty() {
        // The heading stays with the first chart.
        doc.ensure(doc.chart_height(CHART_SIZE) + 100.0);
        doc.heading("Charts");
        for (title, draw) in charts {
            let height = doc.chart_height(CHART_SIZE);
            doc.ensure(height + 40.0);
            doc.line(title, Font::Bold, 10.0, 0.0);
            let caption = doc.chart(CHART_SIZE, |area| draw(&area));
            // A chart that cannot be drawn leaves its room blank and says so.
            doc.note(&caption.unwrap_or_else(|e| format!("{title}: not drawn ({e})")));
            doc.space(6.0);
        }
    }

    doc.finish(&title, &o.date)
}
