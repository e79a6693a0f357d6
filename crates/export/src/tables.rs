//! The result tables of the three tools, for people: what the CLI prints as aligned text and the
//! PDF report lays out on paper. Everything is read from the core's report; nothing is computed
//! here but formatting, by the page's own cells ([`crate::table::Cell`]) and number formatter
//! ([`Num`]): measured reals with the chosen decimals, input values at full precision (as typed),
//! an absent value as [`NA`].

use crate::number::{Num, NA};
use crate::table::Cell;
use quantscope_core::analysis::{ChannelResult, MemoryEstimate};
use quantscope_core::metrics::Metrics;
use quantscope_core::tools::{ChannelsReport, GranularityView, TensorReport, ValuesReport};
use quantscope_core::{Analysis, Warning};
use std::fmt::Write;

/// A table of formatted cells; columns are right-aligned (numbers) except those in `left`.
#[derive(Clone, Debug, PartialEq)]
pub struct TableData {
    /// Column titles.
    pub header: Vec<&'static str>,
    /// Titles of the left-aligned (text) columns.
    pub left: Vec<&'static str>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl TableData {
    fn new(header: &[&'static str], left: &[&'static str], rows: Vec<Vec<String>>) -> Self {
        TableData { header: header.to_vec(), left: left.to_vec(), rows }
    }

    /// Whether column `i` holds text (left-aligned).
    pub fn is_left(&self, i: usize) -> bool {
        self.header.get(i).is_some_and(|h| self.left.contains(h))
    }
}

