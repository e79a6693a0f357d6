//! `quantscope`: the quantization workbench on the command line.
//!
//! No quantization logic lives here: flags become [`quantscope_core::tools::ToolOptions`], the core's tools
//! compute the reports, and this binary only formats them (human tables, JSON, CSV via `export`).

mod args;
mod compare_cmd;
mod file;
mod format_cmd;
mod human;
mod progress;

use args::{Cli, Command, Format, OutputArgs};
use clap::{ArgMatches, FromArgMatches};
use quantscope_app::form::Tool;
use quantscope_core::tools::{self, ToolError, ToolOptions};
use quantscope_core::ParseError;
use quantscope_export::number::Num;
use quantscope_export::params::Params;
use quantscope_export::PdfOptions;
use serde::Serialize;
use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Why the command failed, and the exit status it gives.
enum Failure {
    /// Bad input or options: the message is printed, exit 2.
    Usage(String),
    /// Writing the output failed: exit 1 (a closed pipe ends quietly with 0).
    Io(io::Error),
}

impl From<compare_cmd::Failed> for Failure {
    fn from(f: compare_cmd::Failed) -> Self {
        match f {
            compare_cmd::Failed::Usage(m) => Failure::Usage(m),
            compare_cmd::Failed::Io(e) => Failure::Io(e),
        }
    }
}

/// The input text and what to call it in messages.
struct Input {
    name: String,
    text: String,
}

fn read_input(path: Option<&Path>) -> Result<Input, Failure> {
    let (name, bytes) = match path {
        None => read_stdin()?,
        Some(p) if p.as_os_str() == "-" => read_stdin()?,
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| Failure::Usage(format!("error: cannot read {}: {e}", p.display())))?;
            (p.display().to_string(), bytes)
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Input { name, text }),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            // The valid prefix is UTF-8 by definition.
            let prefix = String::from_utf8_lossy(valid);
            let line = prefix.matches('\n').count() + 1;
            let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(Failure::Usage(format!("error: {name}: line {line}, column {column}: not valid UTF-8 text")))
        }
    }
}

fn read_stdin() -> Result<(String, Vec<u8>), Failure> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprintln!("quantscope: reading values from standard input (end with Ctrl-D)");
    }
    let mut bytes = Vec::new();
    stdin.lock().read_to_end(&mut bytes).map_err(|e| Failure::Usage(format!("error: cannot read standard input: {e}")))?;
    Ok(("<stdin>".to_string(), bytes))
}

/// `line` of `text` (1-based, `\r` stripped), as the core's parser counts lines.
fn nth_line(text: &str, line: usize) -> &str {
    let l = text.split('\n').nth(line.saturating_sub(1)).unwrap_or("");
    l.strip_suffix('\r').unwrap_or(l)
}

/// The offending line with carets under the offending text (tabs kept so the carets line up).
fn caret(line_text: &str, column: usize, width: usize) -> String {
    let pad: String = line_text.chars().take(column.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    let rest = line_text.chars().count().saturating_sub(column.saturating_sub(1));
    format!("{pad}{}", "^".repeat(width.clamp(1, rest.max(1))))
}

fn located(input: &Input, e: &ParseError) -> String {
    let text = nth_line(&input.text, e.line);
    let gutter = e.line.to_string();
    let blank = " ".repeat(gutter.len());
    format!(
        "error: {e}\n{blank}--> {}:{}:{}\n{blank} |\n{gutter} | {text}\n{blank} | {}",
        input.name,
        e.line,
        e.column,
        caret(text, e.column, e.text.chars().count())
    )
}

fn tool_error(input: &Input, flag_value: Option<&str>, e: ToolError) -> Failure {
    Failure::Usage(match e {
        ToolError::Input(pe) => located(input, &pe),
        ToolError::Option { field, error } => {
            let flag = format!("--{}", field.replace('_', "-"));
            let value = flag_value.unwrap_or("");
            let prefix = format!("{flag} ");
            format!(
                "error: {flag}: column {}: {} `{}` (expected {})\n  {prefix}{value}\n  {}{}",
                error.column,
                error.problem,
                error.text,
                error.expected,
                " ".repeat(prefix.chars().count()),
                caret(value, error.column, error.text.chars().count())
            )
        }
        ToolError::Quant(q) => format!("error: {q}"),
    })
}

/// How a tool's report is printed and drawn.
struct Views<R> {
    human: fn(&R, Num) -> String,
    pdf: fn(&R, &PdfOptions) -> Vec<u8>,
    /// The tensor tool's bit-width sweep, for its PDF chart.
    sweep: Option<quantscope_core::sweep::BitSweep>,
}

fn emit<R: Serialize + quantscope_export::Report>(
    report: &R,
    options: ToolOptions,
    output: &OutputArgs,
    views: Views<R>,
) -> Result<(), Failure> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match output.format {
        Format::Json => {
            serde_json::to_writer(&mut out, report).map_err(|e| Failure::Io(e.into()))?;
            out.write_all(b"\n").map_err(Failure::Io)?;
        }
        Format::Csv => {
            let written = if output.values {
                quantscope_export::write_elements(report, &mut out).map(drop)
            } else {
                quantscope_export::write_results(report, &mut out)
            };
            written.map_err(|e| Failure::Io(io::Error::new(e.io_kind().unwrap_or(io::ErrorKind::Other), e.to_string())))?;
        }
        Format::Human => out.write_all((views.human)(report, Num(output.precision)).as_bytes()).map_err(Failure::Io)?,
        Format::ParamsJson => out.write_all(Params::of(report).to_json().as_bytes()).map_err(Failure::Io)?,
        Format::Torch => out.write_all(Params::of(report).to_torch().as_bytes()).map_err(Failure::Io)?,
        Format::Onnx => out.write_all(Params::of(report).to_onnx().as_bytes()).map_err(Failure::Io)?,
    }
    out.flush().map_err(Failure::Io)?;
    if let Some(path) = &output.pdf {
        let pdf_options = PdfOptions {
            paper: output.paper,
            date: today(),
            options: Some(options),
            precision: output.precision,
            sweep: views.sweep,
            ..PdfOptions::default()
        };
        let bytes = (views.pdf)(report, &pdf_options);
        std::fs::write(path, bytes).map_err(|e| Failure::Io(io::Error::new(e.kind(), format!("{}: {e}", path.display()))))?;
    }
    Ok(())
}

