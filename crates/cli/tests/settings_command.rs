//! The settings file's "command computing the same numbers", for every kind of form the page can
//! hold, run through the real `quantscope` binary: its JSON report is the page's report, number for
//! number (calibration methods and their percentile included).

mod common;

use quantscope_app::export::Exportable;
use quantscope_app::flags;
use quantscope_app::form::{FormState, QuantForm, Tool};
use quantscope_app::results::{self, ChartData};
use std::sync::Arc;

/// The page's core report of `tool` on `form`, as JSON, and the settings file's command.
fn page(tool: Tool, form: &FormState) -> (serde_json::Value, String) {
    let report = results::run(tool, form).unwrap_or_else(|e| panic!("{tool:?}: {e}"));
    let charts = report.charts.expect("the tool's report");
    let json = match &charts {
        ChartData::Channels(r) => serde_json::to_value(&**r),
        ChartData::Tensor { report, .. } => serde_json::to_value(&**report),
        ChartData::Values(r) => serde_json::to_value(&**r),
        ChartData::Sampled(_) => panic!("not a text tool"),
    }
    .unwrap();
    let options = quantscope_app::options::tool_options(tool, form).unwrap();
    let exportable = Exportable { tool, report: charts, options: Arc::new(options) };
    let settings: serde_json::Value = serde_json::from_str(&exportable.settings_json(form)).unwrap();
    (json, settings["command"].as_str().expect("a command").to_string())
}

/// Runs the settings command on the form's text and compares its report with the page's.
fn same_numbers(tool: Tool, form: &FormState) -> String {
    let (want, command) = page(tool, form);
    let words = flags::split_command_line(&command);
    assert_eq!(words[..2], ["quantscope", flags::subcommand(tool)], "{command}");
    let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    args.extend(["--format", "json"]);
    let got = common::run(&args, form.data(tool)).json();
    assert_eq!(got, want, "`{command}` computes other numbers than the page");
    command
}

/// Every variation of the quantization fields the form offers, one at a time.
fn quant_variations() -> Vec<QuantForm> {
    let base = QuantForm::default();
    let mut all = vec![base.clone()];
    for convention in ["textbook", "pytorch", "onnxruntime", "tflite"] {
        for scheme in ["affine", "symmetric"] {
            all.push(QuantForm { convention: convention.into(), scheme: scheme.into(), ..base.clone() });
        }
    }
    for dtype in ["quint8", "int4", "uint3", "int16"] {
        all.push(QuantForm { dtype: dtype.into(), ..base.clone() });
    }
    for rounding in ["half-even", "half-away", "half-up", "floor", "ceil", "toward-zero", "stochastic"] {
        all.push(QuantForm { rounding: rounding.into(), seed: "7".into(), ..base.clone() });
    }
    for divisor in ["max-abs", "qmax", "half-range"] {
        all.push(QuantForm { scheme: "symmetric".into(), symmetric_divisor: divisor.into(), ..base.clone() });
    }
    for flag in [Some(true), Some(false)] {
        all.push(QuantForm { narrow_range: flag, include_zero: flag, clamp_zero_point: flag, ..base.clone() });
    }
    all.push(QuantForm { convention: "pytorch".into(), dtype: "quint8".into(), reduce_range: true, ..base.clone() });
    all.push(QuantForm { quant_min: "-8".into(), quant_max: "7".into(), ..base });
    all
}

const CALIBRATIONS: [&str; 5] = ["minmax", "moving-average", "percentile", "mse", "entropy"];

#[test]
fn every_quantization_choice_computes_the_pages_numbers() {
    for quant in quant_variations() {
        for tool in [Tool::Channels, Tool::Tensor, Tool::Values] {
            let mut form = FormState::examples();
            *form.quant_mut(tool) = quant.clone();
            same_numbers(tool, &form);
        }
    }
}

#[test]
fn every_calibration_method_computes_the_pages_numbers() {
    // A longer tensor, so that the histogram methods choose ranges of their own.
    let data: Vec<String> = (0..4)
        .map(|c| {
            (0..64).map(|i| format!("{:.4}", ((i * 7 + c * 13) as f64 * 0.37).sin() * (1.0 + c as f64))).collect::<Vec<_>>().join(", ")
        })
        .collect();
    for method in CALIBRATIONS {
        for percentile in ["", "99.9", "97.5"] {
            let mut form = FormState::examples();
            form.tensor.data = data.join("\n");
            form.tensor.calibration = method.into();
            form.tensor.percentile = percentile.into();
            let command = same_numbers(Tool::Tensor, &form);
            assert_eq!(command.contains("--calibration="), method != "minmax", "{command}");
            assert_eq!(command.contains("--percentile="), !percentile.is_empty(), "{command}");

            form.values.data = data.join(", ");
            form.values.range_mode = "derived".into();
            form.values.calibration = method.into();
            form.values.percentile = percentile.into();
            same_numbers(Tool::Values, &form);
        }
    }
}

