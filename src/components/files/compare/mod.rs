//! The Files tool's *Compare formats* view (issue 14, docs/compare.md): several files dropped
//! together are one model; every tensor is measured in every format in the worker
//! (`quantscope_app::compare::compare_model`, as `quantscope compare`), shown as a sortable table
//! of SQNR per tensor and format (the heatmap's numbers, its colours a second signal), the heatmap
//! and Pareto charts, and the plan builder (`quantscope plan` in the worker) with its downloads.

pub mod charts;
pub mod heatmap_table;
pub mod plan_builder;
pub mod worker;

use std::sync::Arc;

use leptos::ev::{DragEvent, Event, SubmitEvent};
use leptos::prelude::*;
use quantscope_app::compare::{self, CompareForm, CompareReply, CompareRequest, PlanFiles, PlanForm};
use quantscope_core::compare::plan::Plan;
use quantscope_core::compare::CompareReport;
use wasm_bindgen::JsCast;
use web_sys::{File, HtmlInputElement};

use crate::components::files::bytes;
use worker::{CompareWorker, Reply};

/// A comparison on screen: the report and its files as the worker wrote them.
#[derive(Debug, PartialEq)]
pub struct Compared {
    pub report: CompareReport,
    pub json: String,
    pub csv: String,
    pub elapsed_ms: f64,
}

/// A plan on screen: what it was asked with, the plan and its files.
#[derive(Debug, PartialEq)]
pub struct Planned {
    pub form: PlanForm,
    pub plan: Plan,
    pub files: PlanFiles,
}

/// What the worker is doing for the view.
#[derive(Clone, Debug, PartialEq)]
pub enum Work {
    Idle,
    /// Reading and measuring: `done` of `total` bytes since `started` (ms).
    Comparing {
        done: u64,
        total: u64,
        tensor: String,
        started: f64,
    },
    Planning,
    Cancelled,
}

/// Who waits for the PDF.
type PdfWaiter = std::rc::Rc<std::cell::RefCell<Option<(u32, Box<dyn FnOnce(Result<JsBytesOwned, String>)>)>>>;
type JsBytesOwned = web_sys::js_sys::Uint8Array;

/// The view's state, shared by its parts through context.
#[derive(Clone, Copy)]
pub struct CompareState {
    pub files: RwSignal<Vec<File>, LocalStorage>,
    pub formats: RwSignal<String>,
    pub work: RwSignal<Work>,
    pub compared: RwSignal<Option<Arc<Compared>>>,
    /// The comparison's error (naming the file and tensor), or the worker's.
    pub error: RwSignal<Option<String>>,
    pub plan_form: RwSignal<PlanForm>,
    pub planned: RwSignal<Option<Arc<Planned>>>,
    pub plan_error: RwSignal<Option<String>>,
    current: StoredValue<u32>,
    /// The formats list the report on screen was made with (the CLI command's `--formats`).
    asked_formats: StoredValue<String>,
    pdf: StoredValue<PdfWaiter, LocalStorage>,
    worker: StoredValue<CompareWorker, LocalStorage>,
}

