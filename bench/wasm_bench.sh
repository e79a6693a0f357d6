#!/usr/bin/env bash
# Builds the wasm benchmark (bench/wasm: the core with and without simd128, plain exports, no
# bindings generator) into bench/output/wasm-{on,off}.wasm, then, unless --build-only, times it
# under Node: bench/wasm_bench.sh [--build-only] [rows cols repeat]
set -euo pipefail
cd "$(dirname "$0")/wasm"
for simd in off on; do
  flags=""
  [ "$simd" = on ] && flags="-C target-feature=+simd128"
  RUSTFLAGS="$flags" cargo build --quiet --release --target wasm32-unknown-unknown --target-dir ../output/wasm-target-$simd
  cp ../output/wasm-target-$simd/wasm32-unknown-unknown/release/quantscope_wasm_bench.wasm ../output/wasm-$simd.wasm
done
[ "${1:-}" = --build-only ] && exit 0
for simd in off on; do
  node ../wasm_bench.mjs --wasm ../output/wasm-$simd.wasm "$@"
done
