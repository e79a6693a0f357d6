//! The model-wide table of a weight file (`quantscope file` and the app's Files tool): one row per
//! tensor of `quantscope_weights::model_table::table`, in its order, as CSV ([`csv()`]), as the human table the CLI
//! prints ([`table`]) and as a PDF report ([`pdf`]).

use quantscope_core::calibrate::{Calibration, Method};
use quantscope_core::QuantSpec;
use quantscope_weights::model_table::{Outcome, Row, TensorResult};
use quantscope_weights::Element;

use crate::font::Font;
use crate::format_f64;
use crate::number::Num;
use crate::pdf::{Document, BODY};
use crate::table::{Cell, Column, Row as TableRow, Table};
use crate::tool_pdf::{self as pdf_report, PdfOptions};

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 15] = [
    "tensor",
    "dtype",
    "shape",
    "elements",
    "analysed",
    "per_channel_sqnr_db",
    "per_tensor_sqnr_db",
    "sqnr_gain_db",
    "per_channel_mse",
    "per_tensor_mse",
    "per_channel_clip_rate",
    "per_tensor_clip_rate",
    "worst_channels",
    "note",
    "reason",
];

/// `[64, 3, 3, 3]`.
pub fn shape(s: &[u64]) -> String {
    format!("[{}]", s.iter().map(u64::to_string).collect::<Vec<_>>().join(", "))
}

/// The rows as CSV ([`csv_table`]: text cells made safe for spreadsheets, numbers at full precision).
pub fn csv(rows: &[Row]) -> Result<String, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    csv_table(rows).write_csv(&mut out)?;
    Ok(String::from_utf8(out)?)
}

/// Every listed tensor, analysed or not, under [`CSV_HEADER`]; the worst channels as
/// `index:sqnr_db` separated by spaces.
pub fn csv_table(rows: &[Row]) -> Table {
    let mut table = Table::new("file", "Model-wide table", CSV_HEADER.iter().map(|h| Column::new(h, h)).collect());
    for row in rows {
        let i = &row.info;
        let mut cells = vec![Cell::Text(i.name.clone()), Cell::Text(i.dtype.clone()), Cell::Text(shape(&i.shape)), Cell::count(i.elements)];
        match &row.outcome {
            Outcome::Result(t) => {
                let worst = t.worst_channels.iter().map(|w| format!("{}:{}", w.index, w.sqnr_db.map(format_f64).unwrap_or_default()));
                cells.push(Cell::Flag(true));
                cells.extend(figure_cells(t));
                cells.extend([Cell::Text(worst.collect::<Vec<_>>().join(" ")), Cell::Text(i.note.unwrap_or("").into()), Cell::Empty]);
            }
            Outcome::Skipped(reason) => {
                cells.push(Cell::Flag(false));
                cells.extend(std::iter::repeat_n(Cell::Empty, 9));
                cells.push(Cell::Text(reason.to_string()));
            }
        }
        table.rows.push(TableRow::of(cells));
    }
    table
}

/// An analysed tensor's figures, in both tables: SQNR per channel and per tensor and the gain, MSE
/// and clip rate per channel and per tensor (`per_channel_sqnr_db` to `per_tensor_clip_rate`).
fn figure_cells(t: &TensorResult) -> [Cell; 7] {
    [
        Cell::decibels(t.per_channel_sqnr_db),
        Cell::decibels(t.per_tensor_sqnr_db),
        Cell::decibels(t.sqnr_gain_db),
        t.per_channel_mse.into(),
        t.per_tensor_mse.into(),
        Cell::fraction(t.per_channel_clip_rate),
        Cell::fraction(t.per_tensor_clip_rate),
    ]
}

/// The columns of the human (and PDF) table, in order.
pub const TABLE_HEADER: [&str; 12] = [
    "tensor",
    "dtype",
    "shape",
    "elements",
    "SQNR per-channel",
    "SQNR per-tensor",
    "gain",
    "MSE per-channel",
    "MSE per-tensor",
    "clip per-channel",
    "clip per-tensor",
    "worst channels",
];

/// The analysed rows with their results, in the table's order.
fn analysed(rows: &[Row]) -> impl Iterator<Item = (&Row, &TensorResult)> {
    rows.iter().filter_map(|row| match &row.outcome {
        Outcome::Result(t) => Some((row, t)),
        Outcome::Skipped(_) => None,
    })
}

/// The analysed tensors as a table for people (the CLI prints it, the PDF lays it out): per-channel
/// and per-tensor SQNR, MSE and clip rate, the gain and the worst channels (named, with their SQNR
/// shown with `n`).
pub fn table(rows: &[Row], n: Num) -> Table {
    let keys = ["tensor", "dtype", "shape", "elements"].into_iter().chain(CSV_HEADER[5..13].iter().copied());
    let mut table = Table::new("file", "Model-wide table", keys.zip(TABLE_HEADER).map(|(key, label)| Column::new(key, label)).collect());
    table.rows = analysed(rows)
        .map(|(row, t)| {
            let worst = t.worst_channels.iter().map(|w| format!("{} {}", w.name, n.db(w.sqnr_db))).collect::<Vec<_>>().join(", ");
            let mut cells = vec![
                Cell::Text(row.info.name.clone()),
                Cell::Text(dtype(row)),
                Cell::Text(shape(&row.info.shape)),
                Cell::count(row.info.elements),
            ];
            cells.extend(figure_cells(t));
            cells.push(Cell::Text(worst));
            TableRow::of(cells)
        })
        .collect();
    table
}

