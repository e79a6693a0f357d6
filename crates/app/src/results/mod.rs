//! What the result views show: tables of cells, notes, formulas, and a located input error.
//! These are view types only: every number in them comes from the core (`quantscope_core::tools`, see
//! `convert`); the app formats numbers but never computes one.

mod convert;
pub mod format;
pub mod large;
pub mod sampled;

use std::sync::Arc;

use quantscope_charts::RangeChoice;
use quantscope_core::analysis::{Analysis, Comparison};
use quantscope_core::tools::{ChannelsReport, TensorReport, ToolOptions, ValuesReport};
use serde::{Deserialize, Deserializer, Serialize};

/// The one table schema (`quantscope_export::table`): the page's tables are the export crate's.
pub use quantscope_export::table::{Cell, Column, Row, Table};

use crate::form::{FormState, Tool};
use crate::options;

/// One tool's results. Serialisable: the worker posts a large input's tables (`large`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The convention that produced the numbers, e.g. `pytorch (custom: rounding)`.
    pub spec_label: String,
    /// The formulas of the resolved spec (name, formula), for "how it is computed".
    pub formulas: Vec<(String, String)>,
    /// Shared, not copied, by the page's views of a report (its last good results, its tables
    /// apart from its charts, ...): a million values' tables copied three times took about 30 ms
    /// of the task that draws them (profiled, 2-core machine).
    pub tables: Vec<Arc<Table>>,
    /// Remarks that concern no single row (non-finite values typed, ...).
    pub notes: Vec<String>,
    /// The core's report itself, which the charts draw from (not posted: the page builds it).
    #[serde(skip)]
    pub charts: Option<ChartData>,
    /// A format's result (`--preset`, a float element, integer groups; [`format`](mod@format)): its
    /// tables are above, this is what its charts draw from (computed and posted by the worker; its
    /// export files are made there too).
    #[serde(default, with = "format::shared_view")]
    pub format: Option<Arc<format::FormatView>>,
}

impl Report {
    /// The same report without its charts' data: what the tables are drawn from.
    pub fn without_charts(&self) -> Report {
        Report {
            spec_label: self.spec_label.clone(),
            formulas: self.formulas.clone(),
            tables: self.tables.clone(),
            notes: self.notes.clone(),
            charts: None,
            format: None,
        }
    }
}

/// Values up to which the bit-width sweep (30 analyses) runs by itself, on the page and in the PDF;
/// above (counting a sample's whole tensor, so a large input never runs it unasked on the main
/// thread), on request.
pub const AUTO_SWEEP_VALUES: usize = 100_000;

/// The core's report of a tool, shared (not copied) with the charts: they draw the core's results,
/// never the formatted tables.
#[derive(Clone, Debug)]
pub enum ChartData {
    Channels(Arc<ChannelsReport>),
    Tensor {
        report: Arc<TensorReport>,
        /// The text and options it came from: the bit-width sweep re-runs the core on them.
        text: Arc<str>,
        options: Arc<ToolOptions>,
        /// The tensor the core read from the text (a large input's charts' sample is taken from it).
        input: Arc<quantscope_core::Tensor>,
    },
    Values(Arc<ValuesReport>),
    /// One tensor of a weight file, drawn from its sample (the Files tool).
    Sampled(Arc<sampled::SampledCharts>),
}

impl ChartData {
    /// How the analysis's range was chosen (the histogram sets every calibration method beside it).
    pub fn range_choice(&self) -> RangeChoice {
        match self {
            ChartData::Channels(_) => RangeChoice::Given,
            ChartData::Tensor { report, .. } => report.calibration.into(),
            ChartData::Values(r) => r.calibration.into(),
            ChartData::Sampled(s) => RangeChoice::Method(s.calibration),
        }
    }

    /// The analysis the element charts draw.
    pub fn analysis(&self) -> &Analysis {
        match self {
            ChartData::Channels(r) => &r.analysis,
            ChartData::Tensor { report, .. } => &report.analysis,
            ChartData::Values(r) => &r.analysis,
            ChartData::Sampled(s) => &s.analysis,
        }
    }

