//! `quantscope compare` and `quantscope plan`: every format over a real checkpoint, and the
//! mixed-precision plan under a size budget (issue 14; docs/compare.md).
//!
//! The numbers come from the core ([`quantscope_core::compare`](mod@quantscope_core::compare): one read of each tensor serves
//! every format; the planner); this module finds the model's files, reads them one tensor at a time
//! (memory bounded by the largest tensor), shows progress on stderr, and prints.

use crate::progress::Progress;
use clap::{Args, ValueEnum};
use comfy_table::{presets, CellAlignment, Table};
use quantscope_core::compare::plan::{self, Budget, Pin, Plan, PlanOptions, EXACT_LIMIT};
use quantscope_core::compare::recipe::{self, Recipe};
use quantscope_core::compare::{self, CompareReport, Outcome, TensorCompare};
use quantscope_core::format::Format;
use quantscope_weights::gguf::{self, Gguf};
use quantscope_weights::{Archive, Element, MappedFile, ReadSeekSource, Source};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Read, Seek, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// The formats compared when `--formats` is not given.
pub const DEFAULT_FORMATS: &str = "q8_0,q5_1,q4_0,mxfp4,nf4";

pub const COMPARE_EXAMPLES: &str = "\
Examples:
  quantscope compare model.safetensors                         # q8_0,q5_1,q4_0,mxfp4,nf4, a table
  quantscope compare model-00001-of-00002.safetensors model-00002-of-00002.safetensors --format json
  quantscope compare path/to/model/ --formats q8_0,q4_0,int4:per-group:128,fp8-e4m3:per-channel
  quantscope compare model.safetensors.index.json --format csv > compare.csv
  quantscope compare model-f16.gguf --format json > compare.json

FILE: .safetensors, .npz, .npy or .gguf (detected by content), a directory (its .safetensors, or
the files its model.safetensors.index.json names), or a model.safetensors.index.json. Several
files are one model. The LIST syntax is in docs/formats.md; 1-D tensors are kept in their type.
Exit status: 0 on success, 2 on a bad file or option (the message names it), 1 on an I/O error.";

pub const PLAN_EXAMPLES: &str = "\
Examples:
  quantscope plan model.safetensors --formats q8_0,q4_0,nf4 --target-bpw 4.5
  quantscope plan model.safetensors --target-size 4GiB --pin 'lm_head|embed=q8_0' --format llama-tensor-types > types.txt
  quantscope plan shard-*.json --target-bpw 4.5 --format json    # compare JSON of shards, merged
  quantscope plan model.safetensors --formats nvfp4,int4:per-group:128,fp8-e4m3:per-channel --target-bpw 6 --format llmcompressor

FILE: weight files as for `compare`, or compare JSON files (`quantscope compare --format json`),
merged into one model. The plan minimises the total squared error Σ n·MSE under the budget:
exactly (dynamic programming) when the problem is small enough, else with the Lagrangian/LP bound
and its gap stated (`method`, `optimal`, `gap_bound`). See docs/compare.md.
Exit status: 0 on success, 2 on a bad file or option or a budget below the smallest size, 1 on an I/O error.";

/// Output of `compare`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// A table of SQNR (dB) per tensor and format, then the totals.
    Human,
    /// The compare report: tensors with every format's result, and the totals.
    Json,
    /// One row per tensor and format.
    Csv,
}

/// Output of `plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// The totals and the assignment table.
    Human,
    /// The plan: assignment, size, error, method and bound.
    Json,
    /// One row per tensor.
    Csv,
    /// The file `llama-quantize --tensor-type-file` reads.
    LlamaTensorTypes,
    /// An llm-compressor recipe (YAML).
    Llmcompressor,
}

/// The `compare` subcommand.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Weight files of one model (.safetensors, .npz, .npy, .gguf), directories or a model.safetensors.index.json.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Comma-separated formats (docs/formats.md), e.g. q8_0,q4_0,int4:per-group:128,fp8-e4m3:per-channel.
    #[arg(long, value_name = "LIST", default_value = DEFAULT_FORMATS)]
    pub formats: String,
    /// human | json | csv.
    #[arg(long, value_enum, default_value_t = CompareFormat::Human)]
    pub format: CompareFormat,
}

