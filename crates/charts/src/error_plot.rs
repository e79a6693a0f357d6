//! Error per element: `x̂ - x` against the element's position, inside the ±s/2 band of its channel;
//! clipped elements marked (at the plot's edge when their error is far off the band's scale).

use crate::common::{self, Axes, Swatch};
use crate::data::{self, Bucket, Point, Subject, ENVELOPE_BUCKETS, MAX_POINTS};
use crate::format::{self, count, num};
use crate::theme::Theme;
use crate::{Area, ChartResult, Drawn};
use plotters::prelude::*;

/// Most clipped markers drawn.
pub const MAX_CLIPPED_MARKERS: usize = 500;
/// Most channel separators drawn (tensor scope).
pub const MAX_SEPARATORS: usize = 64;

/// What the chart will draw.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Positions `0..len` on x.
    pub len: usize,
    /// The y range (symmetric about 0).
    pub y: (f64, f64),
    /// Each shown channel's positions `[start, end)` and half step `s/2`.
    pub bands: Vec<(usize, usize, f64)>,
    /// Every unclipped point (when there are at most [`MAX_POINTS`]).
    pub points: Option<Vec<Point>>,
    /// The min–max envelope (when there are more).
    pub envelope: Option<Vec<Bucket>>,
    /// Clipped points kept for markers.
    pub clipped: Vec<Point>,
    /// Finite values.
    pub total: usize,
    /// Values whose |error| is within their channel's s/2.
    pub within: usize,
    /// Clipped values.
    pub clipped_total: usize,
    /// Largest |error| of a clipped value.
    pub clipped_max: Option<f64>,
    /// Clipped errors beyond the y range, drawn at the edge.
    pub off_scale: bool,
}

/// Computes the plan.
pub fn plan(subject: &Subject<'_>) -> Plan {
    let channels = &subject.analysis.channels;
    let mut bands = Vec::new();
    let mut start = 0;
    for c in &subject.channels {
        let n = c.elements.as_ref().map_or(0, |e| e.x.len());
        bands.push((start, start + n, c.scale / 2.0));
        start += n;
    }
    let len = start;
    let half_max = bands.iter().map(|b| b.2).fold(0.0, f64::max);
    let m = subject.metrics();
    let (total, clipped_total) = (m.count as usize, m.clip_count as usize);
    let dense = total > MAX_POINTS;
    // One pass: the band counts, the extremes and (for many values) the envelope.
    let mut within = 0;
    let mut unclipped_max: f64 = 0.0;
    let mut clipped_max: Option<f64> = None;
    let width = len.div_ceil(ENVELOPE_BUCKETS).max(1);
    let mut env: Vec<Bucket> = if dense {
        (0..len.div_ceil(width)).map(|b| Bucket { start: b * width, end: ((b + 1) * width).min(len), min: None, max: None }).collect()
    } else {
        Vec::new()
    };
    let mut points = Vec::new();
    for p in subject.points() {
        let half = channels[p.channel].scale / 2.0;
        let abs = p.error.abs();
        if abs <= half * (1.0 + 1e-9) {
            within += 1;
        }
        if p.clipped {
            clipped_max = Some(clipped_max.map_or(abs, |m: f64| m.max(abs)));
            continue;
        }
        unclipped_max = unclipped_max.max(abs);
        if dense {
            let b = &mut env[p.position / width];
            b.min = Some(b.min.map_or(p.error, |m| m.min(p.error)));
            b.max = Some(b.max.map_or(p.error, |m| m.max(p.error)));
        } else {
            points.push(p);
        }
    }
    let core = unclipped_max.max(half_max);
    let core = if core > 0.0 { core } else { 1.0 };
    let all = clipped_max.unwrap_or(0.0).max(core);
    let off_scale = all > 4.0 * core;
    let ymax = if off_scale { core * 1.6 } else { all * 1.15 };
    let y = (-ymax, ymax);
    let (points, envelope) = if dense { (None, Some(env)) } else { (Some(points), None) };
    // The clipped values, one marker per cell (a second pass only when something clipped).
    let clipped = if clipped_total == 0 {
        Vec::new()
    } else {
        let clipped_iter = subject.points().filter(|p| p.clipped).map(|mut p| {
            p.error = p.error.clamp(y.0, y.1);
            p
        });
        data::thin_scatter(clipped_iter, (0.0, len.max(1) as f64), y, |p| (p.position as f64, p.error), (400, 100), MAX_CLIPPED_MARKERS).0
    };
    Plan { len, y, bands, points, envelope, clipped, total, within, clipped_total, clipped_max, off_scale }
}

