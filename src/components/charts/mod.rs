//! The charts of each tool (crates/charts drawn on canvases): Channels → reconstruction over each
//! channel's transfer curve; Tensor → reconstruction, error, histogram, per-tensor vs per-channel,
//! bit-width sweep; Values → reconstruction, error, histogram; Files → the Tensor tool's charts of
//! one tensor of a weight file, drawn from its sample. One file per chart component.

pub mod canvas;
pub mod error;
pub mod format;
pub mod granularity;
pub mod histogram;
pub mod reconstruction;
pub mod sweep;

use crate::browser::frames;
use canvas::{Area, CanvasChart, ChartRef};
use leptos::prelude::*;
use quantscope_charts::granularity::Metric;
use quantscope_charts::{Drawn, PlotFrame, Scope, Theme};
use quantscope_core::spec::Granularity;

use error::ErrorChart;
use granularity::GranularityChart;
use histogram::HistogramChart;
use quantscope_app::form::Tool;
use quantscope_app::results::ChartData;
use reconstruction::ReconstructionChart;
use sweep::SweepChart;

/// How far from a point the pointer may be (device pixels) for its tooltip.
pub const HOVER_RADIUS: f64 = 24.0;

/// A chart whose caption ends with a note (what it was drawn from: a file tensor's sample).
struct Noted {
    chart: ChartRef,
    note: String,
}

impl CanvasChart for Noted {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        self.chart.0.draw(area, theme).map(|mut d| {
            d.caption = format!("{} {}", d.caption, self.note);
            d
        })
    }
    fn hover(&self, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        self.chart.0.hover(frame, px, py)
    }
    fn caption(&self) -> String {
        format!("{} {}", self.chart.0.caption(), self.note)
    }
    fn plan_ms(&self) -> f64 {
        self.chart.0.plan_ms()
    }
}

/// `chart` with `note(data)` at the end of its caption, when the data has one.
pub fn noted(
    chart: Memo<Option<ChartRef>>,
    data: Memo<Option<ChartData>>,
    note: fn(&ChartData) -> Option<String>,
) -> Memo<Option<ChartRef>> {
    Memo::new(move |_| {
        let chart = chart.get()?;
        match data.with(|d| d.as_ref().and_then(note)) {
            Some(note) => Some(ChartRef::new(Noted { chart, note })),
            None => Some(chart),
        }
    })
}

/// Whether the charts' new data goes to them a frame at a time: a sample (`ChartData::Sampled`: a
/// large input's, a weight file tensor's), or none (a large input's charts on their way: the old
/// ones are taken down in a frame of their own too). A small input's charts draw at once.
fn drawn_a_frame_at_a_time(data: &Option<ChartData>) -> bool {
    !matches!(data, Some(ChartData::Channels(_) | ChartData::Tensor { .. } | ChartData::Values(_)))
}

/// Whether `tool` compares the granularities (the bar chart and the bit-width sweep).
fn compares(tool: Tool) -> bool {
    matches!(tool, Tool::Tensor | Tool::Files)
}