#[test]
fn every_tool_setting_computes_the_pages_numbers() {
    let mut form = FormState::examples();
    form.channels.granularity = "per-tensor".into();
    form.channels.axis = "1".into();
    form.channels.tensor_name = "it's a 'conv' weight".into();
    same_numbers(Tool::Channels, &form);

    // Typed parameters are one pair per channel.
    form.channels.granularity = "per-channel".into();
    form.channels.input_mode = "manual".into();
    form.channels.data = "filter_0,0.0086,11,0.73\nfilter_1,0.0067,-8,-0.21".into();
    let command = same_numbers(Tool::Channels, &form);
    assert!(command.contains(" --manual"), "{command}");

    form.tensor.axis = "1".into();
    form.tensor.range_mode = "custom".into();
    form.tensor.range = "-1.5:1.5".into();
    form.tensor.tensor_name = "fc weight".into();
    let command = same_numbers(Tool::Tensor, &form);
    assert!(command.contains("--range=-1.5:1.5"), "{command}");

    form.values.range = "-2:2".into();
    form.values.tensor_name = "=evil".into();
    same_numbers(Tool::Values, &form);
}

/// A form in a format: the settings file's command (run through the binary, `--values --format
/// json` added) gives the page's format, bits per weight, bytes, errors and every dequantized value.
fn same_format_numbers(tool: Tool, form: &FormState) -> String {
    let data = results::format::data(tool, form).expect("a format's result").unwrap_or_else(|e| panic!("{tool:?}: {e}"));
    let data = Arc::new(data);
    let options = quantscope_app::options::tool_options(tool, form).unwrap();
    let export = quantscope_app::export::FormatExport { data: data.clone(), options: Arc::new(options) };
    let settings: serde_json::Value = serde_json::from_str(&export.settings_json(form)).unwrap();
    let command = settings["command"].as_str().expect("a command").to_string();
    let words = flags::split_command_line(&command);
    assert_eq!(words[..2], ["quantscope", flags::subcommand(tool)], "{command}");
    let mut args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    if !args.contains(&"--values") {
        args.push("--values");
    }
    args.extend(["--format", "json"]);
    let got = common::run(&args, form.data(tool)).json();
    let q = &data.quantized;
    assert_eq!(got["format"], q.format.to_string(), "{command}");
    assert_eq!(settings["format"], q.format.to_string());
    assert_eq!(got["bits_per_weight"].as_f64(), Some(q.bits_per_weight), "{command}");
    assert_eq!(got["bytes"].as_u64(), Some(q.bytes), "{command}");
    assert_eq!(got["mse"].as_f64(), Some(q.mse()), "{command}");
    assert_eq!(got["clipped"].as_u64(), Some(q.stats.clipped), "{command}");
    let channels = got["channels"].as_array().expect("channels");
    assert_eq!(channels.len(), q.channels.len(), "{command}");
    for (cli, page) in channels.iter().zip(&q.channels) {
        let values: Vec<f32> = cli["dequantized"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        assert_eq!(values, page.dequantized, "{command}");
    }
    command
}

#[test]
fn every_format_of_the_form_computes_the_pages_numbers() {
    let row = |c: usize| (0..64).map(|i| format!("{:.5}", ((i * 5 + c * 11) as f64 * 0.41).sin() * (1.0 + c as f64))).collect::<Vec<_>>();
    let tensor = (0..3).map(|c| row(c).join(", ")).collect::<Vec<_>>().join("\n");
    let values = row(7).join(", ");
    let mut variations: Vec<QuantForm> = quantscope_app::form::choices::FORMATS
        .iter()
        .filter(|(f, _)| !f.is_empty())
        .map(|(f, _)| QuantForm { format: f.to_string(), ..QuantForm::default() })
        .collect();
    for scope in ["per-tensor", "per-channel", "per-group"] {
        variations.push(QuantForm {
            format: "fp8-e4m3".into(),
            format_granularity: scope.into(),
            group_size: "16".into(),
            ..QuantForm::default()
        });
    }
    for (dtype, scheme) in [("int4", "symmetric"), ("int4", "affine"), ("qint8", "symmetric")] {
        variations.push(QuantForm {
            format: quantscope_app::form::INT_GROUPS.into(),
            dtype: dtype.into(),
            scheme: scheme.into(),
            group_size: "32".into(),
            ..QuantForm::default()
        });
    }
    for quant in variations {
        let mut form = FormState::examples();
        form.tensor.data = tensor.clone();
        form.values.data = values.clone();
        form.tensor.quant = quant.clone();
        form.values.quant = quant.clone();
        let command = same_format_numbers(Tool::Tensor, &form);
        assert!(!command.contains("--convention=textbook") && !command.contains("--calibration"), "{command}");
        same_format_numbers(Tool::Values, &form);
    }
    // The tensor's name travels with the command.
    let mut form = FormState::examples();
    form.tensor.data = tensor;
    form.tensor.tensor_name = "blk.0 'ffn'".into();
    form.tensor.quant.format = "mxfp4".into();
    let command = same_format_numbers(Tool::Tensor, &form);
    assert!(command.starts_with("quantscope tensor --preset=mxfp4 --values"), "{command}");
}
