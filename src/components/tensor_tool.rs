//! Tensor (the per-channel vs per-tensor calculator and the per-channel PTQ exercise): values per channel, per-channel and per-tensor side by side.

use leptos::prelude::*;

use crate::components::calibration_fields::CalibrationFields;
use crate::components::fields::{SelectField, TextAreaField, TextField};
use crate::components::quant_options::QuantOptions;
use crate::components::tool_panel::ToolPanel;
use crate::state::{use_app_state, Commit};
use quantscope_app::form::{choices, FormatKind, Tool};

#[component]
pub fn TensorTool() -> impl IntoView {
    let state = use_app_state();
    let data = state.lens(|f| f.tensor.data.clone(), |f, v| f.tensor.data = v, Commit::Debounced);
    let name = state.lens(|f| f.tensor.tensor_name.clone(), |f, v| f.tensor.tensor_name = v, Commit::Debounced);
    let axis = state.lens(|f| f.tensor.axis.clone(), |f, v| f.tensor.axis = v, Commit::Now);
    let mode = state.lens(|f| f.tensor.range_mode.clone(), |f, v| f.tensor.range_mode = v, Commit::Now);
    let range = state.lens(|f| f.tensor.range.clone(), |f, v| f.tensor.range = v, Commit::Debounced);
    let calibration = state.lens(|f| f.tensor.calibration.clone(), |f, v| f.tensor.calibration = v, Commit::Now);
    let percentile = state.lens(|f| f.tensor.percentile.clone(), |f, v| f.tensor.percentile = v, Commit::Debounced);
    let derived = Signal::derive(move || mode.value.get() != "custom");
    let formatted = Memo::new(move |_| state.form.with(|f| f.tensor.quant.format_kind() != FormatKind::Conventions));
    view! {
        <ToolPanel tool=Tool::Tensor>
            <TextAreaField
                id="tensor-data".into()
                label="Values per channel"
                lens=data
                hint="One channel per line or separated by \";\"; values separated by commas and/or spaces; optional \"name:\" label."
            />
            <TextField id="tensor-tensor-name".into() label="Tensor name" lens=name />
            // A format computes its own scales from the values: no range, calibration or axis.
            <Show when=move || !formatted.get()>
            <SelectField id="tensor-axis".into() label="Channel axis" lens=axis choices=choices::AXES />
            <SelectField id="tensor-range-mode".into() label="Calibration range" lens=mode choices=choices::RANGE_MODES />
            <TextField
                id="tensor-range".into()
                label="Custom range (MIN:MAX)"
                lens=range
                inputmode="text"
                placeholder="-1.5:1.5"
                disabled=derived
                hint="Used for every channel instead of its own min and max."
            />
            <CalibrationFields tool=Tool::Tensor calibration percentile />
            </Show>
            <QuantOptions tool=Tool::Tensor />
        </ToolPanel>
    }
}
