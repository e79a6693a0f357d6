//! What is under the pointer: the element nearest to a backend pixel on the reconstruction and error
//! charts, the bin and the quantization step under it on the histogram. Pixels are backend pixels
//! (multiply CSS pixels by the device pixel ratio the theme was scaled with).

use crate::data::{Point, Subject};
use crate::format::{count, num};
use crate::histogram;
use crate::PlotFrame;

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
