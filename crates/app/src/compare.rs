//! *Compare formats* without the browser: reading the files of one model (the CLI's `quantscope
//! compare` and the page's worker run the same function, [`compare_model`]), the plan builder's
//! fields as the core's [`PlanOptions`] (errors located in their field), the heatmap's sorting,
//! and the files of a plan (JSON, CSV, the llama.cpp tensor-type file, the llm-compressor recipe).
//!
//! The numbers come from the core ([`quantscope_core::compare`](mod@quantscope_core::compare): one read of each tensor serves every
//! format; [`plan::plan`]); the JSON and CSV writers are `quantscope_export::compare`'s. See
//! docs/compare.md.

use std::collections::{BTreeSet, HashSet};
use std::ops::ControlFlow;

use quantscope_core::compare::plan::{self, Budget, Pin, Plan, PlanOptions, EXACT_LIMIT};
use quantscope_core::compare::recipe::{self, Unwritten};
use quantscope_core::compare::{self, CompareReport, Outcome, TensorCompare};
use quantscope_core::format::{Format, FormatError};
use quantscope_weights::gguf::{self, Gguf};
use quantscope_weights::{Archive, Element, Source};
use serde::{Deserialize, Serialize};

/// The formats compared when none are given (the CLI's `--formats` default).
pub const DEFAULT_FORMATS: &str = "q8_0,q5_1,q4_0,mxfp4,nf4";

/// One opened weight file of the model.
pub enum Opened<S: Source> {
    /// A GGUF file: float tensors measured, quantized ones listed.
    Gguf(Gguf<S>),
    /// `.safetensors`, `.npz` or `.npy`.
    Other(Archive<S>),
}

/// A weight file of the model: its name as shown in messages and the report, and its reader.
pub struct ModelFile<S: Source> {
    /// The name shown (a path in the CLI, the file's name on the page).
    pub name: String,
    /// Its reader.
    pub opened: Opened<S>,
}

/// The file's name without its extension: names the array of a lone `.npy`.
pub fn stem(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.').map_or(base, |(stem, _)| stem)
}

/// Opens a weight file, its format detected from its first bytes (GGUF's magic, else
/// `quantscope_weights::Archive`'s detection). Errors name the file.
pub fn open<S: Source>(name: &str, mut source: S) -> Result<ModelFile<S>, String> {
    let mut head = [0u8; 4];
    let got = source.len().min(4) as usize;
    source.read_at(0, &mut head[..got]).map_err(|e| format!("{name}: cannot read the file: {e}"))?;
    let opened = if gguf::is_gguf(&head[..got]) {
        Opened::Gguf(Gguf::open(source).map_err(|e| format!("{name}: {e}"))?)
    } else {
        Opened::Other(Archive::open(source, stem(name)).map_err(|e| format!("{name}: {e}"))?)
    };
    Ok(ModelFile { name: name.to_string(), opened })
}

