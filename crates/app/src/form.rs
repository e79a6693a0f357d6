//! The form as the user typed it: every field is kept verbatim (text stays text) so nothing is ever
//! lost or "corrected" behind the user's back, and the whole value is what localStorage keeps.
//!
//! Option names and values are the command line's (`--convention pytorch`, `--dtype qint8`,
//! `--rounding half-even`, ...), so the form converts to the core's options without a table of
//! translations. Every struct reads as `#[serde(default)]` would (`lean_deserialize!`): a form saved by an older version of the app
//! restores with the new fields at their defaults instead of being thrown away.

use serde::{Deserialize, Serialize};

/// `Deserialize` for a form struct, field by field onto its `Default` (what `#[serde(default)]`
/// derives: a missing field keeps its default, an unknown one is skipped), reading JSON objects
/// only. Smaller than the derive, which also reads sequences and buffers each field in an
/// `Option` first: the page's wasm reads the form at load (localStorage, share links), and the
/// derived readers of the seven structs were 41 KB of its code before wasm-opt.
macro_rules! lean_deserialize {
    ($name:ident { $($field:ident),* $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Fields;
                impl<'de> serde::de::Visitor<'de> for Fields {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str(concat!("an object of ", stringify!($name), "'s fields"))
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        let mut value = $name::default();
                        while let Some(key) = map.next_key::<String>()? {
                            match key.as_str() {
                                $(stringify!($field) => value.$field = map.next_value()?,)*
                                _ => {
                                    map.next_value::<serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        // Every field listed: a field added to the struct and not to the list
                        // fails to compile here instead of being silently left at its default.
                        let $name { $($field: _),* } = &value;
                        Ok(value)
                    }
                }
                deserializer.deserialize_map(Fields)
            }
        }
    };
}
/// For the other form structs kept with the page's form (`compare::CompareForm`).
pub(crate) use lean_deserialize;

/// The tools, each with its own URL fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Channels,
    Tensor,
    Values,
    /// Weight files (.npy, .npz, .safetensors) analysed in a Web Worker.
    Files,
}

impl Tool {
    pub const ALL: [Tool; 4] = [Tool::Channels, Tool::Tensor, Tool::Values, Tool::Files];

    /// The URL fragment (without `#`) and the id stem used in the DOM.
    pub fn slug(self) -> &'static str {
        match self {
            Tool::Channels => "channels",
            Tool::Tensor => "tensor",
            Tool::Values => "values",
            Tool::Files => "files",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Tool::Channels => "Channels",
            Tool::Tensor => "Tensor",
            Tool::Values => "Values",
            Tool::Files => "Files",
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Tool::Channels => {
                "One sample per channel from its calibration range (or from a scale and zero point you give): \
                 scale, zero point, quantized integer, dequantized value, clipping and error."
            }
            Tool::Tensor => {
                "Values per channel, quantized per channel and per tensor side by side: errors, SQNR gain \
                 and the memory each choice costs."
            }
            Tool::Values => {
                "One list of values against a range you give or one derived from the values: every value's \
                 integer, reconstruction and error, with MSE, RMSE, MAE, SQNR and clip rate."
            }
            Tool::Files => {
                "Weight files (.npy, .npz, .safetensors) read in this browser, nothing uploaded: every tensor \
                 per channel and per tensor (SQNR, MSE, clip rate, worst channels), or the whole model sorted \
                 by SQNR. float16, bfloat16 and float64 are analysed as float32."
            }
        }
    }

    /// Parses a URL fragment (with or without `#`, any case); unknown fragments give `None`.
    pub fn from_fragment(fragment: &str) -> Option<Tool> {
        // `#tensor&share=1.…` (a share link) names its tool first.
        let slug = fragment.trim_start_matches('#').split('&').next().unwrap_or_default().trim();
        Tool::ALL.into_iter().find(|tool| tool.slug().eq_ignore_ascii_case(slug))
    }

    pub fn next(self) -> Tool {
        let i = Tool::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Tool::ALL[(i + 1) % Tool::ALL.len()]
    }

    pub fn previous(self) -> Tool {
        let i = Tool::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Tool::ALL[(i + Tool::ALL.len() - 1) % Tool::ALL.len()]
    }
}