/// The charts of `tool` for the last report that computed.
#[component]
pub fn ChartsPanel(tool: Tool, data: Memo<Option<ChartData>>) -> impl IntoView {
    let slug = tool.slug();
    // A sample's data (a large input's, a weight file tensor's) reaches the panel (its channel list)
    // in a frame of its own, then each chart in one of its own (`frames`): planned and drawn
    // together, a million values' charts blocked the page for 60–94 ms in one frame
    // (e2e/large_input, 2-core machine).
    let data = frames::in_own_frame(data, drawn_a_frame_at_a_time);
    // Which channel the element charts show: the user's pick while it exists, else the default
    // (the whole tensor when it has one set of parameters, else the first channel).
    let picked = RwSignal::new(None::<Scope>);
    let channels = Memo::new(move |_| {
        data.with(|d| d.as_ref().map_or_else(Vec::new, |d| d.analysis().channels.iter().map(|c| c.name.clone()).collect::<Vec<_>>()))
    });
    let per_tensor = Memo::new(move |_| data.with(|d| d.as_ref().is_some_and(|d| d.analysis().granularity == Granularity::PerTensor)));
    let scope = Signal::derive(move || {
        let n = channels.with(Vec::len);
        match picked.get() {
            Some(Scope::Channel(c)) if c < n => Scope::Channel(c),
            Some(Scope::Tensor) if tool != Tool::Channels => Scope::Tensor,
            _ if tool == Tool::Values || (compares(tool) && per_tensor.get()) => Scope::Tensor,
            _ => Scope::Channel(0),
        }
    });
    let metric = RwSignal::new(Metric::SqnrDb);
    let show_select = move || tool != Tool::Values && channels.with(|c| c.len() > 1);
    // The channel list: its options made straight in the DOM, and the scope shown by setting the
    // select's value. As Leptos views, each with a reactive `selected`, a thousand channels' options
    // (a million pasted values) took 45 ms of the task that draws the charts (profiled in Chromium).
    let select = NodeRef::<leptos::html::Select>::new();
    let scope_value = move |scope: Scope| match scope {
        Scope::Tensor => "all".to_string(),
        Scope::Channel(c) => c.to_string(),
    };
    Effect::new(move |_| {
        let Some(select) = select.get() else { return };
        select.set_length(0);
        let all = (tool != Tool::Channels).then_some(("All channels", Scope::Tensor));
        channels.with(|names| {
            let options = all.into_iter().chain(names.iter().enumerate().map(|(i, name)| (name.as_str(), Scope::Channel(i))));
            for (text, scope) in options {
                if let Ok(option) = web_sys::HtmlOptionElement::new_with_text_and_value(text, &scope_value(scope)) {
                    let _ = select.add_with_html_option_element(&option);
                }
            }
        });
        select.set_value(&scope_value(scope.get_untracked()));
    });
    Effect::new(move |_| {
        let value = scope_value(scope.get());
        if let Some(select) = select.get() {
            select.set_value(&value);
        }
    });
    view! {
        <Show when=move || data.with(Option::is_some)>
            <section class="charts" aria-label="Charts" data-testid=format!("{slug}-charts")>
                <h3>"Charts"</h3>
                <div class="chart-controls">
                    <Show when=show_select>
                        <label for=format!("{slug}-chart-channel")>"Channel shown"</label>
                        <select
                            node_ref=select
                            id=format!("{slug}-chart-channel")
                            data-testid=format!("{slug}-chart-channel")
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                picked.set(Some(match v.parse::<usize>() {
                                    Ok(c) => Scope::Channel(c),
                                    Err(_) => Scope::Tensor,
                                }));
                            }
                        >
                        </select>
                    </Show>
                    {compares(tool).then(|| view! {
                        <label for=format!("{slug}-chart-metric")>"Per-channel figure"</label>
                        <select
                            id=format!("{slug}-chart-metric")
                            data-testid=format!("{slug}-chart-metric")
                            on:change=move |ev| {
                                metric.set(if event_target_value(&ev) == "mse" { Metric::Mse } else { Metric::SqnrDb });
                            }
                        >
                            <option value="sqnr" selected=move || metric.get() == Metric::SqnrDb>"SQNR (dB)"</option>
                            <option value="mse" selected=move || metric.get() == Metric::Mse>"MSE"</option>
                        </select>
                    })}
                </div>
                <div class="chart-grid">
                    <ReconstructionChart data=frames::in_own_frame(data, drawn_a_frame_at_a_time) scope=scope testid=format!("{slug}-chart-reconstruction") />
                    {(tool != Tool::Channels).then(|| view! {
                        <ErrorChart data=frames::in_own_frame(data, drawn_a_frame_at_a_time) scope=scope testid=format!("{slug}-chart-error") />
                        <HistogramChart data=frames::in_own_frame(data, drawn_a_frame_at_a_time) scope=scope testid=format!("{slug}-chart-histogram") />
                    })}
                    {compares(tool).then(|| view! {
                        <GranularityChart data=frames::in_own_frame(data, drawn_a_frame_at_a_time) metric=metric.into() testid=format!("{slug}-chart-granularity") />
                        <SweepChart data=frames::in_own_frame(data, drawn_a_frame_at_a_time) testid=format!("{slug}-chart-sweep") />
                    })}
                </div>
            </section>
        </Show>
    }
}
