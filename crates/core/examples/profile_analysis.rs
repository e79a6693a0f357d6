//! One per-channel analysis of a 1024 x 1024 float32 tensor, for profilers (callgrind, perf):
//! `cargo build --profile bench -p quant --example profile_analysis` then run the binary under the tool.
use quantscope_core::{analyse, Convention, Granularity, ParamSource, QuantSpec, Samples, SpecOptions, Tensor};

fn main() {
    let n = 1024;
    let data: Vec<f32> = (0..n * n).map(|i| ((i * 7919 % 10007) as f32 / 10007.0 - 0.5) * (1 + i / n % 17) as f32).collect();
    let tensor = Tensor::dense("w", Samples::F32(data), vec![n, n], 0).unwrap();
    let spec = QuantSpec::resolve(&SpecOptions { convention: Convention::Pytorch, ..SpecOptions::default() }).unwrap();
    let a = analyse(&tensor, &spec, Granularity::PerChannel, &ParamSource::Data, false).unwrap();
    println!("{:?}", a.summary.metrics.sqnr_db);
}
