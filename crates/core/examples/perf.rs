//! The native side of `bench/perf_table.py`: times the per-channel analysis of a raw float32 file, or
//! measures the machine's memory read bandwidth. One JSON line on stdout.
//!
//! ```text
//! perf analyse FILE ROWS COLS REPEAT [pytorch-affine|pytorch-symmetric|onnxruntime-affine]
//! perf bandwidth MIB REPEAT
//! perf parse MB REPEAT
//! perf conventions ROWS COLS REPEAT [NAME]
//! ```
//!
//! `conventions` times the per-channel analysis of the benchmarks' generated float32 weights
//! (`benches/data`) with each convention's default options, the conventions taking turns so that
//! they share the machine's state; it prints each one's best and median time and its ratio to the
//! PyTorch convention's (affine), the figure of `docs/performance.md`. `NAME` keeps the
//! conventions whose name holds it (and the PyTorch affine one).
//!
//! The analysis uses as many threads as the process may run on (`taskset -c 0` for one); the
//! bandwidth is measured with one thread and with one thread per such core.
use quantscope_core::{analyse, Convention, Granularity, ParamSource, QuantSpec, Samples, Scheme, SpecOptions, Tensor};
use std::time::Instant;

#[path = "../benches/data/mod.rs"]
mod data;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let number = |i: usize| arg(i).parse::<usize>().unwrap_or_else(|_| usage());
    match arg(0) {
        "analyse" => analysis(arg(1), number(2), number(3), number(4), if arg(5).is_empty() { "pytorch-affine" } else { arg(5) }),
        "bandwidth" => bandwidth(number(1), number(2)),
        "parse" => parse(number(1), number(2)),
        "conventions" => conventions(number(1), number(2), number(3), arg(4)),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: perf analyse FILE ROWS COLS REPEAT [CONVENTION] | perf bandwidth MIB REPEAT | perf parse MB REPEAT | perf conventions ROWS COLS REPEAT [NAME]");
    std::process::exit(2)
}

fn analysis(path: &str, rows: usize, cols: usize, repeat: usize, which: &str) {
    // Read in slices, so the peak memory is one copy of the tensor.
    let mut file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut data: Vec<f32> = Vec::with_capacity(rows * cols);
    let mut slice = vec![0u8; 1 << 20];
    while data.len() < rows * cols {
        let n = ((rows * cols - data.len()) * 4).min(slice.len());
        std::io::Read::read_exact(&mut file, &mut slice[..n]).unwrap_or_else(|e| panic!("{path}: {e}"));
        data.extend(slice[..n].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
    }
    let (convention, scheme) = match which {
        "pytorch-affine" => (Convention::Pytorch, Scheme::Affine),
        "pytorch-symmetric" => (Convention::Pytorch, Scheme::Symmetric),
        "onnxruntime-affine" => (Convention::Onnxruntime, Scheme::Affine),
        _ => usage(),
    };
    let spec = QuantSpec::resolve(&SpecOptions { convention, scheme, ..SpecOptions::default() }).expect("spec");
    let tensor = Tensor::dense("w", Samples::F32(data), vec![rows, cols], 0).expect("shape");
    let mut times = Vec::with_capacity(repeat);
    let mut sqnr = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let a = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, false).expect("analysis");
        times.push(t.elapsed().as_secs_f64());
        sqnr = a.summary.metrics.sqnr_db;
    }
    times.sort_by(f64::total_cmp);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{{\"impl\":\"native\",\"convention\":\"{which}\",\"rows\":{rows},\"cols\":{cols},\"cores\":{threads},\"best_s\":{:.6},\"median_s\":{:.6},\"sqnr_db\":{}}}",
        times[0],
        times[times.len() / 2],
        sqnr.unwrap_or(f64::NAN)
    );
}