impl CompareState {
    fn new() -> Self {
        let work = RwSignal::new(Work::Idle);
        let compared = RwSignal::new(None::<Arc<Compared>>);
        let error = RwSignal::new(None::<String>);
        let planned = RwSignal::new(None::<Arc<Planned>>);
        let plan_error = RwSignal::new(None::<String>);
        // The fields as the page's form keeps them (localStorage, a share link): see `CompareView`.
        let saved = crate::state::use_app_state().form.with_untracked(|f| f.files.compare.clone());
        let plan_form = RwSignal::new(saved.plan);
        let current = StoredValue::new(0u32);
        let pdf: PdfWaiter = Default::default();
        let waiter = pdf.clone();
        let on_reply = move |reply: Reply| {
            if let CompareReply::Pdf { job, bytes } = &reply {
                if let Some((j, done)) = waiter.borrow_mut().take() {
                    if j == *job {
                        done(bytes.0.clone().ok_or_else(|| "the worker sent no file".to_string()));
                    }
                }
                return;
            }
            if let CompareReply::Failed { job, message } = &reply {
                let mut slot = waiter.borrow_mut();
                if slot.as_ref().is_some_and(|(j, _)| j == job || *job == 0) {
                    if let Some((_, done)) = slot.take() {
                        done(Err(message.clone()));
                    }
                    if *job != 0 {
                        return;
                    }
                }
            }
            if reply.job().is_some_and(|j| j != 0 && j != current.get_value()) {
                return;
            }
            match reply {
                CompareReply::Ready | CompareReply::Pdf { .. } => {}
                CompareReply::Progress { done, total, tensor, .. } => work.update(|w| {
                    if let Work::Comparing { done: d, total: t, tensor: n, .. } = w {
                        (*d, *t, *n) = (done, total, tensor);
                    }
                }),
                CompareReply::Compared { json, csv, elapsed_ms, .. } => {
                    match serde_json::from_str::<CompareReport>(&json) {
                        Ok(report) => compared.set(Some(Arc::new(Compared { report, json, csv, elapsed_ms }))),
                        Err(e) => error.set(Some(format!("the worker's report does not read back: {e}"))),
                    }
                    work.set(Work::Idle);
                }
                CompareReply::Planned { files, .. } => {
                    match serde_json::from_str::<Plan>(&files.json) {
                        Ok(plan) => planned.set(Some(Arc::new(Planned { form: plan_form.get_untracked(), plan, files }))),
                        Err(e) => plan_error.set(Some(format!("the worker's plan does not read back: {e}"))),
                    }
                    work.set(Work::Idle);
                }
                CompareReply::Failed { message, .. } => {
                    if matches!(work.get_untracked(), Work::Planning) {
                        plan_error.set(Some(message));
                    } else {
                        error.set(Some(message));
                    }
                    work.set(Work::Idle);
                }
            }
        };
        CompareState {
            files: RwSignal::new_local(Vec::new()),
            formats: RwSignal::new(saved.formats),
            work,
            compared,
            error,
            plan_form,
            planned,
            plan_error,
            current,
            asked_formats: StoredValue::new(String::new()),
            pdf: StoredValue::new_local(pdf),
            worker: StoredValue::new_local(CompareWorker::new(on_reply)),
        }
    }

    fn next_job(&self) -> u32 {
        let mut id = 0;
        self.worker.update_value(|w| id = w.job());
        self.current.set_value(id);
        id
    }

    /// New files: whatever ran stops, the results go.
    pub fn set_files(&self, files: Vec<File>) {
        self.stop();
        self.next_job();
        self.error.set(None);
        self.compared.set(None);
        self.planned.set(None);
        self.plan_error.set(None);
        self.work.set(Work::Idle);
        self.files.set(files);
    }

    /// Compares the files in the formats typed (a list that does not parse is shown on its field).
    pub fn compare(&self) {
        let formats = self.formats.get_untracked();
        if compare::parse_formats(&formats).is_err() {
            return;
        }
        let files = self.files.get_untracked();
        if files.is_empty() {
            return;
        }
        let job = self.next_job();
        self.asked_formats.set_value(formats.trim().to_string());
        self.error.set(None);
        self.compared.set(None);
        self.planned.set(None);
        self.plan_error.set(None);
        self.work.set(Work::Comparing { done: 0, total: 0, tensor: String::new(), started: web_sys::js_sys::Date::now() });
        if let Err(e) = self.worker.with_value(|w| w.send(&CompareRequest::Compare { job, formats }, &files)) {
            self.error.set(Some(e));
            self.work.set(Work::Idle);
        }
    }

    /// Plans the comparison on screen under the builder's fields (errors shown on the fields).
    pub fn plan(&self) {
        let form = self.plan_form.get_untracked();
        let Some(compared) = self.compared.get_untracked() else { return };
        if compare::plan_options(&compared.report.formats, &form).is_err() {
            return;
        }
        let job = self.next_job();
        self.plan_error.set(None);
        self.work.set(Work::Planning);
        if let Err(e) = self.worker.with_value(|w| w.send(&CompareRequest::Plan { job, report: compared.json.clone(), form }, &[])) {
            self.plan_error.set(Some(e));
            self.work.set(Work::Idle);
        }
    }

    /// Asks for the PDF report of the comparison and the plan on screen; `done` gets its bytes.
    pub fn pdf(&self, paper: quantscope_export::Paper, done: impl FnOnce(Result<JsBytesOwned, String>) + 'static) {
        let Some(compared) = self.compared.get_untracked() else {
            done(Err("no comparison to report".into()));
            return;
        };
        let mut job = 0;
        self.worker.update_value(|w| job = w.job());
        self.pdf.with_value(|w| *w.borrow_mut() = Some((job, Box::new(done))));
        let request = CompareRequest::ComparePdf {
            job,
            report: compared.json.clone(),
            plan: self.planned.get_untracked().map(|p| p.form.clone()),
            model: self.model_name(),
            paper,
            date: crate::components::export::files::today(),
            decimals: 4,
        };
        if let Err(e) = self.worker.with_value(|w| w.send(&request, &[])) {
            if let Some((_, done)) = self.pdf.with_value(|w| w.borrow_mut().take()) {
                done(Err(e));
            }
        }
    }

