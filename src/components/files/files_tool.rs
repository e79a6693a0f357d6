//! The Files tool's panel: the drop zone, the tensor list, the options (the shared
//! `QuantOptions` plus channel axis and calibration), the progress of the worker, the results.

use std::rc::Rc;
use std::sync::Arc;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use quantscope_core::calibrate::Calibration;
use quantscope_core::{Granularity, SpecOptions};
use quantscope_export::Paper;
use web_sys::File;

use crate::browser::timer::page_ms;
use crate::components::calibration_fields::CalibrationFields;
use crate::components::export::files::today;
use crate::components::fields::TextField;
use crate::components::files::compare::CompareView;
use crate::components::files::drop_zone::DropZone;
use crate::components::files::progress::ProgressBar;
use crate::components::files::results_table::ResultsTable;
use crate::components::files::tensor_charts::TensorCharts;
use crate::components::files::tensor_list::{TensorList, TensorSelect};
use crate::components::large_input::{answer_waiting, FileReply, FileWaiter};
use crate::components::quant_options::QuantOptions;
use crate::components::tab_bar::{panel_id, tab_id};
use crate::components::tool_panel::ToolRun;
use crate::state::{use_app_state, Commit};
use crate::worker::client::FilesWorker;
use crate::worker::pool::{BatchOptions, FilesPool, PoolEvent};
use crate::worker::protocol::{ExportFile, Reply, Request, RowView, TensorView};
use quantscope_app::flags;
use quantscope_app::form::{FormState, Tool};
use quantscope_app::options;
use quantscope_app::pool::{worker_count, Schedule};
use quantscope_app::results::sampled::SampledCharts;
use quantscope_app::results::ChartData;
use quantscope_app::results::Report;

/// How many worst channels each row names (the CLI's default `--worst`).
pub const WORST: usize = 3;

/// The opened file's listing.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing {
    pub file_name: String,
    pub format: String,
    pub tensors: Vec<TensorView>,
}

/// What the worker is doing for the page.
#[derive(Clone, Debug, PartialEq)]
pub enum Job {
    Idle,
    /// Opening a file (reading its headers).
    Listing,
    /// Reading and analysing: `done` of `total` bytes since `started` (ms, `Date.now()`).
    Running {
        done: u64,
        total: u64,
        tensor: String,
        started: f64,
    },
    /// The rows, most sensitive first; `all` when every tensor was asked for; `charts`: one
    /// tensor's charts (drawn from its sample) or why there are none.
    Done {
        rows: Vec<RowView>,
        csv: String,
        charts: Option<Result<ChartData, String>>,
        all: bool,
        elapsed_ms: f64,
        compute_ms: f64,
        memory_bytes: f64,
        /// The workers that read the file (more than one: a pool, `crate::worker::pool`).
        workers: usize,
        /// With a format chosen: every tensor in it (`quantscope file --preset NAME`'s table; `rows` empty).
        format_table: Option<quantscope_app::results::Table>,
        /// With a format chosen and one tensor picked: its format charts' data (from the worker).
        format_view: Option<Arc<quantscope_app::results::format::FormatView>>,
    },
    Cancelled,
}

/// The Files tool's state, shared by its components through context.
#[derive(Clone, Copy)]
pub struct FilesState {
    pub file: RwSignal<Option<File>, LocalStorage>,
    pub listing: RwSignal<Option<Listing>>,
    /// The file's error (named file and tensor), shown next to the drop zone.
    pub error: RwSignal<Option<String>>,
    /// The tensor picked; empty: all of them.
    pub tensor: RwSignal<String>,
    pub job: RwSignal<Job>,
    current: StoredValue<u32>,
    asked_all: StoredValue<bool>,
    /// The spec and calibration of the request running (the charts' analysis uses them).
    asked: StoredValue<(SpecOptions, Calibration)>,
    /// The `Analyse` request of the results on screen: sent again when the worker that kept their
    /// table is gone.
    request: StoredValue<Option<Request>>,
    /// The `Analyse` job whose table the worker keeps (the PDF is made from it).
    kept: StoredValue<u32>,
    /// Who waits for the PDF being made (one at a time: the button is busy meanwhile).
    waiting: StoredValue<FileWaiter, LocalStorage>,
    worker: StoredValue<FilesWorker, LocalStorage>,
    /// The workers a model-wide analysis of a big file is split over; `worker` merges their outcomes.
    pool: StoredValue<FilesPool, LocalStorage>,
    /// The pool's size and memory for the job running (1 and 0: `worker` alone).
    pooled: StoredValue<(usize, f64)>,
}

