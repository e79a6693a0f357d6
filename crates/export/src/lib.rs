//! # export: quantscope's reports as CSV, PDF, parameters and share links
//!
//! - CSV (this module): the results table and the per-element table;
//! - PDF ([`tool_pdf`], laid out by [`pdf`], charts through [`pdf_backend`]): the report of a tool;
//! - [`params`]: scales and zero points as JSON, a PyTorch snippet, an ONNX `QuantizeLinear` description;
//! - [`share`]: the form state as a compact URL fragment;
//! - [`table`] and [`number`]: the one table schema of results (typed cells) and the one number
//!   formatter: the web page, the CLI, the PDF and the CSV files all show [`table::Table`]s;
//! - [`tables`]: the tools' tables for people (the CLI prints them, the PDF lays them out).
//!
//! Two CSV tables, written from any of the core's reports (or a bare [`Analysis`]):
//!
//! - [`write_results`]: the results table ([`results_table`]), one row per channel and a final
//!   per-tensor summary row ([`RESULTS_HEADER`] lists the columns);
//! - [`write_elements`]: the long per-element table, one row per value
//!   (`channel, index, x, q_raw, q, x_hat, error, clipped`, the cells of [`element_cells`], which
//!   the CLI's and the PDF's per-value tables show too), available when the report kept its
//!   per-element results (always for the channels and values tools; the tensor tool with
//!   `keep_values`).
//!
//! Numbers are written at full precision: the shortest decimal that parses back to the same `f64`
//! bit for bit (as `serde_json` writes them; integral values without `.0`, e.g. `96`, `-0`).
//! Infinities are `inf` / `-inf`; an absent value (`None`, e.g. the percentage error at x = 0) is an
//! empty cell.
//!
//! Text cells are made safe for spreadsheets: a text cell starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return that is not a plain number gets a leading `'`, so a channel named `=cmd()` is
//! shown as text and never evaluated (see [`safe_text`]). Cells written from numbers are never
//! touched. Quoting follows RFC 4180 (the `csv` crate).
//!
//! No web, file-system or terminal dependency: the writers take any [`std::io::Write`], so the CLI
//! writes to standard output and the web app to a string.
#![deny(missing_docs)]

pub mod compare;
pub mod file_table;
pub mod font;
pub mod format_pdf;
pub mod format_tables;
pub mod number;
pub mod params;
pub mod pdf;
pub mod pdf_backend;
pub mod share;
pub mod table;
pub mod tables;
pub mod tool_pdf;

pub use pdf::Paper;
pub use tool_pdf::{channels_pdf, tensor_pdf, values_pdf, PdfOptions};

use quantscope_core::analysis::{ChannelElements, ChannelResult};
use quantscope_core::metrics::Metrics;
use quantscope_core::tools::{ChannelsReport, TensorReport, ValuesReport};
use quantscope_core::{Analysis, Granularity, Warning};
use std::borrow::Cow;
use std::io;
use table::{Cell, Column, Row, Table};

/// A failure to write CSV (an I/O error of the destination).
#[derive(Debug)]
pub struct ExportError(csv::Error);

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CSV export failed: {}", self.0)
    }
}

impl std::error::Error for ExportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        ExportError(e)
    }
}

impl From<io::Error> for ExportError {
    fn from(e: io::Error) -> Self {
        ExportError(csv::Error::from(e))
    }
}

impl ExportError {
    /// The underlying I/O error, if that is what it was (e.g. a closed pipe).
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self.0.kind() {
            csv::ErrorKind::Io(e) => Some(e.kind()),
            _ => None,
        }
    }
}

/// Anything that carries one [`Analysis`]: the channels, tensor and values tools' reports and the
/// analysis itself.
pub trait Report {
    /// The analysis the tables are written from.
    fn analysis(&self) -> &Analysis;
}

impl Report for Analysis {
    fn analysis(&self) -> &Analysis {
        self
    }
}

impl Report for ChannelsReport {
    fn analysis(&self) -> &Analysis {
        &self.analysis
    }
}

impl Report for TensorReport {
    fn analysis(&self) -> &Analysis {
        &self.analysis
    }
}

