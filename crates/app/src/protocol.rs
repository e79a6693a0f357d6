//! The messages between the page and the worker, as JSON (its bytes in a `Uint8Array`; the `File`,
//! a large input's text, an export file or the charts' sample travel next to it). The worker writes [`Sent`], made of the weight readers'
//! own types (the CLI's `--format json` rows); the page reads it as [`Reply`], whose view types
//! ignore fields they do not show. Both sides are here, so a native test reads every message the
//! worker writes as the page does.
//!
//! The enums are tagged the serde default way, `{"text": {...}}`: an internally tagged enum
//! (`{"kind": "text", ...}`) is read through serde's buffered `Content`, which took half of the
//! 83 ms the page spent reading a million values' reply (profiled), and its code is larger.

use quantscope_core::calibrate::Calibration;
use quantscope_core::SpecOptions;
use quantscope_weights::sample::Sample;
use quantscope_weights::{model_table, TensorInfo};
use serde::{Deserialize, Deserializer, Serialize};

use crate::form::{FormState, Tool};
use crate::results::large::LargeReport;
use crate::results::InputError;

/// What the page asks; every request carries its job number, echoed in the replies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
// A request is made once and serialised at once: boxing its large variants would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum Request {
    /// Open the file and list its tensors.
    List { job: u32 },
    /// The model-wide table of one tensor (`tensor`) or of all (`None`). `format`: a block, float
    /// or lookup-table format's token (`q4_0`, `nf4`, ...: the form's Format choice): every tensor
    /// in that format instead ([`crate::format_file`], `quantscope file --preset NAME`), answered
    /// by `Done` with its `format_table`.
    Analyse {
        job: u32,
        tensor: Option<String>,
        axis: usize,
        spec: SpecOptions,
        calibration: Calibration,
        worst: usize,
        #[serde(default)]
        format: Option<String>,
    },
    /// The Tensor or Values tool on a large input (`results::large`): the form as committed,
    /// without the tool's text ([`FormState::without_data`]), whose UTF-8 bytes come beside the JSON.
    Text { job: u32, tool: Tool, form: FormState },
    /// One export file of `Text` job `of`'s full report, or of `Analyse` job `of`'s table (the
    /// worker keeps the last of each).
    Export { job: u32, of: u32, file: ExportFile },
    /// One export file of a small input's results (the page computed them from `form`, the form as
    /// committed): the worker computes them again and makes the file ([`crate::export::form_file`]),
    /// keeping nothing, so that the page's wasm links no PDF code. Answered by `File`.
    ExportForm { job: u32, tool: Tool, form: FormState, file: ExportFile },
    /// Some tensors of a model-wide analysis split over a pool of workers ([`crate::pool`]): the
    /// worker reads and analyses `tensors` and answers [`Reply::Analysed`] with their outcomes.
    /// With `format`, the outcomes are the tensors in that format ([`crate::format_file::analyse`]).
    AnalyseSome {
        job: u32,
        tensors: Vec<String>,
        axis: usize,
        spec: SpecOptions,
        calibration: Calibration,
        worst: usize,
        #[serde(default)]
        format: Option<String>,
    },
    /// The pool's outcomes, posted beside the request (the `File`, then each `Analysed` reply's
    /// outcomes as its worker wrote them): the worker merges them into the table
    /// ([`crate::pool::merge`]), keeps it for the PDF and answers `Done` as for `Analyse`.
    /// `started`: when the page asked (`Date.now()`); `compute_ms`: the last part's.
    /// With `format`, the parts are tensors in that format, merged by [`crate::format_file::merge`].
    Merge {
        job: u32,
        axis: usize,
        spec: SpecOptions,
        calibration: Calibration,
        worst: usize,
        started: f64,
        compute_ms: f64,
        #[serde(default)]
        format: Option<String>,
    },
}

/// The export files made in the worker, on request: a large input's from its full report with the
/// page's own functions ([`crate::export::Exportable`]), and the Files tool's PDF.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "file", rename_all = "kebab-case")]
// A message is made once and serialised at once: boxing its large variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum ExportFile {
    ResultsCsv,
    ElementsCsv,
    /// The settings file of `form` (the form the results came from).
    Settings {
        form: FormState,
    },
    Pdf {
        paper: quantscope_export::Paper,
        date: String,
        decimals: u8,
    },
    /// A result in a format's block scales as stored (`FormatExport::params_json`; the other files
    /// of a format's result are the variants above, made from the result the worker kept).
    FormatBlockScales,
    /// The Files tool's model-wide PDF report (`quantscope file --pdf`) of an `Analyse` job's
    /// table: laid out only when asked, as PDFs are downloaded far less often than files analysed.
    FilePdf {
        paper: quantscope_export::Paper,
        date: String,
        decimals: u8,
    },
    /// The "Export parameters" texts (JSON, PyTorch, ONNX: [`crate::export::Exportable::params_texts`],
    /// joined by [`crate::export::PARAMS_SEPARATOR`]), written in the worker so that the page's
    /// wasm links none of their writers.
    Params,
    /// A share link's fragment (`tool&share=1.…`, no `#`) of an `ExportForm` request's form, as
    /// typed, with its tool open: compressed in the worker, so that the page's wasm links no
    /// deflate. A form too large for a link is answered by `Failed` with the share module's reason.
    ShareLink,
}

