//! The one two-way mapping between the core's [`ToolOptions`] and the command line's flags.
//!
//! - options -> flags: [`to_flags`] (and [`command_line`], the settings file's "command computing
//!   the same numbers");
//! - flags -> options: [`apply`] one flag, [`from_flags`] a list of them. The CLI's parser (clap)
//!   hands every option flag it was given to [`apply`]; the page hands every form field to it under
//!   the flag's name (the form's fields are named and valued as the flags are).
//!
//! Flag names are the constants of [`name`]; values are the core's own names (its `FromStr` and
//! `name()`), so `--rounding half-even` reads and writes through `quantscope_core::Rounding`.
//! A flag that only the CLI has (`--format`, `--precision`, `--pdf`, ...) is not an option of the
//! computation and is not here.

use std::fmt;
use std::str::FromStr;

use quantscope_core::calibrate::Method;
use quantscope_core::format::{FloatElement, Format, FormatError, FormatKnobs};
use quantscope_core::parse::LineMode;
use quantscope_core::tools::ToolOptions;
use quantscope_core::{Convention, Dtype, Granularity, Rounding, Scheme, SymmetricDivisor};

use crate::form::Tool;

/// The flags' names, without their leading `--`.
pub mod name {
    /// `--convention textbook|pytorch|onnxruntime|tflite`.
    pub const CONVENTION: &str = "convention";
    /// `--dtype qint8|quint8|int<N>|uint<N>`.
    pub const DTYPE: &str = "dtype";
    /// `--scheme affine|symmetric`.
    pub const SCHEME: &str = "scheme";
    /// `--reduce-range` (a switch).
    pub const REDUCE_RANGE: &str = "reduce-range";
    /// `--narrow-range` (a switch; `--no-narrow-range` turns it off).
    pub const NARROW_RANGE: &str = "narrow-range";
    /// `--no-narrow-range`.
    pub const NO_NARROW_RANGE: &str = "no-narrow-range";
    /// `--include-zero` (a switch; `--no-include-zero` turns it off).
    pub const INCLUDE_ZERO: &str = "include-zero";
    /// `--no-include-zero`.
    pub const NO_INCLUDE_ZERO: &str = "no-include-zero";
    /// `--clamp-zero-point` (a switch; `--no-clamp-zero-point` turns it off).
    pub const CLAMP_ZERO_POINT: &str = "clamp-zero-point";
    /// `--no-clamp-zero-point`.
    pub const NO_CLAMP_ZERO_POINT: &str = "no-clamp-zero-point";
    /// `--rounding RULE`.
    pub const ROUNDING: &str = "rounding";
    /// `--seed N` (stochastic rounding).
    pub const SEED: &str = "seed";
    /// `--symmetric-divisor max-abs|qmax|half-range`.
    pub const SYMMETRIC_DIVISOR: &str = "symmetric-divisor";
    /// `--quant-min N`.
    pub const QUANT_MIN: &str = "quant-min";
    /// `--quant-max N`.
    pub const QUANT_MAX: &str = "quant-max";
    /// `--calibration METHOD`.
    pub const CALIBRATION: &str = "calibration";
    /// `--percentile P`.
    pub const PERCENTILE: &str = "percentile";
    /// `--range MIN:MAX`.
    pub const RANGE: &str = "range";
    /// `--axis N`.
    pub const AXIS: &str = "axis";
    /// `--granularity per-channel|per-tensor`.
    pub const GRANULARITY: &str = "granularity";
    /// `--manual` (channels: `channel,scale,zero_point,sample` lines).
    pub const MANUAL: &str = "manual";
    /// `--values` (keep the per-element results).
    pub const VALUES: &str = "values";
    /// `--name NAME` (the tensor's name).
    pub const NAME: &str = "name";
    /// `--preset NAME` (a block format: q8_0, q4_0, ..., mxfp4, nvfp4, nf4, fp4-bnb; docs/formats.md).
    pub const PRESET: &str = "preset";
    /// `--group-size N` (with `--granularity per-group`).
    pub const GROUP_SIZE: &str = "group-size";
}