/// Bytes of tensor data [`compare_model`] reads (the progress total).
pub fn bytes_to_read<S: Source>(files: &[ModelFile<S>]) -> u64 {
    files
        .iter()
        .map(|f| match &f.opened {
            Opened::Gguf(g) => g.tensors().iter().filter(|t| t.element().is_some()).map(|t| t.bytes).sum::<u64>(),
            Opened::Other(a) => a.tensors().iter().filter(|t| t.analysable()).map(|t| t.bytes).sum(),
        })
        .sum()
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

/// Every tensor of the model's files under every format, one tensor in memory at a time (each
/// read once for all formats: [`compare::measure`]). `progress(bytes done, what)` after every
/// chunk read. A tensor name found in two files is refused (they are not shards of one model).
pub fn compare_model<S: Source>(
    files: Vec<ModelFile<S>>,
    formats: &[Format],
    progress: &mut dyn FnMut(u64, &str),
) -> Result<CompareReport, String> {
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    let mut base = 0u64;
    let mut tensors: Vec<TensorCompare> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for file in files {
        let shown = file.name;
        let mut add = |t: TensorCompare, tensors: &mut Vec<TensorCompare>| {
            if !seen.insert(t.name.clone()) {
                return Err(format!("{shown}: tensor `{}` is also in an earlier file: the files are not shards of one model", t.name));
            }
            tensors.push(t);
            Ok(())
        };
        match file.opened {
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
                            progress(base + done, &what);
                            ControlFlow::Continue(())
                        })
                        .map_err(|e| format!("{shown}: {e}"))?;
                    base += t.bytes;
                    add(compare::measure(&t.name, &t.shape, dtype, t.bits(), &values, formats), &mut tensors)?;
                }
            }
            Opened::Other(mut a) => {
                for t in a.tensors().to_vec() {
                    let dtype = dtype_name(&t.element, &t.dtype);
                    if let Some(reason) = &t.not_analysable {
                        let reason = format!("{reason}: kept in its source type");
                        add(compare::kept(&t.name, &t.shape, &dtype, t.bytes * 8, &reason, formats), &mut tensors)?;
                        continue;
                    }
                    let what = format!("{} ({shown})", t.name);
                    let loaded = a
                        .load_with_progress(&t.name, 0, &mut |done, _| {
                            progress(base + done, &what);
                            ControlFlow::Continue(())
                        })
                        .map_err(|e| format!("{shown}: {e}"))?;
                    base += t.bytes;
                    let values = match loaded.data {
                        quantscope_core::Samples::F32(v) => v,
                        quantscope_core::Samples::F64(v) => v.into_iter().map(|x| x as f32).collect(),
                    };
                    add(compare::measure(&t.name, &t.shape, &dtype, t.bytes * 8, &values, formats), &mut tensors)?;
                    a.recycle_values(values);
                }
            }
        }
    }
    Ok(CompareReport::new(names, formats.iter().map(|f| f.to_string()).collect(), tensors))
}

/// The shard file names a `model.safetensors.index.json` names (its `weight_map` values, in name
/// order). `shown` names the index in messages.
pub fn index_shards(text: &str, shown: &str) -> Result<Vec<String>, String> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{shown}: line {}, column {}: {e}", e.line(), e.column()))?;
    let map = json
        .get("weight_map")
        .and_then(|m| m.as_object())
        .ok_or_else(|| format!("{shown}: no `weight_map` object (expected a model.safetensors.index.json)"))?;
    let mut files = BTreeSet::new();
    for (tensor, file) in map {
        let file = file.as_str().ok_or_else(|| format!("{shown}: weight_map[\"{tensor}\"] is not a file name"))?;
        files.insert(file.to_string());
    }
    Ok(files.into_iter().collect())
}

/// Whether a dropped file is a shard index rather than weights.
pub fn is_index(name: &str) -> bool {
    name.ends_with(".index.json")
}

/// Which of the files dropped together are the model's weights, in reading order (indices into
/// `names`): the shards the index names when one was dropped (`index`: its name and text; a shard
/// it names that was not dropped is an error), else every file but indices, by name.
pub fn dropped_model(names: &[String], index: Option<(&str, &str)>) -> Result<Vec<usize>, String> {
    let Some((index_name, text)) = index else {
        let mut order: Vec<usize> = (0..names.len()).filter(|&i| !is_index(&names[i])).collect();
        order.sort_by(|&a, &b| names[a].cmp(&names[b]));
        if order.is_empty() {
            return Err("no weight file among the files dropped (only an index): drop its shards with it".into());
        }
        return Ok(order);
    };
    let shards = index_shards(text, index_name)?;
    let missing: Vec<&str> = shards.iter().filter(|s| !names.contains(s)).map(String::as_str).collect();
    if !missing.is_empty() {
        return Err(format!(
            "{index_name} names {} shard(s) not dropped with it: {} (drop every shard with the index)",
            missing.len(),
            missing.join(", ")
        ));
    }
    Ok(shards.iter().filter_map(|s| names.iter().position(|n| n == s)).collect())
}

/// `1234`, `4GiB`, `1.5g`, `512m` as bytes (powers of 1024, as `llama-quantize --target-size`
/// reads them; the CLI's `--target-size`).
pub fn parse_size(s: &str) -> Result<u64, String> {
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

/// How the plan's budget is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BudgetUnit {
    /// Bits per weight over the model (`--target-bpw`).
    #[default]
    BitsPerWeight,
    /// Bytes of tensor data, `--target-size` syntax (`4GiB`, `0.25g`, `123456789`).
    Size,
}

