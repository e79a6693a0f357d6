//! `quantscope compare` and `quantscope plan` end to end: a small llama-shaped model in two BF16
//! safetensors shards (written here), every output format, the merge of shards' compare JSON, the
//! parity of compare's MSE with `tensor --preset`, and the refusals (exit 2, located messages).

mod common;

use common::run;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Deterministic values with a few outliers, so the formats differ.
fn values(seed: u64, n: usize) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9e3779b97f4a7c15) | 1;
    (0..n)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let outlier = if i % 97 == 0 { 8.0 } else { 1.0 };
            (u * 0.05 * outlier) as f32
        })
        .collect()
}

/// bfloat16 bits of a float32 (values rounded to nearest even).
fn bf16(v: f32) -> [u8; 2] {
    let b = v.to_bits();
    let rounded = (b + 0x7fff + ((b >> 16) & 1)) >> 16;
    (rounded as u16).to_le_bytes()
}

/// Writes a BF16 safetensors file of `(name, shape, values)`.
fn safetensors(path: &Path, tensors: &[(&str, Vec<u64>, Vec<f32>)]) {
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for (name, shape, v) in tensors {
        let start = data.len();
        for &x in v {
            data.extend(bf16(x));
        }
        header.insert(name.to_string(), serde_json::json!({"dtype": "BF16", "shape": shape, "data_offsets": [start, data.len()]}));
    }
    let mut json = serde_json::to_vec(&Value::Object(header)).unwrap();
    while !json.len().is_multiple_of(8) {
        json.push(b' ');
    }
    let mut file = (json.len() as u64).to_le_bytes().to_vec();
    file.extend(json);
    file.extend(data);
    std::fs::write(path, file).unwrap();
}

/// Writes a float32 .npy of `rows × cols`.
fn npy(path: &Path, rows: usize, cols: usize, v: &[f32]) {
    let mut dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    while !(10 + dict.len() + 1).is_multiple_of(64) {
        dict.push(' ');
    }
    dict.push('\n');
    let mut file = b"\x93NUMPY\x01\x00".to_vec();
    file.extend((dict.len() as u16).to_le_bytes());
    file.extend(dict.as_bytes());
    for x in v {
        file.extend(x.to_le_bytes());
    }
    std::fs::write(path, file).unwrap();
}

/// A two-layer llama-shaped model in two shards, with an index; returns the directory.
fn model() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let t = |name: &'static str, shape: Vec<u64>, seed: u64| {
        let n = shape.iter().product::<u64>() as usize;
        (name, shape, values(seed, n))
    };
    let one = dir.path().join("model-00001-of-00002.safetensors");
    let two = dir.path().join("model-00002-of-00002.safetensors");
    safetensors(
        &one,
        &[
            t("model.embed_tokens.weight", vec![64, 128], 1),
            t("model.layers.0.self_attn.q_proj.weight", vec![128, 128], 2),
            t("model.layers.0.mlp.down_proj.weight", vec![128, 256], 3),
            t("model.layers.0.input_layernorm.weight", vec![128], 4),
        ],
    );
    safetensors(
        &two,
        &[
            t("model.layers.1.self_attn.q_proj.weight", vec![128, 128], 5),
            t("model.layers.1.mlp.down_proj.weight", vec![128, 256], 6),
            t("model.norm.weight", vec![128], 7),
            t("lm_head.weight", vec![64, 128], 8),
        ],
    );
    let mut map = serde_json::Map::new();
    for (file, names) in [
        ("model-00001-of-00002.safetensors", &["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight"][..]),
        ("model-00002-of-00002.safetensors", &["lm_head.weight"][..]),
    ] {
        for n in names {
            map.insert(n.to_string(), Value::from(file));
        }
    }
    let index = serde_json::json!({"metadata": {"total_size": 0}, "weight_map": map});
    std::fs::write(dir.path().join("model.safetensors.index.json"), index.to_string()).unwrap();
    (dir, one, two)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const FORMATS: &str = "q8_0,q4_0,mxfp4,nf4,int4:per-group:128";

