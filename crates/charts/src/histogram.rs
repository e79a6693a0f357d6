//! Histogram of the values under the integer grid: the quantization levels `x̂_k` as vertical lines
//! (every k-th when there are too many to see, said in the legend), the calibration range's min and
//! max as thresholds, the clipping regions shaded and the clipped mass labelled in %; above the bars,
//! one row per calibration method with the range it would choose over the same values, so a user
//! sees at once why minmax, moving average, percentile, MSE and entropy disagree.

use crate::common::{self, Axes, Swatch};
use crate::data::{self, RangeChoice, Subject, MAX_GRID_LINES};
use crate::format::{self, count, num};
use crate::theme::Theme;
use crate::{Area, ChartResult, Drawn};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use quantscope_core::calibrate::{Method, MethodRange};
use quantscope_core::transfer::TransferCurve;

/// The quantization levels drawn as grid lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// Levels inside the x range.
    pub visible: u64,
    /// Every `step`-th level is drawn (1: all), counted from the zero point's level.
    pub step: u64,
    /// The integers drawn and their levels.
    pub levels: Vec<(i64, f64)>,
}

/// What the chart will draw.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The x range.
    pub x: (f64, f64),
    /// Bin edges' range (the data's) and the counts.
    pub bins: (f64, f64),
    /// Count per bin.
    pub counts: Vec<u64>,
    /// The shared curve.
    pub curve: Option<TransferCurve>,
    /// The level grid (with a shared curve).
    pub grid: Option<Grid>,
    /// The calibration range's ends (the thresholds drawn).
    pub thresholds: Option<(f64, f64)>,
    /// Finite values.
    pub total: u64,
    /// Clipped values below (to qmin) and above (to qmax).
    pub clipped: (u64, u64),
    /// Every calibration method's range over the same values (the rows above the bars).
    pub methods: Vec<MethodRange>,
    /// The method the parameters came from (`None`: a typed or given range).
    pub chosen: Option<Method>,
    /// The percentile the percentile row used.
    pub percentile: f64,
}

impl Plan {
    /// The bin under a data x: its index, edges and count.
    pub fn bin_at(&self, x: f64) -> Option<(usize, f64, f64, u64)> {
        let n = self.counts.len();
        let w = (self.bins.1 - self.bins.0) / n as f64;
        if w.is_nan() || w <= 0.0 || x < self.bins.0 || x > self.bins.1 {
            return None;
        }
        let i = (((x - self.bins.0) / w) as usize).min(n - 1);
        Some((i, self.bins.0 + i as f64 * w, self.bins.0 + (i + 1) as f64 * w, self.counts[i]))
    }
}

/// Computes the plan: bins, grid, thresholds, clipped mass.
pub fn plan(subject: &Subject<'_>) -> Plan {
    let curve = subject.curve();
    let data = subject.data_range();
    let thresholds = subject.calibration_range();
    let methods = if subject.has_elements() { subject.method_ranges() } else { Vec::new() };
    let (mut lo, mut hi) = data.unwrap_or((-1.0, 1.0));
    let method_ends = methods.iter().map(|m| (m.min as f64, m.max as f64));
    // A range beyond what an axis holds (a method's float32 range of values near f64::MAX is
    // infinite) is left off the axis.
    for (a, b) in thresholds.into_iter().chain(method_ends).filter(|(a, b)| data::plottable(*a) && data::plottable(*b)) {
        lo = lo.min(a);
        hi = hi.max(b);
    }
    if let Some(c) = &curve {
        for t in [c.clip_below(), c.clip_above()].into_iter().flatten() {
            // Only when near the data: a clip threshold far outside would squash the histogram.
            if t > lo - (hi - lo) * 0.25 && t < hi + (hi - lo) * 0.25 {
                lo = lo.min(t);
                hi = hi.max(t);
            }
        }
    }
    let x = data::pad(lo, hi, 0.05);
    let total = subject.values().count() as u64;
    let bins = match data {
        Some((a, b)) if b > a => (a, b),
        Some((a, _)) => data::pad(a, a, 0.0),
        None => x,
    };
    let counts = data::histogram(subject.values(), bins.0, bins.1, data::bin_count(total as usize));
    let grid = curve.as_ref().map(|c| {
        let ks = c.levels_within(x.0, x.1);
        let visible = if ks.is_empty() { 0 } else { (ks.end() - ks.start() + 1) as u64 };
        let step = data::level_step(visible, MAX_GRID_LINES);
        let levels = ks.filter(|k| (k - c.zero_point).rem_euclid(step as i64) == 0).map(|k| (k, c.level(k))).collect();
        Grid { visible, step, levels }
    });
    let mut clipped = (0, 0);
    for p in subject.points().filter(|p| p.clipped) {
        if p.q == subject.analysis.spec.saturation.qmin as i64 {
            clipped.0 += 1;
        } else {
            clipped.1 += 1;
        }
    }
    let (chosen, percentile) = match subject.range_choice {
        RangeChoice::Method(c) => (Some(c.method), c.percentile),
        RangeChoice::Given => (None, quantscope_core::calibrate::DEFAULT_PERCENTILE),
    };
    // The chosen method's row is the range the parameters came from (the thresholds): shown
    // values that are a sample of a larger tensor, or channels calibrated one by one, need not
    // give it again.
    let mut methods = methods;
    if let (Some(method), Some((a, b))) = (chosen, thresholds) {
        for m in methods.iter_mut().filter(|m| m.method == method) {
            (m.min, m.max) = (a as f32, b as f32);
        }
    }
    methods.retain(|m| data::plottable(m.min as f64) && data::plottable(m.max as f64));
    Plan { x, bins, counts, curve, grid, thresholds, total, clipped, methods, chosen, percentile }
}

