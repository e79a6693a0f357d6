// The wasm benchmark's timing loop, shared by Node (bench/wasm_bench.mjs) and Chromium
// (bench/wasm_chromium.mjs, which serves this file to a page): the same warm-up, repeats and
// result line in both engines.

export const CONVENTIONS = ['pytorch/affine', 'pytorch/symmetric', 'onnxruntime/affine'];

/** Seeded pseudo-normal values (sum of three uniforms), a spread per row: data without a file. */
export function fillSynthetic(values, rows, cols) {
  let s = 0x2545f491;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let r = 0; r < rows; r++) {
    const spread = 0.01 + (r % 17) * 0.05;
    for (let c = 0; c < cols; c++) values[r * cols + c] = (next() + next() + next() - 1.5) * spread;
  }
}

/**
 * Times `analyse(ptr, rows, cols, which)` of bench/wasm's exports: one warm-up call (so V8's
 * optimizing tier has compiled the loop), then `repeat` timed calls. Returns one result per
 * convention in `which` (indices into CONVENTIONS).
 */
export function timeAnalysis(exports, ptr, rows, cols, repeat, which, impl) {
  const results = [];
  for (const w of which) {
    const sqnr = exports.analyse(ptr, rows, cols, w);
    const times = [];
    for (let i = 0; i < repeat; i++) {
      const t = performance.now();
      exports.analyse(ptr, rows, cols, w);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    results.push({
      impl, convention: CONVENTIONS[w], rows, cols,
      best_s: +(times[0] / 1000).toFixed(6), median_s: +(times[times.length >> 1] / 1000).toFixed(6),
      sqnr_db: sqnr, peak_memory_bytes: exports.memory.buffer.byteLength,
    });
  }
  return results;
}