impl FilesState {
    fn new() -> Self {
        let job = RwSignal::new(Job::Idle);
        let listing = RwSignal::new(None::<Listing>);
        let error = RwSignal::new(None::<String>);
        let current = StoredValue::new(0u32);
        let asked_all = StoredValue::new(false);
        let asked = StoredValue::new((SpecOptions::default(), Calibration::default()));
        let kept = StoredValue::new(0u32);
        let request = StoredValue::new(None::<Request>);
        let file = RwSignal::new_local(None::<File>);
        let pooled = StoredValue::new((1usize, 0.0f64));
        let waiting: FileWaiter = Rc::default();
        let waiter = waiting.clone();
        let on_reply = move |reply: Reply| {
            // The PDF's replies first: its job is not `current` (the results stay on screen).
            match &reply {
                Reply::File { job: j, bytes, .. } => {
                    let file = bytes.0.clone().ok_or_else(|| "the worker sent no file".to_string());
                    answer_waiting(&waiter, Some(*j), file.map(|bytes| (bytes, 0)));
                    return;
                }
                Reply::Failed { job: j, message } if *j != 0 && *j != current.get_value() => {
                    answer_waiting(&waiter, Some(*j), Err(message.clone()));
                    return;
                }
                // Job 0: the worker itself failed (out of memory, a panic), whatever it was doing.
                Reply::Failed { job: 0, message } => {
                    let made_pdf = answer_waiting(&waiter, None, Err(message.clone()));
                    // Failed making a PDF: the results it was made of stay on screen.
                    if made_pdf && !matches!(job.get_untracked(), Job::Running { .. } | Job::Listing) {
                        return;
                    }
                }
                _ => {}
            }
            // Replies of an older request (a file replaced, a cancelled run) are dropped.
            if reply.job().is_some_and(|j| j != 0 && j != current.get_value()) {
                return;
            }
            match reply {
                Reply::Ready => {}
                Reply::Listed { format, tensors, .. } => {
                    let file_name = file.with_untracked(|f| f.as_ref().map(|f| f.name())).unwrap_or_default();
                    listing.set(Some(Listing { file_name, format, tensors }));
                    job.set(Job::Idle);
                }
                Reply::Progress { done, total, tensor, .. } => job.update(|j| {
                    if let Job::Running { done: d, total: t, tensor: n, .. } = j {
                        (*d, *t, *n) = (done, total, tensor);
                    }
                }),
                Reply::Done { job: j, rows, csv, sample, elapsed_ms, compute_ms, memory_bytes, format_table, format_view } => {
                    kept.set_value(j);
                    let charts = sample.map(|sample| {
                        let (spec, calibration) = asked.get_value();
                        SampledCharts::build(*sample, spec, calibration, Granularity::PerChannel, page_ms)
                            .map(|c| ChartData::Sampled(Arc::new(c)))
                    });
                    let (workers, pool_memory) = pooled.get_value();
                    let memory_bytes = memory_bytes + pool_memory;
                    job.set(Job::Done {
                        rows,
                        csv,
                        charts,
                        all: asked_all.get_value(),
                        elapsed_ms,
                        compute_ms,
                        memory_bytes,
                        workers,
                        format_table,
                        format_view: format_view.map(Arc::new),
                    });
                }
                Reply::Failed { message, .. } => {
                    error.set(Some(message));
                    job.set(Job::Idle);
                }
                // Answered above (`File`); the large-input jobs of the Tensor and Values tools
                // (components::large_input); the pool's (crate::worker::pool).
                Reply::Text { .. } | Reply::File { .. } | Reply::Analysed { .. } => {}
            }
        };
        let worker = StoredValue::new_local(FilesWorker::new(on_reply));
        // The pool's progress, summed; its outcomes to `worker`, which merges them and answers `Done`.
        let on_pool = move |event: PoolEvent| match event {
            PoolEvent::Progress { job: j, done, total, tensor } if j == current.get_value() => job.update(|j| {
                if let Job::Running { done: d, total: t, tensor: n, .. } = j {
                    (*d, *t, *n) = (done, total, tensor);
                }
            }),
            PoolEvent::Parts { job: j, parts, compute_ms, memory_bytes } if j == current.get_value() => {
                pooled.update_value(|(_, memory)| *memory = memory_bytes);
                let started = match job.get_untracked() {
                    Job::Running { started, .. } => started,
                    _ => web_sys::js_sys::Date::now(),
                };
                let Some(Request::Analyse { axis, spec, calibration, worst, format, .. }) = request.get_value() else { return };
                let merge = Request::Merge { job: j, axis, spec, calibration, worst, started, compute_ms, format };
                let sent = file.with_untracked(|f| f.as_ref().map(|f| worker.with_value(|w| w.send_with(&merge, f, &parts))));
                if let Some(Err(e)) = sent {
                    error.set(Some(e));
                    job.set(Job::Idle);
                }
            }
            PoolEvent::Failed { job: j, message } if j == current.get_value() => {
                error.set(Some(message));
                job.set(Job::Idle);
            }
            _ => {}
        };
        FilesState {
            file,
            listing,
            error,
            tensor: RwSignal::new(String::new()),
            job,
            current,
            asked_all,
            asked,
            request,
            kept,
            waiting: StoredValue::new_local(waiting),
            worker,
            pool: StoredValue::new_local(FilesPool::new(on_pool)),
            pooled,
        }
    }

