//! Channels (the per-channel calculator's tool): one sample per channel against its min/max, or a given scale/zero point.

use leptos::prelude::*;

use crate::components::fields::{SelectField, TextAreaField, TextField};
use crate::components::quant_options::QuantOptions;
use crate::components::tool_panel::ToolPanel;
use crate::state::{use_app_state, Commit};
use quantscope_app::form::{choices, Tool};

#[component]
pub fn ChannelsTool() -> impl IntoView {
    let state = use_app_state();
    let data = state.lens(|f| f.channels.data.clone(), |f, v| f.channels.data = v, Commit::Debounced);
    let name = state.lens(|f| f.channels.tensor_name.clone(), |f, v| f.channels.tensor_name = v, Commit::Debounced);
    let axis = state.lens(|f| f.channels.axis.clone(), |f, v| f.channels.axis = v, Commit::Debounced);
    let mode = state.lens(|f| f.channels.input_mode.clone(), |f, v| f.channels.input_mode = v, Commit::Now);
    let granularity = state.lens(|f| f.channels.granularity.clone(), |f, v| f.channels.granularity = v, Commit::Now);
    let data_hint = Signal::derive(move || {
        match mode.value.get().as_str() {
            "manual" => "One channel per line: channel,scale,zero_point,sample[,sample...]",
            _ => "One channel per line: channel,min,max,sample[,sample...]",
        }
        .to_string()
    });
    view! {
        <ToolPanel tool=Tool::Channels>
            <TextAreaField id="channels-data".into() label="Channels" lens=data hint=data_hint />
            <TextField id="channels-tensor-name".into() label="Tensor name" lens=name />
            <TextField
                id="channels-axis".into()
                label="Channel axis"
                lens=axis
                inputmode="numeric"
                hint="The dimension of the original tensor the lines are channels of (0 for Linear [out, in] and Conv [O, I, kH, kW] weights); carried into reports."
            />
            <SelectField id="channels-input-mode".into() label="Input lines" lens=mode choices=choices::INPUT_MODES />
            <SelectField
                id="channels-granularity".into()
                label="Parameters"
                lens=granularity
                choices=choices::GRANULARITIES
            />
            <QuantOptions tool=Tool::Channels />
        </ToolPanel>
    }
}
