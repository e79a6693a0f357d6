//! The Tensor and Values tools in a block, float-element or lookup-table format (docs/formats.md):
//! the form's format flags ([`flags::format_of`]) resolved by the core, the text read into float32
//! rows as the CLI reads it ([`input_rows`]), [`quantize_rows`](quantscope_core::format::quantize_rows)
//! of the core, and its result as the export crate's tables ([`quantscope_export::format_tables`],
//! the CLI's too), the format's arithmetic from docs/formats.md ([`formulas`], one source for the
//! page and the docs), and the charts' data: the values on the element type's grid, the block
//! scales, and bits per weight against SQNR over the usual formats ([`FormatData::sweep`]).

use std::sync::Arc;

use quantscope_charts::format_sweep::FormatSweep;
use quantscope_charts::grid_histogram::Units;
use quantscope_charts::scale_histogram::Storage;
use quantscope_charts::tradeoff::FormatResult;
use quantscope_core::error::ParseError;
use quantscope_core::format::{self, BlockScale, ElementType, Format, FormatError, Preset, Quantized};
use quantscope_core::metrics::serialize_extended;
use quantscope_core::parse::{parse_tensor, parse_values, ParsedTensor};
use quantscope_core::tools::ToolOptions;
use quantscope_export::format_tables;
use quantscope_weights::sample::{deserialize_extended, MAX_SAMPLE_VALUES};
use serde::{Deserialize, Serialize};

use super::{Field, InputError, Report};
use crate::flags;
use crate::form::Tool;
use crate::options;

/// The docs' page on the formats: the formulas panel quotes it (one source for both).
const FORMATS_MD: &str = include_str!("../../../../docs/formats.md");

/// Values up to which the bits-per-weight sweep (nine formats) runs by itself.
pub const AUTO_FORMAT_SWEEP_VALUES: usize = 200_000;

/// One tool's input in one format: everything the tables, charts and exports need.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatData {
    /// The tool it came from.
    pub tool: Tool,
    /// The tensor's name.
    pub tensor: String,
    /// The core's result.
    pub quantized: Quantized,
    /// The input rows as float32 (what was quantized).
    pub input: Vec<Vec<f32>>,
    /// The rows' names.
    pub names: Vec<String>,
}

/// A text parsed into float32 rows, as `quantscope tensor` / `quantscope values` read it with a
/// format: the Tensor tool one row per line, the Values tool its one list as one row. Each value is
/// the float32 nearest to the decimal typed; a NaN or infinity is refused where it was typed.
pub fn input_rows(tool: Tool, text: &str, name: &str) -> Result<(ParsedTensor, Vec<Vec<f32>>), ParseError> {
    let parsed = match tool {
        Tool::Values => parse_values(text, name)?,
        _ => parse_tensor(text, name)?,
    };
    let mut rows = format::f32_rows(&parsed)?;
    if tool == Tool::Values && rows.len() > 1 {
        rows = vec![rows.concat()];
    }
    Ok((parsed, rows))
}

fn parse_error(e: ParseError) -> InputError {
    InputError { field: Field::Data, line: e.line, column: e.column, text: e.text, problem: e.problem, expected: e.expected }
}

/// A format error: the input's (a row length, a value) at its row's line, or the option's field.
pub fn format_error(e: FormatError, lines: &[usize]) -> InputError {
    let line = |row: usize| lines.get(row.saturating_sub(1)).copied().unwrap_or(row);
    let problem = e.to_string();
    match &e {
        FormatError::RowLength { row, .. } | FormatError::Range { row, .. } => {
            InputError { field: Field::Data, line: line(*row), column: 1, text: String::new(), problem, expected: String::new() }
        }
        FormatError::NonFinite { row, column, value } => {
            InputError { field: Field::Data, line: line(*row), column: *column, text: value.clone(), problem, expected: String::new() }
        }
        FormatError::Options { option, problem, expected } => InputError {
            field: Field::Option(options::format_field(option)),
            line: 0,
            column: 0,
            text: String::new(),
            problem: format!("{option}: {problem}"),
            expected: expected.clone(),
        },
        _ => InputError {
            field: Field::Option(options::FORMAT_FIELD),
            line: 0,
            column: 0,
            text: String::new(),
            problem,
            expected: String::new(),
        },
    }
}

