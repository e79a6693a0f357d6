#!/usr/bin/env python3
"""quantscope native on a real weight file vs the NumPy baseline, with peak memory.

Writes one float32 tensor [rows, cols] (normal, seeded) as .safetensors (safetensors package) under
bench/output/, then runs, on the same machine:
  - `quantscope file FILE --convention pytorch --format json` (release build) under
    /usr/bin/time -v: wall time and peak RSS of loading + per-channel and per-tensor analysis;
  - bench/numpy_baseline.py --rows R --cols C (the per-channel analysis only, data already in memory).
The quantscope run does more work (it reads the file, and runs the per-tensor analysis too).

Usage: python3 bench/file_bench.py [--rows 10000] [--cols 10000] [--calibration minmax]
  (100 M elements: --rows 10000 --cols 10000, 400 MB; 300 MB: --rows 8660 --cols 8660)
Prints one JSON line.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--cols", type=int, default=10000)
    ap.add_argument("--calibration", default="minmax")
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    a = ap.parse_args()
    out = os.path.join(ROOT, "bench", "output")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"w_{a.rows}x{a.cols}.safetensors")
    if not os.path.exists(path):
        rng = np.random.default_rng(0)
        w = rng.standard_normal((a.rows, a.cols), dtype=np.float32)
        save_file({"w": w}, path)
        del w
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "quantscope-cli"], cwd=ROOT, check=True)
    exe = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "quantscope")
    cmd = ["/usr/bin/time", "-v", exe, "file", path, "--convention", "pytorch", "--format", "json", "--calibration", a.calibration]
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
        rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
        if best is None or wall < best[0]:
            best = (wall, rss_kb)
    np_run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", "numpy_baseline.py"), "--rows", str(a.rows), "--cols", str(a.cols), "--repeat", "3"],
        capture_output=True, text=True, check=True,
    )
    numpy = json.loads(np_run.stdout.strip().splitlines()[-1])
    size = os.path.getsize(path)
    print(json.dumps({
        "elements": a.rows * a.cols,
        "file_bytes": size,
        "calibration": a.calibration,
        "quantscope_file_s": round(best[0], 3),
        "quantscope_peak_rss_mb": round(best[1] / 1024, 1),
        "rss_over_file": round(best[1] * 1024 / size, 2),
        "numpy": numpy,
    }))
    if not a.keep:
        os.remove(path)


if __name__ == "__main__":
    main()
