//! The command line's behaviour: inputs (file, `-`, stdin), every format, errors and exit codes,
//! the fixed JSON contract.

mod common;

use common::{run, run_file, table};
use serde_json::Value;

const WEIGHTS: &str = "0.12, -0.33, 0.48, -0.05, 0.91\n1.20, 0.95, 1.44, 1.10, 0.88\n-1.70, -1.22, -0.94, -1.43, -1.11\n";

const CONTRACT: [&str; 12] = [
    "tensor",
    "--convention",
    "pytorch",
    "--dtype",
    "qint8",
    "--scheme",
    "affine",
    "--granularity",
    "per-channel",
    "--values",
    "--format",
    "json",
];

fn contract(granularity: &str) -> Vec<&str> {
    let mut args = CONTRACT.to_vec();
    args[8] = granularity;
    args
}

#[test]
fn contract_per_channel() {
    let v = run_file(&contract("per-channel"), WEIGHTS).json();
    let channels = v["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 3);
    for (c, ch) in channels.iter().enumerate() {
        assert_eq!(ch["name"], format!("ch{c}"));
        for key in ["min", "max", "scale", "zero_point", "mse", "rmse", "mae", "max_error", "sqnr_db", "clip_count", "clip_rate"] {
            assert!(ch.get(key).is_some(), "channel {c} lacks {key}");
        }
        assert!(ch["zero_point"].is_i64());
        let q = ch["q"].as_array().unwrap();
        let dq = ch["dequantized"].as_array().unwrap();
        assert_eq!((q.len(), dq.len()), (5, 5));
        assert!(q.iter().all(Value::is_i64));
        assert!(dq.iter().all(Value::is_f64));
    }
    // Channel 1 is positive only: PyTorch forces 0 into the range, so its zero point is qmin.
    assert_eq!(channels[1]["zero_point"], -128);
    assert_ne!(channels[0]["scale"], channels[2]["scale"]);
}

#[test]
fn contract_per_tensor_carries_the_tensors_pair() {
    let v = run_file(&contract("per-tensor"), WEIGHTS).json();
    assert_eq!(v["granularity"], "per-tensor");
    let channels = v["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 3);
    let scale = &v["comparison"]["per_tensor"]["scales"][0];
    let zp = &v["comparison"]["per_tensor"]["zero_points"][0];
    for ch in channels {
        assert_eq!(&ch["scale"], scale);
        assert_eq!(&ch["zero_point"], zp);
        assert_eq!(ch["q"].as_array().unwrap().len(), 5);
    }
    // PyTorch float32: s = (1.44 - -1.7) / 255 in f32.
    assert_eq!(scale.as_f64().unwrap(), ((1.44f32 - -1.7f32) / 255.0) as f64);
}

#[test]
fn without_values_there_are_no_arrays() {
    let mut args = contract("per-channel");
    args.retain(|a| *a != "--values");
    let v = run_file(&args, WEIGHTS).json();
    let ch = &v["channels"][0];
    assert!(ch.get("q").is_none() && ch.get("dequantized").is_none());
    assert!(ch.get("mse").is_some());
}

#[test]
fn file_dash_and_stdin_give_the_same_output() {
    for format in ["human", "json", "csv"] {
        let from_file = run_file(&["tensor", "--format", format], WEIGHTS);
        let from_dash = run(&["tensor", "--format", format, "-"], WEIGHTS);
        let from_stdin = run(&["tensor", "--format", format], WEIGHTS);
        assert_eq!(from_file.ok(), from_dash.ok(), "{format}");
        assert_eq!(from_file.ok(), from_stdin.ok(), "{format}");
    }
}

#[test]
fn every_format_of_every_tool() {
    let inputs = [
        ("channels", "filter_0,-1.2,1,0.73\nfilter_1,-0.8,0.9,-0.21\n"),
        ("tensor", WEIGHTS),
        ("values", "-1.25, -0.92, 0.14, 0.79, 1.46"),
    ];
    for (tool, input) in inputs {
        let human = run(&[tool], input);
        assert!(human.ok().contains("convention: textbook · qint8 affine"), "{tool}:\n{}", human.stdout);
        assert!(human.ok().contains("integer range [-128, 127]"));

        let v = run(&[tool, "--format", "json"], input).json();
        assert_eq!(v["tool"], tool);
        assert_eq!(v["convention"], "textbook");
        assert_eq!(v["spec"]["range"]["qmin"], -128);
        // One line: one object.
        assert_eq!(run(&[tool, "--format", "json"], input).stdout.lines().count(), 1);

        let csv = run(&[tool, "--format", "csv"], input);
        let mut lines = csv.ok().lines();
        assert!(lines.next().unwrap().starts_with("tensor,convention,dtype,scheme,granularity,qmin,qmax,row,index,channel,"));
        let channels = v["channels"].as_array().unwrap().len();
        assert_eq!(lines.count(), channels + 1, "{tool}: a row per channel and a tensor row");

        let long = run(&[tool, "--format", "csv", "--values"], input);
        let mut lines = long.ok().lines();
        assert_eq!(lines.next().unwrap(), "channel,index,x,q_raw,q,x_hat,error,clipped");
        let values = input.split([',', '\n']).filter(|s| !s.trim().is_empty()).count();
        let expected = match tool {
            "channels" => 2,
            _ => values,
        };
        assert_eq!(lines.count(), expected, "{tool}");
    }
}

#[test]
fn csv_numbers_are_full_precision_and_names_are_safe() {
    let input = "=HYPERLINK(\"x\"): 0.1, -0.2, 0.3\n@b: -1, 2, 3\n";
    let out = run(&["tensor", "--format", "csv", "--values"], input);
    let mut r = csv_reader(out.ok());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][0], "'=HYPERLINK(\"x\")");
    assert_eq!(&rows[3][0], "'@b");
    assert_eq!(&rows[3][2], "-1");
    // x_hat matches the JSON bit for bit.
    let v = run(&["tensor", "--format", "json", "--values"], input).json();
    for (i, row) in rows.iter().take(3).enumerate() {
        let want = v["channels"][0]["dequantized"][i].as_f64().unwrap();
        assert_eq!(row[5].parse::<f64>().unwrap().to_bits(), want.to_bits());
    }
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::Reader::from_reader(text.as_bytes())
}