/// What the worker sends, borrowed from what it holds (the weight readers' own types); the page
/// reads it as [`Reply`]. Each variant is the [`Reply`] variant of the same name.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sent<'a> {
    Ready,
    Listed {
        job: u32,
        format: &'static str,
        tensors: &'a [TensorInfo],
    },
    Progress {
        job: u32,
        done: u64,
        total: u64,
        tensor: &'a str,
    },
    Done {
        job: u32,
        rows: &'a [model_table::Row],
        csv: String,
        sample: Option<&'a Sample>,
        elapsed_ms: f64,
        compute_ms: f64,
        memory_bytes: f64,
        /// A format's table (`quantscope_export::format_tables::file`; `rows` is then empty and
        /// `csv` is that table's).
        #[serde(skip_serializing_if = "Option::is_none")]
        format_table: Option<&'a quantscope_export::table::Table>,
        /// One tensor in a format: its charts' data ([`crate::format_file::chart_view`]).
        #[serde(skip_serializing_if = "Option::is_none")]
        format_view: Option<&'a crate::results::format::FormatView>,
    },
    Failed {
        job: u32,
        message: String,
    },
    Text {
        job: u32,
        outcome: &'a Result<LargeReport, InputError>,
        elapsed_ms: f64,
    },
    /// The file's bytes are posted beside this JSON.
    File {
        job: u32,
        rows: usize,
    },
    /// An `AnalyseSome` job's outcomes (JSON of `[pool::PartOutcome]`) are posted beside this JSON.
    Analysed {
        job: u32,
        compute_ms: f64,
        memory_bytes: f64,
    },
}

/// What the worker sends back (the page's reading of it). `Bytes` is where an export file's bytes,
/// posted beside the JSON, are put by the page (a handle to them in the JS heap); they are not part
/// of the JSON.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", bound(deserialize = "Bytes: Default"))]
// Read once per message, as `ExportFile`.
#[allow(clippy::large_enum_variant)]
pub enum Reply<Bytes = ()> {
    /// The worker's wasm is running and listening.
    Ready,
    /// The file's tensors.
    Listed { job: u32, format: String, tensors: Vec<TensorView> },
    /// `done` of `total` bytes of tensor data read; `tensor` is being read.
    Progress { job: u32, done: u64, total: u64, tensor: String },
    /// The table, sorted most sensitive first; `elapsed_ms` from the request to the rows,
    /// `compute_ms` from the last tensor's last byte read to its result (the analysis alone);
    /// `memory_bytes`: the worker's wasm memory (its peak: wasm memory never shrinks).
    /// `csv`: the rows as `quantscope file --format csv` writes them; `sample`: for one tensor,
    /// its charts' sample with the full data's parameters (`quantscope_weights::sample`). The worker keeps
    /// the table for the PDF (`ExportFile::FilePdf`).
    Done {
        job: u32,
        rows: Vec<RowView>,
        #[serde(default)]
        csv: String,
        #[serde(default)]
        sample: Option<Box<Sample>>,
        elapsed_ms: f64,
        compute_ms: f64,
        #[serde(default)]
        memory_bytes: f64,
        /// A format's table (`Request::Analyse`'s `format`): `rows` is empty, `csv` is this table's.
        #[serde(default)]
        format_table: Option<quantscope_export::table::Table>,
        /// One tensor in a format: its charts' data (the values on the grid, block scales, sweep).
        #[serde(default)]
        format_view: Option<crate::results::format::FormatView>,
    },
    /// The file (or the request) was refused: the message names the file and the tensor.
    Failed { job: u32, message: String },
    /// A `Text` job's outcome: the tables, or the located input error. The charts' sample comes
    /// as JSON bytes beside it (`sample`, left in the JS heap), read in a later task: within the
    /// reply, a million values' sample (925 KB of its 1.8 MB) took half of the 55–78 ms the page
    /// spent reading it (2-core machine).
    Text {
        job: u32,
        outcome: Result<LargeReport, InputError>,
        elapsed_ms: f64,
        #[serde(skip)]
        sample: Bytes,
    },
    /// An `Export` job's file (the bytes posted beside the JSON, left in the JS heap: a million
    /// values' CSV copied into the page's wasm and out again would block it) and its row count.
    File {
        job: u32,
        #[serde(skip)]
        bytes: Bytes,
        rows: usize,
    },
    /// An `AnalyseSome` job's outcomes (`outcomes`: the bytes posted beside the JSON, left in the JS
    /// heap for the merging worker: the page does not read them), the time from its last byte read
    /// to them, and the worker's wasm memory.
    Analysed {
        job: u32,
        #[serde(skip)]
        outcomes: Bytes,
        compute_ms: f64,
        memory_bytes: f64,
    },
}