/// The format flags (docs/formats.md), beside [`ALL`]: `--preset` and `--group-size`. A float
/// `--dtype` (fp8-e4m3, fp8-e5m2, fp6-e3m2, fp6-e2m3, fp4-e2m1) and `--granularity per-group` are
/// format flags too, under the integer flags' names. The CLI routes a command that has any of them to
/// its format path (`format_cmd`), whose flags are these names.
pub const FORMAT: [&str; 2] = [name::PRESET, name::GROUP_SIZE];

/// Every option flag, in the order [`to_flags`] writes them.
pub const ALL: [&str; 23] = [
    name::CONVENTION,
    name::DTYPE,
    name::SCHEME,
    name::REDUCE_RANGE,
    name::NARROW_RANGE,
    name::NO_NARROW_RANGE,
    name::INCLUDE_ZERO,
    name::NO_INCLUDE_ZERO,
    name::CLAMP_ZERO_POINT,
    name::NO_CLAMP_ZERO_POINT,
    name::ROUNDING,
    name::SEED,
    name::SYMMETRIC_DIVISOR,
    name::QUANT_MIN,
    name::QUANT_MAX,
    name::GRANULARITY,
    name::AXIS,
    name::MANUAL,
    name::VALUES,
    name::RANGE,
    name::CALIBRATION,
    name::PERCENTILE,
    name::NAME,
];

/// Whether `name` is a switch (given without a value).
pub fn is_switch(name: &str) -> bool {
    matches!(
        name,
        name::REDUCE_RANGE
            | name::NARROW_RANGE
            | name::NO_NARROW_RANGE
            | name::INCLUDE_ZERO
            | name::NO_INCLUDE_ZERO
            | name::CLAMP_ZERO_POINT
            | name::NO_CLAMP_ZERO_POINT
            | name::MANUAL
            | name::VALUES
    )
}

/// The CLI's subcommand of a tool (`file` for the Files tool).
pub fn subcommand(tool: Tool) -> &'static str {
    match tool {
        Tool::Channels => "channels",
        Tool::Tensor => "tensor",
        Tool::Values => "values",
        Tool::Files => "file",
    }
}

/// Whether `tool`'s subcommand takes the flag `name`.
pub fn takes(tool: Tool, name: &str) -> bool {
    match name {
        name::RANGE => matches!(tool, Tool::Tensor | Tool::Values),
        name::CALIBRATION | name::PERCENTILE => matches!(tool, Tool::Tensor | Tool::Values | Tool::Files),
        name::AXIS => matches!(tool, Tool::Channels | Tool::Tensor | Tool::Files),
        name::GRANULARITY => matches!(tool, Tool::Channels | Tool::Tensor),
        name::MANUAL => tool == Tool::Channels,
        name::VALUES | name::NAME => tool != Tool::Files,
        name::PRESET | name::GROUP_SIZE => matches!(tool, Tool::Tensor | Tool::Values | Tool::Files),
        other => ALL.contains(&other),
    }
}

/// The options a subcommand starts from before its flags: the core's defaults, except that the
/// values tool is per tensor (it has one set of parameters; the core ignores the field there).
pub fn defaults(tool: Tool) -> ToolOptions {
    let mut options = ToolOptions::default();
    if tool == Tool::Values {
        options.granularity = Granularity::PerTensor;
    }
    options
}

/// One flag as written: `--name` (a switch) or `--name=value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// One of [`name`]'s constants.
    pub name: &'static str,
    /// The value; `None` for a switch.
    pub value: Option<String>,
}

impl Flag {
    fn switch(name: &'static str) -> Flag {
        debug_assert!(is_switch(name));
        Flag { name, value: None }
    }

    fn valued(name: &'static str, value: impl ToString) -> Flag {
        Flag { name, value: Some(value.to_string()) }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "--{}={value}", self.name),
            None => write!(f, "--{}", self.name),
        }
    }
}

/// A flag that could not be applied: which flag, the text given, where in it (1-based column),
/// what is wrong and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("--{flag}: column {column}: {problem} `{text}` (expected {expected})")]
pub struct FlagError {
    /// The flag's name (one of [`name`]'s constants, or the unknown name given).
    pub flag: String,
    /// The value as given (trimmed).
    pub text: String,
    /// 1-based column of the first offending character in the value as given.
    pub column: usize,
    /// What is wrong.
    pub problem: String,
    /// What was expected.
    pub expected: String,
}

