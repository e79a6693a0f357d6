#!/usr/bin/env python3
"""`quantscope compare` with five formats against one format, and against a NumPy version of the same work.

On the llama-shaped BF16 benchmark file (bench/make_llama.py, 444 MB), times (best of --repeat, wall and CPU):
  - `quantscope compare FILE --formats q8_0,q5_1,q4_0,mxfp4,nf4 --format json` (release build);
  - a single-format pass over the same file: `quantscope file FILE --preset q4_0 --format json` when the
    binary has it, and `quantscope compare FILE --formats q4_0` (the same reading, one format);
  - `quantscope file FILE --format json` (the default int8 per-channel + per-tensor analysis);
  - the NumPy version below: every 2-D tensor read with NumPy, each of the five formats computed with
    whole-array operations following docs/formats.md (GGUF Q8_0/Q5_1/Q4_0 with float16-rounded scales, OCP
    MXFP4 with an E8M0 scale and round-to-nearest-even E2M1, bitsandbytes NF4 with its lower-tie rule), and its
    MSE per tensor and format checked against quantscope's (the largest relative difference is printed).
The issue's bar: compare with five formats at most 3x one format's time. Prints one JSON line.

Usage: python3 bench/compare_bench.py [FILE] [--repeat 3] [--skip-numpy] [--exe BINARY [--exe BINARY2]]
(--exe: time this quantscope binary instead of building one; twice: an A/B run, the rounds alternating the two
binaries, each keeping its best wall and best CPU time, and whether their compare JSON is byte for byte the same)
"""
import argparse
import json
import os
import resource
import struct
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = os.path.join(ROOT, "bench", "output", "llama_bf16.safetensors")
FORMATS = ["q8_0", "q5_1", "q4_0", "mxfp4", "nf4"]

NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                0.7229568362236023, 1.0], dtype=np.float32)
NF4_MID = ((NF4[:-1] + NF4[1:]) / np.float32(2)).astype(np.float32)
E2M1 = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0], dtype=np.float32)
E2M1_MID = ((E2M1[:-1] + E2M1[1:]) / np.float32(2)).astype(np.float32)


