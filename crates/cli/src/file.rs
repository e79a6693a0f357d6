//! `quantscope file`: every tensor of a weight file (.npy, .npz, .safetensors), the model-wide
//! table sorted by SQNR so the most sensitive layers come first.
//!
//! The file is read through `formats` (one tensor in memory at a time) and each tensor is analysed
//! by the core's `compare_sources`; this module only lays the rows out.

use crate::args::{FileArgs, FileFormat};
use crate::human::table;
use export::file_table::shape;
use export::number::{Num, NA};
use export::tables::TableData;
use formats::report::{self, Outcome, Row};
use formats::{Archive, ReadSeekSource};
use quant::QuantSpec;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};

/// The `file` report.
#[derive(Serialize)]
struct FileReport<'a> {
    tool: &'static str,
    file: String,
    format: &'static str,
    convention: String,
    spec: &'a QuantSpec,
    calibration: quant::calibrate::Calibration,
    axis: usize,
    /// Sorted: analysed tensors by per-channel SQNR ascending, then the others in file order.
    tensors: Vec<Row>,
}

/// Runs the subcommand; `Err` is the message for exit status 2.
pub fn run(a: &FileArgs) -> Result<String, String> {
    let shown = a.path.display().to_string();
    let file = std::fs::File::open(&a.path).map_err(|e| format!("error: cannot read {shown}: {e}"))?;
    let source = ReadSeekSource::new(io::BufReader::new(file)).map_err(|e| format!("error: cannot read {shown}: {e}"))?;
    let stem = a.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "array".into());
    let mut archive = Archive::open(source, &stem).map_err(|e| format!("error: {shown}: {e}"))?;
    let spec = QuantSpec::resolve(&a.spec.to_spec()).map_err(|e| format!("error: {e}"))?;
    let calibration = a.calibration.to_calibration();
    if let Some(name) = &a.tensor {
        if archive.info(name).is_none() {
            let known: Vec<&str> = archive.tensors().iter().map(|t| t.name.as_str()).collect();
            return Err(format!("error: {shown}: no tensor named `{name}` (the file has: {})", known.join(", ")));
        }
    }
    let options = report::TableOptions { tensor: a.tensor.clone(), axis: a.axis, spec: spec.clone(), calibration, worst: a.worst };
    let rows = report::table(&mut archive, &options, &mut |_| std::ops::ControlFlow::Continue(())).map_err(|e| format!("error: {shown}: {e}"))?;
    let r = FileReport {
        tool: "file",
        file: shown,
        format: archive.format.name(),
        convention: spec.label(),
        spec: &spec,
        calibration,
        axis: a.axis,
        tensors: rows,
    };
    Ok(match a.format {
        FileFormat::Human => human(&r, Num(a.precision)),
        FileFormat::Json => serde_json::to_string(&r).map_err(|e| format!("error: {e}"))? + "\n",
        FileFormat::Csv => export::file_table::csv(&r.tensors).map_err(|e| format!("error: {e}"))?,
    })
}


fn human(r: &FileReport, n: Num) -> String {
    let analysed: Vec<(&Row, &report::TensorResult)> = r
        .tensors
        .iter()
        .filter_map(|row| match &row.outcome {
            Outcome::Result(t) => Some((row, t)),
            Outcome::Skipped(_) => None,
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "file · {} · {} · {} tensor(s), {} analysed, sorted by per-channel SQNR (lowest first)",
        r.file,
        r.format,
        r.tensors.len(),
        analysed.len()
    );
    let s = r.spec;
    let _ = writeln!(
        out,
        "convention: {} · {} {} · integer range {} · calibration: {} · channel axis {}",
        r.convention,
        s.dtype,
        s.scheme.name(),
        s.range,
        calibration_label(&r.calibration),
        r.axis
    );
    let header = [
        "tensor", "dtype", "shape", "elements", "SQNR per-channel", "SQNR per-tensor", "gain", "MSE", "clip rate", "worst channels",
    ];
    let body: Vec<Vec<String>> = analysed
        .iter()
        .map(|(row, t)| {
            let worst = t
                .worst_channels
                .iter()
                .map(|w| format!("{} {}", w.name, n.db(w.sqnr_db)))
                .collect::<Vec<_>>()
                .join(", ");
            let dtype = match row.info.note {
                Some(_) if row.info.element == formats::Element::F64 => format!("{} → f32", row.info.dtype),
                _ => row.info.dtype.clone(),
            };
            vec![
                row.info.name.clone(),
                dtype,
                shape(&row.info.shape),
                row.info.elements.to_string(),
                n.db(t.per_channel_sqnr_db),
                n.db(t.per_tensor_sqnr_db),
                t.sqnr_gain_db.map_or_else(|| NA.to_string(), |g| format!("{} dB", n.f(g))),
                n.opt(t.per_channel_mse),
                n.pct(t.per_channel_clip_rate),
                worst,
            ]
        })
        .collect();
    if !body.is_empty() {
        let data = TableData { header: header.to_vec(), left: vec!["tensor", "dtype", "shape", "worst channels"], rows: body };
        let _ = writeln!(out, "{}", table(&data));
    }
    let skipped: Vec<&Row> = r.tensors.iter().filter(|row| matches!(row.outcome, Outcome::Skipped(_))).collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nnot analysed");
        for row in skipped {
            if let Outcome::Skipped(reason) = &row.outcome {
                let _ = writeln!(out, "  {} ({} {}): {reason}", row.info.name, row.info.dtype, shape(&row.info.shape));
            }
        }
    }
    if analysed.iter().any(|(row, _)| row.info.element == formats::Element::F64) {
        let _ = writeln!(out, "\nfloat64 tensors are rounded to float32 for the analysis.");
    }
    out
}

fn calibration_label(c: &quant::calibrate::Calibration) -> String {
    match c.method {
        quant::calibrate::Method::Percentile => format!("percentile {}", c.percentile),
        m => m.name().to_string(),
    }
}

/// Prints the report (a closed pipe ends quietly).
pub fn print(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}
