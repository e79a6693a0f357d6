//! The PDF report of a format comparison and its plan (the page's *Compare formats* view): the
//! model's files and formats, each format's totals, the heatmap of SQNR per tensor and format and
//! the Pareto chart (bits per weight vs SQNR) drawn as vectors (`crates/charts` through
//! [`crate::pdf_backend`]), the plan's totals, method and assignment, and the tensors kept or refused.

use crate::font::Font;
use crate::number::Num;
use crate::pdf::{Align, Document, Table, BODY};
use crate::PdfOptions;
use quantscope_charts::heatmap::{self, Heatmap};
use quantscope_charts::pareto::{self, ParetoData};
use quantscope_charts::Theme;
use quantscope_core::compare::plan::{Method, Plan};
use quantscope_core::compare::{CompareReport, Outcome};

/// What the report is of.
#[derive(Clone, Copy, Debug)]
pub struct ComparePdf<'a> {
    /// The model as named on the page (`model-00001-of-00002.safetensors + 1 file`).
    pub model: &'a str,
    /// The comparison.
    pub report: &'a CompareReport,
    /// The plan made from it, with its budget as asked (`4.5 bits per weight`, `0.25 GB`).
    pub plan: Option<(&'a Plan, &'a str)>,
}

/// Heatmap rows per chart: each chart keeps its numbers readable on the page.
const HEATMAP_ROWS: usize = 28;
/// Chart width in its own units.
const CHART_WIDTH: u32 = 760;

fn method_text(p: &Plan, n: Num) -> String {
    match p.method {
        Method::Exact => "exact (dynamic programming over the budget): optimal".into(),
        Method::Lagrangian => format!(
            "Lagrangian (LP lower bound {}): within {} of optimal{}",
            n.f(p.lower_bound),
            n.f(p.gap_bound),
            if p.optimal { ", proven optimal" } else { "" }
        ),
    }
}

