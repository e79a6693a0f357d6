//! A tensor quantized in a block, float-element or lookup-table format (the core's
//! [`Quantized`], docs/formats.md) as tables of the one schema ([`crate::table`]): the page's Tensor
//! and Values tools, the CLI's `quantscope tensor --preset ...` human and CSV output and the exports
//! all build their tables here, so a number is labelled and shown the same way everywhere.
//!
//! - [`summary`]: the format, bits per weight and the memory with the scales, the tensor's errors;
//! - [`rows`]: one row per input row (SQNR, MSE, max error, clipped, blocks), then the tensor's total;
//! - [`blocks`]: one row per block: its scale as stored, the multiplier the grid is scaled by, amax,
//!   MSE, max error and clipped count;
//! - [`values`]: one row per value: its code, dequantized value and error.

use crate::table::{Cell, Column, Row, Table};
use quantscope_core::format::{BlockResult, BlockScale, Format, FormatStats, Quantized, RowResult};
use serde::{Deserialize, Serialize};

/// Which block scale names are stored integers (an E8M0 byte, E4M3 bits, a zero point).
fn integer_scale(name: &str) -> bool {
    matches!(name, "scales_e8m0" | "scales_e4m3_bits" | "zero_points")
}

/// A stored scale as a cell: integers as integers, float16 / float32 values at full precision.
fn scale_cell(name: &str, v: f64) -> Cell {
    if integer_scale(name) {
        Cell::Int(v as i64)
    } else {
        Cell::Plain(v)
    }
}

/// How a format's block scale is named in a table column, from the core's JSON name.
fn scale_label(name: &str) -> &'static str {
    match name {
        "scales_f16" => "Scale d (float16)",
        "mins_f16" => "Min m (float16)",
        "scales_e8m0" => "Scale (E8M0 byte)",
        "scales_e4m3" => "Scale s8 (E4M3)",
        "scales_e4m3_bits" => "s8 bits",
        "absmax" => "absmax (float32)",
        "scales" => "Scale (float32)",
        "zero_points" => "Zero point",
        _ => "Scale",
    }
}

/// One line describing the format: `mxfp4: 4-bit elements, blocks of 32, E8M0 scales`.
pub fn describe(format: &Format) -> String {
    let block = format.block_size().map_or("one scale per row or tensor".to_string(), |b| format!("blocks of {b}"));
    format!("{format}: {}-bit elements, {block}, {} scales", format.element_bits(), format.scale_storage().name())
}

fn row_name(names: &[String], i: usize) -> String {
    names.get(i).cloned().filter(|n| !n.is_empty()).unwrap_or_else(|| format!("row {i}"))
}

/// The format and what it costs: bits per weight (scales included, formats.md §0), the bytes with
/// the scales against float32's, and the tensor's errors.
pub fn summary(q: &Quantized, tensor: &str) -> Table {
    let mut t = Table::new(
        "format-summary",
        format!("{tensor} in {}: bits per weight and memory, scales included", describe(&q.format)),
        Column::list(&[
            ("format", "Format"),
            ("bits_per_weight", "Bits per weight"),
            ("values", "Values"),
            ("bytes", "Bytes (with scales)"),
            ("float32_bytes", "Bytes as float32"),
            ("compression", "× smaller than float32"),
            ("per_tensor_scale", "Per-tensor scale"),
            ("mse", "MSE"),
            ("sqnr_db", "SQNR (dB)"),
            ("max_error", "Max error"),
            ("clipped", "Clipped"),
        ]),
    );
    let elements = q.stats.elements;
    let float32 = elements as f64 * 4.0;
    t.rows.push(Row {
        cells: vec![
            Cell::Text(q.format.to_string()),
            Cell::Plain(q.bits_per_weight),
            Cell::count(elements),
            Cell::count(q.bytes),
            Cell::Plain(float32),
            if q.bytes > 0 { Cell::Real(float32 / q.bytes as f64) } else { Cell::Empty },
            Cell::plain(q.per_tensor_scale.map(f64::from)),
            Cell::Real(q.mse()),
            Cell::Decibels(q.sqnr_db()),
            Cell::Real(q.stats.max_abs_error),
            Cell::count(q.stats.clipped),
        ],
        warnings: q.warnings.iter().map(ToString::to_string).collect(),
        summary: true,
    });
    t
}

