//! What the Export section (and the worker, for a large input) hands out, built from the core's
//! report of the results on screen (the report the tables and charts come from, shared, never
//! recomputed): file names, the two CSV tables (`crates/export`), the settings file, the PDF report
//! and the parameters. The page writes the per-element CSV in pieces (`src/components/export`).

use std::sync::Arc;

use quantscope_core::tools::ToolOptions;
use quantscope_core::{Analysis, Granularity};
use quantscope_export::{ElementRows, Paper, PdfOptions};
use serde::Serialize;

use crate::form::{FormState, Tool};
use crate::protocol::ExportFile;
use crate::results::format::FormatData;
use crate::results::{ChartData, AUTO_SWEEP_VALUES};

/// Input texts up to this size are copied into the settings file; a larger one is left out (the
/// per-element CSV has every value).
pub const SETTINGS_INPUT_LIMIT: usize = 64 * 1024;

/// The results on screen, as the export section needs them: the core's report (shared with the
/// tables and charts) and the options it was computed with.
#[derive(Clone, Debug, PartialEq)]
pub struct Exportable {
    pub tool: Tool,
    pub report: ChartData,
    pub options: Arc<ToolOptions>,
}

impl Exportable {
    pub fn analysis(&self) -> &Analysis {
        self.report.analysis()
    }

    /// `conv1.weight_channels_pytorch_qint8_affine`: the tensor, the tool, the convention
    /// (`-custom` when a choice was overridden), the integer type, the scheme, and `per-tensor`
    /// when the parameters are per tensor (the values tool always is: not repeated).
    pub fn file_stem(&self) -> String {
        let a = self.analysis();
        let mut convention = a.spec.convention.name().to_string();
        if !a.spec.overridden.is_empty() {
            convention.push_str("-custom");
        }
        let mut parts = vec![
            file_safe(&a.tensor),
            self.tool.slug().to_string(),
            convention,
            a.spec.dtype.to_string(),
            a.spec.scheme.name().to_string(),
        ];
        if a.granularity == Granularity::PerTensor && self.tool != Tool::Values {
            parts.push("per-tensor".into());
        }
        parts.join("_")
    }

    pub fn results_name(&self) -> String {
        format!("{}.csv", self.file_stem())
    }

    pub fn elements_name(&self) -> String {
        format!("{}_elements.csv", self.file_stem())
    }

    pub fn settings_name(&self) -> String {
        format!("{}_settings.json", self.file_stem())
    }

    pub fn pdf_name(&self, paper: Paper) -> String {
        let paper = match paper {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        };
        format!("{}_{paper}.pdf", self.file_stem())
    }

    /// The results table (one row per channel and the tensor's summary row).
    pub fn results_csv(&self) -> String {
        quantscope_export::results_csv(self.analysis())
    }

    /// The number of rows of the per-element table.
    pub fn element_count(&self) -> usize {
        ElementRows::new(self.analysis()).total()
    }

    /// The per-element table in one go (in the worker, where nothing waits for the thread; the page
    /// writes it in pieces with [`ElementRows`]).
    pub fn elements_csv_bytes(&self) -> Result<Vec<u8>, String> {
        let mut rows = ElementRows::new(self.analysis());
        let mut csv = Vec::new();
        rows.write(&mut csv, usize::MAX).map_err(|e| e.to_string())?;
        Ok(csv)
    }

    /// The settings file: the convention and every option (resolved, and as typed in `form`, the
    /// form the results were computed from), the command line that computes the same numbers, and
    /// the input text when it is small.
    pub fn settings_json(&self, form: &FormState) -> String {
        let a = self.analysis();
        let input = form.data(self.tool);
        #[allow(unreachable_patterns)]
        let tool_form = match self.tool {
            Tool::Channels => serde_json::to_value(&form.channels),
            Tool::Tensor => serde_json::to_value(&form.tensor),
            Tool::Values => serde_json::to_value(&form.values),
            _ => Ok(serde_json::Value::Null),
        }
        .unwrap_or_default();
        let settings = Settings {
            quantscope: env!("CARGO_PKG_VERSION"),
            tool: self.tool.slug(),
            tensor: &a.tensor,
            convention: &a.convention,
            spec: &a.spec,
            options: &self.options,
            form: tool_form,
            command: crate::flags::command_line(self.tool, &self.options),
            input: (input.len() <= SETTINGS_INPUT_LIMIT).then_some(input),
            input_chars: input.chars().count(),
            files: [self.results_name(), self.elements_name()],
        };
        serde_json::to_string_pretty(&settings).unwrap_or_default() + "\n"
    }

