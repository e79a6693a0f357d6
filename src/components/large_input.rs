//! A tool's large input (`results::large`), analysed in the Web Worker: the page posts the form,
//! the worker answers with the tables and the charts' sample, and later with the export files.
//! A newer input supersedes an older one: every request has a job number and replies to any other
//! job are dropped.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use web_sys::js_sys::Uint8Array;

use crate::browser::frames;
use crate::browser::timer::page_ms;
use crate::worker::client::FilesWorker;
use crate::worker::protocol::{read_json_message, ExportFile, JsBytes, Reply, Request};
use quantscope_app::form::{FormState, Tool};
use quantscope_app::results::large::{HalfBuiltCharts, PendingCharts, SampleSettings};
use quantscope_app::results::{ChartData, InputError, Report};
use quantscope_weights::sample::Sample;

/// An export file from the worker: its bytes (in the JS heap) and row count, or why it could not
/// be made.
pub type FileReply = Result<(Uint8Array, usize), String>;

/// Who waits for the export file being made (one at a time: the buttons are busy meanwhile): its
/// job, and what to do with the file.
pub type FileWaiter = Rc<RefCell<Option<(u32, Box<dyn FnOnce(FileReply)>)>>>;

/// Hands `file` to whoever waits for export job `job` (any job: `None`); whether someone did.
pub fn answer_waiting(waiting: &FileWaiter, job: Option<u32>, file: FileReply) -> bool {
    let waits = waiting.borrow().as_ref().is_some_and(|(j, _)| job.is_none_or(|job| *j == job));
    // Taken before the call: `done` may ask for another file.
    let done = if waits { waiting.borrow_mut().take() } else { None };
    done.map(|(_, done)| done(file)).is_some()
}

/// Hands job `job`'s `file` to whichever of the two waiters waits for it.
fn answer_either(first: &FileWaiter, second: &FileWaiter, job: u32, file: FileReply) {
    if !answer_waiting(first, Some(job), file.clone()) {
        answer_waiting(second, Some(job), file);
    }
}

/// Where the worker is with the latest large input.
#[derive(Clone, Debug, PartialEq)]
pub enum LargeJob {
    /// The input is small (computed on the page) or none was sent yet.
    Idle,
    /// Posted `bytes` of text at `started` (ms since the epoch).
    Computing { bytes: usize, started: f64 },
    /// The worker's outcome for `job`, which took `elapsed_ms` in the worker.
    Done { job: u32, outcome: Result<Report, InputError>, elapsed_ms: f64 },
}

/// One tool's worker for large input, shared through context with its results and exports.
#[derive(Clone, Copy)]
pub struct LargeInput {
    pub job: RwSignal<LargeJob>,
    current: StoredValue<u32>,
    /// What the current job's charts' sample is analysed with: from the form posted (the reply
    /// does not carry it).
    settings: StoredValue<Option<SampleSettings>>,
    waiting: StoredValue<FileWaiter, LocalStorage>,
    /// Who waits for a text (`LargeInput::text`), beside the downloads' waiter: a text can be
    /// asked while a file is made.
    text_waiting: StoredValue<FileWaiter, LocalStorage>,
    worker: StoredValue<FilesWorker, LocalStorage>,
}

fn now() -> f64 {
    web_sys::js_sys::Date::now()
}

