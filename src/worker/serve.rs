//! The worker's side: answers the page's requests (see [`super::protocol`]).

use std::ops::ControlFlow;

use quantscope_core::calibrate::Calibration;
use quantscope_core::QuantSpec;
use quantscope_export::file_table::FileTable;
use quantscope_export::number::Precision;
use quantscope_export::PdfOptions;
use quantscope_weights::model_table::{self, TableOptions};
use quantscope_weights::sample::{Sample, MAX_SAMPLE_VALUES};
use quantscope_weights::Archive;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use quantscope_app::export::{Exportable, FormatExport};
use quantscope_app::form::{FormState, Tool};
use quantscope_app::format_file;
use quantscope_app::pool::{self, PartOutcome};
use quantscope_app::protocol::{ExportFile, Request, Sent};
use quantscope_app::results::large;
use quantscope_core::format::Format;
use quantscope_export::format_tables::{self, FileTensor};

use super::blob_source::BlobSource;

thread_local! {
    /// The last large input's full report (the `Text` job it answered and what the export files
    /// are made from): the page asks for one file at a time, after the tables are on screen.
    static LAST_TEXT: std::cell::RefCell<Option<(u32, Exportable)>> = const { std::cell::RefCell::new(None) };
    /// The last file analysis's table (the `Analyse` job it answered): its PDF is made from it when
    /// the page asks, long after the rows were posted.
    static LAST_FILE: std::cell::RefCell<Option<(u32, KeptTable)>> = const { std::cell::RefCell::new(None) };
    /// The file a pool job's batches are read from (`AnalyseSome`), opened once for all of them.
    static POOL_FILE: std::cell::RefCell<Option<(u32, Archive<BlobSource>)>> = const { std::cell::RefCell::new(None) };
    /// The last file analysis in a format (the `Analyse` job it answered, the file's name, the
    /// format, every tensor): its PDF is made from it when the page asks.
    static LAST_FORMAT_FILE: std::cell::RefCell<Option<KeptFormatFile>> = const { std::cell::RefCell::new(None) };
    /// The last Tensor or Values input in a format (the `Text` job it answered): the page's format
    /// downloads are made from it (the page holds only its tables and charts' data).
    static LAST_FORMAT_TEXT: std::cell::RefCell<Option<(u32, FormatExport)>> = const { std::cell::RefCell::new(None) };
}

/// A file analysis in a format, kept for its PDF: the job, the file's name, the format's token and every tensor.
type KeptFormatFile = (u32, String, String, Vec<FileTensor>);

/// What `quantscope_export::file_table::pdf` lays out, owned (`FileTable` borrows it).
struct KeptTable {
    file: String,
    format: &'static str,
    spec: QuantSpec,
    calibration: Calibration,
    axis: usize,
    worst: usize,
    rows: Vec<model_table::Row>,
}

impl KeptTable {
    fn pdf(&self, paper: quantscope_export::Paper, date: &str, decimals: u8) -> Vec<u8> {
        let table = FileTable {
            file: &self.file,
            format: self.format,
            spec: &self.spec,
            calibration: self.calibration,
            axis: self.axis,
            worst: self.worst,
            rows: &self.rows,
        };
        let options =
            PdfOptions { paper, date: date.to_string(), precision: Precision::Decimals(usize::from(decimals)), ..PdfOptions::default() };
        quantscope_export::file_table::pdf(&table, &options)
    }
}

fn scope() -> DedicatedWorkerGlobalScope {
    web_sys::js_sys::global().unchecked_into()
}

fn post(sent: &Sent) {
    post_with_files(sent, &[]);
}

/// Posts `sent` with files beside it: `[json, bytes...]`, the JSON and each file a `Uint8Array`
/// whose buffer is transferred (not copied).
fn post_with_files(sent: &Sent, files: &[&[u8]]) {
    let Some(json) = super::protocol::json_message(sent) else { return };
    let transfer = web_sys::js_sys::Array::of1(&json.buffer());
    let message = web_sys::js_sys::Array::of1(&json);
    for bytes in files {
        let array = web_sys::js_sys::Uint8Array::from(*bytes);
        transfer.push(&array.buffer());
        message.push(&array);
    }
    let _ = scope().post_message_with_transfer(&message, &transfer);
}

/// Serves requests until the page terminates the worker.
pub fn start() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| handle(ev.data()));
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&Sent::Ready);
}

/// The worker's wasm memory now (it never shrinks: its peak).
fn memory_bytes() -> f64 {
    let memory: web_sys::js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<web_sys::js_sys::ArrayBuffer>().byte_length() as f64
}

