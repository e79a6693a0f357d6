//! The PDF report of the Tensor or Values tool in a block, float-element or lookup-table format:
//! the format, its bits per weight and memory with the scales, the formulas (docs/formats.md's text,
//! given by the caller), the tables of [`crate::format_tables`] (summary, rows, blocks, values) and
//! the format charts (values on the grid, block scales, bits per weight against SQNR).

use crate::font::Font;
use crate::format_tables;
use crate::number::{Num, Precision};
use crate::pdf::{Document, Paper, BODY};
use crate::tool_pdf::pdf_table;
use quantscope_charts::format_sweep::FormatSweep;
use quantscope_charts::grid_histogram::GridValues;
use quantscope_charts::scale_histogram::Scales;
use quantscope_charts::Theme;
use quantscope_core::format::Quantized;

/// Size of a chart in its own units.
const CHART_SIZE: (u32, u32) = (760, 380);

/// What the format report holds besides the result.
#[derive(Clone, Debug)]
pub struct FormatPdf<'a> {
    /// `Tensor` or `Values`.
    pub tool: &'a str,
    /// The tensor's name.
    pub tensor: &'a str,
    /// The rows' names.
    pub names: &'a [String],
    /// The input rows as float32.
    pub input: &'a [Vec<f32>],
    /// The command computing the same numbers.
    pub command: &'a str,
    /// The format's arithmetic (name, text).
    pub formulas: &'a [(String, String)],
    /// Paper size.
    pub paper: Paper,
    /// The date printed.
    pub date: &'a str,
    /// Decimals of the tables.
    pub precision: Precision,
    /// At most this many blocks and values are printed (the CSV has them all).
    pub max_rows: usize,
}

/// The charts a report draws, filled by the caller from the same data as the page's.
pub struct FormatCharts<'a> {
    /// The values on the element type's grid.
    pub grid: Option<GridValues<'a>>,
    /// The block scales.
    pub scales: Option<Scales<'a>>,
    /// Bits per weight against SQNR.
    pub sweep: Option<&'a FormatSweep>,
}

fn first_rows(mut table: crate::table::Table, max: usize) -> (crate::table::Table, Option<String>) {
    let total = table.rows.len();
    if total <= max {
        return (table, None);
    }
    table.rows.truncate(max);
    (table, Some(format!("The first {max} of {total} rows are printed; the CSV downloads have them all.")))
}

/// A chart drawn on the document, returning its caption.
type DrawChart<'a> = Box<dyn FnOnce(&mut Document) -> String + 'a>;

