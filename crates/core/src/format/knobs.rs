//! The separate choices a form or a command line offers (preset, element type, scheme, granularity,
//! group size, convention) mapped to one [`Format`] and back: the CLI's flags and the page's fields
//! go through here, so both refuse the same combinations with the same messages.

use super::error::FormatError;
use super::preset::Preset;
use super::token::{FloatElement, Format, IntBits, Scope};
use crate::spec::Scheme;
use serde::{Deserialize, Serialize};

/// The choices as given (`None`: not given).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormatKnobs {
    /// `--preset NAME`.
    pub preset: Option<String>,
    /// `--dtype`: fp8-e4m3, fp8-e5m2, fp6-e3m2, fp6-e2m3, fp4-e2m1, int4 or int8.
    pub dtype: Option<String>,
    /// `--scheme`: symmetric or affine.
    pub scheme: Option<String>,
    /// `--granularity`: per-tensor, per-channel or per-group.
    pub granularity: Option<String>,
    /// `--group-size N`.
    pub group_size: Option<usize>,
    /// `--convention`: only pytorch applies to integer groups.
    pub convention: Option<String>,
}

fn refuse(option: &str, problem: impl Into<String>, expected: impl Into<String>) -> FormatError {
    FormatError::Options { option: option.to_string(), problem: problem.into(), expected: expected.into() }
}

fn norm(s: &Option<String>) -> Option<String> {
    s.as_deref().map(|s| s.trim().to_ascii_lowercase().replace('_', "-"))
}

/// The element name a preset would accept as a matching `--dtype`.
fn preset_element(p: Preset) -> Option<&'static str> {
    match p {
        Preset::Mxfp8E4m3 => Some("fp8-e4m3"),
        Preset::Mxfp8E5m2 => Some("fp8-e5m2"),
        Preset::Mxfp6E3m2 => Some("fp6-e3m2"),
        Preset::Mxfp6E2m3 => Some("fp6-e2m3"),
        Preset::Mxfp4 | Preset::Nvfp4 => Some("fp4-e2m1"),
        Preset::Mxint8 | Preset::Q8_0 => Some("int8"),
        _ => None,
    }
}

/// The scheme a preset is (GGUF `Q*_1` keep a minimum: affine; the rest are symmetric).
fn preset_scheme(p: Preset) -> Scheme {
    if matches!(p, Preset::Q4_1 | Preset::Q5_1) {
        Scheme::Affine
    } else {
        Scheme::Symmetric
    }
}