impl Report for ValuesReport {
    fn analysis(&self) -> &Analysis {
        &self.analysis
    }
}

/// The columns of the results table, in order.
///
/// `row` is `channel` for a channel and `tensor` for the summary row. `scale` and `zero_point` are
/// empty on the summary row of a per-channel analysis (there is no single pair). `min`/`max` are the
/// calibration range of the channel (the data's own for the summary row), `range = max - min`.
/// `warnings` holds the warning codes joined by `;` (e.g. `clipping;zero-point-out-of-range`).
pub const RESULTS_HEADER: [&str; 27] = [
    "tensor",
    "convention",
    "dtype",
    "scheme",
    "granularity",
    "qmin",
    "qmax",
    "row",
    "index",
    "channel",
    "min",
    "max",
    "range",
    "scale",
    "zero_point",
    "count",
    "nonfinite",
    "mse",
    "rmse",
    "mae",
    "max_error",
    "mean_pct_error",
    "sqnr_db",
    "clip_count",
    "clip_rate",
    "pct_error_zeros",
    "warnings",
];

/// The columns of the per-element table, in order: (CSV key, title in the human and PDF tables).
/// The CSV file, the CLI and the PDF write the cells of [`element_cells`] under them.
///
/// `q_raw`, `q`, `x_hat` and `error` are empty for a non-finite `x` (it is never quantized);
/// `error = x_hat - x`; `clipped` is `true` or `false` (`yes` / `no` for people).
pub const ELEMENT_COLUMNS: [(&str, &str); 8] = [
    ("channel", "channel"),
    ("index", "index"),
    ("x", "x"),
    ("q_raw", "q raw"),
    ("q", "q"),
    ("x_hat", "dequantized"),
    ("error", "error"),
    ("clipped", "clipped"),
];

/// The CSV header of the per-element table: the keys of [`ELEMENT_COLUMNS`].
pub const ELEMENTS_HEADER: [&str; 8] = keys(&ELEMENT_COLUMNS);

const fn keys<const N: usize>(columns: &[(&'static str, &'static str); N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = columns[i].0;
        i += 1;
    }
    out
}

/// Formats a float as the shortest decimal that parses back to the same bits.
///
/// Integral values have no `.0` (`96`, `-0`); large and tiny magnitudes use an exponent (`1e-7`);
/// infinities are `inf` and `-inf`; NaN is `NaN`.
pub fn format_f64(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(v);
    s.strip_suffix(".0").unwrap_or(s).to_string()
}

/// Whether `text` is a plain finite number (`-0.5`, `+2`, `1e-3`), by the core's own number syntax.
fn is_plain_number(text: &str) -> bool {
    quantscope_core::parse::parse_number(text).is_some_and(|n| n.value.is_finite())
}

/// Makes a text cell safe for spreadsheets (CSV/formula injection).
///
/// A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is evaluated as a formula by
/// common spreadsheet programs; unless it is a plain number (`-0.5`, `+2`, `1e-3`), it gets a
/// leading `'`, which spreadsheets read as "text" and do not display.
pub fn safe_text(text: &str) -> Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if !is_plain_number(text) => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

fn warning_codes(warnings: &[Warning]) -> Cell {
    Cell::Text(warnings.iter().map(Warning::code).collect::<Vec<_>>().join(";"))
}

/// `count` to `pct_error_zeros` of [`RESULTS_HEADER`].
fn metric_cells(m: &Metrics) -> [Cell; 11] {
    [
        Cell::count(m.count),
        Cell::count(m.nonfinite),
        m.mse.into(),
        m.rmse.into(),
        m.mae.into(),
        m.max_error.into(),
        m.mean_pct_error.into(),
        Cell::decibels(m.sqnr_db),
        Cell::count(m.clip_count),
        Cell::fraction(m.clip_rate),
        Cell::count(m.pct_error_zeros),
    ]
}