/// Today's date (UTC) as `YYYY-MM-DD`, or the date of `SOURCE_DATE_EPOCH` when it is set (for
/// reproducible files).
pub(crate) fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64));
    civil_date(secs.div_euclid(86_400))
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The options of `tool`'s subcommand, through the one flag mapping ([`args::tool_options`]).
fn options(tool: Tool, matches: &ArgMatches) -> Result<ToolOptions, Failure> {
    args::tool_options(tool, matches).map_err(|e| Failure::Usage(format!("error: {e}")))
}

fn run(cli: Cli, matches: &ArgMatches) -> Result<(), Failure> {
    match cli.command {
        Command::Channels(a) => {
            let input = read_input(a.input.as_deref())?;
            let options = options(Tool::Channels, matches)?;
            let report = tools::channels(&input.text, &options).map_err(|e| tool_error(&input, None, e))?;
            emit(&report, options, &a.output, Views { human: human::channels, pdf: quantscope_export::channels_pdf, sweep: None })
        }
        Command::Tensor(a) => {
            let input = read_input(a.input.as_deref())?;
            let options = options(Tool::Tensor, matches)?;
            let report = tools::tensor(&input.text, &options).map_err(|e| tool_error(&input, a.range.as_deref(), e))?;
            // The sweep is drawn in the PDF only.
            let sweep = a.output.pdf.as_ref().and_then(|_| quantscope_core::sweep::tensor_tool(&input.text, &options).ok());
            emit(&report, options, &a.output, Views { human: human::tensor, pdf: quantscope_export::tensor_pdf, sweep })
        }
        Command::Values(a) => {
            let input = read_input(a.input.as_deref())?;
            let options = options(Tool::Values, matches)?;
            let report = tools::values(&input.text, &options).map_err(|e| tool_error(&input, a.range.as_deref(), e))?;
            emit(&report, options, &a.output, Views { human: human::values, pdf: quantscope_export::values_pdf, sweep: None })
        }
        Command::File(a) => {
            let text = file::run(&a, &options(Tool::Files, matches)?, &today()).map_err(Failure::Usage)?;
            file::print(&text).map_err(Failure::Io)
        }
        Command::Compare(a) => compare_cmd::run_compare(&a).map_err(Failure::from),
        Command::Plan(a) => compare_cmd::run_plan(&a).map_err(Failure::from),
    }
}

fn main() -> ExitCode {
    // Block, float-element and lookup-table formats (issue 13) take their own flags (format_cmd).
    if let Some(code) = format_cmd::dispatch(&std::env::args_os().collect::<Vec<_>>()) {
        return code;
    }
    let matches = args::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match run(cli, &matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(e)) => {
            eprintln!("error: cannot write the output: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carets_line_up() {
        assert_eq!(caret("1, 2, x", 7, 1), "      ^");
        assert_eq!(caret("a\t0.3x", 3, 4), " \t^^^^");
        assert_eq!(caret("é: 1, x", 7, 1), "      ^");
        // Never wider than what is left of the line, never empty.
        assert_eq!(caret("abc", 3, 10), "  ^");
        assert_eq!(caret("", 1, 0), "^");
    }

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_414), "2025-11-22");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(-1), "1969-12-31");
    }

    #[test]
    fn lines_are_counted_as_the_parser_counts_them() {
        assert_eq!(nth_line("a\r\nb\nc", 2), "b");
        assert_eq!(nth_line("a", 5), "");
    }
}
