//! Tensor (seeds 001 and 003): values per channel, per-channel and per-tensor side by side.

use leptos::prelude::*;

use crate::components::fields::{TextAreaField, TextField};
use crate::components::quant_options::QuantOptions;
use crate::components::tool_panel::ToolPanel;
use crate::model::Tool;
use crate::state::{use_app_state, Commit};

#[component]
pub fn TensorTool() -> impl IntoView {
    let state = use_app_state();
    let data = state.lens(
        |f| f.tensor.data.clone(),
        |f, v| f.tensor.data = v,
        Commit::Debounced,
    );
    let name = state.lens(
        |f| f.tensor.tensor_name.clone(),
        |f, v| f.tensor.tensor_name = v,
        Commit::Debounced,
    );
    view! {
        <ToolPanel tool=Tool::Tensor>
            <TextAreaField
                id="tensor-data".into()
                label="Values per channel"
                lens=data
                hint=Signal::stored("One channel per line or separated by \";\"; values separated by commas and/or spaces; optional \"name:\" label.")
            />
            <TextField id="tensor-tensor-name".into() label="Tensor name" lens=name />
            <QuantOptions tool=Tool::Tensor />
        </ToolPanel>
    }
}
