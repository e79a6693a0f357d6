// The README's screenshots, one per tool, from the release build in headless Chromium:
// `make build && node e2e/screenshots.mjs` writes docs/screenshot-{channels,tensor,values,files}.png
// (light, the top 1200 × 1500 of the page: the four tabs, the form, the first results). Not a test: run it when the page's look changes.
import { join } from 'node:path';
import { byTestId, openApp, ROOT } from './support/browser.mjs';

const VIEWPORT = { width: 1200, height: 1500 };
const MODEL = join(ROOT, 'crates', 'weights', 'tests', 'data', 'model.safetensors');

const app = await openApp();
try {
  const { page } = app;
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
  await page.setViewportSize(VIEWPORT);
  for (const tool of ['channels', 'tensor', 'values', 'files']) {
    await app.goto(`#${tool}`);
    await byTestId(page, `panel-${tool}`).waitFor();
    if (tool === 'files') {
      await byTestId(page, 'files-input').setInputFiles(MODEL);
      await byTestId(page, 'files-tensors').waitFor();
      await byTestId(page, 'files-analyse').click();
      await byTestId(page, 'files-results').waitFor();
    } else {
      await byTestId(page, `${tool}-results`).locator('table').first().waitFor();
    }
    const path = join(ROOT, 'docs', `screenshot-${tool}.png`);
    await page.screenshot({ path });
    console.log(path);
  }
} finally {
  await app.close();
}
