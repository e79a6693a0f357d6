//! The fixed contract, end to end: every case of the PyTorch / ONNX Runtime reference vectors (the
//! `golden` crate) written to a weights file, one channel per line, and run as
//!
//! `quantscope tensor --convention C --dtype D --scheme S --granularity G [--reduce-range]
//!  [--quant-min N --quant-max N] --values --format json weights.txt`
//!
//! Zero points and every q must be identical; scales and dequantized values equal to float32
//! precision (relative 1e-6). Extra vector files can be named in `QUANTSCOPE_GOLDEN`.

mod common;

use common::run_file;
use quantscope_golden::{Case, Produced};
use serde_json::Value;

/// The command line for a case, as another tool would build it.
fn arguments(case: &Case) -> Vec<String> {
    let mut args: Vec<String> = [
        "tensor",
        "--convention",
        &case.preset,
        "--dtype",
        &case.dtype,
        "--scheme",
        &case.scheme,
        "--granularity",
        &case.granularity.replace('_', "-"),
    ]
    .map(String::from)
    .to_vec();
    if case.reduce_range {
        args.push("--reduce-range".into());
    }
    if case.custom_range() {
        args.push(format!("--quant-min={}", case.quant_min));
        args.push(format!("--quant-max={}", case.quant_max));
    }
    args.extend(["--values".into(), "--format".into(), "json".into()]);
    args
}

/// The case's values as a weights file: one channel per line, comma-separated, shortest round-trip repr.
fn weights_file(case: &Case) -> String {
    case.values.iter().map(|row| row.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ") + "\n").collect()
}

/// Runs the contract command and reads back what the JSON says, checking its shape on the way.
fn run(case: &Case) -> Result<Produced, String> {
    let args = arguments(case);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_file(&argv, &weights_file(case));
    if out.code != 0 {
        return Err(format!("exit {}: {}\n  quantscope {}", out.code, out.stderr, args.join(" ")));
    }
    let v: Value = serde_json::from_str(&out.stdout).map_err(|e| e.to_string())?;
    let range = &v["spec"]["range"];
    if (range["qmin"].as_i64(), range["qmax"].as_i64()) != (Some(case.quant_min), Some(case.quant_max)) {
        return Err(format!("integer range {range} but the case uses [{}, {}]", case.quant_min, case.quant_max));
    }
    let channels = v["channels"].as_array().ok_or("no channels array")?;
    for (c, ch) in channels.iter().enumerate() {
        if ch["name"] != format!("ch{c}").as_str() || ch["index"] != c {
            return Err(format!("channel {c} is out of order: {}", ch["name"]));
        }
        for key in ["min", "max", "mse", "rmse", "mae", "max_error", "sqnr_db", "clip_count", "q", "dequantized"] {
            if ch.get(key).is_none() {
                return Err(format!("channel {c} has no `{key}`"));
            }
        }
    }
    let list = |ch: &Value, key: &str| -> Vec<Value> { ch[key].as_array().cloned().unwrap_or_default() };
    Ok(Produced {
        scales: channels.iter().map(|ch| ch["scale"].as_f64().unwrap_or(f64::NAN)).collect(),
        zero_points: channels.iter().map(|ch| ch["zero_point"].as_i64().unwrap_or(i64::MIN)).collect(),
        q: channels.iter().map(|ch| list(ch, "q").iter().map(Value::as_i64).collect()).collect(),
        dequantized: channels.iter().map(|ch| list(ch, "dequantized").iter().map(Value::as_f64).collect()).collect(),
    })
}

#[test]
fn every_reference_case_through_the_cli() {
    quantscope_golden::assert_all(|case| quantscope_golden::compare(case, &run(case)?));
}