/// The plan builder's fields as typed. Kept with the page's form (localStorage, share links):
/// a field missing from an older saved form takes its default.
// Read by the form's lean reader (`form::lean_deserialize!`: what `#[serde(default)]` derived).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanForm {
    /// The budget's number (bits per weight) or size.
    pub budget: String,
    /// What `budget` is.
    pub unit: BudgetUnit,
    /// One `REGEX=FORMAT` per line (blank lines ignored).
    pub pins: String,
}
crate::form::lean_deserialize!(PlanForm { budget, unit, pins });

impl Default for PlanForm {
    fn default() -> Self {
        PlanForm { budget: "4.5".into(), unit: BudgetUnit::BitsPerWeight, pins: String::new() }
    }
}

/// The *Compare formats* view's fields as typed: the formats list and the plan builder's fields.
/// Part of the page's form (`form::FilesForm::compare`), so localStorage and share links keep them;
/// a saved form without them (or without some of them) loads with the defaults.
// Read by the form's lean reader (`form::lean_deserialize!`: what `#[serde(default)]` derived).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareForm {
    /// The formats list, `--formats` syntax (`q8_0,q5_1,q4_0,mxfp4,nf4`).
    pub formats: String,
    /// The plan builder's budget, its unit and the pins.
    pub plan: PlanForm,
}
crate::form::lean_deserialize!(CompareForm { formats, plan });

impl Default for CompareForm {
    fn default() -> Self {
        CompareForm { formats: DEFAULT_FORMATS.to_string(), plan: PlanForm::default() }
    }
}

/// A field's error: which field, and the located message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// `formats`, `budget` or `pins`.
    pub field: String,
    /// What is wrong, where, and what was expected.
    pub message: String,
}

fn field_error(field: &str, message: String) -> FieldError {
    FieldError { field: field.into(), message }
}

/// The formats field (`--formats` syntax): the located error under the offending token, as the CLI
/// prints it.
pub fn parse_formats(list: &str) -> Result<Vec<Format>, FieldError> {
    compare::parse_formats(list).map_err(|e| {
        let message = match &e {
            FormatError::Token { column, .. } => format!("{e}\n{list}\n{}^", " ".repeat(column.saturating_sub(1))),
            _ => e.to_string(),
        };
        field_error("formats", message)
    })
}

/// The budget field as the core's [`Budget`].
pub fn parse_budget(form: &PlanForm) -> Result<Budget, FieldError> {
    match form.unit {
        BudgetUnit::BitsPerWeight => {
            let text = form.budget.trim();
            match text.parse::<f64>() {
                Ok(b) if b.is_finite() && b > 0.0 => Ok(Budget::BitsPerWeight(b)),
                _ => Err(field_error("budget", format!("expected bits per weight, a positive number such as 4.5, found `{text}`"))),
            }
        }
        BudgetUnit::Size => parse_size(&form.budget).map(Budget::Bytes).map_err(|m| field_error("budget", m)),
    }
}

/// The pins, one `REGEX=FORMAT` per line; the format is checked here (its canonical token kept),
/// the regular expression by the planner. Errors name the line.
pub fn parse_pins(text: &str) -> Result<Vec<Pin>, FieldError> {
    let mut pins = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = |m: String| field_error("pins", format!("line {}: {m}", i + 1));
        let pin: Pin = line.parse().map_err(at)?;
        let format: Format = pin.format.parse().map_err(|e: FormatError| at(format!("`{line}`: {e}")))?;
        pins.push(Pin { pattern: pin.pattern, format: format.to_string() });
    }
    Ok(pins)
}

/// The plan builder's fields as the planner's options over the formats compared (`formats`, as
/// the report names them). Every field's error, in field order.
pub fn plan_options(formats: &[String], form: &PlanForm) -> Result<PlanOptions, Vec<FieldError>> {
    let budget = parse_budget(form);
    let pins = parse_pins(&form.pins);
    match (budget, pins) {
        (Ok(budget), Ok(pins)) => Ok(PlanOptions { formats: formats.to_vec(), budget, pins, exact_limit: EXACT_LIMIT }),
        (b, p) => Err(b.err().into_iter().chain(p.err()).collect()),
    }
}

/// How the budget reads in a report (`4.5 bits per weight`, `0.25g of tensor data`).
pub fn budget_label(form: &PlanForm) -> String {
    match form.unit {
        BudgetUnit::BitsPerWeight => format!("{} bits per weight", form.budget.trim()),
        BudgetUnit::Size => format!("{} of tensor data", form.budget.trim()),
    }
}

