//! The form as the core's options, through the one flag mapping ([`crate::flags`]): every field is
//! handed to [`flags::apply`] under its flag's name (the form's fields are named and valued as the
//! command line's flags), so the page reads its form exactly as the CLI reads its flags, and a
//! field that does not parse becomes a located [`InputError`] on that field.

use quantscope_core::tools::ToolOptions;
use quantscope_core::{QuantSpec, SpecOptions};

use crate::flags::{self, name, FlagError};
use crate::form::{FormState, FormatKind, QuantForm, Tool};
use crate::results::{Field, InputError};

/// A flag's error as an error on the form's field of the same name.
fn field_error(flag: &'static str, e: FlagError) -> InputError {
    InputError { field: Field::Option(flag), line: 1, column: e.column, text: e.text, problem: e.problem, expected: e.expected }
}

/// Applies the form's field `flag` (its text; `None` for a switch that is on) to `options`.
fn set(tool: Tool, options: &mut ToolOptions, flag: &'static str, value: Option<&str>) -> Result<(), InputError> {
    flags::apply(tool, options, flag, value).map_err(|e| field_error(flag, e))
}

/// A tri-state switch of the form: on, off (`--no-...`) or the convention's (no flag).
fn tri_state(tool: Tool, options: &mut ToolOptions, value: Option<bool>, on: &'static str, off: &'static str) -> Result<(), InputError> {
    match value {
        Some(true) => set(tool, options, on, None),
        Some(false) => set(tool, options, off, None),
        None => Ok(()),
    }
}

/// The format fields of one tool's form (a preset, a float element and its scope, or integer
/// groups), applied as the format flags (`--preset`, `--dtype fp8-e4m3`, `--granularity per-group`,
/// `--group-size`); the fields the format decides are not read. The format itself is resolved by
/// [`flags::format_of`], which refuses what the CLI refuses.
fn apply_format(tool: Tool, options: &mut ToolOptions, quant: &QuantForm) -> Result<(), InputError> {
    let group = |tool, options: &mut ToolOptions| -> Result<(), InputError> {
        set(tool, options, name::GRANULARITY, Some("per-group"))?;
        set(tool, options, name::GROUP_SIZE, Some(&quant.group_size))
    };
    match quant.format_kind() {
        FormatKind::Conventions => Ok(()),
        FormatKind::Preset => {
            flags::apply(tool, options, name::PRESET, Some(quant.format.trim())).map_err(|e| field_error(FORMAT_FIELD, e))
        }
        FormatKind::FloatElement => {
            flags::apply(tool, options, name::DTYPE, Some(quant.format.trim())).map_err(|e| field_error(FORMAT_FIELD, e))?;
            match quant.format_granularity.as_str() {
                "per-group" => group(tool, options),
                scope => flags::apply(tool, options, name::GRANULARITY, Some(scope)).map_err(|e| field_error(FORMAT_GRANULARITY_FIELD, e)),
            }
        }
        FormatKind::IntGroups => {
            set(tool, options, name::CONVENTION, Some("pytorch"))?;
            set(tool, options, name::DTYPE, Some(&quant.dtype))?;
            set(tool, options, name::SCHEME, Some(&quant.scheme))?;
            group(tool, options)
        }
    }
}

/// The form's field of the format choice (`<tool>-format`).
pub const FORMAT_FIELD: &str = "format";
/// The form's field of a float element's scope (`<tool>-format-granularity`).
pub const FORMAT_GRANULARITY_FIELD: &str = "format-granularity";

/// The form's field a format flag's refusal is about (`--group-size` → `group-size`).
pub fn format_field(option: &str) -> &'static str {
    match option.trim_start_matches('-') {
        "preset" => FORMAT_FIELD,
        "group-size" => name::GROUP_SIZE,
        "granularity" => FORMAT_GRANULARITY_FIELD,
        "scheme" => name::SCHEME,
        "convention" => name::CONVENTION,
        "dtype" => name::DTYPE,
        _ => FORMAT_FIELD,
    }
}

/// The quantization fields of one tool's form, applied to `options`.
fn apply_quant(tool: Tool, options: &mut ToolOptions, quant: &QuantForm) -> Result<(), InputError> {
    if quant.format_kind() != FormatKind::Conventions {
        return apply_format(tool, options, quant);
    }
    set(tool, options, name::CONVENTION, Some(&quant.convention))?;
    set(tool, options, name::DTYPE, Some(&quant.dtype))?;
    set(tool, options, name::SCHEME, Some(&quant.scheme))?;
    if quant.reduce_range {
        set(tool, options, name::REDUCE_RANGE, None)?;
    }
    tri_state(tool, options, quant.narrow_range, name::NARROW_RANGE, name::NO_NARROW_RANGE)?;
    tri_state(tool, options, quant.include_zero, name::INCLUDE_ZERO, name::NO_INCLUDE_ZERO)?;
    tri_state(tool, options, quant.clamp_zero_point, name::CLAMP_ZERO_POINT, name::NO_CLAMP_ZERO_POINT)?;
    set(tool, options, name::ROUNDING, Some(&quant.rounding))?;
    set(tool, options, name::SYMMETRIC_DIVISOR, Some(&quant.symmetric_divisor))?;
    set(tool, options, name::QUANT_MIN, Some(&quant.quant_min))?;
    set(tool, options, name::QUANT_MAX, Some(&quant.quant_max))?;
    set(tool, options, name::SEED, Some(&quant.seed))
}

