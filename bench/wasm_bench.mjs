// Times the core's per-channel analysis compiled to wasm (bench/wasm, built by bench/wasm_bench.sh)
// under Node, on the same 4096 x 4096 data as the criterion benchmark. Prints one JSON line.
//   node bench/wasm_bench.mjs [rows] [cols] [repeat]
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { Bench } = require('./output/wasm/quantscope_wasm_bench.js');
const [rows = 4096, cols = 4096, repeat = 10] = process.argv.slice(2).map(Number);
const out = { impl: 'wasm (node ' + process.version + ')', rows, cols };
for (const [convention, scheme] of [['pytorch', 'affine'], ['pytorch', 'symmetric'], ['onnxruntime', 'affine']]) {
  const bench = new Bench(rows, cols, convention, scheme);
  const sqnr = bench.run(); // warm-up (compilation tiers); the result shows both builds agree
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    bench.run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  out[`${convention}/${scheme}`] = { best_ms: +times[0].toFixed(2), median_ms: +times[times.length >> 1].toFixed(2), sqnr_db: sqnr };
  bench.free();
}
console.log(JSON.stringify(out));
