//! Reconstruction chart: the transfer curve's steps, the samples on it, clipping regions.

use leptos::prelude::*;
use quantscope_charts::{hover, reconstruction, Drawn, PlotFrame, Scope, Subject, Theme};

use crate::components::charts::canvas::{element_chart, Area, ChartCanvas, ElementKind};
use crate::components::charts::noted;
use crate::components::charts::HOVER_RADIUS;
use quantscope_app::results::ChartData;

pub struct Reconstruction;

impl ElementKind for Reconstruction {
    type Plan = reconstruction::Plan;
    fn plan(subject: &Subject<'_>) -> Self::Plan {
        reconstruction::plan(subject)
    }
    fn draw(area: &Area, subject: &Subject<'_>, plan: &Self::Plan, theme: &Theme) -> Option<Drawn> {
        reconstruction::draw_plan(area, subject, plan, theme).ok()
    }
    fn hover(subject: &Subject<'_>, _: &Self::Plan, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        hover::reconstruction(subject, frame, px, py, HOVER_RADIUS).map(|h| h.text())
    }
    fn caption(subject: &Subject<'_>, plan: &Self::Plan) -> String {
        reconstruction::caption(subject, plan)
    }
}

#[component]
pub fn ReconstructionChart(data: Memo<Option<ChartData>>, scope: Signal<Scope>, testid: String) -> impl IntoView {
    let chart = noted(element_chart::<Reconstruction>(data, scope), data, ChartData::sample_note);
    view! {
        <ChartCanvas
            testid=testid
            label="Reconstruction: the quantizer's transfer curve, the samples on it and the clipping regions".into()
            chart=chart
        />
    }
}