/// The options every tool shares, by their command-line names (`quantscope_core::SpecOptions`). Text
/// fields hold what was typed. The `Option`s and empty strings are "the convention's choice":
/// choosing a convention clears them, setting one makes the spec "custom".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuantForm {
    /// textbook | pytorch | onnxruntime | tflite
    pub convention: String,
    /// `qint8`, `quint8`, `int<N>` or `uint<N>`
    pub dtype: String,
    /// affine | symmetric
    pub scheme: String,
    pub reduce_range: bool,
    pub narrow_range: Option<bool>,
    pub include_zero: Option<bool>,
    pub clamp_zero_point: Option<bool>,
    /// "" or half-even | half-away | half-up | floor | ceil | toward-zero | stochastic
    pub rounding: String,
    /// "" or max-abs | qmax | half-range
    pub symmetric_divisor: String,
    /// Custom integer range; empty: the dtype's.
    pub quant_min: String,
    pub quant_max: String,
    /// Seed of the stochastic rounding generator.
    pub seed: String,
    /// The format (docs/formats.md): "" for the integer types of the conventions above; a preset
    /// (`q4_0`, `mxfp4`, `nvfp4`, `nf4`, ...: it decides everything else); a float element type
    /// (`fp8-e4m3`, ..., `fp4-e2m1`) with one float32 scale per [`Self::format_granularity`]; or
    /// [`INT_GROUPS`]: PyTorch's int4 / int8 ([`Self::dtype`], [`Self::scheme`]) per group.
    pub format: String,
    /// A float element's scope: per-tensor | per-channel | per-group.
    pub format_granularity: String,
    /// Values per group along a row (per-group only).
    pub group_size: String,
}
lean_deserialize!(QuantForm {
    convention,
    dtype,
    scheme,
    reduce_range,
    narrow_range,
    include_zero,
    clamp_zero_point,
    rounding,
    symmetric_divisor,
    quant_min,
    quant_max,
    seed,
    format,
    format_granularity,
    group_size
});

/// [`QuantForm::format`]'s value for PyTorch's integer groups (`--convention pytorch --dtype int4
/// --granularity per-group --group-size N`).
pub const INT_GROUPS: &str = "int-groups";

/// What the form's format choice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatKind {
    /// The integer types of the conventions.
    Conventions,
    /// A preset, which decides block size, element and scale.
    Preset,
    /// A float element with one float32 scale per tensor, row or group.
    FloatElement,
    /// PyTorch integer groups.
    IntGroups,
}

impl Default for QuantForm {
    fn default() -> Self {
        QuantForm {
            convention: "textbook".into(),
            dtype: "qint8".into(),
            scheme: "affine".into(),
            reduce_range: false,
            narrow_range: None,
            include_zero: None,
            clamp_zero_point: None,
            rounding: String::new(),
            symmetric_divisor: String::new(),
            quant_min: String::new(),
            quant_max: String::new(),
            seed: "0".into(),
            format: String::new(),
            format_granularity: "per-channel".into(),
            group_size: "32".into(),
        }
    }
}

impl QuantForm {
    /// What [`Self::format`] names (an unknown text counts as a preset: its flag refuses it).
    pub fn format_kind(&self) -> FormatKind {
        match self.format.trim() {
            "" => FormatKind::Conventions,
            INT_GROUPS => FormatKind::IntGroups,
            f if choices::FLOAT_ELEMENTS.iter().any(|(v, _)| *v == f) => FormatKind::FloatElement,
            _ => FormatKind::Preset,
        }
    }

    /// Whether the group size field applies.
    pub fn uses_group_size(&self) -> bool {
        match self.format_kind() {
            FormatKind::IntGroups => true,
            FormatKind::FloatElement => self.format_granularity == "per-group",
            _ => false,
        }
    }

    /// Back to the convention's own choices (what choosing a convention does).
    pub fn clear_overrides(&mut self) {
        self.narrow_range = None;
        self.include_zero = None;
        self.clamp_zero_point = None;
        self.rounding.clear();
        self.symmetric_divisor.clear();
    }
}

