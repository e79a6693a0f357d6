//! The format and compare charts against a recording backend: grid lines on the representable values,
//! clipped counts, scale bins, labelled format points, heatmap cells and the Pareto frontier.

mod common;

use common::record;
use proptest::prelude::*;
use quantscope_charts::format::{db, pct};
use quantscope_charts::grid_histogram::{self, GridValues, Units, MAX_FORMAT_GRID_LINES};
use quantscope_charts::heatmap::{self, Cell, Heatmap, Row};
use quantscope_charts::pareto::{self, ParetoData, PlanPoint, TensorPoint};
use quantscope_charts::recording::Op;
use quantscope_charts::scale_histogram::{self, Scales, Storage};
use quantscope_charts::tradeoff::{frontier, FormatResult};
use quantscope_charts::{format_sweep, Theme};

fn rgb(c: plotters::style::RGBColor) -> (u8, u8, u8) {
    (c.0, c.1, c.2)
}

fn close(a: i32, b: f64) -> bool {
    (a as f64 - b).abs() <= 1.0
}

/// E2M1's representable values (formats.md §3): ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}.
const E2M1: [f64; 16] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0];

/// NF4's table (formats.md §5).
const NF4: [f64; 16] = [
    -1.0,
    -0.6961928009986877,
    -0.5250730514526367,
    -0.39491748809814453,
    -0.28444138169288635,
    -0.18477343022823334,
    -0.09105003625154495,
    0.0,
    0.07958029955625534,
    0.16093020141124725,
    0.24611230194568634,
    0.33791524171829224,
    0.44070982933044434,
    0.5626170039176941,
    0.7229568362236023,
    1.0,
];

/// Every finite E4M3 "fn" value: (1 + m/8)·2^(e−7) for e ≥ 1, (m/8)·2^−6 for e = 0, S.1111.111 (NaN) left out.
fn e4m3() -> Vec<f64> {
    let mut out = Vec::new();
    for e in 0..16 {
        for m in 0..8 {
            if e == 15 && m == 7 {
                continue;
            }
            let v = if e == 0 { m as f64 / 8.0 * 2f64.powi(-6) } else { (1.0 + m as f64 / 8.0) * 2f64.powi(e - 7) };
            out.push(v);
            out.push(-v);
        }
    }
    out
}

#[test]
fn the_e2m1_grid_is_drawn_scaled_and_values_beyond_it_are_clipped() {
    // One MXFP4 block with the scale X = 0.5: the grid is ±{0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3}; 3.2 and −3.4 saturate.
    let values = [0.1, 0.3, -0.6, 0.74, 1.1, 1.6, 2.4, 2.9, 3.2, -3.4, -1.0, 0.0];
    let input = GridValues { label: "block 0", format: "MXFP4", values: &values, grid: &E2M1, scale: 0.5, units: Units::Original };
    let plan = grid_histogram::plan(&input);
    assert_eq!(plan.points.len(), 15, "±0 is one value");
    assert_eq!(plan.ends(), Some((-3.0, 3.0)));
    assert_eq!(plan.clipped, (1, 1));
    assert_eq!(plan.spacing, Some((0.25, 1.0)));
    assert!(!plan.uniform());
    assert_eq!(plan.inside.iter().sum::<u64>() + plan.clipped_bins.iter().sum::<u64>(), 12);
    assert_eq!(plan.clipped_bins.iter().sum::<u64>(), 2);

    let theme = Theme::light();
    let (log, drawn) = record(900, 480, |a| grid_histogram::draw_plan(a, &input, &plan, &theme).unwrap());
    let frame = drawn.frame.clone().unwrap();
    // One line per representable value, at its scaled position.
    let lines = log.vertical_lines(rgb(theme.curve));
    assert_eq!(lines.len(), 15, "{lines:?}");
    for (px, v) in lines.iter().zip(&plan.points) {
        assert!(close(*px, frame.pixel_x(*v)), "{v}: {px} vs {}", frame.pixel_x(*v));
    }
    // The outermost points as thresholds, and the two clipped values as bars in the clip colour (+ legend swatches).
    let thresholds = log.vertical_lines(rgb(theme.clip));
    assert_eq!(thresholds.len(), 2);
    assert!(close(thresholds[0], frame.pixel_x(-3.0)) && close(thresholds[1], frame.pixel_x(3.0)));
    let clip_rects = log.filled_rects(rgb(theme.clip));
    // 2 shaded regions + 2 clipped bars + 2 legend swatches (clipped values, and no other clip-coloured box).
    assert_eq!(clip_rects.len(), 2 + 2 + 1, "{clip_rects:?}");
    let texts = log.texts();
    assert!(texts.iter().any(|t| t == "grid × scale 0.5: 15 representable values, non-uniform"), "{texts:?}");
    // Both thresholds are near the plot's edges: their labels sit inside, pointing out.
    assert!(texts.contains(&format!("← {} clipped", pct(1.0 / 12.0))), "{texts:?}");
    assert!(texts.contains(&format!("{} clipped →", pct(1.0 / 12.0))), "{texts:?}");
    let c = &drawn.caption;
    assert!(c.contains("Histogram of block 0 on the MXFP4 grid (x, original value): 12 values"), "{c}");
    assert!(c.contains("grid from -3 to 3, spacing 0.25 to 1"), "{c}");
    assert!(c.contains(&format!("clipped (saturated to the outermost grid point) {} (2 values: ", pct(2.0 / 12.0))), "{c}");
}