fn error(flag: &str, text: &str, problem: impl Into<String>, expected: &str) -> FlagError {
    FlagError { flag: flag.to_string(), text: text.to_string(), column: 1, problem: problem.into(), expected: expected.to_string() }
}

/// What each valued flag expects, said in its error.
fn expected(flag: &str) -> &'static str {
    match flag {
        name::CONVENTION => "textbook, pytorch, onnxruntime or tflite",
        name::DTYPE => "qint8, quint8, int<N> or uint<N>",
        name::SCHEME => "affine or symmetric",
        name::ROUNDING => "a rounding rule such as half-even",
        name::SYMMETRIC_DIVISOR => "max-abs, qmax or half-range",
        name::QUANT_MIN => "an integer such as -8, or nothing",
        name::QUANT_MAX => "an integer such as 7, or nothing",
        name::SEED => "a whole number from 0 to 18446744073709551615",
        name::CALIBRATION => "minmax, moving-average, percentile, mse or entropy",
        name::PERCENTILE => "a percentile in (0, 100], such as 99.99",
        name::AXIS => "a dimension index such as 0",
        name::GRANULARITY => "per-channel, per-tensor or per-group",
        name::GROUP_SIZE => "a group size of at least 1, such as 32, 64 or 128",
        name::RANGE => "MIN:MAX, such as -1.5:1.5",
        _ => "",
    }
}

/// A choice read by the core's `FromStr`; its message is the problem.
fn choice<T: FromStr>(flag: &str, text: &str) -> Result<T, FlagError>
where
    T::Err: fmt::Display,
{
    text.trim().parse().map_err(|e: T::Err| error(flag, text, e.to_string(), expected(flag)))
}

/// An optional choice: empty is "the convention's".
fn optional_choice<T: FromStr>(flag: &str, text: &str) -> Result<Option<T>, FlagError>
where
    T::Err: fmt::Display,
{
    if text.trim().is_empty() {
        Ok(None)
    } else {
        choice(flag, text).map(Some)
    }
}

/// An integer; empty gives `None`. The column points at the first character that is not part of
/// an integer.
fn integer<T: FromStr>(flag: &str, text: &str) -> Result<Option<T>, FlagError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    trimmed.parse().map(Some).map_err(|_| {
        let lead = text.len() - text.trim_start().len();
        let bad = trimmed.char_indices().find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+')))).map_or(0, |(i, _)| i);
        let column = text[..lead + bad].chars().count() + 1;
        FlagError { column, ..error(flag, trimmed, "not a whole number in range", expected(flag)) }
    })
}

/// A percentile in (0, 100]; empty gives `None`.
fn percentile(flag: &str, text: &str) -> Result<Option<f64>, FlagError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    match trimmed.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 100.0 => Ok(Some(v)),
        Ok(_) => Err(error(flag, text, "out of range", expected(flag))),
        Err(_) => Err(error(flag, text, "not a number", expected(flag))),
    }
}

