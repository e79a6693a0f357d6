#!/usr/bin/env python3
"""The README's performance table: NumPy, quantscope native (one thread and every core), quantscope
wasm (simd128, under Node) and this machine's memory read bandwidth, on the same data and machine.

For each size it writes one float32 tensor (seeded normal values, a spread per row, as
bench/numpy_baseline.py makes them) to bench/output/ as raw little-endian float32, then runs, each in
its own process and timed inside it (best of --repeat after a warm-up), the per-channel analysis
(min/max -> scale/zero point -> quantize -> dequantize -> MSE/SQNR/clip count, PyTorch affine int8):
  - NumPy:  bench/numpy_baseline.py --data FILE
  - native: crates/core/examples/perf.rs (release), under `taskset -c 0` for one thread
  - wasm:   bench/wasm_bench.mjs with bench/output/wasm-on.wasm (built by bench/wasm_bench.sh) under
            Node, and bench/wasm_chromium.mjs with the same file and timing loop in headless Chromium
and each process's peak RSS (/usr/bin/time; for Chromium, whose work is in other processes, the size
of the module's memory). The bandwidth is perf.rs summing a --bandwidth-mib buffer
(default 1 GiB, far beyond the last-level cache) with one thread and with one per core; the text
parsing figure is `perf parse 10` (10 MB of pasted values parsed as a tensor; one thread, and the
two halves of the text on two threads as native builds parse from 1 MiB).

Usage: python3 bench/perf_table.py [--sizes 4096x4096,10000x10000] [--repeat 7] [--json]
Prints the Markdown table (and, with --json, every raw result).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "output")
sys.path.insert(0, os.path.join(ROOT, "bench"))
from numpy_baseline import weights  # noqa: E402  (the same data as the NumPy baseline)


def run(cmd):
    """Runs cmd under /usr/bin/time, returns (last JSON line of its stdout, peak RSS in MiB).

    Not wait4's rusage of our own child: it counts the RSS of this Python (with NumPy) it was forked from.
    """
    rss = os.path.join(OUT, "peak_rss.txt")
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss] + cmd, stdout=subprocess.PIPE, cwd=ROOT, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode})")
    with open(rss) as f:
        kib = int(f.read().split()[-1])
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]), kib / 1024


def build():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "quantscope-core", "--example", "perf"], cwd=ROOT, check=True)
    subprocess.run(["bash", os.path.join(ROOT, "bench", "wasm_bench.sh"), "--build-only"], cwd=ROOT, check=True)
    return os.path.join(target, "release", "examples", "perf")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="4096x4096,10000x10000")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--bandwidth-mib", type=int, default=1024)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    perf = build()
    wasm = os.path.join(OUT, "wasm-on.wasm")
    load = [os.getloadavg()[0]]
    bw, _ = run([perf, "bandwidth", str(a.bandwidth_mib), str(a.repeat)])
    parse, _ = run(["taskset", "-c", "0", perf, "parse", "10", str(a.repeat)])
    parse_all, _ = run([perf, "parse", "10", str(a.repeat)])
    raw = {"bandwidth": bw, "parse": parse, "parse_all": parse_all}
    rows_out = []
    for size in a.sizes.split(","):
        r, c = (int(v) for v in size.split("x"))
        path = os.path.join(OUT, f"w_{r}x{c}.f32")
        weights(r, c).astype("<f4").tofile(path)
        n = str(a.repeat)
        res = {
            "numpy": run([sys.executable, "bench/numpy_baseline.py", "--data", path, "--rows", str(r), "--cols", str(c), "--repeat", str(max(3, a.repeat // 2))]),
            "native_1": run(["taskset", "-c", "0", perf, "analyse", path, str(r), str(c), n]),
            "native_all": run([perf, "analyse", path, str(r), str(c), n]),
            "wasm": run(["node", "bench/wasm_bench.mjs", "--wasm", wasm, "--data", path, "--rows", str(r), "--cols", str(c), "--repeat", n, "--which", "0"]),
            "chromium": run(["node", "bench/wasm_chromium.mjs", "--wasm", wasm, "--data", path, "--rows", str(r), "--cols", str(c), "--repeat", n, "--which", "0"]),
        }
        os.remove(path)
        raw[size] = res
        t = {k: v[0]["best_s"] for k, v in res.items()}
        mem = {k: v[1] for k, v in res.items()}
        gib = r * c * 4 / (1 << 30)
        rows_out.append(
            f"| {r} × {c} ({r * c / 1e6:.0f} M, {r * c * 4 / (1 << 20):.0f} MiB) "
            f"| {t['numpy'] * 1e3:.0f} ms "
            f"| {t['native_1'] * 1e3:.1f} ms / {t['native_all'] * 1e3:.1f} ms "
            f"| {t['wasm'] * 1e3:.1f} ms / {t['chromium'] * 1e3:.1f} ms "
            f"| {t['numpy'] / t['native_1']:.1f}× / {t['numpy'] / t['native_all']:.1f}× "
            f"| {t['wasm'] / t['native_1']:.2f}× / {t['chromium'] / t['native_1']:.2f}× "
            f"| {gib / t['native_1'] / bw['one_core_gib_s']:.0%} / {gib / t['native_all'] / bw['all_cores_gib_s']:.0%} "
            f"| {mem['numpy']:.0f} / {mem['native_1']:.0f} / {mem['wasm']:.0f} / {res['chromium'][0]['peak_memory_bytes'] / (1 << 20):.0f} MiB |"
        )
        sqnr = {k: v[0].get("sqnr_db") for k, v in res.items() if k != "numpy"}
        if len(set(sqnr.values())) != 1:
            sys.exit(f"native and wasm disagree: {sqnr}")
    load.append(os.getloadavg()[0])
    print(f"load average (1 min) at the start and the end: {load[0]:.1f}, {load[1]:.1f} on {os.cpu_count()} cores")
    print(f"memory read bandwidth ({a.bandwidth_mib} MiB, best of {a.repeat}): "
          f"{bw['one_core_gib_s']:.1f} GiB/s one core, {bw['all_cores_gib_s']:.1f} GiB/s all {bw['cores']} cores")
    print(f"text parsing (10 MB, 1024 values per line, best of {a.repeat}): "
          f"{parse['mb_s']:.0f} MB/s on one thread ({parse['best_s'] * 1e3:.1f} ms), "
          f"{parse_all['mb_s']:.0f} MB/s on {os.cpu_count()} ({parse_all['best_s'] * 1e3:.1f} ms), {parse['values']} values")
    print()
    print("| tensor (float32) | NumPy | native 1 thread / all threads | wasm simd128, 1 thread (Node / Chromium) "
          "| native vs NumPy (1 / all) | wasm / native 1 thread (Node / Chromium) | bandwidth fraction (1 / all) "
          "| peak memory NumPy / native / wasm Node (RSS) / wasm Chromium (its memory) |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows_out))
    if a.json:
        print(json.dumps(raw))


if __name__ == "__main__":
    main()