/// The per-channel calculator's input: `channel,min,max,sample` lines, or `channel,scale,zero_point,sample` lines.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelsForm {
    pub tensor_name: String,
    /// The channel axis of the original tensor the lines describe (a label, as the per-channel calculator has it).
    pub axis: String,
    /// min-max | manual
    pub input_mode: String,
    /// per-channel | per-tensor
    pub granularity: String,
    pub data: String,
    pub quant: QuantForm,
}
lean_deserialize!(ChannelsForm { tensor_name, axis, input_mode, granularity, data, quant });

impl Default for ChannelsForm {
    fn default() -> Self {
        ChannelsForm {
            tensor_name: "conv1.weight".into(),
            axis: "0".into(),
            input_mode: "min-max".into(),
            granularity: "per-channel".into(),
            data: "filter_0,-1.2,1,0.73\n\
                   filter_1,-0.8,0.9,-0.21\n\
                   filter_2,-1.5,1.7,1.11\n\
                   filter_3,-0.45,0.6,0.18"
                .into(),
            quant: QuantForm::default(),
        }
    }
}

/// The per-channel vs per-tensor calculator's and the per-channel PTQ exercise's input: values per
/// channel, one channel per line or separated by `;`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TensorForm {
    pub tensor_name: String,
    /// 0: a channel per line; 1: a channel per column.
    pub axis: String,
    /// derived | custom
    pub range_mode: String,
    /// `MIN:MAX`, used when `range_mode` is custom.
    pub range: String,
    /// How a derived range is chosen: minmax | moving-average | percentile | mse | entropy.
    pub calibration: String,
    /// The percentile of the percentile method; empty: ONNX Runtime's default.
    pub percentile: String,
    pub data: String,
    pub quant: QuantForm,
}
lean_deserialize!(TensorForm { tensor_name, axis, range_mode, range, calibration, percentile, data, quant });

impl Default for TensorForm {
    fn default() -> Self {
        TensorForm {
            tensor_name: "fc.weight".into(),
            axis: "0".into(),
            range_mode: "derived".into(),
            range: "-1:1".into(),
            calibration: "minmax".into(),
            percentile: String::new(),
            data: "0.12, -0.33, 0.48, -0.05, 0.91\n\
                   1.20, 0.95, 1.44, 1.10, 0.88\n\
                   -1.70, -1.22, -0.94, -1.43, -1.11\n\
                   0.03, 0.08, -0.02, 0.11, -0.06"
                .into(),
            quant: QuantForm::default(),
        }
    }
}

/// The quantization error calculator's input: one list of values, a custom or derived range, a rounding rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValuesForm {
    pub tensor_name: String,
    /// derived | custom
    pub range_mode: String,
    /// `MIN:MAX`, used when `range_mode` is custom.
    pub range: String,
    /// How a derived range is chosen: minmax | moving-average | percentile | mse | entropy.
    pub calibration: String,
    /// The percentile of the percentile method; empty: ONNX Runtime's default.
    pub percentile: String,
    pub data: String,
    pub quant: QuantForm,
}
lean_deserialize!(ValuesForm { tensor_name, range_mode, range, calibration, percentile, data, quant });

impl Default for ValuesForm {
    fn default() -> Self {
        ValuesForm {
            tensor_name: "activations".into(),
            range_mode: "custom".into(),
            range: "-1.5:1.5".into(),
            calibration: "minmax".into(),
            percentile: String::new(),
            data: "-1.25, -0.92, -0.51, -0.10, 0, 0.14, 0.37, 0.79, 1.12, 1.46".into(),
            quant: QuantForm {
                scheme: "symmetric".into(),
                rounding: "half-even".into(),
                symmetric_divisor: "qmax".into(),
                ..QuantForm::default()
            },
        }
    }
}

/// Files: the analysis settings (the file itself is never saved; only its name is shown).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FilesForm {
    /// The channel axis (0: output channels of Linear `[out, in]` and Conv `[O, I, kH, kW]`).
    pub axis: String,
    /// minmax | moving-average | percentile | mse | entropy (`quantscope_core::calibrate::Method`).
    pub calibration: String,
    /// The percentile of the percentile method; empty: ONNX Runtime's default.
    pub percentile: String,
    pub quant: QuantForm,
    /// The Compare formats view's formats list and plan builder (added later: a saved form without
    /// it loads with the defaults).
    pub compare: crate::compare::CompareForm,
}
lean_deserialize!(FilesForm { axis, calibration, percentile, quant, compare });