impl<Bytes> Reply<Bytes> {
    /// The job it answers (`None` for `Ready`).
    pub fn job(&self) -> Option<u32> {
        match self {
            Reply::Ready => None,
            Reply::Listed { job, .. }
            | Reply::Progress { job, .. }
            | Reply::Done { job, .. }
            | Reply::Failed { job, .. }
            | Reply::Text { job, .. }
            | Reply::File { job, .. }
            | Reply::Analysed { job, .. } => Some(*job),
        }
    }
}

/// A tensor as listed (`quantscope_weights::TensorInfo`'s JSON).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TensorView {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<u64>,
    pub elements: u64,
    pub bytes: u64,
    pub not_analysable: Option<String>,
    pub note: Option<String>,
}

/// A worst channel (`quantscope_weights::model_table::WorstChannel`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct WorstView {
    pub index: usize,
    pub name: String,
    #[serde(deserialize_with = "extended")]
    pub sqnr_db: Option<f64>,
}

/// One analysed tensor (`quantscope_weights::model_table::TensorResult`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ResultView {
    pub axis: usize,
    pub channels: usize,
    #[serde(deserialize_with = "extended")]
    pub per_channel_sqnr_db: Option<f64>,
    #[serde(deserialize_with = "extended")]
    pub per_tensor_sqnr_db: Option<f64>,
    #[serde(deserialize_with = "extended")]
    pub sqnr_gain_db: Option<f64>,
    pub per_channel_mse: Option<f64>,
    pub per_tensor_mse: Option<f64>,
    pub per_channel_clip_rate: Option<f64>,
    pub per_tensor_clip_rate: Option<f64>,
    pub worst_channels: Vec<WorstView>,
}

/// One row of the model-wide table (`quantscope_weights::model_table::Row`, flattened as the CLI writes it).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RowView {
    #[serde(flatten)]
    pub info: TensorView,
    #[serde(default)]
    pub result: Option<ResultView>,
    #[serde(default)]
    pub skipped: Option<String>,
}

/// Reads what `quantscope_core::metrics::serialize_extended` writes: a number, `"+inf"`, `"-inf"` or null.
fn extended<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    quantscope_weights::sample::deserialize_extended(d)
}

#[cfg(test)]
mod tests {
    use super::{Reply, Sent};
    use crate::form::{FormState, Tool};
    use crate::results::large;