    /// Stops the comparison at once (the worker is terminated).
    pub fn cancel(&self) {
        self.stop();
        self.next_job();
        self.work.set(Work::Cancelled);
    }

    fn stop(&self) {
        self.worker.with_value(CompareWorker::cancel);
        if let Some((_, done)) = self.pdf.with_value(|w| w.borrow_mut().take()) {
            done(Err("stopped".into()));
        }
    }

    pub fn busy(&self) -> bool {
        self.work.with(|w| matches!(w, Work::Comparing { .. } | Work::Planning))
    }

    /// The model as named in titles: the first weight file's name, and how many more.
    pub fn model_name(&self) -> String {
        self.files.with_untracked(|files| {
            let names: Vec<String> = files.iter().map(File::name).filter(|n| !compare::is_index(n)).collect();
            match names.len() {
                0 => "no file".into(),
                1 => names[0].clone(),
                n => format!("{} + {} file(s)", names[0], n - 1),
            }
        })
    }

    /// The `quantscope plan` command giving the plan on screen.
    pub fn command(&self, form: &PlanForm) -> String {
        let names: Vec<String> = self.files.with_untracked(|f| f.iter().map(File::name).collect());
        compare::plan_command(&names, &self.asked_formats.get_value(), form)
    }
}

pub fn use_compare_state() -> CompareState {
    expect_context::<CompareState>()
}

fn all(list: Option<web_sys::FileList>) -> Vec<File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The progress of a comparison, with Cancel (the Files tool's bar, for the view's work).
#[component]
fn CompareProgress() -> impl IntoView {
    let state = use_compare_state();
    move || match state.work.get() {
        Work::Comparing { done, total, tensor, started } => {
            let text = if total == 0 {
                "Starting…".to_string()
            } else {
                let elapsed = web_sys::js_sys::Date::now() - started;
                format!(
                    "{} of {} read · {} · {tensor}",
                    bytes(done),
                    bytes(total),
                    crate::components::files::progress::time_left(done, total, elapsed)
                )
            };
            view! {
                <div class="files-progress" data-testid="compare-progress">
                    <progress
                        max=total.max(1).to_string()
                        value=done.to_string()
                        data-done=done.to_string()
                        data-total=total.to_string()
                        aria-label="Bytes read for the comparison"
                    ></progress>
                    // Cancel before the text, whose width changes: it stays under the pointer.
                    <button type="button" class="small-button" data-testid="compare-cancel" on:click=move |_| state.cancel()>
                        "Cancel"
                    </button>
                    <span role="status">{text}</span>
                </div>
            }
            .into_any()
        }
        Work::Planning => view! { <p class="files-status" role="status" data-testid="compare-planning">"Planning…"</p> }.into_any(),
        Work::Cancelled => view! { <p class="files-status" role="status" data-testid="compare-cancelled">"Cancelled."</p> }.into_any(),
        Work::Idle => ().into_any(),
    }
}

/// The formats list and the plan builder's fields live in the page's form (`FilesForm::compare`):
/// what is typed here is saved with it (localStorage, after the form's debounce) and goes into
/// share links; a form that changes under the view (a share link followed) fills the fields.
fn keep_fields(state: CompareState) {
    let app = crate::state::use_app_state();
    Effect::new(move || {
        let typed = CompareForm { formats: state.formats.get(), plan: state.plan_form.get() };
        if app.form.with_untracked(|f| f.files.compare != typed) {
            app.edit(move |f| f.files.compare = typed);
        }
    });
    let kept = Memo::new(move |_| app.form.with(|f| f.files.compare.clone()));
    Effect::new(move || {
        let kept = kept.get();
        if state.formats.with_untracked(|f| *f != kept.formats) {
            state.formats.set(kept.formats);
        }
        if state.plan_form.with_untracked(|f| *f != kept.plan) {
            state.plan_form.set(kept.plan);
        }
    });
}

