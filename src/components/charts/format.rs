//! A format's charts (the Tensor and Values tools with a preset, a float element or integer groups):
//! the values on the element type's real grid, scaled (non-uniform for FP4, FP8 and NF4); the block
//! scales' distribution; bits per weight against SQNR over the usual formats, the chosen one
//! highlighted. Each has its caption as its text alternative. Their data comes from the worker,
//! which computed the result ([`FormatView`]): the page draws, it never quantizes.

use std::sync::Arc;

use leptos::prelude::*;
use quantscope_app::results::format::FormatView;
use quantscope_charts::format_sweep::{self, FormatSweep};
use quantscope_charts::grid_histogram::{self, GridValues, Units};
use quantscope_charts::scale_histogram::{self, Scales, Storage};
use quantscope_charts::{hover, Drawn, PlotFrame, Theme};

use crate::components::charts::canvas::{timed, Area, CanvasChart, ChartCanvas, ChartRef};
use crate::components::charts::HOVER_RADIUS;

/// The values in grid units and the grid, planned once.
struct GridChart {
    label: String,
    format: String,
    values: Vec<f64>,
    grid: Vec<f64>,
    scale: f64,
    units: Units,
    plan: grid_histogram::Plan,
    plan_ms: f64,
}

impl GridChart {
    fn new(data: &FormatView) -> GridChart {
        let units = data.units();
        let sampled = if data.every > 1 { format!(", one value in {}", data.every) } else { String::new() };
        let label = match units {
            Units::Original => format!("{}{sampled}", data.tensor),
            Units::PerBlockScale => format!("{} (each value over its block's scale{sampled})", data.tensor),
        };
        let format = data.format.clone();
        let (values, grid, scale) = (data.values.clone(), data.grid.clone(), data.scale);
        let (plan, plan_ms) =
            timed(|| grid_histogram::plan(&GridValues { label: &label, format: &format, values: &values, grid: &grid, scale, units }));
        GridChart { label, format, values, grid, scale, units, plan, plan_ms }
    }

    fn input(&self) -> GridValues<'_> {
        GridValues {
            label: &self.label,
            format: &self.format,
            values: &self.values,
            grid: &self.grid,
            scale: self.scale,
            units: self.units,
        }
    }
}

impl CanvasChart for GridChart {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        grid_histogram::draw_plan(area, &self.input(), &self.plan, theme).ok()
    }
    fn hover(&self, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        hover::grid_histogram(&self.plan, frame, px, py)
    }
    fn caption(&self) -> String {
        grid_histogram::caption(&self.input(), &self.plan)
    }
    fn plan_ms(&self) -> f64 {
        self.plan_ms
    }
}

/// The block scales as dequantization uses them.
struct ScaleChart {
    label: String,
    format: String,
    scales: Vec<f64>,
    storage: Storage,
    plan: scale_histogram::Plan,
}

impl ScaleChart {
    fn new(data: &FormatView) -> ScaleChart {
        let scales = data.scales.clone();
        let storage = data.storage();
        let format = format!("{} ({} scales)", data.format, data.scale_storage);
        let plan = scale_histogram::plan(&Scales { label: &data.tensor, format: &format, scales: &scales, storage });
        ScaleChart { label: data.tensor.clone(), format, scales, storage, plan }
    }

    fn input(&self) -> Scales<'_> {
        Scales { label: &self.label, format: &self.format, scales: &self.scales, storage: self.storage }
    }
}

impl CanvasChart for ScaleChart {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        scale_histogram::draw_plan(area, &self.input(), &self.plan, theme).ok()
    }
    fn caption(&self) -> String {
        scale_histogram::caption(&self.input(), &self.plan)
    }
}

struct SweepChart(FormatSweep);

impl CanvasChart for SweepChart {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        format_sweep::draw(area, &self.0, theme).ok()
    }
    fn hover(&self, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        hover::format_sweep(&self.0, frame, px, py, HOVER_RADIUS)
    }
    fn caption(&self) -> String {
        format_sweep::caption(&self.0)
    }
}

/// The format's three charts for the last result that computed.
#[component]
pub fn FormatCharts(slug: &'static str, data: Memo<Option<Arc<FormatView>>>) -> impl IntoView {
    let grid = Memo::new(move |_| data.with(|d| d.as_deref().map(|d| ChartRef::new(GridChart::new(d)))));
    let scales = Memo::new(move |_| data.with(|d| d.as_deref().map(|d| ChartRef::new(ScaleChart::new(d)))));
    let sweep = Memo::new(move |_| data.with(|d| d.as_deref().map(|d| ChartRef::new(SweepChart(d.sweep())))));
    view! {
        <Show when=move || data.with(Option::is_some)>
            <section class="charts" aria-label="Format charts" data-testid=format!("{slug}-format-charts")>
                <h3>"Charts"</h3>
                <div class="chart-grid">
                    <ChartCanvas
                        testid=format!("{slug}-chart-grid")
                        label="Histogram of the values on the format's grid of representable values, scaled, with the clipped share".into()
                        chart=grid
                    />
                    <ChartCanvas
                        testid=format!("{slug}-chart-scales")
                        label="Histogram of the block scales on a log2 axis".into()
                        chart=scales
                    />
                    <ChartCanvas
                        testid=format!("{slug}-chart-format-sweep")
                        label="Bits per weight against SQNR over formats, the chosen format highlighted".into()
                        chart=sweep
                    />
                </div>
            </section>
        </Show>
    }
}
