//! Reconstruction: the quantizer's transfer curve `x ↦ x̂` as steps over the range, the samples on
//! it, the identity line `x̂ = x`, and the clipping regions shaded.

use crate::common::{self, Axes, Swatch};
use crate::data::{self, Point, Subject, CELLS, MAX_POINTS};
use crate::format::{self, count, num};
use crate::theme::Theme;
use crate::{Area, ChartResult, Drawn};
use plotters::prelude::*;
use quantscope_core::transfer::TransferCurve;

/// Most steps drawn as a staircase; a finer curve is drawn through every k-th corner.
pub const MAX_STEPS: usize = 800;

/// What the chart will draw, computed once for the drawing and the caption.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Axis range, the same on x and x̂ so the identity line is the diagonal.
    pub range: (f64, f64),
    /// The shared transfer curve, if the shown values have one.
    pub curve: Option<TransferCurve>,
    /// The samples drawn.
    pub points: Vec<Point>,
    /// Finite samples in total.
    pub total: usize,
    /// Whether samples were left out (more than [`MAX_POINTS`]: one per pixel cell kept).
    pub thinned: bool,
}

/// Computes the plan: ranges, curve and the samples kept.
pub fn plan(subject: &Subject<'_>) -> Plan {
    let curve = subject.curve();
    let (mut lo, mut hi) = subject.data_range().unwrap_or((-1.0, 1.0));
    if let Some((a, b)) = subject.calibration_range() {
        lo = lo.min(a);
        hi = hi.max(b);
    }
    let range = data::pad(lo, hi, 0.06);
    // Finite values, as the core counted them (no pass over the data for it).
    let total = subject.metrics().count as usize;
    let (points, thinned) = if total <= MAX_POINTS {
        (subject.points().collect(), false)
    } else {
        data::thin_scatter(subject.points(), range, range, |p| (p.x, p.x_hat), CELLS, MAX_POINTS)
    };
    Plan { range, curve, points, total, thinned }
}

/// The text alternative with the key figures (and whether the data was downsampled).
pub fn caption(subject: &Subject<'_>, plan: &Plan) -> String {
    let m = subject.metrics();
    let mut s = format!("Reconstruction of {} ({}): {} values", subject.label(), subject.settings(), count(plan.total as u64));
    match &plan.curve {
        Some(c) if !c.is_degenerate() => {
            s += &format!(
                "; s = {}, z = {}; {} levels from {} to {}",
                num(c.scale),
                c.zero_point,
                count(c.level_count()),
                num(c.level(c.qmin)),
                num(c.level(c.qmax))
            );
            s += &format!(
                "; {} clipped ({}) below {} or above {}",
                count(m.clip_count),
                format::pct(m.clip_rate.unwrap_or(0.0)),
                num(c.clip_below().unwrap_or(f64::NAN)),
                num(c.clip_above().unwrap_or(f64::NAN))
            );
            s += &format!("; max |x̂ − x| = {} (s/2 = {})", format::opt(m.max_error), num(c.scale / 2.0));
        }
        Some(c) => {
            s += &format!("; the scale is {}: every value maps to the zero point's level {}", num(c.scale), num(c.level(c.zero_point)));
        }
        None => {
            s += "; the channels have their own scales, so no single transfer curve is drawn (pick a channel to see it)";
            s += &format!(
                "; {} clipped ({}); max |x̂ − x| = {}",
                count(m.clip_count),
                format::pct(m.clip_rate.unwrap_or(0.0)),
                format::opt(m.max_error)
            );
        }
    }
    if plan.thinned {
        s += &format!(
            ". Downsampled: {} of {} samples drawn (one per pixel cell).",
            count(plan.points.len() as u64),
            count(plan.total as u64)
        );
    } else {
        s += ". Every sample drawn.";
    }
    s
}

/// Draws the reconstruction chart of `subject` (computes the [`plan`] first).
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, subject: &Subject<'_>, theme: &Theme) -> ChartResult<Drawn, DB> {
    draw_plan(area, subject, &plan(subject), theme)
}