#[component]
pub fn CompareView() -> impl IntoView {
    let state = CompareState::new();
    provide_context(state);
    on_cleanup(move || state.worker.with_value(CompareWorker::cancel));
    keep_fields(state);
    let over = RwSignal::new(false);
    let formats_error = Memo::new(move |_| state.formats.with(|f| compare::parse_formats(f).err().map(|e| e.message)));
    let can_run = move || state.files.with(|f| !f.is_empty()) && formats_error.with(Option::is_none) && !state.busy();
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        over.set(false);
        let files = all(ev.data_transfer().and_then(|d| d.files()));
        if !files.is_empty() {
            state.set_files(files);
        }
    };
    let on_change = move |ev: Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        let files = all(input.files());
        if !files.is_empty() {
            state.set_files(files);
        }
        input.set_value("");
    };
    let listed = move || {
        state.files.with(|files| {
            files
                .iter()
                .map(|f| {
                    let note = if compare::is_index(&f.name()) { " · index: picks its shards" } else { "" };
                    view! { <li>{f.name()} " (" {bytes(f.size() as u64)} ")" {note}</li> }
                })
                .collect_view()
        })
    };
    view! {
        <section class="compare-view" aria-labelledby="compare-heading" data-testid="compare-view">
            <h3 id="compare-heading">"Compare formats"</h3>
            <p class="hint">
                "Drop the files of one model together (its " <code>".safetensors"</code> " shards, with or without its "
                <code>"model.safetensors.index.json"</code> ", " <code>".npz"</code> "/" <code>".npy"</code>
                " or a " <code>".gguf"</code> "): every tensor is measured in every format, one read of it for all, "
                "then a plan picks one format per tensor under a size budget. The numbers are "
                <code>"quantscope compare"</code> "'s and " <code>"quantscope plan"</code> "'s (docs/compare.md)."
            </p>
            <div
                class="files-drop"
                class:files-drop-over=move || over.get()
                data-testid="compare-drop"
                on:dragover=move |ev: DragEvent| {
                    ev.prevent_default();
                    over.set(true);
                }
                on:dragleave=move |_| over.set(false)
                on:drop=on_drop
            >
                <input
                    type="file"
                    id="compare-input"
                    class="visually-hidden"
                    multiple=true
                    accept=".npy,.npz,.safetensors,.gguf,.json"
                    data-testid="compare-input"
                    on:change=on_change
                />
                <label for="compare-input" class="files-drop-label">
                    "Drop the model's files here, or " <span class="files-choose">"choose files"</span>
                </label>
                <ul class="compare-files" data-testid="compare-files">{listed}</ul>
            </div>
            <form
                class="form-grid"
                data-testid="compare-form"
                aria-label="Compare formats options"
                on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    if can_run() {
                        state.compare();
                    }
                }
            >
                <div class="field field-wide" class:field-invalid=move || formats_error.with(Option::is_some)>
                    <label for="compare-formats">"Formats"</label>
                    <input
                        type="text"
                        id="compare-formats"
                        data-testid="compare-formats"
                        autocomplete="off"
                        spellcheck="false"
                        aria-describedby="compare-formats-hint compare-formats-error"
                        aria-invalid=move || formats_error.with(Option::is_some).to_string()
                        prop:value=move || state.formats.get()
                        on:input=move |ev| state.formats.set(event_target_value(&ev))
                    />
                    <p class="hint" id="compare-formats-hint">
                        "Comma-separated, as " <code>"--formats"</code> ": presets (q8_0, q4_0, q5_1, mxfp4, nvfp4, nf4, …) or "
                        <code>"ELEMENT:SCOPE"</code> " (int4:per-group:128, fp8-e4m3:per-channel). See docs/formats.md."
                    </p>
                    <pre class="field-error" id="compare-formats-error" role="alert" data-testid="compare-formats-error">
                        {move || formats_error.get()}
                    </pre>
                </div>
                <div class="field field-wide files-actions">
                    <button type="submit" data-testid="compare-run" disabled=move || !can_run()>
                        "Compare"
                    </button>
                </div>
            </form>
            <CompareProgress />
            {move || state.error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="compare-error">{e}</p> })}
            {move || state.compared.get().map(|c| view! {
                <p class="hint" data-testid="compare-summary" data-elapsed-ms=format!("{:.0}", c.elapsed_ms)>
                    {format!(
                        "{} tensor(s), {} measured, in {} format(s) · {:.1} s",
                        c.report.tensors.len(),
                        c.report.tensors.iter().filter(|t| t.kept.is_none()).count(),
                        c.report.formats.len(),
                        c.elapsed_ms / 1000.0
                    )}
                </p>
                <heatmap_table::HeatmapTable compared=c.clone() />
                <charts::CompareCharts compared=c.clone() />
                <plan_builder::PlanBuilder compared=c />
            })}
        </section>
    }
}
