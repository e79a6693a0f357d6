//! The command line: flags named as the web form's fields. clap checks them and writes the help;
//! [`tool_options`] then hands every option flag given to the one two-way mapping between flags and
//! [`quantscope_core::tools::ToolOptions`] (`quantscope_app::flags`, which the page and its settings
//! file use too). Every enum-like flag is parsed by the core's own `FromStr`, so the names accepted
//! here are exactly the core's.

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, Parser, Subcommand, ValueEnum};
use quantscope_app::flags::{self, name};
use quantscope_app::form::Tool;
use quantscope_core::calibrate::Method;
use quantscope_core::tools::ToolOptions;
use quantscope_core::{Convention, Dtype, Granularity, Rounding, Scheme, SymmetricDivisor};
use quantscope_export::Paper;
use std::path::PathBuf;
use std::str::FromStr;

pub use quantscope_export::number::Precision;

const EXAMPLES: &str = "\
Examples:
  quantscope channels seed000.txt                       # channel,min,max,sample lines (qint8 affine textbook)
  quantscope channels --manual params.txt               # channel,scale,zero_point,sample lines
  quantscope tensor --convention pytorch --dtype qint8 --scheme affine --granularity per-channel \\
                    --values --format json weights.txt  # one channel per line, machine-readable
  echo '-1.25, -0.92, 0.14, 0.79, 1.46' | quantscope values --scheme symmetric --range -1.5:1.5
  quantscope channels seed000.txt --pdf report.pdf --paper letter   # tables printed, PDF report written
  quantscope tensor --convention pytorch --format torch weights.txt  # torch.quantize_per_channel snippet
  quantscope tensor --preset q4_0 --values --format json weights.txt  # block formats (q8_0..q5_1, mx*, nvfp4, nf4,
  quantscope tensor --dtype fp8-e4m3 --granularity per-group --group-size 32 weights.txt  # fp4-bnb): docs/formats.md

Input is read from FILE, or from standard input when FILE is `-` or absent.
Exit status: 0 on success, 2 on bad input or options (the message says where), 1 on an I/O error.";

/// quantscope: per-channel / per-tensor quantization workbench (scale, zero point, quantize,
/// dequantize, error metrics) under the textbook, PyTorch, ONNX Runtime and TFLite conventions.
#[derive(Debug, Parser)]
#[command(name = "quantscope", version, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// The tool to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands: the app's four tools (channels, tensor, values, file) and the model-wide
/// compare and plan.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per-channel calibration ranges (or manual scale/zero point) and samples: lines of
    /// `channel,min,max,sample[,sample...]` (as the per-channel calculator's page takes them).
    #[command(after_help = EXAMPLES)]
    Channels(ChannelsArgs),
    /// A tensor, one channel per line (or per `;`), values separated by commas and/or spaces,
    /// optional `name:` label: per-channel and per-tensor results side by side, local ranges,
    /// memory estimate; every value with --values. Block, float and grouped formats with --preset,
    /// a float --dtype, --granularity per-group or --group-size (docs/formats.md).
    #[command(after_help = EXAMPLES)]
    Tensor(TensorArgs),
    /// One list of values with a custom (`--range`) or derived range.
    #[command(after_help = EXAMPLES)]
    Values(ValuesArgs),
    /// Every tensor of a weight file (.npy, .npz, .safetensors): the model-wide table, sorted by
    /// per-channel SQNR so the most sensitive layers come first.
    #[command(after_help = FILE_EXAMPLES)]
    File(FileArgs),
    /// Every tensor of a model (safetensors shards, .npz/.npy, GGUF) under several formats: bits per
    /// weight, bytes, MSE, SQNR and largest error of each (docs/compare.md).
    #[command(after_help = crate::compare_cmd::COMPARE_EXAMPLES)]
    Compare(crate::compare_cmd::CompareArgs),
    /// One format per tensor under a size budget, with the least total squared error (docs/compare.md).
    #[command(after_help = crate::compare_cmd::PLAN_EXAMPLES)]
    Plan(crate::compare_cmd::PlanArgs),
}

const FILE_EXAMPLES: &str = "\
Examples:
  quantscope file model.safetensors --convention pytorch --dtype qint8
  quantscope file weights.npz --tensor fc.weight --calibration percentile --percentile 99.99
  quantscope file model.safetensors --format csv > layers.csv
  quantscope file model.safetensors --pdf layers.pdf --paper letter

Exit status: 0 on success, 2 on a bad file (the message names the file and the tensor) or bad options.";