/// The text alternative with the key figures (and whether the data was downsampled).
pub fn caption(subject: &Subject<'_>, plan: &Plan) -> String {
    let m = subject.metrics();
    let half = match plan.bands.as_slice() {
        [(_, _, h)] => format!("±s/2 = ±{}", num(*h)),
        bands if bands.iter().all(|b| b.2 == bands[0].2) && !bands.is_empty() => format!("±s/2 = ±{}", num(bands[0].2)),
        _ => "±s/2 of their channel".to_string(),
    };
    let mut s = format!(
        "Error x̂ − x of {} ({}): {} of {} values within {}; max |error| {}, MSE {}, SQNR {}",
        subject.label(),
        subject.settings(),
        count(plan.within as u64),
        count(plan.total as u64),
        half,
        format::opt(m.max_error),
        format::opt(m.mse),
        format::db(m.sqnr_db),
    );
    if plan.clipped_total > 0 {
        s += &format!(
            "; {} clipped ({}), |error| up to {}{}",
            count(plan.clipped_total as u64),
            format::pct(m.clip_rate.unwrap_or(0.0)),
            format::opt(plan.clipped_max),
            if plan.off_scale { ", marked at the edge (off scale)" } else { "" }
        );
    } else {
        s += "; none clipped";
    }
    if let Some(env) = &plan.envelope {
        s += &format!(
            ". Downsampled: drawn as the min–max envelope of {} index buckets of {} values each.",
            count(env.len() as u64),
            count(plan.len.div_ceil(env.len().max(1)) as u64)
        );
    } else {
        s += ". Every value drawn.";
    }
    s
}

/// Draws the error chart of `subject` (computes the [`plan`] first).
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, subject: &Subject<'_>, theme: &Theme) -> ChartResult<Drawn, DB> {
    draw_plan(area, subject, &plan(subject), theme)
}

