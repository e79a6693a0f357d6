#!/usr/bin/env python3
"""A straightforward NumPy implementation of quantscope's per-channel analysis, for the README's ratio.

Same data shape and the same work as the criterion benchmark `analysis_4096x4096_f32/pytorch/affine`:
per-channel min/max -> PyTorch-style affine scale/zero point (float32, eps, zero forced into the range)
-> quantize (x * (1/s), round half to even, clamp) -> dequantize -> MSE, SQNR, max error, MAE, clip count.
Written the way a NumPy user would write it (vectorized, whole-array temporaries).

Usage: python3 bench/numpy_baseline.py [--rows 4096] [--cols 4096] [--repeat 5] [--data FILE.f32]
(--data: raw little-endian float32 values, rows x cols, as bench/perf_table.py writes them; otherwise
seeded normal values with a spread per row). Prints one JSON line with the best time.

With --file X.safetensors it does what `quantscope file X` does with its default options (or with
`--convention pytorch`) on every tensor of the file, read with NumPy alone (bfloat16 widened through
its bits): per-channel (axis 0) and per-tensor int8 scale/zero point, quantize, dequantize, MSE, SQNR
and clip count; the time is the whole file's, read included (best of --repeat):
  python3 bench/numpy_baseline.py --file bench/output/llama_bf16.safetensors [--convention textbook|pytorch]
"""
import argparse
import json
import struct
import time

import numpy as np


def analyse(w: np.ndarray, qmin: int = -128, qmax: int = 127):
    eps = np.finfo(np.float32).eps
    mn = np.minimum(w.min(axis=1), 0).astype(np.float32)
    mx = np.maximum(w.max(axis=1), 0).astype(np.float32)
    scale = np.maximum((mx - mn) / np.float32(qmax - qmin), eps).astype(np.float32)
    zp = np.clip(qmin - np.round(mn / scale), qmin, qmax).astype(np.float32)
    inv = (np.float32(1.0) / scale)[:, None]
    raw = np.round(w * inv) + zp[:, None]
    q = np.clip(raw, qmin, qmax)
    clipped = (raw != q).sum(axis=1)
    deq = (q - zp[:, None]) * scale[:, None]
    err = (deq - w).astype(np.float64)
    x64 = w.astype(np.float64)
    se = (err * err).sum(axis=1)
    mse = se / w.shape[1]
    sqnr = 10 * np.log10((x64 * x64).sum(axis=1) / se)
    mae = np.abs(err).mean(axis=1)
    maxe = np.abs(err).max(axis=1)
    return scale, zp, mse, sqnr, mae, maxe, clipped


def weights(rows: int, cols: int) -> np.ndarray:
    """Seeded normal values, a different spread per row like real weights."""
    rng = np.random.default_rng(0)
    spread = (0.01 + (np.arange(rows) % 17) * 0.05).astype(np.float32)[:, None]
    return (rng.standard_normal((rows, cols), dtype=np.float32) * spread).astype(np.float32)


def analyse_textbook(w: np.ndarray, qmin: int = -128, qmax: int = 127):
    """The textbook convention (quantscope's default): float64 arithmetic, the range as it is (zero not
    forced in), s = (max - min) / (qmax - qmin) (1 for an empty range), z = round(qmin - min / s) not
    clamped, q = clamp(round(x / s) + z), rounding half away from zero."""
    x = w.astype(np.float64)
    mn = x.min(axis=1)
    mx = x.max(axis=1)
    scale = (mx - mn) / (qmax - qmin)
    scale[scale == 0] = 1.0

    def round_away(v):
        return np.copysign(np.floor(np.abs(v) + 0.5), v)

    zp = round_away(qmin - mn / scale)
    raw = round_away(x / scale[:, None]) + zp[:, None]
    q = np.clip(raw, qmin, qmax)
    clipped = (raw != q).sum(axis=1)
    err = (q - zp[:, None]) * scale[:, None] - x
    se = (err * err).sum(axis=1)
    mse = se / w.shape[1]
    sqnr = 10 * np.log10((x * x).sum(axis=1) / se)
    return scale, zp, mse, sqnr, clipped


DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "BF16": "<u2"}


def safetensors_tensors(path: str):
    """(name, float32 array) of every float tensor of a .safetensors file, read with NumPy alone."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    for name, t in header.items():
        if name == "__metadata__" or t["dtype"] not in DTYPES:
            continue
        start, end = t["data_offsets"]
        raw = data[start:end].view(DTYPES[t["dtype"]])
        if t["dtype"] == "BF16":
            values = (raw.astype(np.uint32) << 16).view(np.float32)
        else:
            values = raw.astype(np.float32)
        yield name, values.reshape(t["shape"] or [1])


def analyse_file(path: str, convention: str):
    """Per-channel (axis 0) and per-tensor analysis of every tensor; returns {name: (pc SQNRs, pt SQNR)}."""
    out = {}
    # A channel whose values all quantize exactly has an infinite SQNR (a division by zero).
    with np.errstate(divide="ignore", invalid="ignore"):
        for name, w in safetensors_tensors(path):
            rows = w.reshape(w.shape[0], -1)
            method = analyse_textbook if convention == "textbook" else analyse
            out[name] = (method(rows)[3], method(rows.reshape(1, -1))[3])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=4096)
    ap.add_argument("--cols", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--data")
    ap.add_argument("--file", help="a .safetensors file: analyse every tensor as `quantscope file` does")
    ap.add_argument("--convention", choices=["textbook", "pytorch"], default="textbook")
    args = ap.parse_args()
    if args.file:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            tensors = analyse_file(args.file, args.convention)
            times.append(time.perf_counter() - t)
        print(json.dumps({
            "impl": "numpy", "numpy": np.__version__, "file": args.file, "convention": args.convention,
            "tensors": len(tensors), "best_s": round(min(times), 4), "median_s": round(sorted(times)[len(times) // 2], 4),
        }))
        return
    if args.data:
        w = np.fromfile(args.data, dtype="<f4").reshape(args.rows, args.cols)
    else:
        w = weights(args.rows, args.cols)
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        analyse(w)
        times.append(time.perf_counter() - t)
    best = min(times)
    print(json.dumps({
        "impl": "numpy", "numpy": np.__version__, "rows": args.rows, "cols": args.cols,
        "best_s": round(best, 4), "median_s": round(sorted(times)[len(times) // 2], 4),
        "elements_per_s": round(args.rows * args.cols / best),
        "bytes_per_s": round(args.rows * args.cols * 4 / best),
    }))


if __name__ == "__main__":
    main()