/// One row per input row (its values, blocks, MSE, SQNR, max error, clipped), then the whole tensor.
pub fn rows(q: &Quantized, names: &[String]) -> Table {
    let mut t = Table::new(
        "format-rows",
        "Error per row and over the tensor",
        Column::list(&[
            ("row", "Row"),
            ("values", "Values"),
            ("blocks", "Blocks"),
            ("mse", "MSE"),
            ("sqnr_db", "SQNR (dB)"),
            ("max_error", "Max error"),
            ("clipped", "Clipped"),
        ]),
    );
    let cells = |name: String, r: Option<&RowResult>, s: &quantscope_core::format::BlockStats| {
        vec![
            Cell::Text(name),
            Cell::count(s.elements),
            r.map_or_else(|| Cell::count(q.channels.iter().map(|r| r.blocks.len()).sum::<usize>()), |r| Cell::count(r.blocks.len())),
            Cell::Real(s.mse()),
            Cell::Decibels(s.sqnr_db()),
            Cell::Real(s.max_abs_error),
            Cell::count(s.clipped),
        ]
    };
    for (i, r) in q.channels.iter().enumerate() {
        t.rows.push(Row::of(cells(row_name(names, i), Some(r), &r.stats)));
    }
    t.rows.push(Row { cells: cells("whole tensor".into(), None, &q.stats), warnings: Vec::new(), summary: true });
    t
}

/// The names of a format's stored scale numbers (`scales_f16`, `scales_e8m0`, ...), from its first block.
pub fn scale_names(q: &Quantized) -> Vec<&'static str> {
    q.channels
        .iter()
        .flat_map(|r| r.blocks.first())
        .next()
        .map(|b| b.scale.named().into_iter().map(|(n, _)| n).collect())
        .unwrap_or_default()
}

/// The number a block's grid is multiplied by when dequantizing, in float32 (`f16(d)`, `2^e`,
/// NVFP4's `pts·s8`, absmax, the scale).
pub fn multiplier(q: &Quantized, scale: &BlockScale) -> f32 {
    match (scale, q.per_tensor_scale) {
        (BlockScale::E4M3 { value, .. }, Some(pts)) => pts * value,
        _ => scale.multiplier(),
    }
}

fn block_cells(q: &Quantized, names: &[String], scale_names: &[&str], row: usize, index: usize, b: &BlockResult) -> Vec<Cell> {
    let mut cells = vec![Cell::Text(row_name(names, row)), Cell::count(index), Cell::count(b.start), Cell::count(b.len)];
    let named = b.scale.named();
    for name in scale_names {
        cells.push(named.iter().find(|(n, _)| n == name).map_or(Cell::Empty, |(n, v)| scale_cell(n, *v)));
    }
    cells.extend([
        Cell::Plain(f64::from(multiplier(q, &b.scale))),
        Cell::Plain(f64::from(b.amax)),
        Cell::Real(b.stats.mse()),
        Cell::Real(b.stats.max_abs_error),
        Cell::count(b.stats.clipped),
    ]);
    cells
}

/// One row per block, in row-major order: the scale as stored, the multiplier it dequantizes with,
/// amax, MSE, max error and clipped count.
pub fn blocks(q: &Quantized, names: &[String]) -> Table {
    let scale_names = scale_names(q);
    let mut columns = Column::list(&[("row", "Row"), ("block", "Block"), ("start", "Start"), ("len", "Values")]);
    columns.extend(scale_names.iter().map(|n| Column::new(n, scale_label(n))));
    columns.extend(Column::list(&[
        ("multiplier", "Grid × (dequantize)"),
        ("amax", "amax"),
        ("mse", "MSE"),
        ("max_error", "Max error"),
        ("clipped", "Clipped"),
    ]));
    let mut t = Table::new("format-blocks", "Blocks: the scale as stored, amax, error and clipped values", columns);
    for (r, row) in q.channels.iter().enumerate() {
        for (k, b) in row.blocks.iter().enumerate() {
            let mut out = Row::of(block_cells(q, names, &scale_names, r, k, b));
            if b.stats.clipped > 0 {
                out.warnings.push(format!("{} value(s) beyond the block's largest level", b.stats.clipped));
            }
            t.rows.push(out);
        }
    }
    t
}

