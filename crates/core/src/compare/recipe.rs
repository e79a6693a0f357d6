//! # A plan in the files other tools read
//!
//! - [`llama_tensor_types`]: the file `llama-quantize --tensor-type-file FILE` reads (llama.cpp,
//!   `tools/quantize/quantize.cpp`, `parse_tensor_type_file`): tokens `PATTERN=TYPE` separated by
//!   spaces or newlines, nothing else (no comments: every token must contain `=`). llama.cpp
//!   lower-cases the pattern, searches it as a regular expression in each tensor's GGUF name
//!   (`std::regex_search`, the last match wins) and reads TYPE by `ggml_type_name`,
//!   case-insensitively. Each tensor is written as `^name$` with its dots escaped, under its GGUF
//!   name (Hugging Face llama-family names are translated: `model.layers.3.self_attn.q_proj.weight`
//!   is `blk.3.attn_q.weight`).
//! - [`llmcompressor_recipe`]: an llm-compressor recipe (YAML), one `QuantizationModifier` whose
//!   `config_groups` each hold the modules of one format with its weight `QuantizationArgs`
//!   (compressed-tensors `quant_args.py`: `num_bits`, `type`, `symmetric`, `strategy`,
//!   `group_size`, `dynamic`), and `ignore` listing the 2-D weights kept in their source type.
//!
//! A tensor whose format the target tool lacks, or whose name it cannot address, is returned in
//! the list of [`Unwritten`] tensors with the reason, never silently dropped.

use super::plan::{Choice, Plan};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// A tensor left out of a recipe, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unwritten {
    /// The tensor.
    pub name: String,
    /// Its planned format.
    pub format: String,
    /// Why the recipe cannot say it.
    pub reason: String,
}

/// A recipe's text and the tensors it leaves out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipe {
    /// The file's text.
    pub text: String,
    /// Tensors it could not express.
    pub unwritten: Vec<Unwritten>,
}

/// llama.cpp's `ggml_type_name` of a format token, when llama.cpp has that format (`mxfp4` is
/// ggml's own MXFP4 type: the same storage, E2M1 values with an E8M0 scale per 32, though
/// llama.cpp's quantizer picks the scale and rounds ties differently, see docs/formats.md §2).
pub fn ggml_type(format: &str) -> Option<&'static str> {
    Some(match format {
        "q8_0" => "q8_0",
        "q4_0" => "q4_0",
        "q4_1" => "q4_1",
        "q5_0" => "q5_0",
        "q5_1" => "q5_1",
        "mxfp4" => "mxfp4",
        "f32" | "F32" => "f32",
        "f16" | "F16" => "f16",
        "bf16" | "BF16" => "bf16",
        _ => return None,
    })
}

/// The GGUF name of a tensor: GGUF names as they are, Hugging Face llama-family names translated
/// (as llama.cpp's `convert_hf_to_gguf.py` names them); `None` for any other name.
pub fn gguf_name(name: &str) -> Option<String> {
    const TOP: [(&str, &str); 3] = [
        ("model.embed_tokens.weight", "token_embd.weight"),
        ("model.norm.weight", "output_norm.weight"),
        ("lm_head.weight", "output.weight"),
    ];
    const LAYER: [(&str, &str); 9] = [
        ("self_attn.q_proj", "attn_q"),
        ("self_attn.k_proj", "attn_k"),
        ("self_attn.v_proj", "attn_v"),
        ("self_attn.o_proj", "attn_output"),
        ("mlp.gate_proj", "ffn_gate"),
        ("mlp.up_proj", "ffn_up"),
        ("mlp.down_proj", "ffn_down"),
        ("input_layernorm", "attn_norm"),
        ("post_attention_layernorm", "ffn_norm"),
    ];
    if name.starts_with("blk.") || ["token_embd.", "output.", "output_norm."].iter().any(|p| name.starts_with(p)) {
        return Some(name.to_string());
    }
    if let Some(&(_, g)) = TOP.iter().find(|(hf, _)| *hf == name) {
        return Some(g.to_string());
    }
    let rest = name.strip_prefix("model.layers.")?;
    let (layer, rest) = rest.split_once('.')?;
    if layer.is_empty() || !layer.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (module, suffix) = rest.rsplit_once('.')?;
    let &(_, g) = LAYER.iter().find(|(hf, _)| *hf == module)?;
    Some(format!("blk.{layer}.{g}.{suffix}"))
}

/// `^name$` with every regular-expression metacharacter escaped.
fn anchored(name: &str) -> String {
    format!("^{}$", regex::escape(name))
}