/// The file's name without its extension: names the array of a lone `.npy`.
fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

fn handle(data: JsValue) {
    let message: web_sys::js_sys::Array = data.unchecked_into();
    // The Compare formats view's requests (a message type of their own: super::compare).
    if message.get(0).as_string().is_some_and(|text| super::compare::handle(&text, &message)) {
        return;
    }
    let request = super::protocol::read_json_message::<Request>(&message.get(0));
    let Some(request) = request else {
        return;
    };
    let job = match &request {
        Request::List { job } | Request::Analyse { job, .. } | Request::AnalyseSome { job, .. } | Request::Merge { job, .. } => *job,
        Request::Text { job, tool, form } => {
            // The text comes beside the form's JSON, as its UTF-8 bytes.
            let text = message.get(1).dyn_ref::<web_sys::js_sys::Uint8Array>().map(|bytes| String::from_utf8(bytes.to_vec()));
            let mut form = form.clone();
            if let Some(Ok(text)) = text {
                form.set_data(*tool, text);
            }
            return analyse_text(*job, *tool, &form);
        }
        Request::Export { job, of, file } => {
            if let Err(message) = export_file(*job, *of, file) {
                post(&Sent::Failed { job: *job, message });
            }
            return;
        }
        // A small input's file (the page links no PDF code): its results computed again here.
        Request::ExportForm { job, tool, form, file } => {
            // A share link needs no results: the form as typed, compressed here (the page links no deflate).
            let made = match file {
                ExportFile::ShareLink => crate::browser::share_link::fragment_for(*tool, form)
                    .map(|fragment| (fragment.into_bytes(), 0))
                    .map_err(|e| e.to_string()),
                _ => quantscope_app::export::form_file(*tool, form, file),
            };
            match made {
                Ok((bytes, rows)) => post_with_files(&Sent::File { job: *job, rows }, &[&bytes]),
                Err(message) => post(&Sent::Failed { job: *job, message }),
            }
            return;
        }
    };
    let file: File = message.get(1).unchecked_into();
    if matches!(request, Request::AnalyseSome { .. } | Request::Merge { .. }) {
        if let Err(e) = answer_pool(request, &file, &message) {
            post(&Sent::Failed { job, message: e });
        }
        return;
    }
    if let Err(message) = answer(request, &file) {
        post(&Sent::Failed { job, message });
    }
}

/// A large input of the Tensor or Values tool: the page's own `results::run` on it.
fn analyse_text(job: u32, tool: Tool, form: &FormState) {
    let started = web_sys::js_sys::Date::now();
    // The previous report first: two full reports of a million values need not fit at once.
    LAST_TEXT.with_borrow_mut(|last| *last = None);
    LAST_FORMAT_TEXT.with_borrow_mut(|last| *last = None);
    if let Some(outcome) = large::analyse_format(tool, form) {
        let outcome = outcome.and_then(|(report, data)| {
            let options = quantscope_app::options::tool_options(tool, form)?;
            let export = FormatExport { data: std::sync::Arc::new(data), options: std::sync::Arc::new(options) };
            LAST_FORMAT_TEXT.with_borrow_mut(|last| *last = Some((job, export)));
            Ok(report)
        });
        post(&Sent::Text { job, outcome: &outcome, elapsed_ms: web_sys::js_sys::Date::now() - started });
        return;
    }
    let mut outcome = large::analyse(tool, form).map(|(report, full)| {
        // A format's result has no full report to keep (its files are not made in the worker).
        if let (Some(full), Ok(options)) = (full, quantscope_app::options::tool_options(tool, form)) {
            let exportable = Exportable { tool, report: full, options: std::sync::Arc::new(options) };
            LAST_TEXT.with_borrow_mut(|last| *last = Some((job, exportable)));
        }
        report
    });
    // The charts' sample beside the reply, so the page reads it in a task of its own.
    let sample = outcome.as_mut().ok().and_then(|report| report.sample.take()).and_then(|sample| serde_json::to_vec(&sample).ok());
    let sent = Sent::Text { job, outcome: &outcome, elapsed_ms: web_sys::js_sys::Date::now() - started };
    post_with_files(&sent, &sample.as_deref().into_iter().collect::<Vec<_>>());
}