/// One row per value: its block, the value as float32, the stored code, the dequantized value and
/// the error `x̂ − x`.
pub fn values(q: &Quantized, input: &[Vec<f32>], names: &[String]) -> Table {
    let mut t = Table::new(
        "format-values",
        "Every value: its code and dequantized value",
        Column::list(&[
            ("row", "Row"),
            ("index", "Index"),
            ("block", "Block"),
            ("value", "Value (float32)"),
            ("code", "Code"),
            ("dequantized", "Dequantized"),
            ("error", "Error"),
        ]),
    );
    for (i, row) in q.channels.iter().enumerate() {
        let len = row.blocks.first().map_or(1, |b| b.len.max(1));
        let xs = input.get(i).map(Vec::as_slice).unwrap_or_default();
        for (j, (x, (code, xhat))) in xs.iter().zip(row.codes.iter().zip(&row.dequantized)).enumerate() {
            t.rows.push(Row::of(vec![
                Cell::Text(row_name(names, i)),
                Cell::count(j),
                Cell::count(j / len),
                Cell::Plain(f64::from(*x)),
                Cell::Int(i64::from(*code)),
                Cell::Plain(f64::from(*xhat)),
                Cell::Real(f64::from(*xhat) - f64::from(*x)),
            ]));
        }
    }
    t
}

/// A table as CSV with the format's token and its bits per weight first on every line (the
/// CLI's `--format csv` and the page's downloads): keys as the header, every number at full
/// precision ([`Cell::to_csv`]).
pub fn csv(q: &Quantized, table: &Table) -> Result<String, crate::ExportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["format".to_string(), "bits_per_weight".to_string()];
    header.extend(table.columns.iter().map(|c| c.key.clone()));
    w.write_record(&header)?;
    let (token, bpw) = (q.format.to_string(), crate::format_f64(q.bits_per_weight));
    for row in &table.rows {
        let mut record = vec![token.clone(), bpw.clone()];
        record.extend(row.cells.iter().map(Cell::to_csv));
        w.write_record(&record)?;
    }
    let bytes = w.into_inner().map_err(|e| crate::ExportError::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One tensor of a weight file in a format, as `quantscope file --preset NAME --format json`
/// writes it and as the Files tool's workers send it to the one that makes the table: its name,
/// shape, rows × columns (blocks run along the columns, the last axis), and the format's
/// statistics over the whole tensor, or why it was not quantized (`skipped`: the format refused
/// it, e.g. a row length not a multiple of the block, or the file's reader could not read it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileTensor {
    /// The tensor's name in the file.
    pub name: String,
    /// Its shape.
    pub shape: Vec<u64>,
    /// Rows: the product of every axis but the last.
    pub rows: usize,
    /// Values per row: the last axis.
    pub cols: usize,
    /// The format's statistics over the tensor (`None`: skipped).
    #[serde(flatten)]
    pub stats: Option<FileStats>,
    /// Why the tensor was not quantized.
    pub skipped: Option<String>,
    /// With `--worst N`: the N rows of lowest SQNR, lowest first (JSON only; not in the table).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub worst_rows: Vec<WorstRow>,
}

/// A row of a tensor and its SQNR in the format (`--worst`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorstRow {
    /// The row's index (0-based, over every axis but the last).
    pub index: usize,
    /// Its SQNR in dB; `"+inf"` when exact.
    #[serde(with = "extended")]
    pub sqnr_db: f64,
}

/// A tensor's statistics in one format (the core's [`FormatStats`], owned and readable back).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileStats {
    /// The format's token.
    pub format: String,
    /// Values.
    pub elements: u64,
    /// Stored bits, elements and scales (formats.md §0).
    pub storage_bits: u64,
    /// `storage_bits / elements`.
    pub bits_per_weight: f64,
    /// `storage_bits / 8`, rounded up.
    pub bytes: u64,
    /// `Σ (x̂ − x)²` in float64.
    pub sum_squared_error: f64,
    /// `Σ x²` in float64.
    pub signal_power: f64,
    /// `max |x̂ − x|`.
    pub max_abs_error: f64,
    /// Values beyond their block's largest level.
    pub clipped: u64,
    /// `sum_squared_error / elements` ([`FormatStats::mse`]).
    pub mse: f64,
    /// `10·log10(signal_power / sum_squared_error)` ([`FormatStats::sqnr_db`]); `"+inf"` when exact.
    #[serde(with = "extended")]
    pub sqnr_db: f64,
}