    fn next_job(&self) -> u32 {
        let mut id = 0;
        self.worker.update_value(|w| id = w.job());
        self.current.set_value(id);
        id
    }

    /// A new file: stop whatever runs, list its tensors.
    pub fn open(&self, file: File) {
        self.stop();
        self.error.set(None);
        self.listing.set(None);
        self.tensor.set(String::new());
        self.job.set(Job::Listing);
        let job = self.next_job();
        let sent = self.worker.with_value(|w| w.send(&Request::List { job }, &file));
        self.file.set(Some(file));
        if let Err(e) = sent {
            self.error.set(Some(e));
            self.job.set(Job::Idle);
        }
    }

    /// Analyses the picked tensor (or all) with the form's settings; a setting that does not parse
    /// is shown on its field instead.
    pub fn analyse(&self, form: &FormState) {
        let Ok(options) = options::tool_options(Tool::Files, form) else {
            return;
        };
        let Some(file) = self.file.get_untracked() else {
            return;
        };
        let tensor = Some(self.tensor.get_untracked()).filter(|t| !t.is_empty());
        // The Format choice: a block / float / lookup-table format measures every tensor in it.
        let format = match flags::format_of(&options) {
            Some(Ok(format)) => Some(format.to_string()),
            Some(Err(e)) => {
                self.error.set(Some(format!("Format: {e}")));
                return;
            }
            None => None,
        };
        self.asked_all.set_value(tensor.is_none());
        self.asked.set_value((options.spec.clone(), options.calibration));
        let job = self.next_job();
        let request = Request::Analyse {
            job,
            tensor,
            axis: options.axis,
            spec: options.spec,
            calibration: options.calibration,
            worst: WORST,
            format,
        };
        self.request.set_value(Some(request.clone()));
        self.error.set(None);
        self.job.set(Job::Running { done: 0, total: 0, tensor: String::new(), started: web_sys::js_sys::Date::now() });
        let workers = self.pool_size(&file).filter(|_| self.asked_all.get_value());
        self.pooled.set_value((workers.unwrap_or(1), 0.0));
        let sent = match (&request, workers) {
            // Every tensor of a big file: split over the pool; `worker` merges.
            (Request::Analyse { tensor: None, axis, spec, calibration, worst, format, .. }, Some(workers)) => {
                let listing = self.listing.get_untracked().map(|l| l.tensors).unwrap_or_default();
                let options =
                    BatchOptions { axis: *axis, spec: spec.clone(), calibration: *calibration, worst: *worst, format: format.clone() };
                self.pool.with_value(|p| p.run(job, &file, options, Schedule::new(&listing, workers)))
            }
            _ => self.worker.with_value(|w| w.send(&request, &file)),
        };
        if let Err(e) = sent {
            self.error.set(Some(e));
            self.job.set(Job::Idle);
        }
    }

    /// How many workers a model-wide analysis of `file` is split over (`quantscope_app::pool`),
    /// `None` when one reads it alone.
    fn pool_size(&self, file: &File) -> Option<usize> {
        let n = self.listing.with_untracked(|l| l.as_ref().map(|l| worker_count(FilesPool::cores(), &l.tensors, file.size() as u64)))?;
        (n > 1).then_some(n)
    }

    /// Stops the running analysis at once (the worker is terminated).
    pub fn cancel(&self) {
        self.stop();
        self.next_job();
        self.job.set(Job::Cancelled);
    }

    /// Terminates the worker, with what it keeps; a PDF being made is not coming.
    fn stop(&self) {
        self.worker.with_value(FilesWorker::cancel);
        self.pool.with_value(FilesPool::cancel);
        self.kept.set_value(0);
        self.waiting.with_value(|w| answer_waiting(w, None, Err("stopped".into())));
    }

