// A/B of the Files tool's pool against one worker on the same file, alternating runs (the machine's
// load moves between runs): two browsers, one told it has one core, the other as it is.
//   node bench/pool_ab.mjs FILE [--rounds 2]   (after `make build`; default options, every tensor)
import { byTestId, openApp } from '../e2e/support/browser.mjs';

const file = process.argv[2];
const i = process.argv.indexOf('--rounds');
const ROUNDS = i > 0 ? Number(process.argv[i + 1]) : 2;

async function run(app) {
  const { page } = app;
  await app.goto('#files');
  await byTestId(page, 'reset').click();
  await byTestId(page, 'files-input').setInputFiles(file);
  await byTestId(page, 'files-tensors').waitFor({ timeout: 120_000 });
  await byTestId(page, 'files-analyse').click();
  const timing = byTestId(page, 'files-timing');
  await timing.waitFor({ timeout: 600_000 });
  return { ms: Number(await timing.getAttribute('data-elapsed-ms')), workers: Number(await timing.getAttribute('data-workers')) };
}

const one = await openApp();
const pool = await openApp();
try {
  await one.context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 1 }));
  for (let r = 0; r < ROUNDS; r++) {
    const a = await run(one);
    const b = await run(pool);
    console.log(`round ${r + 1}: one worker ${(a.ms / 1000).toFixed(2)} s (${a.workers}); pool ${(b.ms / 1000).toFixed(2)} s (${b.workers} workers); ratio ${(a.ms / b.ms).toFixed(2)}`);
  }
} finally {
  await one.close();
  await pool.close();
}
