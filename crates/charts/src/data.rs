//! What a chart shows (one channel, or the whole tensor) and the pure drawing helpers: binning and
//! downsampling, so a chart draws at most a few thousand primitives whatever the number of values.

use quantscope_core::analysis::{Analysis, ChannelResult};
use quantscope_core::calibrate::{self, Calibration, MethodRange};
use quantscope_core::metrics::Metrics;
use quantscope_core::spec::Granularity;
use quantscope_core::transfer::TransferCurve;

/// Points drawn at most in a scatter (reconstruction; error below the envelope threshold).
pub const MAX_POINTS: usize = 2000;
/// Pixel cells of the scatter's dedup grid (columns × rows): one point per occupied cell.
pub const CELLS: (usize, usize) = (640, 320);
/// Index buckets of the error chart's min–max envelope when there are more than [`MAX_POINTS`] values.
pub const ENVELOPE_BUCKETS: usize = 800;
/// Most histogram bins.
pub const MAX_BINS: usize = 120;
/// Most quantization levels drawn as grid lines; beyond that every k-th level.
pub const MAX_GRID_LINES: usize = 64;
/// Most groups of bars; beyond that consecutive channels share a group (the worst of them is drawn).
pub const MAX_GROUPS: usize = 128;

/// Which values a chart shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One channel (0-based index).
    Channel(usize),
    /// Every channel, in channel order.
    Tensor,
}

/// One element, as the analysis gave it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Channel index.
    pub channel: usize,
    /// Index within the channel.
    pub index: usize,
    /// Position within the subject (channels concatenated in order; equals `index` for one channel).
    pub position: usize,
    /// Original value.
    pub x: f64,
    /// Quantized integer.
    pub q: i64,
    /// Dequantized value.
    pub x_hat: f64,
    /// `x̂ - x`.
    pub error: f64,
    /// Whether the value was clipped.
    pub clipped: bool,
}

/// The values a chart shows: one channel of an analysis, or all of them.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    /// The analysis.
    pub analysis: &'a Analysis,
    /// What was selected.
    pub scope: Scope,
    /// The channels shown.
    pub channels: Vec<&'a ChannelResult>,
    /// How the parameters' range was chosen, for the histogram's side-by-side of the calibration methods.
    pub range_choice: RangeChoice,
}

/// How the range the parameters came from was chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RangeChoice {
    /// By a calibration method (with its percentile setting).
    Method(Calibration),
    /// Typed by the user (a custom range), or given per channel: no method was used.
    Given,
}

/// A report's `calibration` (`None`: the range was typed).
impl From<Option<Calibration>> for RangeChoice {
    fn from(calibration: Option<Calibration>) -> Self {
        calibration.map_or(RangeChoice::Given, RangeChoice::Method)
    }
}

impl Default for RangeChoice {
    fn default() -> Self {
        RangeChoice::Method(Calibration::default())
    }
}

impl<'a> Subject<'a> {
    /// The subject for a scope; a channel index past the end selects the last channel.
    pub fn new(analysis: &'a Analysis, scope: Scope) -> Self {
        let channels = match scope {
            Scope::Channel(c) => analysis.channels.get(c.min(analysis.channels.len().saturating_sub(1))).into_iter().collect(),
            Scope::Tensor => analysis.channels.iter().collect(),
        };
        Subject { analysis, scope, channels, range_choice: RangeChoice::default() }
    }

    /// The same subject, saying how its range was chosen.
    pub fn with_range_choice(mut self, range_choice: RangeChoice) -> Self {
        self.range_choice = range_choice;
        self
    }

    /// The whole tensor.
    pub fn tensor(analysis: &'a Analysis) -> Self {
        Self::new(analysis, Scope::Tensor)
    }

    /// One channel.
    pub fn channel(analysis: &'a Analysis, c: usize) -> Self {
        Self::new(analysis, Scope::Channel(c))
    }

    /// `channel ch0` or `tensor w (4 channels)`, for titles and captions.
    pub fn label(&self) -> String {
        match (self.scope, self.channels.as_slice()) {
            (Scope::Channel(_), [c]) => format!("channel {}", c.name),
            _ if self.analysis.channels.len() == 1 => self.analysis.tensor.to_string(),
            _ => format!("{} ({} channels)", self.analysis.tensor, self.channels.len()),
        }
    }

