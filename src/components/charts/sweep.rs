//! Bit-width sweep chart: SQNR vs bits 2..16 for both granularities, the 6 dB/bit guide.

use leptos::prelude::*;
use quantscope_charts::{sweep, Drawn, Theme};
use quantscope_core::sweep::BitSweep;

use crate::components::charts::canvas::{Area, CanvasChart, ChartCanvas, ChartRef};
use crate::components::charts::noted;
use quantscope_app::results::ChartData;

pub use quantscope_app::results::AUTO_SWEEP_VALUES;

pub struct Sweep(BitSweep);

impl CanvasChart for Sweep {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        sweep::draw(area, &self.0, theme).ok()
    }
    fn caption(&self) -> String {
        sweep::caption(&self.0)
    }
}

#[component]
pub fn SweepChart(data: Memo<Option<ChartData>>, testid: String) -> impl IntoView {
    // Large tensors: the sweep waits for the button (the request is for this data only).
    let requested = RwSignal::new(None::<ChartData>);
    let values = Memo::new(move |_| data.with(|d| d.as_ref().map_or(0, ChartData::elements)));
    let wanted = move || values.get() <= AUTO_SWEEP_VALUES || (requested.get().is_some() && requested.get() == data.get());
    let chart = Memo::new(move |_| {
        if !wanted() {
            return None;
        }
        match data.get()? {
            ChartData::Tensor { text, options, .. } => {
                quantscope_core::sweep::tensor_tool(&text, &options).ok().map(|s| ChartRef::new(Sweep(s)))
            }
            ChartData::Sampled(s) => s.sweep().map(|s| ChartRef::new(Sweep(s))),
            _ => None,
        }
    });
    let chart = noted(chart, data, ChartData::sample_note);
    let button_id = format!("{testid}-run");
    view! {
        <Show when=move || !wanted()>
            <p class="chart-note">
                {move || {
                    let quantized = data.with(|d| d.as_ref().map_or(0, |d| d.analysis().summary.elements));
                    format!("The sweep quantizes {} values 30 times (2 to 16 bits, both granularities). ", quantized)
                }}
                <button type="button" data-testid=button_id.clone() on:click=move |_| requested.set(data.get_untracked())>
                    "Compute the bit-width sweep"
                </button>
            </p>
        </Show>
        <ChartCanvas
            testid=testid
            label="SQNR against bit width, per channel and per tensor, with the 6 dB per bit guide".into()
            chart=chart
        />
    }
}