/// One export file of the kept full report (or table), posted beside the JSON.
fn export_file(job: u32, of: u32, file: &ExportFile) -> Result<(), String> {
    if let ExportFile::FilePdf { paper, date, decimals } = file {
        let in_format = LAST_FORMAT_FILE.with_borrow(|last| {
            let (_, file, format, tensors) = last.as_ref().filter(|(kept, ..)| *kept == of)?;
            let options = PdfOptions {
                paper: *paper,
                date: date.clone(),
                precision: Precision::Decimals(usize::from(*decimals)),
                ..PdfOptions::default()
            };
            Some(quantscope_export::format_pdf::file_pdf(file, format, tensors, &options))
        });
        if let Some(bytes) = in_format {
            post_with_files(&Sent::File { job, rows: 0 }, &[&bytes]);
            return Ok(());
        }
        return LAST_FILE.with_borrow(|last| {
            let Some((_, table)) = last.as_ref().filter(|(kept, _)| *kept == of) else {
                return Err("this analysis is no longer in the worker: analyse the file again to make its PDF".into());
            };
            post_with_files(&Sent::File { job, rows: 0 }, &[&table.pdf(*paper, date, *decimals)]);
            Ok(())
        });
    }
    let in_format = LAST_FORMAT_TEXT.with_borrow(|last| {
        let (_, ex) = last.as_ref().filter(|(kept, _)| *kept == of)?;
        Some(match file {
            ExportFile::ResultsCsv => Ok(ex.results_csv().into_bytes()),
            ExportFile::ElementsCsv => Ok(ex.elements_csv().into_bytes()),
            ExportFile::Settings { form } => Ok(ex.settings_json(form).into_bytes()),
            ExportFile::FormatBlockScales => Ok(ex.params_json().into_bytes()),
            ExportFile::Pdf { paper, date, decimals } => Ok(ex.pdf(*paper, date.clone(), *decimals)),
            ExportFile::FilePdf { .. } => Err("the PDF of a file analysis asked of a result in a format".to_string()),
            ExportFile::Params | ExportFile::ShareLink => Err("framework parameters or a link asked of a result in a format".to_string()),
        })
    });
    if let Some(bytes) = in_format {
        post_with_files(&Sent::File { job, rows: 0 }, &[&bytes?]);
        return Ok(());
    }
    LAST_TEXT.with_borrow(|last| {
        let Some((_, ex)) = last.as_ref().filter(|(kept, _)| *kept == of) else {
            return Err("these results are no longer in the worker: edit the input to compute them again".into());
        };
        // The same files, in the same bytes, as a small input's (`form_file`): one mapping.
        let (bytes, rows) = ex.file(file)?;
        post_with_files(&Sent::File { job, rows }, &[&bytes]);
        Ok(())
    })
}

fn answer(request: Request, file: &File) -> Result<(), String> {
    let started = web_sys::js_sys::Date::now();
    let name = file.name();
    let source = BlobSource::new(file.clone().into()).map_err(|e| format!("{name}: cannot read the file: {e:?}"))?;
    let mut archive = Archive::open(source, stem(&name)).map_err(|e| format!("{name}: {e}"))?;
    match request {
        Request::List { job } => {
            post(&Sent::Listed { job, format: archive.format.name(), tensors: archive.tensors() });
        }
        // Answered by `handle` without a file, and by `answer_pool`.
        Request::Text { .. }
        | Request::Export { .. }
        | Request::ExportForm { .. }
        | Request::AnalyseSome { .. }
        | Request::Merge { .. } => {}
        Request::Analyse { job, tensor, worst, format: Some(format), .. } => {
            LAST_FILE.with_borrow_mut(|last| *last = None);
            LAST_FORMAT_FILE.with_borrow_mut(|last| *last = None);
            let format = parse_format(&format)?;
            let names = tensor.map(|t| vec![t]);
            let (mut last_post, mut last_read) = (0.0, started);
            let total: u64 = archive
                .tensors()
                .iter()
                .filter(|t| names.as_ref().is_none_or(|n| n.contains(&t.name)) && t.not_analysable.is_none())
                .map(|t| t.bytes)
                .sum();
            // `--worst`'s rows for one tensor picked (they quantize it whole: not for every tensor of a file).
            let worst = if names.is_some() { worst } else { 0 };
            let tensors = format_file::analyse(&mut archive, names.as_deref(), &format, worst, &mut |done, tensor| {
                let now = web_sys::js_sys::Date::now();
                last_read = now;
                if now - last_post >= 50.0 || done == total {
                    last_post = now;
                    post(&Sent::Progress { job, done, total, tensor });
                }
                ControlFlow::Continue(())
            })
            .map_err(|e| format!("{name}: {e}"))?;
            let compute_ms = web_sys::js_sys::Date::now() - last_read;
            // One tensor picked: its charts' data too (from its first rows).
            let picked = names.as_ref().and_then(|n| archive.tensors().iter().find(|t| n.contains(&t.name)).cloned());
            let view = match picked {
                Some(info) => format_file::chart_view(&mut archive, &info, &format).map_err(|e| format!("{name}: {e}"))?,
                None => None,
            };
            post_format_table(job, name, format.to_string(), tensors, started, compute_ms, view.as_ref())?;
        }
        Request::Analyse { job, tensor, axis, spec, calibration, worst, format: None } => {
            // The previous table goes whatever this one's outcome: a PDF asked of it now would
            // describe results no longer on the page.
            LAST_FILE.with_borrow_mut(|last| *last = None);
            LAST_FORMAT_FILE.with_borrow_mut(|last| *last = None);
            let spec = QuantSpec::resolve(&spec).map_err(|e| e.to_string())?;
            let one = tensor.is_some();
            let options = TableOptions { tensor, axis, spec, calibration, worst };
            // One tensor asked for: its charts' sample, taken while the tensor is loaded.
            let mut sample = None;
            // At most one progress message per 50 ms (and the last chunk): the page redraws on each.
            let mut last_post = 0.0;
            let mut last_read = started;
            let rows = model_table::table_with(
                &mut archive,
                &options,
                &mut |p| {
                    let now = web_sys::js_sys::Date::now();
                    last_read = now;
                    if now - last_post >= 50.0 || p.done == p.total {
                        last_post = now;
                        post(&Sent::Progress { job, done: p.done, total: p.total, tensor: p.tensor });
                    }
                    ControlFlow::Continue(())
                },
                &mut |tensor, comparison| {
                    if one {
                        sample = Some(Sample::take(tensor, comparison, MAX_SAMPLE_VALUES));
                    }
                },
            )
            .map_err(|e| format!("{name}: {e}"))?;
            let compute_ms = web_sys::js_sys::Date::now() - last_read;
            post_table(job, KeptTable::new(name, archive.format.name(), options, rows), sample.as_ref(), started, compute_ms)?;
        }
    }
    Ok(())
}

