//! Hand-off of the parameters to a framework: scales and zero points as JSON, a ready-to-paste
//! PyTorch snippet (`torch.quantize_per_channel` / `torch.quantize_per_tensor`), and an ONNX
//! `QuantizeLinear` initializer description.
//!
//! Numbers are printed so they read back to the very value quantscope used: a scale that is a
//! float32 value (every scale of the float32 conventions) is printed as the shortest decimal that
//! reads back to that float32, also when read as a float64 first and then rounded to float32 (as
//! `torch.tensor([...], dtype=torch.float32)` and `numpy.float32(...)` do); any other scale as the
//! shortest decimal that reads back to the same float64.

use crate::Report;
use quantscope_core::{Dtype, Granularity, IntRange};
use std::fmt::Write;

/// The parameters of one analysis, as a framework takes them.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Tensor name.
    pub tensor: String,
    /// Convention label.
    pub convention: String,
    /// Integer type.
    pub dtype: Dtype,
    /// `affine` or `symmetric`.
    pub scheme: &'static str,
    /// One pair per channel, or one for the tensor.
    pub granularity: Granularity,
    /// Channel axis (per-channel).
    pub axis: usize,
    /// Shape of the data.
    pub shape: Vec<usize>,
    /// The integer range the parameters were computed for.
    pub range: IntRange,
    /// The range quantized values are clamped to.
    pub saturation: IntRange,
    /// Channel names (per-tensor: the tensor's name).
    pub names: Vec<String>,
    /// Scales, one per name.
    pub scales: Vec<f64>,
    /// Zero points, one per name.
    pub zero_points: Vec<i64>,
}

impl Params {
    /// The parameters of a report's analysis (per-tensor: the single pair).
    pub fn of(report: &impl Report) -> Params {
        let a = report.analysis();
        let per_tensor = a.granularity == Granularity::PerTensor;
        let channels = if per_tensor { &a.channels[..a.channels.len().min(1)] } else { &a.channels[..] };
        Params {
            tensor: a.tensor.clone(),
            convention: a.convention.clone(),
            dtype: a.spec.dtype,
            scheme: a.spec.scheme.name(),
            granularity: a.granularity,
            axis: a.axis,
            shape: a.shape.clone(),
            range: a.spec.range,
            saturation: a.spec.saturation,
            names: if per_tensor { vec![a.tensor.clone()] } else { channels.iter().map(|c| c.name.clone()).collect() },
            scales: channels.iter().map(|c| c.scale).collect(),
            zero_points: channels.iter().map(|c| c.zero_point).collect(),
        }
    }

    /// Whether every scale is a float32 value.
    pub fn float32(&self) -> bool {
        self.scales.iter().all(|&s| is_f32(s))
    }

    fn scale_list(&self) -> String {
        self.scales.iter().map(|&s| scale_repr(s)).collect::<Vec<_>>().join(", ")
    }

    fn zero_point_list(&self) -> String {
        self.zero_points.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
    }

    /// The first comment line of the snippets: what the parameters are of.
    fn header(&self) -> String {
        format!(
            "# quantscope: tensor {}, convention {}, {} {} {}\n",
            self.tensor,
            self.convention,
            self.dtype,
            self.scheme,
            self.granularity.name()
        )
    }

