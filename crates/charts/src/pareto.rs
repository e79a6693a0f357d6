//! Pareto chart of a model: bits per weight vs SQNR, one small point per tensor and format, the model's
//! total per format as a large labelled point, the frontier of those totals (the formats no other beats on
//! both) as a line, and the plan's mixed-precision choice marked. Each format has its own colour *and*
//! marker, named in the legend; formats that share a bits-per-weight figure (NF4 and Q4_0 at 4.5) are set
//! a few pixels apart so neither hides the other (said in the caption).
//!
//! The page and the PDF fill [`ParetoData`] from `quantscope compare --format json`: each `tensors[].results[]`
//! with numbers is a [`TensorPoint`], each `totals[]` item a [`FormatResult`]; the plan's `bits_per_weight` and
//! its SQNR over the model (`10·log10(Σx² / total_squared_error)`) are the [`PlanPoint`]; [`ParetoData::from_compare`]
//! does it from the core's [`CompareReport`] and plan.

use crate::common::{self, Axes, Swatch};
use crate::data::{self, plottable, CELLS, MAX_POINTS};
use crate::format::{self, count};
use crate::theme::Theme;
use crate::tradeoff::{self, FormatResult, Label};
use crate::{Area, ChartResult, Drawn};
use plotters::prelude::*;
use quantscope_core::compare::{self, CompareReport};

/// One tensor in one format.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorPoint {
    /// The tensor's name.
    pub tensor: String,
    /// The format's name.
    pub format: String,
    /// Bits per weight of this tensor in this format.
    pub bits_per_weight: f64,
    /// Its SQNR in dB (`None`: the format cannot take the tensor; not drawn).
    pub sqnr_db: Option<f64>,
}

/// The plan's assignment over the whole model.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanPoint {
    /// What to call it (`plan at 4.5 bpw`).
    pub label: String,
    /// Its bits per weight.
    pub bits_per_weight: f64,
    /// Its SQNR over the model in dB.
    pub sqnr_db: Option<f64>,
}

/// What the chart shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParetoData {
    /// The model (`Llama-3.2-1B (2 files)`).
    pub model: String,
    /// Every tensor in every format.
    pub points: Vec<TensorPoint>,
    /// The model's total per format; their order sets each format's colour and marker.
    pub totals: Vec<FormatResult>,
    /// The plan, when one was made.
    pub plan: Option<PlanPoint>,
}

impl ParetoData {
    /// A compare report (every measured tensor in every format it took, the totals per format) and the plan made
    /// from it. The plan's SQNR is `10·log10(Σ signal / total_squared_error)`, Σ signal over the measured
    /// tensors (a tensor's signal power is the same in every format; kept tensors add no error and no signal).
    pub fn from_compare(model: impl Into<String>, report: &CompareReport, plan: Option<&compare::plan::Plan>) -> Self {
        let points = report
            .tensors
            .iter()
            .flat_map(|t| {
                t.results.iter().filter_map(move |r| {
                    let m = r.measured()?;
                    Some(TensorPoint {
                        tensor: t.name.clone(),
                        format: r.format.clone(),
                        bits_per_weight: m.bits_per_weight,
                        sqnr_db: m.sqnr_db,
                    })
                })
            })
            .collect();
        let signal: f64 = report.tensors.iter().filter_map(|t| t.results.iter().find_map(|r| r.measured())).map(|m| m.signal_power).sum();
        let plan = plan.map(|p| PlanPoint {
            label: if p.optimal { "plan".into() } else { "plan (within its gap bound)".into() },
            bits_per_weight: p.bits_per_weight,
            sqnr_db: match (signal > 0.0, p.total_squared_error > 0.0) {
                (true, true) => Some(10.0 * (signal / p.total_squared_error).log10()),
                (true, false) => Some(f64::INFINITY),
                (false, _) => None,
            },
        });
        ParetoData { model: model.into(), points, totals: report.totals.iter().map(FormatResult::from).collect(), plan }
    }
}

/// What the chart will draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The x range (bits per weight).
    pub x: (f64, f64),
    /// The y range (SQNR dB).
    pub y: (f64, f64),
    /// The formats, totals' order first, then any only the tensor points name.
    pub formats: Vec<String>,
    /// Each format's pixel offset along x (formats sharing a bits-per-weight figure side by side), unscaled.
    pub offsets: Vec<i32>,
    /// The tensor points drawn (indices into `points`), at most one per pixel cell and format.
    pub shown: Vec<usize>,
    /// Tensor points with an SQNR.
    pub drawable: usize,
    /// The totals on the frontier (indices into `totals`), by increasing bits per weight.
    pub frontier: Vec<usize>,
    /// Distinct tensors among the points.
    pub tensors: usize,
    /// Each format's worst tensor point (index into `points`), in the order of `formats`.
    pub worst: Vec<Option<usize>>,
}