/// The `plan` subcommand.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Weight files as for `compare`, or compare JSON files (merged: one model).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The formats to choose from [default: q8_0,q5_1,q4_0,mxfp4,nf4 for weight files, every format of compare JSON].
    #[arg(long, value_name = "LIST")]
    pub formats: Option<String>,
    /// Budget: bits per weight over the whole model (every tensor's values counted).
    #[arg(long, value_name = "B", required_unless_present = "target_size", conflicts_with = "target_size")]
    pub target_bpw: Option<f64>,
    /// Budget: bytes of tensor data; suffixes k|kib, m|mib, g|gib, t|tib (powers of 1024, as llama-quantize reads them).
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub target_size: Option<u64>,
    /// Pin the tensors whose name matches REGEX (searched anywhere in the name) to FORMAT; the last matching pin wins.
    #[arg(long, value_name = "REGEX=FORMAT")]
    pub pin: Vec<Pin>,
    /// human | json | csv | llama-tensor-types | llmcompressor.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Largest exact dynamic program, in cells (tensors × budget states); past it the Lagrangian method is used.
    #[arg(long, value_name = "CELLS", default_value_t = EXACT_LIMIT)]
    pub exact_limit: u64,
}

/// `1234`, `4GiB`, `1.5g`, `512m` (powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("expected a size such as 4294967296, 4GiB or 512m, found `{s}`"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let scale: u64 = match unit.as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        _ => return Err(format!("unknown unit `{unit}` in `{s}` (expected b, k or kib, m or mib, g or gib, t or tib)")),
    };
    let bytes = (value * scale as f64).floor();
    if !bytes.is_finite() || bytes < 1.0 || bytes >= u64::MAX as f64 {
        return Err(format!("expected a positive size, found `{s}`"));
    }
    Ok(bytes as u64)
}

/// The formats of `--formats`, or its message (the list with a caret under the fault).
fn formats_of(list: &str) -> Result<Vec<Format>, String> {
    compare::parse_formats(list).map_err(|e| match &e {
        quantscope_core::format::FormatError::Token { column, .. } => {
            format!("error: --formats: {e}\n  --formats {list}\n  {}^", " ".repeat("--formats ".len() + column.saturating_sub(1)))
        }
        _ => format!("error: --formats: {e}"),
    })
}

