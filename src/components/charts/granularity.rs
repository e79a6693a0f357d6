//! Per-tensor vs per-channel chart: SQNR (dB) or MSE per channel for both, memory in the legend.

use leptos::prelude::*;
use quantscope_charts::granularity::{self, Metric};
use quantscope_charts::{Drawn, Theme};
use quantscope_core::analysis::Comparison;

use crate::components::charts::canvas::{Area, CanvasChart, ChartCanvas, ChartRef};
use crate::components::charts::noted;
use quantscope_app::results::ChartData;

/// The bars of a report that compares the granularities (held whole: cloning it is cheap).
pub struct Granularity {
    data: ChartData,
    plan: granularity::Plan,
}

impl Granularity {
    fn comparison(&self) -> Option<&Comparison> {
        self.data.comparison()
    }
}

impl CanvasChart for Granularity {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        granularity::draw_plan(area, self.comparison()?, &self.plan, theme).ok()
    }
    fn caption(&self) -> String {
        self.comparison().map(|c| granularity::caption(c, &self.plan)).unwrap_or_default()
    }
}

/// The bar chart's note: a file tensor's bars are the full data's.
fn bars_note(data: &ChartData) -> Option<String> {
    match data {
        ChartData::Sampled(s) => Some(s.bars_note()),
        _ => None,
    }
}

#[component]
pub fn GranularityChart(data: Memo<Option<ChartData>>, metric: Signal<Metric>, testid: String) -> impl IntoView {
    let chart = Memo::new(move |_| {
        let data = data.get()?;
        let plan = granularity::plan(data.comparison()?, metric.get());
        Some(ChartRef::new(Granularity { data, plan }))
    });
    let chart = noted(chart, data, bars_note);
    view! {
        <ChartCanvas
            testid=testid
            label="Per channel: per-channel against per-tensor parameters, as grouped bars".into()
            chart=chart
        />
    }
}
