//! Presets as data: each named format fixes its block size, element type and scale storage, like the
//! conventions in [`crate::spec`]. [`Preset::info`] is the one table the CLI, the page and the docs read.

use super::element::{ElementType, E2M1, E2M3, E3M2, E4M3, E5M2};
use super::scale::ScaleStorage;
use serde::{Deserialize, Serialize};

/// A named block format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Preset {
    /// GGUF Q8_0.
    Q8_0,
    /// GGUF Q4_0.
    Q4_0,
    /// GGUF Q4_1.
    Q4_1,
    /// GGUF Q5_0.
    Q5_0,
    /// GGUF Q5_1.
    Q5_1,
    /// MXFP8 with E4M3 elements.
    Mxfp8E4m3,
    /// MXFP8 with E5M2 elements.
    Mxfp8E5m2,
    /// MXFP6 with E3M2 elements.
    Mxfp6E3m2,
    /// MXFP6 with E2M3 elements.
    Mxfp6E2m3,
    /// MXFP4 (E2M1 elements).
    Mxfp4,
    /// MXINT8.
    Mxint8,
    /// NVFP4.
    Nvfp4,
    /// bitsandbytes NF4.
    Nf4,
    /// bitsandbytes FP4.
    Fp4Bnb,
}

/// What a preset fixes, and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PresetInfo {
    /// The token (`q4_0`, `mxfp4`, ...).
    pub name: &'static str,
    /// Family, for grouping in lists.
    pub family: &'static str,
    /// Values sharing one scale, consecutive along a row.
    pub block_size: usize,
    /// Element type.
    pub element: ElementType,
    /// How the block scale is stored.
    pub scale: ScaleStorage,
    /// The reference implementation (package, version, function).
    pub reference: &'static str,
    /// Who ships weights in it.
    pub used_by: &'static str,
}

const GGUF: &str = "gguf-py 0.19.0 gguf.quants.quantize / dequantize (ggml quantize_row_q*_ref)";
const TORCHAO_MX: &str = "torchao 0.18.0 MXTensor.to_mx(..., block_size=32, ScaleCalculationMode.FLOOR) / dequantize";
const MXINT8: &str = "OCP MX v1.0 spec (microxcaling 7bc4195 _quantize_mx, round=even)";
const NVFP4: &str = "torchao 0.18.0 NVFP4Tensor.to_nvfp4(block_size=16, per_tensor_amax_to_scale) / dequantize";
const BNB: &str = "bitsandbytes 0.50.2 functional.quantize_4bit(blocksize=64, compress_statistics=False) / dequantize_4bit";
const LLAMA: &str = "llama.cpp / GGUF model files";
const MX_USERS: &str = "OCP Microscaling hardware (AMD MI355, NVIDIA Blackwell, Intel), torchao";

impl Preset {
    /// Every preset, in the order lists show them.
    pub const ALL: [Preset; 14] = [
        Preset::Q8_0,
        Preset::Q4_0,
        Preset::Q4_1,
        Preset::Q5_0,
        Preset::Q5_1,
        Preset::Mxfp8E4m3,
        Preset::Mxfp8E5m2,
        Preset::Mxfp6E3m2,
        Preset::Mxfp6E2m3,
        Preset::Mxfp4,
        Preset::Mxint8,
        Preset::Nvfp4,
        Preset::Nf4,
        Preset::Fp4Bnb,
    ];

    /// The preset's data.
    pub fn info(self) -> PresetInfo {
        let gguf = |name, bits: i32, scale| PresetInfo {
            name,
            family: "gguf",
            block_size: 32,
            element: ElementType::Int { min: 0, max: (1 << bits) - 1 },
            scale,
            reference: GGUF,
            used_by: LLAMA,
        };
        let mx = |name, element| PresetInfo {
            name,
            family: "mx",
            block_size: 32,
            element,
            scale: ScaleStorage::E8M0,
            reference: TORCHAO_MX,
            used_by: MX_USERS,
        };
        let bnb = |name, element| PresetInfo {
            name,
            family: "bitsandbytes",
            block_size: 64,
            element,
            scale: ScaleStorage::F32,
            reference: BNB,
            used_by: "bitsandbytes 4-bit loading (QLoRA), Hugging Face transformers load_in_4bit",
        };
        match self {
            Preset::Q8_0 => PresetInfo { element: ElementType::Int { min: -127, max: 127 }, ..gguf("q8_0", 8, ScaleStorage::F16) },
            Preset::Q4_0 => gguf("q4_0", 4, ScaleStorage::F16),
            Preset::Q4_1 => gguf("q4_1", 4, ScaleStorage::F16WithMin),
            Preset::Q5_0 => gguf("q5_0", 5, ScaleStorage::F16),
            Preset::Q5_1 => gguf("q5_1", 5, ScaleStorage::F16WithMin),
            Preset::Mxfp8E4m3 => mx("mxfp8-e4m3", ElementType::Float(E4M3)),
            Preset::Mxfp8E5m2 => mx("mxfp8-e5m2", ElementType::Float(E5M2)),
            Preset::Mxfp6E3m2 => mx("mxfp6-e3m2", ElementType::Float(E3M2)),
            Preset::Mxfp6E2m3 => mx("mxfp6-e2m3", ElementType::Float(E2M3)),
            Preset::Mxfp4 => mx("mxfp4", ElementType::Float(E2M1)),
            Preset::Mxint8 => PresetInfo { reference: MXINT8, ..mx("mxint8", ElementType::Int8Scaled) },
            Preset::Nvfp4 => PresetInfo {
                name: "nvfp4",
                family: "nvfp4",
                block_size: 16,
                element: ElementType::Float(E2M1),
                scale: ScaleStorage::E4M3WithTensorF32,
                reference: NVFP4,
                used_by: "NVIDIA Blackwell (TensorRT-LLM, ModelOpt), torchao",
            },
            Preset::Nf4 => bnb("nf4", ElementType::Nf4),
            Preset::Fp4Bnb => bnb("fp4-bnb", ElementType::Fp4Bnb),
        }
    }

    /// The token.
    pub fn name(self) -> &'static str {
        self.info().name
    }
}