#[test]
fn bad_input_is_located_with_exit_2() {
    for out in [run(&["tensor"], "1, 2, x\n"), run_file(&["tensor"], "1, 2, x\n"), run(&["tensor", "-"], "1, 2, x\n")] {
        assert_eq!(out.code, 2);
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains("line 1, column 7: not a number `x`"), "{}", out.stderr);
        // The offending line, and a caret under column 7.
        let lines: Vec<&str> = out.stderr.lines().collect();
        let at = lines.iter().position(|l| l.ends_with("| 1, 2, x")).expect("the line is echoed");
        let caret = lines[at + 1];
        let bar = caret.find('|').unwrap();
        assert_eq!(caret[bar + 2..].find('^'), Some(6), "{caret:?}");
    }
}

#[test]
fn located_errors_on_later_lines_and_in_each_tool() {
    let out = run(&["tensor"], "# header\n1, 2\n3, 0.3x, 4\n");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("line 3, column 4: not a number `0.3x`"), "{}", out.stderr);
    assert!(out.stderr.contains("3 | 3, 0.3x, 4"), "{}", out.stderr);
    assert!(out.stderr.contains("^^^^"), "{}", out.stderr);

    let out = run(&["channels"], "filter_0,1.2,-1,0.73\n");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("line 1, column 10: min is greater than max"), "{}", out.stderr);

    let out = run(&["values"], "1;;2,,3");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("line 1, column 6"), "{}", out.stderr);

    let out = run(&["values"], "");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no values"), "{}", out.stderr);
}

