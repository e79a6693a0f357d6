// End-to-end: the Files tool. Real weight files (crates/weights/tests/data, written by NumPy and
// safetensors) go in through the file input; the tensor list, the numbers (equal to the CLI's
// `quantscope file --format json`, run here on the same files), the model-wide order, the PDF made
// in the worker on request, a bad file's error, and cancelling a big file in the worker with
// progress shown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byTestId, openApp, ROOT, screenshot } from './support/browser.mjs';
import { writeSafetensors } from './support/safetensors.mjs';

const DATA = join(ROOT, 'crates', 'weights', 'tests', 'data');
const OUTPUT = join(ROOT, 'e2e', 'output');

/** A safetensors file of several float32 tensors (`[name, rows, cols, spread]`), each row a sine with
 * its own amplitude, one outlier row per tensor: a model-wide table whose order means something. */
async function writeModel(path, tensors) {
  const header = {};
  let offset = 0;
  for (const [name, rows, cols] of tensors) {
    header[name] = { dtype: 'F32', shape: [rows, cols], data_offsets: [offset, offset + rows * cols * 4] };
    offset += rows * cols * 4;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const parts = [length, json];
  for (const [, rows, cols, spread] of tensors) {
    const values = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const amplitude = spread * (1 + (r % 13) / 13) * (r === 5 ? 20 : 1);
      for (let c = 0; c < cols; c++) values[r * cols + c] = amplitude * Math.sin(r * 7.1 + c * 0.37);
    }
    parts.push(Buffer.from(values.buffer));
  }
  await writeFile(path, Buffer.concat(parts));
}

const pdftotext = (path) => execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });

/** Share of a chart canvas' pixels that differ from its corner pixel (its background). */
async function ink(page, id) {
  return byTestId(page, `${id}-canvas`).evaluate((canvas) => {
    const ctx = canvas.getContext('2d');
    const bg = ctx.getImageData(1, 1, 1, 1).data;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - bg[0]) + Math.abs(data[i + 1] - bg[1]) + Math.abs(data[i + 2] - bg[2]) > 30) n++;
    }
    return n / (data.length / 4);
  });
}

const CHARTS = ['reconstruction', 'error', 'histogram', 'granularity', 'sweep'];

/** `quantscope file PATH --format FORMAT ...` through cargo (built once, then up to date). */
function cliText(path, format, ...args) {
  return execFileSync(
    'cargo',
    ['run', '-q', '-p', 'quantscope-cli', '--release', '--', 'file', path, '--format', format, ...args],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 },
  );
}
const cli = (path, ...args) => JSON.parse(cliText(path, 'json', ...args));

/** What serialize_extended writes, as a number (or null). */
const num = (v) => (v === '+inf' ? Infinity : v === '-inf' ? -Infinity : v);

/** The results table's rows: tensor name and the numeric cells' full values. */
async function resultRows(page) {
  return byTestId(page, 'table-files').locator('tbody tr').evaluateAll((rows) =>
    rows.map((tr) => {
      const row = { name: tr.dataset.tensor };
      for (const td of tr.querySelectorAll('td[data-value]')) {
        const v = td.dataset.value;
        row[td.dataset.col] = v === '' ? null : v === '+inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);
      }
      row.worst = tr.querySelector('td[data-col="worst_channels"]').textContent;
      return row;
    }),
  );
}

const COLUMNS = [
  'per_channel_sqnr_db',
  'per_tensor_sqnr_db',
  'sqnr_gain_db',
  'per_channel_mse',
  'per_tensor_mse',
  'per_channel_clip_rate',
  'per_tensor_clip_rate',
];

