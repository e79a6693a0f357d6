//! `quantscope file`: every tensor of a weight file (.npy, .npz, .safetensors), the model-wide
//! table sorted by SQNR so the most sensitive layers come first.
//!
//! The file is read through `quantscope_weights` (one tensor in memory at a time; a file on disk
//! memory-mapped, its values converted on every core) and each tensor is analysed by the core's
//! `compare_sources` (channels on every core); this module only lays the rows out, and shows a
//! progress bar on stderr while a long file is read.

use crate::args::{FileArgs, FileFormat};
use crate::human::table;
use crate::progress::Progress;
use quantscope_core::tools::ToolOptions;
use quantscope_core::QuantSpec;
use quantscope_export::file_table::{self, FileTable};
use quantscope_export::number::Num;
use quantscope_export::PdfOptions;
use quantscope_weights::model_table::{self, Outcome, Row};
use quantscope_weights::{Archive, MappedFile, ReadSeekSource, Source};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::ops::ControlFlow;

/// The `file` report.
#[derive(Serialize)]
struct FileReport<'a> {
    tool: &'static str,
    file: String,
    format: &'static str,
    convention: String,
    spec: &'a QuantSpec,
    calibration: quantscope_core::calibrate::Calibration,
    axis: usize,
    /// Sorted: analysed tensors by per-channel SQNR ascending, then the others in file order.
    tensors: Vec<Row>,
}

/// Runs the subcommand: the output to print, after writing the `--pdf` report if asked (`date`:
/// the date printed on it). The spec, calibration and axis are `tool_options`, read from the
/// command line by the one flag mapping (`args::tool_options`). `Err` is the message for exit status 2.
pub fn run(a: &FileArgs, tool_options: &ToolOptions, date: &str) -> Result<String, String> {
    let shown = a.path.display().to_string();
    let file = std::fs::File::open(&a.path).map_err(|e| format!("error: cannot read {shown}: {e}"))?;
    // A file on disk is memory-mapped: no copy of its bytes, and pages are let go once converted.
    // What cannot be mapped (a pipe, a character device) is read through a buffer.
    match MappedFile::new(&file) {
        Ok(mapped) => analyse_file(a, tool_options, date, shown, mapped),
        Err(_) => {
            let source = ReadSeekSource::new(io::BufReader::new(file)).map_err(|e| format!("error: cannot read {shown}: {e}"))?;
            analyse_file(a, tool_options, date, shown, source)
        }
    }
}

/// [`run`] on an opened source.
fn analyse_file<S: Source>(a: &FileArgs, tool_options: &ToolOptions, date: &str, shown: String, source: S) -> Result<String, String> {
    let stem = a.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "array".into());
    let mut archive = Archive::open(source, &stem).map_err(|e| format!("error: {shown}: {e}"))?;
    let spec = QuantSpec::resolve(&tool_options.spec).map_err(|e| format!("error: {e}"))?;
    let calibration = tool_options.calibration;
    if let Some(name) = &a.tensor {
        if archive.info(name).is_none() {
            let known: Vec<&str> = archive.tensors().iter().map(|t| t.name.as_str()).collect();
            return Err(format!("error: {shown}: no tensor named `{name}` (the file has: {})", known.join(", ")));
        }
    }
    let options =
        model_table::TableOptions { tensor: a.tensor.clone(), axis: tool_options.axis, spec: spec.clone(), calibration, worst: a.worst };
    let progress = Progress::new(0);
    let rows = model_table::table(&mut archive, &options, &mut |p| {
        progress.set_total(p.total);
        progress.update(p.done, p.tensor);
        ControlFlow::Continue(())
    });
    progress.finish();
    let rows = rows.map_err(|e| format!("error: {shown}: {e}"))?;
    let r = FileReport {
        tool: "file",
        file: shown,
        format: archive.format.name(),
        convention: spec.label(),
        spec: &spec,
        calibration,
        axis: tool_options.axis,
        tensors: rows,
    };
    if let Some(path) = &a.pdf {
        // The file's name without its directory: the app's report names it the same way.
        let name = a.path.file_name().map_or_else(|| r.file.clone(), |n| n.to_string_lossy().into_owned());
        let table = FileTable {
            file: &name,
            format: r.format,
            spec: &spec,
            calibration,
            axis: tool_options.axis,
            worst: a.worst,
            rows: &r.tensors,
        };
        let options = PdfOptions { paper: a.paper, date: date.to_string(), precision: a.precision, ..PdfOptions::default() };
        std::fs::write(path, file_table::pdf(&table, &options)).map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
    }
    Ok(match a.format {
        FileFormat::Human => human(&r, Num(a.precision)),
        FileFormat::Json => serde_json::to_string(&r).map_err(|e| format!("error: {e}"))? + "\n",
        FileFormat::Csv => quantscope_export::file_table::csv(&r.tensors).map_err(|e| format!("error: {e}"))?,
    })
}

fn human(r: &FileReport, n: Num) -> String {
    let analysed = r.tensors.iter().filter(|row| matches!(row.outcome, Outcome::Result(_))).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "file · {} · {} · {} tensor(s), {} analysed, sorted by per-channel SQNR (lowest first)",
        r.file,
        r.format,
        r.tensors.len(),
        analysed
    );
    let s = r.spec;
    let _ = writeln!(
        out,
        "convention: {} · {} {} · integer range {} · calibration: {} · channel axis {}",
        r.convention,
        s.dtype,
        s.scheme.name(),
        s.range,
        file_table::calibration_label(&r.calibration),
        r.axis
    );
    let data = file_table::table(&r.tensors, n);
    if !data.rows.is_empty() {
        let _ = writeln!(out, "{}", table(&data, n));
    }
    let skipped = file_table::skipped_lines(&r.tensors);
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nnot analysed");
        for line in skipped {
            let _ = writeln!(out, "  {line}");
        }
    }
    if file_table::has_float64(&r.tensors) {
        let _ = writeln!(out, "\n{}", file_table::FLOAT64_NOTE);
    }
    out
}

/// Prints the report (a closed pipe ends quietly).
pub fn print(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}