    /// Whether the PDF draws the bit-width sweep (the tensor tool, at sizes where the page draws
    /// it by itself).
    pub fn pdf_has_sweep(&self) -> bool {
        matches!(self.report, ChartData::Tensor { .. }) && self.analysis().summary.elements <= AUTO_SWEEP_VALUES
    }

    /// The PDF report on `paper`, dated `date`, numbers with `decimals` decimals, with the charts
    /// of the page (the tensor tool's sweep as in [`Exportable::pdf_has_sweep`]).
    pub fn pdf(&self, paper: Paper, date: String, decimals: u8) -> Vec<u8> {
        let mut options = PdfOptions {
            paper,
            date,
            options: Some((*self.options).clone()),
            precision: quantscope_export::number::Precision::Decimals(usize::from(decimals)),
            ..PdfOptions::default()
        };
        match &self.report {
            ChartData::Channels(report) => quantscope_export::channels_pdf(report, &options),
            ChartData::Tensor { report, text, options: tool_options, .. } => {
                if self.pdf_has_sweep() {
                    options.sweep = quantscope_core::sweep::tensor_tool(text, tool_options).ok();
                }
                quantscope_export::tensor_pdf(report, &options)
            }
            ChartData::Values(report) => quantscope_export::values_pdf(report, &options),
            // Not exported from here: the Files tool offers its model-wide report (quantscope_export::file_table::pdf).
            ChartData::Sampled(_) => Vec::new(),
        }
    }

    /// Scales and zero points for a framework (JSON, PyTorch, ONNX).
    pub fn params(&self) -> quantscope_export::params::Params {
        quantscope_export::params::Params::of(self.analysis())
    }

    /// The "Export parameters" texts, JSON, PyTorch and ONNX, joined by [`PARAMS_SEPARATOR`] (the
    /// worker posts them as one file, `ExportFile::Params`); a NUL typed in a name is shown as �.
    pub fn params_texts(&self) -> String {
        let params = self.params();
        [params.to_json(), params.to_torch(), params.to_onnx()]
            .map(|text| text.replace(PARAMS_SEPARATOR, "\u{fffd}"))
            .join(PARAMS_SEPARATOR)
    }

    /// One export file of these results (made in the worker): its bytes and its row count (the
    /// per-element CSV's; 0 for the others).
    pub fn file(&self, file: &ExportFile) -> Result<(Vec<u8>, usize), String> {
        Ok(match file {
            ExportFile::ResultsCsv => (self.results_csv().into_bytes(), 0),
            ExportFile::ElementsCsv => (self.elements_csv_bytes()?, self.element_count()),
            ExportFile::Settings { form } => (self.settings_json(form).into_bytes(), 0),
            ExportFile::Pdf { paper, date, decimals } => (self.pdf(*paper, date.clone(), *decimals), 0),
            ExportFile::Params => (self.params_texts().into_bytes(), 0),
            _ => return Err("this file is not one of a tool's results".into()),
        })
    }
}

/// Between the three texts of [`Exportable::params_texts`]: NUL, which none of them holds.
pub const PARAMS_SEPARATOR: &str = "\0";

/// One export file of `tool`'s results on `form` (a small input, whose results the page computed):
/// the worker computes them again as the page did ([`crate::results::run`]) and makes the file, so
/// that the page links no PDF code (`Request::ExportForm`). The same bytes as the page's own
/// [`Exportable`] of those results.
pub fn form_file(tool: Tool, form: &FormState, file: &ExportFile) -> Result<(Vec<u8>, usize), String> {
    let report = crate::results::run(tool, form).map_err(|e| e.to_string())?;
    let report = report.charts.ok_or_else(|| format!("the {} tool's results have no report to export", tool.slug()))?;
    let options = crate::options::tool_options(tool, form).map_err(|e| e.to_string())?;
    Exportable { tool, report, options: Arc::new(options) }.file(file)
}

#[derive(Serialize)]
struct Settings<'a> {
    /// The app's version.
    quantscope: &'static str,
    tool: &'static str,
    tensor: &'a str,
    /// The convention label (`pytorch (custom: rounding)`).
    convention: &'a str,
    /// Every choice, resolved.
    spec: &'a quantscope_core::QuantSpec,
    /// The core's options, by their command-line names.
    options: &'a ToolOptions,
    /// The tool's form as typed.
    form: serde_json::Value,
    /// The same computation on the command line (the input on standard input).
    command: String,
    /// The input text, when at most [`SETTINGS_INPUT_LIMIT`] bytes.
    input: Option<&'a str>,
    input_chars: usize,
    /// The CSV files this describes.
    files: [String; 2],
}

