// End-to-end: the formats large models ship in (docs/formats.md) in the Tensor and Values tools.
// MXFP4 and NF4 picked in the Tensor tool give the command line's numbers (`quantscope tensor
// --preset NAME --values --format json`): bits per weight, bytes, MSE, SQNR, the block scales as
// stored and the dequantized values, bit for bit. The numbers below were computed by the CLI on the
// same text; when a built `quantscope` is found (QUANTSCOPE_CLI, or target/{release,debug}), the
// test runs it too and checks that they still are its numbers. Then the format survives a share
// link and a reload, its charts are drawn, and its fields follow the choice.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { byTestId, openApp, ROOT } from './support/browser.mjs';

// Two rows of 64 values: two MXFP4 blocks and one NF4 block per row.
const TEXT = [
  '0.0000, 0.4192, -0.7141, 0.7972, -0.6438, 0.2994, 0.1337, -0.5272, 0.7644, -0.7747, 0.5553, -0.1712, -0.2637, 0.6204, -0.7931, 0.7305, -0.4512, 0.0381, 0.3863, -0.6961, 0.7995, -0.6657, 0.3345, 0.0960, -0.4979, 0.7522, -0.7834, 0.5822, -0.2083, -0.2274, 0.5956, -0.7872, 0.7452, -0.4822, 0.0762, 0.3524, -0.6765, 0.7999, -0.6861, 0.3687, 0.0580, -0.4675, 0.7384, -0.7902, 0.6077, -0.2449, -0.1906, 0.5695, -0.7795, 0.7582, -0.5121, 0.1141, 0.3178, -0.6554, 0.7986, -0.7049, 0.4022, 0.0199, -0.4360, 0.7229, -0.7953, 0.6318, -0.2809, -0.1533',
  '-1.5924, 1.4379, -0.8570, 0.0218, 0.8198, -1.4183, 1.5960, -1.3004, 0.6190, 0.2460, -1.0380, 1.5221, -1.5548, 1.1263, -0.3637, -0.5068, 1.2269, -1.5831, 1.4698, -0.9204, 0.0981, 0.7534, -1.3813, 1.5996, -1.3434, 0.6887, 0.1703, -0.9787, 1.4969, -1.5710, 1.1792, -0.4376, -0.4339, 1.1766, -1.5703, 1.4982, -0.9818, 0.1741, 0.6852, -1.3413, 1.5995, -1.3833, 0.7568, 0.0942, -0.9173, 1.4682, -1.5837, 1.2294, -0.5104, -0.3599, 1.1235, -1.5539, 1.5233, -1.0409, 0.2498, 0.6155, -1.2982, 1.5958, -1.4201, 0.8231, 0.0180, -0.8537, 1.4362, -1.5928',
].join('\n');

// `quantscope tensor --preset NAME --values --format json` on TEXT.
const CLI = {
  mxfp4: {
    bits_per_weight: 4.25,
    bytes: 68,
    mse: 0.005605834429610889,
    sqnr_db: 21.59717010557623,
    clipped: 28,
    scale: { key: 'scales_e8m0', first_row: [124, 124] },
    second_row: [-1.5, 1.5, -0.75, 0.0, 0.75, -1.5, 1.5, -1.5],
  },
  nf4: {
    bits_per_weight: 4.5,
    bytes: 72,
    mse: 0.005677785767774212,
    sqnr_db: 21.541782752719243,
    clipped: 0,
    scale: { key: 'absmax', first_row: [0.7998999953269958] },
    second_row: [-1.5996, 1.5996, -0.8399068, 0.0, 0.8999621, -1.5996, 1.5996, -1.1136299],
  },
};

/** A built `quantscope`, if there is one. */
function cliBinary() {
  const candidates = [
    process.env.QUANTSCOPE_CLI,
    process.env.CARGO_TARGET_DIR && join(process.env.CARGO_TARGET_DIR, 'release', 'quantscope'),
    process.env.CARGO_TARGET_DIR && join(process.env.CARGO_TARGET_DIR, 'debug', 'quantscope'),
    join(ROOT, 'target', 'release', 'quantscope'),
    join(ROOT, 'target', 'debug', 'quantscope'),
  ];
  return candidates.find((path) => path && existsSync(path));
}

