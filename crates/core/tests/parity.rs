//! Parity with PyTorch 2.15 and ONNX Runtime 1.32 on every reference case (see the `golden` crate):
//! zero points and integers identical, scales and dequantized values to float32 precision.

use quantscope_core::{analyse, Dtype, Granularity, ParamSource, QuantSpec, Samples, SpecOptions, Tensor};
use quantscope_golden::{Case, Produced};

fn run(case: &Case) -> Result<Produced, String> {
    let options = SpecOptions {
        convention: case.preset.parse()?,
        dtype: Dtype::new(case.signed, 8).map_err(|e| e.to_string())?,
        scheme: case.scheme.parse()?,
        reduce_range: case.reduce_range,
        quant_min: case.custom_range().then_some(case.quant_min as i32),
        quant_max: case.custom_range().then_some(case.quant_max as i32),
        ..SpecOptions::default()
    };
    let spec = QuantSpec::resolve(&options).map_err(|e| e.to_string())?;
    if (spec.range.qmin as i64, spec.range.qmax as i64) != (case.quant_min, case.quant_max) {
        return Err(format!("range {} but the case uses [{}, {}]", spec.range, case.quant_min, case.quant_max));
    }
    let granularity: Granularity = case.granularity.parse()?;
    let data: Vec<f32> = case.values.iter().flatten().map(|&v| v as f32).collect();
    let tensor = Tensor::dense("golden", Samples::F32(data), case.shape.clone(), 0).map_err(|e| e.to_string())?;
    let a = analyse(&tensor, &spec, granularity, &ParamSource::Data, true).map_err(|e| e.to_string())?;
    let elements = || a.channels.iter().map(|c| c.elements.as_ref().expect("kept"));
    Ok(Produced {
        scales: a.channels.iter().map(|c| c.scale).collect(),
        zero_points: a.channels.iter().map(|c| c.zero_point).collect(),
        q: elements().map(|e| e.q.clone()).collect(),
        dequantized: elements().map(|e| e.dequantized.clone()).collect(),
    })
}

#[test]
fn every_reference_case_matches() {
    quantscope_golden::assert_all(|case| quantscope_golden::compare(case, &run(case)?));
}
