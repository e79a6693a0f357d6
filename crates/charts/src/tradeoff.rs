//! Bits per weight against SQNR: what the format charts ([`crate::format_sweep`], [`crate::pareto`]) share:
//! a format's result as plain data, the Pareto frontier, and labels placed so they do not overlap.

use crate::common::{self, Chart, Marker};
use crate::data;
use crate::format;
use crate::theme::Theme;
use crate::ChartResult;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use quantscope_core::compare;

/// One format's result over some values (a tensor, or the whole model).
///
/// The page and the PDF fill it from the compare results (`quantscope compare --format json`:
/// `results[].format`, `bits_per_weight`, `sqnr_db`; a result with a reason instead of numbers has
/// `sqnr_db: None` and the reason in `note`; the `From` conversions of the core's compare results do it),
/// or from one analysis per format of the Tensor tool.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatResult {
    /// The format's name as the CLI spells it (`q4_0`, `mxfp4`, `int4:per-group:128`).
    pub format: String,
    /// Bits per weight, stored scales included (formats.md §0).
    pub bits_per_weight: f64,
    /// SQNR in dB (`+∞` when lossless; `None`: not computed, e.g. the format cannot take the tensor).
    pub sqnr_db: Option<f64>,
    /// Why there is no SQNR (`row length 100 is not a multiple of 32`).
    pub note: Option<String>,
}

impl FormatResult {
    /// A result with numbers.
    pub fn new(format: impl Into<String>, bits_per_weight: f64, sqnr_db: f64) -> Self {
        FormatResult { format: format.into(), bits_per_weight, sqnr_db: Some(sqnr_db), note: None }
    }

    /// A format that could not take the values, and why.
    pub fn not_applicable(format: impl Into<String>, bits_per_weight: f64, reason: impl Into<String>) -> Self {
        FormatResult { format: format.into(), bits_per_weight, sqnr_db: None, note: Some(reason.into()) }
    }

    /// Whether it has a point to draw (finite bits per weight and an SQNR that is not NaN).
    pub fn drawable(&self) -> bool {
        data::plottable(self.bits_per_weight) && self.sqnr_db.is_some_and(sqnr_plottable)
    }
}

/// A format's result on one tensor of `quantscope compare` (a refused one: no SQNR, its reason as the note, NaN bits).
impl From<&compare::FormatResult> for FormatResult {
    fn from(r: &compare::FormatResult) -> Self {
        match &r.outcome {
            compare::Outcome::Measured(m) => {
                FormatResult { format: r.format.clone(), bits_per_weight: m.bits_per_weight, sqnr_db: m.sqnr_db, note: None }
            }
            compare::Outcome::Refused { reason } => FormatResult::not_applicable(r.format.clone(), f64::NAN, reason.clone()),
        }
    }
}

/// A format's total over a model (`Σ bits / Σ n` and `10·log10(Σ signal / Σ sse)` over the tensors it took).
impl From<&compare::FormatTotal> for FormatResult {
    fn from(t: &compare::FormatTotal) -> Self {
        let note = (t.refused > 0).then(|| format!("{} tensors it could not take are left out", t.refused));
        FormatResult { format: t.format.clone(), bits_per_weight: t.bits_per_weight, sqnr_db: t.sqnr_db, note }
    }
}

/// The Pareto frontier of `(bits per weight, SQNR)` points: the indices of those no other point beats
/// (fewer or as many bits and a higher SQNR, or fewer bits and as high an SQNR), in increasing bits per
/// weight. Points that are not [`FormatResult::drawable`] are left out; `+∞` dB counts as the highest.
pub fn frontier(results: &[FormatResult]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..results.len()).filter(|&i| results[i].drawable()).collect();
    let sqnr = |i: usize| results[i].sqnr_db.unwrap_or(f64::NEG_INFINITY);
    // By bits ascending, then SQNR descending: a point is on the frontier when it beats every point before it.
    order.sort_by(|&a, &b| results[a].bits_per_weight.total_cmp(&results[b].bits_per_weight).then(sqnr(b).total_cmp(&sqnr(a))));
    let mut best = f64::NEG_INFINITY;
    let mut out = Vec::new();
    for i in order {
        if sqnr(i) > best {
            best = sqnr(i);
            out.push(i);
        }
    }
    out
}