/// Applies the flag `name` (with `value`; `None` for a switch) to `options`, as `tool`'s
/// subcommand reads it. A later flag overrides an earlier one (`--narrow-range --no-narrow-range`
/// ends with the full range). An empty value of an optional choice (`--rounding=`) is "the
/// convention's"; an empty integer leaves the option as it was.
pub fn apply(tool: Tool, options: &mut ToolOptions, name: &str, value: Option<&str>) -> Result<(), FlagError> {
    // The values tool's one list is one row: it has no granularity of its own, but a format's
    // (`--granularity per-group --group-size 32`, or a float element's scope) applies to that row.
    let values_format_scope = matches!(tool, Tool::Values | Tool::Files) && name == name::GRANULARITY;
    if !takes(tool, name) && !values_format_scope {
        return Err(error(name, value.unwrap_or(""), format!("not an option of `{}`", subcommand(tool)), "an option of the tool"));
    }
    let text = value.unwrap_or("");
    let spec = &mut options.spec;
    match name {
        name::CONVENTION => spec.convention = choice::<Convention>(name, text)?,
        name::DTYPE => match FloatElement::from_name(&text.trim().to_ascii_lowercase()) {
            // A float element is a format's, not an integer type: kept as given for the format.
            Some(element) => options.format.dtype = Some(element.name().to_string()),
            None => {
                spec.dtype = choice::<Dtype>(name, text)?;
                options.format.dtype = None;
            }
        },
        name::SCHEME => spec.scheme = choice::<Scheme>(name, text)?,
        name::REDUCE_RANGE => spec.reduce_range = true,
        name::NARROW_RANGE => spec.narrow_range = Some(true),
        name::NO_NARROW_RANGE => spec.narrow_range = Some(false),
        name::INCLUDE_ZERO => spec.include_zero = Some(true),
        name::NO_INCLUDE_ZERO => spec.include_zero = Some(false),
        name::CLAMP_ZERO_POINT => spec.clamp_zero_point = Some(true),
        name::NO_CLAMP_ZERO_POINT => spec.clamp_zero_point = Some(false),
        name::ROUNDING => spec.rounding = optional_choice::<Rounding>(name, text)?,
        name::SYMMETRIC_DIVISOR => spec.symmetric_divisor = optional_choice::<SymmetricDivisor>(name, text)?,
        name::SEED => spec.seed = integer(name, text)?.unwrap_or(0),
        name::QUANT_MIN => spec.quant_min = integer(name, text)?,
        name::QUANT_MAX => spec.quant_max = integer(name, text)?,
        name::CALIBRATION => options.calibration.method = choice::<Method>(name, text)?,
        name::PERCENTILE => {
            if let Some(p) = percentile(name, text)? {
                options.calibration.percentile = p;
            }
        }
        name::RANGE => options.range = text.trim().to_string(),
        name::AXIS => options.axis = integer(name, text)?.unwrap_or(0),
        name::GRANULARITY if is_per_group(text) => options.format.granularity = Some("per-group".into()),
        name::GRANULARITY => {
            options.granularity = choice::<Granularity>(name, text)?;
            options.format.granularity = None;
        }
        name::PRESET => {
            let trimmed = text.trim();
            options.format.preset = (!trimmed.is_empty()).then(|| trimmed.to_ascii_lowercase());
        }
        name::GROUP_SIZE => options.format.group_size = integer(name, text)?,
        name::MANUAL => options.param_mode = LineMode::Manual,
        name::VALUES => options.keep_values = true,
        name::NAME => options.tensor_name = text.to_string(),
        _ => return Err(error(name, text, "unknown flag", "an option of the tool")),
    }
    Ok(())
}

fn is_per_group(text: &str) -> bool {
    matches!(text.trim().to_ascii_lowercase().as_str(), "per-group" | "group")
}

/// The format choices of `options` as the core's knobs, when they name a format
/// ([`FormatKnobs::is_format`]: a preset, a group size, per-group or a float element type); `None`
/// for the integer conventions. A preset is given alone (it decides the rest); a float element with
/// its scope; integer groups with the integer type, scheme and convention of `options.spec`.
pub fn format_knobs(options: &ToolOptions) -> Option<FormatKnobs> {
    let f = &options.format;
    if !f.is_format() {
        return None;
    }
    let granularity = Some(f.granularity.clone().unwrap_or_else(|| options.granularity.name().to_string()));
    Some(if f.preset.is_some() {
        FormatKnobs { preset: f.preset.clone(), group_size: f.group_size, ..FormatKnobs::default() }
    } else if f.dtype.is_some() {
        FormatKnobs { dtype: f.dtype.clone(), granularity, group_size: f.group_size, ..FormatKnobs::default() }
    } else {
        FormatKnobs {
            dtype: Some(options.spec.dtype.to_string()),
            scheme: Some(options.spec.scheme.name().to_string()),
            granularity,
            group_size: f.group_size,
            convention: Some(options.spec.convention.name().to_string()),
            ..FormatKnobs::default()
        }
    })
}

/// The format `options` name (`None`: the integer conventions), or the core's refusal of the
/// combination (`--group-size` without per-group, a convention other than PyTorch's for integer
/// groups, ...), as the CLI's format path refuses it.
pub fn format_of(options: &ToolOptions) -> Option<Result<Format, FormatError>> {
    format_knobs(options).map(|k| k.resolve())
}

/// A format's flags ([`Format::knobs`]) as flags of this mapping.
pub fn format_flags(format: &Format) -> Vec<Flag> {
    format
        .knobs()
        .into_iter()
        .filter_map(|(flag, value)| {
            let name = [name::PRESET, name::DTYPE, name::SCHEME, name::GRANULARITY, name::GROUP_SIZE, name::CONVENTION]
                .into_iter()
                .find(|n| flag.strip_prefix("--") == Some(*n))?;
            Some(Flag::valued(name, value))
        })
        .collect()
}