#[test]
fn bad_options_exit_2() {
    let cases: [(&[&str], &str); 9] = [
        (&["tensor", "--range", "-1:x"], "--range: column 4: not a number `x`"),
        (&["tensor", "--range", "2:1"], "min is greater than max"),
        (&["values", "--dtype", "int17"], "bit width 17 is not supported"),
        (&["values", "--convention", "tensorrt"], "unknown convention `tensorrt`"),
        (&["values", "--rounding", "nearest"], "unknown rounding"),
        (&["values", "--quant-min", "5", "--quant-max", "2"], "quant range [5, 2] is invalid"),
        (&["values", "--convention", "pytorch", "--dtype", "quint8", "--scheme", "symmetric", "--reduce-range"], "Cannot reduce range"),
        (&["tensor", "--axis", "1"], "rows of equal length"),
        (&["tensor", "--format", "yaml"], "invalid value 'yaml'"),
    ];
    for (args, message) in cases {
        let input = if args.contains(&"--axis") { "1, 2\n3\n" } else { "1, 2, 3" };
        let out = run(args, input);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    let out = run(&["channels", "--manual"], "a,0.1,300,1\n");
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("line 1, column 7: zero point is outside the integer range `300` (expected an integer in [-128, 127])"),
        "{}",
        out.stderr
    );
    let out = run(&["tensor", "/no/such/file"], "");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot read /no/such/file"), "{}", out.stderr);
}

#[test]
fn invalid_utf8_is_located() {
    use std::io::Write;
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(b"1, 2\n3, \xff4\n").unwrap();
    let out = run(&["values", f.path().to_str().unwrap()], "");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("line 2, column 4: not valid UTF-8"), "{}", out.stderr);
}

#[test]
fn infinite_sqnr() {
    // Symmetric over [-128, 128] with max-abs: s = 1, integers are exact.
    let args = ["values", "--scheme", "symmetric", "--range", "-128:128"];
    let human = run(&args, "1, -2, 3");
    let params = table(human.ok(), "Parameters and metrics");
    assert_eq!(params.cell(params.row("SQNR"), "value"), "+inf dB");
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    assert_eq!(run(&json, "1, -2, 3").json()["channels"][0]["sqnr_db"], "+inf");
}

#[test]
fn precision() {
    let args = ["channels", "--precision"];
    let input = "filter_0,-1.2,1,0.73\n";
    let cell = |p: &str| table(run(&[args[0], args[1], p], input).ok(), "channels").cell(0, "scale").to_string();
    assert_eq!(cell("8"), "0.00862745");
    assert_eq!(cell("3"), "0.009");
    // The textbook scale (max - min) / 255 in f64, shortest round-trip repr.
    assert_eq!(cell("full"), "0.008627450980392158");
    assert_eq!(cell("full").parse::<f64>().unwrap(), (1.0f64 - -1.2) / 255.0);
}

#[test]
fn conventions_are_labelled_with_their_overrides() {
    let out = run(&["values", "--convention", "onnxruntime", "--scheme", "symmetric", "--rounding", "half-away"], "1, -2");
    let t = table(out.ok(), "values");
    // ONNX Runtime computes int8 symmetric parameters on [-127, 127] but saturates to the dtype's range.
    assert_eq!(
        t.context,
        "convention: onnxruntime (custom: rounding) · qint8 symmetric · integer range [-127, 127] (values clamped to [-128, 127])"
    );
}

