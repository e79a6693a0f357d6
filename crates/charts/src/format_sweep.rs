//! Bits per weight vs SQNR over formats: one labelled point per format (int8/int4 per channel, int4 in
//! groups, FP8, MXFP4, NVFP4, NF4, Q4_0, Q8_0, ...) for one tensor, the chosen format highlighted, the
//! Pareto frontier (the formats no other beats on both) joined by a line. It replaces the bit-width
//! sweep when a format is chosen: the question is no longer "how many bits" but "which format".
//!
//! The page fills [`FormatSweep`] with one analysis per format of the same values (each result's
//! `bits_per_weight` and `summary.metrics.sqnr_db`), or from `quantscope compare` results for one tensor
//! ([`FormatSweep::from_tensor`]).

use crate::common::{self, Axes, Swatch};
use crate::format::{self, count};
use crate::theme::Theme;
use crate::tradeoff::{self, FormatResult, Label};
use crate::{Area, ChartResult, Drawn};
use plotters::prelude::*;
use quantscope_core::compare::TensorCompare;

/// The formats' results over one tensor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormatSweep {
    /// What the values are (`blk.0.attn_q.weight`).
    pub label: String,
    /// One result per format, in the order the formats are listed (each keeps its colour and marker).
    pub results: Vec<FormatResult>,
    /// The format chosen in the tool (highlighted), by name.
    pub chosen: Option<String>,
}

impl FormatSweep {
    /// One tensor of a compare report (`quantscope_core::compare::measure`, or the CLI's `compare` JSON), every
    /// format in the report's order, `chosen` highlighted.
    pub fn from_tensor(tensor: &TensorCompare, chosen: Option<&str>) -> Self {
        FormatSweep {
            label: tensor.name.clone(),
            results: tensor.results.iter().map(FormatResult::from).collect(),
            chosen: chosen.map(str::to_string),
        }
    }

    /// The chosen format's index in `results`.
    pub fn chosen_index(&self) -> Option<usize> {
        let name = self.chosen.as_deref()?;
        self.results.iter().position(|r| r.format == name)
    }
}

/// The text alternative: every format's bits per weight and SQNR, the chosen one, the frontier, the formats
/// that could not take the values and why.
pub fn caption(sweep: &FormatSweep) -> String {
    let drawable: Vec<&FormatResult> = sweep.results.iter().filter(|r| r.drawable()).collect();
    let mut s = format!("Bits per weight vs SQNR of {} over {} formats", sweep.label, count(sweep.results.len() as u64));
    if !drawable.is_empty() {
        let points: Vec<String> =
            drawable.iter().map(|r| format!("{} {} bpw {}", r.format, format::sig(r.bits_per_weight, 4), format::db(r.sqnr_db))).collect();
        s += &format!(": {}", points.join(", "));
    }
    if let Some(i) = sweep.chosen_index() {
        let r = &sweep.results[i];
        s += &format!("; chosen {} ({} bpw, {})", r.format, format::sig(r.bits_per_weight, 4), format::db(r.sqnr_db));
    }
    let front: Vec<&str> = tradeoff::frontier(&sweep.results).into_iter().map(|i| sweep.results[i].format.as_str()).collect();
    if !front.is_empty() {
        s += &format!("; Pareto frontier (no other format has fewer bits and a higher SQNR): {}", front.join(", "));
    }
    let na: Vec<String> = sweep
        .results
        .iter()
        .filter(|r| !r.drawable())
        .map(|r| match &r.note {
            Some(n) => format!("{} ({n})", r.format),
            None => r.format.clone(),
        })
        .collect();
    if !na.is_empty() {
        s += &format!("; not drawn: {}", na.join(", "));
    }
    s += ".";
    s
}

/// Draws the chart.
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, sweep: &FormatSweep, theme: &Theme) -> ChartResult<Drawn, DB> {
    let title = format!("Bits per weight vs SQNR over formats · {}", sweep.label);
    let drawable: Vec<usize> = (0..sweep.results.len()).filter(|&i| sweep.results[i].drawable()).collect();
    if drawable.is_empty() {
        return common::nothing(area, theme, &title, "no format could be computed", caption(sweep));
    }
    let x = tradeoff::bits_range(drawable.iter().map(|&i| sweep.results[i].bits_per_weight));
    let y = tradeoff::sqnr_range(drawable.iter().filter_map(|&i| sweep.results[i].sqnr_db));
    let front = tradeoff::frontier(&sweep.results);
    let chosen = sweep.chosen_index().filter(|i| drawable.contains(i));
    let mut legend = vec![common::entry(Swatch::Line(theme.muted, 1.5), "Pareto frontier (no format has fewer bits and more SQNR)")];
    if let Some(i) = chosen {
        legend.push(common::entry(
            Swatch::Marker(theme.foreground, tradeoff::look(theme, i).1),
            format!("chosen: {}", sweep.results[i].format),
        ));
    }
    let skipped = sweep.results.len() - drawable.len();
    if skipped > 0 {
        let names: Vec<&str> = sweep.results.iter().filter(|r| !r.drawable()).map(|r| r.format.as_str()).collect();
        legend.push(common::entry(Swatch::Hatch(theme.grid, theme.muted), format!("n/a: {}", names.join(", "))));
    }
    let mut axes = Axes::new(&title, x, y, "bits per weight (scales included)", "SQNR (dB), higher is better");
    axes.x_labels = 10;
    let mut chart = common::chart(area, theme, &axes, &legend)?;
    let at = |i: usize| {
        let r = &sweep.results[i];
        (r.bits_per_weight, tradeoff::plotted(r.sqnr_db.unwrap_or(f64::NAN), y))
    };
    let mut primitives = 0;
    if front.len() >= 2 {
        let style = ShapeStyle::from(theme.muted).stroke_width(theme.px(1.5));
        chart.draw_series(std::iter::once(PathElement::new(front.iter().map(|&i| at(i)).collect::<Vec<_>>(), style)))?;
        primitives += 1;
    }
    let r = theme.px(4.5) as i32;
    for &i in &drawable {
        let (color, marker) = tradeoff::look(theme, i);
        if Some(i) == chosen {
            // A ring around the chosen point, then the point itself, larger.
            let ring = ShapeStyle::from(theme.foreground).stroke_width(theme.px(2.0));
            chart.draw_series(std::iter::once(EmptyElement::at(at(i)) + Circle::new((0, 0), r * 2 + 2, ring)))?;
            common::draw_marker(&mut chart, at(i), (0, 0), marker, r + r / 2, color.filled())?;
        } else {
            common::draw_marker(&mut chart, at(i), (0, 0), marker, r, color.filled())?;
        }
        primitives += 1;
    }
    let labels: Vec<Label> = drawable
        .iter()
        .map(|&i| {
            let r = &sweep.results[i];
            let (full, short) = if Some(i) == chosen {
                (format!("{} · chosen", tradeoff::point_label(r)), format!("{} · chosen", r.format))
            } else {
                (tradeoff::point_label(r), r.format.clone())
            };
            Label { at: at(i), full, short, color: tradeoff::look(theme, i).0 }
        })
        .collect();
    tradeoff::place_labels(&mut chart, theme, &labels, r * 2 + 2)?;
    let frame = common::frame(&chart, x, y, false);
    Ok(Drawn { caption: caption(sweep), frame: Some(frame), primitives })
}