    /// `qint8 affine, textbook` style summary of the settings.
    pub fn settings(&self) -> String {
        let s = &self.analysis.spec;
        format!("{} {} [{}, {}], {}", s.dtype, s.scheme.name(), s.saturation.qmin, s.saturation.qmax, self.analysis.convention)
    }

    /// The transfer curve every shown value went through, if they share one (one channel, per-tensor
    /// parameters, or channels that happen to have the same scale and zero point).
    pub fn curve(&self) -> Option<TransferCurve> {
        let first = self.channels.first()?;
        let shared = self.analysis.granularity == Granularity::PerTensor
            || self.channels.iter().all(|c| c.scale == first.scale && c.zero_point == first.zero_point);
        shared.then(|| TransferCurve::of_channel(&self.analysis.spec, first))
    }

    /// The metrics of the shown values (the channel's, or the tensor summary's).
    pub fn metrics(&self) -> &'a Metrics {
        match (self.scope, self.channels.as_slice()) {
            (Scope::Channel(_), [c]) => &c.metrics,
            _ => &self.analysis.summary.metrics,
        }
    }

    /// Whether the analysis kept the per-element results the scatter charts need.
    pub fn has_elements(&self) -> bool {
        !self.channels.is_empty() && self.channels.iter().all(|c| c.elements.is_some())
    }

    /// Number of positions (finite or not).
    pub fn len(&self) -> usize {
        self.channels.iter().map(|c| c.elements.as_ref().map_or(0, |e| e.x.len())).sum()
    }

    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every finite element that an axis can hold ([`plottable`]), in position order.
    pub fn points(&self) -> impl Iterator<Item = Point> + '_ {
        let mut offset = 0;
        self.channels.iter().flat_map(move |c| {
            let base = offset;
            let el = c.elements.as_ref();
            offset += el.map_or(0, |e| e.x.len());
            el.into_iter().flat_map(move |e| {
                (0..e.x.len()).filter_map(move |i| {
                    let plottable = plottable(e.x[i]) && e.dequantized[i].is_some_and(plottable) && e.error[i].is_some_and(plottable);
                    plottable.then_some(())?;
                    Some(Point {
                        channel: c.index,
                        index: i,
                        position: base + i,
                        x: e.x[i],
                        q: e.q[i]?,
                        x_hat: e.dequantized[i]?,
                        error: e.error[i]?,
                        clipped: e.clipped[i],
                    })
                })
            })
        })
    }

    /// The original values an axis can hold (finite, [`plottable`]), without building whole
    /// points: for the histogram.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.channels.iter().filter_map(|c| c.elements.as_ref()).flat_map(|e| e.x.iter().copied().filter(|x| plottable(*x)))
    }

    /// Smallest and largest finite value (from the analysis' data ranges); when one lies beyond
    /// what an axis holds, those of the [`values`](Self::values) it can.
    pub fn data_range(&self) -> Option<(f64, f64)> {
        let lo = self.channels.iter().filter_map(|c| c.data_min).reduce(f64::min)?;
        let hi = self.channels.iter().filter_map(|c| c.data_max).reduce(f64::max)?;
        if plottable(lo) && plottable(hi) {
            return Some((lo, hi));
        }
        let lo = self.values().reduce(f64::min)?;
        Some((lo, self.values().reduce(f64::max)?))
    }

    /// Every calibration method's range over the shown values (the core's [`calibrate::every_method`]),
    /// the moving average's batches being every channel of the analysis.
    pub fn method_ranges(&self) -> Vec<MethodRange> {
        let values: Vec<f32> = self.values().map(|x| x as f32).collect();
        let batches = self.analysis.channels.iter().filter_map(|c| Some((c.data_min? as f32, c.data_max? as f32)));
        let percentile = match self.range_choice {
            RangeChoice::Method(c) => c.percentile,
            RangeChoice::Given => calibrate::DEFAULT_PERCENTILE,
        };
        calibrate::every_method(&values, batches, &self.analysis.spec, percentile)
    }

    /// The calibration range the parameters came from: lowest `min` and highest `max` of the shown
    /// channels (`None` when it lies beyond what an axis holds).
    pub fn calibration_range(&self) -> Option<(f64, f64)> {
        let lo = self.channels.iter().filter_map(|c| c.min).reduce(f64::min)?;
        let hi = self.channels.iter().filter_map(|c| c.max).reduce(f64::max)?;
        (plottable(lo) && plottable(hi)).then_some((lo, hi))
    }
}

