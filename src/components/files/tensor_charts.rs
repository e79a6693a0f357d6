//! The charts of the tensor picked (the Tensor tool's: reconstruction, error per element,
//! histogram, per-channel vs per-tensor bars, bit-width sweep), drawn from the worker's bounded
//! sample of it with the full data's parameters; the bars carry the full data's figures. In a
//! format, the format's charts instead (`FormatCharts`, from the worker's `FormatView`).

use leptos::prelude::*;

use crate::components::charts::format::FormatCharts;
use crate::components::charts::ChartsPanel;
use crate::components::files::files_tool::{use_files_state, Job};
use quantscope_app::form::Tool;
use quantscope_app::results::ChartData;

#[component]
pub fn TensorCharts() -> impl IntoView {
    let files = use_files_state();
    let charts = Memo::new(move |_| match files.job.get() {
        Job::Done { charts: Some(charts), .. } => Some(charts),
        _ => None,
    });
    let data = Memo::new(move |_| charts.get().and_then(Result::ok));
    // In a format: the worker's charts data of the tensor picked (values on the grid, block scales, sweep).
    let format_view = Memo::new(move |_| match files.job.get() {
        Job::Done { format_view, .. } => format_view,
        _ => None,
    });
    let error = move || charts.get().and_then(Result::err);
    let summary = move || {
        data.with(|d| match d {
            Some(ChartData::Sampled(s)) => Some((s.note(), s.sample.len(), s.sample.elements, s.build_ms)),
            _ => None,
        })
    };
    view! {
        {move || error().map(|e| view! { <p class="field-error" role="alert" data-testid="files-charts-error">{e}</p> })}
        {move || summary().map(|(note, kept, elements, build_ms)| view! {
            <p
                class="hint"
                data-testid="files-chart-sample"
                data-kept=kept.to_string()
                data-elements=elements.to_string()
                data-build-ms=format!("{build_ms:.1}")
            >
                {note}
                " The table's metrics are the full data's."
            </p>
        })}
        <ChartsPanel tool=Tool::Files data=data />
        <FormatCharts slug="files" data=format_view />
    }
}