/// Draws the chart from a plan computed before (redraws on resize or theme change need no new pass over the data).
pub fn draw_plan<DB: DrawingBackend>(area: &Area<DB>, subject: &Subject<'_>, plan: &Plan, theme: &Theme) -> ChartResult<Drawn, DB> {
    let title = format!("Error per element · {}", subject.label());
    if !subject.has_elements() || subject.is_empty() {
        let caption = format!("Error of {}: no per-element results to draw.", subject.label());
        return common::nothing(area, theme, &title, "no per-element results", caption);
    }
    let x = (0.0, plan.len.max(1) as f64);
    let (y0, y1) = plan.y;
    let band = theme.curve.mix(0.12);
    let mut legend = vec![];
    match (&plan.points, &plan.envelope) {
        (Some(_), _) => legend
            .push(common::entry(Swatch::Dot(theme.primary), format!("error x̂ − x ({})", count((plan.total - plan.clipped_total) as u64)))),
        (None, Some(env)) => legend.push(common::entry(
            Swatch::Box(theme.primary.mix(0.7)),
            format!("error x̂ − x, min–max of every {} values", count(plan.len.div_ceil(env.len().max(1)) as u64)),
        )),
        _ => {}
    }
    legend.push(common::entry(
        Swatch::Box(band),
        match plan.bands.as_slice() {
            [(_, _, h)] => format!("±s/2 = ±{}", num(*h)),
            _ => "±s/2 of each channel".into(),
        },
    ));
    if plan.clipped_total > 0 {
        legend.push(common::entry(
            Swatch::Cross(theme.clip),
            if plan.off_scale {
                format!("clipped ({}), |error| up to {}: ▲▼ at the edge", count(plan.clipped_total as u64), format::opt(plan.clipped_max))
            } else {
                format!("clipped ({})", count(plan.clipped_total as u64))
            },
        ));
    }
    let x_desc = if subject.channels.len() > 1 { "element (channels in order)" } else { "element index" };
    let mut axes = Axes::new(&title, x, plan.y, x_desc, "x̂ − x, error (value units)");
    let xf = |v: &f64| if (v - v.round()).abs() < 1e-9 { count(v.round() as u64) } else { String::new() };
    axes.x_fmt = Some(&xf);
    let mut chart = common::chart(area, theme, &axes, &legend)?;
    let mut primitives = 0;

    // ±s/2 bands, one per channel.
    let edge = ShapeStyle::from(theme.curve.mix(0.7)).stroke_width(theme.px(1.0));
    primitives += plan.bands.len() * 3;
    chart.draw_series(plan.bands.iter().map(|&(a, b, h)| Rectangle::new([(a as f64, -h), (b as f64, h)], band.filled())))?;
    if plan.bands.len() > 1 && plan.bands.len() <= MAX_SEPARATORS {
        let sep = ShapeStyle::from(theme.muted.mix(0.5)).stroke_width(theme.px(1.0));
        chart.draw_series(plan.bands.iter().skip(1).map(|&(a, _, _)| PathElement::new(vec![(a as f64, y0), (a as f64, y1)], sep)))?;
    }

    // Errors: every dot, or the envelope as one box per bucket (contiguous, so a dense run reads as a band).
    if let Some(points) = &plan.points {
        let r = theme.px(if points.len() <= 200 { 3.0 } else { 1.8 });
        let dot = theme.primary.mix(0.85).filled();
        primitives += points.len();
        chart.draw_series(points.iter().map(|p| Circle::new((p.position as f64, p.error), r, dot)))?;
    } else if let Some(env) = &plan.envelope {
        let fill = theme.primary.mix(0.7).filled();
        let boxes: Vec<_> =
            env.iter().filter_map(|b| Some(Rectangle::new([(b.start as f64, b.min?), (b.end as f64, b.max?)], fill))).collect();
        primitives += boxes.len();
        chart.draw_series(boxes)?;
    }

    // The band's edges, over the errors so they show where the errors fill the band.
    chart.draw_series(plan.bands.iter().flat_map(|&(a, b, h)| {
        [PathElement::new(vec![(a as f64, h), (b as f64, h)], edge), PathElement::new(vec![(a as f64, -h), (b as f64, -h)], edge)]
    }))?;

    // Clipped values: crosses, or triangles at the edge when off the scale.
    let size = theme.px(4.0);
    let style = ShapeStyle::from(theme.clip).stroke_width(theme.px(1.5));
    let (edge_top, edge_bottom) = (y1 - (y1 - y0) * 0.02, y0 + (y1 - y0) * 0.02);
    primitives += plan.clipped.len();
    let (off, on): (Vec<&Point>, Vec<&Point>) = plan.clipped.iter().partition(|p| p.error >= y1 || p.error <= y0);
    chart.draw_series(on.iter().map(|p| Cross::new((p.position as f64, p.error), size, style)))?;
    chart.draw_series(off.iter().map(|p| {
        let yy = if p.error >= y1 { edge_top } else { edge_bottom };
        TriangleMarker::new((p.position as f64, yy), size + 1, theme.clip.filled())
    }))?;
    let frame = common::frame(&chart, x, plan.y, false);
    Ok(Drawn { caption: caption(subject, plan), frame: Some(frame), primitives })
}