/// `tensor` to `qmax` of [`RESULTS_HEADER`].
fn context_cells(a: &Analysis) -> Vec<Cell> {
    vec![
        Cell::Text(a.tensor.clone()),
        Cell::Text(a.convention.clone()),
        Cell::Text(a.spec.dtype.to_string()),
        Cell::Text(a.spec.scheme.name().into()),
        Cell::Text(a.granularity.name().into()),
        Cell::Int(a.spec.range.qmin.into()),
        Cell::Int(a.spec.range.qmax.into()),
    ]
}

fn channel_row(a: &Analysis, ch: &ChannelResult) -> Row {
    let mut cells = context_cells(a);
    cells.extend([Cell::Text("channel".into()), Cell::count(ch.index), Cell::Text(ch.name.clone()), ch.min.into(), ch.max.into()]);
    cells.extend([ch.range.into(), Cell::Real(ch.scale), Cell::Int(ch.zero_point)]);
    cells.extend(metric_cells(&ch.metrics));
    cells.push(warning_codes(&ch.warnings));
    Row::of(cells)
}

fn summary_row(a: &Analysis) -> Row {
    let s = &a.summary;
    let mut cells = context_cells(a);
    cells.extend([Cell::Text("tensor".into()), Cell::Empty, Cell::Text(a.tensor.clone()), s.min.into(), s.max.into()]);
    cells.push(s.min.zip(s.max).map(|(lo, hi)| hi - lo).into());
    match (a.granularity, a.channels.first()) {
        (Granularity::PerTensor, Some(ch)) => cells.extend([Cell::Real(ch.scale), Cell::Int(ch.zero_point)]),
        _ => cells.extend([Cell::Empty, Cell::Empty]),
    };
    cells.extend(metric_cells(&s.metrics));
    cells.push(warning_codes(&s.warnings));
    Row { cells, summary: true, ..Row::default() }
}

/// The results table ([`RESULTS_HEADER`]): one row per channel in order, then the per-tensor
/// summary row.
pub fn results_table(report: &impl Report) -> Table {
    let a = report.analysis();
    let mut table = Table::new("results", format!("{}: results", a.tensor), RESULTS_HEADER.iter().map(|h| Column::new(h, h)).collect());
    table.rows = a.channels.iter().map(|ch| channel_row(a, ch)).collect();
    table.rows.push(summary_row(a));
    table
}

/// Writes the results table ([`results_table`]) as CSV.
pub fn write_results<W: io::Write>(report: &impl Report, out: W) -> Result<(), ExportError> {
    results_table(report).write_csv(out)
}

/// The cells of value `i` of a channel's kept per-element results, under [`ELEMENT_COLUMNS`].
pub fn element_cells(channel: &str, el: &ChannelElements, i: usize) -> [Cell; 8] {
    [
        Cell::Text(channel.into()),
        Cell::count(i),
        Cell::Plain(el.x[i]),
        el.q_raw[i].into(),
        Cell::int(el.q[i]),
        el.dequantized[i].into(),
        el.error[i].into(),
        Cell::Flag(el.clipped[i]),
    ]
}

/// Writes the per-element table: a header ([`ELEMENTS_HEADER`]) and one row per value, channel by
/// channel. Channels whose per-element results were not kept are skipped; returns how many value
/// rows were written.
pub fn write_elements<W: io::Write>(report: &impl Report, out: W) -> Result<usize, ExportError> {
    let mut rows = ElementRows::new(report.analysis());
    rows.write(out, usize::MAX)?;
    Ok(rows.written())
}

/// The per-element table written a piece at a time (the web app yields to the page between
/// pieces): the same bytes as [`write_elements`], split at row boundaries. Rows are made as they
/// are written ([`element_cells`]), never held all at once.
#[derive(Clone, Debug)]
pub struct ElementRows<'a> {
    analysis: &'a Analysis,
    header: bool,
    channel: usize,
    index: usize,
    written: usize,
}

impl<'a> ElementRows<'a> {
    /// Starts at the header of `analysis`'s per-element table.
    pub fn new(analysis: &'a Analysis) -> Self {
        ElementRows { analysis, header: false, channel: 0, index: 0, written: 0 }
    }

    /// The number of value rows in the whole table.
    pub fn total(&self) -> usize {
        self.analysis.channels.iter().filter_map(|c| c.elements.as_ref()).map(|e| e.x.len()).sum()
    }