impl From<&FormatStats> for FileStats {
    fn from(s: &FormatStats) -> Self {
        FileStats {
            format: s.format.to_string(),
            elements: s.elements,
            storage_bits: s.storage_bits,
            bits_per_weight: s.bits_per_weight,
            bytes: s.bytes,
            sum_squared_error: s.sum_squared_error,
            signal_power: s.signal_power,
            max_abs_error: s.max_abs_error,
            clipped: s.clipped,
            mse: s.mse(),
            sqnr_db: s.sqnr_db(),
        }
    }
}

/// An SQNR as JSON: a number, or `"+inf"` / `"-inf"` (`quantscope_core::metrics::serialize_extended`), NaN as null.
mod extended {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        quantscope_core::metrics::serialize_extended(&Some(*value), s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Any {
            Number(f64),
            Text(String),
            Null(()),
        }
        Ok(match Any::deserialize(d)? {
            Any::Number(v) => v,
            Any::Text(t) if t == "+inf" => f64::INFINITY,
            Any::Text(t) if t == "-inf" => f64::NEG_INFINITY,
            Any::Text(_) | Any::Null(()) => f64::NAN,
        })
    }
}

/// Every tensor of a weight file in `format` (`quantscope file --preset NAME`, the Files tool with
/// a format chosen): the format, the tensor, its shape, bits per weight and bytes with the scales,
/// MSE, SQNR, max error and clipped values, or why it was skipped; one row per tensor in the
/// order given (the file's).
pub fn file(format: &str, tensors: &[FileTensor]) -> Table {
    let mut t = Table::new(
        "format-file",
        format!("Every tensor in {format} (blocks along the last axis)"),
        Column::list(&[
            ("format", "Format"),
            ("tensor", "Tensor"),
            ("shape", "Shape"),
            ("bits_per_weight", "Bits per weight"),
            ("bytes", "Bytes (with scales)"),
            ("mse", "MSE"),
            ("sqnr_db", "SQNR (dB)"),
            ("max_error", "Max error"),
            ("clipped", "Clipped"),
            ("skipped", "Skipped"),
        ]),
    );
    for tensor in tensors {
        let shape = tensor.shape.iter().map(u64::to_string).collect::<Vec<_>>().join("x");
        let mut cells = vec![Cell::Text(format.to_string()), Cell::Text(tensor.name.clone()), Cell::Text(shape)];
        match &tensor.stats {
            Some(s) => cells.extend([
                Cell::Plain(s.bits_per_weight),
                Cell::count(s.bytes),
                Cell::Real(s.mse),
                Cell::Decibels(s.sqnr_db),
                Cell::Real(s.max_abs_error),
                Cell::count(s.clipped),
                Cell::Text(String::new()),
            ]),
            None => {
                cells.extend(std::iter::repeat_n(Cell::Empty, 6));
                cells.push(Cell::Text(tensor.skipped.clone().unwrap_or_default()));
            }
        }
        let mut row = Row::of(cells);
        if let Some(s) = tensor.stats.as_ref().filter(|s| s.clipped > 0) {
            row.warnings.push(format!("{} value(s) beyond their block's largest level", s.clipped));
        }
        t.rows.push(row);
    }
    t
}

