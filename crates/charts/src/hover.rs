//! What is under the pointer: the element nearest to a backend pixel on the reconstruction and error
//! charts, the bin and the quantization step under it on the histogram; the bin and the nearest grid
//! value on a format's grid, the cell of the heatmap, the nearest format or tensor on the bits-per-weight
//! charts. Pixels are backend pixels (multiply CSS pixels by the device pixel ratio the theme was scaled with).

use crate::data::{Point, Subject};
use crate::format::{self, count, db, num};
use crate::PlotFrame;
use crate::{format_sweep, grid_histogram, heatmap, histogram, pareto, tradeoff};

/// The element under the pointer.
#[derive(Clone, Debug, PartialEq)]
pub struct HoverPoint {
    /// Channel name.
    pub channel: String,
    /// The element.
    pub point: Point,
}

impl HoverPoint {
    fn new(subject: &Subject<'_>, point: Point) -> Self {
        HoverPoint { channel: subject.analysis.channels[point.channel].name.clone(), point }
    }

    /// `ch0 #3 · x = 0.5 · q = 12 · x̂ = 0.502 · error = 0.002 (clipped)`
    pub fn text(&self) -> String {
        let p = &self.point;
        format!(
            "{} #{} · x = {} · q = {} · x̂ = {} · error = {}{}",
            self.channel,
            p.index,
            num(p.x),
            p.q,
            num(p.x_hat),
            num(p.error),
            if p.clipped { " (clipped)" } else { "" }
        )
    }
}

fn nearest(
    subject: &Subject<'_>,
    frame: &PlotFrame,
    px: f64,
    py: f64,
    radius: f64,
    key: impl Fn(&Point) -> (f64, f64),
    keep: impl Fn(&Point) -> bool,
) -> Option<HoverPoint> {
    if !frame.contains(px, py) {
        return None;
    }
    let r2 = radius * radius;
    let mut best: Option<(f64, Point)> = None;
    for p in subject.points().filter(|p| keep(p)) {
        let (x, y) = key(&p);
        let (dx, dy) = (frame.pixel_x(x) - px, frame.pixel_y(y) - py);
        let d = dx * dx + dy * dy;
        if d <= r2 && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, p));
        }
    }
    best.map(|(_, p)| HoverPoint::new(subject, p))
}

/// The sample nearest to the pointer on the reconstruction chart, within `radius` backend pixels.
pub fn reconstruction(subject: &Subject<'_>, frame: &PlotFrame, px: f64, py: f64, radius: f64) -> Option<HoverPoint> {
    nearest(subject, frame, px, py, radius, |p| (p.x, p.x_hat), |_| true)
}

/// The element nearest to the pointer on the error chart, within `radius` backend pixels (only the
/// positions under the pointer's column are searched). Clipped errors off the scale are compared at
/// the plot's edge where they are marked.
pub fn error(subject: &Subject<'_>, frame: &PlotFrame, px: f64, py: f64, radius: f64) -> Option<HoverPoint> {
    let lo = frame.data_x(px - radius).floor().max(0.0) as usize;
    let hi = frame.data_x(px + radius).ceil().max(0.0) as usize;
    let (y0, y1) = frame.y;
    nearest(subject, frame, px, py, radius, |p| (p.position as f64, p.error.clamp(y0, y1)), |p| p.position >= lo && p.position <= hi)
}

/// The histogram bin and the quantization step under the pointer.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramHover {
    /// The data x under the pointer.
    pub x: f64,
    /// The bin's lower edge.
    pub bin_start: f64,
    /// The bin's upper edge.
    pub bin_end: f64,
    /// Values in the bin.
    pub count: u64,
    /// The integer `x` quantizes to (with a shared curve).
    pub q: Option<i64>,
    /// Its level `x̂`.
    pub x_hat: Option<f64>,
}

impl HistogramHover {
    /// `x = 0.51 · bin [0.5, 0.52): 123 values · q = 12 · x̂ = 0.502`
    pub fn text(&self) -> String {
        let mut s = format!("x = {} · bin [{}, {}): {} values", num(self.x), num(self.bin_start), num(self.bin_end), count(self.count));
        if let (Some(q), Some(v)) = (self.q, self.x_hat) {
            s += &format!(" · q = {q} · x̂ = {}", num(v));
        }
        s
    }
}

/// What is under the pointer on the histogram (`None` outside the plot or the bins).
pub fn histogram(plan: &histogram::Plan, frame: &PlotFrame, px: f64, py: f64) -> Option<HistogramHover> {
    if !frame.contains(px, py) {
        return None;
    }
    let x = frame.data_x(px);
    let (_, bin_start, bin_end, count) = plan.bin_at(x)?;
    let step = plan.curve.as_ref().and_then(|c| {
        let w = (frame.x.1 - frame.x.0) * 1e-9;
        c.steps(x, x + w).first().copied()
    });
    Some(HistogramHover { x, bin_start, bin_end, count, q: step.map(|s| s.q), x_hat: step.map(|s| s.x_hat) })
}

