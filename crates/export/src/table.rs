//! The one table schema of quantscope's results: a table of typed cells ([`Cell`]), shown by the
//! one number formatter ([`crate::number::Num`]). The web page draws these tables (and copies them
//! as TSV); the same cells shown at the same precision are the same text in the CLI and the PDF,
//! whose tables ([`crate::tables`]) format through the same [`Num`].

use serde::{Deserialize, Serialize};

use crate::number::{Num, Precision, NA};

/// Numbers at full precision: the shortest text that reads back as the same number.
const FULL: Num = Num(Precision::Full);

/// A table: an id, a caption, columns and rows of cells.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Stable id for `data-testid` (`results-<tool>-<id>`).
    pub id: String,
    /// What the table shows, above it.
    pub caption: String,
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// The rows, each with one cell per column.
    pub rows: Vec<Row>,
}

/// A column: its key and its title.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Stable key for `data-testid` and `data-col`.
    pub key: String,
    /// The column's title.
    pub label: String,
}

/// A row of cells, with what is said about it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// One cell per column.
    pub cells: Vec<Cell>,
    /// Warnings about this row (zero point outside the range, clipping, ...), shown on it.
    pub warnings: Vec<String>,
    /// A summary row (per-tensor totals) rather than a channel.
    pub summary: bool,
}

/// A cell: what it holds decides how it is shown ([`Cell::display`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Cell {
    /// Text, shown as it is (names, labels).
    Text(String),
    /// An integer (zero points, quantized values, counts).
    Int(i64),
    /// A measured real, shown with the chosen number of decimals.
    Real(#[serde(with = "any_f64")] f64),
    /// An input value or an exact quantity (bytes, an integer held as f64), shown at full precision.
    Plain(#[serde(with = "any_f64")] f64),
    /// A fraction, shown as a percentage.
    Fraction(#[serde(with = "any_f64")] f64),
    /// Yes / no (in words: colour is never the only signal).
    Flag(bool),
    /// Not defined here (e.g. no min/max in manual mode).
    Empty,
}

impl From<Option<f64>> for Cell {
    fn from(value: Option<f64>) -> Self {
        value.map_or(Cell::Empty, Cell::Real)
    }
}

impl Cell {
    /// The cell as a table shows it, numbers by the one formatter ([`Num`]): reals with `n`'s
    /// decimals (trailing zeros trimmed; a value too small for them keeps its significant digits,
    /// `1.5e-10`), inputs and exact quantities at full precision, fractions as percentages, an
    /// absent value as [`NA`], non-finite values as `NaN`, `+inf`, `-inf`. `n` is a [`Num`], or a
    /// number of decimals.
    pub fn display(&self, n: impl Into<Num>) -> String {
        let n = n.into();
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Int(value) => value.to_string(),
            Cell::Real(value) => n.f(*value),
            Cell::Plain(value) => FULL.f(*value),
            Cell::Fraction(value) => n.pct(Some(*value)),
            Cell::Flag(true) => "yes".into(),
            Cell::Flag(false) => "no".into(),
            Cell::Empty => NA.into(),
        }
    }

    /// The cell at full precision (the shortest text that reads back as the same number), for
    /// hover and copy; empty when the value is absent.
    pub fn full(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            other => other.display(FULL),
        }
    }

    /// Whether the cell holds a number (right-aligned).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Real(_) | Cell::Plain(_) | Cell::Fraction(_))
    }
}

/// JSON has no NaN or infinity (serde_json writes them as null): a non-finite cell travels as its
/// text (`NaN`, `+inf`, `-inf`), so the worker's tables read back bit for bit.
mod any_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// A finite number as a number, a non-finite one as its text.
    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() {
            s.serialize_f64(*value)
        } else {
            s.serialize_str(&super::FULL.f(*value))
        }
    }

    /// A number, or the text of a non-finite one.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Number {
            Finite(f64),
            Text(String),
        }
        Ok(match Number::deserialize(d)? {
            Number::Finite(v) => v,
            Number::Text(t) => match t.as_str() {
                "+inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                _ => f64::NAN,
            },
        })
    }
}

impl Table {
    /// The table as tab-separated text at full precision (what "copy table" puts on the clipboard).
    pub fn to_tsv(&self) -> String {
        let mut out = self.columns.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join("\t");
        for row in &self.rows {
            out.push('\n');
            out.push_str(&row.cells.iter().map(Cell::full).collect::<Vec<_>>().join("\t"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_display_with_precision_and_full_on_demand() {
        let cell = Cell::Real(2.2 / 255.0);
        assert_eq!(cell.display(8), "0.00862745");
        assert_eq!(cell.full(), "0.008627450980392158");
        assert_eq!(Cell::Int(-8).display(8), "-8");
        assert_eq!(Cell::Real(f64::NAN).display(3), "NaN");
        assert_eq!(Cell::Real(f64::NEG_INFINITY).full(), "-inf");
        assert_eq!(Cell::Empty.display(3), "n/a");
        assert_eq!(Cell::Empty.full(), "");
        assert_eq!(Cell::Fraction(0.25).display(8), "25%");
        assert_eq!(Cell::Fraction(0.0125).full(), "1.25%");
        assert_eq!(Cell::Plain(52.0).display(8), "52");
        assert_eq!(Cell::Flag(true).display(8), "yes");
        // Trailing zeros trimmed; a small value keeps its significant digits; zero is 0.
        assert_eq!(Cell::Real(-1.2519685039370079).display(8), "-1.2519685");
        assert_eq!(Cell::Real(1.5e-10).display(8), "1.5e-10");
        assert_eq!(Cell::Real(0.0).display(8), "0");
        assert_eq!(Cell::Real(1.5e-10).display(Num(Precision::Decimals(8))), Cell::Real(1.5e-10).display(8));
    }

    #[test]
    fn tables_copy_as_tsv_at_full_precision() {
        let table = Table {
            id: "t".into(),
            caption: "c".into(),
            columns: vec![Column { key: "channel".into(), label: "Channel".into() }, Column { key: "scale".into(), label: "Scale".into() }],
            rows: vec![Row { cells: vec![Cell::Text("filter_0".into()), Cell::Real(0.1 + 0.2)], ..Row::default() }],
        };
        assert_eq!(table.to_tsv(), "Channel\tScale\nfilter_0\t0.30000000000000004");
    }

    #[test]
    fn cells_travel_as_json_bit_for_bit() {
        let cells =
            vec![Cell::Real(0.1 + 0.2), Cell::Real(f64::NEG_INFINITY), Cell::Plain(f64::INFINITY), Cell::Fraction(1.0 / 3.0), Cell::Empty];
        let json = serde_json::to_string(&cells).unwrap();
        let back: Vec<Cell> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cells, "{json}");
        let nan: Cell = serde_json::from_str(&serde_json::to_string(&Cell::Real(f64::NAN)).unwrap()).unwrap();
        assert!(matches!(nan, Cell::Real(v) if v.is_nan()));
    }
}