/// Reads `mib` MiB (far more than the last-level cache) summing float32 in 32 independent lanes, so
/// the adds never wait on each other and only the memory limits it. Best of `repeat`.
fn bandwidth(mib: usize, repeat: usize) {
    let data: Vec<f32> = (0..mib * 1024 * 1024 / 4).map(|i| (i % 7) as f32).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut best = [f64::INFINITY; 2];
    let mut check = 0.0;
    for _ in 0..repeat.max(1) {
        for (slot, n) in [1, threads].into_iter().enumerate() {
            let t = Instant::now();
            let part = data.len().div_ceil(n);
            check += std::thread::scope(|s| {
                let handles: Vec<_> = data.chunks(part).map(|c| s.spawn(move || sum(c))).collect();
                handles.into_iter().map(|h| h.join().unwrap_or(0.0)).sum::<f32>()
            });
            best[slot] = best[slot].min(t.elapsed().as_secs_f64());
        }
    }
    let bytes = (data.len() * 4) as f64;
    println!(
        "{{\"impl\":\"bandwidth\",\"mib\":{mib},\"cores\":{threads},\"one_core_gib_s\":{:.2},\"all_cores_gib_s\":{:.2},\"check\":{}}}",
        bytes / best[0] / (1u64 << 30) as f64,
        bytes / best[1] / (1u64 << 30) as f64,
        check
    );
}

fn sum(xs: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { sum_avx2(xs) };
    }
    sum_lanes(xs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sum_avx2(xs: &[f32]) -> f32 {
    sum_lanes(xs)
}

#[inline(always)]
fn sum_lanes(xs: &[f32]) -> f32 {
    let mut acc = [0f32; 32];
    for chunk in std::hint::black_box(xs).chunks_exact(32) {
        for (a, x) in acc.iter_mut().zip(chunk) {
            *a += x;
        }
    }
    acc.iter().sum()
}

/// Parses `mb` MB of pasted text (`data::pasted_text`: 1024 values per line, as `f32` prints them,
/// about 10 characters each; the criterion benchmark's text) as a tensor. Best of `repeat`, in MB/s (10^6 bytes).
fn parse(mb: usize, repeat: usize) {
    let text = data::pasted_text(mb * 1_000_000);
    let mut best = f64::INFINITY;
    let mut values = 0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let parsed = parse_text(std::hint::black_box(&text));
        best = best.min(t.elapsed().as_secs_f64());
        values = parsed.tensor.len();
    }
    println!(
        "{{\"impl\":\"parse\",\"bytes\":{},\"values\":{values},\"best_s\":{best:.6},\"mb_s\":{:.1}}}",
        text.len(),
        text.len() as f64 / best / 1e6
    );
}

/// Apart, so that instruction counters (callgrind's --toggle-collect=perf::parse_text) see the parse alone.
#[inline(never)]
fn parse_text(text: &str) -> quantscope_core::parse::ParsedTensor {
    quantscope_core::parse::parse_tensor(text, "t").expect("parse")
}

/// Every convention with its default options (and each scheme) on the same generated tensor, in turns.
fn conventions(rows: usize, cols: usize, repeat: usize, only: &str) {
    let tensor = Tensor::dense("w", Samples::F32(data::weights(rows, cols)), vec![rows, cols], 0).expect("shape");
    let cases: Vec<(String, QuantSpec)> = [Convention::Pytorch, Convention::Textbook, Convention::Tflite, Convention::Onnxruntime]
        .into_iter()
        .flat_map(|convention| [Scheme::Affine, Scheme::Symmetric].map(move |scheme| (convention, scheme)))
        .map(|(convention, scheme)| {
            let spec = QuantSpec::resolve(&SpecOptions { convention, scheme, ..SpecOptions::default() }).expect("spec");
            (format!("{}-{}", convention.name(), scheme.name()), spec)
        })
        .filter(|(name, _)| name.starts_with("pytorch-affine") || name.contains(only))
        .collect();
    let mut times = vec![Vec::with_capacity(repeat); cases.len()];
    for _ in 0..repeat.max(1) {
        for ((_, spec), times) in cases.iter().zip(&mut times) {
            let t = Instant::now();
            std::hint::black_box(analyse(&tensor, spec, Granularity::PerChannel, &ParamSource::Data, false).expect("analysis"));
            times.push(t.elapsed().as_secs_f64());
        }
    }
    for times in &mut times {
        times.sort_by(f64::total_cmp);
    }
    let base = times[0][times[0].len() / 2];
    for ((name, spec), times) in cases.iter().zip(&times) {
        let median = times[times.len() / 2];
        println!(
            "{{\"impl\":\"native\",\"convention\":\"{name}\",\"rounding\":\"{}\",\"rows\":{rows},\"cols\":{cols},\"best_s\":{:.6},\"median_s\":{median:.6},\"vs_pytorch_affine\":{:.2}}}",
            spec.rounding,
            times[0],
            median / base
        );
    }
}