    /// Both granularities side by side (the bar chart), when the report has them.
    pub fn comparison(&self) -> Option<&Comparison> {
        match self {
            ChartData::Tensor { report, .. } => Some(&report.full),
            ChartData::Sampled(s) => Some(&s.bars),
            ChartData::Channels(_) | ChartData::Values(_) => None,
        }
    }

    /// What a chart of this data was drawn from, when that needs saying (a file's tensor: its sample).
    /// How many values the data has: a sample's full tensor's count, not the sample's.
    pub fn elements(&self) -> usize {
        match self {
            ChartData::Sampled(s) => s.sample.elements,
            other => other.analysis().summary.elements,
        }
    }

    pub fn sample_note(&self) -> Option<String> {
        match self {
            ChartData::Sampled(s) => Some(s.note()),
            _ => None,
        }
    }
}

/// The same report, not an equal one: comparing two large reports value by value would cost a
/// pass over every element on each update.
impl PartialEq for ChartData {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ChartData::Channels(a), ChartData::Channels(b)) => Arc::ptr_eq(a, b),
            (ChartData::Tensor { report: a, .. }, ChartData::Tensor { report: b, .. }) => Arc::ptr_eq(a, b),
            (ChartData::Values(a), ChartData::Values(b)) => Arc::ptr_eq(a, b),
            (ChartData::Sampled(a), ChartData::Sampled(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Which input an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Field {
    /// The tool's main text area.
    Data,
    /// One of the option fields, by its id without the tool prefix (`quant-min`, `range`, ...).
    Option(&'static str),
}

/// An option's id from the worker's reply. Ids are `'static` (the fields compare them with their
/// own); reading one leaks its few bytes, once per error reply of a large input.
impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        enum Posted {
            Data,
            Option(String),
        }
        Ok(match Posted::deserialize(d)? {
            Posted::Data => Field::Data,
            Posted::Option(name) => Field::Option(Box::leak(name.into_boxed_str())),
        })
    }
}

/// Bad input: where (1-based line and column in the field; line 0 when the core names a channel
/// rather than a place), the offending text, what is wrong and what was expected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputError {
    pub field: Field,
    pub line: usize,
    pub column: usize,
    pub text: String,
    pub problem: String,
    pub expected: String,
}

impl InputError {
    pub fn is_located(&self) -> bool {
        self.line > 0
    }

