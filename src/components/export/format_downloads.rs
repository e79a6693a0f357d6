//! The downloads of a result in a block, float-element or lookup-table format: the blocks CSV and
//! the values CSV (the format and bits per weight on every line), the settings file (with the
//! command computing the same numbers), the block scales as JSON (the parameters) and the PDF.
//! The worker computed the result and keeps it: every file is made there (`ExportFile`), the page
//! only names and saves it.

use std::sync::Arc;

use leptos::prelude::*;
use quantscope_app::export::FormatFileNames;
use quantscope_app::results::format::FormatView;
use quantscope_export::Paper;

use crate::browser::download;
use crate::components::export::downloads::from_worker;
use crate::components::export::files;
use crate::components::large_input::LargeInput;
use crate::components::tool_panel::ToolRun;
use crate::state::use_app_state;
use crate::worker::protocol::ExportFile;

#[component]
pub fn FormatDownloads(view: Memo<Option<Arc<FormatView>>>) -> impl IntoView {
    let state = use_app_state();
    let slug = expect_context::<ToolRun>().tool.slug();
    let worker = expect_context::<LargeInput>();
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let paper = RwSignal::new(Paper::A4);
    let disabled = move || busy.get() || view.with(Option::is_none);
    let names = move || view.with_untracked(|v| v.as_ref().map(|v| FormatFileNames::new(&v.tensor, v.tool, &v.format)));
    let ask = move |file: ExportFile, mime: &'static str, name: fn(&FormatFileNames) -> String| {
        if let Some(names) = names() {
            from_worker(worker, file, mime, name(&names), status, busy);
        }
    };
    let settings = move |_| {
        let form = state.committed.get_untracked();
        ask(ExportFile::Settings { form }, download::JSON, FormatFileNames::settings_name);
    };
    let pdf = move |_| {
        let paper = paper.get_untracked();
        let decimals = state.form.with_untracked(|f| f.display.precision);
        if let Some(names) = names() {
            from_worker(
                worker,
                ExportFile::Pdf { paper, date: files::today(), decimals },
                download::PDF,
                names.pdf_name(paper),
                status,
                busy,
            );
        }
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
                    on:click=move |_| ask(ExportFile::ResultsCsv, download::CSV, FormatFileNames::results_name)
                >
                    "Download CSV (blocks)"
                </button>
                <button
                    type="button"
                    data-testid=format!("{slug}-download-elements")
                    disabled=disabled
                    on:click=move |_| ask(ExportFile::ElementsCsv, download::CSV, FormatFileNames::elements_name)
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
                    on:click=move |_| ask(ExportFile::FormatBlockScales, download::JSON, FormatFileNames::params_name)
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
