// End-to-end: the Files tool's Compare formats view. Two safetensors shards and their
// model.safetensors.index.json, written here, are dropped together as one model; the comparison
// (every tensor in every format, in the worker) and a plan at 4.5 bits per weight equal
// `quantscope compare` and `quantscope plan` on the same shards, and so do the downloads (compare
// CSV, plan JSON and CSV, the llama.cpp tensor-type file, the llm-compressor recipe); the PDF report
// carries the plan and both charts; a bad format token is refused next to its field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byTestId, openApp, ROOT } from './support/browser.mjs';

const pdftotext = (path) => execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });

/** `quantscope ARGS...` through cargo (built once, then up to date). */
function cli(...args) {
  return execFileSync('cargo', ['run', '-q', '-p', 'quantscope-cli', '--release', '--', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
}

/** Deterministic values: a normal-ish spread (sum of uniforms from an LCG) with a few outliers. */
function values(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < n; i++) {
    const v = (next() + next() + next() - 1.5) * 0.05;
    out[i] = i % 211 === 0 ? v * 40 : v;
  }
  return out;
}

/** A safetensors file of float32 tensors `[name, shape, seed]`. */
async function writeShard(path, tensors) {
  const header = {};
  const parts = [];
  let offset = 0;
  for (const [name, shape, seed] of tensors) {
    const data = values(shape.reduce((a, b) => a * b, 1), seed);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
    parts.push(Buffer.from(data.buffer));
  }
  const text = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  await writeFile(path, Buffer.concat([length, text, ...parts]));
  return Object.fromEntries(tensors.map(([name]) => [name, path.split('/').pop()]));
}

const num = (v) => (v === '+inf' ? Infinity : v === '-inf' ? -Infinity : v);

/**
 * SQNR in dB is 10·log10(signal / error) of sums that are equal bit for bit; log10 itself is the
 * wasm build's libm in the worker and the system's natively, which may differ in the last place.
 * Every other number is compared exactly.
 */
function sameDb(actual, expected, what) {
  if (!Number.isFinite(expected) || actual === expected) return assert.equal(actual, expected, what);
  assert.ok(Math.abs(actual - expected) <= 4 * Number.EPSILON * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

/** A compare JSON's tensors or totals with each SQNR checked by sameDb and then left out. */
function withoutDb(items, expected, what) {
  const strip = (o) => JSON.parse(JSON.stringify(o, (k, v) => (k === 'sqnr_db' ? undefined : v)));
  const walk = (a, e, path) => {
    if (e && typeof e === 'object') {
      for (const k of Object.keys(e)) {
        if (k === 'sqnr_db') sameDb(num(a?.[k]), num(e[k]), `${path}.${k}`);
        else walk(a?.[k], e[k], `${path}.${k}`);
      }
    }
  };
  walk(items, expected, what);
  assert.deepEqual(strip(items), strip(expected));
}

/** The compare CSV's rows, the sqnr_db column (index 8) checked by sameDb and the rest exactly. */
function sameCompareCsv(actual, expected) {
  const rows = (t) => t.trimEnd().split('\n').map((l) => l.split(','));
  const [a, e] = [rows(actual), rows(expected)];
  assert.equal(a.length, e.length);
  a.forEach((row, i) => {
    const db = (v) => (v === '' ? null : v === 'inf' ? Infinity : Number(v));
    if (i > 0) sameDb(db(row[8]), db(e[i][8]), `csv row ${i}`);
    assert.deepEqual(row.filter((_, c) => c !== 8 || i === 0), e[i].filter((_, c) => c !== 8 || i === 0));
  });
}

describe('Compare formats in Chromium', () => {
  let app;
  let tmp;
  let shards;
  let index;
  before(async () => {
    app = await openApp();
    tmp = await mkdtemp(join(tmpdir(), 'quantscope-compare-'));
    shards = [join(tmp, 'model-00001-of-00002.safetensors'), join(tmp, 'model-00002-of-00002.safetensors')];
    const one = await writeShard(shards[0], [
      ['model.layers.0.self_attn.q_proj.weight', [64, 128], 1],
      ['model.layers.0.mlp.down_proj.weight', [64, 96], 2],
      ['model.layers.0.input_layernorm.weight', [128], 3],
    ]);
    const two = await writeShard(shards[1], [
      ['model.layers.1.self_attn.q_proj.weight', [64, 128], 4],
      ['lm_head.weight', [32, 128], 5],
    ]);
    index = join(tmp, 'model.safetensors.index.json');
    await writeFile(index, JSON.stringify({ metadata: {}, weight_map: { ...one, ...two } }));
  });
  after(async () => {
    await app?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function download(id) {
    const [file] = await Promise.all([app.page.waitForEvent('download'), byTestId(app.page, id).click()]);
    return { name: file.suggestedFilename(), path: await file.path() };
  }

  test('two shards dropped together: the comparison, a plan at 4.5 bpw and its downloads equal the CLI', async () => {
    const { page } = app;
    await app.goto('#files');
    await byTestId(page, 'compare-view').waitFor();
    await byTestId(page, 'compare-input').setInputFiles([shards[1], index, shards[0]]);
    assert.equal(await byTestId(page, 'compare-files').locator('li').count(), 3);

    // A bad token is refused next to the field, with a caret under it; Compare is off meanwhile.
    await byTestId(page, 'compare-formats').fill('q8_0,q9');
    await page.locator('[data-testid="compare-formats-error"]:has-text("column 6")').waitFor();
    assert.match(await byTestId(page, 'compare-formats-error').textContent(), /q8_0,q9\n {5}\^/);
    assert.equal(await byTestId(page, 'compare-run').isDisabled(), true);
    await byTestId(page, 'compare-formats').fill('q8_0,q5_1,q4_0,mxfp4,nf4');
    await byTestId(page, 'compare-run').click();
    await byTestId(page, 'compare-table').waitFor({ timeout: 60_000 });

    const expected = JSON.parse(cli('compare', ...shards, '--format', 'json'));
    const rows = await byTestId(page, 'compare-table').locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ name: tr.dataset.tensor, cells: [...tr.querySelectorAll('td.compare-cell')].map((td) => td.dataset.value) })),
    );
    const measured = expected.tensors.filter((t) => !t.kept);
    assert.deepEqual(rows.map((r) => r.name), measured.map((t) => t.name));
    for (const [i, t] of measured.entries()) {
      t.results.forEach((r, f) => {
        const cell = rows[i].cells[f];
        if (r.reason) assert.equal(cell, '', `${t.name} ${r.format} refused`);
        else sameDb(Number(cell === '+inf' ? Infinity : cell), num(r.sqnr_db), `${t.name} ${r.format}`);
      });
    }
    // Colour is never the only signal: every cell has its number (or n/a).
    const texts = await byTestId(page, 'compare-table').locator('td.compare-cell').allTextContents();
    assert.ok(texts.every((t) => /^(-?\d+\.\d|n\/a|\+∞|–)/.test(t.trim())), texts.join(' '));

    // Sorting by a format's column, keyboard first: lowest SQNR on top, aria-sort says so.
    await byTestId(page, 'compare-sort-q4_0').focus();
    await page.keyboard.press('Enter');
    const header = page.locator('th[data-format="q4_0"]');
    assert.equal(await header.getAttribute('aria-sort'), 'ascending');
    const q4 = expected.formats.indexOf('q4_0');
    const sorted = [...measured].sort((a, b) => num(a.results[q4].sqnr_db) - num(b.results[q4].sqnr_db)).map((t) => t.name);
    assert.deepEqual(await byTestId(page, 'compare-table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.tensor)), sorted);
    await page.keyboard.press('Enter');
    assert.equal(await header.getAttribute('aria-sort'), 'descending');

    // Both charts are drawn.
    await page.waitForFunction(() => document.querySelector('[data-testid="compare-heatmap"]')?.dataset.drawMs);
    await page.waitForFunction(() => document.querySelector('[data-testid="compare-pareto"]')?.dataset.drawMs);

    // Downloads of the comparison: the CSV is the CLI's byte for byte; the JSON's tensors and totals too.
    const csv = await download('compare-download-csv');
    assert.equal(csv.name, 'compare.csv');
    sameCompareCsv(await readFile(csv.path, 'utf8'), cli('compare', ...shards, '--format', 'csv'));
    const json = JSON.parse(await readFile((await download('compare-download-json')).path, 'utf8'));
    withoutDb(json.tensors, expected.tensors, 'tensors');
    withoutDb(json.totals, expected.totals, 'totals');
    assert.deepEqual(json.files, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);

    // A pin with a bad format is refused on its line.
    await byTestId(page, 'compare-pins').fill('lm_head=q9_9');
    await page.locator('[data-testid="compare-pins-error"]:has-text("line 1")').waitFor();
    await byTestId(page, 'compare-pins').fill('');
    await byTestId(page, 'compare-budget').fill('4.5');
    await byTestId(page, 'compare-plan').click();
    const summary = byTestId(page, 'compare-plan-summary');
    await summary.waitFor({ timeout: 60_000 });
    const plan = JSON.parse(cli('plan', ...shards, '--target-bpw', '4.5', '--format', 'json'));
    assert.equal(Number(await summary.getAttribute('data-bits-per-weight')), plan.bits_per_weight);
    assert.equal(Number(await summary.getAttribute('data-bytes')), plan.bytes);
    assert.equal(Number(await summary.getAttribute('data-error')), plan.total_squared_error);
    assert.equal(await summary.getAttribute('data-optimal'), 'true');
    assert.ok(plan.bits_per_weight <= 4.5);
    const assigned = await byTestId(page, 'compare-plan-table').locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [tr.dataset.tensor, tr.dataset.format]),
    );
    assert.deepEqual(assigned, plan.assignment.map((a) => [a.name, a.format]));
    assert.match(await byTestId(page, 'compare-command').textContent(), /quantscope plan .* --formats q8_0,q5_1,q4_0,mxfp4,nf4 --target-bpw 4\.5/);

    const planJson = await download('compare-download-plan-json');
    assert.equal(await readFile(planJson.path, 'utf8'), cli('plan', ...shards, '--target-bpw', '4.5', '--format', 'json'));
    const planCsv = await download('compare-download-plan-csv');
    assert.equal(await readFile(planCsv.path, 'utf8'), cli('plan', ...shards, '--target-bpw', '4.5', '--format', 'csv'));
    const types = await download('compare-download-tensor-types');
    assert.equal(types.name, 'tensor-types.txt');
    const typesText = await readFile(types.path, 'utf8');
    assert.equal(typesText, cli('plan', ...shards, '--target-bpw', '4.5', '--format', 'llama-tensor-types'));
    assert.match(typesText, /\^blk\\\.0\\\.attn_q\\\.weight\$=/);
    const recipe = await download('compare-download-recipe');
    assert.equal(await readFile(recipe.path, 'utf8'), cli('plan', ...shards, '--target-bpw', '4.5', '--format', 'llmcompressor'));

    const pdf = await download('compare-download-pdf');
    assert.equal(pdf.name, 'compare-report.pdf');
    const text = pdftotext(pdf.path);
    for (const needle of ['quantscope format comparison', 'Totals per format', 'Plan', '4.5 bits per weight', 'SQNR per tensor and format', 'Bits per weight vs SQNR', 'model.layers.0.self_attn.q_proj.weight']) {
      assert.ok(text.includes(needle), `the PDF has "${needle}"`);
    }
    assert.deepEqual(app.pageErrors, []);
  });

  test('an index naming a shard not dropped is refused with the shard named', async () => {
    const { page } = app;
    await app.goto('#files');
    await byTestId(page, 'compare-input').setInputFiles([shards[0], index]);
    await byTestId(page, 'compare-run').click();
    const error = byTestId(page, 'compare-error');
    await error.waitFor({ timeout: 30_000 });
    assert.match(await error.textContent(), /model\.safetensors\.index\.json names 1 shard\(s\) not dropped with it: model-00002-of-00002\.safetensors/);
  });

  test('the formats list, the budget, its unit and the pins survive a reload (the form in localStorage)', async () => {
    const { page } = app;
    await app.goto('#files');
    await byTestId(page, 'compare-input').setInputFiles(shards);
    await byTestId(page, 'compare-formats').fill('q8_0,q4_0,nf4');
    await byTestId(page, 'compare-run').click();
    await byTestId(page, 'compare-table').waitFor({ timeout: 60_000 });
    await byTestId(page, 'compare-budget').fill('20k');
    await byTestId(page, 'compare-budget-unit').selectOption('size');
    await byTestId(page, 'compare-pins').fill('lm_head=q8_0');
    // Saved with the page's form once its debounce has passed.
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('quantscope.form.v1') ?? '{}').files?.compare?.plan?.pins === 'lm_head=q8_0');

    await app.goto('#files');
    assert.equal(await byTestId(page, 'compare-formats').inputValue(), 'q8_0,q4_0,nf4');
    await byTestId(page, 'compare-input').setInputFiles(shards);
    await byTestId(page, 'compare-run').click();
    await byTestId(page, 'compare-table').waitFor({ timeout: 60_000 });
    assert.deepEqual(await byTestId(page, 'compare-table').locator('th[data-format]').evaluateAll((ths) => ths.map((th) => th.dataset.format)), ['q8_0', 'q4_0', 'nf4']);
    assert.equal(await byTestId(page, 'compare-budget').inputValue(), '20k');
    assert.equal(await byTestId(page, 'compare-budget-unit').inputValue(), 'size');
    assert.equal(await byTestId(page, 'compare-pins').inputValue(), 'lm_head=q8_0');
    // The restored fields are the plan's: the CLI with the same flags gives the same plan.
    await byTestId(page, 'compare-plan').click();
    const summary = byTestId(page, 'compare-plan-summary');
    await summary.waitFor({ timeout: 60_000 });
    assert.match(await byTestId(page, 'compare-command').textContent(), /--formats q8_0,q4_0,nf4 --target-size 20k --pin lm_head=q8_0/);
    const plan = JSON.parse(cli('plan', ...shards, '--formats', 'q8_0,q4_0,nf4', '--target-size', '20k', '--pin', 'lm_head=q8_0', '--format', 'json'));
    assert.equal(Number(await summary.getAttribute('data-bytes')), plan.bytes);
    assert.equal(Number(await summary.getAttribute('data-error')), plan.total_squared_error);

    // Back to the defaults for whatever runs next in this profile.
    await byTestId(page, 'compare-formats').fill('q8_0,q5_1,q4_0,mxfp4,nf4');
    await byTestId(page, 'compare-budget-unit').selectOption('bpw');
    await byTestId(page, 'compare-budget').fill('4.5');
    await byTestId(page, 'compare-pins').fill('');
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('quantscope.form.v1') ?? '{}').files?.compare?.plan?.pins === '');
    assert.deepEqual(app.pageErrors, []);
  });
});
