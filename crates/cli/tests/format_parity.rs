//! The format contract end to end (formats.md §0): every public format case run through the built
//! binary with its own `cli_args` exactly as given, on a file of Python float reprs, one row per
//! line; every `dequantized` value of the JSON equal to the reference as a float32 (+0 equals −0),
//! `bits_per_weight` within 1e-9. Then the refusals: each exits 2 with a located message.

mod common;
#[path = "../../core/tests/format_vectors/mod.rs"]
mod format_vectors;

use common::run_file;
use format_vectors::{cases, Case};
use serde_json::Value;

/// Python's `repr` of a float: the shortest round-trip digits, positional for exponents −4..15,
/// otherwise `d.ddde±XX`.
fn python_repr(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let sci = format!("{v:e}");
    let (mantissa, exponent) = sci.split_once('e').expect("{:e} has an exponent");
    let exponent: i32 = exponent.parse().expect("an integer exponent");
    if (-4..16).contains(&exponent) {
        let s = format!("{v:?}");
        if s.contains('.') || s.contains('e') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

fn input_file(case: &Case) -> String {
    case.rows.iter().map(|row| row.iter().map(|v| python_repr(*v)).collect::<Vec<_>>().join(", ") + "\n").collect()
}

fn run(case: &Case) -> Result<(), String> {
    let mut args: Vec<&str> = vec!["tensor"];
    args.extend(case.cli_args.iter().map(String::as_str));
    args.extend(["--values", "--format", "json"]);
    let out = run_file(&args, &input_file(case));
    if out.code != 0 {
        return Err(format!("exit {}: {}\n  quantscope {}", out.code, out.stderr, args.join(" ")));
    }
    let v: Value = serde_json::from_str(&out.stdout).map_err(|e| e.to_string())?;
    let bpw = v["bits_per_weight"].as_f64().ok_or("no bits_per_weight")?;
    if (bpw - case.expected.bits_per_weight).abs() > 1e-9 {
        return Err(format!("bits_per_weight {bpw}, expected {}", case.expected.bits_per_weight));
    }
    let channels = v["channels"].as_array().ok_or("no channels")?;
    if channels.len() != case.expected.dequantized.len() {
        return Err(format!("{} channels, expected {}", channels.len(), case.expected.dequantized.len()));
    }
    for (r, (ch, want)) in channels.iter().zip(&case.expected.dequantized).enumerate() {
        let got = ch["dequantized"].as_array().ok_or(format!("channel {r} has no dequantized"))?;
        if got.len() != want.len() {
            return Err(format!("row {r}: {} values, expected {}", got.len(), want.len()));
        }
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let g = g.as_f64().ok_or(format!("row {r}, value {i}: {g} is not a number"))?;
            // The JSON may print the shortest float32 repr: compare as float32 (+0 equals −0).
            if g as f32 != *w as f32 {
                return Err(format!("row {r}, value {i}: {g:?}, expected {w:?}"));
            }
        }
    }
    if v["format"].as_str().is_none() {
        return Err("no format".into());
    }
    Ok(())
}

#[test]
fn python_reprs() {
    for (v, repr) in
        [(1e-6, "1e-06"), (-0.0, "-0.0"), (0.0001, "0.0001"), (1e16, "1e+16"), (2.0, "2.0"), (9.99994610111476e-41, "9.99994610111476e-41")]
    {
        assert_eq!(python_repr(v), repr);
    }
}

#[test]
fn every_public_case_through_the_cli() {
    let cases = cases();
    assert!(cases.len() >= 181);
    let failures: Vec<String> = cases.iter().filter_map(|c| run(c).err().map(|e| format!("{}: {e}", c.id))).collect();
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Runs a refused command; returns its message.
fn refused(args: &[&str], text: &str) -> String {
    let out = run_file(args, text);
    assert_eq!(out.code, 2, "quantscope {args:?} exited {}: {}{}", out.code, out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    out.stderr
}

#[test]
fn a_row_not_a_multiple_of_the_block_is_named() {
    let row32 = vec!["0.5"; 32].join(", ");
    let text = format!("{row32}\n{}\n", vec!["0.25"; 33].join(", "));
    let e = refused(&["tensor", "--preset", "q4_0"], &text);
    assert!(e.contains("row 2") && e.contains("length 33") && e.contains("block size 32") && e.contains(":2"), "{e}");
    let e = refused(&["tensor", "--dtype", "fp8-e4m3", "--granularity", "per-group", "--group-size", "64"], &text);
    assert!(e.contains("row 1") && e.contains("length 32") && e.contains("block size 64"), "{e}");
}

#[test]
fn non_finite_values_are_located() {
    let e = refused(&["tensor", "--preset", "mxfp4"], "1, 2\n3, nan\n");
    assert!(e.contains("line 2, column 4"), "{e}");
    let e = refused(&["tensor", "--preset", "nf4"], &format!("{}, inf\n", vec!["1"; 63].join(", ")));
    assert!(e.contains("line 1") && e.contains("not a finite value"), "{e}");
    // Finite as a decimal, infinite as a float32.
    let e = refused(&["tensor", "--dtype", "fp8-e5m2", "--granularity", "per-tensor"], "1, 1e39\n");
    assert!(e.contains("row 1, value 2") && e.contains("not finite"), "{e}");
}

#[test]
fn contradicting_options_are_refused() {
    let text = format!("{}\n", vec!["0.5"; 64].join(", "));
    for (args, words) in [
        (&["tensor", "--dtype", "fp8-e4m3", "--granularity", "per-channel", "--group-size", "32"][..], &["--group-size", "per-group"][..]),
        (&["tensor", "--preset", "q4_0", "--group-size", "32"], &["--group-size", "q4_0"]),
        (&["tensor", "--preset", "mxfp4", "--dtype", "fp8-e4m3"], &["--dtype", "mxfp4"]),
        (&["tensor", "--preset", "q4_0", "--scheme", "affine"], &["--scheme", "q4_0"]),
        (&["tensor", "--preset", "nf4", "--granularity", "per-channel"], &["--granularity", "nf4"]),
        (&["tensor", "--dtype", "fp4-e2m1", "--scheme", "affine", "--granularity", "per-tensor"], &["--scheme", "affine"]),
        (&["tensor", "--dtype", "int4", "--granularity", "per-group"], &["--group-size"]),
        (
            &["tensor", "--convention", "onnxruntime", "--dtype", "int4", "--granularity", "per-group", "--group-size", "32"],
            &["--convention"],
        ),
        (&["tensor", "--preset", "q3_k"], &["--preset", "q4_0"]),
    ] {
        let e = refused(args, &text);
        for w in words {
            assert!(e.contains(w), "{args:?}: `{w}` not in {e}");
        }
    }
}

#[test]
fn the_integer_conventions_keep_their_path() {
    let out = run_file(&["tensor", "--convention", "pytorch", "--dtype", "qint8", "--format", "json"], "1, 2, 3\n");
    let v = out.json();
    assert!(v["channels"][0]["scale"].is_number(), "{v}");
}

#[test]
fn human_and_csv_state_the_format() {
    let text = format!("{}\n", (0..32).map(|i| format!("{}", i as f32 / 7.0)).collect::<Vec<_>>().join(", "));
    let human = run_file(&["tensor", "--preset", "q8_0", "--values"], &text);
    assert!(human.ok().contains("format q8_0") && human.stdout.contains("8.5 bits per weight"), "{}", human.stdout);
    let csv = run_file(&["tensor", "--preset", "q8_0", "--format", "csv"], &text);
    let mut lines = csv.ok().lines();
    assert!(lines.next().unwrap().starts_with("format,bits_per_weight,row,block"));
    assert!(lines.next().unwrap().starts_with("q8_0,8.5,ch0,0,0,32,"));
}