impl Default for FilesForm {
    fn default() -> Self {
        FilesForm {
            axis: "0".into(),
            calibration: "minmax".into(),
            percentile: String::new(),
            quant: QuantForm::default(),
            compare: crate::compare::CompareForm::default(),
        }
    }
}

/// How results are shown (not part of any calculation).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DisplayForm {
    /// Digits after the decimal point in result tables; hover or copy gives full precision.
    pub precision: u8,
}
lean_deserialize!(DisplayForm { precision });

impl Default for DisplayForm {
    fn default() -> Self {
        DisplayForm { precision: 8 }
    }
}

impl DisplayForm {
    pub const MAX_PRECISION: u8 = 17;
}

/// Everything on the page that the user can change; the value localStorage keeps.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FormState {
    pub channels: ChannelsForm,
    pub tensor: TensorForm,
    pub values: ValuesForm,
    pub files: FilesForm,
    pub display: DisplayForm,
}
lean_deserialize!(FormState { channels, tensor, values, files, display });

impl FormState {
    /// The form a first visit (or "reset") shows: the seed examples.
    pub fn examples() -> Self {
        FormState::default()
    }

    /// The form without the display preferences: what the results are computed from (changing
    /// the number of decimals does not recompute anything).
    pub fn inputs(&self) -> FormState {
        let mut inputs = FormState { display: DisplayForm::default(), ..self.clone() };
        // The Compare formats view runs on its buttons, not on the tools' results.
        inputs.files.compare = crate::compare::CompareForm::default();
        inputs
    }

    /// The tool's pasted data.
    /// The form as localStorage keeps it: data texts over `limit` bytes left out (a browser keeps
    /// about 5 MB per page, and one refused item would lose every other field with it), and which
    /// tools' texts were left out, with their sizes.
    pub fn for_storage(&self, limit: usize) -> (FormState, Vec<(Tool, usize)>) {
        let mut kept = self.clone();
        let mut left_out = Vec::new();
        for (tool, data) in
            [(Tool::Channels, &mut kept.channels.data), (Tool::Tensor, &mut kept.tensor.data), (Tool::Values, &mut kept.values.data)]
        {
            if data.len() > limit {
                left_out.push((tool, data.len()));
                data.clear();
            }
        }
        (kept, left_out)
    }

    /// The form with `tool`'s text left out (empty), the rest copied: how the page posts a large
    /// input to the worker, the text's own bytes beside the JSON ([`crate::protocol::Request::Text`]).
    /// Copied with the form and escaped into its JSON, a million values' 7.4 MB of text took 38 ms
    /// of the task that posts it (profiled, 2-core machine).
    pub fn without_data(&self, tool: Tool) -> FormState {
        let tensor = |t: &TensorForm| TensorForm {
            tensor_name: t.tensor_name.clone(),
            axis: t.axis.clone(),
            range_mode: t.range_mode.clone(),
            range: t.range.clone(),
            calibration: t.calibration.clone(),
            percentile: t.percentile.clone(),
            data: String::new(),
            quant: t.quant.clone(),
        };
        let values = |v: &ValuesForm| ValuesForm {
            tensor_name: v.tensor_name.clone(),
            range_mode: v.range_mode.clone(),
            range: v.range.clone(),
            calibration: v.calibration.clone(),
            percentile: v.percentile.clone(),
            data: String::new(),
            quant: v.quant.clone(),
        };
        let channels = |c: &ChannelsForm| ChannelsForm {
            tensor_name: c.tensor_name.clone(),
            axis: c.axis.clone(),
            input_mode: c.input_mode.clone(),
            granularity: c.granularity.clone(),
            data: String::new(),
            quant: c.quant.clone(),
        };
        FormState {
            channels: if tool == Tool::Channels { channels(&self.channels) } else { self.channels.clone() },
            tensor: if tool == Tool::Tensor { tensor(&self.tensor) } else { self.tensor.clone() },
            values: if tool == Tool::Values { values(&self.values) } else { self.values.clone() },
            files: self.files.clone(),
            display: self.display.clone(),
        }
    }

