//! The fixed contract, end to end: every case of the PyTorch / ONNX Runtime reference vectors
//! (`crates/quant/tests/golden/*.json`) written to a weights file, one channel per line, and run as
//!
//! `quantscope tensor --convention C --dtype D --scheme S --granularity G [--reduce-range]
//!  [--quant-min N --quant-max N] --values --format json weights.txt`
//!
//! Zero points and every q must be identical; scales and dequantized values equal to float32
//! precision (relative 1e-6). Extra vector files (generated the same way) can be named in
//! `QUANTSCOPE_GOLDEN`, separated by `:`.

mod common;

use common::run_file;
use serde_json::Value;
use std::path::PathBuf;

fn vector_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../quant/tests/golden");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    if let Ok(extra) = std::env::var("QUANTSCOPE_GOLDEN") {
        files.extend(extra.split(':').filter(|s| !s.is_empty()).map(PathBuf::from));
    }
    files.sort();
    files
}

fn close(got: f64, want: f64) -> bool {
    got == want || (got - want).abs() <= 1e-6 * want.abs().max(f64::MIN_POSITIVE)
}

/// The command line for a case, as another tool would build it.
fn arguments(case: &Value) -> Vec<String> {
    let s = |k: &str| case[k].as_str().unwrap().to_string();
    let granularity = s("granularity").replace('_', "-");
    let mut args = vec![
        "tensor".to_string(),
        "--convention".into(),
        s("preset"),
        "--dtype".into(),
        s("dtype"),
        "--scheme".into(),
        s("scheme"),
        "--granularity".into(),
        granularity,
    ];
    let reduce_range = case["reduce_range"].as_bool().unwrap();
    if reduce_range {
        args.push("--reduce-range".into());
    }
    // Narrower than 8 bits without reduce_range: a custom quant_min / quant_max, as PyTorch observers take it.
    if case["bits"].as_u64().unwrap() < 8 && !reduce_range {
        args.push(format!("--quant-min={}", case["quant_min"]));
        args.push(format!("--quant-max={}", case["quant_max"]));
    }
    args.extend(["--values".into(), "--format".into(), "json".into()]);
    args
}

/// The case's values as a weights file: one channel per line, comma-separated, shortest round-trip repr.
fn weights_file(case: &Value) -> String {
    case["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row.as_array().unwrap().iter().map(|v| format!("{:?}", v.as_f64().unwrap())).collect::<Vec<_>>().join(", ") + "\n")
        .collect()
}

fn check(case: &Value) -> Result<(), String> {
    let args = arguments(case);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_file(&argv, &weights_file(case));
    if out.code != 0 {
        return Err(format!("exit {}: {}", out.code, out.stderr));
    }
    let v: Value = serde_json::from_str(&out.stdout).map_err(|e| e.to_string())?;
    let (qmin, qmax) = (case["quant_min"].as_i64().unwrap(), case["quant_max"].as_i64().unwrap());
    let range = &v["spec"]["range"];
    if (range["qmin"].as_i64(), range["qmax"].as_i64()) != (Some(qmin), Some(qmax)) {
        return Err(format!("integer range {range} but the case uses [{qmin}, {qmax}]"));
    }
    let expected = &case["expected"];
    let scales = expected["scales"].as_array().unwrap();
    let zps = expected["zero_points"].as_array().unwrap();
    let channels = v["channels"].as_array().ok_or("no channels array")?;
    let rows = case["values"].as_array().unwrap();
    if channels.len() != rows.len() {
        return Err(format!("{} channel items for {} channels", channels.len(), rows.len()));
    }
    for (c, ch) in channels.iter().enumerate() {
        if ch["name"] != format!("ch{c}").as_str() || ch["index"] != c {
            return Err(format!("channel {c} is out of order: {}", ch["name"]));
        }
        for key in ["min", "max", "mse", "rmse", "mae", "max_error", "sqnr_db", "clip_count"] {
            if ch.get(key).is_none() {
                return Err(format!("channel {c} has no `{key}`"));
            }
        }
        // Per-tensor: one scale and zero point, carried by every channel item.
        let k = if scales.len() == 1 { 0 } else { c };
        let scale = ch["scale"].as_f64().ok_or("no scale")?;
        if !close(scale, scales[k].as_f64().unwrap()) {
            return Err(format!("channel {c}: scale {scale} != {}", scales[k]));
        }
        if ch["zero_point"] != zps[k] {
            return Err(format!("channel {c}: zero point {} != {}", ch["zero_point"], zps[k]));
        }
        let q = ch["q"].as_array().ok_or("no q array")?;
        let dq = ch["dequantized"].as_array().ok_or("no dequantized array")?;
        let q_want = expected["q"][c].as_array().unwrap();
        let dq_want = expected["dequantized"][c].as_array().unwrap();
        if q.len() != q_want.len() || dq.len() != dq_want.len() {
            return Err(format!("channel {c}: {} values for {}", q.len(), q_want.len()));
        }
        for i in 0..q_want.len() {
            if !q[i].is_i64() || q[i] != q_want[i] {
                return Err(format!("channel {c} [{i}]: x = {}: q {} != {}", rows[c][i], q[i], q_want[i]));
            }
            let (got, want) = (dq[i].as_f64().unwrap(), dq_want[i].as_f64().unwrap());
            if !close(got, want) {
                return Err(format!("channel {c} [{i}]: dequantized {got} != {want}"));
            }
        }
    }
    Ok(())
}

#[test]
fn every_reference_case_through_the_cli() {
    let mut failures = Vec::new();
    let mut total = 0;
    for file in vector_files() {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let doc: Value = serde_json::from_str(&text).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            total += 1;
            if let Err(why) = check(case) {
                failures.push(format!("{}: {why}\n  quantscope {}", case["name"].as_str().unwrap(), arguments(case).join(" ")));
            }
        }
    }
    assert!(total >= 126, "expected the public vectors, found {total} cases");
    assert!(failures.is_empty(), "{} of {total} cases differ:\n{}", failures.len(), failures.join("\n"));
}
