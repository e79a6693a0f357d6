// The size budget of the release build in dist/ (`make build`, which `make test-e2e` runs first):
// the page's wasm, what every visitor downloads before the first tool shows, must stay under
// 600 KB gzip (the guide's rule; heavy work belongs in the worker, which loads only when asked).
// gzip -9 as the Makefile's build line prints it. Set DIST to measure another build's folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const DIST = process.env.DIST ?? new URL('../dist/', import.meta.url).pathname;
const PAGE_LIMIT = 600_000;

async function gzipBytes(name) {
  const path = join(DIST, name);
  const gzip = execFileSync('gzip', ['-9c', path], { maxBuffer: 1 << 30 }).length;
  return { raw: (await stat(path)).size, gzip };
}

// It breached the budget from 2026-12-02 (805,010 B at worst, docs/performance.md "Over budget")
// until the formats, every PDF and export file, the parameters' texts and the share link's deflate
// moved into the worker (588,536 B on 2026-12-03): it fails again at the first byte over.
test(`the page's wasm is under ${PAGE_LIMIT} bytes gzip`, async () => {
  const files = await readdir(DIST);
  const page = files.filter((f) => /^page-[0-9a-f]+_bg\.wasm$/.test(f));
  assert.equal(page.length, 1, `one page wasm in ${DIST}, found ${JSON.stringify(page)}`);
  const size = await gzipBytes(page[0]);
  const worker = files.includes('worker_bg.wasm') ? await gzipBytes('worker_bg.wasm') : null;
  console.log(`page ${size.raw} B raw, ${size.gzip} B gzip; worker ${worker ? `${worker.raw} B raw, ${worker.gzip} B gzip` : 'absent'}`);
  assert.ok(size.gzip < PAGE_LIMIT, `${page[0]} is ${size.gzip} B gzip, over the ${PAGE_LIMIT} B budget: move work into the worker`);
});