#[test]
fn integer_codes_are_uniform_and_a_negative_scale_flips_the_grid() {
    // GGUF Q4_0: codes −8..7 times d, with d < 0 when the block's largest element is positive.
    let codes: Vec<f64> = (-8..=7).map(f64::from).collect();
    let values = [1.9, -1.0, 0.4, 2.0];
    let input = GridValues { label: "block", format: "Q4_0", values: &values, grid: &codes, scale: -0.25, units: Units::Original };
    let plan = grid_histogram::plan(&input);
    assert_eq!(plan.ends(), Some((-1.75, 2.0)));
    assert!(plan.uniform());
    assert_eq!(plan.clipped, (0, 0));
    assert!(grid_histogram::caption(&input, &plan).contains("16 representable values, uniform"));
}

#[test]
fn nf4_in_block_units_and_a_dense_e4m3_grid_thinned() {
    let values: Vec<f64> = (0..640).map(|i| ((i as f64) * 0.713).sin() * 1.05).collect();
    let input = GridValues { label: "w", format: "NF4", values: &values, grid: &NF4, scale: 1.0, units: Units::PerBlockScale };
    let plan = grid_histogram::plan(&input);
    assert_eq!(plan.points.len(), 16);
    assert_eq!(plan.drawn.len(), 16);
    assert!(grid_histogram::caption(&input, &plan).contains("(x / block scale)"));
    let beyond = values.iter().filter(|v| v.abs() > 1.0).count() as u64;
    assert!(beyond > 0);
    assert_eq!(plan.clipped.0 + plan.clipped.1, beyond);

    // E4M3: 253 distinct values, dense near zero: at most one line per 1/400 of the axis.
    let grid = e4m3();
    let values = [-300.0, 0.01, 2.0, 500.0];
    let input = GridValues { label: "t", format: "FP8 E4M3", values: &values, grid: &grid, scale: 1.0, units: Units::Original };
    let plan = grid_histogram::plan(&input);
    assert_eq!(plan.points.len(), 253);
    assert_eq!(plan.ends(), Some((-448.0, 448.0)));
    assert!(plan.drawn.len() < 253 && plan.drawn.len() <= MAX_FORMAT_GRID_LINES);
    assert!(plan.drawn.windows(2).all(|w| w[1] - w[0] >= (plan.x.1 - plan.x.0) / MAX_FORMAT_GRID_LINES as f64));
    assert_eq!(plan.clipped, (0, 1));
    let theme = Theme::dark();
    let (log, drawn) = record(900, 480, |a| grid_histogram::draw_plan(a, &input, &plan, &theme).unwrap());
    assert_eq!(log.vertical_lines(rgb(theme.curve)).len(), plan.drawn.len());
    assert!(drawn.caption.contains(&format!("{} of 253 lines drawn", plan.drawn.len())), "{}", drawn.caption);
}

#[test]
fn e8m0_scales_get_one_bar_per_exponent_and_zero_blocks_are_counted_apart() {
    let mut scales = vec![0.125; 5];
    scales.extend([0.25; 3]);
    scales.extend([1.0, 0.0, 0.0]);
    let input = Scales { label: "blk.0.attn_q.weight", format: "MXFP4", scales: &scales, storage: Storage::PowerOfTwo };
    let plan = scale_histogram::plan(&input);
    let counts: Vec<u64> = plan.bins.iter().map(|b| b.2).collect();
    assert_eq!(counts, vec![5, 3, 0, 1]);
    assert_eq!((plan.bins[0].0, plan.bins[3].1), (-3.5, 0.5));
    assert_eq!((plan.binned, plan.zeros, plan.negative), (9, 2, 0));
    assert_eq!(plan.summary, Some((0.125, 0.125, 1.0)));

    let theme = Theme::light();
    let (log, drawn) = record(800, 420, |a| scale_histogram::draw_plan(a, &input, &plan, &theme).unwrap());
    let frame = drawn.frame.clone().unwrap();
    // Three non-empty bars (and the legend swatch), each centred on its exponent, as tall as its count.
    let bars = log.filled_rects(rgb(theme.primary));
    assert_eq!(bars.len(), 3 + 1);
    for (bar, (e, n)) in bars[1..].iter().zip([(-3.0, 5.0), (-2.0, 3.0), (0.0, 1.0)]) {
        assert!(close((bar.0 .0 + bar.1 .0) / 2, frame.pixel_x(e)), "2^{e}");
        assert!(close(bar.0 .1, frame.pixel_y(n)), "2^{e}");
    }
    let texts = log.texts();
    for t in ["2^-3", "2^-2", "2^0", "block scale (log2 axis)"] {
        assert!(texts.iter().any(|s| s == t), "{t} in {texts:?}");
    }
    let c = &drawn.caption;
    assert!(c.contains("Block scales of blk.0.attn_q.weight (MXFP4): 11 blocks; |scale| from 0.125 to 1, median 0.125"), "{c}");
    assert!(c.contains("powers of two from 2^-3 to 2^0, one bar per exponent, most blocks at 2^-3"), "{c}");
    assert!(c.contains("2 zero (all-zero blocks"), "{c}");
}

