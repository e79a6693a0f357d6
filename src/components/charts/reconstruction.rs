//! Reconstruction chart: the transfer curve's steps, the samples on it, clipping regions.

use charts::{hover, reconstruction, Drawn, PlotFrame, Scope, Subject, Theme};
use leptos::prelude::*;

use crate::components::charts::canvas::{timed, Area, CanvasChart, ChartCanvas, ChartRef};
use crate::components::charts::HOVER_RADIUS;
use crate::report::ChartData;

/// The data, the scope and the plan (computed once per data change).
pub struct Reconstruction {
    data: ChartData,
    scope: Scope,
    plan: reconstruction::Plan,
    plan_ms: f64,
}

impl Reconstruction {
    pub fn new(data: ChartData, scope: Scope) -> Self {
        let (plan, plan_ms) = timed(|| reconstruction::plan(&Subject::new(data.analysis(), scope)));
        Reconstruction { data, scope, plan, plan_ms }
    }

    fn subject(&self) -> Subject<'_> {
        Subject::new(self.data.analysis(), self.scope)
    }
}

impl CanvasChart for Reconstruction {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        reconstruction::draw_plan(area, &self.subject(), &self.plan, theme).ok()
    }
    fn hover(&self, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        hover::reconstruction(&self.subject(), frame, px, py, HOVER_RADIUS).map(|h| h.text())
    }
    fn plan_ms(&self) -> f64 {
        self.plan_ms
    }
    fn caption(&self) -> String {
        reconstruction::caption(&self.subject(), &self.plan)
    }
}

#[component]
pub fn ReconstructionChart(data: Memo<Option<ChartData>>, scope: Signal<Scope>, testid: String) -> impl IntoView {
    let chart = Memo::new(move |_| data.get().map(|d| ChartRef::new(Reconstruction::new(d, scope.get()))));
    view! {
        <ChartCanvas
            testid=testid
            label="Reconstruction: the quantizer's transfer curve, the samples on it and the clipping regions".into()
            chart=chart
        />
    }
}