/// The `--tensor-type-file` of a plan. Kept tensors are not written (llama-quantize keeps 1-D
/// tensors in F32 itself and does not requantize).
pub fn llama_tensor_types(plan: &Plan) -> Recipe {
    let mut text = String::new();
    let mut unwritten = Vec::new();
    for a in plan.assignment.iter().filter(|a| a.choice != Choice::Kept) {
        let Some(ty) = ggml_type(&a.format) else {
            unwritten.push(Unwritten {
                name: a.name.clone(),
                format: a.format.clone(),
                reason: format!("llama.cpp has no {} type", a.format),
            });
            continue;
        };
        let Some(gguf) = gguf_name(&a.name) else {
            unwritten.push(Unwritten {
                name: a.name.clone(),
                format: a.format.clone(),
                reason: "no GGUF name known for this tensor".into(),
            });
            continue;
        };
        let _ = writeln!(text, "{}={ty}", anchored(&gguf.to_ascii_lowercase()));
    }
    Recipe { text, unwritten }
}

/// The weight `QuantizationArgs` of a format token (the canonical tokens of
/// [`crate::format::Format`]'s `Display`), as YAML flow-mapping entries.
fn compressed_tensors_args(format: &str) -> Result<String, &'static str> {
    let fields: Vec<&str> = format.split(':').collect();
    // int4 / int8 (symmetric) and int4-affine / int8-affine, PyTorch-style.
    let int = |s: &str| {
        let (bits, symmetric) = match s.strip_suffix("-affine") {
            Some(b) => (b, false),
            None => (s, true),
        };
        bits.strip_prefix("int").and_then(|b| b.parse::<u32>().ok()).map(|b| (b, symmetric))
    };
    match fields.as_slice() {
        ["nvfp4"] => Ok("num_bits: 4, type: float, symmetric: true, strategy: tensor_group, group_size: 16, dynamic: false".into()),
        ["fp8-e4m3", "per-channel"] => Ok("num_bits: 8, type: float, symmetric: true, strategy: channel, dynamic: false".into()),
        ["fp8-e4m3", "per-tensor"] => Ok("num_bits: 8, type: float, symmetric: true, strategy: tensor, dynamic: false".into()),
        [head, "per-channel"] if int(head).is_some() => {
            let (bits, symmetric) = int(head).unwrap_or((8, true));
            Ok(format!("num_bits: {bits}, type: int, symmetric: {symmetric}, strategy: channel, dynamic: false"))
        }
        [head, "per-group", size] if int(head).is_some() => {
            let (bits, symmetric) = int(head).unwrap_or((4, true));
            Ok(format!("num_bits: {bits}, type: int, symmetric: {symmetric}, strategy: group, group_size: {size}, dynamic: false"))
        }
        [head, "per-tensor"] if int(head).is_some() => {
            let (bits, symmetric) = int(head).unwrap_or((8, true));
            Ok(format!("num_bits: {bits}, type: int, symmetric: {symmetric}, strategy: tensor, dynamic: false"))
        }
        ["mxfp4"] | ["mxfp8-e4m3"] => Err(
            "its E8M0 scale (scale_dtype torch.uint8) has no spelling in a YAML config group: use the preset scheme MXFP4A16 / MXFP8A16",
        ),
        _ => Err("compressed-tensors has no such weight format"),
    }
}

/// A YAML double-quoted string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The llm-compressor recipe of a plan. Module names are the tensor names without `.weight`
/// (llm-compressor targets modules by name); a tensor without that suffix cannot be targeted.
pub fn llmcompressor_recipe(plan: &Plan) -> Recipe {
    let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut ignore = Vec::new();
    let mut unwritten = Vec::new();
    for a in &plan.assignment {
        let module = a.name.strip_suffix(".weight");
        if a.choice == Choice::Kept {
            if let Some(m) = module {
                ignore.push(m.to_string());
            }
            continue;
        }
        let args = match compressed_tensors_args(&a.format) {
            Ok(args) => args,
            Err(reason) => {
                unwritten.push(Unwritten { name: a.name.clone(), format: a.format.clone(), reason: reason.into() });
                continue;
            }
        };
        let Some(module) = module else {
            unwritten.push(Unwritten {
                name: a.name.clone(),
                format: a.format.clone(),
                reason: "not a module's `.weight`: llm-compressor targets modules".into(),
            });
            continue;
        };
        match groups.iter_mut().find(|(f, _, _)| *f == a.format) {
            Some(g) => g.2.push(module.to_string()),
            None => groups.push((a.format.clone(), args, vec![module.to_string()])),
        }
    }
    let mut text = String::new();
    let _ = writeln!(text, "# llm-compressor recipe written by `quantscope plan`: one config group per format.");
    let _ = writeln!(
        text,
        "# {:.4} bits per weight, total squared error {:e} ({}).",
        plan.bits_per_weight,
        plan.total_squared_error,
        if plan.optimal { "optimal" } else { "within the gap bound" }
    );
    let _ = writeln!(text, "quant_stage:");
    let _ = writeln!(text, "  quant_modifiers:");
    let _ = writeln!(text, "    QuantizationModifier:");
    let list = |items: &[String]| items.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(", ");
    let _ = writeln!(text, "      ignore: [{}]", list(&ignore));
    let _ = writeln!(text, "      config_groups:{}", if groups.is_empty() { " {}" } else { "" });
    for (i, (format, args, modules)) in groups.iter().enumerate() {
        let _ = writeln!(text, "        group_{i}:  # {format}");
        let _ = writeln!(text, "          targets: [{}]", list(modules));
        let _ = writeln!(text, "          weights: {{{args}}}");
    }
    Recipe { text, unwritten }
}

