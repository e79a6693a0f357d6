//! What the result views show: tables of cells, notes, and a located input error. These are view
//! types only: every number in them comes from the core (`quant::tools`); the app formats numbers
//! but never computes one.

use crate::model::{FormState, Tool};

/// One tool's results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub tables: Vec<Table>,
    /// Plain-language remarks (for example what the convention changed).
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Stable id for `data-testid` (`results-<tool>-<id>`).
    pub id: String,
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Stable key for `data-testid` and `data-col`.
    pub key: String,
    pub label: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub cells: Vec<Cell>,
    /// Warnings about this row (zero point outside the range, clipping, ...), shown on it.
    pub warnings: Vec<String>,
    /// A summary row (per-tensor totals) rather than a channel.
    pub summary: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Real(f64),
    Empty,
}

impl Cell {
    /// The cell as the table shows it, with `precision` digits after the point for reals.
    pub fn display(&self, precision: u8) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Int(value) => value.to_string(),
            Cell::Real(value) if value.is_finite() => format!("{value:.*}", usize::from(precision)),
            Cell::Real(value) => non_finite(*value).to_string(),
            Cell::Empty => String::new(),
        }
    }

    /// The cell at full precision (the shortest text that reads back as the same number), for
    /// hover and copy.
    pub fn full(&self) -> String {
        match self {
            Cell::Real(value) if value.is_finite() => format!("{value}"),
            other => other.display(0),
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Real(_))
    }
}

fn non_finite(value: f64) -> &'static str {
    if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "+inf"
    } else {
        "-inf"
    }
}

impl Table {
    /// The table as tab-separated text at full precision (what "copy table" puts on the clipboard).
    pub fn to_tsv(&self) -> String {
        let mut out = self
            .columns
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>()
            .join("\t");
        for row in &self.rows {
            out.push('\n');
            out.push_str(
                &row.cells
                    .iter()
                    .map(Cell::full)
                    .collect::<Vec<_>>()
                    .join("\t"),
            );
        }
        out
    }
}

/// Which input a located error points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The tool's main text area.
    Data,
    /// One of the option fields, by its form id suffix (`quant-min`, `range-max`, ...).
    Option(&'static str),
}

/// Bad input, located: 1-based line and column in the field, the offending text and what was
/// expected there.
#[derive(Clone, Debug, PartialEq)]
pub struct InputError {
    pub field: Field,
    pub line: usize,
    pub column: usize,
    pub text: String,
    pub expected: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: found \"{}\", expected {}",
            self.line, self.column, self.text, self.expected
        )
    }
}

/// Runs a tool on the form. The core (`quant::tools`) is wired here and nowhere else.
pub fn run(tool: Tool, form: &FormState) -> Result<Report, InputError> {
    let _ = (tool, form);
    Ok(Report {
        tables: Vec::new(),
        notes: vec![
            "The quantization core is not wired into the page yet: results appear here once it is."
                .into(),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn cells_display_with_precision_and_full_on_demand() {
        let cell = Cell::Real(2.2 / 255.0);
        assert_eq!(cell.display(8), "0.00862745");
        assert_eq!(cell.full(), "0.008627450980392158");
        assert_eq!(Cell::Int(-8).display(8), "-8");
        assert_eq!(Cell::Real(f64::NAN).display(3), "NaN");
        assert_eq!(Cell::Real(f64::NEG_INFINITY).full(), "-inf");
        assert_eq!(Cell::Empty.display(3), "");
    }

    #[test]
    fn tables_copy_as_tsv_at_full_precision() {
        let table = Table {
            id: "t".into(),
            caption: "c".into(),
            columns: vec![
                Column {
                    key: "channel".into(),
                    label: "Channel".into(),
                },
                Column {
                    key: "scale".into(),
                    label: "Scale".into(),
                },
            ],
            rows: vec![Row {
                cells: vec![Cell::Text("filter_0".into()), Cell::Real(0.1 + 0.2)],
                ..Row::default()
            }],
        };
        assert_eq!(
            table.to_tsv(),
            "Channel\tScale\nfilter_0\t0.30000000000000004"
        );
    }
}