/// The `quantscope plan` command that gives the same plan (the files as named on the page).
pub fn plan_command(files: &[String], formats: &str, form: &PlanForm) -> String {
    let quote = |s: &str| {
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-/:,=+".contains(c)) {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    };
    let mut words = vec!["quantscope plan".to_string()];
    words.extend(files.iter().map(|f| quote(f)));
    words.push(format!("--formats {}", quote(formats.trim())));
    words.push(match form.unit {
        BudgetUnit::BitsPerWeight => format!("--target-bpw {}", quote(form.budget.trim())),
        BudgetUnit::Size => format!("--target-size {}", quote(form.budget.trim())),
    });
    for line in form.pins.lines().map(str::trim).filter(|l| !l.is_empty()) {
        words.push(format!("--pin {}", quote(line)));
    }
    words.join(" ")
}

/// A plan's downloads, made where it was solved (the worker), by the CLI's writers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanFiles {
    /// `plan --format json`.
    pub json: String,
    /// `plan --format csv`.
    pub csv: String,
    /// `plan --format llama-tensor-types`.
    pub tensor_types: String,
    /// The tensors the tensor-type file cannot say, and why.
    pub tensor_types_unwritten: Vec<Unwritten>,
    /// `plan --format llmcompressor`.
    pub recipe: String,
    /// The tensors the recipe cannot say, and why.
    pub recipe_unwritten: Vec<Unwritten>,
}

/// The plan of `report` under the builder's fields, and its files. Errors: a field's, or the
/// planner's (a budget below the smallest size, a pin matching nothing), as messages.
pub fn plan_files(report: &CompareReport, form: &PlanForm) -> Result<(Plan, PlanFiles), String> {
    let options = plan_options(&report.formats, form).map_err(|e| e.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "))?;
    let p = plan::plan(report, &options).map_err(|e| e.to_string())?;
    let types = recipe::llama_tensor_types(&p);
    let llm = recipe::llmcompressor_recipe(&p);
    let files = PlanFiles {
        json: quantscope_export::compare::plan_json(&p).map_err(|e| e.to_string())?,
        csv: quantscope_export::compare::plan_csv(&p).map_err(|e| e.to_string())?,
        tensor_types: types.text,
        tensor_types_unwritten: types.unwritten,
        recipe: llm.text,
        recipe_unwritten: llm.unwritten,
    };
    Ok((p, files))
}

/// Sort order of a heatmap column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Lowest first (the most damaged tensors on top, for SQNR).
    Ascending,
    /// Highest first.
    Descending,
}

