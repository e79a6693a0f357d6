//! Criterion benchmarks of the block formats on a 4096 × 4096 float32 tensor (the same weights as
//! `benches/analysis.rs`): the streaming statistics of `compare_rows` (one format, and the three
//! formats q4_0, mxfp4 and nf4 in one read) and the full `quantize` path that keeps every value.
//! The NumPy version of the same three formats is `bench/formats_numpy.py`.
//!
//! `cargo bench -p quantscope-core --bench formats`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use quantscope_core::format::{self, Format, Preset};

#[allow(dead_code)] // the shared data module also writes pasted text, for the analysis benchmark
mod data;

const ROWS: usize = 4096;
const COLS: usize = 4096;

fn bench_formats(c: &mut Criterion) {
    let data = data::weights(ROWS, COLS);
    let formats = [Format::Preset(Preset::Q4_0), Format::Preset(Preset::Mxfp4), Format::Preset(Preset::Nf4)];
    let mut group = c.benchmark_group("formats_4096x4096_f32");
    group.throughput(Throughput::Bytes((ROWS * COLS * 4) as u64));
    group.sample_size(10);
    for f in formats {
        group.bench_with_input(BenchmarkId::new("compare_rows", f), &f, |b, f| {
            b.iter(|| format::compare_rows(black_box(std::slice::from_ref(f)), black_box(&data), ROWS, COLS))
        });
        group.bench_with_input(BenchmarkId::new("quantize", f), &f, |b, f| b.iter(|| format::quantize(f, black_box(&data), ROWS, COLS)));
    }
    group.bench_function("compare_rows/q4_0+mxfp4+nf4", |b| {
        b.iter(|| format::compare_rows(black_box(&formats), black_box(&data), ROWS, COLS))
    });
    group.finish();
}

criterion_group!(benches, bench_formats);
criterion_main!(benches);