#[test]
fn tensor_values_table_and_axis() {
    let out = run(&["tensor", "--values", "--name", "w"], "a: 1, 2\nb: 3, 4\n");
    let t = table(out.ok(), "Values (per-channel)");
    assert_eq!(t.rows.len(), 4);
    assert_eq!((t.cell(2, "channel"), t.cell(2, "x")), ("b", "3"));
    assert!(out.ok().starts_with("tensor · w · shape [2, 2]"));
    // Axis 1: the columns are the channels.
    let v = run(&["tensor", "--axis", "1", "--format", "json"], "1, 10\n2, 20\n3, 30\n").json();
    assert_eq!(v["axis"], 1);
    assert_eq!(v["channels"].as_array().unwrap().len(), 2);
    assert_eq!(v["channels"][1]["max"], 30.0);
}

#[test]
fn stochastic_rounding_is_reproducible() {
    let input = "0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0";
    let q = |seed: &str| {
        run(&["values", "--rounding", "stochastic", "--seed", seed, "--format", "json"], input).json()["channels"][0]["q"].clone()
    };
    assert_eq!(q("7"), q("7"));
    let spread: Vec<Value> = ["1", "2", "3", "4", "5"].iter().map(|s| q(s)).collect();
    assert!(spread.iter().any(|v| v != &spread[0]), "different seeds should not all agree");
}

#[test]
fn help_and_version() {
    let out = run(&["--help"], "");
    assert_eq!(out.code, 0);
    for tool in ["channels", "tensor", "values"] {
        assert!(out.stdout.contains(tool));
    }
    let out = run(&["tensor", "--help"], "");
    assert_eq!(out.code, 0);
    for flag in [
        "--convention",
        "--dtype",
        "--scheme",
        "--granularity",
        "--reduce-range",
        "--narrow-range",
        "--no-narrow-range",
        "--rounding",
        "--seed",
        "--symmetric-divisor",
        "--include-zero",
        "--no-include-zero",
        "--clamp-zero-point",
        "--no-clamp-zero-point",
        "--quant-min",
        "--quant-max",
        "--range",
        "--axis",
        "--name",
        "--values",
        "--format",
        "--precision",
    ] {
        assert!(out.stdout.contains(flag), "tensor --help lacks {flag}");
    }
    assert!(run(&["channels", "--help"], "").stdout.contains("--manual"));
    let out = run(&["--version"], "");
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("quantscope "));
    assert_eq!(run(&[], "").code, 2, "a subcommand is required");
}

#[test]
fn closed_pipe_is_not_an_error() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let big: String = (0..20_000).map(|i| format!("{}.5, -{}.25\n", i % 97, i % 89)).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_quantscope"))
        .args(["tensor", "--values", "--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(big.as_bytes()).unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn channels_manual_and_repeated_names() {
    // Manual parameters: q = round(x / s) + z; no min / max columns (there is no typed range).
    let out = run(&["channels", "--manual"], "channel,scale,zero_point,sample\na,0.01,-3,0.5,0.7\nb,0.02,0,-0.3\n");
    let t = table(out.ok(), "channels");
    assert!(!t.header.iter().any(|h| h == "min" || h == "max"), "{:?}", t.header);
    assert_eq!(t.rows.len(), 3);
    assert_eq!((t.cell(0, "channel"), t.cell(0, "q"), t.cell(0, "dequantized")), ("a[0]", "47", "0.5"));
    assert_eq!((t.cell(1, "channel"), t.cell(1, "q")), ("a[1]", "67"));
    assert_eq!((t.cell(2, "channel"), t.cell(2, "q"), t.cell(2, "zero point")), ("b", "-15", "0"));

    // Two lines with the same name stay two channels, each row with its own channel's warnings.
    let out = run(&["channels"], "a,-1,1,0.5,2\na,-2,0.5,0.1\n");
    let t = table(out.ok(), "channels");
    assert_eq!(t.rows.len(), 3);
    assert!(t.cell(1, "warnings").contains("clipped"), "{:?}", t.rows[1]);
    assert_eq!(t.cell(2, "channel"), "a");
    assert_eq!(t.cell(2, "warnings"), "");
    assert_eq!((t.cell(2, "min"), t.cell(2, "max")), ("-2", "0.5"));
}