/// The report; `o.date`, `o.paper` and `o.precision` are used.
pub fn pdf(c: &ComparePdf, o: &PdfOptions) -> Vec<u8> {
    let n = Num(o.precision);
    let r = c.report;
    let mut doc = Document::new(o.paper, &format!("quantscope · Compare formats · {}", c.model), "quantscope");
    doc.title("quantscope format comparison");
    doc.line(&format!("Compare formats · {}", c.model), Font::Regular, 11.0, 0.0);
    doc.space(4.0);
    let measured = r.tensors.iter().filter(|t| t.kept.is_none()).count();
    let mut overview = vec![
        ("date".to_string(), o.date.clone()),
        ("files".to_string(), r.files.join(", ")),
        ("formats".to_string(), r.formats.join(", ")),
        ("tensors".to_string(), format!("{} listed, {measured} measured", r.tensors.len())),
    ];
    if o.date.is_empty() {
        overview.remove(0);
    }
    doc.key_values(&overview);
    doc.note(
        "Every tensor is read once and quantized in every format (blocks and groups along the last axis); \
         SQNR = 10·log10(Σx² / Σ(x̂ − x)²), MSE = Σ(x̂ − x)²/n, bits per weight include the stored scales \
         (docs/formats.md). Numbers equal `quantscope compare --format json`.",
    );

    doc.heading("Totals per format");
    let mut totals = Table::new(&[
        ("format", Align::Left),
        ("bits/weight", Align::Right),
        ("bytes", Align::Right),
        ("MSE", Align::Right),
        ("SQNR dB", Align::Right),
        ("max |error|", Align::Right),
        ("tensors", Align::Right),
        ("refused", Align::Right),
    ]);
    for t in &r.totals {
        totals.row(vec![
            t.format.clone(),
            n.f(t.bits_per_weight),
            t.bytes.to_string(),
            n.f(t.mse),
            n.db(t.sqnr_db),
            n.f(t.max_abs_error),
            t.tensors.to_string(),
            t.refused.to_string(),
        ]);
    }
    doc.table(&totals);

    if let Some((p, budget)) = c.plan {
        doc.heading("Plan");
        doc.key_values(&[
            ("budget".into(), budget.to_string()),
            ("bits per weight".into(), n.f(p.bits_per_weight)),
            ("bytes".into(), p.bytes.to_string()),
            ("total squared error".into(), n.f(p.total_squared_error)),
            ("method".into(), method_text(p, n)),
        ]);
        doc.space(3.0);
        let mut table = Table::new(&[
            ("tensor", Align::Left),
            ("format", Align::Left),
            ("why", Align::Left),
            ("bits/weight", Align::Right),
            ("MSE", Align::Right),
        ]);
        for a in &p.assignment {
            table.row(vec![a.name.clone(), a.format.clone(), super::choice_name(a.choice).to_string(), n.f(a.bits_per_weight), n.f(a.mse)]);
        }
        doc.table(&table);
    }

    doc.heading("Charts");
    let theme = Theme::light();
    let map = Heatmap::from_compare(c.model, r);
    let chunks: Vec<&[heatmap::Row]> = if map.rows.is_empty() { vec![&[]] } else { map.rows.chunks(HEATMAP_ROWS).collect() };
    let parts = chunks.len();
    for (i, rows) in chunks.into_iter().enumerate() {
        let part = Heatmap { model: map.model.clone(), formats: map.formats.clone(), rows: rows.to_vec() };
        let size = (CHART_WIDTH, 150 + 20 * rows.len().max(3) as u32);
        doc.ensure(doc.chart_height(size) + 40.0);
        let title =
            if parts > 1 { format!("SQNR per tensor and format ({} of {parts})", i + 1) } else { "SQNR per tensor and format".into() };
        doc.line(&title, Font::Bold, 10.0, 0.0);
        let caption = doc.chart(size, |area| heatmap::draw(&area, &part, 0, &theme).map(|d| d.caption));
        doc.note(&caption.unwrap_or_else(|e| format!("heatmap: not drawn ({e})")));
        doc.space(6.0);
    }
    let data = ParetoData::from_compare(c.model, r, c.plan.map(|(p, _)| p));
    let size = (CHART_WIDTH, 420);
    doc.ensure(doc.chart_height(size) + 40.0);
    doc.line("Bits per weight vs SQNR", Font::Bold, 10.0, 0.0);
    let caption = doc.chart(size, |area| pareto::draw(&area, &data, &theme).map(|d| d.caption));
    doc.note(&caption.unwrap_or_else(|e| format!("Pareto chart: not drawn ({e})")));

    let lines: Vec<String> = r
        .tensors
        .iter()
        .flat_map(|t| {
            let kept = t.kept.as_ref().map(|k| format!("{}: {k}", t.name));
            let refused = t.results.iter().filter_map(move |res| match (&t.kept, &res.outcome) {
                (None, Outcome::Refused { reason }) => Some(format!("{} in {}: {reason}", t.name, res.format)),
                _ => None,
            });
            kept.into_iter().chain(refused)
        })
        .collect();
    if !lines.is_empty() {
        doc.heading("Kept or refused");
        for line in lines {
            doc.paragraph(&line, BODY);
        }
    }
    doc.finish(&format!("quantscope format comparison: {}", c.model), &o.date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_core::compare::plan::{self, Budget, PlanOptions, EXACT_LIMIT};
    use quantscope_core::compare::{self as core_compare};

    #[test]
    fn a_report_with_its_plan_and_charts() {
        let formats = core_compare::parse_formats("q8_0,q4_0,nf4").unwrap();
        let tensors = (0..40)
            .map(|t| {
                let values: Vec<f32> = (0..256).map(|i| (((i * 31 + t * 7) % 97) as f32 - 48.0) / (10.0 + t as f32)).collect();
                core_compare::measure(&format!("blk.{t}.w"), &[4, 64], "f32", 256 * 32, &values, &formats)
            })
            .collect();
        let r = CompareReport::new(vec!["a.safetensors".into()], formats.iter().map(|f| f.to_string()).collect(), tensors);
        let p =
            plan::plan(&r, &PlanOptions { formats: vec![], budget: Budget::BitsPerWeight(6.0), pins: vec![], exact_limit: EXACT_LIMIT })
                .unwrap();
        let bytes = pdf(&ComparePdf { model: "a.safetensors", report: &r, plan: Some((&p, "6 bits per weight")) }, &PdfOptions::default());
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.len() > 4000, "{} bytes", bytes.len());
    }
}
