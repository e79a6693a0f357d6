//! The benchmarks' data, shared by the criterion benchmarks (`benches/analysis.rs`) and
//! `examples/perf.rs` (the native side of `bench/perf_table.py`), so both time the same input.

/// Deterministic pseudo-normal values (sum of three uniforms), `cols` to a row, each row scaled
/// differently like real weights; endless.
pub fn weight_values(cols: usize) -> impl Iterator<Item = f32> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    (0..)
        .flat_map(move |r: usize| std::iter::repeat_n(0.01 + (r % 17) as f32 * 0.05, cols))
        .map(move |spread| (next() + next() + next() - 1.5) * spread)
}

/// A `rows × cols` tensor of [`weight_values`].
#[allow(dead_code)] // examples/perf.rs reads its tensors from files
pub fn weights(rows: usize, cols: usize) -> Vec<f32> {
    weight_values(cols).take(rows * cols).collect()
}

/// At least `bytes` of pasted text: [`weight_values`] of 4096-value rows as `f32` prints them
/// (about 10 characters each), 1024 to a line, separated by ", ".
pub fn pasted_text(bytes: usize) -> String {
    let mut values = weight_values(4096);
    let mut text = String::with_capacity(bytes + 64 * 1024);
    while text.len() < bytes {
        for j in 0..1024 {
            if j > 0 {
                text.push_str(", ");
            }
            text.push_str(&format!("{}", values.next().unwrap_or(0.0)));
        }
        text.push('\n');
    }
    text
}