    /// "line 2, column 15" (empty when not located).
    pub fn location(&self) -> String {
        if self.is_located() {
            format!("line {}, column {}", self.line, self.column)
        } else {
            String::new()
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_located() {
            write!(f, "{}: {}", self.location(), self.problem)?;
            if !self.text.is_empty() {
                write!(f, " \"{}\"", self.text)?;
            }
        } else {
            f.write_str(&self.problem)?;
        }
        if !self.expected.is_empty() {
            write!(f, " (expected {})", self.expected)?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Runs a tool on the form: the form's options and text go to the core (`quantscope_core::tools`), its
/// report comes back as tables. The core is called here and nowhere else.
pub fn run(tool: Tool, form: &FormState) -> Result<Report, InputError> {
    let options = options::tool_options(tool, form)?;
    let text = form.data(tool);
    if let Some(report) = format::run(tool, &options, text) {
        return report;
    }
    run_conventions(tool, text, options)
}

/// [`run`] for the page, which computes no format (a form naming one, [`format::names_format`],
/// goes to the worker: the page's wasm does not link the formats' arithmetic). A form naming a
/// format gets the same result as with no format chosen; the page never asks for it.
pub fn run_without_formats(tool: Tool, form: &FormState) -> Result<Report, InputError> {
    let options = options::tool_options(tool, form)?;
    run_conventions(tool, form.data(tool), options)
}

fn run_conventions(tool: Tool, text: &str, options: quantscope_core::tools::ToolOptions) -> Result<Report, InputError> {
    let with = |mut report: Report, data: ChartData| {
        report.charts = Some(data);
        report
    };
    match tool {
        Tool::Channels => {
            quantscope_core::tools::channels(text, &options).map(|r| with(convert::channels(&r), ChartData::Channels(Arc::new(r))))
        }
        Tool::Tensor => quantscope_core::tools::tensor_with_input(text, &options).map(|(r, input)| {
            let report = convert::tensor(&r);
            let data =
                ChartData::Tensor { report: Arc::new(r), text: text.into(), options: Arc::new(options.clone()), input: Arc::new(input) };
            with(report, data)
        }),
        Tool::Values => quantscope_core::tools::values(text, &options).map(|r| with(convert::values(&r), ChartData::Values(Arc::new(r)))),
        // Files are analysed in the worker (components/files), not from the form's text.
        Tool::Files => Ok(Report::default()),
    }
    .map_err(convert::tool_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell<'a>(report: &'a Report, table: &str, row: usize, key: &str) -> &'a Cell {
        let table = report.tables.iter().find(|t| t.id == table).unwrap_or_else(|| panic!("no table {table}"));
        let column = table.columns.iter().position(|c| c.key == key).unwrap_or_else(|| panic!("no column {key}"));
        &table.rows[row].cells[column]
    }

    #[test]
    fn the_channels_example_gives_the_per_channel_calculators_table() {
        let report = run(Tool::Channels, &FormState::examples()).unwrap();
        let golden = [
            ("filter_0", "0.00862745", "11", "96", "0.73333333"),
            ("filter_1", "0.00666667", "-8", "-40", "-0.21333333"),
            ("filter_2", "0.01254902", "-8", "80", "1.10431373"),
            ("filter_3", "0.00411765", "-19", "25", "0.18117647"),
        ];
        for (row, (name, scale, zero_point, q, dequantized)) in golden.into_iter().enumerate() {
            assert_eq!(cell(&report, "samples", row, "channel").display(8), name);
            assert_eq!(cell(&report, "samples", row, "scale").display(8), scale);
            assert_eq!(cell(&report, "samples", row, "zero_point").display(8), zero_point);
            assert_eq!(cell(&report, "samples", row, "q").display(8), q);
            assert_eq!(cell(&report, "samples", row, "dequantized").display(8), dequantized);
        }
        assert_eq!(cell(&report, "samples", 0, "min").display(8), "-1.2");
        assert_eq!(report.spec_label, "textbook");
        assert!(report.formulas.iter().any(|(name, _)| name == "quantize"));
    }

    #[test]
    fn the_tensor_example_gives_the_per_channel_vs_per_tensor_calculators_ranges_and_memory() {
        let report = run(Tool::Tensor, &FormState::examples()).unwrap();
        assert_eq!(cell(&report, "local", 0, "range").display(8), "1.24");
        assert_eq!(cell(&report, "local", 2, "min").display(8), "-1.7");
        assert_eq!(cell(&report, "memory", 0, "payload_bytes").display(8), "20");
        assert_eq!(cell(&report, "memory", 0, "per_tensor_bytes").display(8), "28");
        assert_eq!(cell(&report, "memory", 0, "per_channel_bytes").display(8), "52");
        // A channel whose zero point falls outside the range says so on its row.
        let comparison = report.tables.iter().find(|t| t.id == "comparison").unwrap();
        assert!(comparison.rows.iter().any(|r| r.warnings.iter().any(|w| w.contains("outside"))));
    }

    #[test]
    fn bad_text_is_located_in_the_data() {
        let mut form = FormState::examples();
        form.channels.data = "filter_0,-1.2,1,0.73\nfilter_1,-0.8,abc,-0.21".into();
        let error = run(Tool::Channels, &form).unwrap_err();
        assert_eq!(error.field, Field::Data);
        assert_eq!((error.line, error.column), (2, 15));
        assert_eq!(error.text, "abc");
    }

    #[test]
    fn option_errors_name_their_field() {
        let mut form = FormState::examples();
        form.values.range = "-1.5;1.5".into();
        assert_eq!(run(Tool::Values, &form).unwrap_err().field, Field::Option("range"));

        let mut form = FormState::examples();
        form.tensor.quant.quant_min = "10".into();
        form.tensor.quant.quant_max = "5".into();
        let error = run(Tool::Tensor, &form).unwrap_err();
        assert_eq!(error.field, Field::Option("quant-min"));
        assert!(!error.is_located());
        assert!(error.to_string().contains("[10, 5]"), "{error}");
    }
}