/// Draws the chart from a plan computed before (redraws on resize or theme change need no new pass over the data).
pub fn draw_plan<DB: DrawingBackend>(area: &Area<DB>, subject: &Subject<'_>, plan: &Plan, theme: &Theme) -> ChartResult<Drawn, DB> {
    let title = format!("Reconstruction · {}", subject.label());
    if !subject.has_elements() || subject.is_empty() {
        let caption = format!("Reconstruction of {}: no per-element results to draw.", subject.label());
        return common::nothing(area, theme, &title, "no per-element results", caption);
    }
    let (lo, hi) = plan.range;
    let (clipped, kept): (Vec<&Point>, Vec<&Point>) = plan.points.iter().partition(|p| p.clipped);
    let clip_count = subject.metrics().clip_count;

    // Clipping regions.
    let shade = theme.clip.mix(0.12);
    let mut regions = Vec::new();
    if let Some(c) = &plan.curve {
        if let Some(b) = c.clip_below().filter(|b| *b > lo) {
            regions.push(Rectangle::new([(lo, lo), (b.min(hi), hi)], shade.filled()));
        }
        if let Some(a) = c.clip_above().filter(|a| *a < hi) {
            regions.push(Rectangle::new([(a.max(lo), lo), (hi, hi)], shade.filled()));
        }
    }

    let mut legend = Vec::new();
    if let Some(c) = &plan.curve {
        legend.push(common::entry(
            Swatch::Line(theme.curve, 2.0),
            if c.is_degenerate() {
                format!("transfer curve (s = {})", num(c.scale))
            } else {
                format!("transfer curve x̂ = (q − z)·s, s = {}, z = {}", num(c.scale), c.zero_point)
            },
        ));
    }
    let unclipped = plan.total as u64 - clip_count.min(plan.total as u64);
    legend.push(common::entry(
        Swatch::Dot(theme.primary),
        if plan.thinned {
            format!("samples ({} drawn of {})", count(kept.len() as u64), count(unclipped))
        } else {
            format!("samples ({})", count(unclipped))
        },
    ));
    if clip_count > 0 {
        legend.push(common::entry(Swatch::Dot(theme.clip), format!("clipped samples ({})", count(clip_count))));
    }
    if !regions.is_empty() {
        legend.push(common::entry(Swatch::Box(shade), "clipping region"));
    }
    legend.push(common::entry(Swatch::Dashed(theme.muted), "identity x̂ = x"));

    let axes = Axes::new(&title, plan.range, plan.range, "x, original value", "x̂, dequantized value");
    let mut chart = common::chart(area, theme, &axes, &legend)?;
    let mut primitives = regions.len();
    chart.draw_series(regions)?;

    // Identity line, dashed.
    let dash = (hi - lo) / 120.0;
    let identity = ShapeStyle::from(theme.muted).stroke_width(theme.px(1.0));
    chart.draw_series((0..120).step_by(2).map(|i| {
        let a = lo + i as f64 * dash;
        PathElement::new(vec![(a, a), (a + dash, a + dash)], identity)
    }))?;
    primitives += 60;

    // Transfer curve.
    if let Some(c) = &plan.curve {
        let steps = c.steps(lo, hi);
        let stride = steps.len().div_ceil(MAX_STEPS).max(1);
        let mut path = Vec::with_capacity(2 * steps.len() / stride + 2);
        for (i, st) in steps.iter().enumerate() {
            if stride == 1 {
                path.push((st.x_start, st.x_hat));
                path.push((st.x_end, st.x_hat));
            } else if i % stride == 0 || i + 1 == steps.len() {
                path.push((st.x_start, st.x_hat));
                if i + 1 == steps.len() {
                    path.push((st.x_end, st.x_hat));
                }
            }
        }
        primitives += 1;
        chart.draw_series(std::iter::once(PathElement::new(path, ShapeStyle::from(theme.curve).stroke_width(theme.px(2.0)))))?;
    }

    // Samples: unclipped dots, clipped ones in the clip colour.
    let r = theme.px(if plan.total <= 200 { 3.5 } else { 2.0 });
    primitives += plan.points.len();
    chart.draw_series(kept.iter().map(|p| Circle::new((p.x, p.x_hat), r, theme.primary.mix(0.85).filled())))?;
    chart.draw_series(clipped.iter().map(|p| Circle::new((p.x, p.x_hat), r, theme.clip.filled())))?;
    let frame = common::frame(&chart, plan.range, plan.range, false);
    Ok(Drawn { caption: caption(subject, plan), frame: Some(frame), primitives })
}
