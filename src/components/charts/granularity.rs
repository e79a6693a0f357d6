//! Per-tensor vs per-channel chart: SQNR (dB) or MSE per channel for both, memory in the legend.

use std::sync::Arc;

use charts::granularity::{self, Metric};
use charts::{Drawn, Theme};
use leptos::prelude::*;
use quant::tools::TensorReport;

use crate::components::charts::canvas::{Area, CanvasChart, ChartCanvas, ChartRef};
use crate::report::ChartData;

pub struct Granularity {
    report: Arc<TensorReport>,
    plan: granularity::Plan,
}

impl CanvasChart for Granularity {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        granularity::draw_plan(area, &self.report.full, &self.plan, theme).ok()
    }
    fn caption(&self) -> String {
        granularity::caption(&self.report.full, &self.plan)
    }
}

#[component]
pub fn GranularityChart(data: Memo<Option<ChartData>>, metric: Signal<Metric>, testid: String) -> impl IntoView {
    let chart = Memo::new(move |_| match data.get() {
        Some(ChartData::Tensor { report, .. }) => {
            let plan = granularity::plan(&report.full, metric.get());
            Some(ChartRef::new(Granularity { report, plan }))
        }
        _ => None,
    });
    view! {
        <ChartCanvas
            testid=testid
            label="Per channel: per-channel against per-tensor parameters, as grouped bars".into()
            chart=chart
        />
    }
}
