//! Fixtures shared by the chart tests and the previews.
#![allow(dead_code)]

use plotters::prelude::*;
use quantscope_charts::recording::{Log, RecordingBackend};
use quantscope_charts::{Area, Drawn};
use quantscope_core::dtype::Dtype;
use quantscope_core::tools::{self, TensorReport, ToolOptions, ValuesReport};

/// Values -0.50, -0.49, ..., 1.50 (201 values) on int4 with the range [-0.3, 1.2]:
/// s = 1.5 / 15 = 0.1, z = round(-8 - (-0.3 / 0.1)) = -5, levels x̂_k = (k + 5) · 0.1 from -0.3 to 1.2.
pub fn int4_values() -> ValuesReport {
    let text: Vec<String> = (0..=200).map(|i| format!("{:.2}", -0.5 + i as f64 * 0.01)).collect();
    let mut options = ToolOptions { range: "-0.3:1.2".into(), tensor_name: "w".into(), ..ToolOptions::default() };
    options.spec.dtype = Dtype::new(true, 4).unwrap();
    tools::values(&text.join(", "), &options).unwrap()
}

/// Deterministic pseudo-normal values (sum of uniforms from a small LCG).
pub fn normals(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n).map(|_| (0..4).map(|_| next()).sum::<f64>() - 2.0).collect()
}

/// A tensor of `channels` channels of `per` values each, channel c scaled by `scales[c % len]`,
/// through the tensor tool with per-element results kept.
pub fn tensor(channels: usize, per: usize, options: ToolOptions) -> (String, TensorReport) {
    let scales = [1.0, 0.5, 0.12, 0.03, 0.8, 0.25];
    let mut text = String::new();
    for c in 0..channels {
        let vals = normals(per, c as u64 + 1);
        let s = scales[c % scales.len()];
        let row: Vec<String> = vals.iter().map(|v| format!("{:.5}", v * s)).collect();
        text += &format!("ch{c}: {}\n", row.join(", "));
    }
    let options = ToolOptions { keep_values: true, tensor_name: "conv1.weight".into(), ..options };
    let report = tools::tensor(&text, &options).unwrap();
    (text, report)
}

/// Draws on a recording backend; returns what was drawn and the chart's result.
pub fn record(w: u32, h: u32, f: impl FnOnce(&Area<RecordingBackend>) -> Drawn) -> (Log, Drawn) {
    let backend = RecordingBackend::new(w, h);
    let log = backend.log();
    let area = backend.into_drawing_area();
    let drawn = f(&area);
    (log, drawn)
}

/// The preview folder, `target/chart-previews/`.
pub fn previews() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/chart-previews");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Draws into an SVG file under the preview folder.
pub fn svg(name: &str, w: u32, h: u32, f: impl FnOnce(&Area<plotters_svg::SVGBackend<'_>>) -> Drawn) -> Drawn {
    let path = previews().join(format!("{name}.svg"));
    let drawn;
    {
        let area = plotters_svg::SVGBackend::new(&path, (w, h)).into_drawing_area();
        drawn = f(&area);
        area.present().unwrap();
    }
    std::fs::write(previews().join(format!("{name}.txt")), &drawn.caption).unwrap();
    drawn
}