#[cfg(test)]
mod tests {
    use super::super::plan::{plan, Budget, PlanOptions, EXACT_LIMIT};
    use super::super::tests::tensor;
    use super::super::CompareReport;
    use super::*;

    #[test]
    fn gguf_names() {
        assert_eq!(gguf_name("model.layers.12.self_attn.o_proj.weight").as_deref(), Some("blk.12.attn_output.weight"));
        assert_eq!(gguf_name("model.layers.0.mlp.down_proj.weight").as_deref(), Some("blk.0.ffn_down.weight"));
        assert_eq!(gguf_name("lm_head.weight").as_deref(), Some("output.weight"));
        assert_eq!(gguf_name("blk.3.attn_q.weight").as_deref(), Some("blk.3.attn_q.weight"));
        assert_eq!(gguf_name("model.layers.x.mlp.up_proj.weight"), None);
        assert_eq!(gguf_name("vision.patch_embed.weight"), None);
    }

    fn sample_plan() -> Plan {
        let formats = ["q4_0", "nf4", "int4:per-group:128"];
        let t = |name: &str, sse: [f64; 3]| {
            tensor(name, 256, &[(formats[0], Some((4.5, sse[0]))), (formats[1], Some((4.5, sse[1]))), (formats[2], Some((4.5, sse[2])))])
        };
        let mut norm = tensor("model.norm.weight", 256, &[(formats[0], None), (formats[1], None), (formats[2], None)]);
        norm.kept = Some("1-D".into());
        let r = CompareReport::new(
            vec![],
            formats.map(String::from).to_vec(),
            vec![
                t("model.layers.0.self_attn.q_proj.weight", [1.0, 2.0, 3.0]),
                t("model.layers.0.mlp.down_proj.weight", [3.0, 1.0, 2.0]),
                t("model.layers.0.mlp.up_proj.weight", [3.0, 2.0, 1.0]),
                t("lm_head.weight", [1.0, 2.0, 3.0]),
                norm,
            ],
        );
        plan(&r, &PlanOptions { formats: vec![], budget: Budget::BitsPerWeight(16.0), pins: vec![], exact_limit: EXACT_LIMIT }).unwrap()
    }

    #[test]
    fn tensor_type_file() {
        let r = llama_tensor_types(&sample_plan());
        assert_eq!(r.text, "^blk\\.0\\.attn_q\\.weight$=q4_0\n^output\\.weight$=q4_0\n");
        let reasons: Vec<(&str, &str)> = r.unwritten.iter().map(|u| (u.name.as_str(), u.format.as_str())).collect();
        assert_eq!(reasons, [("model.layers.0.mlp.down_proj.weight", "nf4"), ("model.layers.0.mlp.up_proj.weight", "int4:per-group:128")]);
        assert!(r.text.split_whitespace().all(|token| token.contains('=')));
    }

    #[test]
    fn llmcompressor() {
        let r = llmcompressor_recipe(&sample_plan());
        assert!(r.text.contains("ignore: [\"model.norm\"]"), "{}", r.text);
        assert!(r.text.contains("targets: [\"model.layers.0.mlp.up_proj\"]"), "{}", r.text);
        assert!(r.text.contains("symmetric: true, strategy: group, group_size: 128"), "{}", r.text);
        assert_eq!(
            compressed_tensors_args("int4-affine:per-group:32").unwrap(),
            "num_bits: 4, type: int, symmetric: false, strategy: group, group_size: 32, dynamic: false"
        );
        assert!(compressed_tensors_args("int8:per-channel").unwrap().contains("strategy: channel"));
        assert!(compressed_tensors_args("q4_0").is_err());
        assert_eq!(r.unwritten.len(), 3, "{:?}", r.unwritten);
    }
}
