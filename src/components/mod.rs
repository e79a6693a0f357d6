//! One file per component.

pub mod calibration_fields;
pub mod channels_tool;
pub mod charts;
pub mod export;
pub mod fields;
pub mod files;
pub mod large_input;
pub mod quant_options;
pub mod results;
pub mod tab_bar;
pub mod tensor_tool;
pub mod tool_panel;
pub mod values_tool;
