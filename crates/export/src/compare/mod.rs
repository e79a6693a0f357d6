//! The output files of `quantscope compare` and `quantscope plan` (docs/compare.md), written once
//! for the CLI and the page's *Compare formats* view: the compare report as JSON and CSV, the plan
//! as JSON and CSV, and the PDF report ([`pdf`]) with the heatmap and the Pareto chart as vectors.
//!
//! Numbers are written as the rest of the exports write them ([`crate::format_f64`]: the shortest
//! decimal that reads back to the same `f64`); text cells are made safe for spreadsheets
//! ([`crate::safe_text`]). JSON is `serde_json`'s writing of the core's types, one line and a newline.

pub mod pdf;

use quantscope_core::compare::plan::{Choice, Plan};
use quantscope_core::compare::{CompareReport, Outcome};

/// The columns of the compare CSV: one row per tensor and format.
pub const COMPARE_HEADER: [&str; 11] =
    ["tensor", "shape", "elements", "dtype", "format", "bits_per_weight", "bytes", "mse", "sqnr_db", "max_abs_error", "reason"];

/// The columns of the plan CSV: one row per tensor.
pub const PLAN_HEADER: [&str; 9] =
    ["tensor", "format", "choice", "elements", "bits", "bits_per_weight", "sum_squared_error", "mse", "reason"];

/// A failure to write one of the files (never expected: they are written to memory).
#[derive(Debug)]
pub struct WriteError(String);

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WriteError {}

fn failed(e: impl std::fmt::Display) -> WriteError {
    WriteError(e.to_string())
}

/// `compare --format json`: the report, one line.
pub fn compare_json(report: &CompareReport) -> Result<String, WriteError> {
    serde_json::to_string(report).map(|s| s + "\n").map_err(failed)
}

/// `plan --format json`: the plan, one line.
pub fn plan_json(plan: &Plan) -> Result<String, WriteError> {
    serde_json::to_string(plan).map(|s| s + "\n").map_err(failed)
}

fn number(v: f64) -> String {
    crate::format_f64(v)
}

/// `4x64` (the CSV's shape: no comma, no brackets).
pub fn shape_cell(shape: &[u64]) -> String {
    shape.iter().map(u64::to_string).collect::<Vec<_>>().join("x")
}

/// `+inf` / `-inf` / the number; empty when undefined (an all-zero tensor).
fn sqnr(v: Option<f64>) -> String {
    v.map_or_else(String::new, number)
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<String, WriteError> {
    let bytes = w.into_inner().map_err(|e| failed(e.into_error()))?;
    String::from_utf8(bytes).map_err(failed)
}

/// `compare --format csv`: one row per tensor and format ([`COMPARE_HEADER`]); a format that
/// cannot take the tensor has empty numbers and its reason.
pub fn compare_csv(r: &CompareReport) -> Result<String, WriteError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COMPARE_HEADER).map_err(failed)?;
    for t in &r.tensors {
        let shape = shape_cell(&t.shape);
        for res in &t.results {
            let mut row =
                vec![crate::safe_text(&t.name).into_owned(), shape.clone(), t.elements.to_string(), t.dtype.clone(), res.format.clone()];
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
                    row.push(crate::safe_text(reason).into_owned());
                }
            }
            w.write_record(&row).map_err(failed)?;
        }
    }
    finish(w)
}

/// `planned`, `pinned` or `kept`, as the JSON spells it.
pub fn choice_name(c: Choice) -> &'static str {
    match c {
        Choice::Planned => "planned",
        Choice::Pinned => "pinned",
        Choice::Kept => "kept",
    }
}

/// `plan --format csv`: one row per tensor ([`PLAN_HEADER`]).
pub fn plan_csv(p: &Plan) -> Result<String, WriteError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(PLAN_HEADER).map_err(failed)?;
    for a in &p.assignment {
        w.write_record([
            crate::safe_text(&a.name).into_owned(),
            a.format.clone(),
            choice_name(a.choice).to_string(),
            a.elements.to_string(),
            a.bits.to_string(),
            number(a.bits_per_weight),
            number(a.sum_squared_error),
            number(a.mse),
            a.reason.as_deref().map(|r| crate::safe_text(r).into_owned()).unwrap_or_default(),
        ])
        .map_err(failed)?;
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_core::compare::plan::{self, Budget, PlanOptions, EXACT_LIMIT};
    use quantscope_core::compare::{self as core_compare, CompareReport};
    use quantscope_core::format::Format;

    fn report() -> CompareReport {
        let formats: Vec<Format> = core_compare::parse_formats("q8_0,q4_0").unwrap();
        let values: Vec<f32> = (0..128).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect();
        let odd: Vec<f32> = values[..96].to_vec();
        let tensors = vec![
            core_compare::measure("=w", &[2, 64], "f32", 128 * 32, &values, &formats),
            core_compare::measure("b", &[96], "f32", 96 * 32, &odd, &formats),
        ];
        CompareReport::new(vec!["m.safetensors".into()], formats.iter().map(|f| f.to_string()).collect(), tensors)
    }

    #[test]
    fn compare_csv_has_a_row_per_tensor_and_format_with_full_numbers() {
        let r = report();
        let text = compare_csv(&r).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), COMPARE_HEADER.to_vec());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(&rows[0][0], "'=w", "a name starting with = is text");
        assert_eq!(&rows[0][1], "2x64");
        let m = r.tensors[0].results[0].measured().unwrap();
        assert_eq!(rows[0][7].parse::<f64>().unwrap().to_bits(), m.mse.to_bits());
        assert!(rows[2][7].is_empty() && rows[2][10].starts_with("1-D tensor"), "{:?}", rows[2]);
    }

    #[test]
    fn plan_files_read_back() {
        let r = report();
        let p =
            plan::plan(&r, &PlanOptions { formats: vec![], budget: Budget::BitsPerWeight(20.0), pins: vec![], exact_limit: EXACT_LIMIT })
                .unwrap();
        let json: serde_json::Value = serde_json::from_str(&plan_json(&p).unwrap()).unwrap();
        assert_eq!(json["assignment"].as_array().unwrap().len(), 2);
        assert_eq!(json["optimal"], true);
        let text = plan_csv(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], PLAN_HEADER.join(","));
        assert!(lines[1].starts_with("'=w,"), "{}", lines[1]);
        assert!(lines[2].contains(",kept,"), "{}", lines[2]);
        let back: serde_json::Value = serde_json::from_str(&compare_json(&r).unwrap()).unwrap();
        assert_eq!(back["formats"], serde_json::json!(["q8_0", "q4_0"]));
    }
}