    /// Scales and zero points as a JSON object (scales printed as described in the module docs).
    pub fn to_json(&self) -> String {
        let s = |v: &str| serde_json::to_string(v).unwrap_or_default();
        let names = self.names.iter().map(|n| s(n)).collect::<Vec<_>>().join(", ");
        let mut out = String::from("{\n");
        let _ = writeln!(out, "  \"tensor\": {},", s(&self.tensor));
        let _ = writeln!(out, "  \"convention\": {},", s(&self.convention));
        let _ = writeln!(out, "  \"dtype\": {},", s(&self.dtype.to_string()));
        let _ = writeln!(out, "  \"scheme\": {},", s(self.scheme));
        let _ = writeln!(out, "  \"granularity\": {},", s(self.granularity.name()));
        let _ = writeln!(out, "  \"axis\": {},", self.axis);
        let _ = writeln!(out, "  \"shape\": {:?},", self.shape);
        let _ = writeln!(out, "  \"quant_min\": {},", self.range.qmin);
        let _ = writeln!(out, "  \"quant_max\": {},", self.range.qmax);
        let _ = writeln!(out, "  \"clamp_min\": {},", self.saturation.qmin);
        let _ = writeln!(out, "  \"clamp_max\": {},", self.saturation.qmax);
        let _ = writeln!(out, "  \"scale_dtype\": {},", s(if self.float32() { "float32" } else { "float64" }));
        let _ = writeln!(out, "  \"names\": [{names}],");
        let _ = writeln!(out, "  \"scales\": [{}],", self.scale_list());
        let _ = writeln!(out, "  \"zero_points\": [{}]", self.zero_point_list());
        out.push_str("}\n");
        out
    }

    /// A PyTorch snippet that quantizes a float tensor `w` with these parameters.
    ///
    /// `torch.quantize_per_channel` / `quantize_per_tensor` clamp to the torch dtype's full range;
    /// when the convention's range is narrower (reduce_range, narrow range, a custom
    /// quant_min/quant_max, a bit width other than 8), a comment says so and gives the
    /// `fake_quantize_*_affine` call that clamps to the convention's range.
    pub fn to_torch(&self) -> String {
        let (torch_dtype, full) = torch_dtype(self.dtype);
        let IntRange { qmin, qmax } = self.range;
        let float_dtype = if self.float32() { "torch.float32" } else { "torch.float64" };
        let mut out = String::from("import torch\n\n");
        out.push_str(&self.header());
        let _ = writeln!(
            out,
            "# w: the float tensor, shape {:?}{}",
            self.shape,
            match self.granularity {
                Granularity::PerChannel => format!(", channels along axis {}", self.axis),
                Granularity::PerTensor => String::new(),
            }
        );
        let narrower = self.range != full;
        if narrower {
            let _ = writeln!(
                out,
                "# The integer range is [{qmin}, {qmax}]; {torch_dtype} clamps to [{}, {}]. The fake-quantize line\n\
                 # below clamps to [{qmin}, {qmax}] as quantscope does.",
                full.qmin, full.qmax
            );
        }
        if self.saturation != self.range {
            let _ = writeln!(
                out,
                "# This convention clamps quantized values to [{}, {}] (the dtype's full range).",
                self.saturation.qmin, self.saturation.qmax
            );
        }
        if let Some(z) = self.zero_points.iter().find(|z| !full.contains(**z)) {
            let _ = writeln!(out, "# Zero point {z} lies outside {torch_dtype}'s [{}, {}]: torch refuses it.", full.qmin, full.qmax);
        }
        match self.granularity {
            Granularity::PerChannel => {
                let _ = writeln!(out, "scales = torch.tensor([{}], dtype={float_dtype})", self.scale_list());
                let _ = writeln!(out, "zero_points = torch.tensor([{}], dtype=torch.int64)", self.zero_point_list());
                let _ = writeln!(out, "q = torch.quantize_per_channel(w, scales, zero_points, {}, {torch_dtype})", self.axis);
                if narrower {
                    let _ = writeln!(
                        out,
                        "# w_fq = torch.fake_quantize_per_channel_affine(w, scales.float(), zero_points.int(), {}, {qmin}, {qmax})",
                        self.axis
                    );
                }
            }
            Granularity::PerTensor => {
                let (scale, z) =
                    (self.scales.first().map_or("1.0".into(), |&s| scale_repr(s)), self.zero_points.first().copied().unwrap_or(0));
                let _ = writeln!(out, "scale = {scale}");
                let _ = writeln!(out, "zero_point = {z}");
                let _ = writeln!(out, "q = torch.quantize_per_tensor(w, scale, zero_point, {torch_dtype})");
                if narrower {
                    let _ = writeln!(out, "# w_fq = torch.fake_quantize_per_tensor_affine(w, scale, zero_point, {qmin}, {qmax})");
                }
            }
        }
        out
    }

