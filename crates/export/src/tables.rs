//! The result tables of the channels, tensor and values tools, for people: what the CLI prints as
//! aligned text and the PDF report lays out on paper. Everything is read from the core's report;
//! every table is a [`Table`] of the one schema's typed cells ([`Cell`]), shown by the one number
//! formatter ([`Num`], [`Cell::display`]): measured reals with the chosen decimals, input values at
//! full precision (as typed), an absent value as `n/a`. The per-value rows are the CSV file's
//! ([`crate::element_cells`]). The lines around the tables (totals, notes) are text at the same
//! precision.

use crate::number::Num;
use crate::table::{Cell, Column, Row, Table};
use crate::{element_cells, ELEMENT_COLUMNS};
use quantscope_core::analysis::{ChannelResult, MemoryEstimate};
use quantscope_core::metrics::Metrics;
use quantscope_core::tools::{ChannelsReport, GranularityView, TensorReport, ValuesReport};
use quantscope_core::{Analysis, Warning};
use std::fmt::Write;

/// A part of a tool's report.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// The report's opening line (the CLI follows it with a blank line).
    Intro(String),
    /// A table (its caption is its title), the context line above it (convention label and
    /// integer range), and lines that belong under it.
    Section {
        /// Context line.
        context: String,
        /// The table.
        table: Table,
        /// Lines under the table.
        after: Vec<String>,
    },
    /// A line of text (totals, warnings).
    Line(String),
}

/// The line above every table: `convention: textbook · qint8 affine per-channel · integer range [-128, 127]`.
pub fn context(a: &Analysis, granularity: bool) -> String {
    let s = &a.spec;
    let mut line = format!("convention: {} · {} {}", a.convention, s.dtype, s.scheme.name());
    if granularity {
        let _ = write!(line, " {}", a.granularity.name());
    }
    let _ = write!(line, " · integer range {}", s.range);
    if s.saturation != s.range {
        let _ = write!(line, " (values clamped to {})", s.saturation);
    }
    line
}