#[test]
fn compare_json_has_the_contract_shape() {
    let (_dir, one, two) = model();
    let v = run(&["compare", s(&one), s(&two), "--formats", FORMATS, "--format", "json"], "").json();
    let tensors = v["tensors"].as_array().unwrap();
    assert_eq!(tensors.len(), 8);
    let q = &tensors[1];
    assert_eq!(q["name"], "model.layers.0.self_attn.q_proj.weight");
    assert_eq!(q["shape"], serde_json::json!([128, 128]));
    assert_eq!(q["elements"], 16384);
    let results = q["results"].as_array().unwrap();
    let formats: Vec<&str> = results.iter().map(|r| r["format"].as_str().unwrap()).collect();
    assert_eq!(formats, ["q8_0", "q4_0", "mxfp4", "nf4", "int4:per-group:128"]);
    for r in results {
        for key in ["bits_per_weight", "bytes", "mse", "sqnr_db", "max_abs_error"] {
            assert!(r[key].is_number(), "{key} in {r}");
        }
    }
    let bpw: Vec<f64> = results.iter().map(|r| r["bits_per_weight"].as_f64().unwrap()).collect();
    assert_eq!(bpw, [8.5, 4.5, 4.25, 4.5, 4.5]);
    assert_eq!(results[1]["bytes"], 16384 * 9 / 16);
    // More bits, less error.
    assert!(results[0]["mse"].as_f64() < results[1]["mse"].as_f64());
    // The norm is kept, each format's result giving the reason.
    let norm = &tensors[3];
    assert!(norm["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["reason"].as_str().is_some_and(|t| t.contains("1-D")) && r["mse"].is_null()));
    assert_eq!(v["totals"].as_array().unwrap().len(), 5);
    assert_eq!(v["totals"][0]["tensors"], 6);
}

#[test]
fn a_directory_an_index_and_the_shards_are_one_model() {
    let (dir, one, two) = model();
    let tensors = |args: &[&str]| {
        let mut all = vec!["compare"];
        all.extend(args);
        all.extend(["--formats", "q8_0,q4_0", "--format", "json"]);
        let v = run(&all, "").json();
        (v["tensors"].clone(), v["totals"].clone())
    };
    let shards = tensors(&[s(&one), s(&two)]);
    assert_eq!(tensors(&[s(dir.path())]), shards);
    assert_eq!(tensors(&[s(&dir.path().join("model.safetensors.index.json"))]), shards);
}

#[test]
fn compare_csv_and_human() {
    let (_dir, one, two) = model();
    let csv = run(&["compare", s(&one), s(&two), "--formats", "q8_0,q4_0", "--format", "csv"], "").ok().to_string();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("tensor,shape,elements,dtype,format,bits_per_weight,bytes,mse,sqnr_db,max_abs_error,reason"));
    assert_eq!(lines.count(), 16);
    assert!(csv.contains("model.layers.0.self_attn.q_proj.weight,128x128,16384,bf16,q4_0,4.5,9216,"), "{csv}");
    let human = run(&["compare", s(&one), s(&two), "--formats", "q8_0,q4_0"], "").ok().to_string();
    assert!(human.contains("| model.layers.1.mlp.down_proj.weight"), "{human}");
    assert!(human.contains("totals over the tensors each format took"), "{human}");
    assert!(human.contains("model.norm.weight: 1-D tensor"), "{human}");
}

#[test]
fn compare_mse_equals_tensor_preset() {
    let dir = tempfile::tempdir().unwrap();
    let v = values(42, 8 * 128);
    let path = dir.path().join("w.npy");
    npy(&path, 8, 128, &v);
    let text: String = v.chunks(128).map(|row| row.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(", ") + "\n").collect();
    let rows = dir.path().join("w.txt");
    std::fs::write(&rows, text).unwrap();
    let presets = ["q8_0", "q5_1", "q4_0", "mxfp4", "nf4", "nvfp4", "mxint8"];
    let c = run(&["compare", s(&path), "--formats", &presets.join(","), "--format", "json"], "").json();
    for (i, preset) in presets.iter().enumerate() {
        let t = run(&["tensor", "--preset", preset, "--format", "json", s(&rows)], "").json();
        let r = &c["tensors"][0]["results"][i];
        assert_eq!(r["format"], *preset);
        assert_eq!(r["mse"].as_f64(), t["mse"].as_f64(), "{preset}");
        assert_eq!(r["bits_per_weight"].as_f64(), t["bits_per_weight"].as_f64(), "{preset}");
        assert_eq!(r["max_abs_error"].as_f64(), t["max_abs_error"].as_f64(), "{preset}");
    }
}

fn plan(args: &[&str]) -> common::Run {
    let mut all = vec!["plan"];
    all.extend(args);
    run(&all, "")
}

#[test]
fn plan_json_meets_the_budget_exactly() {
    let (_dir, one, two) = model();
    let v = plan(&[s(&one), s(&two), "--formats", FORMATS, "--target-bpw", "5", "--format", "json"]).json();
    assert_eq!(v["optimal"], true);
    assert_eq!(v["method"], "exact");
    assert!(v["bits_per_weight"].as_f64().unwrap() <= 5.0);
    let assignment = v["assignment"].as_array().unwrap();
    assert_eq!(assignment.len(), 8);
    for a in assignment {
        assert!(a["name"].is_string() && a["format"].is_string());
    }
    // The norms stay bf16 and count toward the budget.
    let norm = assignment.iter().find(|a| a["name"] == "model.norm.weight").unwrap();
    assert_eq!((norm["format"].as_str(), norm["choice"].as_str()), (Some("bf16"), Some("kept")));
    let bits: u64 = assignment.iter().map(|a| a["bits"].as_u64().unwrap()).sum();
    assert_eq!(v["bytes"].as_u64(), Some(bits.div_ceil(8)));
    assert!(v["total_squared_error"].as_f64().unwrap() > 0.0);
    // A larger budget never gives more error.
    let more = plan(&[s(&one), s(&two), "--formats", FORMATS, "--target-bpw", "7", "--format", "json"]).json();
    assert!(more["total_squared_error"].as_f64() <= v["total_squared_error"].as_f64());
    // A byte budget; a pin keeps its format.
    let pinned =
        plan(&[s(&one), s(&two), "--formats", FORMATS, "--target-size", "200k", "--pin", "lm_head=q8_0", "--format", "json"]).json();
    let head = pinned["assignment"].as_array().unwrap().iter().find(|a| a["name"] == "lm_head.weight").unwrap().clone();
    assert_eq!((head["format"].as_str(), head["choice"].as_str()), (Some("q8_0"), Some("pinned")));
    assert!(pinned["bytes"].as_u64().unwrap() <= 200 * 1024);
}

#[test]
fn a_plan_of_merged_shard_reports_equals_the_plan_of_the_model() {
    let (dir, one, two) = model();
    let mut reports = Vec::new();
    for (i, shard) in [&two, &one].iter().enumerate() {
        let out = run(&["compare", s(shard), "--formats", FORMATS, "--format", "json"], "");
        let path = dir.path().join(format!("shard-{i}.json"));
        std::fs::write(&path, out.ok()).unwrap();
        reports.push(path);
    }
    for target in ["4.6", "5.5"] {
        let whole = plan(&[s(&one), s(&two), "--formats", FORMATS, "--target-bpw", target, "--format", "json"]).json();
        let merged = plan(&[s(&reports[0]), s(&reports[1]), "--target-bpw", target, "--format", "json"]).json();
        let sorted = |v: &Value| {
            let mut a = v["assignment"].as_array().unwrap().clone();
            a.sort_by_key(|x| x["name"].as_str().unwrap().to_string());
            a
        };
        assert_eq!(sorted(&merged), sorted(&whole));
        for key in ["total_squared_error", "bits", "optimal", "method"] {
            assert_eq!(merged[key], whole[key], "{key}");
        }
    }
}

#[test]
fn plan_csv_human_and_recipes() {
    let (_dir, one, two) = model();
    let args = |format: &'static str| {
        let r = plan(&[s(&one), s(&two), "--formats", "q8_0,q4_0,nf4,int4:per-group:128", "--target-bpw", "6", "--format", format]);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        r
    };
    let csv = args("csv").stdout;
    assert!(csv.starts_with("tensor,format,choice,elements,bits,bits_per_weight,sum_squared_error,mse,reason\n"), "{csv}");
    assert_eq!(csv.lines().count(), 9);
    let human = args("human").stdout;
    assert!(human.contains("method: exact (dynamic programming): optimal"), "{human}");
    let llama = args("llama-tensor-types");
    for token in llama.stdout.split_whitespace() {
        let (pattern, ty) = token.split_once('=').unwrap();
        assert!(pattern.starts_with("^blk\\.") || pattern.starts_with("^token_embd") || pattern.starts_with("^output"), "{token}");
        assert!(["q8_0", "q4_0"].contains(&ty), "{token}");
    }
    // Formats llama.cpp lacks are reported, not dropped.
    let written = llama.stdout.split_whitespace().count();
    let reported = llama.stderr.lines().filter(|l| l.starts_with("  ")).count();
    assert_eq!(written + reported, 6, "{}\n{}", llama.stdout, llama.stderr);
    let yaml = args("llmcompressor");
    assert!(yaml.stdout.contains("QuantizationModifier:") && yaml.stdout.contains("config_groups:"), "{}", yaml.stdout);
    assert!(yaml.stdout.contains("ignore: [\"model.layers.0.input_layernorm\", \"model.norm\"]"), "{}", yaml.stdout);
}

