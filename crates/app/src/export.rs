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
            ChartData::Tensor { report, text, options: tool_options } => {
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