/// Warnings as one line of text.
pub fn warnings_text(w: &[Warning]) -> String {
    w.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

fn section(context: &str, table: Table) -> Block {
    Block::Section { context: context.to_string(), table, after: Vec::new() }
}

/// A table with its rows.
fn table(id: &str, caption: String, columns: &[(&str, &str)], rows: Vec<Vec<Cell>>) -> Table {
    Table { rows: rows.into_iter().map(Row::of).collect(), ..Table::new(id, caption, Column::list(columns)) }
}

/// Tensor-wide warnings, if any.
fn tensor_warnings(out: &mut Vec<Block>, a: &Analysis) {
    if !a.summary.warnings.is_empty() {
        out.push(Block::Line(format!("warnings ({}): {}", a.tensor, warnings_text(&a.summary.warnings))));
    }
}

/// The channels tool: one row per sample, with every column of the textbook page's example
/// table (channel, min, max, sample, scale, zero point, quantized, dequantized) and more.
///
/// The min / max columns are each line's typed calibration range (absent with manual parameters).
pub fn channels(r: &ChannelsReport, n: Num) -> Vec<Block> {
    let a = &r.analysis;
    let show_range = r.rows.iter().any(|row| row.min.is_some());
    let mut columns = vec![("channel", "channel")];
    if show_range {
        columns.extend([("min", "min"), ("max", "max")]);
    }
    columns.extend([
        ("sample", "sample"),
        ("scale", "scale"),
        ("zero_point", "zero point"),
        ("q_raw", "raw q"),
        ("q", "q"),
        ("dequantized", "dequantized"),
        ("clipped", "clipped"),
        ("abs_error", "abs error"),
        ("pct_error", "% error"),
        ("sqnr_db", "SQNR"),
        ("warnings", "warnings"),
    ]);
    // The report's rows are the channels' samples in channel order: pair each row with its channel
    // by position (channel names need not be unique).
    let mut samples = r.rows.iter();
    let mut rows = Vec::with_capacity(r.rows.len());
    for ch in &a.channels {
        let count = ch.elements.as_ref().map_or(0, |el| el.x.len());
        let warnings = warnings_text(&ch.warnings);
        for row in samples.by_ref().take(count) {
            let label = if count > 1 { format!("{}[{}]", row.channel, row.index) } else { row.channel.clone() };
            let mut cells = vec![Cell::Text(label)];
            if show_range {
                cells.extend([Cell::plain(row.min), Cell::plain(row.max)]);
            }
            cells.extend([
                Cell::Plain(row.sample),
                Cell::Real(row.scale),
                Cell::Int(row.zero_point),
                row.q_raw.into(),
                Cell::int(row.q),
                row.dequantized.into(),
                Cell::Flag(row.clipped),
                row.abs_error.into(),
                row.pct_error.into(),
                Cell::decibels(row.sqnr_db),
                Cell::Text(warnings.clone()),
            ]);
            rows.push(cells);
        }
    }
    let title = format!("channels · {} · {} channel(s), {} sample(s)", a.tensor, a.channels.len(), r.rows.len());
    let mut out = vec![section(&context(a, true), table("channels", title, &columns, rows))];
    out.push(Block::Line(summary_line(&a.summary.metrics, n)));
    tensor_warnings(&mut out, a);
    out
}

fn summary_line(m: &Metrics, n: Num) -> String {
    format!(
        "all samples: MSE {} · RMSE {} · MAE {} · max error {} · mean % error {} · SQNR {} · clipped {} of {}",
        n.opt(m.mse),
        n.opt(m.rmse),
        n.opt(m.mae),
        n.opt(m.max_error),
        n.opt(m.mean_pct_error),
        n.db(m.sqnr_db),
        m.clip_count,
        m.count
    )
}

/// MSE, RMSE, MAE, max error, SQNR and the clipped count.
const METRIC_COLUMNS: [(&str, &str); 6] =
    [("mse", "MSE"), ("rmse", "RMSE"), ("mae", "MAE"), ("max_error", "max error"), ("sqnr_db", "SQNR"), ("clipped", "clipped")];

fn metric_cells(m: &Metrics) -> [Cell; 6] {
    [m.mse.into(), m.rmse.into(), m.mae.into(), m.max_error.into(), Cell::decibels(m.sqnr_db), Cell::count(m.clip_count)]
}

fn channel_row(c: &ChannelResult) -> Vec<Cell> {
    let mut cells = vec![
        Cell::Text(c.name.clone()),
        Cell::count(c.metrics.count + c.metrics.nonfinite),
        c.min.into(),
        c.max.into(),
        c.range.into(),
        Cell::Real(c.scale),
        Cell::Int(c.zero_point),
    ];
    cells.extend(metric_cells(&c.metrics));
    cells.push(Cell::Text(warnings_text(&c.warnings)));
    cells
}

/// The per-element table of every channel that kept its values (the CSV file's rows, without
/// the channel column when `with_channel` is false), at most `limit` rows, and the note under it
/// when it was cut.
fn element_table(a: &Analysis, title: String, with_channel: bool, limit: usize) -> Block {
    let skip = usize::from(!with_channel);
    let mut rows = Vec::new();
    let total = a.channels.iter().filter_map(|c| c.elements.as_ref()).map(|el| el.x.len()).sum();
    for c in &a.channels {
        let Some(el) = &c.elements else { continue };
        for i in 0..el.x.len().min(limit - rows.len().min(limit)) {
            rows.push(element_cells(&c.name, el, i).into_iter().skip(skip).collect());
        }
    }
    let after = cut_note(rows.len(), total);
    Block::Section { context: context(a, with_channel), table: table("values", title, &ELEMENT_COLUMNS[skip..], rows), after }
}

/// A note under a per-element table that was cut at `shown` rows.
fn cut_note(shown: usize, total: usize) -> Vec<String> {
    if shown < total {
        vec![format!("first {shown} of {total} values shown; the per-element CSV has every value")]
    } else {
        Vec::new()
    }
}

/// The tensor tool: the channel table, the local ranges, the comparison and the memory estimate,
/// then (when kept) the per-element table of at most `max_values` rows.
pub fn tensor(r: &TensorReport, n: Num, max_values: usize) -> Vec<Block> {
    let a = &r.analysis;
    let ctx = context(a, true);
    let mut out = vec![Block::Intro(format!(
        "tensor · {} · shape {:?} · channel axis {} · {} values",
        a.tensor, a.shape, a.axis, a.summary.elements
    ))];

    let mut columns = vec![
        ("channel", "channel"),
        ("count", "count"),
        ("min", "min"),
        ("max", "max"),
        ("range", "range"),
        ("scale", "scale"),
        ("zero_point", "zero point"),
    ];
    columns.extend(METRIC_COLUMNS);
    columns.push(("warnings", "warnings"));
    let mut rows: Vec<Vec<Cell>> = a.channels.iter().map(channel_row).collect();
    let s = &a.summary;
    let mut total = vec![
        Cell::Text("(all)".into()),
        Cell::count(s.elements),
        s.min.into(),
        s.max.into(),
        s.min.zip(s.max).map(|(lo, hi)| hi - lo).into(),
    ];
    match (a.granularity, a.channels.first()) {
        (quantscope_core::Granularity::PerTensor, Some(c)) => total.extend([Cell::Real(c.scale), Cell::Int(c.zero_point)]),
        // No single pair for the whole tensor.
        _ => total.extend([Cell::Empty, Cell::Empty]),
    }
    total.extend(metric_cells(&s.metrics));
    total.push(Cell::Text(warnings_text(&s.warnings)));
    rows.push(total);
    let title = format!("Results ({})", a.granularity.name());
    out.push(section(&ctx, table("results", title, &columns, rows)));

    if !r.local.is_empty() {
        let rows = r
            .local
            .iter()
            .map(|l| {
                vec![Cell::Text(l.channel.clone()), Cell::count(l.count), Cell::plain(l.min), Cell::plain(l.max), Cell::plain(l.range)]
            })
            .collect();
        let columns = [("channel", "channel"), ("values", "count"), ("min", "local min"), ("max", "local max"), ("range", "local range")];
        out.push(section(&ctx, table("local", "Local min / max / range".into(), &columns, rows)));
    }

    let c = &r.comparison;
    let view = |name: &str, v: &GranularityView, bytes: f64| {
        let mut cells = vec![Cell::Text(name.into()), Cell::count(v.parameter_sets)];
        cells.extend(metric_cells(&v.summary.metrics));
        cells.push(Cell::Real(bytes));
        cells
    };
    let rows =
        vec![view("per-tensor", &c.per_tensor, c.memory.per_tensor_bytes), view("per-channel", &c.per_channel, c.memory.per_channel_bytes)];
    let mut columns = vec![("granularity", "granularity"), ("parameter_sets", "parameter sets")];
    columns.extend(METRIC_COLUMNS);
    columns.push(("bytes", "total bytes"));
    out.push(Block::Section {
        context: ctx.clone(),
        table: table("granularity", "Per-tensor vs per-channel".into(), &columns, rows),
        after: vec![format!(
            "SQNR gain of per-channel over per-tensor: {} · MSE ratio (per-tensor / per-channel): {}",
            n.db(c.sqnr_gain_db),
            n.opt(c.mse_ratio)
        )],
    });

    out.push(section(&ctx, memory_table(&c.memory)));

    if a.channels.iter().any(|c| c.elements.is_some()) {
        out.push(element_table(a, format!("Values ({})", a.granularity.name()), true, max_values));
    }
    tensor_warnings(&mut out, a);
    out
}

fn memory_table(m: &MemoryEstimate) -> Table {
    let title = format!("Memory estimate ({} elements × {} bits, {} channel(s))", m.elements, m.bits, m.channels);
    let rows = vec![
        vec![Cell::Text("quantized payload".into()), Cell::Real(m.payload_bytes), Cell::Text("elements × bits / 8".into())],
        vec![Cell::Text("per-tensor total".into()), Cell::Real(m.per_tensor_bytes), Cell::Text("payload + 8".into())],
        vec![Cell::Text("per-channel total".into()), Cell::Real(m.per_channel_bytes), Cell::Text(format!("payload + {} × 8", m.channels))],
    ];
    table("memory", title, &[("storage", "storage"), ("bytes", "bytes"), ("formula", "formula")], rows)
}

/// The values tool: the per-value table (at most `max_values` rows), then the parameters and
/// metrics. `range_flag` names where a custom range came from (`--range` on the command line).
pub fn values(r: &ValuesReport, n: Num, max_values: usize, range_flag: &str) -> Vec<Block> {
    let a = &r.analysis;
    let ctx = context(a, false);
    let mut out = Vec::new();
    let Some(c) = a.channels.first() else { return out };
    let title = format!("values · {} · {} value(s)", a.tensor, a.summary.elements);
    out.push(element_table(a, title, false, max_values));
    let m = &c.metrics;
    let origin = if r.range_source == "custom" { range_flag } else { "from the data" };
    let calibration = format!("{} to {} ({origin})", n.opt(c.min), n.opt(c.max));
    let text = |t: &str| Cell::Text(t.into());
    let rows = vec![
        vec![text("calibration range"), Cell::Text(calibration)],
        vec![text("data min / max"), Cell::Text(format!("{} / {}", n.opt(c.data_min), n.opt(c.data_max)))],
        vec![text("scale"), Cell::Real(c.scale)],
        vec![text("zero point"), Cell::Int(c.zero_point)],
        vec![text("values measured"), Cell::Text(format!("{} ({} non-finite left out)", m.count, m.nonfinite))],
        vec![text("MSE"), m.mse.into()],
        vec![text("RMSE"), m.rmse.into()],
        vec![text("MAE"), m.mae.into()],
        vec![text("max error"), m.max_error.into()],
        vec![text("mean % error"), Cell::Text(format!("{} ({} zero value(s) left out)", n.opt(m.mean_pct_error), m.pct_error_zeros))],
        vec![text("SQNR"), Cell::decibels(m.sqnr_db)],
        vec![text("clipped"), Cell::Text(format!("{} ({})", m.clip_count, n.pct(m.clip_rate)))],
    ];
    out.push(section(&ctx, table("parameters", "Parameters and metrics".into(), &[("metric", "metric"), ("value", "value")], rows)));
    let mut warnings = c.warnings.clone();
    for w in &a.summary.warnings {
        if !warnings.contains(w) {
            warnings.push(w.clone());
        }
    }
    if !warnings.is_empty() {
        out.push(Block::Line(format!("warnings: {}", warnings_text(&warnings))));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_core::tools::{self, ToolOptions};

    fn find<'a>(blocks: &'a [Block], id: &str) -> &'a Table {
        blocks
            .iter()
            .find_map(|b| match b {
                Block::Section { table, .. } if table.id == id => Some(table),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no table {id}"))
    }

    #[test]
    fn the_per_value_table_holds_the_csv_files_cells() {
        let options = ToolOptions { keep_values: true, ..ToolOptions::default() };
        let report = tools::tensor("a: 0.1, -0.2, nan\n=b: 7, 0.7", &options).unwrap();
        let blocks = tensor(&report, Num::from(3), usize::MAX);
        let shown = find(&blocks, "values");
        let keys: Vec<&str> = shown.columns.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, crate::ELEMENTS_HEADER);
        let csv: Vec<Vec<String>> = shown.rows.iter().map(|r| r.cells.iter().map(Cell::to_csv).collect()).collect();
        let written = crate::elements_csv(&report);
        let lines: Vec<String> = written.lines().skip(1).map(str::to_string).collect();
        assert_eq!(csv.iter().map(|r| r.join(",")).collect::<Vec<_>>(), lines);
        // Shown for people: yes / no, n/a for the value never quantized.
        assert_eq!(shown.shown(Num::from(3))[2][3..], ["n/a", "n/a", "n/a", "n/a", "no"]);
    }

    #[test]
    fn the_whole_tensor_row_has_no_single_scale_per_channel() {
        let report = tools::tensor("a: 0.1, -0.2\nb: 1, 2", &ToolOptions::default()).unwrap();
        let blocks = tensor(&report, Num::from(3), usize::MAX);
        let results = find(&blocks, "results");
        let last = results.shown(Num::from(3)).pop().unwrap();
        assert_eq!((last[0].as_str(), last[5].as_str(), last[6].as_str()), ("(all)", "n/a", "n/a"));
        assert!(results.is_numeric_column(5) && !results.is_numeric_column(0));
    }
}