/// The `file` subcommand.
#[derive(Debug, Args)]
pub struct FileArgs {
    /// The weight file: .npy, .npz (stored or deflated) or .safetensors (detected by content).
    pub path: PathBuf,
    /// Analyse only this tensor.
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    pub tensor: Option<String>,
    /// Analyse every tensor (the default).
    #[arg(long)]
    pub all: bool,
    /// Channel axis (0: output channels of Linear [out, in] and Conv [O, I, kH, kW]).
    #[arg(long = name::AXIS, value_name = "N", default_value_t = 0)]
    pub axis: usize,
    /// How many of each tensor's worst channels to list.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub worst: usize,
    #[command(flatten)]
    pub calibration: CalibrationArgs,
    #[command(flatten)]
    pub spec: SpecArgs,
    /// human: aligned table; json: one JSON object; csv: one row per tensor.
    #[arg(long, value_enum, default_value_t = FileFormat::Human, help_heading = "Output")]
    pub format: FileFormat,
    /// Human output: N decimals (trailing zeros trimmed), or `full` for the shortest round-trip repr.
    #[arg(long, value_name = "N|full", default_value = "8", value_parser = parse_precision, help_heading = "Output")]
    pub precision: Precision,
    /// Also write the model-wide table as a PDF report to FILE (the output chosen by --format is printed as usual).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub pdf: Option<PathBuf>,
    /// Paper of the PDF report: a4 | letter.
    #[arg(long, value_name = "PAPER", value_parser = core_parser::<Paper>, default_value = "a4", help_heading = "Output")]
    pub paper: Paper,
}

/// Output of `file`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// Aligned table for people.
    Human,
    /// One JSON object: the file, the spec, one item per tensor.
    Json,
    /// One row per tensor (RFC 4180, spreadsheet-injection safe).
    Csv,
}

/// How the calibration range is chosen (the core's `calibrate`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Calibration")]
pub struct CalibrationArgs {
    /// minmax | moving-average | percentile | mse | entropy [default: minmax]. Ignored when --range is given.
    #[arg(long = name::CALIBRATION, value_name = "METHOD", value_parser = core_parser::<Method>)]
    pub calibration: Option<Method>,
    /// The percentile of --calibration percentile, in (0, 100] [default: 99.999, ONNX Runtime's].
    #[arg(long = name::PERCENTILE, value_name = "P")]
    pub percentile: Option<f64>,
}