describe('Files tool in Chromium', () => {
  let app;
  let tmp;
  before(async () => {
    app = await openApp();
    tmp = await mkdtemp(join(tmpdir(), 'quantscope-files-'));
  });
  after(async () => {
    await app?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function drop(path) {
    await byTestId(app.page, 'files-input').setInputFiles(path);
  }

  test('a safetensors file lists its tensors; every tensor matches the CLI, most sensitive first', async () => {
    const { page } = app;
    await app.goto('#files');
    await byTestId(page, 'panel-files').waitFor();
    const path = join(DATA, 'model.safetensors');
    await drop(path);
    const list = byTestId(page, 'files-tensors');
    await list.waitFor();
    const names = await list.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.tensor));
    const expected = cli(path);
    assert.deepEqual([...names].sort(), expected.tensors.map((t) => t.name).sort());
    const quantized = await list.locator('tr[data-tensor="quantized.weight"] td[data-col="status"]').textContent();
    assert.match(quantized, /not analysed: integer data/);
    assert.match(await list.locator('tr[data-tensor="double.weight"] td[data-col="dtype"]').textContent(), /F64/);

    // All tensors (the default): the model-wide table, in the CLI's order, with the CLI's numbers.
    await byTestId(page, 'files-analyse').click();
    await byTestId(page, 'files-results').waitFor();
    assert.equal(await byTestId(page, 'files-results').getAttribute('data-all'), 'true');
    const rows = await resultRows(page);
    const analysed = expected.tensors.filter((t) => t.result);
    assert.deepEqual(rows.map((r) => r.name), analysed.map((t) => t.name), 'sorted by per-channel SQNR, lowest first');
    for (const [row, t] of rows.map((r, i) => [r, analysed[i]])) {
      for (const column of COLUMNS) assert.equal(row[column], num(t.result[column]), `${t.name} ${column}`);
      assert.ok(row.worst.startsWith(t.result.worst_channels[0].name), `${t.name} worst channel`);
    }
    const sqnr = rows.map((r) => r.per_channel_sqnr_db);
    assert.deepEqual([...sqnr].sort((a, b) => a - b), sqnr);
    assert.match(await byTestId(page, 'files-skipped').textContent(), /quantized\.weight.*integer data/);
    // Its CSV is the CLI's, byte for byte.
    const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'files-csv').click()]);
    assert.equal(download.suggestedFilename(), 'model-quantscope.csv');
    assert.equal(await readFile(await download.path(), 'utf8'), cliText(path, 'csv'));
    await screenshot(page, 'files-all');

    // One tensor, another calibration and dtype: still the CLI's numbers.
    await byTestId(page, 'files-tensor').selectOption('fc.weight');
    await byTestId(page, 'files-calibration').selectOption('percentile');
    await byTestId(page, 'files-dtype').selectOption('int4');
    await byTestId(page, 'files-analyse').click();
    await page.locator('[data-testid="files-results"][data-all="false"]').waitFor();
    const [one] = await resultRows(page);
    const [ref] = cli(path, '--tensor', 'fc.weight', '--calibration', 'percentile', '--dtype', 'int4').tensors;
    assert.equal(one.name, 'fc.weight');
    for (const column of COLUMNS) assert.equal(one[column], num(ref.result[column]), `fc.weight ${column}`);
    assert.deepEqual(app.pageErrors, []);
    // No CSP violation (the worker, its wasm) and nothing fetched from elsewhere.
    assert.deepEqual(app.consoleErrors, []);
    assert.deepEqual(app.foreignRequests, []);
    assert.ok(app.server.requests.some((url) => url.endsWith('/worker_bg.wasm')), 'the worker wasm was fetched');
  });

  test('npz members and a lone npy: the same numbers as the CLI', async () => {
    const { page } = app;
    await app.goto('#files');
    // The settings persist (localStorage): back to the defaults, the CLI's.
    await byTestId(page, 'reset').click();
    for (const file of ['weights.npz', 'single.npy']) {
      const path = join(DATA, file);
      if (file.endsWith('.npz')) {
        await drop(path);
      } else {
        // Dragged and dropped: a DataTransfer carrying the file, dropped on the zone.
        const bytes = [...(await readFile(path))];
        await page.evaluate(([name, bytes]) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(bytes)], name));
          const zone = document.querySelector('[data-testid="files-drop"]');
          zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
          zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }, [file, bytes]);
      }
      await page.locator(`[data-testid="files-tensors"] figcaption:has-text("${file}")`).waitFor();
      await byTestId(page, 'files-analyse').click();
      await page.locator(`[data-testid="files-results"]`).waitFor();
      const rows = await resultRows(page);
      const analysed = cli(path).tensors.filter((t) => t.result);
      assert.deepEqual(rows.map((r) => r.name), analysed.map((t) => t.name), file);
      for (const [row, t] of rows.map((r, i) => [r, analysed[i]])) {
        assert.equal(row.per_channel_sqnr_db, num(t.result.per_channel_sqnr_db), `${file} ${t.name}`);
        assert.equal(row.per_tensor_mse, num(t.result.per_tensor_mse), `${file} ${t.name}`);
      }
    }
  });

  test('one tensor picked: its five charts from a bounded sample, bars with the table numbers; the PDF is the CLI one', async () => {
    const { page } = app;
    await app.goto('#files');
    await byTestId(page, 'reset').click();
    // 2048 x 512 float32 (4 MiB): more values than the sample keeps (2^18).
    const path = join(tmp, 'layers.safetensors');
    await writeSafetensors(path, 2048, 512, 'proj.weight');
    await drop(path);
    await page.locator('[data-testid="files-tensors"] tr[data-tensor="proj.weight"]').waitFor();
    await byTestId(page, 'files-tensor').selectOption('proj.weight');
    await byTestId(page, 'files-analyse').click();
    await page.locator('[data-testid="files-results"][data-all="false"]').waitFor();
    const sample = byTestId(page, 'files-chart-sample');
    await sample.waitFor();
    assert.equal(await sample.getAttribute('data-elements'), String(2048 * 512));
    const kept = Number(await sample.getAttribute('data-kept'));
    assert.ok(kept <= 1 << 18 && kept >= 2048, `${kept} values kept`);
    console.log(`charts' data built in ${await sample.getAttribute('data-build-ms')} ms from ${kept} values`);
    // The sweep of this many values waits for its button.
    await byTestId(page, 'files-chart-sweep-run').click();
    for (const chart of CHARTS) {
      const id = `files-chart-${chart}`;
      await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.dataset.drawMs, id, { timeout: 20_000 });
      const share = await ink(page, id);
      assert.ok(share > 0.01, `${chart}: ${share} of the canvas drawn`);
      const caption = await byTestId(page, `${id}-caption`).textContent();
      if (chart === 'granularity') {
        assert.match(caption, /full data's figures of proj\.weight/, caption);
      } else {
        assert.match(caption, new RegExp(`a strided sample of ${kept} of 1048576 values .* of proj\\.weight`), `${chart}: ${caption}`);
      }
      console.log(`${chart}: drawn in ${await byTestId(page, id).getAttribute('data-draw-ms')} ms`);
    }
    // The bars' tensor SQNRs are the table's (the caption names both, in dB).
    const [row] = await resultRows(page);
    const bars = await byTestId(page, 'files-chart-granularity-caption').textContent();
    const [, perChannel, perTensor] = bars.match(/tensor SQNR ([\d.]+) dB per-channel vs ([\d.]+) dB per-tensor/);
    assert.ok(Math.abs(Number(perChannel) - row.per_channel_sqnr_db) < 0.01, `${perChannel} vs ${row.per_channel_sqnr_db}`);
    assert.ok(Math.abs(Number(perTensor) - row.per_tensor_sqnr_db) < 0.01, `${perTensor} vs ${row.per_tensor_sqnr_db}`);
    await mkdir(OUTPUT, { recursive: true });
    await byTestId(page, 'files-charts').screenshot({ path: join(OUTPUT, 'files-tensor-charts.png') });

    // The model-wide PDF of the whole file: its text is the CLI's --pdf, page for page.
    await byTestId(page, 'files-tensor').selectOption('');
    await byTestId(page, 'files-analyse').click();
    await page.locator('[data-testid="files-results"][data-all="true"]').waitFor();
    await screenshot(page, 'files-model-wide');
    // Made by the worker when asked (from the table it kept), on the paper chosen then.
    for (const paper of ['a4', 'letter']) {
      await byTestId(page, 'files-paper').selectOption(paper);
      const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'files-pdf').click()]);
      assert.equal(download.suggestedFilename(), `layers-quantscope-${paper}.pdf`);
      const status = byTestId(page, 'files-download-status');
      await page.locator(`[data-testid="files-download-status"]:has-text("Saved layers-quantscope-${paper}.pdf")`).waitFor();
      console.log(`${paper} PDF: ${await status.textContent()}`);
      assert.equal(await byTestId(page, 'files-pdf').isDisabled(), false);
      const fromPage = join(OUTPUT, `files-model-wide-${paper}.pdf`);
      await copyFile(await download.path(), fromPage);
      const fromCli = join(tmp, `cli-${paper}.pdf`);
      cliText(path, 'human', '--pdf', fromCli, '--paper', paper);
      const pageText = pdftotext(fromPage);
      assert.match(pageText, /proj\.weight/);
      assert.match(pageText, /layers\.safetensors/);
      assert.equal(pageText, pdftotext(fromCli), paper);
    }
    assert.deepEqual(app.pageErrors, []);
  });

  test('a format chosen (q4_0, nf4): every tensor in it, the numbers, CSV and PDF of `quantscope file --preset`', async () => {
    const { page } = app;
    await app.goto('#files');
    await byTestId(page, 'reset').click();
    const path = join(tmp, 'blocks.safetensors');
    // Rows of 64 and 128 values take blocks of 32 and 64; rows of 40 are refused with their reason.
    await writeModel(path, [['attn.q', 8, 64, 0.1], ['mlp.up', 4, 128, 0.5], ['odd', 3, 40, 1]]);
    await drop(path);
    await page.locator('[data-testid="files-tensors"] figcaption:has-text("blocks.safetensors")').waitFor();
    for (const preset of ['q4_0', 'nf4']) {
      await byTestId(page, 'files-format').selectOption(preset);
      await byTestId(page, 'files-analyse').click();
      await page.locator(`[data-testid="files-format-table"] td[data-col="format"]:has-text("${preset}")`).first().waitFor();
      const rows = await byTestId(page, 'files-format-table')
        .locator('tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => {
            const row = { name: tr.dataset.tensor };
            for (const td of tr.querySelectorAll('td[data-col]')) row[td.dataset.col] = td.dataset.value;
            return row;
          }),
        );
      const want = cli(path, '--preset', preset).tensors;
      assert.deepEqual(rows.map((r) => r.name), want.map((t) => t.name), preset);
      for (const [row, t] of rows.map((r, i) => [r, want[i]])) {
        if (t.skipped) {
          assert.equal(t.name, 'odd');
          assert.match(row.skipped, /length 40 is not a multiple of the block size/, preset);
          assert.equal(row.bits_per_weight, '', preset);
          continue;
        }
        assert.equal(Number(row.bits_per_weight), t.bits_per_weight, `${preset} ${t.name}`);
        assert.equal(t.bits_per_weight, 4.5, 'q4_0: 18 bytes per 32 values; nf4: 4 bits and a float32 absmax per 64');
        assert.equal(Number(row.bytes), t.bytes, `${preset} ${t.name}`);
        assert.equal(Number(row.mse), t.mse, `${preset} ${t.name}`);
        assert.equal(parseFloat(row.sqnr_db), t.sqnr_db, `${preset} ${t.name}`);
        assert.equal(Number(row.max_error), t.max_abs_error, `${preset} ${t.name}`);
        assert.equal(Number(row.clipped), t.clipped, `${preset} ${t.name}`);
      }
      // The CSV is the CLI's, byte for byte; the PDF names the format and its bits per weight.
      const [csv] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'files-csv').click()]);
      assert.equal(await readFile(await csv.path(), 'utf8'), cliText(path, 'csv', '--preset', preset), preset);
      const [pdf] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'files-pdf').click()]);
      await page.locator('[data-testid="files-download-status"]:has-text("Saved blocks-quantscope-a4.pdf")').waitFor();
      const text = pdftotext(await pdf.path());
      assert.match(text, new RegExp(`format\\s+${preset}`), preset);
      assert.match(text, /bits per weight/);
      assert.match(text, /mlp\.up/);
      assert.match(text, /odd \(\[3, 40\]\)/);
      // The same PDF as `quantscope file --preset NAME --pdf` (the page's default 8 decimals).
      const cliPdf = join(tmp, `blocks-${preset}-cli.pdf`);
      cliText(path, 'human', '--preset', preset, '--pdf', cliPdf);
      assert.equal(text, pdftotext(cliPdf), preset);
      await screenshot(page, `files-format-${preset}`);
    }
    // One tensor picked in a format: its format charts (values on the grid, block scales, bits per
    // weight against SQNR), from the worker's data of it.
    await byTestId(page, 'files-format').selectOption('nf4');
    await byTestId(page, 'files-tensor').selectOption('mlp.up');
    await byTestId(page, 'files-analyse').click();
    for (const chart of ['grid', 'scales', 'format-sweep']) {
      await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.dataset.drawMs, `files-chart-${chart}`, {
        timeout: 30_000,
      });
      assert.ok((await byTestId(page, `files-chart-${chart}-caption`).textContent()).length > 20, chart);
    }
    assert.match(await byTestId(page, 'files-chart-grid-caption').textContent(), /mlp\.up/);
    assert.match(await byTestId(page, 'files-chart-format-sweep-caption').textContent(), /q4_0/);
    // Its rows of lowest SQNR: `quantscope file --preset nf4 --worst 3`'s worst_rows, lowest first.
    const worst = await page.locator('[data-testid="files-format-table"] tr[data-tensor="mlp.up"] td[data-col="worst_rows"]').getAttribute('data-value');
    const wantWorst = cli(path, '--preset', 'nf4', '--worst', '3').tensors.find((t) => t.name === 'mlp.up').worst_rows;
    assert.equal(wantWorst.length, 3);
    assert.deepEqual([...worst.matchAll(/row (\d+)/g)].map((m) => Number(m[1])), wantWorst.map((w) => w.index));
    await byTestId(page, 'files-tensor').selectOption('');
    await byTestId(page, 'reset').click();
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(app.consoleErrors, []);
  });

  test('a bad file shows the formats error naming the file and the tensor; the form is untouched', async () => {
    const { page } = app;
    await app.goto('#files');
    await byTestId(page, 'files-axis').fill('1');
    await byTestId(page, 'files-calibration').selectOption('mse');
    // A safetensors file cut short: the header promises more data than the file has.
    const good = await readFile(join(DATA, 'model.safetensors'));
    const truncated = join(tmp, 'cut.safetensors');
    await writeFile(truncated, good.subarray(0, good.length - 100));
    await drop(truncated);
    const error = byTestId(page, 'files-error');
    await error.waitFor();
    const text = await error.textContent();
    assert.match(text, /^cut\.safetensors: /);
    assert.match(text, /tensor `[^`]+`/);
    assert.match(text, /truncated|past the end/);
    // Not a weight file at all.
    const gif = join(tmp, 'picture.npy');
    await writeFile(gif, 'GIF89a not an array');
    await drop(gif);
    await page.locator('[data-testid="files-error"]:has-text("picture.npy")').waitFor();
    assert.match(await error.textContent(), /not a \.npy, \.npz or \.safetensors file \(it starts with GIF89a/);
    assert.equal(await byTestId(page, 'files-axis').inputValue(), '1');
    assert.equal(await byTestId(page, 'files-calibration').inputValue(), 'mse');
    assert.equal(await byTestId(page, 'files-tensors').count(), 0);
    assert.ok(await byTestId(page, 'files-analyse').isDisabled());
    assert.deepEqual(app.pageErrors, []);
  });

  test('a big file: progress is shown and cancel stops the worker at once; the page stays responsive', async () => {
    const { page } = app;
    await app.goto('#files');
    const path = join(tmp, 'big.safetensors');
    await writeSafetensors(path, 8192, 4096); // 128 MiB of float32
    await drop(path);
    await page.locator('[data-testid="files-tensors"] tr[data-tensor="big"]').waitFor();
    await byTestId(page, 'files-analyse').click();
    const bar = byTestId(page, 'files-progress').locator('progress');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="files-progress"] progress')?.dataset.done) > 0);
    const total = Number(await bar.getAttribute('data-total'));
    assert.equal(total, 8192 * 4096 * 4);
    assert.match(await byTestId(page, 'files-progress-text').textContent(), /MB of 134\.2 MB read · .* · big/);
    // The next report updates the bar in place: Cancel is the same button, where it was.
    const cancel = await byTestId(page, 'files-cancel').elementHandle();
    const where = await cancel.boundingBox();
    const done = Number(await bar.getAttribute('data-done'));
    await page.waitForFunction((before) => Number(document.querySelector('[data-testid="files-progress"] progress')?.dataset.done) > before, done);
    assert.ok(await cancel.evaluate((button) => button.isConnected), 'the same Cancel button after a report');
    assert.deepEqual(await cancel.boundingBox(), where, 'Cancel where it was');
    // The main thread answers while the worker reads.
    const t0 = Date.now();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    assert.ok(Date.now() - t0 < 1000, 'a frame within a second while the worker runs');
    await byTestId(page, 'files-cancel').click();
    await byTestId(page, 'files-cancelled').waitFor();
    assert.equal(await byTestId(page, 'files-progress').count(), 0);
    assert.equal(await byTestId(page, 'files-results').count(), 0);
    // A new worker serves the next request.
    await drop(join(DATA, 'single.npy'));
    await byTestId(page, 'files-analyse').click();
    await byTestId(page, 'files-results').waitFor();
    assert.deepEqual(app.pageErrors, []);
  });

  test('every tensor of a big file over a pool of workers: the CLI table, CSV and PDF; cancel stops every worker', async () => {
    const { page, context } = app;
    // Three cores whatever the machine (the pool takes one worker per core, a second one per 16 MiB).
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 3 }));
    await app.goto('#files');
    await byTestId(page, 'reset').click();
    // 57 MB of float32 in six tensors (three workers' worth), two of them small (batched together).
    const path = join(tmp, 'pool.safetensors');
    await writeModel(path, [
      ['embed.weight', 2048, 1536, 0.02],
      ['layers.0.q.weight', 1536, 1536, 0.05],
      ['layers.0.norm', 1, 1536, 1],
      ['layers.0.mlp.weight', 4096, 1536, 0.01],
      ['layers.1.q.weight', 1536, 1536, 0.03],
      ['head.bias', 1, 640, 0.1],
    ]);
    await drop(path);
    await page.locator('[data-testid="files-tensors"] tr[data-tensor="embed.weight"]').waitFor();
    await byTestId(page, 'files-analyse').click();
    await page.locator('[data-testid="files-results"][data-all="true"]').waitFor({ timeout: 120_000 });
    const timing = byTestId(page, 'files-timing');
    assert.equal(await timing.getAttribute('data-workers'), '3');
    assert.match(await timing.textContent(), /in 3 background workers/);
    // The CLI's table: the same rows, in the same order, with the same numbers.
    const expected = cli(path).tensors.filter((t) => t.result);
    const rows = await resultRows(page);
    assert.deepEqual(rows.map((r) => r.name), expected.map((t) => t.name));
    for (const [row, t] of rows.map((r, i) => [r, expected[i]])) {
      for (const column of COLUMNS) assert.equal(row[column], num(t.result[column]), `${t.name} ${column}`);
      assert.ok(row.worst.startsWith(t.result.worst_channels[0].name), `${t.name} worst channel`);
    }
    const [csv] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'files-csv').click()]);
    assert.equal(await readFile(await csv.path(), 'utf8'), cliText(path, 'csv'));
    // The PDF is made by the worker that merged the pool's outcomes, from the table it kept.
    const [pdf] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), byTestId(page, 'files-pdf').click()]);
    await page.locator('[data-testid="files-download-status"]:has-text("Saved pool-quantscope-a4.pdf")').waitFor();
    assert.doesNotMatch(await byTestId(page, 'files-download-status').textContent(), /reading the file again/);
    cliText(path, 'human', '--pdf', join(tmp, 'pool-cli.pdf'));
    assert.equal(pdftotext(await pdf.path()), pdftotext(join(tmp, 'pool-cli.pdf')));

    // A format chosen: each worker measures its tensors in it, merged in file order: `file --preset`'s CSV.
    await byTestId(page, 'files-format').selectOption('q8_0');
    await byTestId(page, 'files-analyse').click();
    await byTestId(page, 'files-format-table').waitFor({ timeout: 120_000 });
    assert.equal(await byTestId(page, 'files-timing').getAttribute('data-workers'), '3');
    const [formatCsv] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'files-csv').click()]);
    assert.equal(await readFile(await formatCsv.path(), 'utf8'), cliText(path, 'csv', '--preset', 'q8_0'));
    await byTestId(page, 'files-format').selectOption('');

    // Cancel mid-way: every worker of the pool is terminated at once. The pool reads these 57 MB in
    // a fraction of a second, so Cancel is pressed in the page in the frame that first shows bytes
    // read (a click sent from here could arrive after the last tensor).
    const alive = page.workers().length; // the pool of the last run stays for the next
    const started = [];
    const onWorker = (worker) => started.push(worker.url());
    page.on('worker', onWorker);
    await byTestId(page, 'files-analyse').click();
    await page.waitForFunction(() => {
      const done = Number(document.querySelector('[data-testid="files-progress"] progress')?.dataset.done);
      if (!(done > 0)) return false;
      document.querySelector('[data-testid="files-cancel"]').click();
      return true;
    });
    page.off('worker', onWorker);
    assert.ok(alive + started.length >= 4, `${alive} workers kept and ${started.length} started for the pool`);
    await byTestId(page, 'files-cancelled').waitFor();
    for (let i = 0; i < 50 && page.workers().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(page.workers().length, 0, 'every worker terminated');
    assert.equal(await byTestId(page, 'files-results').count(), 0);
    // A new pool serves the next request, with the same table.
    await byTestId(page, 'files-analyse').click();
    await page.locator('[data-testid="files-results"][data-all="true"]').waitFor({ timeout: 120_000 });
    assert.deepEqual((await resultRows(page)).map((r) => r.per_channel_sqnr_db), rows.map((r) => r.per_channel_sqnr_db));
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(app.consoleErrors, []);
  });

  test('a big file analysed: its worker is let go for its memory, and the PDF reads the file again in a new one', async () => {
    const { page } = app;
    await app.goto('#files');
    await byTestId(page, 'reset').click();
    const path = join(tmp, 'big.safetensors');
    await writeSafetensors(path, 8192, 4096); // 128 MiB of float32
    await drop(path);
    await page.locator('[data-testid="files-tensors"] tr[data-tensor="big"]').waitFor();
    await byTestId(page, 'files-analyse').click();
    await byTestId(page, 'files-results').waitFor({ timeout: 120_000 });
    const memory = Number(await byTestId(page, 'files-timing').getAttribute('data-memory-bytes'));
    assert.ok(memory > 128 * 1024 * 1024, `worker memory ${memory} bytes`);
    const downloaded = page.waitForEvent('download', { timeout: 120_000 });
    await byTestId(page, 'files-pdf').click();
    await page.locator('[data-testid="files-download-status"]:has-text("reading the file again")').waitFor();
    assert.ok(await byTestId(page, 'files-pdf').isDisabled(), 'busy while it is made');
    const download = await downloaded;
    assert.equal(download.suggestedFilename(), 'big-quantscope-a4.pdf');
    await page.locator('[data-testid="files-download-status"]:has-text("Saved big-quantscope-a4.pdf")').waitFor();
    console.log(`big file's PDF, read again: ${await byTestId(page, 'files-download-status').textContent()}`);
    const text = pdftotext(await download.path());
    assert.match(text, /big\.safetensors/);
    cliText(path, 'human', '--pdf', join(tmp, 'big.pdf'));
    assert.equal(text, pdftotext(join(tmp, 'big.pdf')));
    // The results on screen are still those of the first analysis.
    assert.equal(await byTestId(page, 'files-results').count(), 1);
    assert.deepEqual(app.pageErrors, []);
  });
});