/// [`file()`]'s table with a last column naming each tensor's rows of lowest SQNR (`quantscope file
/// --preset NAME --worst N`'s JSON `worst_rows`, lowest first, SQNR at 2 decimals): what the Files
/// tool shows. The CSV and the CLI's table keep [`file()`]'s columns.
pub fn file_with_worst(format: &str, tensors: &[FileTensor]) -> Table {
    let mut t = file(format, tensors);
    t.columns.push(Column::new("worst_rows", "Rows of lowest SQNR (dB)"));
    let num = crate::number::Num(crate::number::Precision::Decimals(2));
    for (row, tensor) in t.rows.iter_mut().zip(tensors) {
        let worst: Vec<String> = tensor.worst_rows.iter().map(|w| format!("row {}: {}", w.index, num.f(w.sqnr_db))).collect();
        row.cells.push(Cell::Text(worst.join(", ")));
    }
    t
}

/// [`file()`]'s table as CSV (`quantscope file --preset NAME --format csv` and the Files tool's
/// download): the column keys, then every cell at full precision.
pub fn file_csv(format: &str, tensors: &[FileTensor]) -> Result<String, crate::ExportError> {
    let mut bytes = Vec::new();
    file(format, tensors).write_csv(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_core::format::quantize_rows;

    #[test]
    fn mxfp4_tables_carry_the_format_bits_and_block_scales() {
        let row: Vec<f32> = (0..32).map(|i| (i as f32 - 16.0) / 8.0).collect();
        let format: Format = "mxfp4".parse().unwrap();
        let q = quantize_rows(&format, &[&row]).unwrap();
        let s = summary(&q, "w");
        assert_eq!(s.rows[0].cells[0], Cell::Text("mxfp4".into()));
        assert_eq!(s.rows[0].cells[1], Cell::Plain(4.25));
        assert_eq!(s.rows[0].cells[3], Cell::Int(17));
        let b = blocks(&q, &[]);
        assert_eq!(b.rows.len(), 1);
        let byte = b.columns.iter().position(|c| c.key == "scales_e8m0").unwrap();
        // amax 2 = 2^1, E2M1's emax is 2: e = −1, byte 126.
        assert_eq!(b.rows[0].cells[byte], Cell::Int(126));
        let m = b.columns.iter().position(|c| c.key == "multiplier").unwrap();
        assert_eq!(b.rows[0].cells[m], Cell::Plain(0.5));
        let r = rows(&q, &["w0".into()]);
        assert_eq!(r.rows.len(), 2);
        assert!(r.rows[1].summary);
        assert_eq!(values(&q, &[row], &[]).rows.len(), 32);
        for t in [s, b, r] {
            assert!(t.rows.iter().all(|row| row.cells.len() == t.columns.len()), "{}", t.id);
        }
    }

    #[test]
    fn nvfp4_blocks_dequantize_with_the_tensor_scale() {
        let row: Vec<f32> = (0..16).map(|i| i as f32 * 0.37 - 2.0).collect();
        let q = quantize_rows(&"nvfp4".parse().unwrap(), &[&row]).unwrap();
        let pts = q.per_tensor_scale.unwrap();
        let BlockScale::E4M3 { value, .. } = q.channels[0].blocks[0].scale else { panic!("an E4M3 scale") };
        assert_eq!(multiplier(&q, &q.channels[0].blocks[0].scale), pts * value);
    }

    #[test]
    fn the_files_tools_table_adds_the_worst_rows_and_the_csv_does_not() {
        let tensor = |name: &str, worst: Vec<WorstRow>, skipped: Option<&str>| FileTensor {
            name: name.into(),
            shape: vec![2, 32],
            rows: 2,
            cols: 32,
            stats: None,
            skipped: skipped.map(str::to_string),
            worst_rows: worst,
        };
        let tensors = [
            tensor("a", vec![WorstRow { index: 1, sqnr_db: 12.345 }, WorstRow { index: 0, sqnr_db: f64::INFINITY }], Some("x")),
            tensor("b", vec![], Some("refused")),
        ];
        let t = file_with_worst("q8_0", &tensors);
        assert_eq!(t.columns.last().map(|c| c.key.as_str()), Some("worst_rows"));
        assert_eq!(t.rows[0].cells.last(), Some(&Cell::Text("row 1: 12.35, row 0: +inf".into())));
        assert_eq!(t.rows[1].cells.last(), Some(&Cell::Text(String::new())));
        assert!(t.rows.iter().all(|row| row.cells.len() == t.columns.len()));
        assert!(!file_csv("q8_0", &tensors).unwrap().contains("worst"));
    }
}
