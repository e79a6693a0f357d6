//! Human output: aligned tables, each headed by the convention label and the resolved integer range.
//! The tables themselves come from `quantscope_export::tables` (the PDF report lays out the same ones); this
//! module only renders them as text.

use comfy_table::{presets, CellAlignment, Table};
use quantscope_core::tools::{ChannelsReport, TensorReport, ValuesReport};
use quantscope_export::number::Num;
use quantscope_export::tables::{self, Block, TableData};
use std::fmt::Write;

/// Every value row is printed.
const ALL: usize = usize::MAX;

/// A table whose columns are right-aligned except the text ones.
pub(crate) fn table(data: &TableData) -> String {
    let mut t = Table::new();
    t.load_preset(presets::ASCII_MARKDOWN);
    t.set_header(data.header.clone());
    for row in &data.rows {
        t.add_row(row.clone());
    }
    for i in 0..data.header.len() {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(if data.is_left(i) { CellAlignment::Left } else { CellAlignment::Right });
        }
    }
    t.to_string()
}

fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Intro(line) => {
                let _ = writeln!(out, "{line}\n");
            }
            Block::Section { title, context, table: data, after } => {
                let _ = write!(out, "{title}\n{context}\n{}", table(data));
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

/// Seed 000: one row per sample.
pub fn channels(r: &ChannelsReport, n: Num) -> String {
    render(&tables::channels(r, n))
}

/// Seeds 001 and 003: the channel table, the local ranges, the comparison and the memory estimate.
pub fn tensor(r: &TensorReport, n: Num) -> String {
    render(&tables::tensor(r, n, ALL))
}

/// Seed 002: the per-value table, then the parameters and metrics.
pub fn values(r: &ValuesReport, n: Num) -> String {
    render(&tables::values(r, n, ALL, "--range"))
}