/// The quantization choices of one tool's form.
pub fn spec_options(quant: &QuantForm) -> Result<SpecOptions, InputError> {
    let mut options = flags::defaults(Tool::Tensor);
    apply_quant(Tool::Tensor, &mut options, quant)?;
    Ok(options.spec)
}

/// The convention's own choices for the form's convention, dtype and scheme (what the option
/// controls show while not overridden); `None` when those three do not parse.
pub fn convention_defaults(quant: &QuantForm) -> Option<QuantSpec> {
    let options = SpecOptions {
        convention: quant.convention.parse().ok()?,
        dtype: quant.dtype.parse().ok()?,
        scheme: quant.scheme.parse().ok()?,
        ..SpecOptions::default()
    };
    QuantSpec::resolve(&options).ok()
}

/// The spec the form's choices resolve to (for its label: "pytorch (custom: rounding)").
pub fn resolve(quant: &QuantForm) -> Option<QuantSpec> {
    QuantSpec::resolve(&spec_options(quant).ok()?).ok()
}

/// Everything the core needs to run `tool` on the form: the subcommand's defaults with every field
/// applied as its flag.
pub fn tool_options(tool: Tool, form: &FormState) -> Result<ToolOptions, InputError> {
    let mut options = flags::defaults(tool);
    apply_quant(tool, &mut options, form.quant(tool))?;
    let o = &mut options;
    // The calibration range: typed (`custom`) or chosen by a method from the data.
    let range = |o: &mut ToolOptions, mode: &str, range: &str, method: &str, percentile: &str| {
        if mode == "custom" {
            set(tool, o, name::RANGE, Some(range))?;
        }
        set(tool, o, name::CALIBRATION, Some(method))?;
        set(tool, o, name::PERCENTILE, Some(percentile))
    };
    match tool {
        Tool::Channels => {
            let f = &form.channels;
            set(tool, o, name::NAME, Some(&f.tensor_name))?;
            set(tool, o, name::AXIS, Some(&f.axis))?;
            match f.input_mode.as_str() {
                "manual" => set(tool, o, name::MANUAL, None)?,
                "min-max" => {}
                other => {
                    let e = FlagError {
                        flag: "input-mode".into(),
                        text: other.to_string(),
                        column: 1,
                        problem: "unknown input mode".into(),
                        expected: "min-max or manual".into(),
                    };
                    return Err(field_error("input-mode", e));
                }
            }
            set(tool, o, name::GRANULARITY, Some(&f.granularity))?;
        }
        Tool::Tensor => {
            let f = &form.tensor;
            set(tool, o, name::NAME, Some(&f.tensor_name))?;
            set(tool, o, name::AXIS, Some(&f.axis))?;
            range(o, &f.range_mode, &f.range, &f.calibration, &f.percentile)?;
            // The per-channel PTQ exercise prints every quantized and dequantized value: keep them for the value table.
            set(tool, o, name::VALUES, None)?;
        }
        Tool::Values => {
            let f = &form.values;
            set(tool, o, name::NAME, Some(&f.tensor_name))?;
            range(o, &f.range_mode, &f.range, &f.calibration, &f.percentile)?;
        }
        Tool::Files => {
            let f = &form.files;
            set(tool, o, name::AXIS, Some(&f.axis))?;
            set(tool, o, name::CALIBRATION, Some(&f.calibration))?;
            set(tool, o, name::PERCENTILE, Some(&f.percentile))?;
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_core::SymmetricDivisor;

    #[test]
    fn the_examples_convert() {
        let form = FormState::examples();
        for tool in Tool::ALL {
            tool_options(tool, &form).unwrap();
        }
        let values = tool_options(Tool::Values, &form).unwrap();
        assert_eq!(values.range, "-1.5:1.5");
        assert_eq!(values.spec.symmetric_divisor, Some(SymmetricDivisor::Qmax));
        assert_eq!(tool_options(Tool::Tensor, &form).unwrap().range, "", "derived range");
    }

    #[test]
    fn a_bad_integer_is_located_in_its_field() {
        let mut form = FormState::examples();
        form.channels.quant.quant_min = "  -8x".into();
        let error = tool_options(Tool::Channels, &form).unwrap_err();
        assert_eq!(error.field, Field::Option("quant-min"));
        assert_eq!((error.line, error.column), (1, 5));
        assert_eq!(error.text, "-8x");
    }

    #[test]
    fn empty_choices_are_the_conventions() {
        let mut form = FormState::examples();
        form.tensor.quant.rounding = String::new();
        form.tensor.quant.quant_max = " ".into();
        let options = tool_options(Tool::Tensor, &form).unwrap();
        assert_eq!(options.spec.rounding, None);
        assert_eq!(options.spec.quant_max, None);
    }

    #[test]
    fn the_values_tool_is_per_tensor() {
        let values = tool_options(Tool::Values, &FormState::examples()).unwrap();
        assert_eq!(values.granularity, quantscope_core::Granularity::PerTensor);
    }

    #[test]
    fn unknown_choices_say_what_is_expected() {
        let mut form = FormState::examples();
        form.values.quant.dtype = "int99".into();
        let error = tool_options(Tool::Values, &form).unwrap_err();
        assert_eq!(error.field, Field::Option("dtype"));
        assert!(error.problem.contains("int99") || error.problem.contains("99"), "{}", error.problem);
    }
}
