//! Criterion benchmarks: the full per-channel analysis of a 4096 x 4096 float32 tensor, text parsing,
//! and the machine's memory read bandwidth as the yardstick.
//!
//! `cargo bench -p quantscope-core --bench analysis`; the README's table (NumPy, native, wasm, bandwidth on the same data) is
//! `python3 bench/perf_table.py`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use quantscope_core::{analyse, Convention, Granularity, ParamSource, QuantSpec, Samples, Scheme, SpecOptions, Tensor};

mod data;

const ROWS: usize = 4096;
const COLS: usize = 4096;

fn bench_analysis(c: &mut Criterion) {
    let data = data::weights(ROWS, COLS);
    let tensor = Tensor::dense("w", Samples::F32(data), vec![ROWS, COLS], 0).unwrap();
    let mut group = c.benchmark_group("analysis_4096x4096_f32");
    group.throughput(Throughput::Bytes((ROWS * COLS * 4) as u64));
    group.sample_size(20);
    // Each convention with its default rounding (textbook and TFLite: half away from zero for
    // TFLite, f64 with exact ties for textbook), all on the fused SIMD path: compare with PyTorch's.
    for (convention, scheme) in [
        (Convention::Pytorch, Scheme::Affine),
        (Convention::Pytorch, Scheme::Symmetric),
        (Convention::Onnxruntime, Scheme::Affine),
        (Convention::Tflite, Scheme::Affine),
        (Convention::Tflite, Scheme::Symmetric),
        (Convention::Textbook, Scheme::Affine),
        (Convention::Textbook, Scheme::Symmetric),
    ] {
        let spec = QuantSpec::resolve(&SpecOptions { convention, scheme, ..SpecOptions::default() }).unwrap();
        group.bench_with_input(BenchmarkId::new(convention.name(), scheme.name()), &spec, |b, spec| {
            b.iter(|| analyse(black_box(&tensor), spec, Granularity::PerChannel, &ParamSource::Data, false).unwrap())
        });
    }
    group.finish();

    // Textbook (f64, exact ties) on a smaller slice: it is the seeds' convention, not the bulk one.
    let small: Vec<f64> = data::weight_values(COLS).take(1024 * 1024).map(f64::from).collect();
    let tensor = Tensor::dense("w", Samples::F64(small), vec![1024, 1024], 0).unwrap();
    let spec = QuantSpec::resolve(&SpecOptions::default()).unwrap();
    let mut group = c.benchmark_group("analysis_1024x1024_textbook_f64");
    group.throughput(Throughput::Elements((1024 * 1024) as u64));
    group.sample_size(10);
    group.bench_function("affine", |b| {
        b.iter(|| analyse(black_box(&tensor), &spec, Granularity::PerChannel, &ParamSource::Data, false).unwrap())
    });
    group.finish();
}

fn bench_parse(c: &mut Criterion) {
    // About 10 MB of pasted values: 1024 channels per line, ~10 characters per value.
    let text = data::pasted_text(10_000_000);
    let mut group = c.benchmark_group("parse_10MB");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("tensor_text", |b| b.iter(|| quantscope_core::parse::parse_tensor(black_box(&text), "t").unwrap()));
    group.finish();
}

fn bench_bandwidth(c: &mut Criterion) {
    // The yardstick: one read of 1 GiB (far beyond the last-level cache, so from DRAM), summed with
    // independent accumulators. bench/perf_table.py measures it on every core too.
    let data: Vec<f32> = (0..(1usize << 28)).map(|i| (i % 7) as f32).collect();
    let mut group = c.benchmark_group("memory_read_1GiB");
    group.throughput(Throughput::Bytes((data.len() * 4) as u64));
    group.sample_size(10);
    group.bench_function("sum", |b| {
        b.iter(|| {
            let mut acc = [0f32; 32];
            for chunk in black_box(&data).chunks_exact(32) {
                for (a, x) in acc.iter_mut().zip(chunk) {
                    *a += x;
                }
            }
            acc.iter().sum::<f32>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_analysis, bench_parse, bench_bandwidth);
criterion_main!(benches);
