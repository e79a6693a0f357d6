//! `--pdf` reports and the `--format params-json|torch|onnx` hand-off, through the real binary.
//! The PDFs are checked with poppler (`pdfinfo`, `pdftotext`) when it is installed; without it
//! those checks are skipped with a message (`make setup-browser` installs poppler-utils).

mod common;

use common::run;
use std::path::Path;
use std::process::Command;

const WEIGHTS: &str = "conv1.w0: 0.42, -0.18, 0.09\nconv1.w1: -1.9, 0.88, 1.22\n";

fn poppler(tool: &str, args: &[&str], pdf: &Path) -> Option<String> {
    match Command::new(tool).args(args).arg(pdf).arg("-").output() {
        Ok(out) => {
            assert!(out.status.success(), "{tool} refuses {}: {}", pdf.display(), String::from_utf8_lossy(&out.stderr));
            Some(String::from_utf8(out.stdout).unwrap())
        }
        Err(_) => {
            eprintln!("SKIPPED: {tool} (poppler-utils) is not installed; `make setup-browser` installs it");
            None
        }
    }
}

fn pdfinfo(pdf: &Path) -> Option<String> {
    let out = Command::new("pdfinfo").arg(pdf).output().ok()?;
    assert!(out.status.success() && out.stderr.is_empty(), "pdfinfo: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn pdf_beside_the_normal_output() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("report.pdf");
    let out = Command::new(env!("CARGO_BIN_EXE_quantscope"))
        .args(["channels", "--name", "conv1.weight", "--pdf"])
        .arg(&pdf)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/seed000.txt"))
        .env("SOURCE_DATE_EPOCH", "1763856000")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The table is printed as usual.
    assert!(String::from_utf8(out.stdout).unwrap().contains("| filter_0 |"));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.7"));
    let Some(info) = pdfinfo(&pdf) else { return };
    assert!(info.contains("(A4)"), "{info}");
    let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    assert!((1..=3).contains(&pages), "{pages} pages");
    let text = poppler("pdftotext", &["-layout"], &pdf).unwrap();
    for golden in ["0.00862745", "11", "96", "0.73333333", "-0.21333333", "-40", "textbook", "conv1.weight", "2025-11-23"] {
        assert!(text.contains(golden), "`{golden}` is not in the PDF's text:\n{text}");
    }
    assert!(text.contains("q = clamp(half-even(x / s) + z, -128, 127)"), "{text}");
}

#[test]
fn letter_paper_and_a_custom_convention_label() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("tensor.pdf");
    let path = pdf.to_str().unwrap();
    let out = run(&["tensor", "--convention", "pytorch", "--rounding", "half-away", "--pdf", path, "--paper", "letter"], WEIGHTS);
    out.ok();
    let Some(info) = pdfinfo(&pdf) else { return };
    assert!(info.contains("612 x 792 pts (letter)"), "{info}");
    let text = poppler("pdftotext", &[], &pdf).unwrap();
    assert!(text.contains("pytorch (custom: rounding)"), "{text}");
    assert!(text.contains("Bit-width sweep"), "the tensor report draws the sweep:\n{text}");
    assert!(text.contains("conv1.w1"), "{text}");
}

#[test]
fn values_pdf_with_json_output() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("values.pdf");
    let out = run(
        &["values", "--range", "-1.5:1.5", "--scheme", "symmetric", "--format", "json", "--pdf", pdf.to_str().unwrap()],
        "-1.25, -0.92, 0.14, 0.79, 1.46",
    );
    assert_eq!(out.json()["tool"], "values");
    let Some(text) = poppler("pdftotext", &[], &pdf) else { return };
    for want in ["Reconstruction", "Error", "Histogram", "-1.5 to 1.5 (custom range)", "-1.25390625"] {
        assert!(text.contains(want), "`{want}`:\n{text}");
    }
}

#[test]
fn unwritable_pdf_is_an_io_error() {
    let out = run(&["values", "--pdf", "/nonexistent-dir/x.pdf"], "1, 2");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("/nonexistent-dir/x.pdf"), "{}", out.stderr);
    let out = run(&["values", "--paper", "a5"], "1, 2");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("expected a4 or letter"), "{}", out.stderr);
}

#[test]
fn params_formats() {
    let json = run(&["tensor", "--convention", "pytorch", "--format", "params-json"], WEIGHTS).json();
    assert_eq!(json["dtype"], "qint8");
    assert_eq!(json["scale_dtype"], "float32");
    assert_eq!(json["zero_points"], serde_json::json!([-52, 27]));
    // The printed scales are the report's float32 scales, bit for bit.
    let report = run(&["tensor", "--convention", "pytorch", "--format", "json"], WEIGHTS).json();
    for (p, c) in json["scales"].as_array().unwrap().iter().zip(report["channels"].as_array().unwrap()) {
        assert_eq!((p.as_f64().unwrap() as f32).to_bits(), (c["scale"].as_f64().unwrap() as f32).to_bits());
    }

    let torch = run(&["tensor", "--convention", "pytorch", "--format", "torch"], WEIGHTS);
    let torch = torch.ok();
    assert!(torch.contains("torch.quantize_per_channel(w, scales, zero_points, 0, torch.qint8)"), "{torch}");
    assert!(torch.contains("torch.tensor([0.0023529413, 0.012235294], dtype=torch.float32)"), "{torch}");

    let per_tensor = run(&["values", "--convention", "pytorch", "--dtype", "quint8", "--format", "torch"], "0.1, 0.5, 2");
    assert!(per_tensor.ok().contains("torch.quantize_per_tensor(w, scale, zero_point, torch.quint8)"), "{}", per_tensor.stdout);

    let onnx = run(&["tensor", "--convention", "onnxruntime", "--format", "onnx"], WEIGHTS);
    let onnx = onnx.ok();
    assert!(onnx.contains("helper.make_node(\"QuantizeLinear\""), "{onnx}");
    assert!(onnx.contains("TensorProto.INT8, [2], [-52, 27]"), "{onnx}");
}
