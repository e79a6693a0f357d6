//! `quantscope tensor` and `quantscope file` in a block, float-element or lookup-table format
//! (issue 13; the core's `format` module does the arithmetic):
//!
//! ```text
//! quantscope tensor --preset NAME --values --format json FILE
//! quantscope tensor --dtype fp8-e4m3|fp8-e5m2|fp6-e3m2|fp6-e2m3|fp4-e2m1 --scheme symmetric \
//!                   --granularity per-tensor|per-channel|per-group [--group-size N] --values --format json FILE
//! quantscope tensor --convention pytorch --dtype int4|int8 --scheme symmetric|affine \
//!                   --granularity per-group --group-size N --values --format json FILE
//! quantscope file --preset NAME [--tensor NAME] [--axis LAST] [--worst N] [--format json|csv] WEIGHTS
//! ```
//!
//! A command is routed here when it names a preset, a group size, per-group granularity or a float
//! element type ([`FormatKnobs::is_format`]); every other `tensor`/`file` command keeps the integer
//! conventions' path. The flags are mapped to one [`Format`] by the core, which also gives back the
//! flags of a format (`command` in the JSON).

use crate::{located, nth_line, read_input, Failure};
use clap::{Args, Parser, Subcommand, ValueEnum};
use comfy_table::{presets, CellAlignment, Table};
use quantscope_app::flags;
use quantscope_app::form::Tool;
use quantscope_app::format_file;
use quantscope_app::results::format::input_rows;
use quantscope_core::format::{self, Format, FormatError, FormatKnobs, Quantized};
use quantscope_core::parse::ParsedTensor;
use quantscope_export::format_tables::{self, FileTensor};
use quantscope_export::number::{Num, Precision};
use quantscope_export::{format_pdf, Paper, PdfOptions};
use quantscope_weights::{Archive, ReadSeekSource, TensorInfo};
use serde::Serialize;
use serde_json::{Map, Value};
use std::ffi::OsString;
use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  quantscope tensor --preset q4_0 --values --format json weights.txt
  quantscope tensor --preset nvfp4 weights.txt
  quantscope tensor --dtype fp8-e4m3 --scheme symmetric --granularity per-channel weights.txt
  quantscope tensor --dtype fp4-e2m1 --granularity per-group --group-size 32 --format csv --values weights.txt
  quantscope tensor --convention pytorch --dtype int4 --scheme affine --granularity per-group --group-size 128 weights.txt
  quantscope file --preset mxfp4 model.safetensors

Presets: q8_0 q4_0 q4_1 q5_0 q5_1 mxfp8-e4m3 mxfp8-e5m2 mxfp6-e3m2 mxfp6-e2m3 mxfp4 mxint8 nvfp4 nf4 fp4-bnb.
Blocks and groups run along each row (one row per line) from its first value; see docs/formats.md.
Exit status: 0 on success, 2 on bad input or options (the message says where), 1 on an I/O error.";

/// The format commands' own parser (the same subcommand names as the main one).
#[derive(Debug, Parser)]
#[command(name = "quantscope", version, after_help = EXAMPLES)]
struct FormatCli {
    #[command(subcommand)]
    command: FormatCommand,
}

#[derive(Debug, Subcommand)]
enum FormatCommand {
    /// A tensor, one row per line, in a block / float / lookup-table format.
    #[command(after_help = EXAMPLES)]
    Tensor(TensorFormatArgs),
    /// One list of values (commas, spaces or new lines) as one row, in a block / float / lookup-table format.
    #[command(after_help = EXAMPLES)]
    Values(TensorFormatArgs),
    /// Every tensor of a weight file (.npy, .npz, .safetensors) in a format.
    #[command(after_help = EXAMPLES)]
    File(FileFormatArgs),
}

/// The format choices (the core's [`FormatKnobs`]).
#[derive(Debug, Args)]
#[command(next_help_heading = "Format")]
struct KnobArgs {
    /// q8_0 | q4_0 | q4_1 | q5_0 | q5_1 | mxfp8-e4m3 | mxfp8-e5m2 | mxfp6-e3m2 | mxfp6-e2m3 | mxfp4 | mxint8 | nvfp4 | nf4 | fp4-bnb.
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// fp8-e4m3 | fp8-e5m2 | fp6-e3m2 | fp6-e2m3 | fp4-e2m1 (one float32 scale) | int4 | int8 (PyTorch groups).
    #[arg(long, value_name = "DTYPE")]
    dtype: Option<String>,
    /// symmetric | affine (integers only) [default: symmetric].
    #[arg(long, value_name = "SCHEME")]
    scheme: Option<String>,
    /// per-tensor | per-channel | per-group [default: per-channel].
    #[arg(long, value_name = "GRANULARITY")]
    granularity: Option<String>,
    /// Values per group along a row (with --granularity per-group), e.g. 32, 64, 128.
    #[arg(long, value_name = "N")]
    group_size: Option<usize>,
    /// pytorch (integer groups follow its observers; the default here).
    #[arg(long, value_name = "CONVENTION")]
    convention: Option<String>,
}