/** The full-precision text (its title) of a cell of a results table, as a number. */
async function cellNumber(page, table, row, column) {
  const cell = byTestId(page, `table-${table}`).locator(`tbody tr[data-row="${row}"] [data-col="${column}"]`);
  return parseFloat(await cell.getAttribute('title'));
}

/** Picks format `name` and waits for its tables (computed in the worker); the milliseconds it took. */
async function pickFormat(page, name) {
  const started = Date.now();
  await byTestId(page, 'tensor-format').selectOption(name);
  await byTestId(page, 'table-format-summary')
    .locator('tbody tr[data-row="0"] [data-col="format"]')
    .filter({ hasText: new RegExp(`^${name}$`) })
    .waitFor({ timeout: 10_000 });
  return Date.now() - started;
}

/** Clicks download button `id` and returns the file's text (the worker makes it). */
async function download(page, id) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), byTestId(page, id).click()]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8'), path: await file.path() };
}

describe('formats in the Tensor tool', () => {
  let app;
  before(async () => {
    app = await openApp();
    await app.goto('#tensor');
    const data = app.page.locator('[data-testid="tensor-data"]');
    await data.fill(TEXT);
    await data.press('End');
  });
  after(async () => {
    await app?.close();
  });

  test('the fixture is the command line\'s output (when a built quantscope is at hand)', { skip: !cliBinary() && 'no built quantscope' }, () => {
    for (const [preset, want] of Object.entries(CLI)) {
      const out = JSON.parse(
        execFileSync(cliBinary(), ['tensor', '--preset', preset, '--values', '--format', 'json', '-'], { input: TEXT + '\n' }).toString(),
      );
      assert.equal(out.bits_per_weight, want.bits_per_weight);
      assert.equal(out.bytes, want.bytes);
      assert.equal(out.mse, want.mse);
      assert.equal(out.sqnr_db, want.sqnr_db);
      assert.equal(out.clipped, want.clipped);
      assert.deepEqual(out.channels[0][want.scale.key], want.scale.first_row);
      assert.deepEqual(out.channels[1].dequantized.slice(0, 8), want.second_row);
    }
  });

  for (const preset of ['mxfp4', 'nf4']) {
    test(`${preset}: the page shows the command line's numbers`, async () => {
      const { page } = app;
      const ms = await pickFormat(page, preset);
      // The format is computed in the worker: the first pick starts it (cold), later ones find it running.
      console.log(`${preset}: from the choice to the tables ${ms} ms${preset === 'mxfp4' ? ' (the first format chosen: worker cold)' : ''}`);
      const want = CLI[preset];
      assert.equal(await cellNumber(page, 'format-summary', 0, 'bits_per_weight'), want.bits_per_weight);
      assert.equal(await cellNumber(page, 'format-summary', 0, 'bytes'), want.bytes);
      assert.equal(await cellNumber(page, 'format-summary', 0, 'mse'), want.mse);
      assert.equal(await cellNumber(page, 'format-summary', 0, 'sqnr_db'), want.sqnr_db);
      assert.equal(await cellNumber(page, 'format-summary', 0, 'clipped'), want.clipped);
      // The blocks of the first row, their scales as stored.
      const scales = [];
      for (let block = 0; block < want.scale.first_row.length; block++) {
        scales.push(await cellNumber(page, 'format-blocks', block, want.scale.key));
      }
      assert.deepEqual(scales, want.scale.first_row);
      // The second row's first dequantized values (row 64 of the values table), as float32.
      for (let i = 0; i < want.second_row.length; i++) {
        const shown = await cellNumber(page, 'format-values', 64 + i, 'dequantized');
        assert.equal(Math.fround(shown), Math.fround(want.second_row[i]), `value ${i}`);
      }
      assert.match(await byTestId(page, 'tensor-results-convention').textContent(), new RegExp(`format: ${preset}`));
      // The formulas quote the format's arithmetic and its reference.
      const how = await byTestId(page, 'tensor-how').textContent();
      assert.match(how, preset === 'nf4' ? /bitsandbytes/ : /torchao/);
      // The preset decides: no convention, rounding or range fields.
      assert.equal(await byTestId(page, 'tensor-convention').count(), 0);
      assert.equal(await byTestId(page, 'tensor-range-mode').count(), 0);
      // Its charts are drawn, each with its caption.
      for (const chart of ['grid', 'scales', 'format-sweep']) {
        await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.dataset.drawMs, `tensor-chart-${chart}`, {
          timeout: 10_000,
        });
        assert.ok((await byTestId(page, `tensor-chart-${chart}-caption`).textContent()).length > 20, chart);
      }
      assert.match(await byTestId(page, 'tensor-chart-format-sweep-caption').textContent(), /q4_0/);
    });
  }

  test('a float element takes a scope and a group size; integer groups an integer type', async () => {
    const { page } = app;
    await byTestId(page, 'tensor-format').selectOption('fp8-e4m3');
    await byTestId(page, 'tensor-format-granularity').selectOption('per-group');
    await byTestId(page, 'tensor-group-size').fill('16');
    await byTestId(page, 'table-format-summary')
      .locator('[data-col="format"]')
      .filter({ hasText: 'fp8-e4m3:per-group:16' })
      .waitFor({ timeout: 10_000 });
    await byTestId(page, 'tensor-format').selectOption('int-groups');
    await byTestId(page, 'table-format-summary').locator('[data-col="format"]').filter({ hasText: 'int8-affine:per-group:16' }).waitFor();
    // A group size the rows cannot take is refused, located on the field.
    await byTestId(page, 'tensor-group-size').fill('0');
    await byTestId(page, 'tensor-stale-note').waitFor({ timeout: 10_000 });
    assert.match(await byTestId(page, 'tensor-stale-note').textContent(), /group size/);
    await byTestId(page, 'tensor-group-size').fill('32');
    await byTestId(page, 'tensor-format').selectOption('');
    await byTestId(page, 'tensor-convention').waitFor();
  });

  test('the share link and a reload keep the format', async () => {
    const { page } = app;
    await pickFormat(page, 'nf4');
    await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.server.url });
    await byTestId(page, 'tensor-copy-link').click();
    await byTestId(page, 'tensor-share-status').filter({ hasText: 'Link copied' }).waitFor();
    const fragment = new URL(await byTestId(page, 'tensor-share-link').inputValue()).hash;
    const fresh = await openApp();
    try {
      await fresh.goto(fragment);
      const restored = fresh.page;
      await byTestId(restored, 'table-format-summary').waitFor({ timeout: 10_000 });
      assert.equal(await byTestId(restored, 'tensor-format').inputValue(), 'nf4');
      assert.equal(await cellNumber(restored, 'format-summary', 0, 'mse'), CLI.nf4.mse);
    } finally {
      await fresh.close();
    }
    await page.waitForFunction(() => localStorage.getItem('quantscope.form.v1')?.includes('"nf4"'));
    await page.reload();
    await byTestId(page, 'table-format-summary').waitFor({ timeout: 10_000 });
    assert.equal(await byTestId(page, 'tensor-format').inputValue(), 'nf4');
    assert.deepEqual(app.pageErrors, []);
  });

  test('the settings file names the format and its command', async () => {
    const { page } = app;
    const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), byTestId(page, 'tensor-download-settings').click()]);
    const settings = JSON.parse(await (await import('node:fs/promises')).readFile(await file.path(), 'utf8'));
    assert.equal(settings.format, 'nf4');
    assert.equal(settings.bits_per_weight, 4.5);
    assert.match(settings.command, /^quantscope tensor --preset=nf4/);
    if (cliBinary()) {
      const words = settings.command.split(' ').slice(1);
      const out = JSON.parse(execFileSync(cliBinary(), [...words, '--format', 'json', '-'], { input: settings.input }).toString());
      assert.equal(out.mse, CLI.nf4.mse);
    }
  });
});

