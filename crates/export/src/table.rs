//! The one table schema of quantscope's results: a table of typed cells ([`Cell`]), shown by the
//! one number formatter ([`crate::number::Num`]). Every table is built as a [`Table`] once and
//! only rendered differently: the web page draws it (and copies it as TSV), the CLI prints it as
//! aligned text and the PDF lays it out ([`crate::tables`], [`crate::file_table`]), all through
//! [`Cell::display`]; the CSV files write the same cells at full precision ([`Cell::to_csv`]).

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
    /// A measured ratio in decibels (an SQNR, a gain), shown with the chosen decimals and its unit.
    Decibels(#[serde(with = "any_f64")] f64),
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
    /// A count (values, parameter sets, clipped values) as an integer cell.
    pub fn count(n: impl TryInto<i64>) -> Cell {
        Cell::Int(n.try_into().unwrap_or(i64::MAX))
    }

    /// An SQNR or a gain in dB, or [`Cell::Empty`].
    pub fn decibels(value: Option<f64>) -> Cell {
        value.map_or(Cell::Empty, Cell::Decibels)
    }

    /// A value read from the input or an exact quantity (shown at full precision), or [`Cell::Empty`].
    pub fn plain(value: Option<f64>) -> Cell {
        value.map_or(Cell::Empty, Cell::Plain)
    }

    /// An integer (a quantized value, a zero point), or [`Cell::Empty`].
    pub fn int(value: Option<i64>) -> Cell {
        value.map_or(Cell::Empty, Cell::Int)
    }

    /// A fraction shown as a percentage, or [`Cell::Empty`].
    pub fn fraction(value: Option<f64>) -> Cell {
        value.map_or(Cell::Empty, Cell::Fraction)
    }

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
            Cell::Decibels(value) => n.db(Some(*value)),
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
        matches!(self, Cell::Int(_) | Cell::Real(_) | Cell::Plain(_) | Cell::Fraction(_) | Cell::Decibels(_))
    }

    /// The cell as the CSV files write it: every number at full precision, the shortest decimal
    /// that reads back bit for bit ([`crate::format_f64`]: `96`, `-0`, `1e-7`, `inf`), a fraction
    /// as the fraction itself and a dB value without its unit; `true` / `false`; an absent value
    /// as an empty cell; text made safe for spreadsheets ([`crate::safe_text`]: a leading `'`
    /// before `=`, `+`, `-`, `@`, a tab or a carriage return that does not start a plain number).
    pub fn to_csv(&self) -> String {
        match self {
            Cell::Text(text) => crate::safe_text(text).into_owned(),
            Cell::Int(value) => value.to_string(),
            Cell::Real(value) | Cell::Plain(value) | Cell::Fraction(value) | Cell::Decibels(value) => crate::format_f64(*value),
            Cell::Flag(flag) => flag.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

impl Column {
    /// A column from its key and its title.
    pub fn new(key: &str, label: &str) -> Column {
        Column { key: key.into(), label: label.into() }
    }

    /// Columns from (key, title) pairs, in order.
    pub fn list(spec: &[(&str, &str)]) -> Vec<Column> {
        spec.iter().map(|(key, label)| Column::new(key, label)).collect()
    }
}

impl Row {
    /// A row of cells, with nothing said about it.
    pub fn of(cells: Vec<Cell>) -> Row {
        Row { cells, ..Row::default() }
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
    /// An empty table.
    pub fn new(id: &str, caption: impl Into<String>, columns: Vec<Column>) -> Table {
        Table { id: id.into(), caption: caption.into(), columns, rows: Vec::new() }
    }

    /// Whether column `i` holds numbers (right-aligned): every cell in it is a number or absent.
    /// Text and yes / no columns are left-aligned.
    pub fn is_numeric_column(&self, i: usize) -> bool {
        self.rows.iter().filter_map(|row| row.cells.get(i)).all(|cell| cell.is_numeric() || *cell == Cell::Empty)
    }

    /// The column titles, in order.
    pub fn labels(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.label.as_str()).collect()
    }

    /// The cells of every row as shown with `n` ([`Cell::display`]).
    pub fn shown(&self, n: impl Into<Num>) -> Vec<Vec<String>> {
        let n = n.into();
        self.rows.iter().map(|row| row.cells.iter().map(|cell| cell.display(n)).collect()).collect()
    }

    /// Writes the table as CSV: the column keys as the header, then every row's cells
    /// ([`Cell::to_csv`]), quoted as RFC 4180 says.
    pub fn write_csv<W: std::io::Write>(&self, out: W) -> Result<(), crate::ExportError> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.columns.iter().map(|c| c.key.as_str()))?;
        for row in &self.rows {
            w.write_record(row.cells.iter().map(Cell::to_csv))?;
        }
        w.flush()?;
        Ok(())
    }

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
    fn cells_write_to_csv_at_full_precision_and_safe() {
        assert_eq!(Cell::Real(2.2 / 255.0).to_csv(), "0.008627450980392158");
        assert_eq!(Cell::Real(-0.0).to_csv(), "-0");
        assert_eq!(Cell::Plain(96.0).to_csv(), "96");
        assert_eq!(Cell::Decibels(f64::INFINITY).to_csv(), "inf");
        assert_eq!(Cell::Fraction(0.25).to_csv(), "0.25");
        assert_eq!(Cell::Flag(false).to_csv(), "false");
        assert_eq!(Cell::Empty.to_csv(), "");
        assert_eq!(Cell::Int(-40).to_csv(), "-40");
        assert_eq!(Cell::Text("=cmd()".into()).to_csv(), "'=cmd()");
        assert_eq!(Cell::Text("-0.5".into()).to_csv(), "-0.5");
        // For people, the same dB cell carries its unit.
        assert_eq!(Cell::Decibels(41.256).display(2), "41.26 dB");
        assert_eq!(Cell::decibels(None).display(2), "n/a");
    }

    #[test]
    fn number_columns_are_told_from_text_columns_by_their_cells() {
        let mut table = Table::new("t", "c", Column::list(&[("name", "Name"), ("q", "q"), ("clipped", "Clipped"), ("bytes", "Bytes")]));
        table.rows = vec![
            Row::of(vec![Cell::Text("a".into()), Cell::Int(1), Cell::Flag(true), Cell::Empty]),
            Row::of(vec![Cell::Text("b".into()), Cell::Empty, Cell::Flag(false), Cell::Plain(3.0)]),
        ];
        let numeric: Vec<bool> = (0..4).map(|i| table.is_numeric_column(i)).collect();
        assert_eq!(numeric, [false, true, false, true]);
        assert_eq!(table.shown(3), [["a", "1", "yes", "n/a"], ["b", "n/a", "no", "3"]]);
        let mut csv = Vec::new();
        table.write_csv(&mut csv).unwrap();
        assert_eq!(String::from_utf8(csv).unwrap(), "name,q,clipped,bytes\na,1,true,\nb,,false,3\n");
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