impl KnobArgs {
    fn knobs(&self) -> FormatKnobs {
        FormatKnobs {
            preset: self.preset.clone(),
            dtype: self.dtype.clone(),
            scheme: self.scheme.clone(),
            granularity: self.granularity.clone(),
            group_size: self.group_size,
            convention: self.convention.clone(),
        }
    }
}

/// The format flags of `tensor` and `file` as defined once here ([`KnobArgs`]), for the main
/// parser's `--help` (`args::command`).
pub(crate) fn knob_args() -> Vec<clap::Arg> {
    KnobArgs::augment_args(clap::Command::new("formats")).get_arguments().cloned().collect()
}

/// Output of the format commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    /// Aligned tables for people.
    Human,
    /// One JSON object: `format`, `bits_per_weight`, `channels` (one per row).
    Json,
    /// CSV: one row per block, or with --values one row per value; the format on every row.
    Csv,
}

#[derive(Debug, Args)]
struct TensorFormatArgs {
    /// Input file, one row per line, comma-separated values; `-` or absent: standard input.
    input: Option<PathBuf>,
    #[command(flatten)]
    knobs: KnobArgs,
    /// human | json | csv.
    #[arg(long, value_enum, default_value_t = Output::Human, help_heading = "Output")]
    format: Output,
    /// Include every value: dequantized values and codes (JSON), the per-value table (human, CSV).
    #[arg(long, help_heading = "Output")]
    values: bool,
    /// Tensor name shown in reports [default: tensor].
    #[arg(long, value_name = "NAME", help_heading = "Output")]
    name: Option<String>,
    /// Human output: N decimals, or `full` for the shortest round-trip repr.
    #[arg(long, value_name = "N|full", default_value = "8", help_heading = "Output")]
    precision: String,
}

#[derive(Debug, Args)]
struct FileFormatArgs {
    /// The weight file: .npy, .npz or .safetensors.
    path: PathBuf,
    /// Analyse only this tensor.
    #[arg(long, value_name = "NAME")]
    tensor: Option<String>,
    #[command(flatten)]
    knobs: KnobArgs,
    /// The last axis of every tensor (a format's blocks run along it); any other is refused.
    #[arg(long, value_name = "N")]
    axis: Option<usize>,
    /// List each tensor's N rows of lowest SQNR (JSON `worst_rows`) [default: 0].
    #[arg(long, value_name = "N", default_value_t = 0)]
    worst: usize,
    /// Also write the PDF report (the Files tool's "Download PDF" in a format) to FILE.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pdf: Option<PathBuf>,
    /// Paper of the PDF report: a4 | letter.
    #[arg(long, value_name = "PAPER", value_parser = |s: &str| s.parse::<Paper>(), default_value = "a4", help_heading = "Output")]
    paper: Paper,
    /// human | json | csv.
    #[arg(long, value_enum, default_value_t = Output::Human, help_heading = "Output")]
    format: Output,
}

/// The value of `--flag V` or `--flag=V` in `args`, the last one winning.
fn flag_value(args: &[String], flag: &str) -> Option<String> {
    let mut found = None;
    for (i, a) in args.iter().enumerate() {
        if a == flag {
            found = args.get(i + 1).cloned();
        } else if let Some(v) = a.strip_prefix(flag).and_then(|rest| rest.strip_prefix('=')) {
            found = Some(v.to_string());
        }
    }
    found
}

/// Runs the command if it is a format command (`None`: the main parser's business).
pub fn dispatch(args: &[OsString]) -> Option<ExitCode> {
    let text: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    if !matches!(text.get(1).map(String::as_str), Some("tensor" | "values" | "file")) {
        return None;
    }
    let probe = FormatKnobs {
        preset: flag_value(&text, "--preset"),
        dtype: flag_value(&text, "--dtype"),
        granularity: flag_value(&text, "--granularity"),
        group_size: flag_value(&text, "--group-size").map(|v| v.parse().unwrap_or(0)),
        ..FormatKnobs::default()
    };
    if !probe.is_format() {
        return None;
    }
    let cli = match FormatCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let outcome = match cli.command {
        FormatCommand::Tensor(a) => tensor(Tool::Tensor, &a),
        FormatCommand::Values(a) => tensor(Tool::Values, &a),
        FormatCommand::File(a) => file(&a),
    };
    Some(match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(e)) => {
            eprintln!("error: cannot write the output: {e}");
            ExitCode::from(1)
        }
    })
}

