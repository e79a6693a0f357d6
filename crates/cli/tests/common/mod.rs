//! Helpers shared by the CLI tests: run the real binary, read its tables.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// What one run printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "exit code {}; stderr:\n{}", self.code, self.stderr);
        &self.stdout
    }

    /// Asserts success and parses stdout as one JSON object.
    pub fn json(&self) -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout));
        assert!(v.is_object(), "not one object");
        v
    }
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs `quantscope args...` with `stdin` as standard input.
pub fn run(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quantscope"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A command refused before it reads its input closes the pipe early: that is not a failure here.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    finish(child.wait_with_output().unwrap())
}

/// Runs `quantscope args... FILE` where FILE holds `text`.
pub fn run_file(args: &[&str], text: &str) -> Run {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let path = file.path().to_str().unwrap().to_string();
    let mut all: Vec<&str> = args.to_vec();
    all.push(&path);
    run(&all, "")
}

/// A table of the human output: header cells and rows of cells.
#[derive(Debug)]
pub struct Table {
    pub context: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The cell of `row` under `column`.
    pub fn cell(&self, row: usize, column: &str) -> &str {
        let c = self.header.iter().position(|h| h == column).unwrap_or_else(|| panic!("no column `{column}` in {:?}", self.header));
        &self.rows[row][c]
    }

    /// The row whose first cell is `first`.
    pub fn row(&self, first: &str) -> usize {
        self.rows.iter().position(|r| r[0] == first).unwrap_or_else(|| panic!("no row `{first}`"))
    }
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// The table printed under the section titled `title` (a line starting with it): the next line
/// is the context line (convention and integer range), then the table.
pub fn table(output: &str, title: &str) -> Table {
    let lines: Vec<&str> = output.lines().collect();
    let at = lines.iter().position(|l| l.starts_with(title)).unwrap_or_else(|| panic!("no section `{title}` in:\n{output}"));
    let context = lines[at + 1].to_string();
    let body: Vec<&str> = lines[at + 2..].iter().take_while(|l| l.starts_with('|')).copied().collect();
    assert!(body.len() >= 2, "no table under `{title}`");
    Table { context, header: cells(body[0]), rows: body[2..].iter().map(|l| cells(l)).collect() }
}