#[test]
fn float16_scales_are_binned_by_magnitude_on_log2() {
    // GGUF Q4_0 d: negative where the block's largest element was positive.
    let scales: Vec<f64> = (0..200).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 } * 1e-3 * (1.0 + i as f64 / 50.0)).collect();
    let input = Scales { label: "w", format: "Q4_0", scales: &scales, storage: Storage::Continuous };
    let plan = scale_histogram::plan(&input);
    assert_eq!(plan.negative, 100);
    assert_eq!(plan.bins.iter().map(|b| b.2).sum::<u64>(), 200);
    assert!((plan.bins[0].0 - 1e-3f64.log2()).abs() < 1e-12);
    assert!((plan.bins.last().unwrap().1 - (1e-3 * (1.0 + 199.0 / 50.0f64)).log2()).abs() < 1e-12);
    assert!(scale_histogram::caption(&input, &plan).contains("100 negative (binned by magnitude)"));
    // Only zeros: nothing to bin, said so.
    let zeros = [0.0; 4];
    let input = Scales { label: "z", format: "Q8_0", scales: &zeros, storage: Storage::Continuous };
    let (log, drawn) = record(600, 300, |a| scale_histogram::draw(a, &input, &Theme::light()).unwrap());
    assert!(drawn.frame.is_none());
    assert!(log.texts().iter().any(|t| t == "every block scale is zero"));
    assert!(drawn.caption.contains("4 zero"), "{}", drawn.caption);
}

#[test]
fn scale_exponents_come_from_the_bits() {
    use scale_histogram::exponent;
    assert_eq!(exponent(2f64.powi(-127)), -127);
    assert_eq!(exponent(0.75), -1);
    assert_eq!(exponent(448.0), 8);
    assert_eq!(exponent(f64::from_bits(1)), -1074);
    assert_eq!(exponent(-3.0), 1);
}

fn formats() -> Vec<FormatResult> {
    vec![
        FormatResult::new("q8_0", 8.5, 40.12),
        FormatResult::new("int8:per-channel", 8.0 + 64.0 / 4096.0, 39.5),
        FormatResult::new("q4_0", 4.5, 17.25),
        FormatResult::new("nf4", 4.5, 18.9),
        FormatResult::new("mxfp4", 4.25, 16.02),
        FormatResult::new("nvfp4", 4.5 + 32.0 / 65536.0, 19.4),
        FormatResult::new("fp8-e4m3:per-channel", 8.0 + 32.0 / 4096.0, 31.0),
        FormatResult::not_applicable("q5_1", 6.0, "row length 100 is not a multiple of 32"),
    ]
}

#[test]
fn the_frontier_keeps_the_formats_nothing_beats() {
    let f = formats();
    let names: Vec<&str> = frontier(&f).into_iter().map(|i| f[i].format.as_str()).collect();
    // fp8 per channel has a few bits fewer than int8 per channel (a float32 scale and no zero point): on the frontier too.
    assert_eq!(names, ["mxfp4", "nf4", "nvfp4", "fp8-e4m3:per-channel", "int8:per-channel", "q8_0"]);
    // Lossless counts as the best.
    let lossless = vec![FormatResult::new("a", 4.0, f64::INFINITY), FormatResult::new("b", 8.0, 50.0)];
    assert_eq!(frontier(&lossless), vec![0]);
}

fn result() -> impl Strategy<Value = FormatResult> {
    (1u32..40, prop_oneof![4 => (0u32..60).prop_map(|v| Some(v as f64)), 1 => Just(None)]).prop_map(|(b, s)| FormatResult {
        format: format!("f{b}"),
        bits_per_weight: b as f64 / 4.0,
        sqnr_db: s,
        note: None,
    })
}

proptest! {
    /// Every drawable point is on the frontier or beaten by (or equal to) a frontier point, and no frontier
    /// point is beaten by any point.
    #[test]
    fn frontier_is_the_set_of_undominated_points(results in proptest::collection::vec(result(), 0..12)) {
        let front = frontier(&results);
        let key = |r: &FormatResult| (r.bits_per_weight, r.sqnr_db.unwrap());
        let beats = |a: (f64, f64), b: (f64, f64)| a.0 <= b.0 && a.1 >= b.1 && (a.0 < b.0 || a.1 > b.1);
        for &i in &front {
            prop_assert!(results[i].drawable());
            prop_assert!(!results.iter().filter(|r| r.drawable()).any(|r| beats(key(r), key(&results[i]))));
        }
        for r in results.iter().filter(|r| r.drawable()) {
            prop_assert!(front.iter().any(|&i| key(&results[i]) == key(r) || beats(key(&results[i]), key(r))));
        }
        prop_assert!(front.windows(2).all(|w| results[w[0]].bits_per_weight < results[w[1]].bits_per_weight));
    }
}