fn resolve(knobs: &KnobArgs) -> Result<Format, Failure> {
    knobs.knobs().resolve().map_err(|e| Failure::Usage(format!("error: {e}")))
}

fn precision(text: &str) -> Result<Precision, Failure> {
    if text.eq_ignore_ascii_case("full") {
        return Ok(Precision::Full);
    }
    match text.parse::<usize>() {
        Ok(n) if n <= 40 => Ok(Precision::Decimals(n)),
        _ => Err(Failure::Usage(format!("error: --precision: `{text}` (expected a number of decimals from 0 to 40, or `full`)"))),
    }
}

/// A format error on parsed text, located at its line.
fn input_error(input: &crate::Input, parsed: &ParsedTensor, e: FormatError) -> Failure {
    let row_line = |row: usize| parsed.channel_lines.get(row.saturating_sub(1)).copied().unwrap_or(row);
    let at = match &e {
        FormatError::RowLength { row, .. } | FormatError::NonFinite { row, .. } | FormatError::Range { row, .. } => Some(row_line(*row)),
        _ => None,
    };
    Failure::Usage(match at {
        Some(line) => format!("error: {e}\n  --> {}:{line}\n   | {}", input.name, nth_line(&input.text, line)),
        None => format!("error: {e}"),
    })
}

fn tensor(tool: Tool, a: &TensorFormatArgs) -> Result<(), Failure> {
    let format = resolve(&a.knobs)?;
    let num = Num(precision(&a.precision)?);
    let input = read_input(a.input.as_deref())?;
    let name = a.name.clone().unwrap_or_else(|| "tensor".into());
    // The page's reading of the text (the values tool: its one list is one row).
    let (parsed, rows) = input_rows(tool, &input.text, &name).map_err(|e| Failure::Usage(located(&input, &e)))?;
    let slices: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
    let result = format::quantize_rows(&format, &slices).map_err(|e| input_error(&input, &parsed, e))?;
    let values_name = [name.clone()];
    let channel_names: &[String] = if tool == Tool::Values { &values_name } else { &parsed.tensor.channel_names };
    let text = match a.format {
        Output::Json => {
            let mut s = serde_json::to_string(&tensor_json(flags::subcommand(tool), &name, &result, &rows, channel_names, a.values))
                .map_err(|e| Failure::Io(e.into()))?;
            s.push('\n');
            s
        }
        Output::Csv => tensor_csv(&result, &rows, channel_names, a.values)?,
        Output::Human => tensor_human(&name, &result, &rows, channel_names, a.values, num),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(Failure::Io)
}

/// Numbers stored as integers (bytes, bits, zero points) print as integers.
fn scale_value(name: &str, v: f64) -> Value {
    if matches!(name, "scales_e8m0" | "scales_e4m3_bits" | "zero_points") {
        Value::from(v as i64)
    } else {
        Value::from(v)
    }
}

/// A row's block scales under the JSON `expected` names (`scales_f16`, `scales_e8m0`, ...).
fn row_scales(blocks: &[format::BlockResult]) -> Map<String, Value> {
    let mut map = Map::new();
    for b in blocks {
        for (name, v) in b.scale.named() {
            let list = map.entry(name).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.push(scale_value(name, v));
            }
        }
    }
    map
}

#[derive(Serialize)]
struct BlockJson {
    start: usize,
    len: usize,
    amax: f32,
    sum_squared_error: f64,
    max_abs_error: f64,
    clipped: u64,
}

#[derive(Serialize)]
struct ChannelJson<'a> {
    index: usize,
    name: &'a str,
    elements: u64,
    mse: f64,
    sqnr_db: f64,
    max_error: f64,
    clip_count: u64,
    #[serde(flatten)]
    scales: Map<String, Value>,
    blocks: Vec<BlockJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dequantized: Option<&'a [f32]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    codes: Option<&'a [i32]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<&'a [f32]>,
}

#[derive(Serialize)]
struct TensorJson<'a> {
    tool: &'static str,
    name: &'a str,
    format: String,
    /// The flags that name this format.
    command: Vec<String>,
    element_bits: u32,
    block_size: Option<usize>,
    scale_storage: &'static str,
    rows: usize,
    elements: u64,
    bits_per_weight: f64,
    bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_tensor_scale: Option<f32>,
    mse: f64,
    sqnr_db: f64,
    max_abs_error: f64,
    clipped: u64,
    warnings: Vec<String>,
    channels: Vec<ChannelJson<'a>>,
}