/// The weight files a list of paths names: a directory's index or its .safetensors (sorted), an
/// index's shards (in its order), files as they are.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let index = path.join("model.safetensors.index.json");
            if index.is_file() {
                files.extend(index_shards(&index)?);
                continue;
            }
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("error: cannot read the directory {}: {e}", path.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "safetensors" || x == "gguf"))
                .collect();
            if found.is_empty() {
                return Err(format!("error: {}: no .safetensors or .gguf file in this directory", path.display()));
            }
            found.sort();
            files.extend(found);
        } else if path.to_string_lossy().ends_with(".index.json") {
            files.extend(index_shards(path)?);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// The shards a `model.safetensors.index.json` names (its `weight_map` values, in name order:
/// `model-00001-of-00004.safetensors`, `model-00002-of-00004...`).
fn index_shards(index: &Path) -> Result<Vec<PathBuf>, String> {
    let shown = index.display();
    let text = std::fs::read_to_string(index).map_err(|e| format!("error: cannot read {shown}: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("error: {shown}: line {}, column {}: {e}", e.line(), e.column()))?;
    let map = json
        .get("weight_map")
        .and_then(|m| m.as_object())
        .ok_or_else(|| format!("error: {shown}: no `weight_map` object (expected a model.safetensors.index.json)"))?;
    let dir = index.parent().unwrap_or(Path::new("."));
    let mut files = std::collections::BTreeSet::new();
    for (tensor, file) in map {
        let file = file.as_str().ok_or_else(|| format!("error: {shown}: weight_map[\"{tensor}\"] is not a file name"))?;
        files.insert(file);
    }
    Ok(files.into_iter().map(|f| dir.join(f)).collect())
}

/// A weight file's bytes: memory-mapped (converted in place on every core, pages let go once
/// converted), or read through a buffer when it cannot be mapped (a pipe).
enum FileSource {
    Mapped(MappedFile),
    Buffered(ReadSeekSource<io::BufReader<std::fs::File>>),
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        match self {
            FileSource::Mapped(m) => m.len(),
            FileSource::Buffered(b) => b.len(),
        }
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        match self {
            FileSource::Mapped(m) => m.read_at(offset, buf),
            FileSource::Buffered(b) => b.read_at(offset, buf),
        }
    }
    fn bytes_at(&self, offset: u64, len: usize) -> Option<&[u8]> {
        match self {
            FileSource::Mapped(m) => m.bytes_at(offset, len),
            FileSource::Buffered(b) => b.bytes_at(offset, len),
        }
    }
    fn done_with(&mut self, offset: u64, len: u64) {
        match self {
            FileSource::Mapped(m) => m.done_with(offset, len),
            FileSource::Buffered(b) => b.done_with(offset, len),
        }
    }
}

/// One opened weight file.
enum Opened {
    Gguf(Gguf<FileSource>),
    Other(Archive<FileSource>),
}

fn open(path: &Path) -> Result<Opened, String> {
    let shown = path.display();
    let mut file = std::fs::File::open(path).map_err(|e| format!("error: cannot read {shown}: {e}"))?;
    let mut head = [0u8; 4];
    let got = file.read(&mut head).map_err(|e| format!("error: cannot read {shown}: {e}"))?;
    file.rewind().map_err(|e| format!("error: cannot read {shown}: {e}"))?;
    let source = match MappedFile::new(&file) {
        Ok(mapped) => FileSource::Mapped(mapped),
        Err(_) => {
            FileSource::Buffered(ReadSeekSource::new(io::BufReader::new(file)).map_err(|e| format!("error: cannot read {shown}: {e}"))?)
        }
    };
    if gguf::is_gguf(&head[..got]) {
        return Gguf::open(source).map(Opened::Gguf).map_err(|e| format!("error: {shown}: {e}"));
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "array".into());
    Archive::open(source, &stem).map(Opened::Other).map_err(|e| format!("error: {shown}: {e}"))
}

fn dtype_name(element: &Element, written: &str) -> String {
    match element {
        Element::F32 => "f32".into(),
        Element::F16 => "f16".into(),
        Element::Bf16 => "bf16".into(),
        Element::F64 => "f64".into(),
        Element::Other { .. } => written.to_ascii_lowercase(),
    }
}

/// Every tensor of the model's files under every format: one tensor in memory at a time.
pub fn compare_files(paths: &[PathBuf], formats: &[Format]) -> Result<CompareReport, String> {
    let files = expand(paths)?;
    let mut opened = Vec::with_capacity(files.len());
    let mut total = 0u64;
    for path in &files {
        let o = open(path)?;
        total += match &o {
            Opened::Gguf(g) => g.tensors().iter().filter(|t| t.element().is_some()).map(|t| t.bytes).sum::<u64>(),
            Opened::Other(a) => a.tensors().iter().filter(|t| t.analysable()).map(|t| t.bytes).sum(),
        };
        opened.push(o);
    }
    let progress = Progress::new(total);
    let mut base = 0u64;
    let mut tensors: Vec<TensorCompare> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (path, o) in files.iter().zip(opened) {
        let shown = path.display();
        let mut add = |t: TensorCompare, tensors: &mut Vec<TensorCompare>| {
            if !seen.insert(t.name.clone()) {
                return Err(format!(
                    "error: {shown}: tensor `{}` is also in an earlier file: the files are not shards of one model",
                    t.name
                ));
            }
            tensors.push(t);
            Ok(())
        };
        match o {
            Opened::Gguf(mut g) => {
                for t in g.tensors().to_vec() {
                    let dtype = t.ggml_type.name;
                    if t.element().is_none() {
                        let reason =
                            format!("stored as {dtype} ({} bits per weight): listed, not requantized", t.ggml_type.bits_per_weight());
                        add(compare::kept(&t.name, &t.shape, dtype, t.bits(), &reason, formats), &mut tensors)?;
                        continue;
                    }
                    let what = format!("{} ({shown})", t.name);
                    let values = g
                        .load_with_progress(&t.name, &mut |done, _| {
                            progress.update(base + done, &what);
                            ControlFlow::Continue(())
                        })
                        .map_err(|e| format!("error: {shown}: {e}"))?;
                    base += t.bytes;
                    add(compare::measure(&t.name, &t.shape, dtype, t.bits(), &values, formats), &mut tensors)?;
                }
            }
            Opened::Other(mut a) => {
                for t in a.tensors().to_vec() {
                    let dtype = dtype_name(&t.element, &t.dtype);
                    if let Some(reason) = &t.not_analysable {
                        let reason = format!("{}: kept in its source type", reason);
                        add(compare::kept(&t.name, &t.shape, &dtype, t.bytes * 8, &reason, formats), &mut tensors)?;
                        continue;
                    }
                    let what = format!("{} ({shown})", t.name);
                    let loaded = a
                        .load_with_progress(&t.name, 0, &mut |done, _| {
                            progress.update(base + done, &what);
                            ControlFlow::Continue(())
                        })
                        .map_err(|e| format!("error: {shown}: {e}"))?;
                    base += t.bytes;
                    let values = match loaded.data {
                        quantscope_core::Samples::F32(v) => v,
                        quantscope_core::Samples::F64(v) => v.into_iter().map(|x| x as f32).collect(),
                    };
                    add(compare::measure(&t.name, &t.shape, &dtype, t.bytes * 8, &values, formats), &mut tensors)?;
                }
            }
        }
    }
    progress.finish();
    let names = formats.iter().map(|f| f.to_string()).collect();
    Ok(CompareReport::new(files.iter().map(|p| p.display().to_string()).collect(), names, tensors))
}

fn print(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Why the command failed: a message for exit 2, or an I/O error.
pub enum Failed {
    /// Bad input or options.
    Usage(String),
    /// Writing failed.
    Io(io::Error),
}

impl From<String> for Failed {
    fn from(s: String) -> Self {
        Failed::Usage(s)
    }
}

/// `quantscope compare`.
pub fn run_compare(a: &CompareArgs) -> Result<(), Failed> {
    let formats = formats_of(&a.formats)?;
    let report = compare_files(&a.files, &formats)?;
    let text = match a.format {
        CompareFormat::Json => serde_json::to_string(&report).map_err(|e| format!("error: {e}"))? + "\n",
        CompareFormat::Csv => compare_csv(&report).map_err(|e| format!("error: {e}"))?,
        CompareFormat::Human => compare_human(&report),
    };
    print(&text).map_err(Failed::Io)
}

fn number(v: f64) -> String {
    quantscope_export::format_f64(v)
}

fn sqnr(v: Option<f64>) -> String {
    v.map_or_else(String::new, number)
}

fn compare_csv(r: &CompareReport) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "tensor",
        "shape",
        "elements",
        "dtype",
        "format",
        "bits_per_weight",
        "bytes",
        "mse",
        "sqnr_db",
        "max_abs_error",
        "reason",
    ])?;
    for t in &r.tensors {
        let shape = t.shape.iter().map(u64::to_string).collect::<Vec<_>>().join("x");
        for res in &t.results {
            let mut row = vec![
                quantscope_export::safe_text(&t.name).into_owned(),
                shape.clone(),
                t.elements.to_string(),
                t.dtype.clone(),
                res.format.clone(),
            ];
            match &res.outcome {
                Outcome::Measured(m) => row.extend([
                    number(m.bits_per_weight),
                    m.bytes.to_string(),
                    number(m.mse),
                    sqnr(m.sqnr_db),
                    number(m.max_abs_error),
                    String::new(),
                ]),
                Outcome::Refused { reason } => {
                    row.extend(["", "", "", "", ""].map(String::from));
                    row.push(quantscope_export::safe_text(reason).into_owned());
                }
            }
            w.write_record(&row)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn text_table(header: Vec<String>, rows: Vec<Vec<String>>, left: usize) -> String {
    let mut t = Table::new();
    t.load_preset(presets::ASCII_MARKDOWN);
    t.set_header(header);
    let columns = rows.first().map_or(0, Vec::len);
    for row in rows {
        t.add_row(row);
    }
    for i in 0..columns {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(if i < left { CellAlignment::Left } else { CellAlignment::Right });
        }
    }
    t.to_string()
}

fn decibels(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_infinite() => if v > 0.0 { "+inf" } else { "-inf" }.into(),
        Some(v) => format!("{v:.2}"),
        None => "-".into(),
    }
}

fn compare_human(r: &CompareReport) -> String {
    let mut out = String::new();
    let measured = r.tensors.iter().filter(|t| t.kept.is_none()).count();
    let _ = writeln!(
        out,
        "compare · {} file(s) · {} tensor(s), {} measured · SQNR in dB per tensor and format (higher is better; - : the format cannot take it)",
        r.files.len(),
        r.tensors.len(),
        measured
    );
    let mut header = vec!["tensor".to_string(), "shape".to_string()];
    header.extend(r.formats.iter().cloned());
    let rows = r
        .tensors
        .iter()
        .filter(|t| t.kept.is_none())
        .map(|t| {
            let mut row = vec![t.name.clone(), t.shape.iter().map(u64::to_string).collect::<Vec<_>>().join("×")];
            row.extend(t.results.iter().map(|res| res.measured().map_or_else(|| "-".into(), |m| decibels(m.sqnr_db))));
            row
        })
        .collect();
    let _ = writeln!(out, "{}", text_table(header, rows, 2));
    let _ = writeln!(out, "\ntotals over the tensors each format took");
    let rows = r
        .totals
        .iter()
        .map(|t| {
            vec![
                t.format.clone(),
                format!("{:.4}", t.bits_per_weight),
                t.bytes.to_string(),
                format!("{:.4e}", t.mse),
                decibels(t.sqnr_db),
                format!("{:.4e}", t.max_abs_error),
                t.tensors.to_string(),
                t.refused.to_string(),
            ]
        })
        .collect();
    let header = ["format", "bits/weight", "bytes", "MSE", "SQNR dB", "max |error|", "tensors", "refused"].map(String::from).to_vec();
    let _ = writeln!(out, "{}", text_table(header, rows, 1));
    let refused: Vec<String> = r
        .tensors
        .iter()
        .flat_map(|t| {
            let kept = t.kept.as_ref().map(|k| format!("{}: {k}", t.name));
            let refused = t.results.iter().filter_map(move |res| match (&t.kept, &res.outcome) {
                (None, Outcome::Refused { reason }) => Some(format!("{} in {}: {reason}", t.name, res.format)),
                _ => None,
            });
            kept.into_iter().chain(refused)
        })
        .collect();
    if !refused.is_empty() {
        let _ = writeln!(out, "\nkept or refused");
        for line in refused {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

/// Whether a file is a compare report (JSON) rather than weights.
fn is_compare_json(path: &Path) -> bool {
    let Ok(mut f) = std::fs::File::open(path) else { return false };
    let mut head = [0u8; 64];
    let n = f.read(&mut head).unwrap_or(0);
    head[..n].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') && !path.to_string_lossy().ends_with(".index.json")
}

fn read_compare_json(path: &Path) -> Result<CompareReport, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("error: cannot read {shown}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "error: {shown}: line {}, column {}: not a compare report: {e} (expected `quantscope compare --format json` output)",
            e.line(),
            e.column()
        )
    })
}

/// `quantscope plan`.
pub fn run_plan(a: &PlanArgs) -> Result<(), Failed> {
    let json: Vec<bool> = a.files.iter().map(|p| is_compare_json(p)).collect();
    let report = if json.iter().all(|&j| j) {
        let parts = a.files.iter().map(|p| read_compare_json(p)).collect::<Result<Vec<_>, _>>()?;
        CompareReport::merge(parts).map_err(|e| format!("error: {e}"))?
    } else if json.iter().any(|&j| j) {
        return Err(Failed::Usage("error: give either weight files or compare JSON files, not both".into()));
    } else {
        // The pinned formats are measured too, so a pin may name a format outside the list.
        let mut formats = formats_of(a.formats.as_deref().unwrap_or(DEFAULT_FORMATS))?;
        for pin in &a.pin {
            let f: Format = pin.format.parse().map_err(|e| format!("error: --pin {}={}: {e}", pin.pattern, pin.format))?;
            if !formats.contains(&f) {
                formats.push(f);
            }
        }
        compare_files(&a.files, &formats)?
    };
    // Formats named canonically, as the report names them.
    let allowed = match &a.formats {
        Some(list) => formats_of(list)?.iter().map(|f| f.to_string()).collect(),
        None if json.iter().all(|&j| j) => vec![],
        None => formats_of(DEFAULT_FORMATS)?.iter().map(|f| f.to_string()).collect(),
    };
    let pins = a
        .pin
        .iter()
        .map(|p| {
            Ok(Pin {
                pattern: p.pattern.clone(),
                format: p.format.parse::<Format>().map_err(|e| format!("error: --pin {}={}: {e}", p.pattern, p.format))?.to_string(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let budget = match (a.target_bpw, a.target_size) {
        (Some(b), _) => Budget::BitsPerWeight(b),
        (None, Some(bytes)) => Budget::Bytes(bytes),
        (None, None) => return Err(Failed::Usage("error: give --target-bpw B or --target-size BYTES".into())),
    };
    let options = PlanOptions { formats: allowed, budget, pins, exact_limit: a.exact_limit };
    let p = plan::plan(&report, &options).map_err(|e| format!("error: {e}"))?;
    let text = match a.format {
        PlanFormat::Json => serde_json::to_string(&p).map_err(|e| format!("error: {e}"))? + "\n",
        PlanFormat::Csv => plan_csv(&p).map_err(|e| format!("error: {e}"))?,
        PlanFormat::Human => plan_human(&p),
        PlanFormat::LlamaTensorTypes => recipe_text(recipe::llama_tensor_types(&p), "llama.cpp"),
        PlanFormat::Llmcompressor => recipe_text(recipe::llmcompressor_recipe(&p), "llm-compressor"),
    };
    print(&text).map_err(Failed::Io)
}

/// A recipe's text; the tensors it cannot say are reported on stderr, never dropped silently.
fn recipe_text(r: Recipe, tool: &str) -> String {
    if !r.unwritten.is_empty() {
        eprintln!("quantscope plan: {} tensor(s) not written, {tool} cannot take them as planned:", r.unwritten.len());
        for u in &r.unwritten {
            eprintln!("  {} ({}): {}", u.name, u.format, u.reason);
        }
    }
    r.text
}

fn plan_csv(p: &Plan) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["tensor", "format", "choice", "elements", "bits", "bits_per_weight", "sum_squared_error", "mse", "reason"])?;
    for a in &p.assignment {
        let choice = serde_json::to_value(a.choice).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        w.write_record([
            quantscope_export::safe_text(&a.name).into_owned(),
            a.format.clone(),
            choice,
            a.elements.to_string(),
            a.bits.to_string(),
            number(a.bits_per_weight),
            number(a.sum_squared_error),
            number(a.mse),
            a.reason.as_deref().map(|r| quantscope_export::safe_text(r).into_owned()).unwrap_or_default(),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn plan_human(p: &Plan) -> String {
    let mut out = String::new();
    let method = match p.method {
        plan::Method::Exact => "exact (dynamic programming): optimal".to_string(),
        plan::Method::Lagrangian => format!(
            "Lagrangian (LP bound {:.6e}): within {:.6e} of optimal{}",
            p.lower_bound,
            p.gap_bound,
            if p.optimal { ", proven optimal" } else { "" }
        ),
    };
    let _ = writeln!(
        out,
        "plan · {} tensor(s) · {:.4} bits per weight · {} bytes (budget {} bytes) · total squared error {:.6e}\nmethod: {method}",
        p.assignment.len(),
        p.bits_per_weight,
        p.bytes,
        p.budget_bits / 8,
        p.total_squared_error
    );
    let rows = p
        .assignment
        .iter()
        .map(|a| {
            let choice = match a.choice {
                plan::Choice::Planned => "planned".to_string(),
                plan::Choice::Pinned => "pinned".to_string(),
                plan::Choice::Kept => format!("kept: {}", a.reason.as_deref().unwrap_or("")),
            };
            vec![a.name.clone(), a.format.clone(), format!("{:.4}", a.bits_per_weight), format!("{:.4e}", a.mse), choice]
        })
        .collect();
    let header = ["tensor", "format", "bits/weight", "MSE", "why"].map(String::from).to_vec();
    let _ = writeln!(out, "{}", text_table(header, rows, 2));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1234"), Ok(1234));
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("1.5g"), Ok(3 << 29));
        assert_eq!(parse_size("512 m"), Ok(512 << 20));
        assert!(parse_size("4 GB").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn list_errors_point_at_the_token() {
        let e = formats_of("q8_0,q9_0").unwrap_err();
        assert!(e.ends_with(&format!("  --formats q8_0,q9_0\n{}^", " ".repeat(17))), "{e}");
    }
}
