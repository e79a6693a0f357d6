//! The Export section under a tool's results: downloads (CSV, settings, PDF), a link to the
//! whole form, and the parameters for PyTorch / ONNX. Everything is made in the page from the
//! core's report of the results on screen; nothing is sent anywhere. One file per component;
//! [`files`] holds what they hand out.

pub mod copy_link;
pub mod downloads;
pub mod files;
pub mod format_downloads;
pub mod params;

use std::sync::Arc;

use leptos::prelude::*;

use crate::components::tool_panel::ToolRun;
use crate::state::use_app_state;
use copy_link::CopyLink;
use downloads::Downloads;
use files::Exportable;
use format_downloads::FormatDownloads;
use params::ParamsExport;
use quantscope_app::options;

/// The export section of the tool whose [`ToolRun`] is in context.
#[component]
pub fn ExportPanel() -> impl IntoView {
    let run = expect_context::<ToolRun>();
    let state = use_app_state();
    let tool = run.tool;
    let slug = tool.slug();
    // The results on screen when they computed; nothing while the input is bad (the greyed
    // results are not the form's, and a file must never mix the two).
    let large_input = use_context::<crate::components::large_input::LargeInput>();
    let exportable = Memo::new(move |_| {
        // While the worker computes a large input, the results on screen are not the form's.
        let computing =
            large_input.is_some_and(|l| l.job.with(|j| matches!(j, crate::components::large_input::LargeJob::Computing { .. })));
        if computing {
            return None;
        }
        let report = run.outcome.with(|o| o.as_ref().ok().and_then(|r| r.charts.clone()))?;
        let options = state.committed.with(|form| options::tool_options(tool, form)).ok()?;
        Some(Exportable { tool, report, options: Arc::new(options) })
    });
    // A result in a format (a preset, a float element, integer groups) has files of its own, made
    // by the worker that computed it.
    let format_view = Memo::new(move |_| run.outcome.with(|o| o.as_ref().ok().and_then(|r| r.format.clone())));
    let formatted = move || format_view.with(Option::is_some);
    view! {
        <section class="export" aria-labelledby=format!("{slug}-export-title") data-testid=format!("{slug}-export")>
            <h3 id=format!("{slug}-export-title")>"Export"</h3>
            <p class="hint">
                "Files are made in this page and saved by your browser; nothing is uploaded. "
                "The settings file holds the convention and every option, so the downloads alone reproduce the numbers."
            </p>
            <Show when=move || exportable.with(Option::is_none) && !formatted()>
                <p class="stale-note" role="status" data-testid=format!("{slug}-export-unavailable")>
                    "Fix the input error above to export: the files describe results that computed from the form as it is."
                </p>
            </Show>
            <div class="export-grid">
                <Show when=formatted fallback=move || view! { <Downloads exportable=exportable /> }>
                    <FormatDownloads view=format_view />
                </Show>
                <CopyLink />
            </div>
            <Show when=move || !formatted()>
                <ParamsExport exportable=exportable />
            </Show>
        </section>
    }
}