fn command_of(format: &Format) -> Vec<String> {
    format.knobs().into_iter().flat_map(|(flag, value)| [flag.to_string(), value]).collect()
}

fn tensor_json<'a>(
    tool: &'static str,
    name: &'a str,
    q: &'a Quantized,
    rows: &'a [Vec<f32>],
    names: &'a [String],
    values: bool,
) -> TensorJson<'a> {
    TensorJson {
        tool,
        name,
        format: q.format.to_string(),
        command: command_of(&q.format),
        element_bits: q.format.element_bits(),
        block_size: q.format.block_size(),
        scale_storage: q.format.scale_storage().name(),
        rows: q.channels.len(),
        elements: q.stats.elements,
        bits_per_weight: q.bits_per_weight,
        bytes: q.bytes,
        per_tensor_scale: q.per_tensor_scale,
        mse: q.mse(),
        sqnr_db: q.sqnr_db(),
        max_abs_error: q.stats.max_abs_error,
        clipped: q.stats.clipped,
        warnings: q.warnings.iter().map(ToString::to_string).collect(),
        channels: q
            .channels
            .iter()
            .enumerate()
            .map(|(i, row)| ChannelJson {
                index: i,
                name: names.get(i).map_or("", String::as_str),
                elements: row.stats.elements,
                mse: row.stats.mse(),
                sqnr_db: row.stats.sqnr_db(),
                max_error: row.stats.max_abs_error,
                clip_count: row.stats.clipped,
                scales: row_scales(&row.blocks),
                blocks: row
                    .blocks
                    .iter()
                    .map(|b| BlockJson {
                        start: b.start,
                        len: b.len,
                        amax: b.amax,
                        sum_squared_error: b.stats.sum_squared_error,
                        max_abs_error: b.stats.max_abs_error,
                        clipped: b.stats.clipped,
                    })
                    .collect(),
                dequantized: values.then_some(row.dequantized.as_slice()),
                codes: values.then_some(row.codes.as_slice()),
                values: values.then(|| rows.get(i).map(Vec::as_slice)).flatten(),
            })
            .collect(),
    }
}

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::ASCII_MARKDOWN);
    t.set_header(header.to_vec());
    for i in 1..header.len() {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

fn headline(q: &Quantized, num: Num) -> String {
    let block = q.format.block_size().map_or("one scale per row or tensor".to_string(), |b| format!("blocks of {b}"));
    let mut s = format!(
        "format {} ({}-bit elements, {}, {} scales): {} bits per weight, {} bytes\n",
        q.format,
        q.format.element_bits(),
        block,
        q.format.scale_storage().name(),
        num.f(q.bits_per_weight),
        q.bytes
    );
    if let Some(pts) = q.per_tensor_scale {
        s.push_str(&format!("per-tensor scale {}\n", num.f(pts as f64)));
    }
    s.push_str(&format!(
        "MSE {}, SQNR {} dB, max |error| {}, clipped {} of {}\n",
        num.f(q.mse()),
        num.f(q.sqnr_db()),
        num.f(q.stats.max_abs_error),
        q.stats.clipped,
        q.stats.elements
    ));
    for w in &q.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s
}

fn tensor_human(name: &str, q: &Quantized, rows: &[Vec<f32>], names: &[String], values: bool, num: Num) -> String {
    let mut out = format!("{name}: {}", headline(q, num));
    for table in [format_tables::rows(q, names), format_tables::blocks(q, names)] {
        out.push_str(&format!("\n{}\n{}\n", table.caption, comfy(&table, num)));
    }
    if values {
        let table = format_tables::values(q, rows, names);
        out.push_str(&format!("\n{}\n{}\n", table.caption, comfy(&table, num)));
    }
    out
}

/// A table of the one schema (the page's) for people: numbers right-aligned, shown by the one formatter.
fn comfy(table: &quantscope_export::table::Table, num: Num) -> Table {
    let labels = table.labels();
    let mut t = new_table(&labels);
    for row in table.shown(num) {
        t.add_row(row);
    }
    t
}

/// The blocks table (or with `--values` the values table) of the page, as CSV with the format and
/// its bits per weight on every line.
fn tensor_csv(q: &Quantized, rows: &[Vec<f32>], names: &[String], values: bool) -> Result<String, Failure> {
    let table = if values { format_tables::values(q, rows, names) } else { format_tables::blocks(q, names) };
    format_tables::csv(q, &table).map_err(|e| Failure::Io(io::Error::other(e.to_string())))
}

#[derive(Serialize)]
struct FileJson<'a> {
    tool: &'static str,
    file: String,
    format: String,
    command: Vec<String>,
    tensors: &'a [FileTensor],
}