impl FormatKnobs {
    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        *self == FormatKnobs::default()
    }

    /// Whether these choices ask for a format of this module rather than a plain integer
    /// convention: a preset, a group size, per-group granularity or a float element type.
    pub fn is_format(&self) -> bool {
        let dtype = norm(&self.dtype);
        self.preset.is_some()
            || self.group_size.is_some()
            || norm(&self.granularity).is_some_and(|g| g == "per-group" || g == "group")
            || dtype.is_some_and(|d| FloatElement::from_name(&d).is_some())
    }

    /// The format these choices name, or the first contradiction among them.
    pub fn resolve(&self) -> Result<Format, FormatError> {
        let scheme = match norm(&self.scheme).as_deref() {
            None => None,
            Some("symmetric" | "sym") => Some(Scheme::Symmetric),
            Some("affine" | "asymmetric" | "asym") => Some(Scheme::Affine),
            Some(other) => return Err(refuse("--scheme", format!("unknown scheme `{other}`"), "symmetric or affine")),
        };
        if let Some(name) = norm(&self.preset) {
            let name = name
                .replace("q8-0", "q8_0")
                .replace("q4-0", "q4_0")
                .replace("q4-1", "q4_1")
                .replace("q5-0", "q5_0")
                .replace("q5-1", "q5_1");
            let preset = Preset::ALL
                .into_iter()
                .find(|p| p.name() == name)
                .ok_or_else(|| refuse("--preset", format!("unknown preset `{name}`"), Preset::ALL.map(Preset::name).join(", ")))?;
            if self.group_size.is_some() {
                return Err(refuse(
                    "--group-size",
                    format!("the preset {name} fixes its block size ({})", preset.info().block_size),
                    "no --group-size with --preset",
                ));
            }
            if let Some(g) = norm(&self.granularity) {
                return Err(refuse(
                    "--granularity",
                    format!("the preset {name} fixes its granularity, `{g}` was given"),
                    "no --granularity with --preset",
                ));
            }
            if let Some(d) = norm(&self.dtype) {
                if preset_element(preset) != Some(d.as_str()) {
                    let expected =
                        preset_element(preset).map_or("no --dtype with this preset".to_string(), |e| format!("no --dtype, or {e}"));
                    return Err(refuse("--dtype", format!("the preset {name} conflicts with --dtype {d}"), expected));
                }
            }
            if let Some(s) = scheme {
                if s != preset_scheme(preset) {
                    return Err(refuse(
                        "--scheme",
                        format!("the preset {name} is {}, not {}", preset_scheme(preset).name(), s.name()),
                        format!("no --scheme, or {}", preset_scheme(preset).name()),
                    ));
                }
            }
            return Ok(Format::Preset(preset));
        }
        let scope = match (norm(&self.granularity).as_deref(), self.group_size) {
            (Some("per-group" | "group"), Some(n)) if n >= 1 => Scope::Group(n),
            (Some("per-group" | "group"), Some(_)) => {
                return Err(refuse("--group-size", "a group size of 0", "a group size of at least 1, such as 32, 64 or 128"))
            }
            (Some("per-group" | "group"), None) => {
                return Err(refuse("--granularity", "per-group needs --group-size", "--group-size N, such as 32, 64 or 128"))
            }
            (g, Some(_)) => {
                return Err(refuse(
                    "--group-size",
                    format!("--group-size applies to per-group only, the granularity is {}", g.unwrap_or("per-channel (the default)")),
                    "--granularity per-group with --group-size",
                ))
            }
            (Some("per-tensor" | "tensor"), None) => Scope::Tensor,
            (Some("per-channel" | "channel") | None, None) => Scope::Channel,
            (Some(other), None) => {
                return Err(refuse("--granularity", format!("unknown granularity `{other}`"), "per-tensor, per-channel or per-group"))
            }
        };
        let dtype = norm(&self.dtype).ok_or_else(|| {
            refuse("--dtype", "no element type", "--dtype fp8-e4m3, fp8-e5m2, fp6-e3m2, fp6-e2m3, fp4-e2m1, int4 or int8, or --preset NAME")
        })?;
        if let Some(element) = FloatElement::from_name(&dtype) {
            if scheme == Some(Scheme::Affine) {
                return Err(refuse(
                    "--scheme",
                    format!("the float element type {dtype} cannot be affine"),
                    "--scheme symmetric (float elements have no zero point)",
                ));
            }
            if let Some(c) = norm(&self.convention) {
                if c != "pytorch" {
                    return Err(refuse(
                        "--convention",
                        format!("float elements follow torch/ml_dtypes, not `{c}`"),
                        "no --convention, or pytorch",
                    ));
                }
            }
            return Ok(Format::Float { element, scope });
        }
        let bits = match dtype.as_str() {
            "int4" => IntBits::Int4,
            "int8" | "qint8" => IntBits::Int8,
            other => {
                return Err(refuse(
                    "--dtype",
                    format!("`{other}` has no {} form", if matches!(scope, Scope::Group(_)) { "per-group" } else { "block-format" }),
                    "fp8-e4m3, fp8-e5m2, fp6-e3m2, fp6-e2m3, fp4-e2m1, int4 or int8",
                ))
            }
        };
        if let Some(c) = norm(&self.convention) {
            if c != "pytorch" {
                return Err(refuse(
                    "--convention",
                    format!("integer groups follow PyTorch's observers, not `{c}`"),
                    "--convention pytorch",
                ));
            }
        }
        Ok(Format::Int { bits, scheme: scheme.unwrap_or(Scheme::Symmetric), scope })
    }
}

impl Format {
    /// The knobs that name this format: `--preset NAME`, or `--dtype`, `--scheme`, `--granularity`
    /// (and `--group-size`, and `--convention pytorch` for integers), in the order a command line
    /// writes them. [`FormatKnobs::resolve`] of these gives the format back.
    pub fn knobs(&self) -> Vec<(&'static str, String)> {
        let scope_knobs = |scope: &Scope, out: &mut Vec<(&'static str, String)>| match scope {
            Scope::Tensor => out.push(("--granularity", "per-tensor".into())),
            Scope::Channel => out.push(("--granularity", "per-channel".into())),
            Scope::Group(n) => {
                out.push(("--granularity", "per-group".into()));
                out.push(("--group-size", n.to_string()));
            }
        };
        let mut out = Vec::new();
        match self {
            Format::Preset(p) => out.push(("--preset", p.name().to_string())),
            Format::Float { element, scope } => {
                out.push(("--dtype", element.name().to_string()));
                out.push(("--scheme", "symmetric".into()));
                scope_knobs(scope, &mut out);
            }
            Format::Int { bits, scheme, scope } => {
                out.push(("--convention", "pytorch".into()));
                out.push(("--dtype", bits.name().to_string()));
                out.push(("--scheme", scheme.name().to_string()));
                scope_knobs(scope, &mut out);
            }
        }
        out
    }
}

impl FormatKnobs {
    /// The knobs of a format (the inverse of [`FormatKnobs::resolve`]).
    pub fn of(format: &Format) -> FormatKnobs {
        let mut k = FormatKnobs::default();
        for (flag, value) in format.knobs() {
            match flag {
                "--preset" => k.preset = Some(value),
                "--dtype" => k.dtype = Some(value),
                "--scheme" => k.scheme = Some(value),
                "--granularity" => k.granularity = Some(value),
                "--group-size" => k.group_size = value.parse().ok(),
                _ => k.convention = Some(value),
            }
        }
        k
    }
}