/// The measured tensors' indices (into `report.tensors`), in the report's order (`by` is `None`),
/// by name (`Some((None, order))`), or by one format's SQNR (`Some((Some(column), order))`; cells
/// without an SQNR last whatever the order, ties in report order).
pub fn sorted_rows(report: &CompareReport, by: Option<(Option<usize>, Order)>) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..report.tensors.len()).filter(|&i| report.tensors[i].kept.is_none()).collect();
    let Some((column, order)) = by else { return rows };
    let flip = |o: std::cmp::Ordering| if order == Order::Descending { o.reverse() } else { o };
    match column {
        None => rows.sort_by(|&a, &b| flip(report.tensors[a].name.cmp(&report.tensors[b].name))),
        Some(c) => {
            let key = |i: usize| -> Option<f64> {
                let format = report.formats.get(c)?;
                match &report.tensors[i].result(format)?.outcome {
                    Outcome::Measured(m) => m.sqnr_db.filter(|v| !v.is_nan()),
                    Outcome::Refused { .. } => None,
                }
            };
            rows.sort_by(|&a, &b| match (key(a), key(b)) {
                (Some(x), Some(y)) => flip(x.total_cmp(&y)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
        }
    }
    rows
}

/// What the page's *Compare formats* view asks its worker (a message of its own, beside
/// [`crate::protocol::Request`]: the tags differ, so the worker tells them apart). Every request
/// carries its job number, echoed in the replies. The report travels back with each plan and PDF
/// request (the worker keeps nothing: a worker let go or cancelled loses no plan).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CompareRequest {
    /// Compare every tensor of the files posted beside the request (one model) in `formats`
    /// (`--formats` syntax).
    Compare { job: u32, formats: String },
    /// The plan of the compare report `report` (its JSON) under the builder's fields, and its files.
    Plan { job: u32, report: String, form: PlanForm },
    /// The PDF report of `report` and, when given, of its plan.
    ComparePdf {
        job: u32,
        report: String,
        plan: Option<PlanForm>,
        model: String,
        paper: quantscope_export::Paper,
        date: String,
        decimals: u8,
    },
}

impl CompareRequest {
    /// Its job number.
    pub fn job(&self) -> u32 {
        match self {
            CompareRequest::Compare { job, .. } | CompareRequest::Plan { job, .. } | CompareRequest::ComparePdf { job, .. } => *job,
        }
    }
}

/// What the worker answers a [`CompareRequest`] (`Ready`, `Progress` and `Failed` are spelled as
/// [`crate::protocol::Reply`]'s). `Bytes` is where the page puts a PDF's bytes, posted beside the JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", bound(deserialize = "Bytes: Default"))]
pub enum CompareReply<Bytes = ()> {
    /// The worker's wasm is running and listening.
    Ready,
    /// `done` of `total` bytes of tensor data read; `tensor` is being read.
    Progress { job: u32, done: u64, total: u64, tensor: String },
    /// The compare report as `compare --format json` and `--format csv` write it; `elapsed_ms`
    /// from the request to the report; `memory_bytes`: the worker's wasm memory (its peak).
    Compared { job: u32, json: String, csv: String, elapsed_ms: f64, memory_bytes: f64 },
    /// The plan's files (its JSON is the plan).
    Planned { job: u32, files: PlanFiles },
    /// The PDF (its bytes beside the JSON).
    Pdf {
        job: u32,
        #[serde(skip)]
        bytes: Bytes,
    },
    /// The request was refused: the message names the file, tensor or field.
    Failed { job: u32, message: String },
}

impl<Bytes> CompareReply<Bytes> {
    /// The job it answers (`None` for `Ready`).
    pub fn job(&self) -> Option<u32> {
        match self {
            CompareReply::Ready => None,
            CompareReply::Progress { job, .. }
            | CompareReply::Compared { job, .. }
            | CompareReply::Planned { job, .. }
            | CompareReply::Pdf { job, .. }
            | CompareReply::Failed { job, .. } => Some(*job),
        }
    }
}

/// The PDF of a compare report (its JSON) and of the plan of `plan`'s fields, made by
/// `quantscope_export::compare::pdf` (the worker runs it).
pub fn compare_pdf(report: &str, plan: Option<&PlanForm>, model: &str, options: &quantscope_export::PdfOptions) -> Result<Vec<u8>, String> {
    let report: CompareReport = serde_json::from_str(report).map_err(|e| format!("not a compare report: {e}"))?;
    let planned = match plan {
        Some(form) => Some((plan_files(&report, form)?.0, budget_label(form))),
        None => None,
    };
    let pdf = quantscope_export::compare::pdf::ComparePdf { model, report: &report, plan: planned.as_ref().map(|(p, b)| (p, b.as_str())) };
    Ok(quantscope_export::compare::pdf::pdf(&pdf, options))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_weights::ReadSeekSource;
    use std::io::Cursor;

    /// A safetensors file of float32 tensors.
    fn safetensors(tensors: &[(&str, &[u64], &[f32])]) -> Vec<u8> {
        let mut header = serde_json::Map::new();
        let mut data = Vec::new();
        for (name, shape, values) in tensors {
            let start = data.len();
            for v in *values {
                data.extend_from_slice(&v.to_le_bytes());
            }
            header.insert(name.to_string(), serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}));
        }
        let text = serde_json::Value::Object(header).to_string();
        let mut out = (text.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(&data);
        out
    }

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| (((i * 37 + seed * 11) % 101) as f32 - 50.0) / 17.0).collect()
    }

    fn file(name: &str, bytes: Vec<u8>) -> ModelFile<ReadSeekSource<Cursor<Vec<u8>>>> {
        open(name, ReadSeekSource::new(Cursor::new(bytes)).unwrap()).unwrap()
    }

    #[test]
    fn two_shards_are_one_model_and_equal_the_whole() {
        let (a, b, n) = (values(128, 1), values(256, 2), values(64, 3));
        let one = safetensors(&[("a.weight", &[2, 64], &a), ("norm.weight", &[64], &n)]);
        let two = safetensors(&[("b.weight", &[4, 64], &b)]);
        let whole = safetensors(&[("a.weight", &[2, 64], &a), ("norm.weight", &[64], &n), ("b.weight", &[4, 64], &b)]);
        let formats = parse_formats(DEFAULT_FORMATS).unwrap();
        let mut seen = 0;
        let files = vec![file("m-1.safetensors", one), file("m-2.safetensors", two)];
        assert_eq!(bytes_to_read(&files), (128 + 64 + 256) * 4, "the 1-D norm is read too");
        let sharded = compare_model(files, &formats, &mut |done, _| seen = seen.max(done)).unwrap();
        assert_eq!(seen, (128 + 64 + 256) * 4);
        let single = compare_model(vec![file("m.safetensors", whole)], &formats, &mut |_, _| {}).unwrap();
        assert_eq!(sharded.tensors, single.tensors);
        assert_eq!(sharded.totals, single.totals);
        assert_eq!(sharded.files, vec!["m-1.safetensors", "m-2.safetensors"]);
        assert!(sharded.tensors[1].kept.is_some(), "the 1-D norm is kept");
        // The same tensor in two files: not shards of one model.
        let again = vec![
            file("x.safetensors", safetensors(&[("a.weight", &[2, 64], &a)])),
            file("y.safetensors", safetensors(&[("a.weight", &[2, 64], &a)])),
        ];
        let e = compare_model(again, &formats, &mut |_, _| {}).unwrap_err();
        assert!(e.starts_with("y.safetensors: tensor `a.weight` is also in an earlier file"), "{e}");
    }

    #[test]
    fn an_index_picks_its_shards() {
        let names: Vec<String> = ["model-00002-of-00002.safetensors", "model.safetensors.index.json", "model-00001-of-00002.safetensors"]
            .map(String::from)
            .to_vec();
        assert_eq!(dropped_model(&names, None).unwrap(), vec![2, 0]);
        let index = r#"{"metadata": {}, "weight_map": {"b": "model-00002-of-00002.safetensors", "a": "model-00001-of-00002.safetensors"}}"#;
        assert_eq!(dropped_model(&names, Some(("model.safetensors.index.json", index))).unwrap(), vec![2, 0]);
        let three = r#"{"weight_map": {"c": "model-00003-of-00003.safetensors", "a": "model-00001-of-00002.safetensors"}}"#;
        let e = dropped_model(&names, Some(("model.safetensors.index.json", three))).unwrap_err();
        assert!(e.contains("model-00003-of-00003.safetensors"), "{e}");
        let e = dropped_model(&names, Some(("i.index.json", "{\"weight_map\": 3}"))).unwrap_err();
        assert!(e.contains("no `weight_map` object"), "{e}");
        let e = dropped_model(&names, Some(("i.index.json", "{\n  \"weight_map\": }"))).unwrap_err();
        assert!(e.starts_with("i.index.json: line 2, column"), "{e}");
    }

    #[test]
    fn fields_are_located() {
        let e = parse_formats("q8_0,q9").unwrap_err();
        assert_eq!(e.field, "formats");
        assert!(e.message.ends_with("\nq8_0,q9\n     ^"), "{}", e.message);
        assert_eq!(
            parse_formats(" Q8_0, int4:per-group:128").unwrap().iter().map(|f| f.to_string()).collect::<Vec<_>>(),
            ["q8_0", "int4:per-group:128"]
        );
        let form = |budget: &str, unit, pins: &str| PlanForm { budget: budget.into(), unit, pins: pins.into() };
        assert_eq!(parse_budget(&form("4.5", BudgetUnit::BitsPerWeight, "")), Ok(Budget::BitsPerWeight(4.5)));
        assert_eq!(parse_budget(&form("0.25g", BudgetUnit::Size, "")), Ok(Budget::Bytes(1 << 28)));
        assert!(parse_budget(&form("-1", BudgetUnit::BitsPerWeight, "")).unwrap_err().message.contains("found `-1`"));
        assert!(parse_budget(&form("4 GB", BudgetUnit::Size, "")).unwrap_err().message.contains("unknown unit `gb`"));
        let pins = parse_pins("lm_head=Q8_0\n\n^blk\\.0=int4:per-group:128").unwrap();
        assert_eq!(pins[0], Pin { pattern: "lm_head".into(), format: "q8_0".into() });
        assert_eq!(pins[1].format, "int4:per-group:128");
        let e = parse_pins("a=q8_0\nb=q9").unwrap_err();
        assert!(e.message.starts_with("line 2: `b=q9`: "), "{}", e.message);
        let e = parse_pins("nothing").unwrap_err();
        assert!(e.message.starts_with("line 1: expected REGEX=FORMAT"), "{}", e.message);
        let errors = plan_options(&[], &form("x", BudgetUnit::BitsPerWeight, "y")).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["budget", "pins"]);
        let f = form("4.5", BudgetUnit::BitsPerWeight, "lm_head|embed=q8_0");
        assert_eq!(
            plan_command(&["a b.safetensors".into()], "q8_0,q4_0", &f),
            "quantscope plan 'a b.safetensors' --formats q8_0,q4_0 --target-bpw 4.5 --pin 'lm_head|embed=q8_0'"
        );
    }

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
    fn rows_sort_by_a_format_with_refusals_last() {
        let formats = parse_formats("q8_0,nf4").unwrap();
        let tensors = vec![
            compare::measure("b", &[2, 64], "f32", 0, &values(128, 1), &formats),
            compare::measure("a", &[2, 96], "f32", 0, &values(192, 2), &formats),
            compare::measure("n", &[64], "f32", 0, &values(64, 3), &formats),
            compare::measure("c", &[2, 64], "f32", 0, &values(128, 4).iter().map(|v| v * 3.0).collect::<Vec<_>>(), &formats),
        ];
        let r = CompareReport::new(vec![], formats.iter().map(|f| f.to_string()).collect(), tensors);
        assert_eq!(sorted_rows(&r, None), vec![0, 1, 3], "the kept 1-D tensor is not a row");
        assert_eq!(sorted_rows(&r, Some((None, Order::Ascending))), vec![1, 0, 3]);
        assert_eq!(sorted_rows(&r, Some((None, Order::Descending))), vec![3, 0, 1]);
        let sqnr = |i: usize, f: &str| r.tensors[i].result(f).unwrap().measured().and_then(|m| m.sqnr_db);
        let up = sorted_rows(&r, Some((Some(1), Order::Ascending)));
        assert_eq!(*up.last().unwrap(), 1, "nf4 cannot take rows of 96: last");
        assert!(sqnr(up[0], "nf4") <= sqnr(up[1], "nf4"));
        let down = sorted_rows(&r, Some((Some(1), Order::Descending)));
        assert_eq!(*down.last().unwrap(), 1);
        assert!(sqnr(down[0], "nf4") >= sqnr(down[1], "nf4"));
    }

    #[test]
    fn plan_files_are_the_writers_output() {
        let formats = parse_formats("q8_0,q4_0").unwrap();
        let tensors = vec![
            compare::measure("model.layers.0.mlp.down_proj.weight", &[2, 64], "f32", 128 * 32, &values(128, 1), &formats),
            compare::measure("model.layers.0.self_attn.q_proj.weight", &[2, 64], "f32", 128 * 32, &values(128, 5), &formats),
        ];
        let r = CompareReport::new(vec![], formats.iter().map(|f| f.to_string()).collect(), tensors);
        let form = PlanForm { budget: "6.5".into(), unit: BudgetUnit::BitsPerWeight, pins: "q_proj=q8_0".into() };
        let (p, files) = plan_files(&r, &form).unwrap();
        assert_eq!(files.json, quantscope_export::compare::plan_json(&p).unwrap());
        assert_eq!(p.assignment[1].format, "q8_0");
        assert_eq!(p.assignment[0].format, "q4_0");
        assert_eq!(files.tensor_types, "^blk\\.0\\.ffn_down\\.weight$=q4_0\n^blk\\.0\\.attn_q\\.weight$=q8_0\n");
        assert_eq!(files.recipe_unwritten.len(), 2, "llm-compressor has no GGUF formats");
        let e = plan_files(&r, &PlanForm { budget: "1".into(), ..form.clone() }).unwrap_err();
        assert!(e.contains("below the smallest size"), "{e}");
    }

    #[test]
    fn the_page_reads_what_the_worker_writes() {
        let read = |json: &str| serde_json::from_str::<CompareReply>(json).unwrap_or_else(|e| panic!("{e}: {json}"));
        // The worker's own `Ready`, `Progress` and `Failed` (crate::protocol::Sent) read as compare replies.
        let sent = |s: &crate::protocol::Sent| serde_json::to_string(s).unwrap();
        assert_eq!(read(&sent(&crate::protocol::Sent::Ready)), CompareReply::Ready);
        let progress = read(&sent(&crate::protocol::Sent::Progress { job: 2, done: 3, total: 4, tensor: "w" }));
        assert_eq!(progress, CompareReply::Progress { job: 2, done: 3, total: 4, tensor: "w".into() });
        let failed = read(&sent(&crate::protocol::Sent::Failed { job: 5, message: "no".into() }));
        assert_eq!(failed.job(), Some(5));
        let planned = CompareReply::<()>::Planned { job: 7, files: PlanFiles { json: "{}".into(), ..PlanFiles::default() } };
        assert_eq!(read(&serde_json::to_string(&planned).unwrap()), planned);
        // A compare request is not a Files-tool request, and back.
        let ask = CompareRequest::Plan { job: 1, report: "{}".into(), form: PlanForm::default() };
        let text = serde_json::to_string(&ask).unwrap();
        assert!(serde_json::from_str::<crate::protocol::Request>(&text).is_err());
        assert_eq!(serde_json::from_str::<CompareRequest>(&text).unwrap(), ask);
        let list = serde_json::to_string(&crate::protocol::Request::List { job: 1 }).unwrap();
        assert!(serde_json::from_str::<CompareRequest>(&list).is_err());
    }

    #[test]
    fn the_pdf_has_the_plan() {
        let formats = parse_formats("q8_0,q4_0").unwrap();
        let tensors = vec![compare::measure("w", &[2, 64], "f32", 128 * 32, &values(128, 1), &formats)];
        let r = CompareReport::new(vec!["m.safetensors".into()], formats.iter().map(|f| f.to_string()).collect(), tensors);
        let json = quantscope_export::compare::compare_json(&r).unwrap();
        let pdf = compare_pdf(&json, Some(&PlanForm::default()), "m.safetensors", &quantscope_export::PdfOptions::default()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(compare_pdf("{", None, "m", &quantscope_export::PdfOptions::default()).unwrap_err().starts_with("not a compare report"));
    }

    #[test]
    fn the_compare_fields_are_kept_with_the_form() {
        use crate::form::FormState;
        // Typed fields survive the JSON localStorage and share links keep (and a changed unit).
        let mut form = FormState::examples();
        form.files.compare = CompareForm {
            formats: "q8_0,int4:per-group:128".into(),
            plan: PlanForm { budget: "3GiB".into(), unit: BudgetUnit::Size, pins: "lm_head=q8_0\nembed=q4_0".into() },
        };
        let json = serde_json::to_string(&form).unwrap();
        assert!(json.contains(r#""compare":{"formats":"q8_0,int4:per-group:128","plan":{"budget":"3GiB","unit":"size","pins":"lm_head=q8_0\nembed=q4_0"}}"#), "{json}");
        assert_eq!(serde_json::from_str::<FormState>(&json).unwrap(), form);
        // A form saved before the fields existed loads with the defaults, its other fields kept.
        let old: FormState = serde_json::from_str(r#"{"files":{"axis":"1","calibration":"mse","percentile":""}}"#).unwrap();
        assert_eq!(old.files.axis, "1");
        assert_eq!(old.files.compare, CompareForm::default());
        assert_eq!(old.files.compare.formats, DEFAULT_FORMATS);
        // Some fields only: the others take their defaults.
        let partial: FormState = serde_json::from_str(r#"{"files":{"compare":{"formats":"nf4","plan":{"pins":"q_proj=q8_0"}}}}"#).unwrap();
        let plan = PlanForm { pins: "q_proj=q8_0".into(), ..PlanForm::default() };
        assert_eq!(partial.files.compare, CompareForm { formats: "nf4".into(), plan });
        assert_eq!(partial.files.axis, "0");
        // The fields do not reach the tools' results (FormState::inputs): typing a budget recomputes nothing.
        assert_eq!(form.inputs(), FormState::examples().inputs());
    }
}
