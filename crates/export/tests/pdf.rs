//! PDF reports and the plotters backend, checked with poppler (`pdfinfo`, `pdftotext`) when it is
//! installed (`make setup-browser` installs poppler-utils); previews are rendered with `pdftoppm`
//! into `target/pdf-previews/` to be looked at.

use plotters::prelude::*;
use quantscope_core::tools::{self, ToolOptions};
use quantscope_export::pdf::{Align, Document, Paper, Table};
use quantscope_export::{channels_pdf, tensor_pdf, values_pdf, PdfOptions};

mod poppler;

/// The per-channel calculator's example (the README's reference calculators; its file was numbered 000).
const SEED000: &str = "filter_0,-1.2,1,0.73\nfilter_1,-0.8,0.9,-0.21\nfilter_2,-1.5,1.7,1.11\nfilter_3,-0.45,0.6,0.18";
/// The per-channel vs per-tensor calculator's example (numbered 001).
const SEED001: &str =
    "0.12, -0.33, 0.48, -0.05, 0.91\n1.20, 0.95, 1.44, 1.10, 0.88\n-1.70, -1.22, -0.94, -1.43, -1.11\n0.03, 0.08, -0.02, 0.11, -0.06";

/// Writes the PDF, checks it opens (pdfinfo), returns (pdfinfo output, extracted text); renders
/// the `preview` pages to PNG.
fn check(name: &str, bytes: &[u8], preview: &[u32]) -> Option<(String, String)> {
    poppler::check(name, bytes, preview, 60)
}

fn pages(info: &str) -> usize {
    info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap()
}

fn options(paper: Paper, tool_options: &ToolOptions) -> PdfOptions {
    PdfOptions { paper, date: "2026-11-23".into(), options: Some(tool_options.clone()), ..PdfOptions::default() }
}

#[test]
fn seed000_report_has_the_golden_numbers() {
    let o = ToolOptions { tensor_name: "conv1.weight".into(), ..ToolOptions::default() };
    let report = tools::channels(SEED000, &o).unwrap();
    let bytes = channels_pdf(&report, &options(Paper::A4, &o));
    let Some((info, text)) = check("seed000-a4", &bytes, &[1, 2]) else { return };
    assert!(info.contains("A4"), "{info}");
    assert!(info.lines().any(|l| l.starts_with("Title:") && l.ends_with("quantscope report: conv1.weight (textbook)")), "{info}");
    for golden in ["0.00862745", "11", "96", "0.73333333", "-0.21333333", "-40", "textbook", "2026-11-23", "conv1.weight"] {
        assert!(text.contains(golden), "`{golden}` is not in the text:\n{text}");
    }
    // Formulas, maths characters included, come out as text.
    assert!(text.contains("q = clamp(half-even(x / s) + z, -128, 127)"), "{text}");
    assert!(text.contains("SQNR = 10·log10(Σx² / Σe²) dB"), "{text}");
}

#[test]
fn letter_paper() {
    let o = ToolOptions { keep_values: true, ..ToolOptions::default() };
    let report = tools::tensor(SEED001, &o).unwrap();
    let sweep = quantscope_core::sweep::tensor_tool(SEED001, &o).unwrap();
    let bytes = tensor_pdf(&report, &PdfOptions { sweep: Some(sweep), ..options(Paper::Letter, &o) });
    let Some((info, text)) = check("seed001-letter", &bytes, &[1, 2, 3, 4]) else { return };
    assert!(info.contains("612 x 792 pts (letter)"), "{info}");
    assert!(text.contains("Per-tensor vs per-channel"), "{text}");
    assert!(text.contains("11.44534608 dB"), "{text}");
}

