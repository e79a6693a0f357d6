//! `quantscope file`: real weight files (crates/weights/tests/data), the model-wide table, formats,
//! calibration flags, and bad files (exit 2, the message names the file and the tensor).

mod common;
use common::run;

fn data(name: &str) -> String {
    format!("{}/../weights/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn model_wide_table_sorted_by_sqnr() {
    let r = run(&["file", &data("model.safetensors"), "--convention", "pytorch", "--format", "json"], "");
    let v = r.json();
    assert_eq!(v["tool"], "file");
    assert_eq!(v["format"], "safetensors");
    let tensors = v["tensors"].as_array().unwrap();
    assert_eq!(tensors.len(), 7);
    let sqnr: Vec<f64> =
        tensors.iter().filter_map(|t| t.get("result")).map(|r| r["per_channel_sqnr_db"].as_f64().unwrap_or(f64::INFINITY)).collect();
    assert_eq!(sqnr.len(), 6);
    assert!(sqnr.windows(2).all(|w| w[0] <= w[1]), "{sqnr:?}");
    let last = tensors.last().unwrap();
    assert_eq!(last["name"], "quantized.weight");
    assert!(last["skipped"].as_str().unwrap().contains("integer"));
    let conv = tensors.iter().find(|t| t["name"] == "conv.weight").unwrap();
    assert_eq!(conv["result"]["channels"], 8);
    assert_eq!(conv["result"]["worst_channels"].as_array().unwrap().len(), 3);
}

#[test]
fn the_same_numbers_as_the_tensor_tool() {
    // A lone .npy through `file` and its values pasted into `tensor` give the same SQNR.
    let v = run(&["file", &data("single.npy"), "--format", "json"], "").json();
    let t = &v["tensors"][0];
    assert_eq!(t["name"], "single");
    let npy = std::fs::read(data("single.npy")).unwrap();
    let values: Vec<String> =
        npy[npy.len() - 96..].chunks(4).map(|c| format!("{:e}", f32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect();
    let text: String = values.chunks(4).map(|row| row.join(", ") + "\n").collect();
    let tensor = run(&["tensor", "--convention", "pytorch", "--format", "json"], &text).json();
    let file = run(&["file", &data("single.npy"), "--convention", "pytorch", "--format", "json"], "").json();
    assert_eq!(file["tensors"][0]["result"]["per_tensor_sqnr_db"], tensor["comparison"]["per_tensor"]["summary"]["sqnr_db"]);
    assert_eq!(file["tensors"][0]["result"]["per_channel_sqnr_db"], tensor["comparison"]["per_channel"]["summary"]["sqnr_db"]);
}

#[test]
fn one_tensor_axis_and_calibration() {
    let out =
        run(&["file", &data("weights.npz"), "--tensor", "w1", "--axis", "1", "--calibration", "percentile", "--percentile", "99"], "");
    let text = out.ok();
    assert!(text.contains("calibration: percentile 99 · channel axis 1"), "{text}");
    assert!(text.contains("| w1 "), "{text}");
    assert!(!text.contains("| w2 "), "{text}");
    let csv = run(&["file", &data("weights_compressed.npz"), "--format", "csv", "--calibration", "mse"], "");
    let mut lines = csv.ok().lines();
    assert!(lines.next().unwrap().starts_with("tensor,dtype,shape,elements,analysed,per_channel_sqnr_db"));
    assert_eq!(lines.count(), 7);
    let e = run(&["file", &data("weights.npz"), "--tensor", "nope"], "");
    assert_eq!(e.code, 2);
    assert!(e.stderr.contains("no tensor named `nope`"), "{}", e.stderr);
    let e = run(&["file", &data("weights.npz"), "--calibration", "percentile", "--percentile", "120"], "");
    assert_eq!(e.code, 2, "{}", e.stdout);
    assert!(e.stderr.contains("120"), "{}", e.stderr);
}

#[test]
fn bad_files_exit_2_naming_file_and_tensor() {
    let dir = std::env::temp_dir().join(format!("quantscope-cli-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let st = std::fs::read(data("model.safetensors")).unwrap();
    let truncated = dir.join("truncated.safetensors");
    std::fs::write(&truncated, &st[..st.len() - 100]).unwrap();
    let e = run(&["file", truncated.to_str().unwrap()], "");
    assert_eq!(e.code, 2);
    assert!(e.stderr.contains("truncated.safetensors: tensor `"), "{}", e.stderr);
    assert!(e.stderr.contains("past the end of the data section"), "{}", e.stderr);
    let junk = dir.join("junk.bin");
    std::fs::write(&junk, b"hello world, not weights").unwrap();
    let e = run(&["file", junk.to_str().unwrap()], "");
    assert_eq!(e.code, 2);
    assert!(e.stderr.contains("junk.bin: not a .npy, .npz or .safetensors file"), "{}", e.stderr);
    let e = run(&["file", dir.join("missing.npy").to_str().unwrap()], "");
    assert_eq!(e.code, 2);
    assert!(e.stderr.contains("cannot read"), "{}", e.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}
