//! Values (the quantization error calculator): one list of values, a custom or derived range, a rounding rule.

use leptos::prelude::*;

use crate::components::calibration_fields::CalibrationFields;
use crate::components::fields::{SelectField, TextAreaField, TextField};
use crate::components::quant_options::QuantOptions;
use crate::components::tool_panel::ToolPanel;
use crate::state::{use_app_state, Commit};
use quantscope_app::form::{choices, FormatKind, Tool};

#[component]
pub fn ValuesTool() -> impl IntoView {
    let state = use_app_state();
    let data = state.lens(|f| f.values.data.clone(), |f, v| f.values.data = v, Commit::Debounced);
    let name = state.lens(|f| f.values.tensor_name.clone(), |f, v| f.values.tensor_name = v, Commit::Debounced);
    let mode = state.lens(|f| f.values.range_mode.clone(), |f, v| f.values.range_mode = v, Commit::Now);
    let range = state.lens(|f| f.values.range.clone(), |f, v| f.values.range = v, Commit::Debounced);
    let calibration = state.lens(|f| f.values.calibration.clone(), |f, v| f.values.calibration = v, Commit::Now);
    let percentile = state.lens(|f| f.values.percentile.clone(), |f, v| f.values.percentile = v, Commit::Debounced);
    let derived = Signal::derive(move || mode.value.get() != "custom");
    let formatted = Memo::new(move |_| state.form.with(|f| f.values.quant.format_kind() != FormatKind::Conventions));
    view! {
        <ToolPanel tool=Tool::Values>
            <TextAreaField
                id="values-data".into()
                label="Values"
                lens=data
                rows=3
                hint="Separated by commas, spaces or new lines."
            />
            <TextField id="values-tensor-name".into() label="Tensor name" lens=name />
            // A format computes its own scales from the values: no range, calibration or axis.
            <Show when=move || !formatted.get()>
            <SelectField id="values-range-mode".into() label="Range" lens=mode choices=choices::RANGE_MODES />
            <TextField
                id="values-range".into()
                label="Custom range (MIN:MAX)"
                lens=range
                inputmode="text"
                placeholder="-1.5:1.5"
                disabled=derived
            />
            <CalibrationFields tool=Tool::Values calibration percentile />
            </Show>
            <QuantOptions tool=Tool::Values />
        </ToolPanel>
    }
}