#[test]
fn long_value_lists_paginate_with_the_header_repeated() {
    let values: Vec<String> = (0..300).map(|i| format!("{}", (i as f64 * 0.37).sin())).collect();
    let mut o = ToolOptions { range: "-1.5:1.5".into(), ..ToolOptions::default() };
    o.spec.scheme = quantscope_core::Scheme::Symmetric;
    let report = tools::values(&values.join(", "), &o).unwrap();
    let bytes = values_pdf(&report, &PdfOptions { max_values: 250, ..options(Paper::A4, &o) });
    let Some((info, text)) = check("values-long", &bytes, &[3]) else { return };
    let n = pages(&info);
    assert!(n >= 4, "{n} pages");
    // The header row is repeated on every page the table spans.
    let headers = text.matches("dequantized").count();
    assert!(headers >= 4, "{headers} header rows");
    assert!(text.contains("first 250 of 300 values shown"), "{text}");
    for p in 1..=n {
        assert!(text.contains(&format!("page {p} of {n}")));
    }
}

#[test]
fn backend_draws_plotters_charts_as_vectors_and_text() {
    let mut doc = Document::new(Paper::A4, "", "backend test");
    doc.title("plotters through the PDF backend");
    doc.chart((800, 450), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("sin(x) and its quantization x̂ (≤ 1)", ("sans-serif", 26))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(-3.2f64..3.2, -1.2f64..1.2)?;
        chart.configure_mesh().x_desc("x").y_desc("value").label_style(("sans-serif", 16)).draw()?;
        let xs: Vec<f64> = (0..=200).map(|i| -3.2 + i as f64 * 0.032).collect();
        chart
            .draw_series(LineSeries::new(xs.iter().map(|&x| (x, x.sin())), BLUE.stroke_width(2)))?
            .label("sin(x)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
        chart.draw_series(xs.iter().step_by(8).map(|&x| {
            let q = (x.sin() * 4.0).round() / 4.0;
            Rectangle::new([(x - 0.1, 0.0), (x + 0.1, q)], RED.mix(0.4).filled())
        }))?;
        chart.draw_series(xs.iter().step_by(20).map(|&x| Circle::new((x, x.sin()), 4, GREEN.filled())))?;
        chart.configure_series_labels().border_style(BLACK).background_style(WHITE.mix(0.8)).draw()?;
        Ok::<_, Box<dyn std::error::Error>>(())
    })
    .unwrap();
    let mut t = Table::new(&[("after the chart", Align::Left), ("n", Align::Right)]);
    t.row(vec!["the cursor moved below the chart".into(), "1".into()]);
    doc.table(&t);
    let bytes = doc.finish("backend", "2026-11-23");
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/ExtGState"), "the 40% bars need a transparency state");
    let Some((_, text)) = check("backend-chart", &bytes, &[1]) else { return };
    for label in ["sin(x) and its quantization", "value", "sin(x)", "-3", "1.0", "after the chart"] {
        assert!(text.contains(label), "`{label}` is not in the text:\n{text}");
    }
}

#[test]
fn values_near_the_largest_float_draw_their_charts() {
    // Every calibration method's float32 range of ±1e300 is infinite: its row is left off the
    // histogram instead of stretching the axis to infinity (which overflowed plotters' mapping).
    let o = ToolOptions { keep_values: true, ..ToolOptions::default() };
    let report = tools::tensor("a: 1e300, -2.5e-300, 7\nb: -1e300, 0.5, 3", &o).unwrap();
    let o = PdfOptions { date: "2026-11-23".into(), ..PdfOptions::default() };
    assert!(tensor_pdf(&report, &o).starts_with(b"%PDF"));
    // A value beyond what an axis holds (up to f64::MAX) is left off the charts: its axis spanned
    // almost f64::MAX and plotters looped for ever looking for ticks.
    let report = tools::values("1.7e308, 1, -2", &ToolOptions::default()).unwrap();
    assert!(values_pdf(&report, &o).starts_with(b"%PDF"));
    let report = tools::channels("d,1,1.7e308,5\ne,-1,1,0", &ToolOptions::default()).unwrap();
    assert!(channels_pdf(&report, &o).starts_with(b"%PDF"));
}