    /// The value rows written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Whether every row has been written.
    pub fn done(&self) -> bool {
        self.header && self.channel >= self.analysis.channels.len()
    }

    /// Writes the header (the first time) and then at most `max_rows` value rows; returns whether
    /// rows remain.
    pub fn write<W: io::Write>(&mut self, out: W, max_rows: usize) -> Result<bool, ExportError> {
        let mut w = csv::Writer::from_writer(out);
        if !self.header {
            w.write_record(ELEMENTS_HEADER)?;
            self.header = true;
        }
        let mut budget = max_rows;
        while budget > 0 {
            let Some(ch) = self.analysis.channels.get(self.channel) else { break };
            let Some(el) = ch.elements.as_ref().filter(|el| self.index < el.x.len()) else {
                self.channel += 1;
                self.index = 0;
                continue;
            };
            let end = el.x.len().min(self.index.saturating_add(budget));
            for i in self.index..end {
                w.write_record(element_cells(&ch.name, el, i).iter().map(Cell::to_csv))?;
            }
            let n = end - self.index;
            budget -= n;
            self.written += n;
            self.index = end;
        }
        w.flush()?;
        // Skip channels without values, so that `done` is exact.
        while self.analysis.channels.get(self.channel).is_some_and(|ch| ch.elements.as_ref().is_none_or(|el| self.index >= el.x.len())) {
            self.channel += 1;
            self.index = 0;
        }
        Ok(!self.done())
    }
}

