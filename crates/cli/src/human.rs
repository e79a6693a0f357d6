//! Human output: aligned tables, each headed by the convention label and the resolved integer range.
//! The tables themselves come from `quantscope_export::tables` (the PDF report lays out the same ones); this
//! module only renders them as text.

use comfy_table::{presets, CellAlignment};
use quantscope_core::tools::{ChannelsReport, TensorReport, ValuesReport};
use quantscope_export::number::Num;
use quantscope_export::table::Table;
use quantscope_export::tables::{self, Block};
use std::fmt::Write;

/// Every value row is printed.
const ALL: usize = usize::MAX;

/// A table as aligned text, its cells shown with `n`: number columns right-aligned, text left.
pub(crate) fn table(data: &Table, n: Num) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(presets::ASCII_MARKDOWN);
    t.set_header(data.labels());
    for row in data.shown(n) {
        t.add_row(row);
    }
    for i in 0..data.columns.len() {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(if data.is_numeric_column(i) { CellAlignment::Right } else { CellAlignment::Left });
        }
    }
    t.to_string()
}

fn render(blocks: &[Block], n: Num) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Intro(line) => {
                let _ = writeln!(out, "{line}\n");
            }
            Block::Section { context, table: data, after } => {
                let _ = write!(out, "{}\n{context}\n{}", data.caption, table(data, n));
                for line in after {
                    let _ = write!(out, "\n{line}");
                }
                out.push_str("\n\n");
            }
            Block::Line(line) => {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The channels tool: one row per sample.
pub fn channels(r: &ChannelsReport, n: Num) -> String {
    render(&tables::channels(r, n), n)
}

/// The tensor tool: the channel table, the local ranges, the comparison and the memory estimate
/// (and every value with `--values`).
pub fn tensor(r: &TensorReport, n: Num) -> String {
    render(&tables::tensor(r, n, ALL), n)
}

/// The values tool: the per-value table, then the parameters and metrics.
pub fn values(r: &ValuesReport, n: Num) -> String {
    render(&tables::values(r, n, ALL, "--range"), n)
}