/// What is under the pointer on the histogram of a format's grid: the bin, its count (and how many of them
/// clipped), and the nearest representable value (`None` outside the plot or the bins).
pub fn grid_histogram(plan: &grid_histogram::Plan, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
    if !frame.contains(px, py) {
        return None;
    }
    let x = frame.data_x(px);
    let n = plan.inside.len();
    let w = (plan.bins.1 - plan.bins.0) / n as f64;
    if w.is_nan() || w <= 0.0 || x < plan.bins.0 || x > plan.bins.1 {
        return None;
    }
    let i = (((x - plan.bins.0) / w) as usize).min(n - 1);
    let (inside, clipped) = (plan.inside[i], plan.clipped_bins[i]);
    let mut s = format!(
        "x = {} · bin [{}, {}): {} values",
        num(x),
        num(plan.bins.0 + i as f64 * w),
        num(plan.bins.0 + (i + 1) as f64 * w),
        count(inside + clipped)
    );
    if clipped > 0 {
        s += &format!(" ({} clipped)", count(clipped));
    }
    let nearest = plan.points.iter().copied().min_by(|a, b| (a - x).abs().total_cmp(&(b - x).abs()));
    match (plan.ends(), nearest) {
        (Some((a, _)), _) if x < a => s += &format!(" · below the grid: saturates to {}", num(a)),
        (Some((_, b)), _) if x > b => s += &format!(" · above the grid: saturates to {}", num(b)),
        (_, Some(v)) => s += &format!(" · nearest grid value {}", num(v)),
        _ => {}
    }
    Some(s)
}

/// The heatmap cell under the pointer: `tensor · format: SQNR 17.25 dB`, or why the format cannot take it.
pub fn heatmap(map: &heatmap::Heatmap, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
    let (row, col) = heatmap::cell_at(frame, px, py)?;
    let (tensor, format) = (&map.rows.get(row)?.tensor, map.formats.get(col)?);
    Some(match map.cell(row, col) {
        heatmap::Cell::Sqnr(v) => format!("{tensor} · {format}: SQNR {}", db(v)),
        heatmap::Cell::NotApplicable(reason) => format!("{tensor} · {format}: n/a ({reason})"),
    })
}

/// The labelled point nearest to the pointer within `radius` backend pixels, among `(x, SQNR, text)` items.
fn nearest_item(
    frame: &PlotFrame,
    px: f64,
    py: f64,
    radius: f64,
    items: impl Iterator<Item = (f64, Option<f64>, String)>,
) -> Option<String> {
    if !frame.contains(px, py) {
        return None;
    }
    let mut best: Option<(f64, String)> = None;
    for (x, y, text) in items {
        let Some(y) = y.filter(|y| !y.is_nan()) else { continue };
        let (dx, dy) = (frame.pixel_x(x) - px, frame.pixel_y(tradeoff::plotted(y, frame.y)) - py);
        let d = dx * dx + dy * dy;
        if d <= radius * radius && best.as_ref().is_none_or(|(b, _)| d < *b) {
            best = Some((d, text));
        }
    }
    best.map(|(_, t)| t)
}

/// The format nearest to the pointer on the bits-per-weight chart, within `radius` backend pixels.
pub fn format_sweep(sweep: &format_sweep::FormatSweep, frame: &PlotFrame, px: f64, py: f64, radius: f64) -> Option<String> {
    let items = sweep.results.iter().filter(|r| r.drawable()).map(|r| (r.bits_per_weight, r.sqnr_db, tradeoff::point_label(r)));
    nearest_item(frame, px, py, radius, items)
}

/// What is nearest to the pointer on the Pareto chart, within `radius` backend pixels: the plan, a model
/// total, or a tensor in a format (the totals and the plan win over tensor points at the same distance).
pub fn pareto(data: &pareto::ParetoData, plan: &pareto::Plan, frame: &PlotFrame, px: f64, py: f64, radius: f64) -> Option<String> {
    let marked = data
        .plan
        .iter()
        .map(|p| (p.bits_per_weight, p.sqnr_db, format!("{}: {} bpw · {}", p.label, format::sig(p.bits_per_weight, 4), db(p.sqnr_db))));
    let totals = data
        .totals
        .iter()
        .filter(|t| t.drawable())
        .map(|t| (t.bits_per_weight, t.sqnr_db, format!("model total · {}", tradeoff::point_label(t))));
    nearest_item(frame, px, py, radius, marked.chain(totals)).or_else(|| {
        let points = plan.shown.iter().map(|&i| {
            let p = &data.points[i];
            (
                p.bits_per_weight,
                p.sqnr_db,
                format!("{} · {} · {} bpw · {}", p.tensor, p.format, format::sig(p.bits_per_weight, 4), db(p.sqnr_db)),
            )
        });
        nearest_item(frame, px, py, radius, points)
    })
}