/// Runs `tool` on `text` in the format `options` name; `None` when they name none (the integer
/// conventions' path). The report carries the charts' [`FormatView`] (the worker posts it).
pub fn run(tool: Tool, options: &ToolOptions, text: &str) -> Option<Result<Report, InputError>> {
    Some(compute(tool, options, text)?.map(|data| data.report()))
}

/// The form's input in the format the form names (`None`: it names none): the core's result,
/// which the worker keeps for the export files (`crate::export::FormatExport`).
pub fn data(tool: Tool, form: &crate::form::FormState) -> Option<Result<FormatData, InputError>> {
    let options = match options::tool_options(tool, form) {
        Ok(options) => options,
        Err(e) => return names_format(tool, form).then_some(Err(e)),
    };
    compute(tool, &options, form.data(tool))
}

/// Whether the form names a format for `tool` (a preset, a float element, integer groups): its
/// results are computed in the worker, and the page never links the formats' arithmetic.
pub fn names_format(tool: Tool, form: &crate::form::FormState) -> bool {
    matches!(tool, Tool::Tensor | Tool::Values) && form.quant(tool).format_kind() != crate::form::FormatKind::Conventions
}

fn compute(tool: Tool, options: &ToolOptions, text: &str) -> Option<Result<FormatData, InputError>> {
    let format = flags::format_of(options)?;
    Some(run_format(tool, options, text, format))
}

fn run_format(tool: Tool, options: &ToolOptions, text: &str, format: Result<Format, FormatError>) -> Result<FormatData, InputError> {
    let format = format.map_err(|e| format_error(e, &[]))?;
    let (parsed, input) = input_rows(tool, text, &options.tensor_name).map_err(parse_error)?;
    let slices: Vec<&[f32]> = input.iter().map(Vec::as_slice).collect();
    let quantized = format::quantize_rows(&format, &slices).map_err(|e| format_error(e, &parsed.channel_lines))?;
    let names = match tool {
        Tool::Values => vec![options.tensor_name.clone()],
        _ => parsed.tensor.channel_names.clone(),
    };
    Ok(FormatData { tool, tensor: options.tensor_name.clone(), quantized, input, names })
}

impl FormatData {
    /// The report: the format's tables, its formulas and warnings, and the charts' data
    /// ([`FormatData::view`]).
    pub fn report(&self) -> Report {
        let q = &self.quantized;
        let mut tables =
            vec![format_tables::summary(q, &self.tensor), format_tables::rows(q, &self.names), format_tables::blocks(q, &self.names)];
        tables.push(format_tables::values(q, &self.input, &self.names));
        Report {
            spec_label: format_tables::describe(&q.format),
            formulas: formulas(&q.format),
            tables: tables.into_iter().map(Arc::new).collect(),
            notes: q.warnings.iter().map(ToString::to_string).collect(),
            charts: None,
            format: Some(Arc::new(self.view())),
        }
    }

    /// What the page draws the charts from (posted by the worker): the grid, the values on it (at
    /// most [`MAX_SAMPLE_VALUES`], every k-th beyond), the block scales and the sweep.
    pub fn view(&self) -> FormatView {
        let q = &self.quantized;
        let (values, scale, units) = self.grid_values();
        let step = values.len().div_ceil(MAX_SAMPLE_VALUES).max(1);
        let values = if step > 1 { values.into_iter().step_by(step).collect() } else { values };
        let sweep = self.sweep();
        FormatView {
            tool: self.tool,
            tensor: self.tensor.clone(),
            format: q.format.to_string(),
            scale_storage: q.format.scale_storage().name().to_string(),
            powers_of_two: self.scale_storage() == Storage::PowerOfTwo,
            elements: q.stats.elements as usize,
            grid: self.grid(),
            values,
            every: step,
            scale,
            per_block_units: units == Units::PerBlockScale,
            scales: self.block_scales().into_iter().filter(|s| s.is_finite()).collect(),
            sweep: sweep
                .results
                .into_iter()
                .map(|r| SweepPoint {
                    format: r.format,
                    bits_per_weight: r.bits_per_weight.is_finite().then_some(r.bits_per_weight),
                    sqnr_db: r.sqnr_db,
                    note: r.note,
                })
                .collect(),
        }
    }

    /// The multiplier of each block's grid when dequantizing, in block order.
    pub fn block_scales(&self) -> Vec<f64> {
        let q = &self.quantized;
        q.channels.iter().flat_map(|r| r.blocks.iter().map(|b| f64::from(format_tables::multiplier(q, &b.scale)))).collect()
    }