/// The options of `tool`'s subcommand given `flags` (`(name, value)`, in command-line order), from
/// [`defaults`].
pub fn from_flags<'a>(tool: Tool, flags: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Result<ToolOptions, FlagError> {
    let mut options = defaults(tool);
    for (name, value) in flags {
        apply(tool, &mut options, name, value)?;
    }
    Ok(options)
}

/// The flags that give `options` to `tool`'s subcommand: [`from_flags`] of them is `options` again
/// (for every option the subcommand takes). What equals the subcommand's default is left out, but
/// the convention, the integer type and the scheme are always written, so that a reader sees them.
pub fn to_flags(tool: Tool, options: &ToolOptions) -> Vec<Flag> {
    let d = defaults(tool);
    if let Some(knobs) = format_knobs(options) {
        // A format: its own flags (what `quantscope tensor --preset ...` takes), then the tensor's.
        let mut flags = match knobs.resolve() {
            Ok(format) => format_flags(&format),
            // Not a format the core takes: the choices as given, so the command says the same.
            Err(_) => {
                let mut flags = Vec::new();
                let given = [
                    (name::PRESET, knobs.preset.clone()),
                    (name::CONVENTION, knobs.convention.clone()),
                    (name::DTYPE, knobs.dtype.clone()),
                    (name::SCHEME, knobs.scheme.clone()),
                    (name::GRANULARITY, knobs.granularity.clone()),
                    (name::GROUP_SIZE, knobs.group_size.map(|n| n.to_string())),
                ];
                for (flag, value) in given {
                    if let Some(value) = value {
                        flags.push(Flag::valued(flag, value));
                    }
                }
                flags
            }
        };
        if takes(tool, name::VALUES) && options.keep_values {
            flags.push(Flag::switch(name::VALUES));
        }
        if takes(tool, name::NAME) && options.tensor_name != d.tensor_name {
            flags.push(Flag::valued(name::NAME, &options.tensor_name));
        }
        return flags;
    }
    let s = &options.spec;
    let mut flags = vec![
        Flag::valued(name::CONVENTION, s.convention.name()),
        Flag::valued(name::DTYPE, s.dtype),
        Flag::valued(name::SCHEME, s.scheme.name()),
    ];
    if s.reduce_range {
        flags.push(Flag::switch(name::REDUCE_RANGE));
    }
    for (value, on, off) in [
        (s.narrow_range, name::NARROW_RANGE, name::NO_NARROW_RANGE),
        (s.include_zero, name::INCLUDE_ZERO, name::NO_INCLUDE_ZERO),
        (s.clamp_zero_point, name::CLAMP_ZERO_POINT, name::NO_CLAMP_ZERO_POINT),
    ] {
        match value {
            Some(true) => flags.push(Flag::switch(on)),
            Some(false) => flags.push(Flag::switch(off)),
            None => {}
        }
    }
    if let Some(rounding) = s.rounding {
        flags.push(Flag::valued(name::ROUNDING, rounding.name()));
    }
    if s.seed != d.spec.seed {
        flags.push(Flag::valued(name::SEED, s.seed));
    }
    if let Some(divisor) = s.symmetric_divisor {
        flags.push(Flag::valued(name::SYMMETRIC_DIVISOR, divisor.name()));
    }
    if let Some(v) = s.quant_min {
        flags.push(Flag::valued(name::QUANT_MIN, v));
    }
    if let Some(v) = s.quant_max {
        flags.push(Flag::valued(name::QUANT_MAX, v));
    }
    if takes(tool, name::GRANULARITY) && options.granularity != d.granularity {
        flags.push(Flag::valued(name::GRANULARITY, options.granularity.name()));
    }
    if takes(tool, name::AXIS) && options.axis != d.axis {
        flags.push(Flag::valued(name::AXIS, options.axis));
    }
    if takes(tool, name::MANUAL) && options.param_mode == LineMode::Manual {
        flags.push(Flag::switch(name::MANUAL));
    }
    if takes(tool, name::VALUES) && options.keep_values {
        flags.push(Flag::switch(name::VALUES));
    }
    if takes(tool, name::RANGE) && !options.range.trim().is_empty() {
        flags.push(Flag::valued(name::RANGE, options.range.trim()));
    }
    if takes(tool, name::CALIBRATION) && options.calibration.method != d.calibration.method {
        flags.push(Flag::valued(name::CALIBRATION, options.calibration.method.name()));
    }
    if takes(tool, name::PERCENTILE) && options.calibration.percentile.to_bits() != d.calibration.percentile.to_bits() {
        // The shortest text that reads back as the same number.
        flags.push(Flag::valued(name::PERCENTILE, quantscope_export::format_f64(options.calibration.percentile)));
    }
    if takes(tool, name::NAME) && options.tensor_name != d.tensor_name {
        flags.push(Flag::valued(name::NAME, &options.tensor_name));
    }
    flags
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "._-:/=+,".contains(c)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The `quantscope` command line computing `options` with `tool` (the input on standard input),
/// each word quoted for a POSIX shell when it needs it.
pub fn command_line(tool: Tool, options: &ToolOptions) -> String {
    let mut words = vec!["quantscope".to_string(), subcommand(tool).to_string()];
    words.extend(to_flags(tool, options).iter().map(|flag| shell_word(&flag.to_string())));
    words.join(" ")
}

/// The words of a command line written by [`command_line`], unquoted (for tests and tools that
/// run it without a shell): single quotes and `'\''` are undone.
pub fn split_command_line(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            // Outside quotes a backslash takes the next character as it is (`\'`).
            '\\' if !quoted => {
                word.extend(chars.next());
                in_word = true;
            }
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' if !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                }
                in_word = false;
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_core::SpecOptions;

    fn round_trip(tool: Tool, options: &ToolOptions) -> ToolOptions {
        let flags = to_flags(tool, options);
        from_flags(tool, flags.iter().map(|f| (f.name, f.value.as_deref()))).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_option_round_trips() {
        let mut o = ToolOptions {
            spec: SpecOptions {
                convention: Convention::Pytorch,
                dtype: "uint4".parse().unwrap(),
                scheme: Scheme::Symmetric,
                reduce_range: true,
                narrow_range: Some(false),
                include_zero: Some(true),
                clamp_zero_point: Some(false),
                rounding: Some(Rounding::Stochastic),
                symmetric_divisor: Some(SymmetricDivisor::HalfRange),
                quant_min: Some(-8),
                quant_max: Some(7),
                seed: 42,
            },
            granularity: Granularity::PerTensor,
            range: "-1.5:1.5".into(),
            axis: 1,
            tensor_name: "it's w".into(),
            keep_values: true,
            ..ToolOptions::default()
        };
        o.calibration.method = Method::Percentile;
        o.calibration.percentile = 99.25;
        assert_eq!(round_trip(Tool::Tensor, &o), o);
        let manual = ToolOptions { param_mode: LineMode::Manual, range: String::new(), calibration: Default::default(), ..o.clone() };
        assert_eq!(round_trip(Tool::Channels, &manual), manual);
        let values = ToolOptions { granularity: Granularity::PerTensor, axis: 0, ..o };
        assert_eq!(round_trip(Tool::Values, &values), values);
    }

    #[test]
    fn the_command_line_writes_calibration_and_percentile() {
        let mut o = defaults(Tool::Values);
        o.calibration.method = Method::Percentile;
        o.calibration.percentile = 99.9;
        let line = command_line(Tool::Values, &o);
        assert_eq!(
            line,
            "quantscope values --convention=textbook --dtype=qint8 --scheme=affine --calibration=percentile --percentile=99.9"
        );
        let mut o = defaults(Tool::Tensor);
        o.calibration.method = Method::Entropy;
        o.tensor_name = "fc weight".into();
        assert_eq!(
            command_line(Tool::Tensor, &o),
            "quantscope tensor --convention=textbook --dtype=qint8 --scheme=affine --calibration=entropy '--name=fc weight'"
        );
    }

    #[test]
    fn command_lines_split_back_into_their_words() {
        let mut o = defaults(Tool::Tensor);
        o.tensor_name = "it's a 'name'".into();
        let words = split_command_line(&command_line(Tool::Tensor, &o));
        assert_eq!(words.last().map(String::as_str), Some("--name=it's a 'name'"));
        assert_eq!(&words[..2], ["quantscope", "tensor"]);
    }

    #[test]
    fn flags_a_tool_does_not_take_are_refused() {
        let mut o = defaults(Tool::Channels);
        let e = apply(Tool::Channels, &mut o, name::RANGE, Some("-1:1")).unwrap_err();
        assert!(e.problem.contains("channels"), "{e}");
        assert!(apply(Tool::Files, &mut o, name::NAME, Some("w")).is_err());
        assert!(apply(Tool::Values, &mut o, "bogus", None).is_err());
    }

    #[test]
    fn bad_values_are_located() {
        let mut o = defaults(Tool::Tensor);
        let e = apply(Tool::Tensor, &mut o, name::QUANT_MIN, Some("  -8x")).unwrap_err();
        assert_eq!((e.flag.as_str(), e.text.as_str(), e.column), ("quant-min", "-8x", 5));
        let e = apply(Tool::Tensor, &mut o, name::PERCENTILE, Some("101")).unwrap_err();
        assert_eq!(e.problem, "out of range");
        let e = apply(Tool::Tensor, &mut o, name::DTYPE, Some("int99")).unwrap_err();
        assert!(e.problem.contains("99"), "{e}");
    }

    #[test]
    fn switches_are_written_without_a_value() {
        let o = ToolOptions { keep_values: true, param_mode: LineMode::Manual, ..defaults(Tool::Channels) };
        for flag in to_flags(Tool::Channels, &o) {
            assert_eq!(flag.value.is_none(), is_switch(flag.name), "{flag}");
        }
    }

    #[test]
    fn defaults_write_only_the_convention_dtype_and_scheme() {
        for tool in Tool::ALL {
            let flags = to_flags(tool, &defaults(tool));
            assert_eq!(flags.iter().map(|f| f.name).collect::<Vec<_>>(), [name::CONVENTION, name::DTYPE, name::SCHEME], "{tool:?}");
        }
    }

    #[test]
    fn formats_round_trip_through_their_flags() {
        for token in [
            "mxfp4",
            "nf4",
            "q4_1",
            "nvfp4",
            "fp8-e4m3:per-tensor",
            "fp6-e2m3:per-channel",
            "fp4-e2m1:per-group:16",
            "int4-affine:per-group:128",
            "int8:per-group:32",
        ] {
            let format: Format = token.parse().unwrap();
            for tool in [Tool::Tensor, Tool::Values, Tool::Files] {
                let flags = format_flags(&format);
                let o = from_flags(tool, flags.iter().map(|f| (f.name, f.value.as_deref()))).unwrap_or_else(|e| panic!("{token}: {e}"));
                assert_eq!(format_of(&o), Some(Ok(format)), "{token} {tool:?}");
                let again = from_flags(tool, to_flags(tool, &o).iter().map(|f| (f.name, f.value.as_deref()))).unwrap();
                assert_eq!(format_of(&again), Some(Ok(format)), "{token} {tool:?}");
            }
        }
        let o = from_flags(Tool::Tensor, [(name::PRESET, Some("mxfp4")), (name::NAME, Some("w"))]).unwrap();
        assert_eq!(command_line(Tool::Tensor, &o), "quantscope tensor --preset=mxfp4 --name=w");
    }

    #[test]
    fn format_flags_are_refused_as_the_cli_refuses_them() {
        let o = from_flags(Tool::Tensor, [(name::GROUP_SIZE, Some("32"))]).unwrap();
        assert!(matches!(format_of(&o), Some(Err(_))), "--group-size without per-group");
        let o =
            from_flags(Tool::Tensor, [(name::DTYPE, Some("int4")), (name::GRANULARITY, Some("per-group")), (name::GROUP_SIZE, Some("32"))])
                .unwrap();
        assert!(format_of(&o).unwrap().unwrap_err().to_string().contains("pytorch"), "integer groups need the pytorch convention");
        assert_eq!(format_of(&defaults(Tool::Tensor)), None);
        assert!(apply(Tool::Channels, &mut defaults(Tool::Channels), name::PRESET, Some("q4_0")).is_err());
        let e = apply(Tool::Tensor, &mut defaults(Tool::Tensor), name::GROUP_SIZE, Some("3x")).unwrap_err();
        assert_eq!(e.column, 2);
    }
}
