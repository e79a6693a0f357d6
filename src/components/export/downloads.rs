//! The download buttons: the results CSV, the per-element CSV, the settings JSON and the PDF report
//! on A4 or US Letter, all made in the worker (the page stays responsive, and its wasm links none
//! of their writers).

use leptos::prelude::*;
use quantscope_export::Paper;

use crate::browser::download::{self, BlobParts};
use crate::components::export::files::{self, Exportable};
use crate::components::large_input::{FileReply, LargeInput};
use crate::components::tool_panel::ToolRun;
use crate::state::use_app_state;
use crate::worker::protocol::ExportFile;

/// Milliseconds since the epoch, for the timings the status reports.
pub(crate) fn now() -> f64 {
    web_sys::js_sys::Date::now()
}

fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / (1 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} kB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// Hands `parts` to the browser as `name`; the status line says what was saved.
pub(crate) fn save(parts: BlobParts, mime: &str, name: &str, what: &str, started: f64) -> String {
    let bytes = parts.len();
    match parts.into_blob(mime).and_then(|blob| download::save(&blob, name)) {
        Ok(_) => format!("Saved {name} ({what}{}, made in {:.0} ms).", size(bytes), now() - started),
        Err(e) => format!("Could not save {name}: {e}"),
    }
}

/// Asks the worker for `file` of a large input's results (they are in the worker, not on the
/// page) and saves it as `name`; `busy` while it is made.
pub(crate) fn from_worker(
    large: LargeInput,
    file: ExportFile,
    mime: &'static str,
    name: String,
    status: RwSignal<String>,
    busy: RwSignal<bool>,
) {
    let making = format!("Making {name} in the background worker…");
    made_in_worker(mime, name, &making, status, busy, move |done| large.export(file, done));
}

/// Saves as `name` the file `ask` has the worker make (`ask` hands the reply to its argument);
/// `making` shows and `busy` is set while it is made.
fn made_in_worker(
    mime: &'static str,
    name: String,
    making: &str,
    status: RwSignal<String>,
    busy: RwSignal<bool>,
    ask: impl FnOnce(Box<dyn FnOnce(FileReply)>),
) {
    let started = now();
    busy.set(true);
    status.set(making.to_string());
    ask(Box::new(move |reply| {
        status.set(match reply {
            Ok((bytes, rows)) => {
                let mut parts = BlobParts::new();
                parts.push_js(bytes);
                let rows = if rows > 0 { format!("{rows} rows, ") } else { String::new() };
                save(parts, mime, &name, &rows, started)
            }
            Err(e) => format!("Could not make {name}: {e}"),
        });
        busy.set(false);
    }));
}

#[component]
pub fn Downloads(exportable: Memo<Option<Exportable>>) -> impl IntoView {
    let state = use_app_state();
    let slug = expect_context::<ToolRun>().tool.slug();
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let paper = RwSignal::new(Paper::A4);
    let disabled = move || busy.get() || exportable.with(Option::is_none);
    // The results the click is about (recomputed first if the form changed a moment ago).
    let current = move || exportable.get_untracked();
    // Results computed in the worker (a large input): their files are made there too.
    let large_input = use_context::<LargeInput>();
    let large = move || large_input.filter(|l| l.on_screen().is_some());

    // Every file is made in the worker, whatever the input's size: a large input's from the results
    // it keeps, a small one's from the committed form, computed there again (the page's wasm links
    // neither the PDF writer nor the CSV and settings writers).
    let make = move |ex: &Exportable, file: ExportFile, mime: &'static str, name: String, making: &str| {
        let Some(worker) = large_input else { return };
        if let Some(large) = large() {
            return from_worker(large, file, mime, name, status, busy);
        }
        let form = state.committed.get_untracked();
        let tool = ex.tool;
        made_in_worker(mime, name, making, status, busy, move |done| worker.export_form(tool, form, file, done));
    };
    let results_csv = move |_| {
        let Some(ex) = current() else { return };
        make(&ex, ExportFile::ResultsCsv, download::CSV, ex.results_name(), "Writing the CSV…");
    };
    let elements_csv = move |_| {
        let Some(ex) = current() else { return };
        let making = format!("Writing the CSV: {} rows…", ex.element_count());
        make(&ex, ExportFile::ElementsCsv, download::CSV, ex.elements_name(), &making);
    };
    let settings = move |_| {
        let Some(ex) = current() else { return };
        let form = state.committed.get_untracked();
        make(&ex, ExportFile::Settings { form }, download::JSON, ex.settings_name(), "Writing the settings…");
    };
    let pdf = move |_| {
        let Some(ex) = current() else { return };
        let paper = paper.get_untracked();
        let decimals = state.form.with_untracked(|f| f.display.precision);
        let file = ExportFile::Pdf { paper, date: files::today(), decimals };
        let making = if ex.pdf_has_sweep() { "Making the PDF (with the bit-width sweep)…" } else { "Making the PDF…" };
        make(&ex, file, download::PDF, ex.pdf_name(paper), making);
    };
    let rows = move || exportable.with(|ex| ex.as_ref().map_or(0, Exportable::element_count));
    let paper_id = format!("{slug}-export-paper");
    view! {
        <div class="export-card export-downloads" data-testid=format!("{slug}-downloads")>
            <h4>"Downloads"</h4>
            <div class="export-actions">
                <button type="button" data-testid=format!("{slug}-download-results") disabled=disabled on:click=results_csv>
                    "Download CSV (results)"
                </button>
                <button
                    type="button"
                    data-testid=format!("{slug}-download-elements")
                    disabled=disabled
                    on:click=elements_csv
                    title=move || format!("{} rows: channel, index, x, q_raw, q, x_hat, error, clipped", rows())
                >
                    "Download CSV (every value)"
                </button>
                <button type="button" data-testid=format!("{slug}-download-settings") disabled=disabled on:click=settings>
                    "Download settings (JSON)"
                </button>
            </div>
            <div class="export-actions">
                <label for=paper_id.clone()>"Paper"</label>
                <select
                    id=paper_id.clone()
                    data-testid=paper_id.clone()
                    on:change=move |ev| {
                        paper.set(if event_target_value(&ev) == "letter" { Paper::Letter } else { Paper::A4 });
                    }
                >
                    <option value="a4" selected=move || paper.get() == Paper::A4>"A4"</option>
                    <option value="letter" selected=move || paper.get() == Paper::Letter>"US Letter"</option>
                </select>
                <button type="button" data-testid=format!("{slug}-download-pdf") disabled=disabled on:click=pdf>
                    "Download PDF"
                </button>
            </div>
            <p class="export-status" role="status" aria-live="polite" data-testid=format!("{slug}-download-status")>
                {status}
            </p>
        </div>
    }
}