impl LargeInput {
    pub fn new() -> Self {
        let job = RwSignal::new(LargeJob::Idle);
        let current = StoredValue::new(0u32);
        let settings = StoredValue::new(None::<SampleSettings>);
        let waiting: FileWaiter = Rc::default();
        let waiter = waiting.clone();
        let text_waiting: FileWaiter = Rc::default();
        let text_waiter = text_waiting.clone();
        let on_reply = move |reply: Reply| {
            match reply {
                Reply::Text { job: j, outcome, elapsed_ms, sample } if j == current.get_value() => {
                    // The tables in a frame of their own (`frames::soon`; this task read the
                    // reply), then the charts' steps (`ChartsStep`), one frame each. Together they
                    // blocked the page for 0.4–0.74 s in one frame (e2e, traced).
                    frames::soon(move || {
                        if current.get_value() != j {
                            return;
                        }
                        let (outcome, charts) = match outcome.map(|large| large.into_parts(settings.get_value())) {
                            Ok((report, charts)) => (Ok(report), Some(charts)),
                            Err(error) => (Err(error), None),
                        };
                        job.set(LargeJob::Done { job: j, outcome, elapsed_ms });
                        if let Some(charts) = charts {
                            ChartsStep::Read(charts, sample).next(job, current, j);
                        }
                    });
                }
                Reply::File { job: j, bytes, rows } => {
                    let file = bytes.0.ok_or_else(|| "the worker sent no file".to_string());
                    answer_either(&waiter, &text_waiter, j, file.map(|bytes| (bytes, rows)));
                }
                // Job 0: the worker itself failed (out of memory, a panic).
                Reply::Failed { job: 0, message } => {
                    answer_waiting(&text_waiter, None, Err(message.clone()));
                    answer_waiting(&waiter, None, Err(message.clone()));
                    if matches!(job.get_untracked(), LargeJob::Computing { .. }) {
                        job.set(LargeJob::Done { job: current.get_value(), outcome: Err(worker_failed(message)), elapsed_ms: 0.0 });
                    }
                }
                Reply::Failed { job: j, message } => answer_either(&waiter, &text_waiter, j, Err(message)),
                _ => {}
            }
        };
        LargeInput {
            job,
            current,
            settings,
            waiting: StoredValue::new_local(waiting),
            text_waiting: StoredValue::new_local(text_waiting),
            worker: StoredValue::new_local(FilesWorker::new(on_reply)),
        }
    }

    /// Posts `form` (the tool's large input) to the worker; a job still running is superseded:
    /// the worker is stopped at once rather than left to finish an analysis nobody will see.
    pub fn submit(&self, tool: Tool, form: &FormState) {
        if matches!(self.job.get_untracked(), LargeJob::Computing { .. }) {
            self.worker.with_value(FilesWorker::cancel);
        }
        let mut job = 0;
        self.worker.update_value(|w| job = w.job());
        self.current.set_value(job);
        self.settings.set_value(SampleSettings::of(tool, form));
        // The text beside the form's JSON, as bytes: neither copied with the form nor escaped.
        let request = Request::Text { job, tool, form: form.without_data(tool) };
        let text = Uint8Array::from(form.data(tool).as_bytes());
        match self.worker.with_value(|w| w.send_with_parts(&request, &[text.into()])) {
            Ok(()) => self.job.set(LargeJob::Computing { bytes: form.data(tool).len(), started: now() }),
            Err(message) => self.job.set(LargeJob::Done { job, outcome: Err(worker_failed(message)), elapsed_ms: 0.0 }),
        }
    }

    /// The input became small again: the page computes it, a running job is stopped.
    pub fn forget(&self) {
        if self.job.get_untracked() != LargeJob::Idle {
            self.worker.with_value(FilesWorker::cancel);
            self.current.set_value(0);
            self.job.set(LargeJob::Idle);
        }
    }

    /// The worker's outcome for the latest input, once it came (tracked).
    pub fn outcome(&self) -> Option<Result<Report, InputError>> {
        self.job.with(|j| match j {
            LargeJob::Done { outcome, .. } => Some(outcome.clone()),
            _ => None,
        })
    }

    /// The job whose results are on screen, when they came from the worker (untracked).
    pub fn on_screen(&self) -> Option<u32> {
        match self.job.get_untracked() {
            LargeJob::Done { job, outcome: Ok(_), .. } => Some(job),
            _ => None,
        }
    }

    /// Asks the worker for `file` of the results on screen; `done` gets it.
    pub fn export(&self, file: ExportFile, done: impl FnOnce(FileReply) + 'static) {
        let Some(of) = self.on_screen() else {
            return done(Err("no results from the worker to export".into()));
        };
        let mut job = 0;
        self.worker.update_value(|w| job = w.job());
        self.waiting.with_value(|w| *w.borrow_mut() = Some((job, Box::new(done))));
        if let Err(message) = self.worker.with_value(|w| w.send_alone(&Request::Export { job, of, file })) {
            self.waiting.with_value(|w| answer_waiting(w, Some(job), Err(message)));
        }
    }
}