def tensors(path):
    """(name, float32 2-D array) of every 2-D-or-more float tensor of a .safetensors file, NumPy alone."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    kinds = {"F32": "<f4", "F16": "<f2", "BF16": "<u2"}
    for name, t in header.items():
        if name == "__metadata__" or t["dtype"] not in kinds or len(t["shape"]) < 2:
            continue
        start, end = t["data_offsets"]
        raw = data[start:end].view(kinds[t["dtype"]])
        values = (raw.astype(np.uint32) << 16).view(np.float32) if t["dtype"] == "BF16" else raw.astype(np.float32)
        yield name, values.reshape(-1, t["shape"][-1])


def f16(v):
    return v.astype(np.float16).astype(np.float32)


def safe_inverse(d):
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        inv = np.float32(1) / d
    return np.where(d == 0, np.float32(0), inv).astype(np.float32)


def q8_0(b):
    amax = np.abs(b).max(axis=1, keepdims=True)
    d = (amax / np.float32(127)).astype(np.float32)
    v = b * safe_inverse(d)
    code = np.copysign(np.floor(np.abs(v) + np.float32(0.5)), v)
    return code * f16(d)


def q4_0(b):
    first = np.abs(b).argmax(axis=1)
    mx = np.take_along_axis(b, first[:, None], axis=1)
    d = (mx / np.float32(-8)).astype(np.float32)
    code = np.minimum(np.float32(15), np.trunc(b * safe_inverse(d) + np.float32(8.5)))
    return (code - np.float32(8)) * f16(d)


def q5_1(b):
    mn = b.min(axis=1, keepdims=True)
    mx = b.max(axis=1, keepdims=True)
    d = ((mx - mn) / np.float32(31)).astype(np.float32)
    code = np.minimum(np.float32(31), np.trunc((b - mn) * safe_inverse(d) + np.float32(0.5)))
    return f16(d) * code + f16(mn)


def mxfp4(b):
    amax = np.abs(b).max(axis=1, keepdims=True)
    exponent = ((amax.view(np.uint32) >> 23) & 0xFF).astype(np.int32) - 127
    scale = np.ldexp(np.float32(1), np.clip(exponent - 2, -127, 127)).astype(np.float32)
    a = np.minimum(np.abs(b / scale), np.float32(6))
    lo = np.searchsorted(E2M1_MID, a, side="left")
    hi = np.searchsorted(E2M1_MID, a, side="right")
    # A tie (lo != hi) goes to the even mantissa, which is the even index of E2M1.
    idx = np.where((lo != hi) & (lo % 2 == 1), hi, lo)
    return np.copysign(E2M1[idx], b) * scale


def nf4(b):
    absmax = np.abs(b).max(axis=1, keepdims=True)
    r = np.float32(1) / np.maximum(absmax, np.float32(1e-38))
    s = np.clip(b * r, np.float32(-1), np.float32(1))
    return NF4[np.searchsorted(NF4_MID, s, side="left")] * absmax


KERNELS = {"q8_0": (q8_0, 32), "q5_1": (q5_1, 32), "q4_0": (q4_0, 32), "mxfp4": (mxfp4, 32), "nf4": (nf4, 64)}


def numpy_compare(path):
    """{tensor: {format: mse}} for the five formats."""
    out = {}
    for name, rows in tensors(path):
        out[name] = {}
        for fmt in FORMATS:
            kernel, block = KERNELS[fmt]
            if rows.shape[1] % block:
                continue
            b = np.ascontiguousarray(rows).reshape(-1, block)
            err = (kernel(b) - b).astype(np.float64)
            out[name][fmt] = float((err * err).sum() / b.size)
    return out


def run_once(cmd):
    """(wall, CPU: user + system of the child, stdout) of one run, or (None, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return (wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), p.stdout), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-numpy", action="store_true")
    ap.add_argument("--exe", action="append",
                    help="a quantscope binary to time (default: build it with cargo); give it twice (old, new) "
                         "for an A/B run: the rounds alternate the binaries, each keeps its best wall and best CPU")
    a = ap.parse_args()
    if not os.path.exists(a.file):
        sys.exit(f"{a.file}: missing (python3 bench/make_llama.py writes it)")
    exes = a.exe or []
    if not exes:
        subprocess.run(["cargo", "build", "-q", "--release", "-p", "quantscope-cli"], cwd=ROOT, check=True)
        exes = [os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "quantscope")]
    runs = {
        "compare_5": ["compare", a.file, "--formats", ",".join(FORMATS), "--format", "json"],
        "compare_1_q4_0": ["compare", a.file, "--formats", "q4_0", "--format", "json"],
        "file_preset_q4_0": ["file", a.file, "--preset", "q4_0", "--format", "json"],
        "file_default": ["file", a.file, "--format", "json"],
    }
    result = {"file": os.path.basename(a.file), "bytes": os.path.getsize(a.file), "cores": os.cpu_count(),
              "load_before": [round(v, 2) for v in os.getloadavg()]}
    best = {exe: {} for exe in exes}
    compare_json = {}
    for _ in range(a.repeat):
        for exe in exes:
            for key, args in runs.items():
                got, error = run_once([exe] + args)
                slot = best[exe].setdefault(key, {})
                if got is None:
                    slot["error"] = error[:200]
                    continue
                wall, cpu, out = got
                slot["wall_s"] = round(min(wall, slot.get("wall_s", wall)), 3)
                slot["cpu_s"] = round(min(cpu, slot.get("cpu_s", cpu)), 3)
                if key == "compare_5":
                    compare_json[exe] = out
    result["load_after"] = [round(v, 2) for v in os.getloadavg()]
    for exe in exes:
        r = best[exe]
        for single in ["file_preset_q4_0", "compare_1_q4_0"]:
            if "wall_s" in r.get(single, {}) and "wall_s" in r.get("compare_5", {}):
                r[f"ratio_5_to_{single}"] = round(r["compare_5"]["wall_s"] / r[single]["wall_s"], 2)
                r[f"cpu_ratio_5_to_{single}"] = round(r["compare_5"]["cpu_s"] / r[single]["cpu_s"], 2)
    if len(exes) == 1:
        result.update(best[exes[0]])
    else:
        result["exes"] = best
        outputs = list(compare_json.values())
        result["compare_5_json_identical"] = len(outputs) == len(exes) and all(o == outputs[0] for o in outputs)
    if not a.skip_numpy:
        t0 = time.perf_counter()
        mse = numpy_compare(a.file)
        result["numpy_5"] = {"wall_s": round(time.perf_counter() - t0, 3)}
        worst = 0.0
        ours_json = json.loads(compare_json[exes[-1]]) if exes[-1] in compare_json else None
        for t in ours_json["tensors"] if ours_json else []:
            for r in t["results"]:
                ours, theirs = r.get("mse"), mse.get(t["name"], {}).get(r["format"])
                if ours is not None and theirs is not None and theirs > 0:
                    worst = max(worst, abs(ours - theirs) / theirs)
        result["numpy_mse_max_relative_difference"] = worst
    print(json.dumps(result))


if __name__ == "__main__":
    main()
