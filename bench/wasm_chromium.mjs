// Times the wasm benchmark (bench/wasm, built by bench/wasm_bench.sh) in headless Chromium, the
// engine the app runs in, with the same timing loop as Node (bench/wasm_timing.mjs). bench/ is
// served on 127.0.0.1; the page fetches the wasm and streams the data file straight into the
// module's memory. Prints one JSON line per convention.
//   node bench/wasm_chromium.mjs --wasm bench/output/wasm-on.wasm --data bench/output/FILE.f32
//                                --rows R --cols C [--repeat N] [--which 0|1|2]
// Without --data the page fills the tensor as wasm_bench.mjs does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from '../e2e/support/server.mjs';
import { CHROMIUM_ARGS } from '../e2e/support/browser.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const opt = { rows: 4096, cols: 4096, repeat: 10 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
// Paths the page can fetch: relative to the served bench/ folder.
const served = (path) => {
  const rel = relative(BENCH, resolve(path));
  if (rel.startsWith('..')) throw new Error(`${path} is not under bench/`);
  return '/' + rel.split('\\').join('/');
};

const server = await serveStatic(BENCH);
const profile = await mkdtemp(join(tmpdir(), 'quantscope-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: CHROMIUM_ARGS,
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(server.url + 'wasm_timing.mjs');
  const version = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent.match(/Chrom\w+\/[\d.]+/)?.[0]));
  const results = await page.evaluate(async ({ wasm, data, rows, cols, repeat, which, impl }) => {
    const { fillSynthetic, timeAnalysis } = await import('/wasm_timing.mjs');
    const { instance } = await WebAssembly.instantiateStreaming(fetch(wasm), {});
    const { memory, buffer } = instance.exports;
    const len = rows * cols;
    const ptr = buffer(len);
    if (data) {
      const response = await fetch(data);
      const reader = response.body.getReader();
      let done = 0;
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        // memory.buffer is re-read: a view made before a grow would be detached.
        new Uint8Array(memory.buffer, ptr + done, Math.min(value.length, len * 4 - done)).set(value.subarray(0, len * 4 - done));
        done += value.length;
      }
      if (done < len * 4) throw new Error(`${data}: shorter than ${rows} x ${cols} float32`);
    } else {
      fillSynthetic(new Float32Array(memory.buffer, ptr, len), rows, cols);
    }
    return timeAnalysis(instance.exports, ptr, rows, cols, repeat, which, impl);
  }, {
    wasm: served(opt.wasm),
    data: opt.data ? served(opt.data) : null,
    rows: Number(opt.rows),
    cols: Number(opt.cols),
    repeat: Number(opt.repeat),
    which: opt.which === undefined ? [0, 1, 2] : [Number(opt.which)],
    impl: `wasm (chromium ${version})`,
  });
  for (const result of results) console.log(JSON.stringify({ ...result, wasm: opt.wasm.split('/').pop() }));
} finally {
  await context.close();
  await server.close();
  await rm(profile, { recursive: true, force: true });
}
