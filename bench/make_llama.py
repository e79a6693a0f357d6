#!/usr/bin/env python3
"""Writes the llama-shaped benchmark file: a BF16 .safetensors of 33 tensors, 222,050,496 weights (444.1 MB).

Deterministic: the same bytes on every run and machine for a given NumPy (each tensor draws from its own
`numpy.random.default_rng([SEED, index])`, PCG64); `--sha256` prints the file's digest to compare. Written with
NumPy only (BF16 as uint16 bits, float32 rounded to nearest even), so no benchmark needs torch.

Shapes (a 3-layer llama with full multi-head attention; hidden 2048, intermediate 5632, head dim 128, vocab 16576):

| tensor (x 3 layers for `model.layers.N.*`)   | shape         | weights     |
|----------------------------------------------|---------------|-------------|
| model.embed_tokens.weight                    | [16576, 2048] |  33,947,648 |
| self_attn.{q,k,v,o}_proj.weight              | [2048, 2048]  |   4,194,304 each |
| self_attn.rotary_emb.inv_freq                | [64]          |          64 |
| mlp.{gate,up}_proj.weight                    | [5632, 2048]  |  11,534,336 each |
| mlp.down_proj.weight                         | [2048, 5632]  |  11,534,336 |
| {input,post_attention}_layernorm.weight      | [2048]        |       2,048 each |
| model.norm.weight                            | [2048]        |       2,048 |
| lm_head.weight                               | [16576, 2048] |  33,947,648 |

3 x 10 layer tensors + 3 = 33 tensors; 3 x 51,384,384 + 2 x 33,947,648 + 2,048 = 222,050,496 weights
(444,104,768 bytes with the header).

Values: linear weights and embeddings N(0, 0.02), with a few outlier channels as real checkpoints have them:
4 output rows x 8 and 2 input columns x 16 per linear weight (they are what per-channel quantization helps with and
what per-tensor quantization suffers from); norms 1 + N(0, 0.05); inv_freq = 10000^(-2i/128) (not random).

Usage: python3 bench/make_llama.py [OUT] [--sha256]   (OUT default: bench/output/llama_bf16.safetensors;
an existing file of the right size is kept).
"""
import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "bench", "output", "llama_bf16.safetensors")
SEED = 20251
HIDDEN, INTERMEDIATE, LAYERS, VOCAB, HEAD_DIM = 2048, 5632, 3, 16576, 128
STD = 0.02


def layout():
    """(name, shape, kind) in file order: kind is "linear", "embedding", "norm" or "inv_freq"."""
    tensors = [("model.embed_tokens.weight", (VOCAB, HIDDEN), "embedding")]
    for n in range(LAYERS):
        p = f"model.layers.{n}."
        for proj in "qkvo":
            tensors.append((f"{p}self_attn.{proj}_proj.weight", (HIDDEN, HIDDEN), "linear"))
        tensors.append((f"{p}self_attn.rotary_emb.inv_freq", (HEAD_DIM // 2,), "inv_freq"))
        tensors.append((f"{p}mlp.gate_proj.weight", (INTERMEDIATE, HIDDEN), "linear"))
        tensors.append((f"{p}mlp.up_proj.weight", (INTERMEDIATE, HIDDEN), "linear"))
        tensors.append((f"{p}mlp.down_proj.weight", (HIDDEN, INTERMEDIATE), "linear"))
        tensors.append((f"{p}input_layernorm.weight", (HIDDEN,), "norm"))
        tensors.append((f"{p}post_attention_layernorm.weight", (HIDDEN,), "norm"))
    tensors.append(("model.norm.weight", (HIDDEN,), "norm"))
    tensors.append(("lm_head.weight", (VOCAB, HIDDEN), "embedding"))
    return tensors


def bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits, rounded to nearest even (what torch's `.to(torch.bfloat16)` does; no NaN here)."""
    u = x.astype(np.float32).view(np.uint32)
    return ((u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)).astype("<u2")


def values(index: int, shape, kind: str) -> np.ndarray:
    rng = np.random.default_rng([SEED, index])
    if kind == "inv_freq":
        return (10000.0 ** (-np.arange(0, HEAD_DIM, 2, dtype=np.float64) / HEAD_DIM)).astype(np.float32)
    if kind == "norm":
        return (1.0 + 0.05 * rng.standard_normal(shape, dtype=np.float32)).astype(np.float32)
    w = rng.standard_normal(shape, dtype=np.float32)
    w *= np.float32(STD)
    if kind == "linear":
        rows = rng.choice(shape[0], size=4, replace=False)
        cols = rng.choice(shape[1], size=2, replace=False)
        w[rows, :] *= np.float32(8)
        w[:, cols] *= np.float32(16)
    return w


def write(path: str) -> None:
    tensors = layout()
    header, offset = {}, 0
    for name, shape, _ in tensors:
        size = 2 * int(np.prod(shape))
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = {"format": "pt", "generator": "quantscope bench/make_llama.py", "seed": str(SEED)}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as safetensors' writer does
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for index, (name, shape, kind) in enumerate(tensors):
            bf16_bits(values(index, shape, kind)).tofile(f)
    os.replace(tmp, path)


def expected_size() -> int:
    return sum(2 * int(np.prod(shape)) for _, shape, _ in layout())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default=DEFAULT_OUT)
    ap.add_argument("--sha256", action="store_true", help="print the file's SHA-256")
    a = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    # The header's length is fixed by the layout; the data's is checked, a partial file is rewritten.
    if not (os.path.exists(a.out) and os.path.getsize(a.out) > expected_size()):
        write(a.out)
    tensors = layout()
    weights = sum(int(np.prod(s)) for _, s, _ in tensors)
    info = {"path": a.out, "tensors": len(tensors), "weights": weights, "bytes": os.path.getsize(a.out)}
    if a.sha256:
        h = hashlib.sha256()
        with open(a.out, "rb") as f:
            for block in iter(lambda: f.read(1 << 24), b""):
                h.update(block)
        info["sha256"] = h.hexdigest()
    print(json.dumps(info))


if __name__ == "__main__":
    sys.exit(main())
