//! `docs/cli.md` shows real output: every ```console block (`$ quantscope ...` or
//! `$ echo '...' | quantscope ...`) is run from the repository root and must print exactly what
//! the block shows (standard output, then standard error).
//!
//! After an intended change: `QUANTSCOPE_UPDATE_DOCS=1 cargo test -p quantscope-cli --test docs`
//! rewrites the blocks with the new output.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Splits a command line as a POSIX shell would for these simple cases: spaces, '...' and "...".
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, ' ') => {
                if started || !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                started = false;
            }
            (None, c) => word.push(c),
        }
    }
    if started || !word.is_empty() {
        out.push(word);
    }
    out
}

/// Runs a documented command line; returns stdout followed by stderr.
fn execute(command: &str) -> String {
    let (stdin, command) = match command.split_once(" | ") {
        Some((echo, rest)) => {
            let w = words(echo);
            assert_eq!(w[0], "echo", "only `echo ... | quantscope ...` pipes are supported: {command}");
            (format!("{}\n", w[1..].join(" ")), rest)
        }
        None => (String::new(), command),
    };
    let w = words(command);
    assert_eq!(w[0], "quantscope", "{command}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_quantscope"))
        .args(&w[1..])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command refused before it reads its input closes the pipe early: that is not a failure here.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap()
}

#[test]
fn console_blocks_show_real_output() {
    let path = root().join("docs/cli.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let update = std::env::var_os("QUANTSCOPE_UPDATE_DOCS").is_some();
    let mut rewritten = String::new();
    let mut mismatches = Vec::new();
    let mut blocks = 0;
    let mut lines = doc.split_inclusive('\n');
    while let Some(line) = lines.next() {
        rewritten.push_str(line);
        if line.trim_end() != "```console" {
            continue;
        }
        let command_line = lines.next().expect("a command after ```console");
        rewritten.push_str(command_line);
        let command = command_line.trim_end().strip_prefix("$ ").expect("console blocks start with `$ `");
        let mut shown = String::new();
        let mut closing = None;
        for l in lines.by_ref() {
            if l.trim_end() == "```" {
                closing = Some(l);
                break;
            }
            shown.push_str(l);
        }
        let actual = execute(command);
        blocks += 1;
        if actual != shown {
            mismatches.push(format!("$ {command}\n--- docs/cli.md shows:\n{shown}--- the binary prints:\n{actual}"));
        }
        rewritten.push_str(&actual);
        rewritten.push_str(closing.expect("a closing ```"));
    }
    assert!(blocks >= 6, "only {blocks} console blocks");
    if update {
        std::fs::write(&path, rewritten).unwrap();
    } else {
        assert!(mismatches.is_empty(), "{}\n(QUANTSCOPE_UPDATE_DOCS=1 rewrites them)", mismatches.join("\n"));
    }
}

#[test]
fn words_split_like_a_shell() {
    assert_eq!(words("echo '1, 2, x'"), ["echo", "1, 2, x"]);
    assert_eq!(words("quantscope values --range -1.5:1.5"), ["quantscope", "values", "--range", "-1.5:1.5"]);
    assert_eq!(words("a \"b c\" ''"), ["a", "b c", ""]);
}