/// A method's row label: its name (and the percentile it used).
pub fn method_label(method: Method, percentile: f64) -> String {
    match method {
        Method::MinMax => "minmax".into(),
        Method::MovingAverage => "moving average".into(),
        Method::Percentile => format!("percentile {}", format::sig(percentile, 6)),
        Method::Mse => "MSE".into(),
        Method::Entropy => "entropy (KL)".into(),
    }
}

/// Each method's own colour; the label names it too, so colour is never the only signal.
fn method_color(theme: &Theme, method: Method) -> RGBColor {
    let i = Method::ALL.iter().position(|m| *m == method).unwrap_or(0);
    theme.methods[i]
}

fn methods_text(plan: &Plan) -> String {
    let ranges: Vec<String> = plan
        .methods
        .iter()
        .map(|m| format!("{} [{}, {}]", method_label(m.method, plan.percentile), num(m.min as f64), num(m.max as f64)))
        .collect();
    let from = match plan.chosen {
        Some(m) => format!("the parameters use {} (its row: the range they came from)", method_label(m, plan.percentile)),
        None => "the parameters use the given range".into(),
    };
    format!("calibration ranges over these values: {}; {from}", ranges.join(", "))
}

fn grid_label(grid: &Grid) -> String {
    if grid.step == 1 {
        format!("quantization levels x̂ₖ (all {})", count(grid.visible))
    } else {
        format!("levels x̂ₖ, every {}th of {} shown", grid.step, count(grid.visible))
    }
}

/// The text alternative.
pub fn caption(subject: &Subject<'_>, plan: &Plan) -> String {
    let clipped = plan.clipped.0 + plan.clipped.1;
    let frac = |n: u64| if plan.total > 0 { n as f64 / plan.total as f64 } else { 0.0 };
    let mut s = format!(
        "Histogram of {} ({}): {} values in {} bins from {} to {}",
        subject.label(),
        subject.settings(),
        count(plan.total),
        plan.counts.len(),
        num(plan.bins.0),
        num(plan.bins.1)
    );
    match (&plan.grid, &plan.curve) {
        (Some(g), Some(c)) => {
            s += &format!("; grid: {} (s = {}, z = {})", grid_label(g), num(c.scale), c.zero_point);
        }
        _ => s += "; the channels have their own scales, so no level grid is drawn (pick a channel to see it)",
    }
    if let Some((a, b)) = plan.thresholds {
        s += &format!("; clip thresholds min = {}, max = {}", num(a), num(b));
    }
    if !plan.methods.is_empty() {
        s += &format!("; {}", methods_text(plan));
    }
    s += &format!(
        "; clipped mass {} ({} values: {} below, {} above)",
        format::pct(frac(clipped)),
        count(clipped),
        format::pct(frac(plan.clipped.0)),
        format::pct(frac(plan.clipped.1))
    );
    s += ". Binned: every value counted.";
    s
}

/// Draws the histogram of `subject` (computes the [`plan`] first).
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, subject: &Subject<'_>, theme: &Theme) -> ChartResult<Drawn, DB> {
    draw_plan(area, subject, &plan(subject), theme)
}