    /// Sets `tool`'s text (the Files tool has none).
    pub fn set_data(&mut self, tool: Tool, data: String) {
        match tool {
            Tool::Channels => self.channels.data = data,
            Tool::Tensor => self.tensor.data = data,
            Tool::Values => self.values.data = data,
            Tool::Files => {}
        }
    }

    pub fn data(&self, tool: Tool) -> &str {
        match tool {
            Tool::Channels => &self.channels.data,
            Tool::Tensor => &self.tensor.data,
            Tool::Values => &self.values.data,
            Tool::Files => "",
        }
    }

    pub fn quant(&self, tool: Tool) -> &QuantForm {
        match tool {
            Tool::Channels => &self.channels.quant,
            Tool::Tensor => &self.tensor.quant,
            Tool::Values => &self.values.quant,
            Tool::Files => &self.files.quant,
        }
    }

    pub fn quant_mut(&mut self, tool: Tool) -> &mut QuantForm {
        match tool {
            Tool::Channels => &mut self.channels.quant,
            Tool::Tensor => &mut self.tensor.quant,
            Tool::Values => &mut self.values.quant,
            Tool::Files => &mut self.files.quant,
        }
    }
}

/// The choices offered by the selects: (command-line value, label shown). The values are the
/// core's names (its `FromStr` parses them).
pub mod choices {
    pub const DTYPES: &[(&str, &str)] = &[
        ("qint8", "qint8 (signed 8-bit)"),
        ("quint8", "quint8 (unsigned 8-bit)"),
        ("int2", "int2"),
        ("int3", "int3"),
        ("int4", "int4"),
        ("int5", "int5"),
        ("int6", "int6"),
        ("int7", "int7"),
        ("int10", "int10"),
        ("int12", "int12"),
        ("int16", "int16"),
        ("uint2", "uint2"),
        ("uint3", "uint3"),
        ("uint4", "uint4"),
        ("uint5", "uint5"),
        ("uint6", "uint6"),
        ("uint7", "uint7"),
        ("uint10", "uint10"),
        ("uint12", "uint12"),
        ("uint16", "uint16"),
    ];

    pub const SCHEMES: &[(&str, &str)] = &[("affine", "Affine (asymmetric)"), ("symmetric", "Symmetric")];

    pub const ROUNDINGS: &[(&str, &str)] = &[
        ("half-even", "Half to even"),
        ("half-away", "Half away from zero"),
        ("half-up", "Half up (JavaScript Math.round)"),
        ("floor", "Floor"),
        ("ceil", "Ceiling"),
        ("toward-zero", "Toward zero"),
        ("stochastic", "Stochastic (seeded)"),
    ];

    pub const DIVISORS: &[(&str, &str)] =
        &[("max-abs", "max-abs: max(|qmin|, |qmax|)"), ("qmax", "qmax"), ("half-range", "half-range: (qmax - qmin) / 2")];

    pub const INPUT_MODES: &[(&str, &str)] = &[("min-max", "channel,min,max,sample"), ("manual", "channel,scale,zero_point,sample")];

    pub const GRANULARITIES: &[(&str, &str)] = &[("per-channel", "Per channel"), ("per-tensor", "Per tensor (union of the ranges)")];

    pub const AXES: &[(&str, &str)] = &[("0", "0: one channel per line"), ("1", "1: one channel per column")];

    pub const RANGE_MODES: &[(&str, &str)] = &[("derived", "Derived from the values"), ("custom", "Custom MIN:MAX")];