#[test]
fn refusals_are_located() {
    let (dir, one, two) = model();
    let refused = |args: &[&str]| {
        let r = plan(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        r.stderr
    };
    let e = refused(&[s(&one), "--formats", "q8_0,q4_0", "--target-bpw", "2"]);
    assert!(e.contains("is below the smallest size any assignment reaches"), "{e}");
    let e = refused(&[s(&one), "--formats", "q8_0,q4_k", "--target-bpw", "5"]);
    assert!(e.contains("column 6: unknown format") && e.contains("^"), "{e}");
    let e = refused(&[s(&one), "--formats", "q8_0", "--target-bpw", "9", "--pin", "(=q8_0"]);
    assert!(e.contains("not a regular expression"), "{e}");
    let e = refused(&[s(&one), "--formats", "q8_0", "--target-bpw", "9", "--pin", "nothing_like_this=q8_0"]);
    assert!(e.contains("matches no tensor"), "{e}");
    let e = refused(&[s(&one), s(&one), "--target-bpw", "9"]);
    assert!(e.contains("is also in an earlier file"), "{e}");
    let e = refused(&[s(&dir.path().join("missing.safetensors")), "--target-bpw", "9"]);
    assert!(e.contains("cannot read"), "{e}");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"tensors\": 3}").unwrap();
    let e = refused(&[s(&bad), "--target-bpw", "9"]);
    assert!(e.contains("bad.json: line 1, column") && e.contains("not a compare report"), "{e}");
    let e = refused(&[s(&bad), s(&two), "--target-bpw", "9"]);
    assert!(e.contains("not both"), "{e}");
    let r = run(&["plan", s(&one)], "");
    assert_eq!(r.code, 2, "a budget is required");
    let r = run(&["compare", s(&one), "--formats", "q8_0,,q4_0"], "");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("empty item"), "{}", r.stderr);
}