/// Whether an SQNR can be drawn: `±∞` (at the plot's edge) or a [`data::plottable`] number; not NaN.
pub fn sqnr_plottable(v: f64) -> bool {
    v.is_infinite() || data::plottable(v)
}

/// The y range for SQNR values (finite ones; a little room above for `∞` marks and labels).
pub(crate) fn sqnr_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.filter(|v| data::plottable(*v)).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return (0.0, 60.0);
    }
    let span = (hi - lo).max(6.0);
    ((lo - span * 0.12).min(lo.max(0.0)), hi + span * 0.2)
}

/// The x range for bits per weight (with room for labels at both ends).
pub(crate) fn bits_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.filter(|v| data::plottable(*v)).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return (0.0, 16.0);
    }
    let span = (hi - lo).max(1.0);
    ((lo - span * 0.08).max(0.0), hi + span * 0.14)
}

/// An SQNR on the plot: `+∞` drawn at the top edge, `−∞` at the bottom.
pub(crate) fn plotted(v: f64, y: (f64, f64)) -> f64 {
    if v == f64::INFINITY {
        y.1 - (y.1 - y.0) * 0.04
    } else if v == f64::NEG_INFINITY {
        y.0
    } else {
        v
    }
}

/// `q4_0 · 4.5 bpw · 23.41 dB`.
pub(crate) fn point_label(r: &FormatResult) -> String {
    format!("{} · {} bpw · {}", r.format, format::sig(r.bits_per_weight, 4), format::db(r.sqnr_db))
}

/// A text box in backend pixels: left, top, right, bottom.
type TextBox = (i32, i32, i32, i32);

fn overlaps(a: TextBox, b: TextBox) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// A label to place beside a point.
pub(crate) struct Label {
    /// The point (data coordinates).
    pub at: (f64, f64),
    /// The whole label (`q4_0 · 4.5 bpw · 17.25 dB`).
    pub full: String,
    /// What is written when the whole label finds no free place (the format's name).
    pub short: String,
    /// Its colour.
    pub color: RGBColor,
}

/// Places around a point, nearest first: right, above, below, left, then rows further up and down on
/// either side (joined to the point by a thin leader line). `(dx, dy)` from the point to the label's anchor.
fn places(gap: i32, row: i32) -> Vec<(i32, i32, HPos, VPos)> {
    let mut out = vec![
        (gap, 0, HPos::Left, VPos::Center),
        (0, -gap, HPos::Center, VPos::Bottom),
        (0, gap, HPos::Center, VPos::Top),
        (-gap, 0, HPos::Right, VPos::Center),
    ];
    for k in 1..=8 {
        for (dx, h) in [(gap, HPos::Left), (-gap, HPos::Right)] {
            out.push((dx, -k * row, h, VPos::Center));
            out.push((dx, k * row, h, VPos::Center));
        }
    }
    out
}

