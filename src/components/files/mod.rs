//! The Files tool: weight files dropped on the page, analysed in a Web Worker
//! (`crate::worker`). One file per component; [`files_tool::FilesTool`] holds the state they share.

pub mod compare;
pub mod drop_zone;
pub mod files_tool;
pub mod progress;
pub mod results_table;
pub mod scroll_table;
pub mod tensor_charts;
pub mod tensor_list;

/// `1536` → `1.5 KB`; decimal units as file managers show them.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1e3 {
        format!("{n} B")
    } else if n < 1e6 {
        format!("{:.1} KB", n / 1e3)
    } else if n < 1e9 {
        format!("{:.1} MB", n / 1e6)
    } else {
        format!("{:.2} GB", n / 1e9)
    }
}

/// `[64, 3, 3, 3]`.
pub fn shape(s: &[u64]) -> String {
    format!("[{}]", s.iter().map(u64::to_string).collect::<Vec<_>>().join(", "))
}