/// [`write_results`] into a string.
pub fn results_csv(report: &impl Report) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_results(report, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`write_elements`] into a string.
pub fn elements_csv(report: &impl Report) -> String {
    let mut out = Vec::new();
    let _ = write_elements(report, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_core::tools::{self, ToolOptions};

    fn parse_cell(cell: &str) -> Option<f64> {
        match cell {
            "" => None,
            _ => Some(cell.parse::<f64>().unwrap_or_else(|e| panic!("`{cell}`: {e}"))),
        }
    }

    fn same(got: Option<f64>, want: Option<f64>, what: &str) {
        assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{what}: {got:?} != {want:?}");
    }

    fn reader(text: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().unwrap().clone();
        (header, r.records().map(Result::unwrap).collect())
    }

    /// Values chosen for awkward decimals: ties, tiny and huge magnitudes, negative zero.
    const TENSOR: &str = "a: 0.1, -0.2, 0.30000000000000004, 1e-9, -0\nb: 1e300, -2.5e-300, 7, 0.7\n=evil: 3, -3, 0.33333333333333331, 2";

    fn options(granularity: Granularity) -> ToolOptions {
        ToolOptions { granularity, keep_values: true, ..ToolOptions::default() }
    }

    #[test]
    fn number_format_round_trips() {
        for v in [0.0, -0.0, 1.0, 96.0, -40.0, 0.1, 1.0 / 3.0, 1e-7, 1e300, 5e-324, f64::MAX, -f64::MIN_POSITIVE, 0.008627450980392157] {
            let s = format_f64(v);
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{v} -> {s}");
        }
        assert_eq!(format_f64(96.0), "96");
        assert_eq!(format_f64(-0.0), "-0");
        assert_eq!(format_f64(0.73333333), "0.73333333");
        assert_eq!(format_f64(f64::INFINITY), "inf");
        assert_eq!(format_f64(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_f64(f64::NAN), "NaN");
    }

    #[test]
    fn results_round_trip_bit_for_bit() {
        for granularity in [Granularity::PerChannel, Granularity::PerTensor] {
            let report = tools::tensor(TENSOR, &options(granularity)).unwrap();
            let a = &report.analysis;
            let (header, rows) = reader(&results_csv(&report));
            assert_eq!(header.iter().collect::<Vec<_>>(), RESULTS_HEADER);
            assert_eq!(rows.len(), a.channels.len() + 1);
            let col = |name: &str| RESULTS_HEADER.iter().position(|h| *h == name).unwrap();
            for (ch, row) in a.channels.iter().zip(&rows) {
                assert_eq!(&row[col("row")], "channel");
                assert_eq!(row[col("index")].parse::<usize>().unwrap(), ch.index);
                same(parse_cell(&row[col("min")]), ch.min, "min");
                same(parse_cell(&row[col("max")]), ch.max, "max");
                same(parse_cell(&row[col("range")]), ch.range, "range");
                same(parse_cell(&row[col("scale")]), Some(ch.scale), "scale");
                assert_eq!(row[col("zero_point")].parse::<i64>().unwrap(), ch.zero_point);
                let m = &ch.metrics;
                for (name, v) in [
                    ("mse", m.mse),
                    ("rmse", m.rmse),
                    ("mae", m.mae),
                    ("max_error", m.max_error),
                    ("mean_pct_error", m.mean_pct_error),
                    ("sqnr_db", m.sqnr_db),
                    ("clip_rate", m.clip_rate),
                ] {
                    same(parse_cell(&row[col(name)]), v, name);
                }
                assert_eq!(row[col("count")].parse::<u64>().unwrap(), m.count);
                assert_eq!(row[col("clip_count")].parse::<u64>().unwrap(), m.clip_count);
            }
            let last = rows.last().unwrap();
            assert_eq!(&last[col("row")], "tensor");
            same(parse_cell(&last[col("mse")]), a.summary.metrics.mse, "tensor mse");
            same(parse_cell(&last[col("sqnr_db")]), a.summary.metrics.sqnr_db, "tensor sqnr");
            match granularity {
                Granularity::PerTensor => same(parse_cell(&last[col("scale")]), Some(a.channels[0].scale), "tensor scale"),
                Granularity::PerChannel => assert_eq!(&last[col("scale")], ""),
            }
        }
    }

    #[test]
    fn elements_round_trip_bit_for_bit() {
        let report = tools::tensor(TENSOR, &options(Granularity::PerChannel)).unwrap();
        let text = elements_csv(&report);
        let (header, rows) = reader(&text);
        assert_eq!(header.iter().collect::<Vec<_>>(), ELEMENTS_HEADER);
        let mut rows = rows.into_iter();
        let mut n = 0;
        for ch in &report.analysis.channels {
            let el = ch.elements.as_ref().unwrap();
            for i in 0..el.x.len() {
                let row = rows.next().unwrap();
                assert_eq!(&row[0], safe_text(&ch.name));
                assert_eq!(row[1].parse::<usize>().unwrap(), i);
                same(parse_cell(&row[2]), Some(el.x[i]), "x");
                same(parse_cell(&row[3]), el.q_raw[i], "q_raw");
                assert_eq!(parse_cell(&row[4]).map(|v| v as i64), el.q[i]);
                same(parse_cell(&row[5]), el.dequantized[i], "x_hat");
                same(parse_cell(&row[6]), el.error[i], "error");
                assert_eq!(row[7].parse::<bool>().unwrap(), el.clipped[i]);
                n += 1;
            }
        }
        assert!(rows.next().is_none());
        assert_eq!(n, 13);
        // Negative zero survives.
        assert!(text.contains("\na,4,-0,"), "{text}");
    }

    #[test]
    fn element_rows_in_pieces_are_the_same_bytes() {
        let report = tools::tensor(TENSOR, &options(Granularity::PerChannel)).unwrap();
        let whole = elements_csv(&report);
        for piece in [1, 2, 4, 5, 13, 100] {
            let mut rows = ElementRows::new(&report.analysis);
            assert_eq!(rows.total(), 13);
            let mut out = Vec::new();
            let mut calls = 0;
            while rows.write(&mut out, piece).unwrap() {
                calls += 1;
            }
            assert_eq!(String::from_utf8(out).unwrap(), whole, "pieces of {piece}");
            assert_eq!((rows.written(), calls), (13, 13usize.div_ceil(piece) - 1), "pieces of {piece}");
            assert!(rows.done());
        }
        // Channels without kept values are skipped; an empty table is its header.
        let bare = tools::tensor(TENSOR, &ToolOptions::default()).unwrap();
        let mut rows = ElementRows::new(&bare.analysis);
        let mut out = Vec::new();
        assert!(!rows.write(&mut out, 10).unwrap());
        assert_eq!(String::from_utf8(out).unwrap(), format!("{}\n", ELEMENTS_HEADER.join(",")));
    }

    #[test]
    fn nonfinite_values_leave_empty_cells() {
        let report = tools::values("1, nan, -inf, 2", &ToolOptions::default()).unwrap();
        let (_, rows) = reader(&elements_csv(&report));
        assert_eq!(rows.len(), 4);
        assert_eq!(&rows[1][2], "NaN");
        assert_eq!(&rows[2][2], "-inf");
        for r in &rows[1..3] {
            assert!(r.iter().skip(3).take(4).all(str::is_empty), "{r:?}");
            assert_eq!(&r[7], "false");
        }
    }

    #[test]
    fn infinite_sqnr_is_inf() {
        // Symmetric over [-128, 128]: scale 1, integers are reproduced exactly.
        let mut o = ToolOptions { range: "-128:128".into(), ..ToolOptions::default() };
        o.spec.scheme = quantscope_core::Scheme::Symmetric;
        let report = tools::values("1, -2, 3, 0", &o).unwrap();
        let (_, rows) = reader(&results_csv(&report));
        let col = RESULTS_HEADER.iter().position(|h| *h == "sqnr_db").unwrap();
        assert_eq!(&rows[0][col], "inf");
        assert_eq!(parse_cell(&rows[0][col]), Some(f64::INFINITY));
    }

    #[test]
    fn injection() {
        for (text, want) in [
            ("=1+2", "'=1+2"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tfoo", "'\tfoo"),
            ("\r=x", "'\r=x"),
            ("-inf", "'-inf"),
            ("+", "'+"),
            ("-", "'-"),
            // Plain numbers and ordinary text are left alone.
            ("-0.21", "-0.21"),
            ("+2", "+2"),
            ("-1e-3", "-1e-3"),
            ("-.5", "-.5"),
            ("filter_0", "filter_0"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(safe_text(text), want, "{text:?}");
        }
    }

    #[test]
    fn injected_names_are_neutralised_but_numbers_are_not() {
        let text = "=SUM(A1): -0.5, 0.5\n@x: 1, 2\n-1: -3, 3\n+y: 0, 1";
        let report = tools::tensor(text, &options(Granularity::PerChannel)).unwrap();
        let (_, rows) = reader(&results_csv(&report));
        let name = RESULTS_HEADER.iter().position(|h| *h == "channel").unwrap();
        let names: Vec<&str> = rows.iter().take(4).map(|r| &r[name]).collect();
        assert_eq!(names, ["'=SUM(A1)", "'@x", "-1", "'+y"]);
        let min = RESULTS_HEADER.iter().position(|h| *h == "min").unwrap();
        assert_eq!(&rows[0][min], "-0.5");
        let (_, el) = reader(&elements_csv(&report));
        assert_eq!(&el[0][0], "'=SUM(A1)");
        assert_eq!(&el[0][2], "-0.5");
        // A tensor name is text too.
        let o = ToolOptions { tensor_name: "=bad".into(), ..ToolOptions::default() };
        let report = tools::values("1, 2", &o).unwrap();
        let (_, rows) = reader(&results_csv(&report));
        assert_eq!(&rows[0][0], "'=bad");
    }

    #[test]
    fn channels_report_has_elements_and_results() {
        let text = "filter_0,-1.2,1,0.73\nfilter_1,-0.8,0.9,-0.21";
        let report = tools::channels(text, &ToolOptions::default()).unwrap();
        let (_, rows) = reader(&elements_csv(&report));
        assert_eq!(rows.len(), 2);
        assert_eq!((&rows[0][4], &rows[1][4]), ("96", "-40"));
        let (_, rows) = reader(&results_csv(&report));
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn io_errors_are_reported() {
        struct Closed;
        impl io::Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let report = tools::values("1, 2", &ToolOptions::default()).unwrap();
        let e = write_results(&report, Closed).unwrap_err();
        assert_eq!(e.io_kind(), Some(io::ErrorKind::BrokenPipe));
    }
}
