#!/usr/bin/env python3
"""Reference calibration ranges for crates/core/tests/calibration.rs.

    pip install onnxruntime onnx numpy
    python3 crates/core/tests/data/calibration.py crates/core/tests/data/calibration.json

Inputs: fixed float32 vectors (seeded generator, written into the JSON so the Rust test reads the
very same values). Outputs, per input:

- percentile (affine and symmetric, 99.999 and 99.9) and entropy: ONNX Runtime's own
  `HistogramCollector` (onnxruntime.quantization.calibrate), called directly with a name->array dict;
  entropy with num_bins=2048 (TensorRT's; ORT's default 128 equals num_quantized_bins and leaves one
  candidate, the full range) and num_quantized_bins=128.
- moving average: ONNX Runtime's own `MinMaxCalibrater.merge_range` with moving_average=True,
  averaging_constant=0.01, fed one batch (row) at a time; and PyTorch's
  `MovingAverageMinMaxObserver.forward` recurrence reimplemented below from its documented formula
  (torch is too large to install here): both must agree.
- mse: NVIDIA pytorch-quantization / ModelOpt `HistogramCalibrator.compute_amax("mse")`
  (`_compute_amax_mse`, start_bin=128, stride=1, narrow-range signed fake quantization) reimplemented
  below in NumPy (torch is not installable here): |x| histogram with numpy.histogram instead of
  torch.histc, the MSE summed in float64.
"""
import json
import sys
import types

import numpy as np
import onnxruntime
from onnxruntime.quantization.calibrate import HistogramCollector, MinMaxCalibrater


def inputs():
    rng = np.random.default_rng(20240607)
    normal = rng.normal(0.0, 1.0, 3000).astype(np.float32)
    heavy = rng.standard_t(3, 3000).astype(np.float32)  # heavy tails: the methods differ
    skewed = (rng.exponential(0.5, 2000) - 0.2).astype(np.float32)
    outlier = np.concatenate([rng.uniform(-1, 1, 2000), [25.0]]).astype(np.float32)
    small = np.array([-1.25, -0.92, 0.14, 0.79, 1.46, 0.0, 0.33, -0.5], dtype=np.float32)
    rows = rng.normal(0.0, 1.0, (16, 64)).astype(np.float32) * np.linspace(0.5, 2.0, 16, dtype=np.float32)[:, None]
    return {"normal": normal, "heavy": heavy, "skewed": skewed, "outlier": outlier, "small": small, "rows": rows}


def histogram_method(arr, method, symmetric, num_bins, percentile=99.999, num_quantized_bins=128):
    c = HistogramCollector(method, symmetric, num_bins, num_quantized_bins, percentile, "same")
    c.collect({"t": arr.reshape(-1)})
    result = c.compute_collection_result()["t"]
    return [float(result[0]), float(result[1])]


def moving_average_ort(rows):
    fake = types.SimpleNamespace(moving_average=True, averaging_constant=0.01)
    state = {}
    for row in rows:
        new = {"t": (np.min(row), np.max(row))}
        state = MinMaxCalibrater.merge_range(fake, state, new)
    return [float(state["t"][0]), float(state["t"][1])]


def moving_average_torch(rows, c=0.01):
    """torch.ao.quantization.MovingAverageMinMaxObserver.forward, float32:
    first batch min/max, then min += c * (min(x) - min), max += c * (max(x) - max)."""
    lo = hi = None
    c = np.float32(c)
    for row in rows:
        x_min, x_max = np.min(row), np.max(row)
        if lo is None:
            lo, hi = x_min, x_max
        else:
            lo = lo + c * (x_min - lo)
            hi = hi + c * (x_max - hi)
    return [float(lo), float(hi)]


def mse_amax(arr, num_bits=8, num_bins=2048, start_bin=128):
    """pytorch_quantization.calib.histogram._compute_amax_mse on the |x| histogram."""
    x = np.abs(arr.reshape(-1))
    x_max = x.max()
    counts, edges = np.histogram(x, bins=num_bins, range=(np.float32(0), x_max))
    centers = (edges[1:] + edges[:-1]) / np.float32(2)
    bound = np.float32(2.0 ** (num_bits - 1) - 1)
    best = None
    for i in range(start_bin, len(centers)):
        amax = centers[i]
        scale = bound / amax
        q = np.clip(np.round(centers * scale), -bound, bound) / scale
        mse = float((((q - centers).astype(np.float64)) ** 2 * counts).mean())
        if best is None or mse < best[0]:
            best = (mse, amax)
    amax = best[1]
    lo, hi = arr.min(), arr.max()
    return [float(max(lo, -amax)), float(min(hi, amax))]


def main():
    cases = []
    for name, arr in inputs().items():
        flat = arr.reshape(-1)
        rows = arr if arr.ndim == 2 else flat[: len(flat) // 8 * 8].reshape(-1, 8)
        ma_ort = moving_average_ort(rows)
        ma_torch = moving_average_torch(rows)
        assert ma_ort == ma_torch, (name, ma_ort, ma_torch)
        cases.append(
            {
                "name": name,
                "values": [float(str(v)) for v in flat],  # shortest float32 repr: read back as f32 exactly
                "batch": rows.shape[1],
                "minmax": [float(flat.min()), float(flat.max())],
                "moving_average": ma_ort,
                "percentile_affine": histogram_method(flat, "percentile", False, 2048),
                "percentile_symmetric": histogram_method(flat, "percentile", True, 2048),
                "percentile_99_9_affine": histogram_method(flat, "percentile", False, 2048, percentile=99.9),
                "percentile_99_9_symmetric": histogram_method(flat, "percentile", True, 2048, percentile=99.9),
                "entropy": histogram_method(flat, "entropy", False, 2048, num_quantized_bins=128),
                "mse_8bit": mse_amax(flat, 8),
                "mse_4bit": mse_amax(flat, 4),
            }
        )
    out = {
        "generator": "crates/core/tests/data/calibration.py",
        "onnxruntime": onnxruntime.__version__,
        "numpy": np.__version__,
        "cases": cases,
    }
    # ONNX Runtime prints progress on stdout: the JSON goes to the file named on the command line.
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