/// Writes labels beside points so that they overlap neither each other nor the points: for each, the
/// first free place (see [`places`]) for its whole text, else for its short text; the first place inside
/// the plot when none is free. A label set more than a row away gets a leader line. Returns the backend
/// boxes of the labels.
pub(crate) fn place_labels<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    theme: &Theme,
    labels: &[Label],
    marker_r: i32,
) -> ChartResult<Vec<TextBox>, DB> {
    let area = chart.plotting_area();
    let (px, py) = area.get_pixel_range();
    let plot: TextBox = (px.start, py.start, px.end, py.end);
    let anchors: Vec<(i32, i32)> = labels.iter().map(|l| chart.backend_coord(&l.at)).collect();
    let mut taken: Vec<TextBox> = anchors.iter().map(|&(x, y)| (x - marker_r, y - marker_r, x + marker_r, y + marker_r)).collect();
    let mut placed = Vec::with_capacity(labels.len());
    let gap = marker_r + theme.px(3.0) as i32;
    let inside = |b: &TextBox| b.0 >= plot.0 && b.2 <= plot.2 && b.1 >= plot.1 && b.3 <= plot.3;
    for (label, &(ax, ay)) in labels.iter().zip(&anchors) {
        let style = common::text(theme, 11.0, &label.color);
        let mut fallback = None;
        let mut choice = None;
        for text in [&label.full, &label.short] {
            let (w, h) = chart.plotting_area().estimate_text_size(text, &style)?;
            let (w, h) = (w as i32, h as i32);
            let boxed = |&(dx, dy, hp, vp): &(i32, i32, HPos, VPos)| {
                let left = match hp {
                    HPos::Left => ax + dx,
                    HPos::Center => ax + dx - w / 2,
                    HPos::Right => ax + dx - w,
                };
                let top = match vp {
                    VPos::Top => ay + dy,
                    VPos::Center => ay + dy - h / 2,
                    VPos::Bottom => ay + dy - h,
                };
                (left, top, left + w, top + h)
            };
            let candidates = places(gap, h + theme.px(2.0) as i32);
            if let Some(p) = candidates.iter().find(|p| inside(&boxed(p)) && taken.iter().all(|t| !overlaps(*t, boxed(p)))) {
                choice = Some((text, *p, boxed(p)));
                break;
            }
            if fallback.is_none() {
                fallback = candidates.iter().find(|p| inside(&boxed(p))).map(|p| (text, *p, boxed(p)));
            }
        }
        let Some((text, (dx, dy, hp, vp), b)) = choice.or(fallback) else { continue };
        taken.push(b);
        placed.push(b);
        if dy.abs() > gap {
            let leader = ShapeStyle::from(label.color.mix(0.6)).stroke_width(theme.px(1.0));
            chart.draw_series(std::iter::once(EmptyElement::at(label.at) + PathElement::new(vec![(0, 0), (dx, dy)], leader)))?;
        }
        // A veil of the background under the text keeps it readable over lines and points.
        let veil = [(b.0 - ax - 2, b.1 - ay - 1), (b.2 - ax + 2, b.3 - ay + 1)];
        chart.draw_series(std::iter::once(EmptyElement::at(label.at) + Rectangle::new(veil, theme.background.mix(0.8).filled())))?;
        chart.draw_series(std::iter::once(EmptyElement::at(label.at) + Text::new(text.clone(), (dx, dy), style.pos(Pos::new(hp, vp)))))?;
    }
    Ok(placed)
}

/// Each format's colour and marker, by its first appearance in `formats` (so a format keeps them across charts
/// drawn from the same list).
pub(crate) fn look(theme: &Theme, index: usize) -> (RGBColor, Marker) {
    (theme.categories[index % theme.categories.len()], Marker::nth(index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::Axes;
    use crate::recording::RecordingBackend;

    #[test]
    fn labels_of_crowded_points_do_not_overlap() {
        // Five formats within half a bit and a few dB of each other, as q4_0, nf4, nvfp4, mxfp4 and q4_1 are.
        let points = [(4.25, 16.0), (4.5, 17.2), (4.5, 18.9), (4.5005, 19.4), (5.0, 19.0)];
        let theme = Theme::light();
        let backend = RecordingBackend::new(900, 480);
        let area = backend.into_drawing_area();
        let axes = Axes::new("t", (3.5, 9.0), (0.0, 45.0), "bits", "dB");
        let mut chart = common::chart(&area, &theme, &axes, &[]).unwrap();
        let labels: Vec<_> = points
            .iter()
            .map(|&at| Label { at, full: format!("format at {} bpw · {} dB", at.0, at.1), short: "format".into(), color: theme.primary })
            .collect();
        let boxes = place_labels(&mut chart, &theme, &labels, 6).unwrap();
        assert_eq!(boxes.len(), 5);
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(!overlaps(*a, *b), "{a:?} overlaps {b:?}");
            }
        }
    }
}