    /// The format choice: the conventions' integers, the presets, the float elements, integer groups.
    pub const FORMATS: &[(&str, &str)] = &[
        ("", "Integer types of the conventions (below)"),
        ("q8_0", "Q8_0 (GGUF, 8.5 bits)"),
        ("q4_0", "Q4_0 (GGUF, 4.5 bits)"),
        ("q4_1", "Q4_1 (GGUF, 5 bits)"),
        ("q5_0", "Q5_0 (GGUF, 5.5 bits)"),
        ("q5_1", "Q5_1 (GGUF, 6 bits)"),
        ("mxfp8-e4m3", "MXFP8 E4M3 (OCP MX, 8.25 bits)"),
        ("mxfp8-e5m2", "MXFP8 E5M2 (OCP MX, 8.25 bits)"),
        ("mxfp6-e3m2", "MXFP6 E3M2 (OCP MX, 6.25 bits)"),
        ("mxfp6-e2m3", "MXFP6 E2M3 (OCP MX, 6.25 bits)"),
        ("mxfp4", "MXFP4 (OCP MX, 4.25 bits)"),
        ("mxint8", "MXINT8 (OCP MX, 8.25 bits)"),
        ("nvfp4", "NVFP4 (NVIDIA, 4.5 bits)"),
        ("nf4", "NF4 (bitsandbytes, 4.5 bits)"),
        ("fp4-bnb", "FP4 (bitsandbytes, 4.5 bits)"),
        ("fp8-e4m3", "FP8 E4M3, float32 scale"),
        ("fp8-e5m2", "FP8 E5M2, float32 scale"),
        ("fp6-e3m2", "FP6 E3M2, float32 scale"),
        ("fp6-e2m3", "FP6 E2M3, float32 scale"),
        ("fp4-e2m1", "FP4 E2M1, float32 scale"),
        (super::INT_GROUPS, "int4 / int8 in groups (PyTorch)"),
    ];

    /// The float element types (a subset of [`FORMATS`]).
    pub const FLOAT_ELEMENTS: &[(&str, &str)] =
        &[("fp8-e4m3", "FP8 E4M3"), ("fp8-e5m2", "FP8 E5M2"), ("fp6-e3m2", "FP6 E3M2"), ("fp6-e2m3", "FP6 E2M3"), ("fp4-e2m1", "FP4 E2M1")];

    /// A float element's scope.
    pub const FORMAT_GRANULARITIES: &[(&str, &str)] =
        &[("per-tensor", "Per tensor"), ("per-channel", "Per channel (row)"), ("per-group", "Per group along each row")];

    /// The integer types integer groups take.
    pub const GROUP_DTYPES: &[(&str, &str)] = &[("int4", "int4"), ("qint8", "int8 (qint8)")];

    pub const CALIBRATIONS: &[(&str, &str)] = &[
        ("minmax", "Min/max"),
        ("moving-average", "Moving-average min/max (channels as batches)"),
        ("percentile", "Percentile (histogram, ONNX Runtime)"),
        ("mse", "MSE-optimal clipping"),
        ("entropy", "Entropy (KL divergence, TensorRT)"),
    ];
}

#[cfg(test)]
mod tests {
    /// The text left out and put back gives the form again, for every tool; the other tools'
    /// texts stay.
    #[test]
    fn a_form_without_its_text_and_the_text_are_the_form() {
        let mut form = FormState::examples();
        form.tensor.data = "1 2 3\n4 5 6".into();
        form.tensor.percentile = "99.9".into();
        form.values.data = "0.5, 1.5".into();
        for tool in [Tool::Channels, Tool::Tensor, Tool::Values] {
            let mut light = form.without_data(tool);
            assert_eq!(light.data(tool), "");
            for other in [Tool::Channels, Tool::Tensor, Tool::Values].into_iter().filter(|&t| t != tool) {
                assert_eq!(light.data(other), form.data(other));
            }
            light.set_data(tool, form.data(tool).to_string());
            assert_eq!(light, form, "{tool:?}");
        }
    }

    use super::*;

    #[test]
    fn fragments_round_trip() {
        for tool in Tool::ALL {
            assert_eq!(Tool::from_fragment(&format!("#{}", tool.slug())), Some(tool));
        }
        assert_eq!(Tool::from_fragment("#VALUES"), Some(Tool::Values));
        assert_eq!(Tool::from_fragment(""), None);
        assert_eq!(Tool::from_fragment("#nope"), None);
    }

    #[test]
    fn next_and_previous_cycle() {
        assert_eq!(Tool::Values.next(), Tool::Files);
        assert_eq!(Tool::Files.next(), Tool::Channels);
        assert_eq!(Tool::Channels.previous(), Tool::Files);
    }

