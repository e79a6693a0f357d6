#!/usr/bin/env bash
# Builds the wasm benchmark (with and without simd128) and times it under Node.
set -euo pipefail
cd "$(dirname "$0")/wasm"
for simd in off on; do
  flags=""
  [ "$simd" = on ] && flags="-C target-feature=+simd128"
  RUSTFLAGS="$flags" cargo build --quiet --release --target wasm32-unknown-unknown --target-dir ../output/wasm-target-$simd
  wasm-bindgen --target nodejs --out-dir ../output/wasm ../output/wasm-target-$simd/wasm32-unknown-unknown/release/quantscope_wasm_bench.wasm
  printf 'simd128 %s: ' "$simd"
  node ../wasm_bench.mjs "$@"
done
