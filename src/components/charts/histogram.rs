//! Histogram chart: the values under the integer grid, clip thresholds, clipped mass.

use charts::{histogram, hover, Drawn, PlotFrame, Scope, Subject, Theme};
use leptos::prelude::*;

use crate::components::charts::canvas::{timed, Area, CanvasChart, ChartCanvas, ChartRef};
use crate::report::ChartData;

pub struct Histogram {
    data: ChartData,
    scope: Scope,
    plan: histogram::Plan,
    plan_ms: f64,
}

impl Histogram {
    pub fn new(data: ChartData, scope: Scope) -> Self {
        let (plan, plan_ms) = timed(|| histogram::plan(&Subject::new(data.analysis(), scope)));
        Histogram { data, scope, plan, plan_ms }
    }

    fn subject(&self) -> Subject<'_> {
        Subject::new(self.data.analysis(), self.scope)
    }
}

impl CanvasChart for Histogram {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        histogram::draw_plan(area, &self.subject(), &self.plan, theme).ok()
    }
    fn hover(&self, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        hover::histogram(&self.plan, frame, px, py).map(|h| h.text())
    }
    fn plan_ms(&self) -> f64 {
        self.plan_ms
    }
    fn caption(&self) -> String {
        histogram::caption(&self.subject(), &self.plan)
    }
}

#[component]
pub fn HistogramChart(data: Memo<Option<ChartData>>, scope: Signal<Scope>, testid: String) -> impl IntoView {
    let chart = Memo::new(move |_| data.get().map(|d| ChartRef::new(Histogram::new(d, scope.get()))));
    view! {
        <ChartCanvas
            testid=testid
            label="Histogram of the values with the quantization levels, the clip thresholds and the clipped share".into()
            chart=chart
        />
    }
}
