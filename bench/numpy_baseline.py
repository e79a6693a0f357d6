#!/usr/bin/env python3
"""A straightforward NumPy implementation of quantscope's per-channel analysis, for the README's ratio.

Same data shape and the same work as the criterion benchmark `analysis_4096x4096_f32/pytorch/affine`:
per-channel min/max -> PyTorch-style affine scale/zero point (float32, eps, zero forced into the range)
-> quantize (x * (1/s), round half to even, clamp) -> dequantize -> MSE, SQNR, max error, MAE, clip count.
Written the way a NumPy user would write it (vectorized, whole-array temporaries).

Usage: python3 bench/numpy_baseline.py [--rows 4096] [--cols 4096] [--repeat 5] [--data FILE.f32]
(--data: raw little-endian float32 values, rows x cols, as bench/perf_table.py writes them; otherwise
seeded normal values with a spread per row). Prints one JSON line with the best time.
"""
import argparse
import json
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=4096)
    ap.add_argument("--cols", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--data")
    args = ap.parse_args()
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