describe('formats in the Values tool', () => {
  let app;
  before(async () => {
    app = await openApp();
  });
  after(async () => {
    await app?.close();
  });

  test('q8_0 on one list of 32 values', async () => {
    const { page } = app;
    await app.goto('#values');
    await byTestId(page, 'values-data').fill(TEXT.split('\n')[0].split(', ').slice(0, 32).join(', '));
    await byTestId(page, 'values-format').selectOption('q8_0');
    await byTestId(page, 'table-format-summary').locator('[data-col="format"]').filter({ hasText: 'q8_0' }).waitFor({ timeout: 10_000 });
    assert.equal(await cellNumber(page, 'format-summary', 0, 'bits_per_weight'), 8.5);
    assert.equal(await byTestId(page, 'table-format-blocks').locator('tbody tr[data-row]').count(), 1);
  });
});

describe('a large input in a format (computed in the worker)', () => {
  let app;
  // 2048 rows of 256 values (4.3 MB of text, 524,288 values): 16,384 blocks of Q4_0.
  const ROWS = 2048;
  const COLS = 256;
  const text = Array.from({ length: ROWS }, (_, r) =>
    Array.from({ length: COLS }, (_, i) => (Math.sin(r * COLS + i) * (1 + (r % 7))).toFixed(4)).join(' '),
  ).join('\n');
  before(async () => {
    app = await openApp();
    await app.goto('#tensor');
  });
  after(async () => {
    await app?.close();
  });

  test('its tables, its three charts and every download, as a small input has them', async () => {
    const { page } = app;
    await byTestId(page, 'tensor-format').selectOption('q4_0');
    await page.evaluate(
      ([id, value]) => {
        const area = document.querySelector(`[data-testid="${id}"]`);
        const clipboardData = new DataTransfer();
        clipboardData.setData('text/plain', value);
        area.focus();
        area.select();
        const paste = new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true });
        area.dispatchEvent(paste);
        if (!paste.defaultPrevented) {
          area.setRangeText(value, area.selectionStart, area.selectionEnd, 'end');
          area.dispatchEvent(new Event('input', { bubbles: true }));
        }
      },
      ['tensor-data', text],
    );
    const started = Date.now();
    await byTestId(page, 'table-format-blocks').locator('text=Show all 16384 rows').waitFor({ timeout: 120_000 });
    console.log(`q4_0 on ${ROWS * COLS} values (4.3 MB): tables in ${Date.now() - started} ms`);
    assert.equal(await cellNumber(page, 'format-summary', 0, 'bits_per_weight'), 4.5);
    for (const chart of ['grid', 'scales', 'format-sweep']) {
      await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.dataset.drawMs, `tensor-chart-${chart}`, {
        timeout: 60_000,
      });
    }
    // The grid histogram: one value in 8 of the 524,288 (the chart's 65,536).
    assert.match(await byTestId(page, 'tensor-chart-grid-caption').textContent(), /one value in 8/);
    assert.match(await byTestId(page, 'tensor-chart-format-sweep-caption').textContent(), /nf4/);
    // The downloads, made by the worker from the result it kept.
    const blocks = await download(page, 'tensor-download-results');
    assert.match(blocks.name, /_tensor_q4_0\.csv$/);
    assert.equal(blocks.text.trim().split('\n').length, 1 + ROWS * (COLS / 32));
    assert.match(blocks.text.split('\n')[1], /q4_0/);
    const values = await download(page, 'tensor-download-elements');
    assert.equal(values.text.trim().split('\n').length, 1 + ROWS * COLS);
    const scales = JSON.parse((await download(page, 'tensor-download-params')).text);
    assert.equal(scales.format, 'q4_0');
    assert.equal(scales.rows.length, ROWS);
    assert.equal(scales.rows[0].blocks.length, COLS / 32);
    assert.ok('scales_f16' in scales.rows[0].blocks[0], JSON.stringify(scales.rows[0].blocks[0]));
    const settings = JSON.parse((await download(page, 'tensor-download-settings')).text);
    assert.equal(settings.format, 'q4_0');
    assert.match(settings.command, /--preset=q4_0/);
    const pdf = await download(page, 'tensor-download-pdf');
    assert.match(pdf.name, /\.pdf$/);
    assert.ok((await readFile(pdf.path)).subarray(0, 5).toString() === '%PDF-');
    assert.deepEqual(app.pageErrors, []);
  });
});