    /// Asks the worker for the model-wide PDF of the results on screen (`decimals` as the table
    /// shows them); `done` gets it. The worker makes it from the table it kept; when that worker
    /// was let go (its memory) or failed, a new one reads the file again first: whether it does.
    pub fn pdf(&self, paper: Paper, decimals: u8, done: impl FnOnce(FileReply) + 'static) -> bool {
        let (Some(file), Some(mut analyse)) = (self.file.get_untracked(), self.request.get_value()) else {
            done(Err("no results to make a PDF of".into()));
            return false;
        };
        let mut job = 0;
        self.worker.update_value(|w| job = w.job());
        let kept = self.kept;
        let of = kept.get_value();
        let again = of == 0 || !self.worker.with_value(FilesWorker::alive);
        let done = move |reply: FileReply| {
            if again && reply.is_ok() {
                kept.set_value(job);
            }
            done(reply)
        };
        self.waiting.with_value(|w| *w.borrow_mut() = Some((job, Box::new(done))));
        let export =
            Request::Export { job, of: if again { job } else { of }, file: ExportFile::FilePdf { paper, date: today(), decimals } };
        let sent = self.worker.with_value(|w| {
            if again {
                // The same job number: the analysis's `Failed` reaches the waiter, its `Done`
                // (not `current`) leaves the results on screen alone.
                if let Request::Analyse { job: j, .. } = &mut analyse {
                    *j = job;
                }
                w.send(&analyse, &file)?;
            }
            w.send_alone(&export)
        });
        if let Err(message) = sent {
            self.waiting.with_value(|w| answer_waiting(w, Some(job), Err(message)));
        }
        again
    }

    pub fn running(&self) -> bool {
        self.job.with(|j| matches!(j, Job::Running { .. } | Job::Listing))
    }
}

pub fn use_files_state() -> FilesState {
    expect_context::<FilesState>()
}

#[component]
pub fn FilesTool() -> impl IntoView {
    let state = use_app_state();
    let files = FilesState::new();
    provide_context(files);
    on_cleanup(move || {
        files.worker.with_value(FilesWorker::cancel);
        files.pool.with_value(FilesPool::cancel);
    });
    // A file that will be split over the pool: its workers start while the options are picked.
    Effect::new(move || {
        if files.listing.with(Option::is_some) {
            if let Some(n) = files.file.with_untracked(|f| f.as_ref().and_then(|f| files.pool_size(f))) {
                files.pool.with_value(|p| p.warm(n));
            }
        }
    });
    // The fields show their own parse errors (the ToolRun every tool's fields read).
    let inputs = Memo::new(move |_| state.committed.with(FormState::inputs));
    let outcome = Memo::new(move |_| inputs.with(|f| options::tool_options(Tool::Files, f).map(|_| Report::default())));
    provide_context(ToolRun { tool: Tool::Files, outcome });

    let axis = state.lens(|f| f.files.axis.clone(), |f, v| f.files.axis = v, Commit::Debounced);
    let calibration = state.lens(|f| f.files.calibration.clone(), |f, v| f.files.calibration = v, Commit::Now);
    let percentile = state.lens(|f| f.files.percentile.clone(), |f, v| f.files.percentile = v, Commit::Debounced);
    let can_run = move || files.listing.with(Option::is_some) && !files.running();
    let run = move || {
        state.commit();
        files.analyse(&state.form.get_untracked());
    };
    view! {
        <section
            class="tool-panel files-tool"
            id=panel_id(Tool::Files)
            role="tabpanel"
            aria-labelledby=tab_id(Tool::Files)
            data-testid=panel_id(Tool::Files)
        >
            <p class="tool-summary">{Tool::Files.summary()}</p>
            <DropZone />
            <TensorList />
            <form
                class="form-grid"
                data-testid="files-form"
                aria-label="Files options"
                on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    if can_run() {
                        run();
                    }
                }
            >
                <TensorSelect />
                <TextField
                    id="files-axis".into()
                    label="Channel axis"
                    lens=axis
                    inputmode="numeric"
                    hint="0: output channels of Linear [out, in] and Conv [O, I, kH, kW]."
                />
                <CalibrationFields tool=Tool::Files calibration percentile />
                <QuantOptions tool=Tool::Files />
                <div class="field field-wide files-actions">
                    <button type="submit" data-testid="files-analyse" disabled=move || !can_run()>
                        "Analyse"
                    </button>
                </div>
            </form>
            <ProgressBar />
            <ResultsTable />
            <TensorCharts />
            <CompareView />
        </section>
    }
}
