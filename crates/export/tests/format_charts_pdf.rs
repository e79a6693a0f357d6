//! The format and compare charts (crates/charts: grid histogram, block scales, bits per weight vs SQNR,
//! heatmap, Pareto) drawn through the PDF backend: as vectors (rectangles and paths in the content stream)
//! with their numbers as real text, checked with poppler when it is installed; the page previews go to
//! `target/pdf-previews/`.

use quantscope_charts::grid_histogram::{self, GridValues, Units};
use quantscope_charts::heatmap::{self, Cell, Heatmap, Row};
use quantscope_charts::pareto::{self, ParetoData, PlanPoint, TensorPoint};
use quantscope_charts::scale_histogram::{self, Scales, Storage};
use quantscope_charts::tradeoff::FormatResult;
use quantscope_charts::{format_sweep, Theme};
use quantscope_export::pdf::{Document, Paper};

mod poppler;

/// The decompressed content streams of a PDF written by [`Document::finish`] (FlateDecode streams).
fn content_streams(pdf: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = pdf;
    while let Some(at) = find(rest, b"stream\n") {
        let body = &rest[at + 7..];
        let Some(end) = find(body, b"endstream") else { break };
        if let Ok(raw) = miniz_oxide::inflate::decompress_to_vec_zlib(&body[..end]) {
            out += &String::from_utf8_lossy(&raw);
        }
        rest = &body[end + b"endstream".len()..];
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn the_format_and_compare_charts_draw_into_the_pdf_as_vectors() {
    let e2m1 = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0];
    let values: Vec<f64> = (0..32).map(|i| ((i as f64) * 0.77).sin() * 3.3).collect();
    let scales: Vec<f64> = (0..40).map(|i| 2f64.powi(-(i % 5) - 2)).collect();
    let heat = Heatmap {
        model: "tiny".into(),
        formats: vec!["q8_0".into(), "q4_0".into(), "nf4".into()],
        rows: vec![
            Row {
                tensor: "blk.0.attn_q.weight".into(),
                cells: vec![Cell::Sqnr(Some(40.25)), Cell::Sqnr(Some(17.5)), Cell::Sqnr(Some(18.75))],
            },
            Row {
                tensor: "blk.0.attn_k.weight".into(),
                cells: vec![Cell::Sqnr(Some(39.5)), Cell::NotApplicable("row length 100".into()), Cell::Sqnr(Some(18.0))],
            },
        ],
    };
    let totals = vec![FormatResult::new("q8_0", 8.5, 40.0), FormatResult::new("q4_0", 4.5, 17.5), FormatResult::new("nf4", 4.5, 18.4)];
    let points = heat
        .rows
        .iter()
        .flat_map(|r| {
            r.cells.iter().zip(&totals).filter_map(|(c, t)| match c {
                Cell::Sqnr(s) => Some(TensorPoint {
                    tensor: r.tensor.clone(),
                    format: t.format.clone(),
                    bits_per_weight: t.bits_per_weight,
                    sqnr_db: *s,
                }),
                Cell::NotApplicable(_) => None,
            })
        })
        .collect();
    let pareto_data = ParetoData {
        model: "tiny".into(),
        points,
        totals: totals.clone(),
        plan: Some(PlanPoint { label: "plan".into(), bits_per_weight: 6.0, sqnr_db: Some(29.0) }),
    };
    let sweep = format_sweep::FormatSweep { label: "blk.0.attn_q.weight".into(), results: totals, chosen: Some("nf4".into()) };

    let theme = Theme::light();
    let mut doc = Document::new(Paper::A4, "", "format charts");
    doc.title("Format and compare charts");
    let mut captions = Vec::new();
    let size = (760, 380);
    let grid = GridValues { label: "block 0", format: "MXFP4", values: &values, grid: &e2m1, scale: 0.5, units: Units::Original };
    captions.push(doc.chart(size, |a| grid_histogram::draw(&a, &grid, &theme)).unwrap().caption);
    let s = Scales { label: "w", format: "MXFP4", scales: &scales, storage: Storage::PowerOfTwo };
    captions.push(doc.chart(size, |a| scale_histogram::draw(&a, &s, &theme)).unwrap().caption);
    captions.push(doc.chart(size, |a| format_sweep::draw(&a, &sweep, &theme)).unwrap().caption);
    captions.push(doc.chart(size, |a| heatmap::draw(&a, &heat, 0, &theme)).unwrap().caption);
    captions.push(doc.chart(size, |a| pareto::draw(&a, &pareto_data, &theme)).unwrap().caption);
    assert!(captions.iter().all(|c| !c.is_empty()));
    let bytes = doc.finish("format charts", "2026-12-02");

    // Vectors: the heatmap's six cells, the bars and the legend boxes are rectangles; lines and markers are paths.
    let ops = content_streams(&bytes);
    let rects = ops.lines().filter(|l| l.ends_with(" re")).count();
    assert!(rects > 6 + 20, "{rects} rectangles");
    assert!(ops.lines().filter(|l| l.ends_with(" l")).count() > 50);

    let Some((_, text)) = poppler::check("format-charts", &bytes, &[1, 2], 70) else { return };
    for t in ["40.2", "17.5", "n/a", "attn_k", "blk.0.….weight", "q8_0", "nf4 · 4.5 bpw · 18.40 dB · chosen", "2^-4", "plan: 6 bpw"] {
        assert!(text.contains(t), "`{t}` is not in the text:\n{text}");
    }
}