/// Draws the chart from a plan computed before.
pub fn draw_plan<DB: DrawingBackend>(area: &Area<DB>, subject: &Subject<'_>, plan: &Plan, theme: &Theme) -> ChartResult<Drawn, DB> {
    let title = format!("Histogram · {}", subject.label());
    if !subject.has_elements() || plan.total == 0 {
        let caption = format!("Histogram of {}: no values to count.", subject.label());
        return common::nothing(area, theme, &title, "no values to count", caption);
    }
    let peak = plan.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    // The methods' rows sit in a band above the bars and the clipped-mass labels.
    let (band, row) = (peak * 1.22, peak * 0.1);
    let ymax = if plan.methods.is_empty() { peak * 1.16 } else { band + row * plan.methods.len() as f64 + peak * 0.02 };
    let y = (0.0, ymax);
    let (x0, x1) = plan.x;
    let frac = |n: u64| n as f64 / plan.total as f64;
    let n = plan.counts.len();
    let bar = theme.primary.mix(0.7);
    let shade = theme.clip.mix(0.10);

    let mut regions = Vec::new();
    if let Some(c) = &plan.curve {
        if let Some(b) = c.clip_below().filter(|b| *b > x0) {
            regions.push(Rectangle::new([(x0, 0.0), (b.min(x1), ymax)], shade.filled()));
        }
        if let Some(a) = c.clip_above().filter(|a| *a < x1) {
            regions.push(Rectangle::new([(a.max(x0), 0.0), (x1, ymax)], shade.filled()));
        }
    }
    let mut legend = vec![common::entry(Swatch::Box(bar), format!("values ({} in {} bins)", count(plan.total), n))];
    if let Some(g) = &plan.grid {
        legend.push(common::entry(Swatch::Line(theme.curve, 1.0), grid_label(g)));
    }
    if let Some((a, b)) = plan.thresholds {
        legend.push(common::entry(Swatch::Line(theme.clip, 2.0), format!("clip thresholds min = {}, max = {}", num(a), num(b))));
    }
    if !plan.methods.is_empty() {
        legend.push(common::entry(Swatch::Line(theme.foreground, 2.0), "each calibration method's range (rows above)"));
    }
    if !regions.is_empty() {
        legend.push(common::entry(
            Swatch::Box(shade),
            format!("clipped: {} of the values", format::pct(frac(plan.clipped.0 + plan.clipped.1))),
        ));
    }
    let mut axes = Axes::new(&title, plan.x, y, "x, original value", "count (values per bin)");
    // Counts only: no ticks in the methods' band.
    let yf = |v: &f64| if v.fract() == 0.0 && *v <= peak { count(*v as u64) } else { String::new() };
    axes.y_fmt = Some(&yf);
    // Few values: integer ticks only.
    axes.y_labels = (peak as usize + 2).min(6);
    let mut chart = common::chart(area, theme, &axes, &legend)?;
    let mut primitives = regions.len();
    chart.draw_series(regions)?;

    // Bars.
    let w = (plan.bins.1 - plan.bins.0) / n as f64;
    primitives += plan.counts.iter().filter(|c| **c > 0).count();
    chart.draw_series(plan.counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, &c)| {
        let a = plan.bins.0 + i as f64 * w;
        Rectangle::new([(a, 0.0), (a + w, c as f64)], bar.filled())
    }))?;

    // The integer grid, over the bars so the levels show through.
    if let Some(g) = &plan.grid {
        let style = ShapeStyle::from(theme.curve.mix(if g.step == 1 { 0.6 } else { 0.45 })).stroke_width(theme.px(1.0));
        primitives += g.levels.len();
        chart.draw_series(g.levels.iter().map(|&(_, v)| PathElement::new(vec![(v, 0.0), (v, ymax)], style)))?;
    }

    // Thresholds, with the clipped mass beside each, just above the tallest bar.
    if let Some((a, b)) = plan.thresholds {
        let style = ShapeStyle::from(theme.clip).stroke_width(theme.px(2.0));
        primitives += 2;
        chart.draw_series([a, b].into_iter().map(|t| PathElement::new(vec![(t, 0.0), (t, ymax)], style)))?;
        common::clip_labels(&mut chart, theme, (a, b), plan.x, peak * 1.03, (frac(plan.clipped.0), frac(plan.clipped.1)))?;
    }
    // One row per method, minmax on top: its range as an interval with end ticks and its name.
    let rows = plan.methods.len();
    let font_size = 10.5;
    for (i, m) in plan.methods.iter().enumerate() {
        let chosen = plan.chosen == Some(m.method);
        let color = method_color(theme, m.method);
        let yc = band + row * (rows - 1 - i) as f64 + row * 0.3;
        let style = ShapeStyle::from(color).stroke_width(theme.px(if chosen { 3.5 } else { 1.5 }));
        let (a, b) = (m.min as f64, m.max as f64);
        let tick = row * 0.22;
        primitives += 3;
        chart.draw_series([
            PathElement::new(vec![(a, yc), (b, yc)], style),
            PathElement::new(vec![(a, yc - tick), (a, yc + tick)], style),
            PathElement::new(vec![(b, yc - tick), (b, yc + tick)], style),
        ])?;
        let label =
            if chosen { format!("{} · chosen", method_label(m.method, plan.percentile)) } else { method_label(m.method, plan.percentile) };
        let font = common::text(theme, font_size, &color);
        chart.draw_series(std::iter::once(Text::new(label, ((a + b) / 2.0, yc + tick), font.pos(Pos::new(HPos::Center, VPos::Bottom)))))?;
    }
    let frame = common::frame(&chart, plan.x, y, false);
    Ok(Drawn { caption: caption(subject, plan), frame: Some(frame), primitives })
}