/// A name made safe for a file name: letters, digits, `.`, `-` and `_` kept, anything else `_`,
/// no leading dot, at most 80 characters.
pub fn file_safe(name: &str) -> String {
    let safe: String =
        name.trim().chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).take(80).collect();
    let safe = safe.trim_start_matches('.');
    if safe.is_empty() {
        "tensor".into()
    } else {
        safe.into()
    }
}

/// The files of a result in a block, float-element or lookup-table format (`results::format`):
/// the blocks CSV (format and bits per weight on every line), the values CSV, the settings file
/// (with the command computing the same numbers), the block scales (the parameters) and the PDF.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatExport {
    pub data: Arc<FormatData>,
    pub options: Arc<ToolOptions>,
}

/// One block's stored scale, as the parameters file lists it.
#[derive(Serialize)]
struct BlockParams {
    start: usize,
    len: usize,
    /// The stored numbers under the reference's names (`scales_f16`, `scales_e8m0`, ...).
    #[serde(flatten)]
    stored: serde_json::Map<String, serde_json::Value>,
    /// What the grid is multiplied by when dequantizing.
    multiplier: f32,
}

#[derive(Serialize)]
struct RowParams<'a> {
    name: &'a str,
    blocks: Vec<BlockParams>,
}

#[derive(Serialize)]
struct FormatParams<'a> {
    tensor: &'a str,
    format: String,
    command: String,
    bits_per_weight: f64,
    bytes: u64,
    scale_storage: &'static str,
    block_size: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_tensor_scale: Option<f32>,
    rows: Vec<RowParams<'a>>,
}

#[derive(Serialize)]
struct FormatSettings<'a> {
    quantscope: &'static str,
    tool: &'static str,
    tensor: &'a str,
    format: String,
    bits_per_weight: f64,
    options: &'a ToolOptions,
    form: serde_json::Value,
    command: String,
    input: Option<&'a str>,
    input_chars: usize,
    files: [String; 2],
}

/// The names of a format result's files (the page names the files the worker makes with them).
#[derive(Clone, Debug, PartialEq)]
pub struct FormatFileNames {
    /// `<tensor>_<tool>_<format>`, e.g. `fc.weight_tensor_mxfp4`.
    pub stem: String,
}

impl FormatFileNames {
    /// The names for `tensor` of `tool` in the format `token` (`int4:per-group:32`).
    pub fn new(tensor: &str, tool: Tool, token: &str) -> Self {
        FormatFileNames { stem: format!("{}_{}_{}", file_safe(tensor), tool.slug(), file_safe(&token.replace(':', "-"))) }
    }

    pub fn results_name(&self) -> String {
        format!("{}.csv", self.stem)
    }

    pub fn elements_name(&self) -> String {
        format!("{}_elements.csv", self.stem)
    }

    pub fn settings_name(&self) -> String {
        format!("{}_settings.json", self.stem)
    }

    pub fn params_name(&self) -> String {
        format!("{}_block_scales.json", self.stem)
    }

    pub fn pdf_name(&self, paper: Paper) -> String {
        let paper = match paper {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        };
        format!("{}_{paper}.pdf", self.stem)
    }
}

impl FormatExport {
    /// The files' names ([`FormatFileNames`]).
    pub fn names(&self) -> FormatFileNames {
        let d = &self.data;
        FormatFileNames::new(&d.tensor, d.tool, &d.quantized.format.to_string())
    }

    /// `<tensor>_<tool>_<format>`, e.g. `fc.weight_tensor_mxfp4`.
    pub fn file_stem(&self) -> String {
        self.names().stem
    }

    pub fn results_name(&self) -> String {
        self.names().results_name()
    }

    pub fn elements_name(&self) -> String {
        self.names().elements_name()
    }

    pub fn settings_name(&self) -> String {
        self.names().settings_name()
    }

    pub fn params_name(&self) -> String {
        self.names().params_name()
    }

    pub fn pdf_name(&self, paper: Paper) -> String {
        self.names().pdf_name(paper)
    }

    /// The command computing the same numbers (`quantscope tensor --preset=mxfp4`).
    pub fn command(&self) -> String {
        crate::flags::command_line(self.data.tool, &self.options)
    }