    #[test]
    fn old_saved_forms_restore_with_defaults() {
        let restored: FormState = serde_json::from_str(r#"{"tensor":{"data":"1 2 3"}}"#).unwrap();
        assert_eq!(restored.tensor.data, "1 2 3");
        assert_eq!(restored.tensor.quant, QuantForm::default());
        assert_eq!(restored.channels, ChannelsForm::default());
    }

    /// The lean reader reads as the derive did: unknown fields skipped, missing ones at their
    /// struct's default, nested forms and `null` options read, a wrong type refused.
    #[test]
    fn saved_forms_read_as_the_derived_reader_did() {
        let json = r#"{"values":{"quant":{"narrow_range":true,"include_zero":null,"later":[1,{"a":2}]},"data":"1 2"},
                       "display":{"precision":3},"unknown":{"x":1}}"#;
        let form: FormState = serde_json::from_str(json).unwrap();
        let mut want = FormState::examples();
        // A nested form present in the JSON starts from its own struct's default, as derived.
        want.values.quant = QuantForm { narrow_range: Some(true), ..QuantForm::default() };
        want.values.data = "1 2".into();
        want.display.precision = 3;
        assert_eq!(form, want);
        let error = serde_json::from_str::<FormState>(r#"{"tensor":{"axis":1}}"#).unwrap_err().to_string();
        assert!(error.contains("invalid type") && error.contains("column"), "{error}");
        assert!(serde_json::from_str::<FormState>("[1]").is_err());
    }

    #[test]
    fn forms_round_trip_through_json() {
        let mut form = FormState::examples();
        form.values.quant.rounding = "stochastic".into();
        let json = serde_json::to_string(&form).unwrap();
        assert_eq!(serde_json::from_str::<FormState>(&json).unwrap(), form);
    }
    /// A share link made before the page read links as text (`share::decode` took bytes until
    /// 2026-12-03): links in the wild keep opening the same form.
    #[test]
    fn a_share_link_made_before_reads_back() {
        /// The page's `SharedForm` (src/browser/share_link.rs).
        #[derive(Deserialize)]
        struct SharedForm {
            tool: String,
            form: FormState,
        }
        const OLD_LINK: &str = "tensor&share=1.7ZXZbqMwFIZfpeIaECbQhDxLJeQYQ47G2MaYJLTqu885JkszbUeVRqp6MRfefi9n-bB5ibwxKtpGXurRuCiOWuP6aPsSiT3XWqqR-stkrXkvcakw-sDSo4Ru73EDPwEuijLsgraTr3vT0LIedNLzE8qd43pS3IGfUbfSJefDca7hnqPYgvLS1VmcsDSPWZyl69WTPqssTrJ0g1pFnZxdJ3JaXsYsXWNhN31F64oSdzxiYRu0M0xc-xAXei-1B6ND1Ce_M-YXOeJnS24PoD1tGMVehnB524KWqDjZTELWGEyHesvVKONIc-fM8SJimIrSINTUyPpZOnPRhOK9DUptDZAri-7MpBvQHRoio3PfS-9A1A0cgIAEOThfY0LvhpjbZZOUzRkAweN-kZd-_bfkd2jd1iM8U5yrPHp9jS8fwjvqrfgQeQj8gryRDg7ozFlGJWFbhkPBFewcP2cdnRCEQFFW3wy2UVWl1e2jyJDtAxHHBhmXTzph8QMCJSH_FKqdvXFi_yOY7rlqE37k88-Ae-Bqkh9caS48HAKe8U-mYhq96e-QpuUWyzusGMJy3--Q3nDS1V6AVnloShYaliHUwLWgerWmel0Rc5ZTXTz-0wW-5v27eEv07xPew5Kh72SOb-KC_M2t_SK4_4_mV3KMfprecicpU8sBlOdhg7-zocS_11Bgrz-1toh1W1CeFde0eDc1nSTLRbhOkwYa7MCPCdm8vrcWNJ2IONFYAyPun2m_dVLAGKiUOPcb";
        let part = OLD_LINK.split('&').nth(1).unwrap();
        let shared: SharedForm = quantscope_export::share::decode(part).unwrap();
        let mut want = FormState::examples();
        want.tensor.data = "0.5, -0.25, 1.75\n-1, 0.125, 2".into();
        want.tensor.calibration = "percentile".into();
        want.tensor.percentile = "99.9".into();
        want.tensor.quant.convention = "pytorch".into();
        want.tensor.quant.rounding = "half-away".into();
        want.display.precision = 5;
        assert_eq!(shared.tool, "tensor");
        assert_eq!(shared.form, want);
    }
}