/// The `channels` subcommand.
#[derive(Debug, Args)]
pub struct ChannelsArgs {
    /// Input file; `-` or absent: standard input.
    pub input: Option<PathBuf>,
    /// Lines are `channel,scale,zero_point,sample...` (parameters typed by hand) instead of `channel,min,max,sample...`.
    #[arg(long = name::MANUAL)]
    pub manual: bool,
    /// per-channel | per-tensor (per-tensor: one pair from the union of the ranges) [default: per-channel].
    #[arg(long = name::GRANULARITY, value_name = "GRANULARITY", value_parser = core_parser::<Granularity>)]
    pub granularity: Option<Granularity>,
    /// The channel axis of the original tensor the lines describe (a label carried into the report
    /// and the PyTorch / ONNX hand-off; 0 for Linear [out, in] and Conv [O, I, kH, kW]).
    #[arg(long = name::AXIS, value_name = "N", default_value_t = 0)]
    pub axis: usize,
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The `tensor` subcommand.
#[derive(Debug, Args)]
pub struct TensorArgs {
    /// Input file; `-` or absent: standard input.
    pub input: Option<PathBuf>,
    /// per-channel | per-tensor: which granularity the `channels` table / array reports (both are
    /// always compared) [default: per-channel].
    #[arg(long = name::GRANULARITY, value_name = "GRANULARITY", value_parser = core_parser::<Granularity>)]
    pub granularity: Option<Granularity>,
    /// A calibration range MIN:MAX used for every channel instead of the data's min/max, e.g. -1.5:1.5.
    #[arg(long = name::RANGE, value_name = "MIN:MAX", allow_hyphen_values = true)]
    pub range: Option<String>,
    /// Channel axis: 0 = each line is a channel, 1 = each column is a channel (lines of equal length).
    #[arg(long = name::AXIS, value_name = "N", default_value_t = 0)]
    pub axis: usize,
    #[command(flatten)]
    pub calibration: CalibrationArgs,
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The `values` subcommand.
#[derive(Debug, Args)]
pub struct ValuesArgs {
    /// Input file; `-` or absent: standard input.
    pub input: Option<PathBuf>,
    /// A calibration range MIN:MAX, e.g. -1.5:1.5; absent: the data's own min and max.
    #[arg(long = name::RANGE, value_name = "MIN:MAX", allow_hyphen_values = true)]
    pub range: Option<String>,
    #[command(flatten)]
    pub calibration: CalibrationArgs,
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Convention and overrides (the core's `SpecOptions`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Quantization")]
pub struct SpecArgs {
    /// textbook | pytorch | onnxruntime | tflite [default: textbook].
    #[arg(long = name::CONVENTION, value_name = "CONVENTION", value_parser = core_parser::<Convention>)]
    pub convention: Option<Convention>,
    /// qint8 | quint8 | int8 | uint8 | `int<N>` | `uint<N>` with N from 2 to 16 [default: qint8].
    #[arg(long = name::DTYPE, value_name = "DTYPE", value_parser = parse_dtype)]
    pub dtype: Option<Dtype>,
    /// affine | symmetric [default: affine].
    #[arg(long = name::SCHEME, value_name = "SCHEME", value_parser = core_parser::<Scheme>)]
    pub scheme: Option<Scheme>,
    /// Narrow the integer interval by one bit (PyTorch reduce_range).
    #[arg(long = name::REDUCE_RANGE)]
    pub reduce_range: bool,
    /// Drop the most negative level (int8 [-127, 127]) [default: the convention's].
    #[arg(long = name::NARROW_RANGE, overrides_with = "no_narrow_range")]
    pub narrow_range: bool,
    /// Keep the full range even where the convention narrows it.
    #[arg(long = name::NO_NARROW_RANGE, overrides_with = "narrow_range")]
    pub no_narrow_range: bool,
    /// half-even | half-away | half-up | floor | ceil | toward-zero | stochastic [default: the convention's].
    #[arg(long = name::ROUNDING, value_name = "RULE", value_parser = core_parser::<Rounding>)]
    pub rounding: Option<Rounding>,
    /// Seed of the stochastic rounding generator (results are reproducible for a seed).
    #[arg(long = name::SEED, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Symmetric scale divisor: max-abs (128 for int8) | qmax (127) | half-range (127.5) [default: the convention's].
    #[arg(long = name::SYMMETRIC_DIVISOR, value_name = "DIVISOR", value_parser = core_parser::<SymmetricDivisor>)]
    pub symmetric_divisor: Option<SymmetricDivisor>,
    /// Force 0 into the calibration range [default: the convention's].
    #[arg(long = name::INCLUDE_ZERO, overrides_with = "no_include_zero")]
    pub include_zero: bool,
    /// Do not force 0 into the calibration range.
    #[arg(long = name::NO_INCLUDE_ZERO, overrides_with = "include_zero")]
    pub no_include_zero: bool,
    /// Clamp the zero point into [qmin, qmax] [default: the convention's].
    #[arg(long = name::CLAMP_ZERO_POINT, overrides_with = "no_clamp_zero_point")]
    pub clamp_zero_point: bool,
    /// Leave the zero point unclamped (it may fall outside [qmin, qmax]).
    #[arg(long = name::NO_CLAMP_ZERO_POINT, overrides_with = "clamp_zero_point")]
    pub no_clamp_zero_point: bool,
    /// Custom lower end of the integer range (as PyTorch observers take quant_min), e.g. -8.
    #[arg(long = name::QUANT_MIN, value_name = "N", allow_negative_numbers = true)]
    pub quant_min: Option<i32>,
    /// Custom upper end of the integer range (quant_max), e.g. 7.
    #[arg(long = name::QUANT_MAX, value_name = "N", allow_negative_numbers = true)]
    pub quant_max: Option<i32>,
}

/// Output options.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// human: aligned tables; json: the core's report as one JSON object; csv: the results table
    /// (one row per channel + a tensor row), or with --values the per-element table; params-json,
    /// torch, onnx: the scales and zero points for a framework.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Human output: N decimals (trailing zeros trimmed), or `full` for the shortest round-trip repr.
    #[arg(long, value_name = "N|full", default_value = "8", value_parser = parse_precision)]
    pub precision: Precision,
    /// Include the per-element results (q, dequantized, ...): in JSON for the tensor tool, as the
    /// per-element table in CSV, as an extra table in human output.
    #[arg(long = name::VALUES)]
    pub values: bool,
    /// Tensor name shown in reports [default: tensor].
    #[arg(long = name::NAME, value_name = "NAME")]
    pub name: Option<String>,
    /// Also write a PDF report of the results to FILE (the output chosen by --format is printed as usual).
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,
    /// Paper of the PDF report: a4 | letter.
    #[arg(long, value_name = "PAPER", value_parser = core_parser::<Paper>, default_value = "a4")]
    pub paper: Paper,
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables for people.
    Human,
    /// One JSON object (the core's report, numbers in shortest round-trip form).
    Json,
    /// CSV (RFC 4180), spreadsheet-injection safe.
    Csv,
    /// The scales and zero points as one JSON object (float32 scales as their shortest float32 repr).
    ParamsJson,
    /// A PyTorch snippet: torch.quantize_per_channel / quantize_per_tensor with the values.
    Torch,
    /// An ONNX QuantizeLinear description: y_scale and y_zero_point initializers, axis.
    Onnx,
}

/// The flags of the format commands that only they take (`format_cmd`: a command giving one is
/// routed there); the main parser lists them in `--help` under "Format".
const FORMAT_ONLY: [&str; 2] = ["preset", "group-size"];

/// The whole command line as parsed and shown by `--help`: [`Cli`], with the format flags of
/// `tensor` and `file` (defined once, in `format_cmd`, which runs those commands) listed in their
/// help: the flags only formats take are added under "Format", and the help of a flag both take
/// (`--dtype`, `--granularity`, ...) gains what it means for the formats.
pub fn command() -> clap::Command {
    Cli::command().mut_subcommand("tensor", with_format_flags).mut_subcommand("file", with_format_flags)
}

fn with_format_flags(mut command: clap::Command) -> clap::Command {
    for format_arg in crate::format_cmd::knob_args() {
        let Some(long) = format_arg.get_long() else { continue };
        let format_help = format_arg.get_help().map(ToString::to_string).unwrap_or_default();
        let shared = command.get_arguments().find(|a| a.get_long() == Some(long)).map(|a| (a.get_id().clone(), a.get_help().cloned()));
        if let Some((id, help)) = shared {
            let help = format!("{}. Formats: {format_help}", help.map(|h| h.to_string()).unwrap_or_default());
            command = command.mut_arg(id, |a| a.help(help));
        } else if FORMAT_ONLY.contains(&long) {
            command = command.arg(format_arg.help_heading("Format"));
        }
    }
    command
}

/// The largest `--precision N`.
pub const MAX_DECIMALS: usize = 40;

fn parse_precision(s: &str) -> Result<Precision, String> {
    if s.eq_ignore_ascii_case("full") {
        return Ok(Precision::Full);
    }
    match s.parse::<usize>() {
        Ok(n) if n <= MAX_DECIMALS => Ok(Precision::Decimals(n)),
        _ => Err(format!("expected a number of decimals from 0 to {MAX_DECIMALS}, or `full`")),
    }
}

/// Parses with the core's own `FromStr` (its error names the accepted values).
fn core_parser<T: FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

fn parse_dtype(s: &str) -> Result<Dtype, String> {
    s.parse::<Dtype>().map_err(|e| e.to_string())
}

/// The core's options of `tool`'s subcommand in `cli` (the whole command line's matches): every
/// option flag given on the command line, in its order, applied by [`flags::apply`] to the
/// subcommand's defaults ([`flags::defaults`]). Flags that are not options of the computation
/// (`--format`, `--pdf`, ...) are not read here.
pub fn tool_options(tool: Tool, cli: &ArgMatches) -> Result<ToolOptions, flags::FlagError> {
    let subcommand = flags::subcommand(tool);
    let Some(matches) = cli.subcommand_matches(subcommand) else { return Ok(flags::defaults(tool)) };
    let command = Cli::command();
    let Some(definition) = command.find_subcommand(subcommand) else { return Ok(flags::defaults(tool)) };
    // (position on the command line, flag name, value)
    let mut given: Vec<(usize, &str, Option<String>)> = Vec::new();
    for arg in definition.get_arguments() {
        let id = arg.get_id().as_str();
        let Some(name) = arg.get_long().filter(|long| flags::ALL.contains(long)) else { continue };
        if matches.value_source(id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let position = matches.index_of(id).unwrap_or(0);
        let value = if flags::is_switch(name) {
            None
        } else {
            let raw = matches.get_raw(id).and_then(|mut values| values.next_back());
            raw.map(|v| v.to_string_lossy().into_owned())
        };
        given.push((position, name, value));
    }
    given.sort_by_key(|(position, ..)| *position);
    flags::from_flags(tool, given.iter().map(|(_, name, value)| (*name, value.as_deref())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quantscope_core::parse::LineMode;

    fn parse(args: &[&str]) -> Command {
        Cli::try_parse_from(std::iter::once("quantscope").chain(args.iter().copied())).unwrap().command
    }

    /// The options `args` give to `tool`, through the flag mapping.
    fn options(tool: Tool, args: &[&str]) -> ToolOptions {
        let matches = Cli::command().try_get_matches_from(std::iter::once("quantscope").chain(args.iter().copied())).unwrap();
        tool_options(tool, &matches).unwrap()
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_are_the_cores() {
        assert_eq!(options(Tool::Tensor, &["tensor"]), ToolOptions::default());
        assert_eq!(options(Tool::Channels, &["channels"]), ToolOptions::default());
        // The values tool is per tensor (the core ignores the field there).
        let per_tensor = ToolOptions { granularity: Granularity::PerTensor, ..ToolOptions::default() };
        assert_eq!(options(Tool::Values, &["values"]), per_tensor);
    }

    #[test]
    fn every_flag_reaches_the_options() {
        let args = [
            "tensor",
            "--convention",
            "pytorch",
            "--dtype",
            "uint4",
            "--scheme",
            "symmetric",
            "--granularity",
            "per-tensor",
            "--reduce-range",
            "--no-narrow-range",
            "--rounding",
            "stochastic",
            "--seed",
            "7",
            "--symmetric-divisor",
            "qmax",
            "--no-include-zero",
            "--clamp-zero-point",
            "--quant-min",
            "-8",
            "--quant-max",
            "7",
            "--range",
            "-1.5:1.5",
            "--axis",
            "1",
            "--name",
            "w",
            "--values",
            "--calibration",
            "percentile",
            "--percentile",
            "99.5",
            "in.txt",
        ];
        let Command::Tensor(t) = parse(&args) else { panic!() };
        let o = options(Tool::Tensor, &args);
        let s = &o.spec;
        assert_eq!(s.convention, Convention::Pytorch);
        assert_eq!(s.dtype, Dtype::new(false, 4).unwrap());
        assert_eq!(s.scheme, Scheme::Symmetric);
        assert!(s.reduce_range);
        assert_eq!(s.narrow_range, Some(false));
        assert_eq!(s.rounding, Some(Rounding::Stochastic));
        assert_eq!(s.seed, 7);
        assert_eq!(s.symmetric_divisor, Some(SymmetricDivisor::Qmax));
        assert_eq!(s.include_zero, Some(false));
        assert_eq!(s.clamp_zero_point, Some(true));
        assert_eq!((s.quant_min, s.quant_max), (Some(-8), Some(7)));
        assert_eq!(o.granularity, Granularity::PerTensor);
        assert_eq!(o.range, "-1.5:1.5");
        assert_eq!(o.axis, 1);
        assert_eq!(o.tensor_name, "w");
        assert!(o.keep_values);
        assert_eq!((o.calibration.method, o.calibration.percentile), (Method::Percentile, 99.5));
        assert_eq!(t.input, Some(PathBuf::from("in.txt")));
        let o = options(Tool::Channels, &["channels", "--manual", "--narrow-range", "--include-zero", "--axis", "1"]);
        assert_eq!(o.param_mode, LineMode::Manual);
        assert_eq!(o.axis, 1);
        assert_eq!((o.spec.narrow_range, o.spec.include_zero), (Some(true), Some(true)));
    }

    #[test]
    fn the_file_subcommand_reads_its_flags_through_the_mapping() {
        let args =
            ["file", "w.npz", "--axis", "1", "--calibration", "mse", "--percentile", "99", "--convention", "pytorch", "--no-narrow-range"];
        let o = options(Tool::Files, &args);
        assert_eq!((o.axis, o.calibration.method, o.calibration.percentile), (1, Method::Mse, 99.0));
        assert_eq!((o.spec.convention, o.spec.narrow_range), (Convention::Pytorch, Some(false)));
    }

    #[test]
    fn the_last_of_a_flag_pair_wins() {
        assert_eq!(options(Tool::Values, &["values", "--narrow-range", "--no-narrow-range"]).spec.narrow_range, Some(false));
        assert_eq!(options(Tool::Values, &["values", "--no-narrow-range", "--narrow-range"]).spec.narrow_range, Some(true));
        // The mapping reads flags in command-line order, whatever clap's order of its arguments.
        let o = options(Tool::Values, &["values", "--no-include-zero", "--convention", "pytorch", "--include-zero"]);
        assert_eq!((o.spec.include_zero, o.spec.convention), (Some(true), Convention::Pytorch));
    }

    #[test]
    fn every_option_flag_is_a_flag_of_its_subcommands() {
        let command = Cli::command();
        for tool in [Tool::Channels, Tool::Tensor, Tool::Values, Tool::Files] {
            let sub = command.find_subcommand(flags::subcommand(tool)).unwrap();
            let longs: Vec<&str> = sub.get_arguments().filter_map(|a| a.get_long()).collect();
            for name in flags::ALL {
                assert_eq!(longs.contains(&name), flags::takes(tool, name), "--{name} of {}", flags::subcommand(tool));
            }
        }
    }

    #[test]
    fn every_core_name_is_accepted() {
        for c in Convention::ALL {
            let Command::Values(v) = parse(&["values", "--convention", c.name()]) else { panic!() };
            assert_eq!(v.spec.convention, Some(c));
        }
        for r in Rounding::ALL {
            let Command::Values(v) = parse(&["values", "--rounding", r.name()]) else { panic!() };
            assert_eq!(v.spec.rounding, Some(r));
        }
        for d in [SymmetricDivisor::MaxAbs, SymmetricDivisor::Qmax, SymmetricDivisor::HalfRange] {
            let Command::Values(v) = parse(&["values", "--symmetric-divisor", d.name()]) else { panic!() };
            assert_eq!(v.spec.symmetric_divisor, Some(d));
        }
        for g in [Granularity::PerChannel, Granularity::PerTensor] {
            let Command::Tensor(t) = parse(&["tensor", "--granularity", g.name()]) else { panic!() };
            assert_eq!(t.granularity, Some(g));
        }
        for s in [Scheme::Affine, Scheme::Symmetric] {
            let Command::Values(v) = parse(&["values", "--scheme", s.name()]) else { panic!() };
            assert_eq!(v.spec.scheme, Some(s));
        }
        for (name, d) in [("qint8", Dtype::QINT8), ("int8", Dtype::QINT8), ("quint8", Dtype::QUINT8), ("uint8", Dtype::QUINT8)] {
            let Command::Values(v) = parse(&["values", "--dtype", name]) else { panic!() };
            assert_eq!(v.spec.dtype, Some(d));
        }
    }

    #[test]
    fn help_lists_every_core_name() {
        let help = Cli::command().find_subcommand_mut("tensor").unwrap().render_long_help().to_string();
        for name in Convention::ALL.map(Convention::name).into_iter().chain(Rounding::ALL.map(Rounding::name)) {
            assert!(help.contains(name), "help does not list `{name}`");
        }
        for d in [SymmetricDivisor::MaxAbs, SymmetricDivisor::Qmax, SymmetricDivisor::HalfRange] {
            assert!(help.contains(d.name()), "help does not list `{}`", d.name());
        }
    }

    #[test]
    fn help_lists_the_format_flags() {
        for subcommand in ["tensor", "file"] {
            let help = command().find_subcommand_mut(subcommand).unwrap().render_long_help().to_string();
            for listed in ["--preset", "--group-size", "q4_0", "nvfp4", "fp8-e4m3", "fp4-e2m1", "Format:"] {
                assert!(help.contains(listed), "`{subcommand} --help` does not list `{listed}`:\n{help}");
            }
            // The integer choices stay listed beside the formats'.
            assert!(help.contains("`int<N>`") && help.contains("fp6-e2m3"), "{help}");
        }
        let help = command().find_subcommand_mut("tensor").unwrap().render_long_help().to_string();
        assert!(help.contains("per-group"), "{help}");
        // The format flags are only shown: the main parser's options are unchanged.
        command().debug_assert();
    }

    #[test]
    fn bad_names_are_refused() {
        for args in [
            &["values", "--convention", "tensorrt"][..],
            &["values", "--dtype", "int17"],
            &["values", "--rounding", "nearest"],
            &["values", "--precision", "many"],
            &["tensor", "--granularity", "per-row"],
        ] {
            let e = Cli::try_parse_from(std::iter::once("quantscope").chain(args.iter().copied())).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn precision() {
        assert_eq!(parse_precision("full"), Ok(Precision::Full));
        assert_eq!(parse_precision("3"), Ok(Precision::Decimals(3)));
        assert!(parse_precision("-1").is_err());
        assert!(parse_precision("41").is_err());
    }
}