impl KeptTable {
    fn new(file: String, format: &'static str, options: TableOptions, rows: Vec<model_table::Row>) -> Self {
        let TableOptions { spec, calibration, axis, worst, .. } = options;
        KeptTable { file, format, spec, calibration, axis, worst, rows }
    }
}

/// Posts `Done` with `table`'s rows and CSV (`started`: when the page asked, `Date.now()`), and
/// keeps the table for its PDF.
fn post_table(job: u32, table: KeptTable, sample: Option<&Sample>, started: f64, compute_ms: f64) -> Result<(), String> {
    let csv = quantscope_export::file_table::csv(&table.rows).map_err(|e| e.to_string())?;
    let elapsed_ms = web_sys::js_sys::Date::now() - started;
    post(&Sent::Done {
        job,
        rows: &table.rows,
        csv,
        sample,
        elapsed_ms,
        compute_ms,
        memory_bytes: memory_bytes(),
        format_table: None,
        format_view: None,
    });
    LAST_FILE.with_borrow_mut(|last| *last = Some((job, table)));
    Ok(())
}

/// A format's token as the page sent it (`Format`'s own text).
fn parse_format(token: &str) -> Result<Format, String> {
    token.parse::<Format>().map_err(|e| format!("Format `{token}`: {e}"))
}

/// Posts `Done` with every tensor in a format: the table and CSV of `quantscope file --preset NAME`
/// (`format_tables::file`), no model-wide rows; keeps them for the PDF.
fn post_format_table(
    job: u32,
    file: String,
    format: String,
    tensors: Vec<FileTensor>,
    started: f64,
    compute_ms: f64,
    format_view: Option<&quantscope_app::results::format::FormatView>,
) -> Result<(), String> {
    let table = format_tables::file_with_worst(&format, &tensors);
    let csv = format_tables::file_csv(&format, &tensors).map_err(|e| e.to_string())?;
    let elapsed_ms = web_sys::js_sys::Date::now() - started;
    post(&Sent::Done {
        job,
        rows: &[],
        csv,
        sample: None,
        elapsed_ms,
        compute_ms,
        memory_bytes: memory_bytes(),
        format_table: Some(&table),
        format_view,
    });
    LAST_FORMAT_FILE.with_borrow_mut(|last| *last = Some((job, file, format, tensors)));
    Ok(())
}

