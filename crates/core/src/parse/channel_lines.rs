//! The channel-line layout (the per-channel calculator's): `channel,min,max,sample[,sample...]`, or
//! `channel,scale,zero_point,sample...` in manual mode.

use super::builder::{ParsedTensor, RowBuilder};
use super::lines::lines;
use super::number::{parse_number, Number, NUMBER};
use crate::analysis::{ManualParams, ParamSource};
use crate::error::ParseError;
use crate::params::RangeInput;
use serde::{Deserialize, Serialize};

/// What the three numbers after the channel name mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineMode {
    /// `channel,min,max,sample...`: a calibration range per channel.
    #[default]
    MinMax,
    /// `channel,scale,zero_point,sample...`: parameters given by hand.
    Manual,
}

/// Parsed channel lines: the samples as a tensor, and the ranges or parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedChannels {
    /// One channel per line, holding that line's samples.
    pub samples: ParsedTensor,
    /// `PerChannelRange` (min/max mode) or `Manual`.
    pub params: ParamSource,
    /// Per line: the 1-based column and text of its two parameter fields (min and max, or scale and zero point).
    pub param_fields: Vec<[(usize, String); 2]>,
}

/// Parses `channel,min,max,sample[,sample...]` lines (or `channel,scale,zero_point,sample...`).
///
/// Fields are separated by commas (or tabs, as pasted from a spreadsheet). A first line whose
/// second field is not a number (a header such as `channel,min,max,sample`) is skipped.
pub fn parse_channel_lines(text: &str, mode: LineMode, name: &str) -> Result<ParsedChannels, ParseError> {
    let mut rows = RowBuilder::default();
    let mut ranges = Vec::new();
    let mut manual = Vec::new();
    let mut param_fields = Vec::new();
    let (first, second) = match mode {
        LineMode::MinMax => ("min", "max"),
        LineMode::Manual => ("scale", "zero_point"),
    };
    let layout = format!("channel,{first},{second},sample");
    let mut header_allowed = true;
    for line in lines(text, 1) {
        if line.text.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut start = 0;
        for (i, c) in line.text.char_indices() {
            if c == ',' || c == '\t' {
                fields.push((start, &line.text[start..i]));
                start = i + 1;
            }
        }
        fields.push((start, &line.text[start..]));
        // Offsets of the trimmed field contents.
        let fields: Vec<(usize, &str)> = fields.into_iter().map(|(at, f)| (at + (f.len() - f.trim_start().len()), f.trim())).collect();
        let was_header_allowed = std::mem::replace(&mut header_allowed, false);
        if was_header_allowed && fields.len() >= 2 && parse_number(fields[1].1).is_none() && fields[1].1.chars().any(char::is_alphabetic) {
            continue;
        }
        if fields.len() < 4 {
            let at = line.text.trim_end().len();
            return Err(line.error(at, line.text.trim(), &format!("{} field(s)", fields.len()), &format!("`{layout}`")));
        }
        let (name_at, channel) = fields[0];
        if channel.is_empty() {
            return Err(line.error(name_at, "", "empty channel name", &format!("`{layout}`")));
        }
        let number = |(at, text): (usize, &str), what: &str| -> Result<Number, ParseError> {
            let n = parse_number(text).ok_or_else(|| line.error(at, text, &format!("{what} is not a number"), NUMBER))?;
            if !n.value.is_finite() {
                return Err(line.error(at, text, &format!("{what} must be finite"), "a finite number"));
            }
            Ok(n)
        };
        match mode {
            LineMode::MinMax => {
                let min = number(fields[1], "min")?;
                let max = number(fields[2], "max")?;
                if min.value > max.value {
                    return Err(line.error(fields[1].0, fields[1].1, "min is greater than max", &format!("min <= max ({})", fields[2].1)));
                }
                ranges.push(RangeInput { min: min.value, max: max.value, min_exact: min.exact, max_exact: max.exact });
            }
            LineMode::Manual => {
                let scale = number(fields[1], "scale")?;
                let (at, zp_text) = fields[2];
                let zero_point = zp_text
                    .strip_prefix('+')
                    .unwrap_or(zp_text)
                    .parse::<i64>()
                    .ok()
                    .filter(|z| z.abs() <= 1 << 40)
                    .ok_or_else(|| line.error(at, zp_text, "zero point is not an integer", "an integer such as 0, -8 or 128"))?;
                manual.push(ManualParams { scale: scale.value, scale_exact: scale.exact, zero_point });
            }
        }
        param_fields.push([1, 2].map(|k| (line.column(fields[k].0), fields[k].1.to_string())));
        rows.open(Some(channel.to_string()), line.number);
        for &(at, text) in &fields[3..] {
            if text.is_empty() {
                return Err(line.error(at, "", "empty sample", NUMBER));
            }
            rows.push_value(&line, text, at)?;
        }
    }
    if rows.names.is_empty() {
        return Err(ParseError::new(1, 1, "", "no channels", format!("lines such as `{layout}`")));
    }
    let params = match mode {
        LineMode::MinMax => ParamSource::PerChannelRange(ranges),
        LineMode::Manual => ParamSource::Manual(manual),
    };
    Ok(ParsedChannels { samples: rows.finish(name), params, param_fields })
}
