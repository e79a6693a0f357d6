//! The written PDFs checked with poppler (`pdfinfo`, `pdftotext`, `pdftoppm`) when it is installed
//! (`make setup-browser` installs poppler-utils): every PDF test writes its file into
//! `target/pdf-previews/` and renders the pages worth looking at there as PNG.

use std::path::PathBuf;
use std::process::Command;

/// `target/pdf-previews/`, made if needed.
fn previews() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/pdf-previews");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `bytes` to `target/pdf-previews/<name>.pdf`, checks that pdfinfo opens it and pdftotext
/// reads it without a complaint, renders `pages` to `<name>-p<page>.png` at `dpi`; returns
/// (pdfinfo's output, the text as `pdftotext -layout` lays it out), or `None` without poppler.
pub fn check(name: &str, bytes: &[u8], pages: &[u32], dpi: u32) -> Option<(String, String)> {
    let path = previews().join(format!("{name}.pdf"));
    std::fs::write(&path, bytes).unwrap();
    if Command::new("pdfinfo").arg("-v").output().is_err() {
        eprintln!("SKIPPED: poppler-utils (pdfinfo, pdftotext, pdftoppm) is not installed; `make setup-browser` installs it");
        return None;
    }
    let info = Command::new("pdfinfo").arg(&path).output().unwrap();
    assert!(info.status.success(), "pdfinfo refuses {name}: {}", String::from_utf8_lossy(&info.stderr));
    assert!(info.stderr.is_empty(), "pdfinfo complains about {name}: {}", String::from_utf8_lossy(&info.stderr));
    let text = Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().unwrap();
    assert!(text.status.success() && text.stderr.is_empty(), "pdftotext on {name}: {}", String::from_utf8_lossy(&text.stderr));
    for page in pages {
        let out = previews().join(format!("{name}-p{page}"));
        let status = Command::new("pdftoppm")
            .args(["-png", "-r", &dpi.to_string(), "-singlefile", "-f", &page.to_string(), "-l", &page.to_string()])
            .arg(&path)
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "pdftoppm on page {page} of {name}");
    }
    Some((String::from_utf8(info.stdout).unwrap(), String::from_utf8(text.stdout).unwrap()))
}