/// Largest magnitude a chart puts on an axis: float32 data never comes near it, and an axis spanning more
/// (up to ±f64::MAX) would overflow its width to infinity, which plotters cannot lay out.
pub const MAX_MAGNITUDE: f64 = 1e300;

/// Whether a value can be placed on an axis: finite and at most [`MAX_MAGNITUDE`] in magnitude.
pub fn plottable(v: f64) -> bool {
    v.abs() <= MAX_MAGNITUDE
}

/// Pads `[lo, hi]` by `frac` of its width on both sides (a unit interval around a single value).
pub fn pad(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (-1.0, 1.0);
    }
    if hi <= lo {
        let w = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - w, hi + w);
    }
    let w = (hi - lo) * frac;
    (lo - w, hi + w)
}

/// Keeps at most one point per cell of a `cols × rows` grid over `x` and `y` (the pixels the
/// scatter would draw anyway), then at most `cap` of those (evenly strided). Clipped points are
/// kept before unclipped ones in the same cell, so a clipped marker is never lost to dedup.
/// Returns the kept points and whether anything was dropped.
pub fn thin_scatter<I: Iterator<Item = Point>>(
    points: I,
    x: (f64, f64),
    y: (f64, f64),
    key: impl Fn(&Point) -> (f64, f64),
    cells: (usize, usize),
    cap: usize,
) -> (Vec<Point>, bool) {
    thin_cells(points, x, y, |p| (key(p), p.clipped as usize), 2, cells, cap)
}

/// Keeps at most one item per cell of a `cols × rows` grid over `x` and `y` and per layer (items of
/// different layers, e.g. clipped and not, or two formats, never hide each other), then at most `cap`
/// of those (evenly strided). `key` gives an item's position and its layer (below `layers`).
/// Returns the kept items and whether anything was dropped.
pub fn thin_cells<T, I: Iterator<Item = T>>(
    items: I,
    x: (f64, f64),
    y: (f64, f64),
    key: impl Fn(&T) -> ((f64, f64), usize),
    layers: usize,
    cells: (usize, usize),
    cap: usize,
) -> (Vec<T>, bool) {
    let (cols, rows) = (cells.0.max(1), cells.1.max(1));
    let layers = layers.max(1);
    let per_layer = (cols * rows).div_ceil(64);
    let mut seen = vec![0u64; per_layer * layers];
    let mut kept = Vec::new();
    let mut total = 0usize;
    let sx = cols as f64 / (x.1 - x.0);
    let sy = rows as f64 / (y.1 - y.0);
    for item in items {
        total += 1;
        let ((px, py), layer) = key(&item);
        let cx = (((px - x.0) * sx) as isize).clamp(0, cols as isize - 1) as usize;
        let cy = (((py - y.0) * sy) as isize).clamp(0, rows as isize - 1) as usize;
        let cell = cy * cols + cx;
        let (word, bit) = (layer.min(layers - 1) * per_layer + cell / 64, 1u64 << (cell % 64));
        if seen[word] & bit == 0 {
            seen[word] |= bit;
            kept.push(item);
        }
    }
    let mut dropped = kept.len() < total;
    if kept.len() > cap {
        let stride = kept.len().div_ceil(cap.max(1));
        let mut i = 0;
        kept.retain(|_| {
            i += 1;
            (i - 1) % stride == 0
        });
        dropped = true;
    }
    (kept, dropped)
}

/// One bucket of the error envelope: positions `[start, end)` and the extreme errors among them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    /// First position.
    pub start: usize,
    /// One past the last position.
    pub end: usize,
    /// Smallest error (unclipped values only; `None` if every value of the bucket clipped).
    pub min: Option<f64>,
    /// Largest error (unclipped values only).
    pub max: Option<f64>,
}

/// Splits positions `0..len` into `buckets` runs and keeps each run's smallest and largest error
/// of the unclipped values: drawn as one vertical segment per bucket, it covers every pixel the
/// full scatter would (clipped values are marked separately).
pub fn envelope<I: Iterator<Item = Point>>(points: I, len: usize, buckets: usize) -> Vec<Bucket> {
    let buckets = buckets.clamp(1, len.max(1));
    let width = len.div_ceil(buckets).max(1);
    let n = len.div_ceil(width);
    let mut out: Vec<Bucket> = (0..n).map(|b| Bucket { start: b * width, end: ((b + 1) * width).min(len), min: None, max: None }).collect();
    for p in points {
        if p.clipped {
            continue;
        }
        let b = &mut out[(p.position / width).min(n - 1)];
        b.min = Some(b.min.map_or(p.error, |m| m.min(p.error)));
        b.max = Some(b.max.map_or(p.error, |m| m.max(p.error)));
    }
    out
}