/// The dtype as listed, `F64 → f32` for the float64 tensors the analysis rounds.
fn dtype(row: &Row) -> String {
    match row.info.note {
        Some(_) if row.info.element == Element::F64 => format!("{} → f32", row.info.dtype),
        _ => row.info.dtype.clone(),
    }
}

/// One line per tensor not analysed: `name (dtype [shape]): reason`.
pub fn skipped_lines(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .filter_map(|row| match &row.outcome {
            Outcome::Skipped(reason) => Some(format!("{} ({} {}): {reason}", row.info.name, row.info.dtype, shape(&row.info.shape))),
            Outcome::Result(_) => None,
        })
        .collect()
}

/// Said under the table when a float64 tensor was analysed.
pub const FLOAT64_NOTE: &str = "float64 tensors are rounded to float32 for the analysis.";

/// Whether any analysed tensor was float64 (rounded to float32: [`FLOAT64_NOTE`]).
pub fn has_float64(rows: &[Row]) -> bool {
    analysed(rows).any(|(row, _)| row.info.element == Element::F64)
}

/// `minmax`, `percentile 99.99`, ...
pub fn calibration_label(c: &Calibration) -> String {
    match c.method {
        Method::Percentile => format!("percentile {}", c.percentile),
        m => m.name().to_string(),
    }
}

/// What the model-wide PDF report is of: the file, the settings of the table and its rows.
#[derive(Clone, Copy, Debug)]
pub struct FileTable<'a> {
    /// The file's name as shown (the CLI and the app give its name without a directory).
    pub file: &'a str,
    /// `npy`, `npz` or `safetensors`.
    pub format: &'a str,
    /// The resolved spec every tensor was quantized with.
    pub spec: &'a QuantSpec,
    /// How the ranges were chosen.
    pub calibration: Calibration,
    /// The channel axis.
    pub axis: usize,
    /// How many worst channels each row names.
    pub worst: usize,
    /// The rows, most sensitive first (`quantscope_weights::model_table::table`).
    pub rows: &'a [Row],
}

/// The model-wide PDF report: the file, the date, the convention and every option, the table
/// (paginated with its header repeated) sorted most sensitive first, the tensors not analysed.
pub fn pdf(t: &FileTable, o: &PdfOptions) -> Vec<u8> {
    let n = Num(o.precision);
    let convention = t.spec.label();
    let analysed_count = analysed(t.rows).count();
    let mut doc = Document::new(o.paper, &format!("quantscope · Files · {} · {convention}", t.file), "quantscope");
    doc.title("quantscope model-wide report");
    doc.line(&format!("Files tool · {} · {convention}", t.file), Font::Regular, 11.0, 0.0);
    doc.space(4.0);
    let mut overview = vec![
        ("date".to_string(), o.date.clone()),
        ("file".to_string(), t.file.to_string()),
        ("format".to_string(), t.format.to_string()),
        ("tensors".to_string(), format!("{} listed, {analysed_count} analysed", t.rows.len())),
    ];
    if o.date.is_empty() {
        overview.remove(0);
    }
    doc.key_values(&overview);

    let mut items = pdf_report::spec_items(&convention, t.spec, None);
    items.push(("calibration".into(), calibration_label(&t.calibration)));
    items.push(("channel axis".into(), t.axis.to_string()));
    items.push(("worst channels listed".into(), t.worst.to_string()));
    pdf_report::options_and_formulas(&mut doc, &items, t.spec);

    doc.heading("Model-wide table");
    doc.note(
        "Sorted by per-channel SQNR, lowest (most sensitive to quantization) first. Every tensor is quantized \
         per channel (one scale and zero point per slice along the channel axis) and per tensor (one pair); \
         metrics are over all of its values.",
    );
    doc.space(3.0);
    let table = table(t.rows, n);
    if table.rows.is_empty() {
        doc.paragraph("No tensor was analysed.", BODY);
    } else {
        doc.table(&pdf_report::pdf_table(&table, n));
    }
    if has_float64(t.rows) {
        doc.paragraph(FLOAT64_NOTE, BODY);
    }
    let skipped = skipped_lines(t.rows);
    if !skipped.is_empty() {
        doc.heading("Not analysed");
        for line in skipped {
            doc.paragraph(&line, BODY);
        }
    }
    doc.finish(&format!("quantscope model-wide report: {} ({convention})", t.file), &o.date)
}