    /// How the block scales are stored (the scale histogram's bins).
    pub fn scale_storage(&self) -> Storage {
        Storage::of(self.quantized.format.scale_storage())
    }

    /// The element type's grid (before scaling).
    pub fn grid(&self) -> Vec<f64> {
        self.quantized.format.element().grid().into_iter().map(f64::from).collect()
    }

    /// The values for the grid histogram: with one block, the values and its multiplier
    /// ([`Units::Original`]); with several, each value in its block's grid units (divided by the
    /// block's multiplier, the minimum or zero point and the code offset undone), scale 1.
    pub fn grid_values(&self) -> (Vec<f64>, f64, Units) {
        let q = &self.quantized;
        let blocks: usize = q.channels.iter().map(|r| r.blocks.len()).sum();
        let offset = match q.format.element() {
            // GGUF Q4_0 / Q5_0 codes are 0..2^b − 1 for (code − 2^(b−1))·d.
            ElementType::Int { min: 0, max } if !matches!(q.format, Format::Preset(Preset::Q4_1 | Preset::Q5_1)) => {
                f64::from(max + 1) / 2.0
            }
            _ => 0.0,
        };
        if blocks == 1 && offset == 0.0 {
            if let Some(b) = q.channels.iter().flat_map(|r| r.blocks.first()).next() {
                if !matches!(b.scale, BlockScale::F16 { min: Some(_), .. } | BlockScale::Int { .. }) {
                    let values = self.input.iter().flatten().map(|v| f64::from(*v)).collect();
                    return (values, f64::from(format_tables::multiplier(q, &b.scale)), Units::Original);
                }
            }
        }
        let mut values = Vec::with_capacity(q.stats.elements as usize);
        for (row, result) in self.input.iter().zip(&q.channels) {
            for b in &result.blocks {
                let m = f64::from(format_tables::multiplier(q, &b.scale));
                for &x in row.iter().skip(b.start).take(b.len) {
                    let x = f64::from(x);
                    let v = match b.scale {
                        BlockScale::F16 { d, min: Some(min) } => (x - f64::from(min)) / f64::from(d),
                        BlockScale::Int { scale, zero_point } => x / f64::from(scale) + f64::from(zero_point),
                        _ => x / m + offset,
                    };
                    values.push(if v.is_finite() { v } else { offset });
                }
            }
        }
        (values, 1.0, Units::PerBlockScale)
    }

    /// Bits per weight against SQNR over int8 / int4 per channel, int4 in groups, FP8, MXFP4,
    /// NVFP4, NF4, Q4_0 and Q8_0 (and the chosen format), each on the same rows; a format that
    /// cannot take them (a row length not a multiple of its block) is listed with the reason.
    pub fn sweep(&self) -> FormatSweep {
        let cols = self.input.first().map_or(0, Vec::len);
        let group = if cols.is_multiple_of(128) && cols > 0 { 128 } else { 32 };
        let mut formats: Vec<Format> =
            ["int8:per-channel", "int4:per-channel", "fp8-e4m3:per-channel", "mxfp4", "nvfp4", "nf4", "q4_0", "q8_0"]
                .iter()
                .filter_map(|t| t.parse().ok())
                .collect();
        if let Ok(f) = format!("int4:per-group:{group}").parse() {
            formats.insert(2, f);
        }
        let chosen = self.quantized.format;
        if !formats.contains(&chosen) {
            formats.push(chosen);
        }
        // The streaming compare_rows (the worker computes the sweep, so its size costs the page
        // nothing): every format in one pass over the rows, no quantized rows kept; its statistics
        // are quantize_rows' bit for bit. Rows of unequal length (never from the parsers) fall back.
        let rows = self.input.len();
        let results = if self.input.iter().all(|r| r.len() == cols) {
            let flat = self.input.concat();
            formats
                .iter()
                .zip(format::compare_rows(&formats, &flat, rows, cols))
                .map(|(f, r)| match r {
                    Ok(stats) => FormatResult::new(f.to_string(), stats.bits_per_weight, stats.sqnr_db()),
                    Err(e) => FormatResult::not_applicable(f.to_string(), f64::NAN, e.to_string()),
                })
                .collect()
        } else {
            let slices: Vec<&[f32]> = self.input.iter().map(Vec::as_slice).collect();
            formats
                .iter()
                .map(|f| match format::quantize_rows(f, &slices) {
                    Ok(q) => FormatResult::new(f.to_string(), q.bits_per_weight, q.sqnr_db()),
                    Err(e) => FormatResult::not_applicable(f.to_string(), f64::NAN, e.to_string()),
                })
                .collect()
        };
        FormatSweep { label: self.tensor.clone(), results, chosen: Some(chosen.to_string()) }
    }
}

