// End-to-end tests of the release build (dist/) in the system Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { byTestId, DESKTOP, openApp, PHONE, ready, screenshot } from './support/browser.mjs';

const TOOLS = ['channels', 'tensor', 'values'];

/** The number of columns of a tool's form grid, from its computed grid-template-columns. */
async function gridColumns(page, tool) {
  return byTestId(page, `${tool}-form`).evaluate(
    (form) => getComputedStyle(form).gridTemplateColumns.split(' ').filter(Boolean).length,
  );
}

describe('quantscope in Chromium', () => {
  let app;
  before(async () => {
    app = await openApp();
  });
  after(async () => {
    await app?.close();
  });

  test('the page loads with no console errors and no request leaving 127.0.0.1', async () => {
    await app.goto();
    const { page } = app;
    await byTestId(page, 'panel-channels').waitFor();
    // Let anything late (favicon, preloads) happen before judging.
    await page.waitForLoadState('networkidle');
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(app.consoleErrors, []);
    assert.deepEqual(app.foreignRequests, []);
    assert.ok(app.server.requests.some((url) => url.endsWith('.wasm')), 'the wasm was fetched from the local server');
    assert.equal(new URL(page.url()).hash, '#channels');
    assert.equal(await page.title(), 'quantscope: quantization workbench');
  });

  test('tabs switch tools and set the URL fragment; the fragment opens its tool', async () => {
    const { page } = app;
    await app.goto();
    for (const tool of ['tensor', 'values', 'channels']) {
      await byTestId(page, `tab-${tool}`).click();
      await byTestId(page, `panel-${tool}`).waitFor();
      assert.equal(new URL(page.url()).hash, `#${tool}`);
      assert.equal(await byTestId(page, `tab-${tool}`).getAttribute('aria-selected'), 'true');
    }
    // Keyboard: arrows move between tabs.
    await byTestId(page, 'tab-channels').focus();
    await page.keyboard.press('ArrowRight');
    await byTestId(page, 'panel-tensor').waitFor();
    assert.equal(new URL(page.url()).hash, '#tensor');
    // Back returns to the previous tool.
    await page.goBack();
    await byTestId(page, 'panel-channels').waitFor();
    // A link straight to a tool.
    await app.goto('#values');
    await byTestId(page, 'panel-values').waitFor();
    assert.equal(await byTestId(page, 'tab-values').getAttribute('aria-selected'), 'true');
  });

  test('the form grid has 3, 2 and 1 columns at 1400, 900 and 380 px, and never scrolls sideways', async () => {
    const { page } = app;
    await app.goto('#channels');
    const expected = [
      [1400, 3],
      [900, 2],
      [380, 1],
      [360, 1],
    ];
    for (const tool of TOOLS) {
      await byTestId(page, `tab-${tool}`).click();
      await byTestId(page, `panel-${tool}`).waitFor();
      for (const [width, columns] of expected) {
        await page.setViewportSize({ width, height: 900 });
        assert.equal(await gridColumns(page, tool), columns, `${tool} at ${width}px`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${tool} at ${width}px scrolls sideways by ${overflow}px`);
      }
    }
    await page.setViewportSize(DESKTOP);
  });

  test('reload keeps the input (localStorage), reset restores the examples', async () => {
    const { page } = app;
    await app.goto('#tensor');
    const data = byTestId(page, 'tensor-data');
    const typed = 'w0: 0.5, -0.25, 0.125\nw1: 2 4 8';
    await data.fill(typed);
    await byTestId(page, 'tensor-tensor-name').fill('proj.weight');
    // Reloading at once, inside the debounce: leaving the page saves what was typed.
    await page.reload();
    await ready(page);
    assert.equal(await byTestId(page, 'tensor-data').inputValue(), typed);
    assert.equal(await byTestId(page, 'tensor-tensor-name').inputValue(), 'proj.weight');
    await byTestId(page, 'tensor-scheme').selectOption('symmetric');
    await page.reload();
    await ready(page);
    assert.equal(await byTestId(page, 'tensor-scheme').inputValue(), 'symmetric');

    await byTestId(page, 'reset').click();
    assert.notEqual(await byTestId(page, 'tensor-data').inputValue(), typed);
    assert.equal(await byTestId(page, 'tensor-scheme').inputValue(), 'affine');
    await byTestId(page, 'undo-reset').click();
    assert.equal(await byTestId(page, 'tensor-data').inputValue(), typed);
    await byTestId(page, 'reset').click();
  });

  test('screenshots of each tool at desktop and phone width (e2e/output/)', async () => {
    const { page } = app;
    for (const [label, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ]) {
      await page.setViewportSize(viewport);
      for (const tool of TOOLS) {
        await app.goto(`#${tool}`);
        await byTestId(page, `panel-${tool}`).waitFor();
        await screenshot(page, `${tool}-${label}`);
      }
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize(DESKTOP);
    await app.goto('#channels');
    await screenshot(page, 'channels-desktop-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(DESKTOP);
    assert.deepEqual(app.consoleErrors, []);
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(app.foreignRequests, []);
  });
});
