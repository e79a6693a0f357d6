//! Error chart: x̂ − x per element inside the ±s/2 band, clipped elements marked.

use charts::{error, hover, Drawn, PlotFrame, Scope, Subject, Theme};
use leptos::prelude::*;

use crate::components::charts::canvas::{timed, Area, CanvasChart, ChartCanvas, ChartRef};
use crate::components::charts::HOVER_RADIUS;
use crate::report::ChartData;

pub struct ErrorChartData {
    data: ChartData,
    scope: Scope,
    plan: error::Plan,
    plan_ms: f64,
}

impl ErrorChartData {
    pub fn new(data: ChartData, scope: Scope) -> Self {
        let (plan, plan_ms) = timed(|| error::plan(&Subject::new(data.analysis(), scope)));
        ErrorChartData { data, scope, plan, plan_ms }
    }

    fn subject(&self) -> Subject<'_> {
        Subject::new(self.data.analysis(), self.scope)
    }
}

impl CanvasChart for ErrorChartData {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        error::draw_plan(area, &self.subject(), &self.plan, theme).ok()
    }
    fn hover(&self, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        hover::error(&self.subject(), frame, px, py, HOVER_RADIUS).map(|h| h.text())
    }
    fn plan_ms(&self) -> f64 {
        self.plan_ms
    }
    fn caption(&self) -> String {
        error::caption(&self.subject(), &self.plan)
    }
}

#[component]
pub fn ErrorChart(data: Memo<Option<ChartData>>, scope: Signal<Scope>, testid: String) -> impl IntoView {
    let chart = Memo::new(move |_| data.get().map(|d| ChartRef::new(ErrorChartData::new(d, scope.get()))));
    view! {
        <ChartCanvas
            testid=testid
            label="Error per element: dequantized minus original, within plus or minus half a step".into()
            chart=chart
        />
    }
}