#[test]
fn format_sweep_labels_every_format_and_rings_the_chosen_one() {
    let sweep = format_sweep::FormatSweep { label: "blk.0.ffn_up.weight".into(), results: formats(), chosen: Some("nf4".into()) };
    let theme = Theme::light();
    let (log, drawn) = record(900, 480, |a| format_sweep::draw(a, &sweep, &theme).unwrap());
    let frame = drawn.frame.clone().unwrap();
    let texts = log.texts();
    for r in sweep.results.iter().filter(|r| r.drawable()) {
        let label = format!("{} · {} bpw · {}", r.format, quantscope_charts::format::sig(r.bits_per_weight, 4), db(r.sqnr_db));
        let label = if r.format == "nf4" { format!("{label} · chosen") } else { label };
        assert!(texts.contains(&label), "{label} in {texts:?}");
    }
    assert!(texts.iter().any(|t| t == "n/a: q5_1"), "{texts:?}");
    // The first format is a circle in the first category colour, at (8.5, 40.12).
    let circles = log.circles(rgb(theme.categories[0]));
    assert!(circles.iter().any(|c| close(c.0, frame.pixel_x(8.5)) && close(c.1, frame.pixel_y(40.12))), "{circles:?}");
    // The chosen one (nf4, index 3: a diamond) is ringed in the foreground colour.
    let ring = log.circles(rgb(theme.foreground));
    assert!(ring.iter().any(|c| close(c.0, frame.pixel_x(4.5)) && close(c.1, frame.pixel_y(18.9))), "{ring:?}");
    // The frontier: one path through its six points.
    let path = log
        .ops()
        .into_iter()
        .find_map(|op| match op {
            Op::Path { points, color, .. } if color.rgb == rgb(theme.muted) && points.len() == 6 => Some(points),
            _ => None,
        })
        .expect("the frontier line");
    assert!(close(path[0].0, frame.pixel_x(4.25)) && close(path[5].1, frame.pixel_y(40.12)));
    let c = &drawn.caption;
    assert!(c.starts_with("Bits per weight vs SQNR of blk.0.ffn_up.weight over 8 formats: q8_0 8.5 bpw 40.12 dB"), "{c}");
    assert!(c.contains("; chosen nf4 (4.5 bpw, 18.90 dB)"), "{c}");
    assert!(c.contains("Pareto frontier (no other format has fewer bits and a higher SQNR): mxfp4, nf4, nvfp4, fp8-e4m3:per-channel, int8:per-channel, q8_0"), "{c}");
    assert!(c.contains("not drawn: q5_1 (row length 100 is not a multiple of 32)"), "{c}");
}

fn heatmap_data(rows: usize) -> Heatmap {
    let formats: Vec<String> = ["q8_0", "q4_0", "mxfp4", "nf4"].iter().map(|s| s.to_string()).collect();
    let rows = (0..rows)
        .map(|r| Row {
            tensor: format!("model.layers.{r}.self_attn.q_proj.weight"),
            cells: vec![
                Cell::Sqnr(Some(40.0 + r as f64 * 0.1)),
                if r == 1 {
                    Cell::NotApplicable("row length 100 is not a multiple of 32".into())
                } else {
                    Cell::Sqnr(Some(17.0 + r as f64 * 0.01))
                },
                Cell::Sqnr(Some(16.0 - r as f64 * 0.01)),
                Cell::Sqnr(Some(18.5)),
            ],
        })
        .collect();
    Heatmap { model: "tiny".into(), formats, rows }
}