    /// An ONNX `QuantizeLinear` description: the `y_scale` (float32) and `y_zero_point`
    /// initializers, the node's `axis`, as a comment and as `onnx.helper` calls.
    pub fn to_onnx(&self) -> String {
        let (onnx_type, opset, full) = onnx_type(self.dtype);
        let base = self.tensor.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_', "_");
        let (scale_name, zp_name) = (format!("{base}_scale"), format!("{base}_zero_point"));
        let per_channel = self.granularity == Granularity::PerChannel;
        let dims = if per_channel { format!("[{}]", self.scales.len()) } else { "[]".to_string() };
        // y_scale is float32: rounded to nearest if the convention's scale is a float64.
        let scales: Vec<String> = self.scales.iter().map(|&s| scale_repr(s as f32 as f64)).collect();
        let values = |v: &[String]| if per_channel { format!("[{}]", v.join(", ")) } else { v.join("") };
        let zps: Vec<String> = self.zero_points.iter().map(i64::to_string).collect();
        let mut out = String::new();
        out.push_str(&self.header());
        let _ = writeln!(out, "# QuantizeLinear (opset {opset} or later): y = saturate(round_half_even(x / y_scale) + y_zero_point)");
        let _ = writeln!(out, "#   x            {}  float32, shape {:?}", self.tensor, self.shape);
        let _ = writeln!(out, "#   y_scale      {scale_name}  float32, dims {dims}, {}", values(&scales));
        let _ = writeln!(out, "#   y_zero_point {zp_name}  {onnx_type}, dims {dims}, {}", values(&zps));
        if per_channel {
            let _ = writeln!(out, "#   axis         {}", self.axis);
        }
        if !self.float32() {
            let _ = writeln!(out, "# The scales are float64 here; y_scale holds them rounded to the nearest float32.");
        }
        if self.range != full {
            let _ = writeln!(
                out,
                "# QuantizeLinear saturates to {onnx_type}'s [{}, {}]; the parameters were computed for [{}, {}].",
                full.qmin, full.qmax, self.range.qmin, self.range.qmax
            );
        }
        if let Some(z) = self.zero_points.iter().find(|z| !full.contains(**z)) {
            let _ = writeln!(out, "# Zero point {z} does not fit {onnx_type}.");
        }
        let _ = writeln!(out, "from onnx import TensorProto, helper\n");
        let _ = writeln!(
            out,
            "y_scale = helper.make_tensor({scale_name:?}, TensorProto.FLOAT, {dims}, {})",
            format_args!("[{}]", scales.join(", "))
        );
        let _ = writeln!(out, "y_zero_point = helper.make_tensor({zp_name:?}, TensorProto.{onnx_type}, {dims}, [{}])", zps.join(", "));
        let axis = if per_channel { format!(", axis={}", self.axis) } else { String::new() };
        let _ = writeln!(
            out,
            "node = helper.make_node(\"QuantizeLinear\", [{:?}, {scale_name:?}, {zp_name:?}], [{:?}]{axis})",
            self.tensor,
            format!("{base}_quantized")
        );
        out
    }
}

/// The torch quantized dtype holding `dtype`'s integers, and its full range.
fn torch_dtype(dtype: Dtype) -> (&'static str, IntRange) {
    match (dtype.signed, dtype.bits) {
        (true, ..=8) => ("torch.qint8", Dtype::QINT8.full_range()),
        (false, ..=8) => ("torch.quint8", Dtype::QUINT8.full_range()),
        _ => ("torch.qint32", IntRange { qmin: i32::MIN, qmax: i32::MAX }),
    }
}

