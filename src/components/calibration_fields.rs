//! How the range is chosen when none is typed: the calibration method and its percentile
//! (`quantscope_core::calibrate`), the same two fields in every tool that derives a range from its values.

use leptos::prelude::*;

use crate::components::fields::{SelectField, TextField};
use crate::state::Lens;
use quantscope_app::form::{choices, Tool};

#[component]
pub fn CalibrationFields(tool: Tool, calibration: Lens<String>, percentile: Lens<String>) -> impl IntoView {
    let not_percentile = Signal::derive(move || calibration.value.get() != "percentile");
    let slug = tool.slug();
    view! {
        <SelectField
            id=format!("{slug}-calibration")
            label="Calibration"
            lens=calibration
            choices=choices::CALIBRATIONS
            hint="How the range is chosen from the values (unless one is typed); the histogram shows every method's range."
        />
        <TextField
            id=format!("{slug}-percentile")
            label="Percentile"
            lens=percentile
            inputmode="decimal"
            placeholder="99.999"
            disabled=not_percentile
            hint="Of the percentile method; empty: ONNX Runtime's 99.999."
        />
    }
}
