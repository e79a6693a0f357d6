//! The form as the core's options: every choice is parsed by the core's own `FromStr` (so the
//! names are exactly the command line's), and a field that does not parse becomes a located
//! [`InputError`] on that field.

use quantscope_core::calibrate::Calibration;
use quantscope_core::parse::LineMode;
use quantscope_core::tools::ToolOptions;
use quantscope_core::{Convention, Dtype, Granularity, QuantSpec, Rounding, Scheme, SpecOptions, SymmetricDivisor};

use crate::form::{FormState, QuantForm, Tool};
use crate::results::{Field, InputError};

/// An error on an option field, located in its text.
fn field_error(field: &'static str, typed: &str, problem: impl Into<String>, expected: &str) -> InputError {
    InputError {
        field: Field::Option(field),
        line: 1,
        column: 1,
        text: typed.to_string(),
        problem: problem.into(),
        expected: expected.to_string(),
    }
}

/// Parses a choice with the core's `FromStr`; its message becomes the problem.
fn choice<T: std::str::FromStr>(field: &'static str, typed: &str, expected: &str) -> Result<T, InputError>
where
    T::Err: std::fmt::Display,
{
    typed.parse().map_err(|e: T::Err| field_error(field, typed, e.to_string(), expected))
}

/// An optional choice: empty means "the convention's".
fn optional_choice<T: std::str::FromStr>(field: &'static str, typed: &str, expected: &str) -> Result<Option<T>, InputError>
where
    T::Err: std::fmt::Display,
{
    if typed.trim().is_empty() {
        Ok(None)
    } else {
        choice(field, typed, expected).map(Some)
    }
}

/// An integer field; empty gives `None`. The column points at the first character that is not
/// part of an integer.
fn integer<T: std::str::FromStr>(field: &'static str, typed: &str, expected: &str) -> Result<Option<T>, InputError> {
    let trimmed = typed.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    trimmed.parse().map(Some).map_err(|_| {
        let lead = typed.len() - typed.trim_start().len();
        let bad = trimmed.char_indices().find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+')))).map_or(0, |(i, _)| i);
        let column = typed[..lead + bad].chars().count() + 1;
        InputError { column, ..field_error(field, trimmed, "not a whole number in range", expected) }
    })
}

/// A decimal field in (0, 100] (the percentile); empty gives `None`.
fn decimal(field: &'static str, typed: &str, expected: &str) -> Result<Option<f64>, InputError> {
    let trimmed = typed.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    match trimmed.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 100.0 => Ok(Some(v)),
        Ok(_) => Err(field_error(field, typed, "out of range", expected)),
        Err(_) => Err(field_error(field, typed, "not a number", expected)),
    }
}

/// The quantization choices of one tool's form.
pub fn spec_options(quant: &QuantForm) -> Result<SpecOptions, InputError> {
    Ok(SpecOptions {
        convention: choice::<Convention>("convention", &quant.convention, "textbook, pytorch, onnxruntime or tflite")?,
        dtype: choice::<Dtype>("dtype", &quant.dtype, "qint8, quint8, int<N> or uint<N>")?,
        scheme: choice::<Scheme>("scheme", &quant.scheme, "affine or symmetric")?,
        reduce_range: quant.reduce_range,
        narrow_range: quant.narrow_range,
        include_zero: quant.include_zero,
        clamp_zero_point: quant.clamp_zero_point,
        rounding: optional_choice::<Rounding>("rounding", &quant.rounding, "a rounding rule such as half-even")?,
        symmetric_divisor: optional_choice::<SymmetricDivisor>(
            "symmetric-divisor",
            &quant.symmetric_divisor,
            "max-abs, qmax or half-range",
        )?,
        quant_min: integer::<i32>("quant-min", &quant.quant_min, "an integer such as -8, or nothing")?,
        quant_max: integer::<i32>("quant-max", &quant.quant_max, "an integer such as 7, or nothing")?,
        seed: integer::<u64>("seed", &quant.seed, "a whole number from 0 to 18446744073709551615")?.unwrap_or(0),
    })
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

/// The custom range text when its mode is `custom` (the core parses it), else nothing.
fn range(mode: &str, range: &str) -> String {
    if mode == "custom" {
        range.to_string()
    } else {
        String::new()
    }
}

/// The calibration method and its percentile, as the form names them.
fn calibration(method: &str, percentile: &str) -> Result<Calibration, InputError> {
    let mut calibration = Calibration {
        method: choice("calibration", method, "minmax, moving-average, percentile, mse or entropy")?,
        ..Calibration::default()
    };
    if let Some(p) = decimal("percentile", percentile, "a percentile in (0, 100], such as 99.99")? {
        calibration.percentile = p;
    }
    Ok(calibration)
}

/// Everything the core needs to run `tool` on the form.
pub fn tool_options(tool: Tool, form: &FormState) -> Result<ToolOptions, InputError> {
    let quant = form.quant(tool);
    let mut options = ToolOptions { spec: spec_options(quant)?, ..ToolOptions::default() };
    match tool {
        Tool::Channels => {
            let f = &form.channels;
            options.tensor_name = f.tensor_name.clone();
            options.axis = integer::<usize>("axis", &f.axis, "a dimension index such as 0")?.unwrap_or(0);
            options.param_mode = line_mode(&f.input_mode)?;
            options.granularity = choice::<Granularity>("granularity", &f.granularity, "per-channel or per-tensor")?;
        }
        Tool::Tensor => {
            let f = &form.tensor;
            options.tensor_name = f.tensor_name.clone();
            options.axis = integer::<usize>("axis", &f.axis, "0 or 1")?.unwrap_or(0);
            options.range = range(&f.range_mode, &f.range);
            options.calibration = calibration(&f.calibration, &f.percentile)?;
            // Seed 003 prints every quantized and dequantized value: keep them for the value table.
            options.keep_values = true;
        }
        Tool::Values => {
            let f = &form.values;
            options.tensor_name = f.tensor_name.clone();
            options.range = range(&f.range_mode, &f.range);
            options.calibration = calibration(&f.calibration, &f.percentile)?;
            options.granularity = Granularity::PerTensor;
        }
        Tool::Files => {
            let f = &form.files;
            options.axis = integer::<usize>("axis", &f.axis, "a dimension index such as 0")?.unwrap_or(0);
            options.calibration = calibration(&f.calibration, &f.percentile)?;
        }
    }
    Ok(options)
}

/// `LineMode` has no `FromStr`; its serde name (`min-max`, `manual`) is the form's value.
fn line_mode(typed: &str) -> Result<LineMode, InputError> {
    serde_json::from_value(serde_json::Value::String(typed.to_string()))
        .map_err(|_| field_error("input-mode", typed, "unknown input mode", "min-max or manual"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn unknown_choices_say_what_is_expected() {
        let mut form = FormState::examples();
        form.values.quant.dtype = "int99".into();
        let error = tool_options(Tool::Values, &form).unwrap_err();
        assert_eq!(error.field, Field::Option("dtype"));
        assert!(error.problem.contains("int99") || error.problem.contains("99"), "{}", error.problem);
    }
}