/// Equal-width bins over `[lo, hi]`: counts of the values in each (values outside are left out;
/// the last bin includes `hi`).
pub fn histogram<I: Iterator<Item = f64>>(values: I, lo: f64, hi: f64, bins: usize) -> Vec<u64> {
    let mut counts = vec![0u64; bins.max(1)];
    let n = counts.len();
    let w = (hi - lo) / n as f64;
    if w.is_nan() || w <= 0.0 {
        return counts;
    }
    let inv = 1.0 / w;
    for v in values {
        if v < lo || v > hi {
            continue;
        }
        let i = (((v - lo) * inv) as usize).min(n - 1);
        counts[i] += 1;
    }
    counts
}

/// Number of bins for `n` values: the Rice rule `2 · n^(1/3)`, between 8 and [`MAX_BINS`].
pub fn bin_count(n: usize) -> usize {
    ((2.0 * (n as f64).cbrt()).ceil() as usize).clamp(8, MAX_BINS)
}

/// The step `k` (1, 2, 5, 10, 20, 50, ... ) so that at most `max` of `levels` levels are drawn.
pub fn level_step(levels: u64, max: usize) -> u64 {
    let max = max.max(1) as u64;
    let mut mag = 1u64;
    while mag < 1_000_000_000_000 {
        for m in [1, 2, 5] {
            if levels.div_ceil(m * mag) <= max {
                return m * mag;
            }
        }
        mag *= 10;
    }
    mag
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(position: usize, x: f64, error: f64, clipped: bool) -> Point {
        Point { channel: 0, index: position, position, x, q: 0, x_hat: x + error, error, clipped }
    }

    #[test]
    fn histogram_counts_and_edges() {
        let h = histogram([0.0, 0.1, 0.5, 0.99, 1.0, 1.5, -0.1].into_iter(), 0.0, 1.0, 4);
        assert_eq!(h, vec![2, 0, 1, 2]);
        assert_eq!(bin_count(10), 8);
        assert_eq!(bin_count(1000), 20);
        assert_eq!(bin_count(1_000_000), MAX_BINS);
    }

    #[test]
    fn level_steps_are_round() {
        assert_eq!(level_step(16, 64), 1);
        assert_eq!(level_step(256, 64), 5);
        assert_eq!(level_step(65536, 64), 2000);
        assert_eq!(level_step(128, 64), 2);
        assert_eq!(level_step(64, 64), 1);
    }

    #[test]
    fn envelope_caps_and_keeps_extremes() {
        let pts: Vec<Point> = (0..10_000).map(|i| pt(i, 0.0, ((i * 7919) % 1000) as f64 / 1000.0 - 0.5, i == 5)).collect();
        let env = envelope(pts.iter().copied(), 10_000, 800);
        assert!(env.len() <= 800);
        assert_eq!(env.first().unwrap().start, 0);
        assert_eq!(env.last().unwrap().end, 10_000);
        let lo = env.iter().filter_map(|b| b.min).fold(f64::INFINITY, f64::min);
        let hi = env.iter().filter_map(|b| b.max).fold(f64::NEG_INFINITY, f64::max);
        assert_eq!((lo, hi), (-0.5, 0.499));
    }

    #[test]
    fn scatter_thinning_caps_at_the_limit() {
        let pts = (0..1_000_000).map(|i| pt(i, i as f64 / 1e6, 0.0, i % 100_000 == 0));
        let (kept, dropped) = thin_scatter(pts, (0.0, 1.0), (-1.0, 2.0), |p| (p.x, p.x_hat), CELLS, MAX_POINTS);
        assert!(dropped);
        assert!(kept.len() <= MAX_POINTS, "{}", kept.len());
        assert!(kept.len() >= 640 / 2);
        // Few points: nothing dropped.
        let pts = (0..100).map(|i| pt(i, i as f64 / 100.0, 0.0, false));
        let (kept, dropped) = thin_scatter(pts, (0.0, 1.0), (0.0, 1.0), |p| (p.x, p.x_hat), CELLS, MAX_POINTS);
        assert_eq!((kept.len(), dropped), (100, false));
    }
}