/// A format's result as the page draws it (the worker computes it: [`FormatData::view`]): small
/// derived data, never the quantized rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormatView {
    /// The tool it came from.
    pub tool: Tool,
    /// The tensor's name.
    pub tensor: String,
    /// The format's token (`mxfp4`, `int4:per-group:32`).
    pub format: String,
    /// How its scales are stored (`e8m0`, `f16`, ...).
    pub scale_storage: String,
    /// The scales are powers of two (E8M0: one histogram bin per exponent).
    pub powers_of_two: bool,
    /// Values quantized.
    pub elements: usize,
    /// The element type's grid (before scaling).
    pub grid: Vec<f64>,
    /// The values for the grid histogram ([`FormatData::grid_values`]), every `every`-th of them.
    pub values: Vec<f64>,
    /// 1: every value; k: every k-th (a large input).
    pub every: usize,
    /// The multiplier of the grid ([`Units::Original`]) or 1.
    pub scale: f64,
    /// The values are in their block's grid units ([`Units::PerBlockScale`]).
    pub per_block_units: bool,
    /// Each block's multiplier, in block order.
    pub scales: Vec<f64>,
    /// Bits per weight against SQNR over the usual formats ([`FormatData::sweep`]).
    pub sweep: Vec<SweepPoint>,
}

/// One format of the sweep; `None` where the number is not finite (a refused format's bits).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    pub format: String,
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
    pub bits_per_weight: Option<f64>,
    #[serde(serialize_with = "serialize_extended", deserialize_with = "deserialize_extended")]
    pub sqnr_db: Option<f64>,
    pub note: Option<String>,
}

impl FormatView {
    /// What the grid histogram's x axis counts.
    pub fn units(&self) -> Units {
        if self.per_block_units {
            Units::PerBlockScale
        } else {
            Units::Original
        }
    }

    /// The scale histogram's bins.
    pub fn storage(&self) -> Storage {
        if self.powers_of_two {
            Storage::PowerOfTwo
        } else {
            Storage::Continuous
        }
    }

    /// The sweep as the chart draws it, the chosen format highlighted.
    pub fn sweep(&self) -> FormatSweep {
        let results = self
            .sweep
            .iter()
            .map(|p| FormatResult {
                format: p.format.clone(),
                bits_per_weight: p.bits_per_weight.unwrap_or(f64::NAN),
                sqnr_db: p.sqnr_db,
                note: p.note.clone(),
            })
            .collect();
        FormatSweep { label: self.tensor.clone(), results, chosen: Some(self.format.clone()) }
    }
}

/// [`Report::format`]'s JSON: the view itself (serde's `rc` feature is not enabled; the page
/// reads one view per reply, so the `Arc` is only shared between the page's memos).
pub mod shared_view {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::FormatView;

