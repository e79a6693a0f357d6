//! Error chart: x̂ − x per element inside the ±s/2 band, clipped elements marked.

use leptos::prelude::*;
use quantscope_charts::{error_plot, hover, Drawn, PlotFrame, Scope, Subject, Theme};

use crate::components::charts::canvas::{element_chart, Area, ChartCanvas, ElementKind};
use crate::components::charts::noted;
use crate::components::charts::HOVER_RADIUS;
use quantscope_app::results::ChartData;

pub struct ErrorPerElement;

impl ElementKind for ErrorPerElement {
    type Plan = error_plot::Plan;
    fn plan(subject: &Subject<'_>) -> Self::Plan {
        error_plot::plan(subject)
    }
    fn draw(area: &Area, subject: &Subject<'_>, plan: &Self::Plan, theme: &Theme) -> Option<Drawn> {
        error_plot::draw_plan(area, subject, plan, theme).ok()
    }
    fn hover(subject: &Subject<'_>, _: &Self::Plan, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        hover::error(subject, frame, px, py, HOVER_RADIUS).map(|h| h.text())
    }
    fn caption(subject: &Subject<'_>, plan: &Self::Plan) -> String {
        error_plot::caption(subject, plan)
    }
}

#[component]
pub fn ErrorChart(data: Memo<Option<ChartData>>, scope: Signal<Scope>, testid: String) -> impl IntoView {
    let chart = noted(element_chart::<ErrorPerElement>(data, scope), data, ChartData::sample_note);
    view! {
        <ChartCanvas
            testid=testid
            label="Error per element: dequantized minus original, within plus or minus half a step".into()
            chart=chart
        />
    }
}
