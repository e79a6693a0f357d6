// Launches the system Chromium through playwright-core (Playwright cannot download browsers
// here) with a fresh profile, and watches what the page does: console errors, page errors, and
// every request, aborting any that would leave 127.0.0.1.
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from './server.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// QUANTSCOPE_DIST: another build's folder (a second checkout building into its own dist).
export const DIST = process.env.QUANTSCOPE_DIST ?? join(ROOT, 'dist');
export const OUTPUT = join(ROOT, 'e2e', 'output');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1400, height: 1000 };
export const PHONE = { width: 390, height: 844 };

/**
 * Serves dist/ and opens a browser context on it. Returns helpers and the lists the tests assert
 * on: `consoleErrors`, `pageErrors`, `foreignRequests` (anything not on 127.0.0.1). `dist`: another
 * build's folder than DIST (an A/B bench serves two builds at once).
 */
export async function openApp({ dist = DIST } = {}) {
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error(`no release build in ${dist}: run \`make build\` first (make test-e2e does)`);
  }
  const server = await serveStatic(dist);
  const profile = await mkdtemp(join(tmpdir(), 'quantscope-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: DESKTOP,
  });
  const consoleErrors = [];
  const pageErrors = [];
  const foreignRequests = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === '127.0.0.1') return route.continue();
    foreignRequests.push(route.request().url());
    return route.abort();
  });
  const watch = (page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());

  return {
    server,
    context,
    page,
    consoleErrors,
    pageErrors,
    foreignRequests,
    /** Loads the page afresh at `fragment` (e.g. '#tensor') and waits for the app to be mounted. */
    async goto(fragment = '') {
      // Via about:blank so that a change of fragment alone is still a new page load.
      await page.goto('about:blank');
      await page.goto(server.url + fragment);
      await ready(page);
    },
    async close() {
      await context.close();
      await server.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the wasm app has rendered its tabs. */
export async function ready(page) {
  await page.locator('[data-testid="tabs"]').waitFor({ state: 'visible', timeout: 20_000 });
}

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** Saves a full-page screenshot to e2e/output/<name>.png (gitignored) and returns its path. */
export async function screenshot(page, name) {
  await mkdir(OUTPUT, { recursive: true });
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
