//! Histogram of values against a format's real grid: the representable values of the element type
//! (E2M1, E4M3, E5M2, E3M2, E2M3, NF4, bitsandbytes FP4, or integer codes), times the block's scale, drawn
//! as vertical lines, so a non-uniform grid shows where it is dense (near zero for FP4, FP8 and NF4) and
//! where it is sparse. Values beyond the outermost grid points saturate to them: they are counted as
//! clipped, drawn in the clip colour over a shaded region and labelled in %.
//!
//! The input is plain data ([`GridValues`]) so the chart does not depend on how a format is computed.
//! How the page and the PDF fill it:
//! - the grid is the core's `Format::element().grid()` (`quantscope_core::format`);
//! - one block (or a per-tensor / per-channel float scale): `values` are the block's original values,
//!   `grid` the element type's table (e.g. E2M1: ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}, formats.md §3; NF4: the 16
//!   values of formats.md §5), `scale` the block's scale as dequantization uses it (MX: `2^e`; NVFP4:
//!   `pts·s8`; NF4: `absmax`; GGUF Q4_0: `f16(d)` with the codes' table −8..7), `units` [`Units::Original`];
//! - a whole tensor with one scale per block: `values` are each value divided by its block's scale,
//!   `scale` 1 and `units` [`Units::PerBlockScale`], so every block lands on the same grid.

use crate::common::{self, Axes, Swatch};
use crate::data;
use crate::format::{self, count, num};
use crate::theme::Theme;
use crate::{Area, ChartResult, Drawn};
use plotters::prelude::*;

/// Most grid lines drawn: at most one per `1 / MAX_FORMAT_GRID_LINES` of the x axis (a dense grid, such
/// as E4M3's near zero, then reads as a solid band, which is what it is at that zoom).
pub const MAX_FORMAT_GRID_LINES: usize = 400;

/// What the x axis counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Units {
    /// The values as given (one block, or one scale for all of them).
    #[default]
    Original,
    /// Each value divided by its own block's scale (a whole tensor of blocks on one grid).
    PerBlockScale,
}

/// The values and the format's grid.
#[derive(Clone, Copy, Debug)]
pub struct GridValues<'a> {
    /// What the values are (`block 3 of blk.0.ffn_up.weight`, `conv1.weight`), for the title and caption.
    pub label: &'a str,
    /// The format (`MXFP4: E2M1 × E8M0 scale, 32 per block`).
    pub format: &'a str,
    /// The values (non-finite ones are left out and not counted).
    pub values: &'a [f64],
    /// The element type's representable values before scaling, in any order (duplicates such as ±0 and
    /// non-finite entries are ignored).
    pub grid: &'a [f64],
    /// The scale the grid is multiplied by (may be negative, as GGUF Q4_0's `d`; 1 when the values are
    /// already divided by their block scale).
    pub scale: f64,
    /// What x counts.
    pub units: Units,
}

/// What the chart will draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The x range.
    pub x: (f64, f64),
    /// The bins' range.
    pub bins: (f64, f64),
    /// Values per bin that lie on the grid's span (between its outermost points).
    pub inside: Vec<u64>,
    /// Clipped values per bin (beyond the outermost points).
    pub clipped_bins: Vec<u64>,
    /// The scaled grid points, ascending, distinct.
    pub points: Vec<f64>,
    /// The scaled grid points drawn (at most one per [`MAX_FORMAT_GRID_LINES`]-th of the axis).
    pub drawn: Vec<f64>,
    /// Smallest and largest spacing between neighbouring scaled grid points (`None` below two points).
    pub spacing: Option<(f64, f64)>,
    /// Finite values.
    pub total: u64,
    /// Values below the lowest grid point and above the highest.
    pub clipped: (u64, u64),
}

impl Plan {
    /// The outermost grid points (the saturation thresholds).
    pub fn ends(&self) -> Option<(f64, f64)> {
        Some((*self.points.first()?, *self.points.last()?))
    }

    /// Whether the grid's spacing is uniform (relative difference below 1e-9), as integer codes are.
    pub fn uniform(&self) -> bool {
        self.spacing.is_none_or(|(a, b)| (b - a) <= 1e-9 * b.abs())
    }
}

