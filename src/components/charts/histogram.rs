//! Histogram chart: the values under the integer grid, clip thresholds, clipped mass.

use leptos::prelude::*;
use quantscope_charts::{histogram, hover, Drawn, PlotFrame, Scope, Subject, Theme};

use crate::components::charts::canvas::{element_chart, Area, ChartCanvas, ElementKind};
use crate::components::charts::noted;
use quantscope_app::results::ChartData;

pub struct Histogram;

impl ElementKind for Histogram {
    type Plan = histogram::Plan;
    fn plan(subject: &Subject<'_>) -> Self::Plan {
        histogram::plan(subject)
    }
    fn draw(area: &Area, subject: &Subject<'_>, plan: &Self::Plan, theme: &Theme) -> Option<Drawn> {
        histogram::draw_plan(area, subject, plan, theme).ok()
    }
    fn hover(_: &Subject<'_>, plan: &Self::Plan, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        hover::histogram(plan, frame, px, py).map(|h| h.text())
    }
    fn caption(subject: &Subject<'_>, plan: &Self::Plan) -> String {
        histogram::caption(subject, plan)
    }
}

#[component]
pub fn HistogramChart(data: Memo<Option<ChartData>>, scope: Signal<Scope>, testid: String) -> impl IntoView {
    let chart = noted(element_chart::<Histogram>(data, scope), data, ChartData::sample_note);
    view! {
        <ChartCanvas
            testid=testid
            label="Histogram of the values with the quantization levels, the clip thresholds and the clipped share".into()
            chart=chart
        />
    }
}
