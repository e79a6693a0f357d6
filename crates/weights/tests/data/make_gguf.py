"""Writes tiny.gguf (and tiny_floats.npz, its float tensors as float32) for the GGUF reader's tests.

Needs gguf-py 0.19.0 (`pip install gguf==0.19.0`) and numpy; the tests only read the committed output.
Run from this directory: python3 make_gguf.py
"""

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

rng = np.random.default_rng(20261202)

w = gguf.GGUFWriter("tiny.gguf", arch="llama")
# Metadata the reader must skip: scalars of every kind, string and nested arrays, and an alignment.
w.add_custom_alignment(64)
w.add_name("tiny test model")
w.add_context_length(128)
w.add_float32("llama.rope.freq_base", 10000.0)
w.add_bool("tokenizer.ggml.add_bos_token", True)
w.add_token_list(["<s>", "</s>", "hello", "wörld"])
w.add_token_scores([0.0, -1.5, -2.25, -3.0])
w.add_array("test.nested", [[1, 2], [3]])
w.add_uint64("test.u64", 2**40)
w.add_int8("test.i8", -3)

floats = {
    "token_embd.weight": rng.standard_normal((8, 64), dtype=np.float32),
    "blk.0.attn_q.weight": rng.standard_normal((4, 64)).astype(np.float16),
    "blk.0.attn_norm.weight": (1 + 0.1 * rng.standard_normal(64)).astype(np.float32),
}
bf16_values = (rng.standard_normal((2, 96)).astype(np.float32).view(np.uint32) & 0xFFFF0000).view(np.float32)
for name, a in floats.items():
    w.add_tensor(name, a)
w.add_tensor("blk.0.ffn_down.weight", (bf16_values.view(np.uint32) >> 16).astype(np.uint16), raw_shape=(2, 96), raw_dtype=T.BF16)
q4 = gguf.quants.quantize(rng.standard_normal((2, 64)).astype(np.float32), T.Q4_0)
w.add_tensor("blk.0.attn_k.weight", q4, raw_dtype=T.Q4_0)
# Q4_K: gguf-py cannot quantize it; the reader only lists it (256 values in 144 bytes per row).
w.add_tensor("blk.0.attn_v.weight", rng.integers(0, 256, (2, 144), dtype=np.uint8), raw_dtype=T.Q4_K)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()

np.savez(
    "tiny_floats.npz",
    **{k: v.astype(np.float32) for k, v in floats.items()},
    **{"blk.0.ffn_down.weight": bf16_values},
)
