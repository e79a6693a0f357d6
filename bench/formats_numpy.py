#!/usr/bin/env python3
"""NumPy versions of three block formats (GGUF Q4_0, OCP MXFP4, bitsandbytes NF4), for the ratio
against quantscope's native `compare_rows` / `quantize` (criterion: `cargo bench -p quantscope-core
--bench formats`, group formats_4096x4096_f32).

Each function follows shared/reference/formats.md as a NumPy user would write it: vectorized over all
blocks at once, float32 arithmetic, whole-array temporaries, then the same statistics as the core
(sum of squared errors and signal power in float64, max |error|, clipped count).

Usage: python3 bench/formats_numpy.py [--rows 4096] [--cols 4096] [--repeat 5] [--data FILE.f32]
(--data: raw little-endian float32 values, rows x cols; otherwise seeded normal values with a spread
per row). Prints one JSON line per format with the best wall and CPU times and the statistics.
"""
import argparse
import json
import time

import numpy as np

F32 = np.float32


def stats(x: np.ndarray, xhat: np.ndarray, clipped) -> dict:
    err = xhat.astype(np.float64) - x.astype(np.float64)
    x64 = x.astype(np.float64)
    sse = float((err * err).sum())
    return {
        "mse": sse / x.size,
        "sqnr_db": float(10 * np.log10((x64 * x64).sum() / sse)),
        "max_abs_error": float(np.abs(err).max()),
        "clipped": int(clipped),
    }


def q4_0(w: np.ndarray) -> dict:
    """gguf-py 0.19.0 Q4_0: d = mx / -8 (mx: first element of largest |x|), codes with the float32 d,
    x̂ with f16(d)."""
    b = w.reshape(-1, 32)
    idx = np.abs(b).argmax(axis=1)
    mx = np.take_along_axis(b, idx[:, None], axis=1)
    d = (mx / F32(-8)).astype(F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(d == 0, F32(0), F32(1) / d).astype(F32)
        t = np.trunc(b * inv + F32(8.5))
    t = np.where(np.isfinite(t), t, 0)
    q = np.clip(t, 0, 15)
    dh = d.astype(np.float16).astype(F32)
    xhat = ((q - F32(8)) * dh).astype(F32)
    return stats(b, xhat, (t > 15).sum())


def mxfp4(w: np.ndarray) -> dict:
    """torchao 0.18.0 MXFP4 (FLOOR): e = clamp(E(amax) - 2, -127, 127) from the float32 bits,
    element = RNE E2M1 of x / 2^e (saturating at 6), x̂ = element · 2^e."""
    b = w.reshape(-1, 32)
    amax = np.abs(b).max(axis=1, keepdims=True)
    e = ((amax.view(np.uint32) >> 23) & 0xFF).astype(np.int32) - 127
    e = np.clip(e - 2, -127, 127)
    scale = np.ldexp(F32(1), e).astype(F32)
    v = (b / scale).astype(F32)
    a = np.minimum(np.abs(v), F32(6))
    # E2M1 magnitudes 0, .5, 1, 1.5, 2, 3, 4, 6; ties to the even code.
    index = (
        (a > 0.25).astype(np.int8)
        + (a >= 0.75)
        + (a > 1.25)
        + (a >= 1.75)
        + (a > 2.5)
        + (a >= 3.5)
        + (a > 5.0)
    )
    table = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6], dtype=F32)
    xhat = (np.copysign(table[index], v) * scale).astype(F32)
    return stats(b, xhat, (np.abs(v) > 6).sum())


NF4 = np.array(
    [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
     -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
     0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
     0.7229568362236023, 1.0],
    dtype=F32,
)


def nf4(w: np.ndarray) -> dict:
    """bitsandbytes 0.50.2 NF4, blocks of 64: r = 1 / max(absmax, 1e-38), s = clamp(x·r, -1, 1),
    q = first midpoint >= s (ties to the lower level), x̂ = T[q] · absmax."""
    b = w.reshape(-1, 64)
    absmax = np.abs(b).max(axis=1, keepdims=True)
    r = (F32(1) / np.maximum(absmax, F32(1e-38))).astype(F32)
    v = (b * r).astype(F32)
    s = np.clip(v, F32(-1), F32(1))
    mid = ((NF4[:-1] + NF4[1:]) / F32(2)).astype(F32)
    q = np.searchsorted(mid, s, side="left")
    xhat = (NF4[q] * absmax).astype(F32)
    return stats(b, xhat, (np.abs(v) > 1).sum())


def weights(rows: int, cols: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    spread = (0.01 + (np.arange(rows) % 17) * 0.05).astype(F32)[:, None]
    return (rng.standard_normal((rows, cols), dtype=F32) * spread).astype(F32)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=4096)
    p.add_argument("--cols", type=int, default=4096)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--data", help="raw little-endian float32 values, rows x cols")
    a = p.parse_args()
    if a.data:
        w = np.fromfile(a.data, dtype="<f4").reshape(a.rows, a.cols)
    else:
        w = weights(a.rows, a.cols)
    for name, fn in [("q4_0", q4_0), ("mxfp4", mxfp4), ("nf4", nf4)]:
        best = cpu = float("inf")
        result = None
        for _ in range(a.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            result = fn(w)
            best = min(best, time.perf_counter() - t0)
            cpu = min(cpu, time.process_time() - c0)
        row = {"format": name, "rows": a.rows, "cols": a.cols, "numpy": np.__version__}
        # cpu_ms: this process's CPU time, the fair figure on a shared, loaded machine.
        print(json.dumps({**row, "best_ms": round(best * 1e3, 2), "cpu_ms": round(cpu * 1e3, 2), **result}))


if __name__ == "__main__":
    main()