/// Computes the plan: the scaled grid, the bins and the clipped counts.
pub fn plan(input: &GridValues<'_>) -> Plan {
    let scale = if data::plottable(input.scale) { input.scale } else { 1.0 };
    let mut points: Vec<f64> = input.grid.iter().map(|g| g * scale).filter(|v| data::plottable(*v)).map(|v| v + 0.0).collect();
    points.sort_by(f64::total_cmp);
    points.dedup();
    let spacing = points
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(None, |acc: Option<(f64, f64)>, d| Some(acc.map_or((d, d), |(a, b)| (a.min(d), b.max(d)))));
    let finite = || input.values.iter().copied().filter(|v| data::plottable(*v));
    let total = finite().count() as u64;
    let data = finite().fold(None, |acc: Option<(f64, f64)>, v| Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v)))));
    let ends = points.first().copied().zip(points.last().copied());
    // Bins over the data (a unit around a single value); the x range holds the bins and the grid's ends.
    let bins = data.map(|(a, b)| if b > a { (a, b) } else { data::pad(a, a, 0.0) });
    let (mut lo, mut hi) = bins.or(ends).unwrap_or((-1.0, 1.0));
    if let Some((a, b)) = ends {
        lo = lo.min(a);
        hi = hi.max(b);
    }
    let x = data::pad(lo, hi, 0.05);
    let bins = bins.unwrap_or(x);
    let n = data::bin_count(total as usize);
    let beyond = |v: f64| ends.is_some_and(|(a, b)| v < a || v > b);
    let inside = data::histogram(finite().filter(|v| !beyond(*v)), bins.0, bins.1, n);
    let clipped_bins = data::histogram(finite().filter(|v| beyond(*v)), bins.0, bins.1, n);
    let clipped = ends.map_or((0, 0), |(a, b)| (finite().filter(|v| *v < a).count() as u64, finite().filter(|v| *v > b).count() as u64));
    let cell = (x.1 - x.0) / MAX_FORMAT_GRID_LINES as f64;
    let mut drawn: Vec<f64> = Vec::new();
    for &p in points.iter().filter(|p| **p >= x.0 && **p <= x.1) {
        if drawn.last().is_none_or(|last| p - last >= cell) {
            drawn.push(p);
        }
    }
    Plan { x, bins, inside, clipped_bins, points, drawn, spacing, total, clipped }
}

fn x_title(input: &GridValues<'_>) -> &'static str {
    match input.units {
        Units::Original => "x, original value",
        Units::PerBlockScale => "x / block scale",
    }
}

fn grid_label(input: &GridValues<'_>, plan: &Plan) -> String {
    let kind = if plan.uniform() { "uniform" } else { "non-uniform" };
    let scale = match input.units {
        Units::Original => format!(" × scale {}", num(input.scale)),
        Units::PerBlockScale => String::new(),
    };
    let shown = if plan.drawn.len() < plan.points.len() {
        format!(
            ", {} of {} lines drawn (at most one per 1/{MAX_FORMAT_GRID_LINES} of the axis)",
            count(plan.drawn.len() as u64),
            count(plan.points.len() as u64)
        )
    } else {
        String::new()
    };
    format!("grid{scale}: {} representable values, {kind}{shown}", count(plan.points.len() as u64))
}

/// The text alternative: the format, the grid (its size, spacing, ends), the values and the clipped mass.
pub fn caption(input: &GridValues<'_>, plan: &Plan) -> String {
    let frac = |n: u64| if plan.total > 0 { n as f64 / plan.total as f64 } else { 0.0 };
    let mut s = format!(
        "Histogram of {} on the {} grid ({}): {} values in {} bins from {} to {}",
        input.label,
        input.format,
        x_title(input),
        count(plan.total),
        plan.inside.len(),
        num(plan.bins.0),
        num(plan.bins.1)
    );
    s += &format!("; {}", grid_label(input, plan));
    if let (Some((a, b)), Some((lo, hi))) = (plan.ends(), plan.spacing) {
        s += &format!("; grid from {} to {}, spacing {} to {}", num(a), num(b), num(lo), num(hi));
    }
    let clipped = plan.clipped.0 + plan.clipped.1;
    s += &format!(
        "; clipped (saturated to the outermost grid point) {} ({} values: {} below, {} above)",
        format::pct(frac(clipped)),
        count(clipped),
        format::pct(frac(plan.clipped.0)),
        format::pct(frac(plan.clipped.1))
    );
    s += ". Binned: every value counted.";
    s
}

/// Draws the histogram on the format's grid (computes the [`plan`] first).
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, input: &GridValues<'_>, theme: &Theme) -> ChartResult<Drawn, DB> {
    draw_plan(area, input, &plan(input), theme)
}

