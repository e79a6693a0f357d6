//! Parity with PyTorch 2.15 and ONNX Runtime 1.32: every case of every vector file.
//!
//! Zero points and every integer must be identical; scales and dequantized values equal to float32
//! precision (relative 1e-6). Vector files: `tests/golden/*.json`, plus any file named by the
//! `QUANTSCOPE_GOLDEN` environment variable (vectors generated the same way, e.g. fresh ones).

use quant::{analyse, Convention, Dtype, Granularity, ParamSource, QuantSpec, Samples, Scheme, SpecOptions, Tensor};
use serde_json::Value;
use std::path::PathBuf;

fn vector_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
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

/// Checks one case; returns a description of the first mismatch.
fn check_case(case: &Value) -> Result<(), String> {
    let convention: Convention = case["preset"].as_str().unwrap().parse().unwrap();
    let signed = case["signed"].as_bool().unwrap();
    let dtype = Dtype::new(signed, 8).unwrap();
    let scheme: Scheme = case["scheme"].as_str().unwrap().parse().unwrap();
    let granularity = match case["granularity"].as_str().unwrap() {
        "per_channel" => Granularity::PerChannel,
        _ => Granularity::PerTensor,
    };
    let reduce_range = case["reduce_range"].as_bool().unwrap();
    let (qmin, qmax) = (case["quant_min"].as_i64().unwrap() as i32, case["quant_max"].as_i64().unwrap() as i32);
    // The 8-bit cases use the dtype's own range; narrower ones pass quant_min/quant_max as PyTorch observers take them.
    let bits = case["bits"].as_u64().unwrap();
    let custom = bits < 8 && !reduce_range;
    let options = SpecOptions {
        convention,
        dtype,
        scheme,
        reduce_range,
        quant_min: custom.then_some(qmin),
        quant_max: custom.then_some(qmax),
        ..SpecOptions::default()
    };
    let spec = QuantSpec::resolve(&options).map_err(|e| e.to_string())?;
    if (spec.range.qmin, spec.range.qmax) != (qmin, qmax) {
        return Err(format!("range {} but the case uses [{qmin}, {qmax}]", spec.range));
    }
    let rows: Vec<Vec<f64>> = case["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect())
        .collect();
    let shape = vec![rows.len(), rows[0].len()];
    let data: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    let names = (0..rows.len()).map(|c| format!("ch{c}")).collect::<Vec<_>>();
    let mut tensor = Tensor::dense("golden", Samples::F32(data), shape, 0).unwrap();
    tensor.channel_names = names;
    let analysis = analyse(&tensor, &spec, granularity, &ParamSource::Data, true).map_err(|e| e.to_string())?;

    let expected = &case["expected"];
    let scales: Vec<f64> = expected["scales"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let zps: Vec<i64> = expected["zero_points"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    for (c, ch) in analysis.channels.iter().enumerate() {
        let k = if scales.len() == 1 { 0 } else { c };
        if !close(ch.scale, scales[k]) {
            return Err(format!("channel {c}: scale {} != {}", ch.scale, scales[k]));
        }
        if ch.zero_point != zps[k] {
            return Err(format!("channel {c}: zero point {} != {}", ch.zero_point, zps[k]));
        }
        let el = ch.elements.as_ref().unwrap();
        let q_want = expected["q"][c].as_array().unwrap();
        let dq_want = expected["dequantized"][c].as_array().unwrap();
        for i in 0..q_want.len() {
            let q = el.q[i].unwrap();
            if q != q_want[i].as_i64().unwrap() {
                return Err(format!("channel {c} [{i}]: x = {:e}: q {q} != {}", rows[c][i], q_want[i]));
            }
            let dq = el.dequantized[i].unwrap();
            if !close(dq, dq_want[i].as_f64().unwrap()) {
                return Err(format!("channel {c} [{i}]: dequantized {dq} != {}", dq_want[i]));
            }
        }
    }
    Ok(())
}

#[test]
fn every_reference_case_matches() {
    let mut failures = Vec::new();
    let mut total = 0;
    for file in vector_files() {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let doc: Value = serde_json::from_str(&text).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            total += 1;
            if let Err(why) = check_case(case) {
                failures.push(format!("{}: {why}", case["name"].as_str().unwrap()));
            }
        }
    }
    assert!(total >= 126, "expected the public vectors, found {total} cases");
    assert!(failures.is_empty(), "{} of {total} cases differ:\n{}", failures.len(), failures.join("\n"));
}