/// The ONNX tensor type of the zero point, the opset that has it, and its full range.
fn onnx_type(dtype: Dtype) -> (&'static str, u32, IntRange) {
    let range = |signed, bits| Dtype { signed, bits }.full_range();
    match (dtype.signed, dtype.bits) {
        (true, 4) => ("INT4", 21, range(true, 4)),
        (false, 4) => ("UINT4", 21, range(false, 4)),
        (true, 9..) => ("INT16", 21, range(true, 16)),
        (false, 9..) => ("UINT16", 21, range(false, 16)),
        (true, _) => ("INT8", 13, range(true, 8)),
        (false, _) => ("UINT8", 13, range(false, 8)),
    }
}

/// Whether `v` is exactly a float32 value.
fn is_f32(v: f64) -> bool {
    (v as f32) as f64 == v || v.is_nan()
}

/// A scale as a decimal that reads back to the same value (see the module docs). Integral values
/// keep a `.0` so Python reads a float.
pub fn scale_repr(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "float('nan')".into()
        } else if v > 0.0 {
            "float('inf')".into()
        } else {
            "float('-inf')".into()
        };
    }
    if is_f32(v) {
        let f = v as f32;
        let mut buf = ryu::Buffer::new();
        let s = buf.format_finite(f);
        // Read as float64 then rounded to float32 (double rounding) must give the same float32.
        if s.parse::<f64>().is_ok_and(|d| (d as f32).to_bits() == f.to_bits()) {
            return s.to_string();
        }
    }
    ryu::Buffer::new().format_finite(v).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quantscope_core::tools::{self, ToolOptions};
    use quantscope_core::{Convention, Scheme};

    const WEIGHTS: &str = "conv1.w0: 0.42, -0.18, 0.09\nconv1.w1: -1.9, 0.88, 1.22";

    fn report(convention: Convention, f: impl FnOnce(&mut ToolOptions)) -> Params {
        let mut o = ToolOptions { tensor_name: "conv1.weight".into(), ..ToolOptions::default() };
        o.spec.convention = convention;
        f(&mut o);
        Params::of(&tools::tensor(WEIGHTS, &o).unwrap())
    }

    /// The numbers inside the first `[...]` after `key`.
    fn list_after<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
        let rest = &text[text.find(key).unwrap_or_else(|| panic!("no `{key}` in\n{text}")) + key.len()..];
        let inner = &rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()];
        inner.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
    }

    proptest! {
        #[test]
        fn float32_scales_read_back_to_the_same_bits(bits in 0u32..0x7f80_0000) {
            let f = f32::from_bits(bits);
            let s = scale_repr(f as f64);
            prop_assert_eq!(s.parse::<f32>().unwrap().to_bits(), bits, "{}", s);
            prop_assert_eq!((s.parse::<f64>().unwrap() as f32).to_bits(), bits, "{}", s);
        }

        #[test]
        fn float64_scales_read_back_to_the_same_bits(v in 1e-30f64..1e30) {
            let s = scale_repr(v);
            prop_assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{}", s);
        }
    }

    #[test]
    fn pytorch_per_channel() {
        let p = report(Convention::Pytorch, |_| {});
        assert!(p.float32());
        let torch = p.to_torch();
        assert!(torch.contains("q = torch.quantize_per_channel(w, scales, zero_points, 0, torch.qint8)"), "{torch}");
        assert!(torch.contains("dtype=torch.float32"), "{torch}");
        assert!(!torch.contains("fake_quantize"), "the full qint8 range needs no note:\n{torch}");
        let scales = list_after(&torch, "scales = torch.tensor(");
        assert_eq!(scales, ["0.0023529413", "0.012235294"]);
        for (s, want) in scales.iter().zip(&p.scales) {
            assert_eq!(s.parse::<f32>().unwrap().to_bits(), (*want as f32).to_bits());
        }
        assert_eq!(list_after(&torch, "zero_points = torch.tensor("), ["-52", "27"]);

        let json: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(json["scale_dtype"], "float32");
        assert_eq!(json["zero_points"], serde_json::json!([-52, 27]));
        assert_eq!(json["names"], serde_json::json!(["conv1.w0", "conv1.w1"]));
        for (v, want) in json["scales"].as_array().unwrap().iter().zip(&p.scales) {
            assert_eq!((v.as_f64().unwrap() as f32).to_bits(), (*want as f32).to_bits());
        }
    }

    #[test]
    fn quint8_and_reduce_range_are_noted() {
        let p = report(Convention::Pytorch, |o| {
            o.spec.dtype = Dtype::QUINT8;
            o.spec.reduce_range = true;
        });
        let torch = p.to_torch();
        assert!(torch.contains("torch.quint8"), "{torch}");
        assert!(torch.contains("The integer range is [0, 127]; torch.quint8 clamps to [0, 255]"), "{torch}");
        assert!(torch.contains("fake_quantize_per_channel_affine(w, scales.float(), zero_points.int(), 0, 0, 127)"), "{torch}");
        let onnx = p.to_onnx();
        assert!(onnx.contains("TensorProto.UINT8"), "{onnx}");
        assert!(onnx.contains("saturates to UINT8's [0, 255]"), "{onnx}");
    }

    #[test]
    fn per_tensor_uses_quantize_per_tensor() {
        let p = report(Convention::Pytorch, |o| o.granularity = Granularity::PerTensor);
        assert_eq!(p.scales.len(), 1);
        let torch = p.to_torch();
        assert!(torch.contains("q = torch.quantize_per_tensor(w, scale, zero_point, torch.qint8)"), "{torch}");
        let onnx = p.to_onnx();
        assert!(onnx.contains("TensorProto.FLOAT, [], ["), "{onnx}");
        assert!(!onnx.contains("axis="), "{onnx}");
    }

    #[test]
    fn onnx_initializers() {
        let p = report(Convention::Onnxruntime, |o| o.spec.scheme = Scheme::Symmetric);
        let onnx = p.to_onnx();
        assert!(onnx.contains("y_scale = helper.make_tensor(\"conv1.weight_scale\", TensorProto.FLOAT, [2], ["), "{onnx}");
        assert!(onnx.contains("TensorProto.INT8, [2], [0, 0])"), "{onnx}");
        assert!(onnx.contains("axis=0)"), "{onnx}");
        // onnxruntime's symmetric int8 range is [-127, 127]: saturation is the full range.
        assert!(onnx.contains("saturates to INT8's [-128, 127]; the parameters were computed for [-127, 127]"), "{onnx}");
        for (s, want) in list_after(&onnx, "TensorProto.FLOAT, [2],").iter().zip(&p.scales) {
            assert_eq!(s.parse::<f32>().unwrap().to_bits(), (*want as f32).to_bits());
        }
    }

    #[test]
    fn textbook_scales_are_float64_and_zero_points_outside_the_type_are_said() {
        let p = Params::of(&tools::tensor("0.88, 1.44, 1.1", &ToolOptions::default()).unwrap());
        assert!(!p.float32());
        let torch = p.to_torch();
        assert!(torch.contains("dtype=torch.float64"), "{torch}");
        assert!(torch.contains("Zero point -529 lies outside torch.qint8's [-128, 127]"), "{torch}");
        let s = list_after(&torch, "scales = torch.tensor(")[0];
        assert_eq!(s.parse::<f64>().unwrap(), p.scales[0]);
        assert!(p.to_onnx().contains("rounded to the nearest float32"));
    }

    #[test]
    fn other_bit_widths() {
        let p = report(Convention::Pytorch, |o| o.spec.dtype = "int4".parse().unwrap());
        assert!(p.to_torch().contains("fake_quantize_per_channel_affine(w, scales.float(), zero_points.int(), 0, -8, 7)"));
        assert!(p.to_onnx().contains("TensorProto.INT4"));
    }
}
