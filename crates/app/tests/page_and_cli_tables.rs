//! The page's tables and the CLI's (and PDF's) tables of the same report show the same cells: the
//! same text for every column they share, at every precision, empty cells and tiny numbers
//! included (the page once showed `0.00000000` where the CLI showed `1.5e-10`, and `—` where it
//! showed `n/a`). Both are `quantscope_export::table` tables shown by the same `Cell::display`;
//! this checks that they hold the same cells.

use quantscope_app::form::{FormState, Tool};
use quantscope_app::results::{self, ChartData, Report};
use quantscope_export::number::Num;
use quantscope_export::table::Table;
use quantscope_export::tables::{self, Block};

/// The page's column `key` of table `id`, shown with `decimals`.
fn page_column(report: &Report, id: &str, key: &str, decimals: u8) -> Vec<String> {
    let table = report.tables.iter().find(|t| t.id == id).unwrap_or_else(|| panic!("no page table {id}"));
    let column = table.columns.iter().position(|c| c.key == key).unwrap_or_else(|| panic!("no page column {key}"));
    table.rows.iter().filter(|r| !r.summary).map(|r| r.cells[column].display(decimals)).collect()
}

/// The CLI's column `key` of table `id`, shown with `n`.
fn cli_column(blocks: &[Block], id: &str, key: &str, n: Num) -> Vec<String> {
    let table: &Table = blocks
        .iter()
        .find_map(|b| match b {
            Block::Section { table, .. } if table.id == id => Some(table),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no CLI table {id}"));
    let column = table.columns.iter().position(|c| c.key == key).unwrap_or_else(|| panic!("no CLI column {key}"));
    table.rows.iter().map(|r| r.cells[column].display(n)).collect()
}

/// Compares the shared columns (page key, CLI key) of one page table and one CLI table, at
/// several precisions. The CLI writes SQNR with its unit; the page has it in the column title.
fn same_cells(report: &Report, blocks: impl Fn(Num) -> Vec<Block>, page_table: &str, cli_table: &str, columns: &[(&str, &str)]) {
    for decimals in [0u8, 1, 3, 8, 17] {
        let blocks = blocks(Num::from(decimals));
        for (key, cli_key) in columns {
            let mut page = page_column(report, page_table, key, decimals);
            if key.contains("sqnr") {
                page = page.into_iter().map(|v| if v == "n/a" { v } else { format!("{v} dB") }).collect();
            }
            let cli = cli_column(&blocks, cli_table, cli_key, Num::from(decimals));
            assert_eq!(page, cli[..page.len()], "{page_table}.{key} vs {cli_table}.{cli_key} at {decimals} decimals");
        }
    }
}

fn run(tool: Tool, form: &FormState) -> Report {
    results::run(tool, form).unwrap_or_else(|e| panic!("{tool:?}: {e}"))
}

#[test]
fn the_channels_tables_are_the_same_cells() {
    let mut form = FormState::examples();
    for data in [
        form.channels.data.clone(),
        // A sample at 0 (no % error: an empty cell) and a tiny range (a scale of about 1e-11).
        "zero,-1,1,0\ntiny,-1e-9,1e-9,5e-10".to_string(),
    ] {
        form.channels.data = data;
        let report = run(Tool::Channels, &form);
        let Some(ChartData::Channels(core)) = &report.charts else { panic!("no channels report") };
        same_cells(
            &report,
            |n| tables::channels(core, n),
            "samples",
            "channels",
            &[
                ("channel", "channel"),
                ("min", "min"),
                ("max", "max"),
                ("sample", "sample"),
                ("scale", "scale"),
                ("zero_point", "zero_point"),
                ("q_raw", "q_raw"),
                ("q", "q"),
                ("dequantized", "dequantized"),
                ("clipped", "clipped"),
                ("abs_error", "abs_error"),
                ("pct_error", "pct_error"),
                ("sqnr_db", "sqnr_db"),
            ],
        );
    }
}

#[test]
fn the_tensor_tables_are_the_same_cells() {
    let mut form = FormState::examples();
    for data in [form.tensor.data.clone(), "a: 1e-10, -2e-10, 3e-10\nb: 0, 0.5, -0.25".to_string()] {
        form.tensor.data = data;
        let report = run(Tool::Tensor, &form);
        let Some(ChartData::Tensor { report: core, .. }) = &report.charts else { panic!("no tensor report") };
        let blocks = |n| tables::tensor(core, n, usize::MAX);
        same_cells(
            &report,
            blocks,
            "local",
            "local",
            &[("channel", "channel"), ("values", "values"), ("min", "min"), ("max", "max"), ("range", "range")],
        );
        same_cells(
            &report,
            blocks,
            "elements",
            "values",
            &[
                ("channel", "channel"),
                ("index", "index"),
                ("x", "x"),
                ("pc_q", "q"),
                ("pc_dequantized", "x_hat"),
                ("pc_error", "error"),
                ("pc_clipped", "clipped"),
            ],
        );
        same_cells(
            &report,
            blocks,
            "comparison",
            "results",
            &[("channel", "channel"), ("pc_scale", "scale"), ("pc_zero_point", "zero_point")],
        );
    }
}

#[test]
fn the_values_tables_are_the_same_cells() {
    let mut form = FormState::examples();
    for data in [form.values.data.clone(), "0, 1e-12, -3e-11, 0.5, 1".to_string()] {
        form.values.data = data;
        let report = run(Tool::Values, &form);
        let Some(ChartData::Values(core)) = &report.charts else { panic!("no values report") };
        same_cells(
            &report,
            |n| tables::values(core, n, usize::MAX, "--range"),
            "values",
            "values",
            &[("x", "x"), ("q_raw", "q_raw"), ("q", "q"), ("dequantized", "x_hat"), ("error", "error"), ("clipped", "clipped")],
        );
    }
}