/// The PDF report.
pub fn format_pdf(q: &Quantized, o: &FormatPdf<'_>, charts: FormatCharts<'_>) -> Vec<u8> {
    let n = Num(o.precision);
    let token = q.format.to_string();
    let title = format!("quantscope report: {} ({token})", o.tensor);
    let mut doc = Document::new(o.paper, &format!("quantscope · {} · {} · {token}", o.tool, o.tensor), "quantscope");
    doc.title("quantscope report");
    doc.line(&format!("{} tool · tensor {} · format {token}", o.tool, o.tensor), Font::Regular, 11.0, 0.0);
    doc.space(4.0);
    let mut overview = vec![
        ("date".to_string(), o.date.to_string()),
        ("tensor".to_string(), o.tensor.to_string()),
        ("format".to_string(), format_tables::describe(&q.format)),
        ("bits per weight".to_string(), format!("{} (scales included)", crate::format_f64(q.bits_per_weight))),
        ("bytes".to_string(), format!("{} with the scales ({} as float32)", q.bytes, q.stats.elements * 4)),
        ("rows".to_string(), q.channels.len().to_string()),
        ("command".to_string(), o.command.to_string()),
    ];
    if o.date.is_empty() {
        overview.remove(0);
    }
    doc.key_values(&overview);
    doc.heading("How the format is computed");
    doc.key_values(o.formulas);
    for w in &q.warnings {
        doc.note(&w.to_string());
    }
    let tables = [
        format_tables::summary(q, o.tensor),
        format_tables::rows(q, o.names),
        format_tables::blocks(q, o.names),
        format_tables::values(q, o.input, o.names),
    ];
    for table in tables {
        let (table, note) = first_rows(table, o.max_rows);
        doc.ensure(70.0 + 14.0 * table.rows.len().min(12) as f32);
        doc.heading(&table.caption);
        doc.space(3.0);
        doc.table(&pdf_table(&table, n));
        if let Some(note) = note {
            doc.paragraph(&note, BODY);
        }
    }
    let mut drawn: Vec<(&str, DrawChart<'_>)> = Vec::new();
    if let Some(grid) = charts.grid {
        drawn.push((
            "Values on the format's grid",
            Box::new(move |doc| {
                doc.chart(CHART_SIZE, |area| quantscope_charts::grid_histogram::draw(&area, &grid, &Theme::light()).map(|d| d.caption))
                    .unwrap_or_else(|e| format!("not drawn ({e})"))
            }),
        ));
    }
    if let Some(scales) = charts.scales {
        drawn.push((
            "Block scales",
            Box::new(move |doc| {
                doc.chart(CHART_SIZE, |area| quantscope_charts::scale_histogram::draw(&area, &scales, &Theme::light()).map(|d| d.caption))
                    .unwrap_or_else(|e| format!("not drawn ({e})"))
            }),
        ));
    }
    if let Some(sweep) = charts.sweep {
        drawn.push((
            "Bits per weight against SQNR",
            Box::new(move |doc| {
                doc.chart(CHART_SIZE, |area| quantscope_charts::format_sweep::draw(&area, sweep, &Theme::light()).map(|d| d.caption))
                    .unwrap_or_else(|e| format!("not drawn ({e})"))
            }),
        ));
    }
    if !drawn.is_empty() {
        doc.ensure(doc.chart_height(CHART_SIZE) + 100.0);
        doc.heading("Charts");
        for (title, draw) in drawn {
            let height = doc.chart_height(CHART_SIZE);
            doc.ensure(height + 40.0);
            doc.line(title, Font::Bold, 10.0, 0.0);
            let caption = draw(&mut doc);
            doc.note(&caption);
            doc.space(6.0);
        }
    }
    doc.finish(&title, o.date)
}

/// The Files tool's PDF with a format chosen (every tensor of a weight file in it, the table of
/// [`format_tables::file`]): the file, the date, the format with its bits per weight, the table
/// (paginated, its header repeated) without the format and reason columns, then the tensors the
/// format refused, each with its reason.
pub fn file_pdf(file: &str, format: &str, tensors: &[format_tables::FileTensor], o: &crate::PdfOptions) -> Vec<u8> {
    let n = Num(o.precision);
    let mut doc = Document::new(o.paper, &format!("quantscope · Files · {file} · {format}"), "quantscope");
    doc.title("quantscope model-wide report");
    doc.line(&format!("Files tool · {file} · format {format}"), Font::Regular, 11.0, 0.0);
    doc.space(4.0);
    let measured: Vec<&format_tables::FileStats> = tensors.iter().filter_map(|t| t.stats.as_ref()).collect();
    let (elements, bits): (u64, u64) = measured.iter().fold((0, 0), |(e, b), s| (e + s.elements, b + s.storage_bits));
    let mut overview = vec![
        ("date".to_string(), o.date.clone()),
        ("file".to_string(), file.to_string()),
        ("format".to_string(), format.to_string()),
        ("tensors".to_string(), format!("{} listed, {} in the format", tensors.len(), measured.len())),
    ];
    if elements > 0 {
        overview.push(("bits per weight (measured tensors)".to_string(), n.f(bits as f64 / elements as f64)));
    }
    if o.date.is_empty() {
        overview.remove(0);
    }
    doc.key_values(&overview);
    doc.heading("Every tensor in the format");
    doc.note(
        "Blocks run along each tensor's last axis from its first value; bits per weight and bytes count the stored \
         scales (docs/formats.md); the errors are over all of the tensor's values.",
    );
    doc.space(3.0);
    let mut table = format_tables::file(format, tensors);
    let keep: Vec<usize> = (0..table.columns.len()).filter(|&i| !matches!(table.columns[i].key.as_str(), "format" | "skipped")).collect();
    table.columns = keep.iter().map(|&i| table.columns[i].clone()).collect();
    table.rows = table
        .rows
        .into_iter()
        .zip(tensors)
        .filter(|(_, t)| t.stats.is_some())
        .map(|(mut row, _)| {
            row.cells = keep.iter().map(|&i| row.cells[i].clone()).collect();
            row
        })
        .collect();
    if table.rows.is_empty() {
        doc.paragraph("No tensor could be quantized in this format.", BODY);
    } else {
        doc.table(&pdf_table(&table, n));
    }
    let skipped: Vec<String> = tensors
        .iter()
        .filter_map(|t| t.skipped.as_ref().map(|why| format!("{} ({}): {why}", t.name, crate::file_table::shape(&t.shape))))
        .collect();
    if !skipped.is_empty() {
        doc.heading("Not in the format");
        for line in skipped {
            doc.paragraph(&line, BODY);
        }
    }
    doc.finish(&format!("quantscope model-wide report: {file} ({format})"), &o.date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_core::format::quantize_rows;

    #[test]
    fn the_report_names_the_format_and_its_bits_per_weight() {
        let row: Vec<f32> = (0..64).map(|i| (i as f32 - 31.5) / 10.0).collect();
        let q = quantize_rows(&"nf4".parse().unwrap(), &[&row]).unwrap();
        let o = FormatPdf {
            tool: "Tensor",
            tensor: "w",
            names: &[],
            input: std::slice::from_ref(&row),
            command: "quantscope tensor --preset=nf4",
            formulas: &[("computed as".into(), "x̂ = T[level]·absmax".into())],
            paper: Paper::A4,
            date: "2026-12-03",
            precision: Precision::Decimals(6),
            max_rows: 100,
        };
        let pdf = format_pdf(&q, &o, FormatCharts { grid: None, scales: None, sweep: None });
        assert!(pdf.starts_with(b"%PDF"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("nf4"), "the format is named");
    }
}