#[test]
fn heatmap_writes_every_number_colours_it_and_hatches_what_a_format_cannot_take() {
    let map = heatmap_data(3);
    let theme = Theme::light();
    let (log, drawn) = record(900, 400, |a| heatmap::draw(a, &map, 0, &theme).unwrap());
    let frame = drawn.frame.clone().unwrap();
    let texts = log.texts();
    for t in ["40.0", "40.1", "40.2", "17.0", "17.0", "n/a", "16.0", "15.99", "18.5", "q8_0", "mxfp4"] {
        let t = if t == "15.99" { "16.0" } else { t };
        assert!(texts.iter().any(|s| s == t), "{t} in {texts:?}");
    }
    // Rows in the order given: each tensor's label (what tells the names apart) is below the previous one; what
    // they share is written once over them.
    assert_eq!(
        heatmap::common_affixes(map.rows.iter().map(|r| r.tensor.as_str())),
        ("model.layers.".len(), ".self_attn.q_proj.weight".len())
    );
    assert!(texts.iter().any(|t| t == "model.layers.….self_attn.q_proj.weight"), "{texts:?}");
    let label_y: Vec<i32> = (0..3)
        .map(|r| {
            log.ops()
                .into_iter()
                .find_map(|op| match op {
                    Op::Text { text, at, .. } if text == r.to_string() => Some(at.1),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("row {r} label in {texts:?}"))
        })
        .collect();
    assert!(label_y.windows(2).all(|w| w[0] < w[1]), "{label_y:?}");
    // The highest SQNR is the scale's top colour, the lowest its bottom; the n/a cell is the grid colour, hatched.
    let (lo, hi) = heatmap::range(&map).unwrap();
    assert_eq!((lo, hi), (15.98, 40.2));
    let top = heatmap::color_at(1.0);
    let bottom = heatmap::color_at(0.0);
    assert_eq!(rgb(top), (0xfd, 0xe7, 0x25));
    assert_eq!(rgb(bottom), (0x44, 0x01, 0x54));
    let cell_of = |row: usize, col: usize| {
        let (cx, cy) = (frame.pixel_x(col as f64 + 0.5), frame.pixel_y(row as f64 + 0.5));
        log.ops().into_iter().rev().find_map(|op| match op {
            Op::Rect { from, to, color, fill: true }
                if (from.0 as f64) < cx && (to.0 as f64) > cx && (from.1 as f64) < cy && (to.1 as f64) > cy =>
            {
                Some(color.rgb)
            }
            _ => None,
        })
    };
    assert_eq!(cell_of(2, 0), Some(rgb(top)));
    assert_eq!(cell_of(2, 2), Some(rgb(bottom)));
    assert_eq!(cell_of(1, 1), Some(rgb(theme.grid)));
    let hatch = log
        .ops()
        .iter()
        .filter(|op| matches!(op, Op::Path { color, points, .. } if color.rgb == rgb(theme.muted) && points.len() == 2))
        .count();
    assert!(hatch >= 4, "{hatch} hatch lines");
    // Numbers in black on yellow, white on dark purple.
    assert_eq!(heatmap::text_on(top), plotters::style::RGBColor(0, 0, 0));
    assert_eq!(heatmap::text_on(bottom), plotters::style::RGBColor(255, 255, 255));
    // The frame maps a pixel back to its cell.
    assert_eq!(heatmap::cell_at(&frame, frame.pixel_x(2.5), frame.pixel_y(1.5)), Some((1, 2)));
    assert_eq!(heatmap::cell_at(&frame, 0.0, 0.0), None);
    let c = &drawn.caption;
    assert!(c.starts_with("SQNR heatmap of tiny: 3 tensors × 4 formats; SQNR from 15.98 dB to 40.20 dB"), "{c}");
    assert!(c.contains("q4_0 worst model.layers.0.self_attn.q_proj.weight (17.00 dB), 1 n/a"), "{c}");
    assert!(c.contains("mxfp4 worst model.layers.2.self_attn.q_proj.weight (15.98 dB)"), "{c}");
}

#[test]
fn heatmap_draws_the_rows_that_fit_from_the_first_asked() {
    let map = heatmap_data(300);
    let theme = Theme::light();
    let (_, drawn) = record(900, 500, |a| heatmap::draw(a, &map, 0, &theme).unwrap());
    let frame = drawn.frame.unwrap();
    let shown = frame.y.0 as usize;
    assert!(shown > 10 && shown < 300, "{shown}");
    // Each row at least MIN_ROW_PX high.
    assert!((frame.bottom - frame.top) as f64 / shown as f64 >= heatmap::MIN_ROW_PX - 0.01);
    assert!(drawn.caption.contains(&format!("(rows 1–{shown} shown, in the order given)")), "{}", drawn.caption);
    let (log, drawn) = record(900, 500, |a| heatmap::draw(a, &map, 295, &theme).unwrap());
    assert_eq!(drawn.frame.unwrap().y, (300.0, 295.0));
    assert!(log.texts().iter().any(|t| t == "rows 296–300 of 300"), "{:?}", log.texts());
    assert!(log.texts().iter().any(|t| t == "model.layers.….self_attn.q_proj.weight"), "{:?}", log.texts());
    // Names that share nothing, or a single name, are written whole; a cut never leaves a name empty.
    assert_eq!(heatmap::common_affixes(["a.weight", "b.bias"].into_iter()), (0, 0));
    assert_eq!(heatmap::common_affixes(["blk.0.w"].into_iter()), (0, 0));
    assert_eq!(heatmap::common_affixes(["x.w", "x.w"].into_iter()), (2, 0));
    assert_eq!(heatmap::common_affixes(["blk.0.attn_q.weight", "blk.12.ffn_up.weight"].into_iter()), (4, 7));
    assert_eq!(heatmap::shorten("model.layers.0.mlp.down_proj.weight", 20), "model.la…proj.weight");
}

fn pareto_data(tensors: usize) -> ParetoData {
    let mut points = Vec::new();
    for t in 0..tensors {
        for (f, bpw, base) in [("q8_0", 8.5, 40.0), ("q4_0", 4.5, 17.0), ("nf4", 4.5, 18.0), ("mxfp4", 4.25, 15.5)] {
            let s = base + ((t * 7919 % 101) as f64 / 100.0 - 0.5) * 4.0;
            points.push(TensorPoint { tensor: format!("blk.{t}.w"), format: f.into(), bits_per_weight: bpw, sqnr_db: Some(s) });
        }
    }
    let totals = vec![
        FormatResult::new("q8_0", 8.5, 40.1),
        FormatResult::new("q4_0", 4.5, 16.9),
        FormatResult::new("nf4", 4.5, 18.2),
        FormatResult::new("mxfp4", 4.25, 15.4),
    ];
    ParetoData {
        model: "tiny".into(),
        points,
        totals,
        plan: Some(PlanPoint { label: "plan at 5 bpw".into(), bits_per_weight: 5.0, sqnr_db: Some(24.0) }),
    }
}

#[test]
fn pareto_draws_every_tensor_the_totals_frontier_and_the_plan() {
    let data = pareto_data(6);
    let plan = pareto::plan(&data);
    assert_eq!(plan.formats, ["q8_0", "q4_0", "nf4", "mxfp4"]);
    assert_eq!(plan.shown.len(), 24);
    // q4_0 is dominated by nf4 (same bits, lower SQNR): off the frontier.
    let front: Vec<&str> = plan.frontier.iter().map(|&i| data.totals[i].format.as_str()).collect();
    assert_eq!(front, ["mxfp4", "nf4", "q8_0"]);
    // q4_0 and nf4 share 4.5 bpw: side by side, opposite offsets.
    assert!(plan.offsets[1] != 0 && plan.offsets[1] == -plan.offsets[2], "{:?}", plan.offsets);
    assert_eq!((plan.offsets[0], plan.offsets[3]), (0, 0));

    let theme = Theme::light();
    let (log, drawn) = record(900, 520, |a| pareto::draw_plan(a, &data, &plan, &theme).unwrap());
    let frame = drawn.frame.clone().unwrap();
    // q8_0's points are circles: six tensors, one large total (its outline in the foreground colour), a legend swatch.
    let q8 = log.circles(rgb(theme.categories[0]));
    assert_eq!(q8.len(), 6 + 1 + 1, "{q8:?}");
    assert!(q8.iter().all(|c| close(c.0, frame.pixel_x(8.5)) || c.1 < frame.top), "{q8:?}");
    // The frontier: a path through the three frontier totals.
    let line = log
        .ops()
        .into_iter()
        .find_map(|op| match op {
            Op::Path { points, color, .. } if color.rgb == rgb(theme.foreground) && points.len() == 3 => Some(points),
            _ => None,
        })
        .expect("the frontier");
    assert!(close(line[0].0, frame.pixel_x(4.25)) && close(line[0].1, frame.pixel_y(15.4)));
    assert!(close(line[2].0, frame.pixel_x(8.5)) && close(line[2].1, frame.pixel_y(40.1)));
    // The plan: a ring and a cross in the clip colour at (5, 24).
    let ring = log.circles(rgb(theme.clip));
    assert!(ring.iter().any(|c| close(c.0, frame.pixel_x(5.0)) && close(c.1, frame.pixel_y(24.0))), "{ring:?}");
    let texts = log.texts();
    assert!(texts.iter().any(|t| t == "plan at 5 bpw: 5 bpw · 24.00 dB"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "q4_0 · 4.5 bpw · 16.90 dB (off the frontier)"), "{texts:?}");
    for f in ["q8_0", "q4_0", "nf4", "mxfp4"] {
        assert!(texts.iter().any(|t| t == f), "legend {f} in {texts:?}");
    }
    let c = &drawn.caption;
    assert!(c.starts_with("Pareto chart of tiny: bits per weight vs SQNR for 6 tensors in 4 formats (24 points)"), "{c}");
    assert!(c.contains("model totals: q8_0 8.5 bpw 40.10 dB, q4_0 4.5 bpw 16.90 dB"), "{c}");
    assert!(c.contains("; frontier: mxfp4, nf4, q8_0; plan at 5 bpw: 5 bpw, 24.00 dB"), "{c}");
    assert!(c.contains("worst tensor per format: q8_0 blk."), "{c}");
    assert!(c.contains("a few pixels apart"), "{c}");
}

#[test]
fn a_large_model_draws_a_bounded_number_of_points() {
    let data = pareto_data(5000);
    let plan = pareto::plan(&data);
    assert_eq!(plan.drawable, 20_000);
    assert!(plan.shown.len() <= quantscope_charts::data::MAX_POINTS);
    let (log, drawn) = record(900, 520, |a| pareto::draw_plan(a, &data, &plan, &Theme::light()).unwrap());
    assert!(drawn.caption.contains("drawn: one per pixel cell and format"), "{}", drawn.caption);
    assert!(log.len() < 4000, "{}", log.len());
    // Nothing to compare: a message, no frame.
    let (log, drawn) = record(600, 300, |a| pareto::draw(a, &ParetoData::default(), &Theme::light()).unwrap());
    assert!(drawn.frame.is_none() && log.texts().iter().any(|t| t == "no tensor could be compared"));
    let (_, drawn) = record(600, 300, |a| heatmap::draw(a, &Heatmap::default(), 0, &Theme::light()).unwrap());
    assert!(drawn.frame.is_none());
}

/// A compare report on real values through the core: a 4 × 64 tensor every format takes, a 2 × 96 one that
/// the 64-value NF4 blocks cannot take, and a 1-D norm no format takes.
fn compare_report() -> (quantscope_core::compare::CompareReport, Vec<Vec<f32>>) {
    use quantscope_core::compare::{self, CompareReport};
    let formats = compare::parse_formats("q8_0,q4_0,mxfp4,nf4").unwrap();
    let a: Vec<f32> = common::normals(4 * 64, 3).iter().map(|v| *v as f32 * 0.05).collect();
    let b: Vec<f32> = common::normals(2 * 96, 4).iter().map(|v| *v as f32 * 0.2).collect();
    let norm: Vec<f32> = vec![1.0; 64];
    let tensors = vec![
        compare::measure("blk.0.attn_q.weight", &[4, 64], "f32", 32 * 256, &a, &formats),
        compare::measure("blk.0.attn_k.weight", &[2, 96], "f32", 32 * 192, &b, &formats),
        compare::measure("blk.0.attn_norm.weight", &[64], "f32", 32 * 64, &norm, &formats),
    ];
    let names = formats.iter().map(|f| f.to_string()).collect();
    (CompareReport::new(vec!["model.safetensors".into()], names, tensors), vec![a, b])
}

#[test]
fn charts_fill_from_a_compare_report_of_the_core() {
    use quantscope_core::compare::plan::{self, Budget, PlanOptions, EXACT_LIMIT};
    let (report, values) = compare_report();
    // The heatmap: the two measured tensors (the norm is kept), each cell the core's SQNR or its refusal.
    let map = Heatmap::from_compare("model", &report);
    assert_eq!(map.formats, ["q8_0", "q4_0", "mxfp4", "nf4"]);
    assert_eq!(map.rows.iter().map(|r| r.tensor.as_str()).collect::<Vec<_>>(), ["blk.0.attn_q.weight", "blk.0.attn_k.weight"]);
    for (row, t) in map.rows.iter().zip(&report.tensors) {
        for (cell, r) in row.cells.iter().zip(&t.results) {
            match (cell, r.measured()) {
                (Cell::Sqnr(s), Some(m)) => assert_eq!(*s, m.sqnr_db),
                (Cell::NotApplicable(reason), None) => assert!(!reason.is_empty()),
                other => panic!("{other:?}"),
            }
        }
    }
    assert!(matches!(&map.rows[1].cells[3], Cell::NotApplicable(r) if r.contains("96")), "{:?}", map.rows[1].cells[3]);
    let q8 = report.tensors[0].results[0].measured().unwrap().sqnr_db.unwrap();
    let (log, _) = record(900, 400, |a| heatmap::draw(a, &map, 0, &Theme::light()).unwrap());
    assert!(log.texts().contains(&format!("{q8:.1}")), "{:?}", log.texts());

    // The Pareto data: 4 + 3 points, the totals, and the plan's SQNR from its total squared error.
    let plan =
        plan::plan(&report, &PlanOptions { formats: vec![], budget: Budget::BitsPerWeight(20.0), pins: vec![], exact_limit: EXACT_LIMIT })
            .unwrap();
    let data = ParetoData::from_compare("model", &report, Some(&plan));
    assert_eq!(data.points.len(), 4 + 3);
    assert_eq!(data.totals.len(), 4);
    assert_eq!(data.totals[0].bits_per_weight, report.totals[0].bits_per_weight);
    let signal: f64 = values.iter().flatten().map(|&x| (x as f64) * (x as f64)).sum();
    let p = data.plan.clone().unwrap();
    assert_eq!(p.bits_per_weight, plan.bits_per_weight);
    let want = 10.0 * (signal / plan.total_squared_error).log10();
    assert!((p.sqnr_db.unwrap() - want).abs() < 1e-9, "{:?} vs {want}", p.sqnr_db);
    let (_, drawn) = record(900, 480, |a| pareto::draw(a, &data, &Theme::light()).unwrap());
    assert!(drawn.caption.contains(&format!("plan: {} bpw", quantscope_charts::format::sig(plan.bits_per_weight, 4))), "{}", drawn.caption);

    // One tensor's formats for the bits-per-weight chart, nf4's refusal carried as its note.
    let sweep = format_sweep::FormatSweep::from_tensor(&report.tensors[1], Some("q4_0"));
    assert_eq!(sweep.results.len(), 4);
    assert!(sweep.results[3].note.as_deref().is_some_and(|n| n.contains("96")));
    assert_eq!(sweep.chosen_index(), Some(1));
    assert!(format_sweep::caption(&sweep).contains("not drawn: nf4 ("));
    assert_eq!(Storage::of(quantscope_core::format::ScaleStorage::E8M0), Storage::PowerOfTwo);
    assert_eq!(Storage::of(quantscope_core::format::ScaleStorage::F16), Storage::Continuous);
}

#[test]
fn hover_names_the_bin_the_cell_and_the_nearest_point() {
    use quantscope_charts::hover;
    let theme = Theme::light();
    // The E2M1 block of the first test: at x = 2.4 the nearest grid value is 2 (X = 0.5: 4·0.5 = 2, 6·0.5 = 3).
    let values = [0.1, 0.3, -0.6, 0.74, 1.1, 1.6, 2.4, 2.9, 3.2, -3.4, -1.0, 0.0];
    let input = GridValues { label: "block 0", format: "MXFP4", values: &values, grid: &E2M1, scale: 0.5, units: Units::Original };
    let plan = grid_histogram::plan(&input);
    let (_, drawn) = record(900, 480, |a| grid_histogram::draw_plan(a, &input, &plan, &theme).unwrap());
    let f = drawn.frame.unwrap();
    let mid = (f.top + f.bottom) as f64 / 2.0;
    let h = hover::grid_histogram(&plan, &f, f.pixel_x(2.4), mid).unwrap();
    assert!(h.contains(" · nearest grid value 2"), "{h}");
    let h = hover::grid_histogram(&plan, &f, f.pixel_x(3.15), mid).unwrap();
    assert!(h.contains("1 clipped") && h.ends_with("above the grid: saturates to 3"), "{h}");
    assert!(hover::grid_histogram(&plan, &f, 0.0, 0.0).is_none());

    let map = heatmap_data(3);
    let (_, drawn) = record(900, 400, |a| heatmap::draw(a, &map, 0, &theme).unwrap());
    let f = drawn.frame.unwrap();
    let at = |row: f64, col: f64| hover::heatmap(&map, &f, f.pixel_x(col + 0.5), f.pixel_y(row + 0.5));
    assert_eq!(at(0.0, 0.0).unwrap(), "model.layers.0.self_attn.q_proj.weight · q8_0: SQNR 40.00 dB");
    assert_eq!(at(1.0, 1.0).unwrap(), "model.layers.1.self_attn.q_proj.weight · q4_0: n/a (row length 100 is not a multiple of 32)");

    let sweep = format_sweep::FormatSweep { label: "t".into(), results: formats(), chosen: None };
    let (_, drawn) = record(900, 480, |a| format_sweep::draw(a, &sweep, &theme).unwrap());
    let f = drawn.frame.unwrap();
    assert_eq!(hover::format_sweep(&sweep, &f, f.pixel_x(8.5) + 2.0, f.pixel_y(40.12), 10.0).unwrap(), "q8_0 · 8.5 bpw · 40.12 dB");
    assert!(hover::format_sweep(&sweep, &f, f.pixel_x(6.0), f.pixel_y(25.0), 10.0).is_none());

    let data = pareto_data(6);
    let plan = pareto::plan(&data);
    let (_, drawn) = record(900, 520, |a| pareto::draw_plan(a, &data, &plan, &theme).unwrap());
    let f = drawn.frame.unwrap();
    assert_eq!(hover::pareto(&data, &plan, &f, f.pixel_x(5.0), f.pixel_y(24.0), 10.0).unwrap(), "plan at 5 bpw: 5 bpw · 24.00 dB");
    assert_eq!(hover::pareto(&data, &plan, &f, f.pixel_x(8.5), f.pixel_y(40.1), 3.0).unwrap(), "model total · q8_0 · 8.5 bpw · 40.10 dB");
    let p = &data.points[0];
    let h = hover::pareto(&data, &plan, &f, f.pixel_x(p.bits_per_weight), f.pixel_y(p.sqnr_db.unwrap()), 1.0).unwrap();
    assert!(h.starts_with("blk.") && h.contains(" · q8_0 · 8.5 bpw · "), "{h}");
}

/// Any float, the awkward ones often: NaN, ±∞, ±0, the extremes, subnormals.
fn any_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -10.0f64..10.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-0.0),
        1 => Just(f64::MAX),
        1 => Just(-f64::MAX),
        1 => Just(5e-324),
        1 => proptest::num::f64::ANY,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// No input makes a chart panic: every chart draws something and a caption.
    #[test]
    fn no_input_makes_a_format_chart_panic(
        values in proptest::collection::vec(any_float(), 0..40),
        grid in proptest::collection::vec(any_float(), 0..20),
        scale in any_float(),
        pairs in proptest::collection::vec((any_float(), proptest::option::of(any_float())), 0..12),
        rows in 0usize..6,
        first_row in 0usize..8,
        power in any::<bool>(),
    ) {
        let theme = Theme::light();
        let input = GridValues { label: "p", format: "f", values: &values, grid: &grid, scale, units: Units::Original };
        let (_, drawn) = record(500, 300, |a| grid_histogram::draw(a, &input, &theme).unwrap());
        prop_assert!(!drawn.caption.is_empty());
        let storage = if power { Storage::PowerOfTwo } else { Storage::Continuous };
        let scales = Scales { label: "p", format: "f", scales: &values, storage };
        let (_, drawn) = record(500, 300, |a| scale_histogram::draw(a, &scales, &theme).unwrap());
        prop_assert!(!drawn.caption.is_empty());
        let results: Vec<FormatResult> =
            pairs.iter().enumerate().map(|(i, &(b, s))| FormatResult { format: format!("f{i}"), bits_per_weight: b, sqnr_db: s, note: None }).collect();
        let sweep = format_sweep::FormatSweep { label: "p".into(), results: results.clone(), chosen: Some("f0".into()) };
        let (_, drawn) = record(500, 300, |a| format_sweep::draw(a, &sweep, &theme).unwrap());
        prop_assert!(!drawn.caption.is_empty());
        let points = results
            .iter()
            .enumerate()
            .map(|(i, r)| TensorPoint { tensor: format!("t{}", i % 3), format: r.format.clone(), bits_per_weight: r.bits_per_weight, sqnr_db: r.sqnr_db })
            .collect();
        let plan = results.first().map(|r| PlanPoint { label: "plan".into(), bits_per_weight: r.bits_per_weight, sqnr_db: r.sqnr_db });
        let data = ParetoData { model: "p".into(), points, totals: results.clone(), plan };
        let (_, drawn) = record(500, 300, |a| pareto::draw(a, &data, &theme).unwrap());
        prop_assert!(!drawn.caption.is_empty());
        let map = Heatmap {
            model: "p".into(),
            formats: results.iter().map(|r| r.format.clone()).collect(),
            rows: (0..rows).map(|r| Row { tensor: format!("a.{r}.w"), cells: results.iter().map(|x| Cell::Sqnr(x.sqnr_db)).collect() }).collect(),
        };
        let (_, drawn) = record(500, 300, |a| heatmap::draw(a, &map, first_row, &theme).unwrap());
        prop_assert!(!drawn.caption.is_empty());
    }
}