    /// One line per block: the format, bits per weight, the stored scale, amax, errors, clipped.
    pub fn results_csv(&self) -> String {
        let q = &self.data.quantized;
        quantscope_export::format_tables::csv(q, &quantscope_export::format_tables::blocks(q, &self.data.names)).unwrap_or_default()
    }

    /// One line per value: the format, bits per weight, code, dequantized value and error.
    pub fn elements_csv(&self) -> String {
        let d = &self.data;
        quantscope_export::format_tables::csv(&d.quantized, &quantscope_export::format_tables::values(&d.quantized, &d.input, &d.names))
            .unwrap_or_default()
    }

    /// The block scales as stored (and the multiplier each dequantizes with), per row.
    pub fn params_json(&self) -> String {
        let d = &self.data;
        let q = &d.quantized;
        let rows = q
            .channels
            .iter()
            .enumerate()
            .map(|(i, r)| RowParams {
                name: d.names.get(i).map_or("", String::as_str),
                blocks: r
                    .blocks
                    .iter()
                    .map(|b| BlockParams {
                        start: b.start,
                        len: b.len,
                        stored: b
                            .scale
                            .named()
                            .into_iter()
                            .map(|(n, v)| {
                                let v = if matches!(n, "scales_e8m0" | "scales_e4m3_bits" | "zero_points") {
                                    serde_json::Value::from(v as i64)
                                } else {
                                    serde_json::Value::from(v)
                                };
                                (n.to_string(), v)
                            })
                            .collect(),
                        multiplier: quantscope_export::format_tables::multiplier(q, &b.scale),
                    })
                    .collect(),
            })
            .collect();
        let params = FormatParams {
            tensor: &d.tensor,
            format: q.format.to_string(),
            command: self.command(),
            bits_per_weight: q.bits_per_weight,
            bytes: q.bytes,
            scale_storage: q.format.scale_storage().name(),
            block_size: q.format.block_size(),
            per_tensor_scale: q.per_tensor_scale,
            rows,
        };
        serde_json::to_string_pretty(&params).unwrap_or_default() + "\n"
    }

    /// The settings file: the format, every option, the form, the command and the input.
    pub fn settings_json(&self, form: &FormState) -> String {
        let d = &self.data;
        let input = form.data(d.tool);
        let tool_form = match d.tool {
            Tool::Values => serde_json::to_value(&form.values),
            _ => serde_json::to_value(&form.tensor),
        }
        .unwrap_or_default();
        let settings = FormatSettings {
            quantscope: env!("CARGO_PKG_VERSION"),
            tool: d.tool.slug(),
            tensor: &d.tensor,
            format: d.quantized.format.to_string(),
            bits_per_weight: d.quantized.bits_per_weight,
            options: &self.options,
            form: tool_form,
            command: self.command(),
            input: (input.len() <= SETTINGS_INPUT_LIMIT).then_some(input),
            input_chars: input.chars().count(),
            files: [self.results_name(), self.elements_name()],
        };
        serde_json::to_string_pretty(&settings).unwrap_or_default() + "\n"
    }

    /// The PDF report: the format, its arithmetic, the tables and the three format charts (the sweep
    /// when the input is small enough for it to run by itself).
    pub fn pdf(&self, paper: Paper, date: String, decimals: u8) -> Vec<u8> {
        use quantscope_charts::grid_histogram::GridValues;
        use quantscope_charts::scale_histogram::Scales;
        let d = &self.data;
        let q = &d.quantized;
        let formulas = crate::results::format::formulas(&q.format);
        let command = self.command();
        let (values, scale, units) = d.grid_values();
        let grid = d.grid();
        let token = q.format.to_string();
        let scales = d.block_scales();
        let sweep = (q.stats.elements as usize <= crate::results::format::AUTO_FORMAT_SWEEP_VALUES).then(|| d.sweep());
        let o = quantscope_export::format_pdf::FormatPdf {
            tool: d.tool.title(),
            tensor: &d.tensor,
            names: &d.names,
            input: &d.input,
            command: &command,
            formulas: &formulas,
            paper,
            date: &date,
            precision: quantscope_export::number::Precision::Decimals(usize::from(decimals)),
            max_rows: 2000,
        };
        let charts = quantscope_export::format_pdf::FormatCharts {
            grid: Some(GridValues { label: &d.tensor, format: &token, values: &values, grid: &grid, scale, units }),
            scales: Some(Scales { label: &d.tensor, format: &token, scales: &scales, storage: d.scale_storage() }),
            sweep: sweep.as_ref(),
        };
        quantscope_export::format_pdf::format_pdf(q, &o, charts)
    }
}