/// `--axis N` with a format: blocks run along the last axis, so N must be the last axis of every
/// tensor analysed (named in the message otherwise).
fn check_axis(shown: &str, infos: &[TensorInfo], axis: Option<usize>) -> Result<(), Failure> {
    let Some(axis) = axis else { return Ok(()) };
    for info in infos.iter().filter(|i| i.not_analysable.is_none()) {
        let last = info.shape.len().saturating_sub(1);
        if axis != last {
            return Err(Failure::Usage(format!(
                "error: --axis {axis}: a format's blocks run along the last axis, and tensor `{}` of {shown} (shape {:?}) has its last axis at {last}\n  expected: --axis {last}, or no --axis (see docs/formats.md)",
                info.name, info.shape
            )));
        }
    }
    Ok(())
}

fn file(a: &FileFormatArgs) -> Result<(), Failure> {
    let format = resolve(&a.knobs)?;
    let shown = a.path.display().to_string();
    let opened = std::fs::File::open(&a.path).map_err(|e| Failure::Usage(format!("error: cannot read {shown}: {e}")))?;
    let source = ReadSeekSource::new(io::BufReader::new(opened)).map_err(|e| Failure::Usage(format!("error: cannot read {shown}: {e}")))?;
    let stem = a.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "array".into());
    let mut archive = Archive::open(source, &stem).map_err(|e| Failure::Usage(format!("error: {shown}: {e}")))?;
    if let Some(name) = &a.tensor {
        if archive.info(name).is_none() {
            let known: Vec<&str> = archive.tensors().iter().map(|t| t.name.as_str()).collect();
            return Err(Failure::Usage(format!("error: {shown}: no tensor named `{name}` (the file has: {})", known.join(", "))));
        }
    }
    let names = a.tensor.clone().map(|n| vec![n]);
    let infos: Vec<TensorInfo> = archive.tensors().iter().filter(|t| a.tensor.as_ref().is_none_or(|n| *n == t.name)).cloned().collect();
    check_axis(&shown, &infos, a.axis)?;
    let tensors = format_file::analyse(&mut archive, names.as_deref(), &format, a.worst, &mut |_, _| ControlFlow::Continue(()))
        .map_err(|e| Failure::Usage(format!("error: {shown}: {e}")))?;
    let token = format.to_string();
    if let Some(path) = &a.pdf {
        // The file's name without its directory, as the page names it.
        let name = a.path.file_name().map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
        let options = PdfOptions { paper: a.paper, date: crate::today(), precision: Precision::Decimals(8), ..PdfOptions::default() };
        std::fs::write(path, format_pdf::file_pdf(&name, &token, &tensors, &options))
            .map_err(|e| Failure::Usage(format!("error: cannot write {}: {e}", path.display())))?;
    }
    let text = match a.format {
        Output::Json => {
            let report = FileJson { tool: "file", file: shown, format: token, command: command_of(&format), tensors: &tensors };
            serde_json::to_string(&report).map_err(|e| Failure::Io(e.into()))? + "\n"
        }
        Output::Csv => format_tables::file_csv(&token, &tensors).map_err(|e| Failure::Io(io::Error::other(e.to_string())))?,
        Output::Human => {
            let table = format_tables::file(&token, &tensors);
            format!(
                "{shown}: every tensor in format {token} (blocks along the last axis)\n{}\n",
                comfy(&table, Num(Precision::Decimals(6)))
            )
        }
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(Failure::Io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use quantscope_app::flags::name;

    /// The page writes a format's command with the flag mapping's names (`flags::to_flags`): the
    /// format commands take every one of them, for the tensor and the values tools.
    #[test]
    fn the_format_commands_take_the_flag_mappings_names() {
        let command = FormatCli::command();
        for sub in ["tensor", "values"] {
            let sub = command.find_subcommand(sub).unwrap();
            let longs: Vec<&str> = sub.get_arguments().filter_map(|a| a.get_long()).collect();
            for flag in
                [name::PRESET, name::GROUP_SIZE, name::DTYPE, name::SCHEME, name::GRANULARITY, name::CONVENTION, name::VALUES, name::NAME]
            {
                assert!(longs.contains(&flag), "--{flag} of {}", sub.get_name());
            }
        }
        assert!(flags::FORMAT.iter().all(|f| command.find_subcommand("file").unwrap().get_arguments().any(|a| a.get_long() == Some(f))));
    }
}
