//! The downloads of a result in a block, float-element or lookup-table format: the blocks CSV and
//! the values CSV (the format and bits per weight on every line), the settings file (with the
//! command computing the same numbers), the block scales as JSON (the parameters) and the PDF.

use leptos::prelude::*;
use quantscope_app::export::FormatExport;
use quantscope_export::Paper;

use crate::browser::download::{self, BlobParts};
use crate::components::export::downloads::{now, save, save_text};
use crate::components::export::files;
use crate::components::tool_panel::ToolRun;
use crate::state::use_app_state;

#[component]
pub fn FormatDownloads(export: Memo<Option<FormatExport>>) -> impl IntoView {
    let state = use_app_state();
    let slug = expect_context::<ToolRun>().tool.slug();
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let paper = RwSignal::new(Paper::A4);
    let disabled = move || busy.get() || export.with(Option::is_none);
    let current = move || export.get_untracked();
    let text_file = move |make: fn(&FormatExport) -> (String, String), mime: &'static str| {
        move |_| {
            if let Some(ex) = current() {
                let started = now();
                let (text, name) = make(&ex);
                status.set(save_text(&text, mime, &name, started));
            }
        }
    };
    let settings = move |_| {
        if let Some(ex) = current() {
            let started = now();
            let json = state.committed.with_untracked(|form| ex.settings_json(form));
            status.set(save_text(&json, download::JSON, &ex.settings_name(), started));
        }
    };
    let pdf = move |_| {
        let Some(ex) = current() else { return };
        let paper = paper.get_untracked();
        let decimals = state.form.with_untracked(|f| f.display.precision);
        busy.set(true);
        status.set("Making the PDF…".into());
        leptos::task::spawn_local(async move {
            download::yield_to_page().await;
            let started = now();
            let bytes = ex.pdf(paper, files::today(), decimals);
            let mut parts = BlobParts::new();
            parts.push(&bytes);
            status.set(save(parts, download::PDF, &ex.pdf_name(paper), "", started));
            busy.set(false);
        });
    };
    let paper_id = format!("{slug}-export-paper");
    view! {
        <div class="export-card export-downloads" data-testid=format!("{slug}-downloads")>
            <h4>"Downloads"</h4>
            <div class="export-actions">
                <button
                    type="button"
                    data-testid=format!("{slug}-download-results")
                    disabled=disabled
                    on:click=text_file(|ex| (ex.results_csv(), ex.results_name()), download::CSV)
                >
                    "Download CSV (blocks)"
                </button>
                <button
                    type="button"
                    data-testid=format!("{slug}-download-elements")
                    disabled=disabled
                    on:click=text_file(|ex| (ex.elements_csv(), ex.elements_name()), download::CSV)
                >
                    "Download CSV (every value)"
                </button>
                <button type="button" data-testid=format!("{slug}-download-settings") disabled=disabled on:click=settings>
                    "Download settings (JSON)"
                </button>
                <button
                    type="button"
                    data-testid=format!("{slug}-download-params")
                    disabled=disabled
                    on:click=text_file(|ex| (ex.params_json(), ex.params_name()), download::JSON)
                >
                    "Download block scales (JSON)"
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