/// The pool's requests ([`quantscope_app::pool`]): a batch of tensors read and analysed, or every
/// batch's outcomes (posted beside the request after the `File`) merged into the table.
fn answer_pool(request: Request, file: &File, message: &web_sys::js_sys::Array) -> Result<(), String> {
    let started = web_sys::js_sys::Date::now();
    let name = file.name();
    let open = || -> Result<Archive<BlobSource>, String> {
        let source = BlobSource::new(file.clone().into()).map_err(|e| format!("{name}: cannot read the file: {e:?}"))?;
        Archive::open(source, stem(&name)).map_err(|e| format!("{name}: {e}"))
    };
    let resolve = |spec: &quantscope_core::SpecOptions| QuantSpec::resolve(spec).map_err(|e| e.to_string());
    match request {
        Request::AnalyseSome { job, tensors, axis, spec, calibration, worst, format } => {
            let format = format.as_deref().map(parse_format).transpose()?;
            let options = TableOptions { tensor: None, axis, spec: resolve(&spec)?, calibration, worst };
            POOL_FILE.with_borrow_mut(|kept| {
                if kept.as_ref().is_none_or(|(j, _)| *j != job) {
                    // The previous job's file first: a worker holds one.
                    *kept = None;
                    *kept = Some((job, open()?));
                }
                let Some((_, archive)) = kept.as_mut() else { return Err(format!("{name}: not opened")) };
                // At most one progress message per 50 ms: the page sums every worker's.
                let (mut last_post, mut last_read) = (0.0, started);
                let mut progress = |done, tensor: &str| {
                    let now = web_sys::js_sys::Date::now();
                    last_read = now;
                    if now - last_post >= 50.0 {
                        last_post = now;
                        // `total`: the page's schedule knows each batch's size.
                        post(&Sent::Progress { job, done, total: 0, tensor });
                    }
                    ControlFlow::Continue(())
                };
                let json = match &format {
                    // A format: the tensors in it (`format_file`), merged by `format_file::merge`.
                    Some(format) => {
                        let tensors =
                            format_file::analyse(archive, Some(&tensors), format, 0, &mut progress).map_err(|e| format!("{name}: {e}"))?;
                        serde_json::to_vec(&tensors)
                    }
                    None => {
                        let outcomes =
                            pool::analyse_batch(archive, &tensors, &options, &mut progress).map_err(|e| format!("{name}: {e}"))?;
                        serde_json::to_vec(&outcomes)
                    }
                }
                .map_err(|e| e.to_string())?;
                let compute_ms = web_sys::js_sys::Date::now() - last_read;
                post_with_files(&Sent::Analysed { job, compute_ms, memory_bytes: memory_bytes() }, &[&json]);
                Ok(())
            })
        }
        Request::Merge { job, format: Some(format), started, compute_ms, .. } => {
            LAST_FILE.with_borrow_mut(|last| *last = None);
            LAST_FORMAT_FILE.with_borrow_mut(|last| *last = None);
            POOL_FILE.with_borrow_mut(|kept| *kept = None);
            let format = parse_format(&format)?;
            let archive = open()?;
            let mut parts: Vec<FileTensor> = Vec::new();
            for i in 2..message.length() {
                let bytes: web_sys::js_sys::Uint8Array =
                    message.get(i).dyn_into().map_err(|_| "a part of the pool's outcomes is not bytes")?;
                let part: Vec<FileTensor> = serde_json::from_slice(&bytes.to_vec()).map_err(|e| format!("a worker's outcomes: {e}"))?;
                parts.extend(part);
            }
            let tensors = format_file::merge(archive.tensors(), parts).map_err(|e| format!("{name}: {e}"))?;
            post_format_table(job, name, format.to_string(), tensors, started, compute_ms, None)
        }
        Request::Merge { job, axis, spec, calibration, worst, started, compute_ms, format: None } => {
            LAST_FILE.with_borrow_mut(|last| *last = None);
            LAST_FORMAT_FILE.with_borrow_mut(|last| *last = None);
            POOL_FILE.with_borrow_mut(|kept| *kept = None);
            let options = TableOptions { tensor: None, axis, spec: resolve(&spec)?, calibration, worst };
            let archive = open()?;
            let mut parts: Vec<PartOutcome> = Vec::new();
            for i in 2..message.length() {
                let bytes: web_sys::js_sys::Uint8Array =
                    message.get(i).dyn_into().map_err(|_| "a part of the pool's outcomes is not bytes")?;
                let part: Vec<PartOutcome> = serde_json::from_slice(&bytes.to_vec()).map_err(|e| format!("a worker's outcomes: {e}"))?;
                parts.extend(part);
            }
            let rows = pool::merge(archive.tensors(), parts).map_err(|e| format!("{name}: {e}"))?;
            post_table(job, KeptTable::new(name, archive.format.name(), options, rows), None, started, compute_ms)
        }
        _ => Ok(()),
    }
}