/// Draws the chart from a plan computed before.
pub fn draw_plan<DB: DrawingBackend>(area: &Area<DB>, input: &GridValues<'_>, plan: &Plan, theme: &Theme) -> ChartResult<Drawn, DB> {
    let title = format!("Values on the {} grid · {}", input.format, input.label);
    if plan.total == 0 {
        let caption = format!("Histogram of {} on the {} grid: no values to count.", input.label, input.format);
        return common::nothing(area, theme, &title, "no values to count", caption);
    }
    let peak = plan.inside.iter().zip(&plan.clipped_bins).map(|(a, b)| a + b).max().unwrap_or(1).max(1) as f64;
    let y = (0.0, peak * 1.16);
    let (x0, x1) = plan.x;
    let frac = |n: u64| n as f64 / plan.total as f64;
    let bar = theme.primary.mix(0.7);
    let clip_bar = theme.clip.mix(0.85);
    let shade = theme.clip.mix(0.10);
    let ends = plan.ends();
    let mut regions = Vec::new();
    if let Some((a, b)) = ends {
        if a > x0 {
            regions.push(Rectangle::new([(x0, 0.0), (a, y.1)], shade.filled()));
        }
        if b < x1 {
            regions.push(Rectangle::new([(b, 0.0), (x1, y.1)], shade.filled()));
        }
    }
    let mut legend = vec![common::entry(Swatch::Box(bar), format!("values ({} in {} bins)", count(plan.total), plan.inside.len()))];
    let clipped = plan.clipped.0 + plan.clipped.1;
    if clipped > 0 {
        legend.push(common::entry(Swatch::Box(clip_bar), format!("clipped values ({}, {})", count(clipped), format::pct(frac(clipped)))));
    }
    if !plan.points.is_empty() {
        legend.push(common::entry(Swatch::Line(theme.curve, 1.0), grid_label(input, plan)));
    }
    if let Some((a, b)) = ends {
        legend.push(common::entry(Swatch::Line(theme.clip, 2.0), format!("outermost grid points {} and {}", num(a), num(b))));
    }
    let mut axes = Axes::new(&title, plan.x, y, x_title(input), "count (values per bin)");
    let yf = |v: &f64| if v.fract() == 0.0 && *v <= peak { count(*v as u64) } else { String::new() };
    axes.y_fmt = Some(&yf);
    axes.y_labels = (peak as usize + 2).min(6);
    let mut chart = common::chart(area, theme, &axes, &legend)?;
    let mut primitives = regions.len();
    chart.draw_series(regions)?;

    // Bars: the values on the grid's span, then the clipped ones stacked over them in the clip colour.
    let n = plan.inside.len();
    let w = (plan.bins.1 - plan.bins.0) / n as f64;
    let edge = |i: usize| plan.bins.0 + i as f64 * w;
    let bars: Vec<_> = plan
        .inside
        .iter()
        .zip(&plan.clipped_bins)
        .enumerate()
        .flat_map(|(i, (&a, &c))| {
            let inside = (a > 0).then(|| Rectangle::new([(edge(i), 0.0), (edge(i + 1), a as f64)], bar.filled()));
            let over = (c > 0).then(|| Rectangle::new([(edge(i), a as f64), (edge(i + 1), (a + c) as f64)], clip_bar.filled()));
            [inside, over].into_iter().flatten()
        })
        .collect();
    primitives += bars.len();
    chart.draw_series(bars)?;

    // The grid, over the bars so the representable values show through.
    let style = ShapeStyle::from(theme.curve.mix(0.6)).stroke_width(theme.px(1.0));
    primitives += plan.drawn.len();
    chart.draw_series(plan.drawn.iter().map(|&v| PathElement::new(vec![(v, 0.0), (v, y.1)], style)))?;

    // The outermost points, with the clipped share beside each on its clipped side.
    if let Some((a, b)) = ends {
        let style = ShapeStyle::from(theme.clip).stroke_width(theme.px(2.0));
        primitives += 2;
        chart.draw_series([a, b].into_iter().map(|t| PathElement::new(vec![(t, 0.0), (t, y.1)], style)))?;
        common::clip_labels(&mut chart, theme, (a, b), plan.x, peak * 1.03, (frac(plan.clipped.0), frac(plan.clipped.1)))?;
    }
    let frame = common::frame(&chart, plan.x, y, false);
    Ok(Drawn { caption: caption(input, plan), frame: Some(frame), primitives })
}
