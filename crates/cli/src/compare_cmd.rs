//! `quantscope compare` and `quantscope plan`: every format over a real checkpoint, and the
//! mixed-precision plan under a size budget (issue 14; docs/compare.md).
//!
//! The numbers come from the core ([`quantscope_core::compare`](mod@quantscope_core::compare): one read of each tensor serves
//! every format; the planner); this module finds the model's files, reads them one tensor at a time
//! (memory bounded by the largest tensor), shows progress on stderr, and prints.

use crate::progress::Progress;
use clap::{Args, ValueEnum};
use comfy_table::{presets, CellAlignment, Table};
use quantscope_app::compare::{self as app_compare, ModelFile};
use quantscope_core::compare::plan::{self, Budget, Pin, Plan, PlanOptions, EXACT_LIMIT};
use quantscope_core::compare::recipe::{self, Recipe};
use quantscope_core::compare::{self, CompareReport, Outcome};
use quantscope_core::format::Format;
use quantscope_export::compare as export_compare;
use quantscope_weights::{MappedFile, ReadSeekSource, Source};
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The formats compared when `--formats` is not given.
pub const DEFAULT_FORMATS: &str = app_compare::DEFAULT_FORMATS;

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

/// `1234`, `4GiB`, `1.5g`, `512m` (powers of 1024): the page's size budget reads the same.
fn parse_size(s: &str) -> Result<u64, String> {
    app_compare::parse_size(s)
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
/// `model-00001-of-00004.safetensors`, `model-00002-of-00004...`), next to it.
fn index_shards(index: &Path) -> Result<Vec<PathBuf>, String> {
    let shown = index.display().to_string();
    let text = std::fs::read_to_string(index).map_err(|e| format!("error: cannot read {shown}: {e}"))?;
    let dir = index.parent().unwrap_or(Path::new("."));
    Ok(app_compare::index_shards(&text, &shown).map_err(|e| format!("error: {e}"))?.into_iter().map(|f| dir.join(f)).collect())
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

fn open(path: &Path) -> Result<ModelFile<FileSource>, String> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| format!("error: cannot read {shown}: {e}"))?;
    let source = match MappedFile::new(&file) {
        Ok(mapped) => FileSource::Mapped(mapped),
        Err(_) => {
            FileSource::Buffered(ReadSeekSource::new(io::BufReader::new(file)).map_err(|e| format!("error: cannot read {shown}: {e}"))?)
        }
    };
    app_compare::open(&shown, source).map_err(|e| format!("error: {e}"))
}

/// Every tensor of the model's files under every format: one tensor in memory at a time
/// (`quantscope_app::compare::compare_model`, which the page's worker runs too).
pub fn compare_files(paths: &[PathBuf], formats: &[Format]) -> Result<CompareReport, String> {
    let files = expand(paths)?.iter().map(|p| open(p)).collect::<Result<Vec<_>, _>>()?;
    let progress = Progress::new(app_compare::bytes_to_read(&files));
    let report =
        app_compare::compare_model(files, formats, &mut |done, what| progress.update(done, what)).map_err(|e| format!("error: {e}"));
    progress.finish();
    report
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
        CompareFormat::Json => export_compare::compare_json(&report).map_err(|e| format!("error: {e}"))?,
        CompareFormat::Csv => export_compare::compare_csv(&report).map_err(|e| format!("error: {e}"))?,
        CompareFormat::Human => compare_human(&report),
    };
    print(&text).map_err(Failed::Io)
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
        PlanFormat::Json => export_compare::plan_json(&p).map_err(|e| format!("error: {e}"))?,
        PlanFormat::Csv => export_compare::plan_csv(&p).map_err(|e| format!("error: {e}"))?,
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
