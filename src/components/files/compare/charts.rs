//! The comparison's charts on canvases (the same `crates/charts` functions the PDF draws as
//! vectors): the heatmap of SQNR per tensor and format, and the Pareto chart of bits per weight vs
//! SQNR (one point per tensor and format, the model's totals as a line, the plan when one is made).

use std::sync::Arc;

use leptos::prelude::*;
use quantscope_charts::heatmap::{self, Heatmap};
use quantscope_charts::pareto::{self, ParetoData};
use quantscope_charts::{Drawn, PlotFrame, Theme};

use super::{use_compare_state, Compared};
use crate::components::charts::canvas::{Area, CanvasChart, ChartCanvas, ChartRef};

struct HeatmapChart(Heatmap);

impl CanvasChart for HeatmapChart {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        heatmap::draw(area, &self.0, 0, theme).ok()
    }
    fn hover(&self, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        let (row, format) = heatmap::cell_at(frame, px, py)?;
        let r = self.0.rows.get(row)?;
        let f = self.0.formats.get(format)?;
        let text = match self.0.cell(row, format) {
            heatmap::Cell::NotApplicable(reason) => format!("n/a: {reason}"),
            cell => format!("{} dB", heatmap::cell_text(&cell)),
        };
        Some(format!("{} · {f}: {text}", r.tensor))
    }
    fn caption(&self) -> String {
        heatmap::caption(&self.0, 0..self.0.rows.len())
    }
}

struct ParetoChart(ParetoData, pareto::Plan);

impl CanvasChart for ParetoChart {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        pareto::draw_plan(area, &self.0, &self.1, theme).ok()
    }
    fn caption(&self) -> String {
        pareto::caption(&self.0, &self.1)
    }
}

#[component]
pub fn CompareCharts(compared: Arc<Compared>) -> impl IntoView {
    let state = use_compare_state();
    let model = state.model_name();
    let map = Memo::new({
        let (compared, model) = (compared.clone(), model.clone());
        move |_| Some(ChartRef::new(HeatmapChart(Heatmap::from_compare(model.clone(), &compared.report))))
    });
    let pareto = Memo::new(move |_| {
        let planned = state.planned.get();
        let data = ParetoData::from_compare(model.clone(), &compared.report, planned.as_ref().map(|p| &p.plan));
        let plan = pareto::plan(&data);
        Some(ChartRef::new(ParetoChart(data, plan)))
    });
    view! {
        <div class="charts compare-charts">
            <ChartCanvas
                testid="compare-heatmap".into()
                label="Heatmap of SQNR per tensor and format, the number written in each cell".into()
                chart=map
            />
            <ChartCanvas
                testid="compare-pareto".into()
                label="Bits per weight against SQNR: one point per tensor and format, the model's totals as a line".into()
                chart=pareto
            />
        </div>
    }
}
