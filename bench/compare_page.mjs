// The Files tool's Compare formats view in Chromium on the llama-shaped BF16 file (bench/make_llama.py):
// five formats (q8_0,q5_1,q4_0,mxfp4,nf4) against one (q4_0), the worker's time from the click to the
// report (the view's data-elapsed-ms: reading the file in the worker, every tensor in every format, the
// report's JSON and CSV), best of --repeat, and the ratio. The page's worker runs the core's
// compare_rows as the CLI does, on one thread (wasm, simd128).
//   node bench/compare_page.mjs [--llama FILE] [--repeat 3]     (`make build` first, or QUANTSCOPE_DIST)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { byTestId, openApp, ROOT } from '../e2e/support/browser.mjs';

const at = (name) => process.argv.indexOf(`--${name}`);
const LLAMA = at('llama') > 0 ? process.argv[at('llama') + 1] : join(ROOT, 'bench', 'output', 'llama_bf16.safetensors');
const REPEAT = at('repeat') > 0 ? Number(process.argv[at('repeat') + 1]) : 3;

/** One comparison of the file in `formats`: the worker's milliseconds, as the view reports them. */
async function compareOnce(app, formats) {
  const { page } = app;
  await app.goto('#files');
  await byTestId(page, 'compare-view').waitFor();
  await byTestId(page, 'compare-formats').fill(formats);
  await byTestId(page, 'compare-input').setInputFiles(LLAMA);
  await byTestId(page, 'compare-run').click();
  const summary = byTestId(page, 'compare-summary');
  await summary.waitFor({ timeout: 600_000 });
  return Number(await summary.getAttribute('data-elapsed-ms'));
}

if (!existsSync(LLAMA)) throw new Error(`${LLAMA} is missing: python3 bench/make_llama.py ${LLAMA}`);
const app = await openApp();
try {
  const best = {};
  for (let i = 0; i < REPEAT; i++) {
    for (const formats of ['q8_0,q5_1,q4_0,mxfp4,nf4', 'q4_0']) {
      const ms = await compareOnce(app, formats);
      best[formats] = Math.min(best[formats] ?? Infinity, ms);
    }
  }
  const five = best['q8_0,q5_1,q4_0,mxfp4,nf4'];
  const one = best.q4_0;
  console.log(JSON.stringify({ file: LLAMA, repeat: REPEAT, five_formats_ms: five, q4_0_ms: one, ratio: Number((five / one).toFixed(2)) }));
  // The view's fields are kept in the form: put the default formats back for the next run.
  await byTestId(app.page, 'compare-formats').fill('q8_0,q5_1,q4_0,mxfp4,nf4');
} finally {
  await app.close();
}
