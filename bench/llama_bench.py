#!/usr/bin/env python3
"""`quantscope file` on the llama-shaped benchmark file vs the NumPy script doing the same analysis.

The file: bench/make_llama.py (33 BF16 tensors, 222 M weights, 444 MB; written once, then kept in
bench/output/). On the same machine, in turns, best of --repeat wall times (file in the page cache):
  - `quantscope file FILE --format json` (the README's `cargo build --release -p quantscope-cli`),
    with the default options (textbook convention) and with `--convention pytorch`, under
    /usr/bin/time for the peak RSS;
  - bench/numpy_baseline.py --file FILE --convention textbook|pytorch (per-channel and per-tensor
    int8, read included, timed inside the process after NumPy's import).
Ratios are NumPy's time over quantscope's (above 1: quantscope is faster). A shared, loaded machine
moves both; the CPU seconds (user + system) are printed next to the wall times.

Usage: python3 bench/llama_bench.py [--repeat 3] [--json] [--file PATH] [--exe BINARY] [--skip-numpy]
(--file: where the benchmark file is written and read, e.g. outside the checkout; --exe: time this
binary instead of building one, e.g. an older build for a before/after pair; --skip-numpy: quantscope only)
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILE = os.path.join(ROOT, "bench", "output", "llama_bf16.safetensors")
TIME = ["/usr/bin/time", "-f", "%e %U %S %M"]


def timed(cmd):
    """(wall s, cpu s, peak RSS MiB, stdout) of one run."""
    p = subprocess.run(TIME + cmd, capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    wall, user, system, rss = re.findall(r"^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$", p.stderr, re.M)[-1]
    return float(wall), float(user) + float(system), int(rss) / 1024, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print the raw figures as one JSON line too")
    ap.add_argument("--file", default=FILE, help="the benchmark file (written by make_llama.py if missing)")
    ap.add_argument("--exe", help="the quantscope binary to time (default: build it with cargo)")
    ap.add_argument("--skip-numpy", action="store_true", help="time quantscope only")
    a = ap.parse_args()
    file = a.file
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "make_llama.py"), file], check=True, stdout=subprocess.DEVNULL)
    if a.exe:
        exe = a.exe
    else:
        subprocess.run(["cargo", "build", "-q", "--release", "-p", "quantscope-cli"], cwd=ROOT, check=True)
        exe = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "quantscope")
    with open(file, "rb") as f:  # into the page cache, as for every later run
        while f.read(1 << 24):
            pass
    rows = {}
    for convention in ["textbook", "pytorch"]:
        cli, numpy = [], []
        for _ in range(a.repeat):
            cli.append(timed([exe, "file", file, "--format", "json", "--convention", convention])[:3])
            if a.skip_numpy:
                numpy.append((float("nan"), float("nan"), 0))
                continue
            wall, cpu, rss, out = timed([sys.executable, os.path.join(ROOT, "bench", "numpy_baseline.py"), "--file", file,
                                         "--convention", convention, "--repeat", "1"])
            numpy.append((json.loads(out.strip().splitlines()[-1])["best_s"], cpu, rss))
        best_cli, best_np = min(cli), min(numpy)
        rows[convention] = {"quantscope_s": best_cli[0], "quantscope_cpu_s": best_cli[1], "quantscope_peak_rss_mib": round(best_cli[2]),
                            "numpy_s": best_np[0], "numpy_cpu_s": best_np[1], "numpy_peak_rss_mib": round(best_np[2]),
                            "ratio": round(best_np[0] / best_cli[0], 1)}
    size = os.path.getsize(file)
    print(f"llama-shaped BF16 safetensors, {size / 1e6:.0f} MB, 33 tensors, 222 M weights; {os.cpu_count()} cores; best of {a.repeat}")
    print("| options | quantscope file (wall / CPU s, peak RSS) | NumPy script (wall s, peak RSS) | NumPy / quantscope |")
    print("|---|---|---|---|")
    for convention, r in rows.items():
        name = "default (textbook)" if convention == "textbook" else "--convention pytorch"
        print(f"| {name} | {r['quantscope_s']:.2f} / {r['quantscope_cpu_s']:.2f} s, {r['quantscope_peak_rss_mib']} MiB | "
              f"{r['numpy_s']:.2f} s, {r['numpy_peak_rss_mib']} MiB | {r['ratio']}x |")
    if a.json:
        print(json.dumps({"file_bytes": size, "rows": rows}))


if __name__ == "__main__":
    main()