/// Computes the plan: ranges, formats, offsets, the thinned points, the frontier.
pub fn plan(data: &ParetoData) -> Plan {
    let mut formats: Vec<String> = data.totals.iter().map(|t| t.format.clone()).collect();
    for p in &data.points {
        if !formats.contains(&p.format) {
            formats.push(p.format.clone());
        }
    }
    let lookup: std::collections::HashMap<&str, usize> = formats.iter().enumerate().map(|(i, f)| (f.as_str(), i)).collect();
    let index = |name: &str| lookup.get(name).copied().unwrap_or(0);
    let drawable: Vec<usize> = (0..data.points.len())
        .filter(|&i| plottable(data.points[i].bits_per_weight) && data.points[i].sqnr_db.is_some_and(tradeoff::sqnr_plottable))
        .collect();
    let plan_point = data.plan.iter().filter(|p| plottable(p.bits_per_weight) && p.sqnr_db.is_none_or(tradeoff::sqnr_plottable));
    let xs = drawable.iter().map(|&i| data.points[i].bits_per_weight);
    let xs = xs
        .chain(data.totals.iter().filter(|t| t.drawable()).map(|t| t.bits_per_weight))
        .chain(plan_point.clone().map(|p| p.bits_per_weight));
    let x = tradeoff::bits_range(xs);
    let ys = drawable.iter().filter_map(|&i| data.points[i].sqnr_db);
    let y = tradeoff::sqnr_range(ys.chain(data.totals.iter().filter_map(|t| t.sqnr_db)).chain(plan_point.filter_map(|p| p.sqnr_db)));
    // Formats whose totals lie within 0.05 bpw of each other: side by side, 7 px apart.
    let bits: Vec<f64> =
        formats.iter().map(|f| data.totals.iter().find(|t| &t.format == f).map_or(f64::NAN, |t| t.bits_per_weight)).collect();
    let mut offsets = vec![0i32; formats.len()];
    let mut by_bits: Vec<usize> = (0..formats.len()).filter(|&i| plottable(bits[i])).collect();
    by_bits.sort_by(|&a, &b| bits[a].total_cmp(&bits[b]));
    let mut start = 0;
    while start < by_bits.len() {
        let mut end = start + 1;
        while end < by_bits.len() && bits[by_bits[end]] - bits[by_bits[end - 1]] < 0.05 {
            end += 1;
        }
        let n = (end - start) as i32;
        for (k, &f) in by_bits[start..end].iter().enumerate() {
            offsets[f] = 7 * (2 * k as i32 - (n - 1));
            offsets[f] /= 2;
        }
        start = end;
    }
    let key = |&i: &usize| {
        let p = &data.points[i];
        ((p.bits_per_weight, tradeoff::plotted(p.sqnr_db.unwrap_or(f64::NAN), y)), index(&p.format))
    };
    let (shown, _) = data::thin_cells(drawable.iter().copied(), x, y, key, formats.len(), CELLS, MAX_POINTS);
    let frontier = tradeoff::frontier(&data.totals);
    let tensors = data.points.iter().map(|p| p.tensor.as_str()).collect::<std::collections::HashSet<_>>().len();
    let mut worst: Vec<Option<usize>> = vec![None; formats.len()];
    for &i in &drawable {
        let w = &mut worst[index(&data.points[i].format)];
        let sqnr = |j: usize| data.points[j].sqnr_db.unwrap_or(f64::NAN);
        if w.is_none_or(|j| sqnr(i) < sqnr(j)) {
            *w = Some(i);
        }
    }
    Plan { x, y, formats, offsets, shown, drawable: drawable.len(), frontier, tensors, worst }
}

/// The text alternative: the model, the totals per format, the frontier, the plan and each format's worst tensor.
pub fn caption(data: &ParetoData, plan: &Plan) -> String {
    let mut s = format!(
        "Pareto chart of {}: bits per weight vs SQNR for {} tensors in {} formats ({} points",
        data.model,
        count(plan.tensors as u64),
        count(plan.formats.len() as u64),
        count(plan.drawable as u64)
    );
    if plan.shown.len() < plan.drawable {
        s += &format!(", {} drawn: one per pixel cell and format", count(plan.shown.len() as u64));
    }
    s += ")";
    let totals: Vec<String> =
        data.totals.iter().map(|t| format!("{} {} bpw {}", t.format, format::sig(t.bits_per_weight, 4), format::db(t.sqnr_db))).collect();
    if !totals.is_empty() {
        s += &format!("; model totals: {}", totals.join(", "));
    }
    let front: Vec<&str> = plan.frontier.iter().map(|&i| data.totals[i].format.as_str()).collect();
    if !front.is_empty() {
        s += &format!("; frontier: {}", front.join(", "));
    }
    if let Some(p) = &data.plan {
        s += &format!("; {}: {} bpw, {}", p.label, format::sig(p.bits_per_weight, 4), format::db(p.sqnr_db));
    }
    let worst: Vec<String> = plan
        .formats
        .iter()
        .zip(&plan.worst)
        .filter_map(|(f, w)| {
            let p = &data.points[(*w)?];
            Some(format!("{f} {} ({})", p.tensor, format::db(p.sqnr_db)))
        })
        .collect();
    if !worst.is_empty() {
        s += &format!("; worst tensor per format: {}", worst.join(", "));
    }
    if plan.offsets.iter().any(|o| *o != 0) {
        s += "; formats with the same bits per weight are drawn a few pixels apart";
    }
    s += ".";
    s
}