impl LargeInput {
    /// Asks the worker for `file` of `tool`'s results on `form` (a small input, computed on the
    /// page: the worker computes it again, so the page's wasm links no PDF code); `done` gets it.
    pub fn export_form(&self, tool: Tool, form: FormState, file: ExportFile, done: impl FnOnce(FileReply) + 'static) {
        let mut job = 0;
        self.worker.update_value(|w| job = w.job());
        self.waiting.with_value(|w| *w.borrow_mut() = Some((job, Box::new(done))));
        if let Err(message) = self.worker.with_value(|w| w.send_alone(&Request::ExportForm { job, tool, form, file })) {
            self.waiting.with_value(|w| answer_waiting(w, Some(job), Err(message)));
        }
    }
}

impl LargeInput {
    /// Asks the worker for a text, `file` being `ExportFile::Params` (of the large input's results
    /// on screen, else of `tool`'s results on `form`, computed there again) or `ExportFile::ShareLink`
    /// (of `form`); `done` gets it, or why it could not be made. The page's wasm then links neither
    /// the parameters' writers nor deflate. A newer ask supersedes one not answered yet.
    pub fn text(&self, tool: Tool, form: FormState, file: ExportFile, done: impl FnOnce(Result<String, String>) + 'static) {
        let mut job = 0;
        self.worker.update_value(|w| job = w.job());
        let done = move |reply: FileReply| {
            done(reply.and_then(|(bytes, _)| String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())));
        };
        self.text_waiting.with_value(|w| *w.borrow_mut() = Some((job, Box::new(done))));
        let request = match self.on_screen() {
            Some(of) if file == ExportFile::Params => Request::Export { job, of, file },
            _ => Request::ExportForm { job, tool, form, file },
        };
        if let Err(message) = self.worker.with_value(|w| w.send_alone(&request)) {
            self.text_waiting.with_value(|w| answer_waiting(w, Some(job), Err(message)));
        }
    }
}

impl Default for LargeInput {
    fn default() -> Self {
        Self::new()
    }
}

/// A large input's charts on their way to the screen, a step per frame: each of them took 10–60 ms
/// for a million values (2-core machine), and two in one frame made it a long one. (One step at a
/// time exists: its size does not matter.)
#[allow(clippy::large_enum_variant)]
enum ChartsStep {
    /// Read the sample posted beside the reply (925 KB of JSON for a million values).
    Read(PendingCharts, JsBytes),
    /// Analyse the sample with the full data's parameters.
    Analyse(PendingCharts),
    /// Make the comparison the bars draw (each decides a thousand channels' zero points).
    Compare(Option<HalfBuiltCharts>),
    /// Hand the charts their data (each then plans and draws in a frame of its own).
    Show(Option<ChartData>),
}

impl ChartsStep {
    /// Runs this step in the next free frame, if job `j` is still the current one, then the next.
    fn next(self, job: RwSignal<LargeJob>, current: StoredValue<u32>, j: u32) {
        frames::soon(move || {
            if current.get_value() != j {
                return;
            }
            let next = match self {
                ChartsStep::Read(charts, sample) => {
                    let sample = sample.0.and_then(|bytes| read_json_message::<Sample>(&bytes.into()));
                    ChartsStep::Analyse(charts.with_sample(sample))
                }
                ChartsStep::Analyse(charts) => ChartsStep::Compare(charts.analyse(page_ms)),
                ChartsStep::Compare(half) => ChartsStep::Show(half.and_then(|half| half.build(page_ms))),
                ChartsStep::Show(charts) => return show_charts(job, j, charts),
            };
            next.next(job, current, j);
        });
    }
}

/// Adds job `j`'s charts to the results on screen, if they are still that job's.
fn show_charts(job: RwSignal<LargeJob>, j: u32, charts: Option<ChartData>) {
    job.update(|state| {
        if let LargeJob::Done { job: done, outcome: Ok(report), .. } = state {
            if *done == j {
                report.charts = charts;
            }
        }
    });
}

/// The worker stopped (a panic, out of memory): said on the data field, which is what it was given.
fn worker_failed(message: String) -> InputError {
    InputError {
        field: quantscope_app::results::Field::Data,
        line: 0,
        column: 0,
        text: String::new(),
        problem: message,
        expected: String::new(),
    }
}