    /// The page reads every reply as the worker writes it (the two sides are separate types).
    fn read(sent: &Sent) -> Reply {
        let json = serde_json::to_string(sent).unwrap();
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    #[test]
    fn the_page_reads_what_the_worker_writes() {
        assert_eq!(read(&Sent::Ready), Reply::Ready);
        let Reply::Progress { job, done, total, tensor } = read(&Sent::Progress { job: 3, done: 5, total: 9, tensor: "fc.weight" }) else {
            panic!("not a progress reply")
        };
        assert_eq!((job, done, total, tensor.as_str()), (3, 5, 9, "fc.weight"));
        let (posted, _) = large::analyse(Tool::Tensor, &FormState::examples()).unwrap();
        let outcome = Ok(posted.clone());
        let Reply::Text { job, outcome: Ok(read_back), elapsed_ms, .. } = read(&Sent::Text { job: 7, outcome: &outcome, elapsed_ms: 2.5 })
        else {
            panic!("not a text reply")
        };
        assert_eq!((job, elapsed_ms), (7, 2.5));
        assert_eq!(read_back, posted);
        // A form in a format: the tables and the charts' data (`FormatView`), as the worker computed them.
        let mut form = FormState::examples();
        form.tensor.quant.format = "nf4".into();
        form.tensor.data = (0..3)
            .map(|r| (0..64).map(|i| format!("{:.3}", ((i + r * 7) as f64 * 0.37).sin())).collect::<Vec<_>>().join(", "))
            .collect::<Vec<_>>()
            .join("\n");
        let (posted, kept) = large::analyse_format(Tool::Tensor, &form).unwrap().unwrap();
        let outcome = Ok(posted.clone());
        let Reply::Text { outcome: Ok(read_back), .. } = read(&Sent::Text { job: 8, outcome: &outcome, elapsed_ms: 1.0 }) else {
            panic!("not a text reply")
        };
        assert_eq!(read_back, posted);
        let (report, _) = read_back.into_parts(large::SampleSettings::of(Tool::Tensor, &form));
        let view = report.format.expect("the format's charts data");
        assert_eq!(*view, kept.view());
        assert_eq!(view.sweep(), kept.sweep());
        assert!(report.tables.iter().any(|t| t.id == "format-blocks" && t.rows.len() == 3));
        let Reply::File { job, rows, .. } = read(&Sent::File { job: 4, rows: 12 }) else { panic!("not a file reply") };
        assert_eq!((job, rows), (4, 12));
        let Reply::Failed { job, message } = read(&Sent::Failed { job: 2, message: "no".into() }) else { panic!("not a failed reply") };
        assert_eq!((job, message.as_str()), (2, "no"));
        let Reply::Analysed { job, compute_ms, memory_bytes, .. } = read(&Sent::Analysed { job: 5, compute_ms: 1.5, memory_bytes: 2e6 })
        else {
            panic!("not an analysed reply")
        };
        assert_eq!((job, compute_ms, memory_bytes), (5, 1.5, 2e6));
    }

    /// A small input's PDF asked of the worker (`ExportForm`): the request reads back as posted, and
    /// the worker's file is the page's own (the PDF the page made before it moved to the worker),
    /// for every tool and both papers.
    #[test]
    fn a_small_inputs_pdf_made_in_the_worker_is_the_pages() {
        use super::{ExportFile, Request};
        use crate::export::{form_file, Exportable};
        use quantscope_export::Paper;
        let form = FormState::examples();
        for tool in [Tool::Channels, Tool::Tensor, Tool::Values] {
            for paper in [Paper::A4, Paper::Letter] {
                let file = ExportFile::Pdf { paper, date: "2026-12-03".into(), decimals: 6 };
                let request = Request::ExportForm { job: 9, tool, form: form.clone(), file: file.clone() };
                let json = serde_json::to_string(&request).unwrap();
                let read_back: Request = serde_json::from_str(&json).unwrap();
                assert_eq!(read_back, request);
                let Request::ExportForm { tool: t, form: f, file: asked, .. } = read_back else { panic!("not an ExportForm") };
                let (bytes, rows) = form_file(t, &f, &asked).unwrap();
                // The page's Exportable, as `ExportPanel` builds it from the results on screen.
                let report = crate::results::run(tool, &form.inputs()).unwrap().charts.unwrap();
                let options = crate::options::tool_options(tool, &form).unwrap();
                let page = Exportable { tool, report, options: std::sync::Arc::new(options) };
                assert_eq!(rows, 0);
                assert!(bytes.starts_with(b"%PDF-"), "{tool:?}");
                assert_eq!(bytes, page.pdf(paper, "2026-12-03".into(), 6), "{tool:?} {paper:?}");
            }
        }
        // The parameters panel's texts, made in the worker: the page's own three texts, a NUL
        // typed in a name kept out of the separator.
        for tool in [Tool::Channels, Tool::Tensor, Tool::Values] {
            let (bytes, _) = form_file(tool, &form, &ExportFile::Params).unwrap();
            let texts: Vec<String> = String::from_utf8(bytes).unwrap().split(crate::export::PARAMS_SEPARATOR).map(str::to_string).collect();
            let report = crate::results::run(tool, &form.inputs()).unwrap().charts.unwrap();
            let options = crate::options::tool_options(tool, &form).unwrap();
            let params = Exportable { tool, report, options: std::sync::Arc::new(options) }.params();
            assert_eq!(texts, [params.to_json(), params.to_torch(), params.to_onnx()], "{tool:?}");
        }
        let mut named = form.clone();
        named.tensor.tensor_name = "a\0b".into();
        let (bytes, _) = form_file(Tool::Tensor, &named, &ExportFile::Params).unwrap();
        assert_eq!(String::from_utf8(bytes).unwrap().split(crate::export::PARAMS_SEPARATOR).count(), 3);
        // The other files too, and a bad input is said, not panicked.
        let (csv, _) = form_file(Tool::Tensor, &form, &ExportFile::ResultsCsv).unwrap();
        assert!(!csv.is_empty());
        let mut bad = form.clone();
        bad.tensor.data = "1, 2, x".into();
        let error = form_file(Tool::Tensor, &bad, &ExportFile::ResultsCsv).unwrap_err();
        assert!(error.contains('x'), "{error}");
    }
}