    pub fn serialize<S: Serializer>(view: &Option<Arc<FormatView>>, s: S) -> Result<S::Ok, S::Error> {
        view.as_deref().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<FormatView>>, D::Error> {
        Ok(Option::<FormatView>::deserialize(d)?.map(Arc::new))
    }
}

/// The paragraph of docs/formats.md's "How each format is computed" that starts with `**head**`,
/// split into its head's parenthesis (file and reference) and its body.
fn doc_paragraph(head: &str) -> Option<(String, Vec<String>)> {
    let marker = format!("**{head}**");
    let start = FORMATS_MD.find(&marker)?;
    let rest = &FORMATS_MD[start + marker.len()..];
    let paragraph = rest.split("\n\n").next().unwrap_or_default();
    let joined = paragraph.lines().map(str::trim).collect::<Vec<_>>();
    // The head's parenthesis: `(crates/core/src/format/gguf.rs; gguf-py 0.19.0 ...)`.
    let text = joined.join("\n");
    let text = text.trim_start();
    let (reference, body) = match text.strip_prefix('(').and_then(|t| t.split_once(").")) {
        Some((reference, body)) => (reference.replace('\n', " "), body.to_string()),
        None => (String::new(), text.to_string()),
    };
    // One item per bullet; sentences before the first bullet form one item.
    let mut items: Vec<String> = Vec::new();
    for line in body.lines() {
        let line = line.trim();
        if let Some(bullet) = line.strip_prefix("- ") {
            items.push(bullet.to_string());
        } else if let Some(last) = items.last_mut() {
            last.push(' ');
            last.push_str(line);
        } else if !line.is_empty() {
            items.push(line.to_string());
        }
    }
    Some((reference, items.into_iter().map(|i| i.trim().to_string()).filter(|i| !i.is_empty()).collect()))
}

/// The cells of the formats table's row whose first cell names `token` (docs/formats.md).
fn doc_table_row(token: &str) -> Option<Vec<String>> {
    let needle = format!("`{token}`");
    FORMATS_MD
        .lines()
        .filter(|l| l.starts_with('|'))
        .find(|l| l.split('|').nth(1).is_some_and(|c| c.contains(&needle)))
        .map(|l| l.trim().trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
}

/// The chosen format's arithmetic for the formulas panel: who uses it, element, scale storage, bits
/// per weight, how it is computed (scale formula, rounding, storage) and its reference package and
/// function, quoted from docs/formats.md (the same text as the docs, never a second copy).
pub fn formulas(format: &Format) -> Vec<(String, String)> {
    let (head, row_token, bullet) = match format {
        Format::Preset(p) => {
            let bullet = match p {
                Preset::Q8_0 => Some("Q8_0:"),
                Preset::Q4_0 | Preset::Q5_0 => Some("Q4_0/Q5_0:"),
                Preset::Q4_1 | Preset::Q5_1 => Some("Q4_1/Q5_1:"),
                _ => None,
            };
            let head = match p {
                Preset::Q8_0 | Preset::Q4_0 | Preset::Q4_1 | Preset::Q5_0 | Preset::Q5_1 => "GGUF",
                Preset::Nvfp4 => "NVFP4",
                Preset::Nf4 | Preset::Fp4Bnb => "NF4 and FP4",
                _ => "MX",
            };
            (head, p.name().to_string(), bullet)
        }
        Format::Float { element, .. } => ("Float elements with one float32 scale", format!("{}:SCOPE", element.name()), None),
        Format::Int { bits, .. } => ("Integer groups", format!("{}:SCOPE", bits.name()), None),
    };
    let mut out = vec![("format".to_string(), format_tables::describe(format))];
    if let Some(cells) = doc_table_row(&row_token) {
        for (i, name) in [(1, "who uses it"), (3, "element"), (4, "scale stored as"), (5, "bits per weight")] {
            if let Some(cell) = cells.get(i) {
                out.push((name.to_string(), cell.replace('`', "")));
            }
        }
    }
    if let Some((reference, items)) = doc_paragraph(head) {
        let general: Vec<&String> = items.iter().filter(|i| !i.starts_with("Q8_0:") && !i.starts_with("Q4_")).collect();
        for item in general {
            out.push(("computed as".to_string(), item.replace('`', "")));
        }
        if let Some(bullet) = bullet {
            if let Some(item) = items.iter().find(|i| i.starts_with(bullet)) {
                out.push((bullet.trim_end_matches(':').to_string(), item[bullet.len()..].trim().replace('`', "")));
            }
        }
        if !reference.is_empty() {
            out.push(("reference".to_string(), reference.replace('`', "")));
        }
    }
    if let Format::Preset(p) = format {
        out.push(("reference function".to_string(), p.info().reference.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{FormState, INT_GROUPS};
    use crate::results::{run as run_tool, Cell};

    fn form(tool: Tool, format: &str, data: &str) -> FormState {
        let mut f = FormState::examples();
        f.quant_mut(tool).format = format.into();
        match tool {
            Tool::Values => f.values.data = data.into(),
            _ => f.tensor.data = data.into(),
        }
        f
    }

    fn row32(scale: f32) -> String {
        (0..32).map(|i| format!("{}", (i as f32 - 15.5) * scale)).collect::<Vec<_>>().join(", ")
    }

    fn cell<'a>(report: &'a Report, table: &str, row: usize, key: &str) -> &'a Cell {
        let t = report.tables.iter().find(|t| t.id == table).unwrap_or_else(|| panic!("no table {table}"));
        let c = t.columns.iter().position(|c| c.key == key).unwrap_or_else(|| panic!("no column {key}"));
        &t.rows[row].cells[c]
    }

    #[test]
    fn a_preset_in_the_form_runs_the_cores_format() {
        let data = format!("{}\n{}", row32(0.1), row32(0.013));
        let f = form(Tool::Tensor, "mxfp4", &data);
        let report = run_tool(Tool::Tensor, &f).unwrap();
        let d = super::data(Tool::Tensor, &f).unwrap().unwrap();
        let q = &d.quantized;
        assert_eq!(q.format.to_string(), "mxfp4");
        assert_eq!(cell(&report, "format-summary", 0, "bits_per_weight"), &Cell::Plain(4.25));
        assert_eq!(cell(&report, "format-summary", 0, "bytes"), &Cell::Int(34));
        assert_eq!(report.tables.iter().find(|t| t.id == "format-blocks").unwrap().rows.len(), 2);
        // The same numbers as the core's own call.
        let rows: Vec<Vec<f32>> = data.lines().map(|l| l.split(", ").map(|v| v.parse().unwrap()).collect()).collect();
        let slices: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let direct = format::quantize_rows(&"mxfp4".parse().unwrap(), &slices).unwrap();
        assert_eq!(q.channels[1].dequantized, direct.channels[1].dequantized);
        assert!(report.spec_label.starts_with("mxfp4"));
    }

    #[test]
    fn every_choice_of_the_form_maps_to_its_format() {
        let data = row32(0.05);
        let cases: Vec<(FormState, &str)> = vec![
            (form(Tool::Tensor, "nf4", &format!("{data}, {data}")), "nf4"),
            (form(Tool::Tensor, "q4_0", &data), "q4_0"),
            (
                {
                    let mut f = form(Tool::Tensor, "fp8-e4m3", &data);
                    f.tensor.quant.format_granularity = "per-tensor".into();
                    f
                },
                "fp8-e4m3:per-tensor",
            ),
            (form(Tool::Tensor, "fp8-e5m2", &data), "fp8-e5m2:per-channel"),
            (
                {
                    let mut f = form(Tool::Values, "fp4-e2m1", &data);
                    f.values.quant.format_granularity = "per-group".into();
                    f.values.quant.group_size = "16".into();
                    f
                },
                "fp4-e2m1:per-group:16",
            ),
            (
                {
                    let mut f = form(Tool::Tensor, INT_GROUPS, &data);
                    f.tensor.quant.dtype = "int4".into();
                    f.tensor.quant.scheme = "affine".into();
                    f
                },
                "int4-affine:per-group:32",
            ),
        ];
        for (f, token) in cases {
            let tool = if f.values.quant.format.is_empty() { Tool::Tensor } else { Tool::Values };
            let report = run_tool(tool, &f).unwrap_or_else(|e| panic!("{token}: {e}"));
            assert_eq!(report.format.as_ref().unwrap().format, token);
        }
    }

    #[test]
    fn format_refusals_are_located() {
        // 5 values: not a multiple of 32, on line 2.
        let f = form(Tool::Tensor, "q8_0", &format!("{}\n1, 2, 3, 4, 5", row32(0.1)));
        let e = run_tool(Tool::Tensor, &f).unwrap_err();
        assert_eq!((e.field, e.line), (Field::Data, 2));
        assert!(e.problem.contains("32"), "{e}");
        let mut f = form(Tool::Tensor, INT_GROUPS, &row32(0.1));
        f.tensor.quant.dtype = "uint4".into();
        let e = run_tool(Tool::Tensor, &f).unwrap_err();
        assert_eq!(e.field, Field::Option("dtype"), "{e}");
        let mut f = form(Tool::Tensor, "fp8-e4m3", &row32(0.1));
        f.tensor.quant.format_granularity = "per-group".into();
        f.tensor.quant.group_size = "x".into();
        assert_eq!(run_tool(Tool::Tensor, &f).unwrap_err().field, Field::Option("group-size"));
        let f = form(Tool::Tensor, "q9_9", &row32(0.1));
        assert_eq!(run_tool(Tool::Tensor, &f).unwrap_err().field, Field::Option("format"));
    }

    #[test]
    fn the_formulas_quote_the_docs_for_every_preset() {
        for p in Preset::ALL {
            let f = formulas(&Format::Preset(p));
            let get = |name: &str| f.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
            assert!(!get("computed as").is_empty(), "{}", p.name());
            assert!(!get("reference").is_empty(), "{}", p.name());
            assert!(!get("bits per weight").is_empty(), "{}", p.name());
        }
        let f = formulas(&"q4_0".parse().unwrap());
        assert!(f.iter().any(|(n, v)| n == "Q4_0/Q5_0" && v.contains("d = mx/−8")), "{f:?}");
        let f = formulas(&"fp8-e4m3:per-channel".parse().unwrap());
        assert!(f.iter().any(|(_, v)| v.contains("scale = amax/fmax")), "{f:?}");
    }

    #[test]
    fn the_charts_data_is_the_grid_the_scales_and_the_sweep() {
        let line = format!("{}, {}", row32(0.1), row32(0.02));
        let d = super::data(Tool::Tensor, &form(Tool::Tensor, "nf4", &format!("{line}\n{line}"))).unwrap().unwrap();
        assert_eq!(d.grid().len(), 16);
        let (values, scale, units) = d.grid_values();
        assert_eq!(values.len(), 128);
        assert_eq!((scale, units), (1.0, Units::PerBlockScale));
        assert!(values.iter().all(|v| v.abs() <= 1.0 + 1e-6), "divided by absmax");
        assert_eq!(d.block_scales().len(), 2);
        let sweep = d.sweep();
        assert_eq!(sweep.chosen.as_deref(), Some("nf4"));
        let nf4 = sweep.results.iter().find(|r| r.format == "nf4").unwrap();
        assert_eq!(nf4.bits_per_weight, 4.5);
        assert_eq!(nf4.sqnr_db, Some(d.quantized.sqnr_db()));
        assert!(sweep.results.iter().any(|r| r.format == "int4:per-group:32"));
        // The streaming pass gives quantize_rows' numbers for every format, bit for bit.
        let slices: Vec<&[f32]> = d.input.iter().map(Vec::as_slice).collect();
        for r in &sweep.results {
            let q = format::quantize_rows(&r.format.parse().unwrap(), &slices).unwrap();
            assert_eq!((r.bits_per_weight, r.sqnr_db.map(f64::to_bits)), (q.bits_per_weight, Some(q.sqnr_db().to_bits())), "{}", r.format);
        }
        // Q4_0 on 64 values per row: its codes' grid is 0..15 with the offset 8 undone.
        let d = super::data(Tool::Tensor, &form(Tool::Tensor, "q4_0", &format!("{}, {}", row32(0.1), row32(0.3)))).unwrap().unwrap();
        let (values, _, _) = d.grid_values();
        // The element opposite the largest one lands at 16, beyond the top code: clipped.
        assert!(values.iter().all(|v| (-0.01..=16.01).contains(v)), "{values:?}");
    }

    #[test]
    fn the_view_is_the_charts_data_and_survives_the_workers_json() {
        let line = format!("{}, {}", row32(0.1), row32(0.02));
        let d = super::data(Tool::Tensor, &form(Tool::Tensor, "nf4", &format!("{line}\n{line}"))).unwrap().unwrap();
        let view = d.view();
        let (values, scale, units) = d.grid_values();
        assert_eq!((view.values.clone(), view.scale, view.units(), view.every), (values, scale, units, 1));
        assert_eq!((view.grid.clone(), view.scales.clone(), view.storage()), (d.grid(), d.block_scales(), d.scale_storage()));
        assert_eq!(view.sweep(), d.sweep());
        let json = serde_json::to_string(&view).unwrap();
        let back: FormatView = serde_json::from_str(&json).unwrap();
        assert_eq!(back, view);
        // A refused format of the sweep (NaN bits) and a lossless one (+inf dB) read back.
        let mut odd = view.clone();
        odd.sweep[0].bits_per_weight = None;
        odd.sweep[1].sqnr_db = Some(f64::INFINITY);
        assert_eq!(serde_json::from_str::<FormatView>(&serde_json::to_string(&odd).unwrap()).unwrap(), odd);
        // More values than a chart needs: every k-th.
        let many = vec![row32(0.1); 4000].join(", ");
        let mut f = form(Tool::Values, "q8_0", &many);
        f.values.data = many;
        let view = super::data(Tool::Values, &f).unwrap().unwrap().view();
        assert_eq!((view.elements, view.every), (128_000, 2));
        assert_eq!(view.values.len(), 64_000);
    }
}