/// A part of a tool's report.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// The report's opening line (the CLI follows it with a blank line).
    Intro(String),
    /// A titled table: title, the context line (convention label and integer range), the table,
    /// and lines that belong under it.
    Section {
        /// Title.
        title: String,
        /// Context line.
        context: String,
        /// The table.
        table: TableData,
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

fn section(title: String, context: &str, table: TableData) -> Block {
    Block::Section { title, context: context.to_string(), table, after: Vec::new() }
}

/// Tensor-wide warnings, if any.
fn tensor_warnings(out: &mut Vec<Block>, a: &Analysis) {
    if !a.summary.warnings.is_empty() {
        out.push(Block::Line(format!("warnings ({}): {}", a.tensor, warnings_text(&a.summary.warnings))));
    }
}

/// An input value (or one read from the input), shown as the page shows it: at full precision.
fn plain(v: Option<f64>) -> String {
    v.map_or(Cell::Empty, Cell::Plain).display(Num(crate::number::Precision::Full))
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// Seed 000: one row per sample, with every column of the seed's table and more.
///
/// The min / max columns are each line's typed calibration range (absent with manual parameters).
pub fn channels(r: &ChannelsReport, n: Num) -> Vec<Block> {
    let a = &r.analysis;
    let show_range = r.rows.iter().any(|row| row.min.is_some());
    let mut header = vec!["channel"];
    if show_range {
        header.extend(["min", "max"]);
    }
    header.extend(["sample", "scale", "zero point", "raw q", "q", "dequantized", "clipped", "abs error", "% error", "SQNR", "warnings"]);
    // The report's rows are the channels' samples in channel order: pair each row with its channel
    // by position (channel names need not be unique).
    let mut samples = r.rows.iter();
    let mut rows = Vec::with_capacity(r.rows.len());
    for ch in &a.channels {
        let count = ch.elements.as_ref().map_or(0, |el| el.x.len());
        let warnings = warnings_text(&ch.warnings);
        for row in samples.by_ref().take(count) {
            let label = if count > 1 { format!("{}[{}]", row.channel, row.index) } else { row.channel.clone() };
            let mut cells = vec![label];
            if show_range {
                cells.extend([plain(row.min), plain(row.max)]);
            }
            cells.extend([
                plain(Some(row.sample)),
                n.f(row.scale),
                row.zero_point.to_string(),
                n.opt(row.q_raw),
                row.q.map_or_else(|| NA.to_string(), |q| q.to_string()),
                n.opt(row.dequantized),
                yes_no(row.clipped),
                n.opt(row.abs_error),
                n.opt(row.pct_error),
                n.db(row.sqnr_db),
                warnings.clone(),
            ]);
            rows.push(cells);
        }
    }
    let title = format!("channels · {} · {} channel(s), {} sample(s)", a.tensor, a.channels.len(), r.rows.len());
    let mut out = vec![section(title, &context(a, true), TableData::new(&header, &["channel", "clipped", "warnings"], rows))];
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

fn metric_cells(m: &Metrics, n: Num) -> [String; 6] {
    [n.opt(m.mse), n.opt(m.rmse), n.opt(m.mae), n.opt(m.max_error), n.db(m.sqnr_db), m.clip_count.to_string()]
}

fn channel_row(c: &ChannelResult, n: Num) -> Vec<String> {
    let mut cells = vec![
        c.name.clone(),
        (c.metrics.count + c.metrics.nonfinite).to_string(),
        n.opt(c.min),
        n.opt(c.max),
        n.opt(c.range),
        n.f(c.scale),
        c.zero_point.to_string(),
    ];
    cells.extend(metric_cells(&c.metrics, n));
    cells.push(warnings_text(&c.warnings));
    cells
}

/// Per-element rows of every channel that kept them, at most `limit` (and how many there are).
fn element_rows(a: &Analysis, n: Num, with_channel: bool, limit: usize) -> (Vec<Vec<String>>, usize) {
    let mut rows = Vec::new();
    let total = a.channels.iter().filter_map(|c| c.elements.as_ref()).map(|el| el.x.len()).sum();
    for c in &a.channels {
        let Some(el) = &c.elements else { continue };
        for i in 0..el.x.len().min(limit - rows.len().min(limit)) {
            let mut cells = if with_channel { vec![c.name.clone()] } else { Vec::new() };
            cells.extend([
                i.to_string(),
                plain(Some(el.x[i])),
                n.opt(el.q_raw[i]),
                el.q[i].map_or_else(|| NA.to_string(), |q| q.to_string()),
                n.opt(el.dequantized[i]),
                n.opt(el.error[i]),
                yes_no(el.clipped[i]),
            ]);
            rows.push(cells);
        }
    }
    (rows, total)
}

const ELEMENT_COLUMNS: [&str; 7] = ["index", "x", "q raw", "q", "dequantized", "error", "clipped"];

/// A note under a per-element table that was cut at `shown` rows.
fn cut_note(shown: usize, total: usize) -> Vec<String> {
    if shown < total {
        vec![format!("first {shown} of {total} values shown; the per-element CSV has every value")]
    } else {
        Vec::new()
    }
}

/// Seeds 001 and 003: the channel table, the local ranges, the comparison and the memory
/// estimate, then (when kept) the per-element table of at most `max_values` rows.
pub fn tensor(r: &TensorReport, n: Num, max_values: usize) -> Vec<Block> {
    let a = &r.analysis;
    let ctx = context(a, true);
    let mut out = vec![Block::Intro(format!(
        "tensor · {} · shape {:?} · channel axis {} · {} values",
        a.tensor, a.shape, a.axis, a.summary.elements
    ))];

    let header = [
        "channel",
        "count",
        "min",
        "max",
        "range",
        "scale",
        "zero point",
        "MSE",
        "RMSE",
        "MAE",
        "max error",
        "SQNR",
        "clipped",
        "warnings",
    ];
    let mut rows: Vec<Vec<String>> = a.channels.iter().map(|c| channel_row(c, n)).collect();
    let s = &a.summary;
    let mut total =
        vec!["(all)".to_string(), s.elements.to_string(), n.opt(s.min), n.opt(s.max), n.opt(s.min.zip(s.max).map(|(lo, hi)| hi - lo))];
    match (a.granularity, a.channels.first()) {
        (quantscope_core::Granularity::PerTensor, Some(c)) => total.extend([n.f(c.scale), c.zero_point.to_string()]),
        _ => total.extend([String::new(), String::new()]),
    }
    total.extend(metric_cells(&s.metrics, n));
    total.push(warnings_text(&s.warnings));
    rows.push(total);
    let title = format!("Results ({})", a.granularity.name());
    out.push(section(title, &ctx, TableData::new(&header, &["channel", "warnings"], rows)));

    if !r.local.is_empty() {
        let rows =
            r.local.iter().map(|l| vec![l.channel.clone(), l.count.to_string(), plain(l.min), plain(l.max), plain(l.range)]).collect();
        let table = TableData::new(&["channel", "count", "local min", "local max", "local range"], &["channel"], rows);
        out.push(section("Local min / max / range".into(), &ctx, table));
    }

    let c = &r.comparison;
    let view = |name: &str, v: &GranularityView, bytes: f64| {
        let mut cells = vec![name.to_string(), v.parameter_sets.to_string()];
        cells.extend(metric_cells(&v.summary.metrics, n));
        cells.push(n.f(bytes));
        cells
    };
    let rows =
        vec![view("per-tensor", &c.per_tensor, c.memory.per_tensor_bytes), view("per-channel", &c.per_channel, c.memory.per_channel_bytes)];
    let header = ["granularity", "parameter sets", "MSE", "RMSE", "MAE", "max error", "SQNR", "clipped", "total bytes"];
    out.push(Block::Section {
        title: "Per-tensor vs per-channel".into(),
        context: ctx.clone(),
        table: TableData::new(&header, &["granularity"], rows),
        after: vec![format!(
            "SQNR gain of per-channel over per-tensor: {} · MSE ratio (per-tensor / per-channel): {}",
            n.db(c.sqnr_gain_db),
            n.opt(c.mse_ratio)
        )],
    });

    out.push(section(memory_title(&c.memory), &ctx, memory_table(&c.memory, n)));

    if a.channels.iter().any(|c| c.elements.is_some()) {
        let mut header = vec!["channel"];
        header.extend(ELEMENT_COLUMNS);
        let (rows, total) = element_rows(a, n, true, max_values);
        let after = cut_note(rows.len(), total);
        out.push(Block::Section {
            title: format!("Values ({})", a.granularity.name()),
            context: ctx.clone(),
            table: TableData::new(&header, &["channel", "clipped"], rows),
            after,
        });
    }
    tensor_warnings(&mut out, a);
    out
}

fn memory_title(m: &MemoryEstimate) -> String {
    format!("Memory estimate ({} elements × {} bits, {} channel(s))", m.elements, m.bits, m.channels)
}

fn memory_table(m: &MemoryEstimate, n: Num) -> TableData {
    let rows = vec![
        vec!["quantized payload".to_string(), n.f(m.payload_bytes), "elements × bits / 8".to_string()],
        vec!["per-tensor total".to_string(), n.f(m.per_tensor_bytes), "payload + 8".to_string()],
        vec!["per-channel total".to_string(), n.f(m.per_channel_bytes), format!("payload + {} × 8", m.channels)],
    ];
    TableData::new(&["storage", "bytes", "formula"], &["storage", "formula"], rows)
}

/// Seed 002: the per-value table (at most `max_values` rows), then the parameters and metrics.
/// `range_flag` names where a custom range came from (`--range` on the command line).
pub fn values(r: &ValuesReport, n: Num, max_values: usize, range_flag: &str) -> Vec<Block> {
    let a = &r.analysis;
    let ctx = context(a, false);
    let mut out = Vec::new();
    let Some(c) = a.channels.first() else { return out };
    let title = format!("values · {} · {} value(s)", a.tensor, a.summary.elements);
    let (rows, total) = element_rows(a, n, false, max_values);
    let after = cut_note(rows.len(), total);
    out.push(Block::Section { title, context: ctx.clone(), table: TableData::new(&ELEMENT_COLUMNS, &["clipped"], rows), after });
    let m = &c.metrics;
    let origin = if r.range_source == "custom" { range_flag } else { "from the data" };
    let calibration = format!("{} to {} ({origin})", n.opt(c.min), n.opt(c.max));
    let rows = vec![
        vec!["calibration range".to_string(), calibration],
        vec!["data min / max".to_string(), format!("{} / {}", n.opt(c.data_min), n.opt(c.data_max))],
        vec!["scale".to_string(), n.f(c.scale)],
        vec!["zero point".to_string(), c.zero_point.to_string()],
        vec!["values measured".to_string(), format!("{} ({} non-finite left out)", m.count, m.nonfinite)],
        vec!["MSE".to_string(), n.opt(m.mse)],
        vec!["RMSE".to_string(), n.opt(m.rmse)],
        vec!["MAE".to_string(), n.opt(m.mae)],
        vec!["max error".to_string(), n.opt(m.max_error)],
        vec!["mean % error".to_string(), format!("{} ({} zero value(s) left out)", n.opt(m.mean_pct_error), m.pct_error_zeros)],
        vec!["SQNR".to_string(), n.db(m.sqnr_db)],
        vec!["clipped".to_string(), format!("{} ({})", m.clip_count, n.pct(m.clip_rate))],
    ];
    out.push(section("Parameters and metrics".into(), &ctx, TableData::new(&["metric", "value"], &["metric", "value"], rows)));
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
