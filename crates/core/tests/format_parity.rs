//! The public format vectors (`tests/data/formats_public.json`, a copy of
//! `../shared/golden/formats_public.json`: gguf-py, torchao, bitsandbytes, torch, ml_dtypes) through
//! the core: every dequantized value bit for bit (+0 equals −0), bits per weight within 1e-9, and the
//! stored scales and codes as the reference lists them. More vector files of the same kind can be
//! named in `QUANTSCOPE_FORMAT_GOLDEN` (`:`-separated).

mod format_vectors;

use format_vectors::{cases, same_f32, Case};
use quantscope_core::format::{self, Format, Quantized};
use serde_json::Value;

fn run(case: &Case) -> Result<Quantized, String> {
    let format: Format = case.token().parse().map_err(|e| format!("token {}: {e}", case.token()))?;
    let rows = case.rows_f32();
    let slices: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
    format::quantize_rows(&format, &slices).map_err(|e| e.to_string())
}

fn check_dequantized(case: &Case, got: &Quantized) -> Result<(), String> {
    let want = &case.expected.dequantized;
    if got.channels.len() != want.len() {
        return Err(format!("{} rows, expected {}", got.channels.len(), want.len()));
    }
    for (r, (g, w)) in got.channels.iter().zip(want).enumerate() {
        if g.dequantized.len() != w.len() {
            return Err(format!("row {r}: {} values, expected {}", g.dequantized.len(), w.len()));
        }
        for (i, (g, w)) in g.dequantized.iter().zip(w).enumerate() {
            if !same_f32(*g, *w) {
                return Err(format!("row {r}, value {i}: {g:?}, expected {w:?} (x = {:?})", case.rows[r][i]));
            }
        }
    }
    let bpw = case.expected.bits_per_weight;
    if (got.bits_per_weight - bpw).abs() > 1e-9 {
        return Err(format!("bits per weight {}, expected {bpw}", got.bits_per_weight));
    }
    Ok(())
}

/// The stored scales under the JSON's names: per row (block formats) or flat row-major (`scales`,
/// `zero_points`), and NVFP4's per-tensor scale.
fn check_scales(case: &Case, got: &Quantized) -> Result<(), String> {
    let fields = case.expected.other.iter().filter(|(k, _)| k.as_str() != "codes" && k.as_str() != "block_size");
    for (name, want) in fields {
        if name == "per_tensor_scale" {
            let g = got.per_tensor_scale.map(f64::from);
            if g != want.as_f64() {
                return Err(format!("per_tensor_scale {g:?}, expected {want}"));
            }
            continue;
        }
        let per_row: Vec<Vec<f64>> = got
            .channels
            .iter()
            .map(|row| row.blocks.iter().flat_map(|b| b.scale.named()).filter(|(n, _)| n == name).map(|(_, v)| v).collect())
            .collect();
        let got_value: Value = if want.as_array().and_then(|a| a.first()).is_some_and(Value::is_array) {
            serde_json::to_value(&per_row).unwrap()
        } else {
            let mut flat: Vec<f64> = per_row.concat();
            if case.is_per_tensor() {
                flat.truncate(1);
            }
            serde_json::to_value(&flat).unwrap()
        };
        let equal = match (got_value.as_array(), want.as_array()) {
            (Some(g), Some(w)) => {
                let g: Vec<f64> =
                    g.iter().flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()])).filter_map(|v| v.as_f64()).collect();
                let w: Vec<f64> =
                    w.iter().flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()])).filter_map(|v| v.as_f64()).collect();
                g == w
            }
            _ => false,
        };
        if !equal {
            return Err(format!("{name}: {got_value}, expected {want}"));
        }
    }
    Ok(())
}

fn check_codes(case: &Case, got: &Quantized) -> Result<(), String> {
    let want = case.expected.other.get("codes").ok_or("no codes")?;
    let got: Vec<Vec<i32>> = got.channels.iter().map(|r| r.codes.clone()).collect();
    let want: Vec<Vec<i32>> = serde_json::from_value(want.clone()).map_err(|e| e.to_string())?;
    if got != want {
        let (r, i) = got
            .iter()
            .zip(&want)
            .enumerate()
            .find_map(|(r, (g, w))| g.iter().zip(w).position(|(a, b)| a != b).map(|i| (r, i)))
            .unwrap_or((0, 0));
        return Err(format!("codes differ first at row {r}, value {i}"));
    }
    Ok(())
}

fn all(check: fn(&Case, &Quantized) -> Result<(), String>) {
    let cases = cases();
    assert!(cases.len() >= 181, "{} cases", cases.len());
    let failures: Vec<String> =
        cases.iter().filter_map(|case| run(case).and_then(|got| check(case, &got)).err().map(|e| format!("{}: {e}", case.id))).collect();
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn every_public_case_dequantizes_bit_for_bit() {
    all(check_dequantized);
}

#[test]
fn every_public_case_stores_the_reference_scales() {
    all(check_scales);
}

#[test]
fn every_public_case_stores_the_reference_codes() {
    all(check_codes);
}

#[test]
fn streaming_statistics_equal_the_full_path() {
    for case in cases() {
        let format: Format = case.token().parse().unwrap();
        let rows = case.rows_f32();
        let (r, c) = (rows.len(), rows[0].len());
        let data: Vec<f32> = rows.concat();
        let full = format::quantize(&format, &data, r, c).unwrap();
        let streamed = format::compare_rows(&[format], &data, r, c).pop().unwrap().unwrap();
        assert_eq!(streamed.sum_squared_error.to_bits(), full.stats.sum_squared_error.to_bits(), "{}", case.id);
        assert_eq!(streamed.mse().to_bits(), full.mse().to_bits(), "{}", case.id);
        assert_eq!(streamed.signal_power.to_bits(), full.stats.signal_power.to_bits(), "{}", case.id);
        assert_eq!(streamed.max_abs_error, full.stats.max_abs_error, "{}", case.id);
        assert_eq!(streamed.clipped, full.stats.clipped, "{}", case.id);
        assert_eq!(streamed.bits_per_weight, full.bits_per_weight, "{}", case.id);
        assert_eq!(streamed.bytes, full.bytes, "{}", case.id);
    }
}