/// The page's plan builder (`quantscope_app::compare`, run in its worker) on the CLI's compare
/// JSON gives the CLI's plan files byte for byte: JSON, CSV, the tensor-type file and the recipe,
/// with a size budget and a pin as the page's fields spell them.
#[test]
fn the_page_plan_builder_writes_what_plan_writes() {
    use quantscope_app::compare::{plan_files, BudgetUnit, PlanForm};
    let (_dir, one, two) = model();
    let text = run(&["compare", s(&one), s(&two), "--formats", FORMATS, "--format", "json"], "").ok().to_string();
    let report = serde_json::from_str(&text).unwrap();
    for (form, flags) in [
        (PlanForm { budget: "5".into(), unit: BudgetUnit::BitsPerWeight, pins: String::new() }, vec!["--target-bpw", "5"]),
        (
            PlanForm { budget: "200k".into(), unit: BudgetUnit::Size, pins: "lm_head=Q8_0\n".into() },
            vec!["--target-size", "200k", "--pin", "lm_head=Q8_0"],
        ),
    ] {
        let (_, files) = plan_files(&report, &form).unwrap();
        let cli = |format: &str| {
            let mut args = vec![s(&one), s(&two), "--formats", FORMATS, "--format", format];
            args.extend(&flags);
            plan(&args).ok().to_string()
        };
        assert_eq!(files.json, cli("json"));
        assert_eq!(files.csv, cli("csv"));
        assert_eq!(files.tensor_types, cli("llama-tensor-types"));
        assert_eq!(files.recipe, cli("llmcompressor"));
    }
}
