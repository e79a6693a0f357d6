// The main thread's long tasks while a test makes the page work, and the million-value input the
// large-input tests paste (1000 channels × 1000 values).
//
// Two kinds of entry, both over 50 ms: the Long Tasks API's tasks (script and what it runs) and the
// Long Animation Frames API's frames, which also count the frame's style, layout and paint: a task
// API alone missed the 1.2 s of layout Chromium spent on a 7.4 MB text area (a trace showed it).

/** Starts recording the page's long tasks and long animation frames. */
export async function watchLongTasks(page) {
  await page.evaluate(() => {
    window.__longTasks = [];
    window.__longFrames = [];
    window.__longObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        window.__longTasks.push(entry.duration);
        if (entry.entryType !== 'long-animation-frame') continue;
        // What the frame ran (scripts over 5 ms) and its style, layout and paint, for the log.
        const scripts = entry.scripts.filter((s) => s.duration > 5).map((s) => `${s.invoker.slice(0, 40)} ${Math.round(s.duration)}`);
        const render = entry.renderStart ? entry.startTime + entry.duration - entry.renderStart : 0;
        window.__longFrames.push(`${Math.round(entry.duration)} ms at ${Math.round(entry.startTime - (window.__pastedAt ?? 0))}: ${scripts.join(', ')}; rendering ${Math.round(render)}`);
      }
    });
    window.__longObserver.observe({ entryTypes: ['longtask', 'long-animation-frame'] });
  });
}

/** Stops recording (after `settleMs` for the last entries) and returns the durations, ms. The
 * frames' attributions stay in `window.__longFrames` (`longFrames`). */
export async function longTasks(page, settleMs = 100) {
  return page.evaluate(async (settle) => {
    await new Promise((done) => setTimeout(done, settle));
    window.__longObserver.disconnect();
    return window.__longTasks;
  }, settleMs);
}

/** Waits until a large input's charts are drawn from the worker's sample (their note says so) and
 * the page has had `settleMs` more: what the page does after the tables is the input's work too. */
export async function chartsDrawn(page, elements = 1_000_000, settleMs = 300) {
  // Looked for in the charts' captions only: a text search of the whole page runs on its main
  // thread, and its polling would count as the page's long tasks.
  await page.locator('figcaption').filter({ hasText: new RegExp(`Drawn from a strided sample of \\d+ of ${elements} values`) }).first().waitFor({ timeout: 60_000 });
  await page.evaluate((settle) => new Promise((done) => requestAnimationFrame(() => setTimeout(done, settle))), settleMs);
}

/** The long animation frames recorded, each as "duration at start: scripts; rendering". */
export async function longFrames(page) {
  return page.evaluate(() => window.__longFrames ?? []);
}

/** Records when each of `marks` ({name: {selector, text}}: an element matching `selector` whose
 * text contains `text`) is first on the page and painted: the time of the task after the frame
 * that drew it (`performance.now()`), so a long task right after still counts. The page's own
 * clock, not the test's: polling from here would add its interval, and a settle time is not the
 * page's. Read them with `milestones`, relative to `window.__pastedAt`. */
export async function watchMilestones(page, marks) {
  await page.evaluate((marks) => {
    window.__milestones = {};
    const seen = new Set();
    const check = () => {
      for (const [name, { selector, text }] of Object.entries(marks)) {
        if (seen.has(name)) continue;
        if (![...document.querySelectorAll(selector)].some((el) => !text || el.textContent.includes(text))) continue;
        seen.add(name);
        requestAnimationFrame(() => setTimeout(() => (window.__milestones[name] = performance.now())));
      }
    };
    window.__milestoneObserver = new MutationObserver(check);
    window.__milestoneObserver.observe(document.body, { childList: true, subtree: true, characterData: true });
  }, marks);
}

/** The milestones' times, ms after `window.__pastedAt` (set by the test when it pasted). */
export async function milestones(page) {
  return page.evaluate(() => {
    window.__milestoneObserver?.disconnect();
    return Object.fromEntries(Object.entries(window.__milestones).map(([name, at]) => [name, Math.round(at - window.__pastedAt)]));
  });
}

/** The charts' note of a large input, for `watchMilestones`. */
export const CHARTS_MARK = { selector: 'figcaption', text: 'Drawn from a strided sample of' };

/** 1000 lines of 1000 values, as text. */
export function millionValues() {
  const lines = [];
  for (let c = 0; c < 1000; c++) {
    const row = new Array(1000);
    for (let i = 0; i < 1000; i++) row[i] = (Math.sin(c * 1000 + i) * 2).toFixed(4);
    lines.push(row.join(' '));
  }
  return lines.join('\n');
}