/// Draws the Pareto chart (computes the [`plan`] first).
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, data: &ParetoData, theme: &Theme) -> ChartResult<Drawn, DB> {
    draw_plan(area, data, &plan(data), theme)
}

/// Draws the chart from a plan computed before.
pub fn draw_plan<DB: DrawingBackend>(area: &Area<DB>, data: &ParetoData, plan: &Plan, theme: &Theme) -> ChartResult<Drawn, DB> {
    let title = format!("Pareto: bits per weight vs SQNR · {}", data.model);
    if plan.drawable == 0 && !data.totals.iter().any(|t| t.drawable()) {
        return common::nothing(area, theme, &title, "no tensor could be compared", caption(data, plan));
    }
    let (x, y) = (plan.x, plan.y);
    let index = |name: &str| plan.formats.iter().position(|f| f == name).unwrap_or(0);
    let mut legend: Vec<_> = plan
        .formats
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (color, marker) = tradeoff::look(theme, i);
            common::entry(Swatch::Marker(color, marker), f.clone())
        })
        .collect();
    legend.push(common::entry(Swatch::Line(theme.foreground, 2.0), "model totals' frontier (large points)"));
    if let Some(p) = &data.plan {
        legend.push(common::entry(Swatch::Cross(theme.clip), p.label.clone()));
    }
    let mut axes = Axes::new(&title, x, y, "bits per weight (scales included)", "SQNR (dB), higher is better");
    axes.x_labels = 10;
    let mut chart = common::chart(area, theme, &axes, &legend)?;
    let offset = |f: usize| (theme.px(plan.offsets[f].abs() as f64) as i32 * plan.offsets[f].signum(), 0);
    let mut primitives = 0;

    // Tensor points: small, translucent, under everything else; one series per format.
    let r = theme.px(2.5) as i32;
    let mut by_format: Vec<Vec<(f64, f64)>> = vec![Vec::new(); plan.formats.len()];
    for &i in &plan.shown {
        let p = &data.points[i];
        by_format[index(&p.format)].push((p.bits_per_weight, tradeoff::plotted(p.sqnr_db.unwrap_or(f64::NAN), y)));
    }
    for (f, points) in by_format.into_iter().enumerate() {
        let (color, marker) = tradeoff::look(theme, f);
        primitives += points.len();
        common::draw_markers(&mut chart, points, offset(f), marker, r, color.mix(0.55).filled())?;
    }

    // The frontier of the totals, then each total as a large outlined point with its label.
    let total_at = |t: &FormatResult| (t.bits_per_weight, tradeoff::plotted(t.sqnr_db.unwrap_or(f64::NAN), y));
    if plan.frontier.len() >= 2 {
        let line: Vec<(f64, f64)> = plan.frontier.iter().map(|&i| total_at(&data.totals[i])).collect();
        chart.draw_series(std::iter::once(PathElement::new(line, ShapeStyle::from(theme.foreground).stroke_width(theme.px(2.0)))))?;
        primitives += 1;
    }
    let big = theme.px(5.5) as i32;
    let mut labels = Vec::new();
    for (i, t) in data.totals.iter().enumerate().filter(|(_, t)| t.drawable()) {
        let f = index(&t.format);
        let (color, marker) = tradeoff::look(theme, f);
        let on_front = plan.frontier.contains(&i);
        common::draw_marker(&mut chart, total_at(t), offset(f), marker, big + 1, ShapeStyle::from(theme.foreground).filled())?;
        let fill = if on_front { color.filled() } else { ShapeStyle::from(theme.background).filled() };
        common::draw_marker(&mut chart, total_at(t), offset(f), marker, big - 1, fill)?;
        primitives += 1;
        let mut full = tradeoff::point_label(t);
        if !on_front {
            full += " (off the frontier)";
        }
        labels.push(Label { at: total_at(t), full, short: t.format.clone(), color });
    }
    if let Some(p) = data.plan.as_ref().filter(|p| plottable(p.bits_per_weight) && p.sqnr_db.is_some_and(tradeoff::sqnr_plottable)) {
        let at = (p.bits_per_weight, tradeoff::plotted(p.sqnr_db.unwrap_or(f64::NAN), y));
        let style = ShapeStyle::from(theme.clip).stroke_width(theme.px(2.5));
        chart.draw_series(std::iter::once(EmptyElement::at(at) + Circle::new((0, 0), big + theme.px(3.0) as i32, style)))?;
        chart.draw_series(std::iter::once(EmptyElement::at(at) + Cross::new((0, 0), big, style)))?;
        primitives += 1;
        let full = format!("{}: {} bpw · {}", p.label, format::sig(p.bits_per_weight, 4), format::db(p.sqnr_db));
        labels.push(Label { at, full, short: p.label.clone(), color: theme.clip });
    }
    tradeoff::place_labels(&mut chart, theme, &labels, big + theme.px(3.0) as i32)?;
    let frame = common::frame(&chart, x, y, false);
    Ok(Drawn { caption: caption(data, plan), frame: Some(frame), primitives })
}
