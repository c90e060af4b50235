/**
 * End to end in a real browser: the display page served by a real revcam
 * paints the moving rear-camera image, shows SIGNAL LOST when the reversing
 * service hangs, and goes live again when it resumes.
 */
import { test, before, after } from 'node:test';
import { CHROMIUM, haveChromium, launchChromium, type Browser } from '../helpers/browser.js';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page } from 'playwright-core';
import { startRevcam } from '../../src/app/startRevcam.js';
import { loadConfig } from '../../src/config/loadConfig.js';

const SKIP_REASON = `${CHROMIUM} not found: the display e2e test needs Debian's chromium (apt-get install chromium)`;
if (!haveChromium) console.warn(`\n*** SKIPPING display e2e: ${SKIP_REASON} ***\n`);

// Tests check behaviour, not speed: generous waits.
const WAIT_MS = 20_000;
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));

type App = Awaited<ReturnType<typeof startRevcam>>;

// The page functions below run in the browser. The node build has no DOM
// lib, so declare just what they touch (module scope, not global).
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface PageStats {
  state: string;
  framesPainted: number;
  decoder: string;
  width: number;
  height: number;
}
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  querySelector(selector: 'canvas'): PageCanvas | null;
  getElementById(id: string): { hidden: boolean } | null;
};
declare const window: { revcamStats: PageStats };
let app: App | undefined;
let context: BrowserContext | undefined;
let browser: Browser | undefined;

type Cells = Array<[number, number, number]>;

/** Mean RGB of each cell of a cols x rows grid over the whole canvas, with the page state at that instant. */
async function sampleGrid(page: Page, cols = 16, rows = 9): Promise<{ state: string | undefined; cells: Cells }> {
  return page.evaluate(
    ({ cols, rows }) => {
      const canvas = document.querySelector('canvas');
      if (!canvas) throw new Error('no canvas on the page');
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('canvas has no 2d context');
      const { width, height } = canvas;
      const data = ctx.getImageData(0, 0, width, height).data;
      const cells: Array<[number, number, number]> = [];
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const x0 = Math.floor((c * width) / cols);
          const x1 = Math.floor(((c + 1) * width) / cols);
          const y0 = Math.floor((r * height) / rows);
          const y1 = Math.floor(((r + 1) * height) / rows);
          let sr = 0, sg = 0, sb = 0, n = 0;
          // Every 4th pixel in each direction is plenty for a cell mean.
          for (let y = y0; y < y1; y += 4) {
            for (let x = x0; x < x1; x += 4) {
              const i = (y * width + x) * 4;
              sr += data[i]!; sg += data[i + 1]!; sb += data[i + 2]!; n++;
            }
          }
          cells.push([sr / n, sg / n, sb / n]);
        }
      }
      return { state: document.body.dataset.state, cells };
    },
    { cols, rows },
  );
}

const luma = ([r, g, b]: [number, number, number]): number => 0.299 * r + 0.587 * g + 0.114 * b;
const meanLuma = (cells: Cells): number => cells.reduce((s, c) => s + luma(c), 0) / cells.length;
const maxChroma = (cells: Cells): number => Math.max(...cells.map(([r, g, b]) => Math.max(r, g, b) - Math.min(r, g, b)));

async function waitForState(page: Page, state: string): Promise<void> {
  await page.waitForFunction((s) => document.body.dataset.state === s, state, { timeout: WAIT_MS });
}

/**
 * Samples the canvas while the page is in `state`, read in the same task as
 * the pixels: on a loaded machine a live page may briefly (and rightly) go
 * lost, and a dimmed sample must not pass for a live one or the reverse.
 */
async function sampleInState(page: Page, state: string): Promise<Cells> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    await waitForState(page, state);
    const sample = await sampleGrid(page);
    if (sample.state === state) return sample.cells;
    assert.ok(Date.now() < deadline, `page never stayed '${state}' long enough to sample`);
  }
}

before(async () => {
  if (!haveChromium) {
    if (process.env.CI === 'true') throw new Error(`CI requires the display e2e test: ${SKIP_REASON}`);
    return;
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startRevcam(loadConfig({ raw: { server: { port: 0 }, log: { level: 'warn' } } }));
  browser = await launchChromium();
  context = browser.context;
});

after(async () => {
  await browser?.close();
  await app?.close();
});

test(
  'the display paints the live rear image, shows SIGNAL LOST when the reversing service hangs, and recovers',
  { skip: haveChromium ? false : SKIP_REASON, timeout: 120_000 },
  async () => {
    assert.ok(app && context, 'set up in before()');
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    await page.goto(`${app.url}/?hud=1&layout=tiles`);

    // The picture is an image, not a blank canvas.
    const first = await sampleInState(page, 'live');
    const lumas = first.map(luma);
    assert.ok(Math.max(...lumas) - Math.min(...lumas) > 10, `canvas looks uniform: luma ${Math.min(...lumas)}..${Math.max(...lumas)}`);

    // And it moves: a second live sample half a second later differs.
    const paintedBefore = await page.evaluate(() => window.revcamStats.framesPainted);
    await page.waitForTimeout(500);
    const second = await sampleInState(page, 'live');
    const change = Math.max(...first.map((c, i) => Math.abs(luma(c) - luma(second[i]!))));
    assert.ok(change > 0, 'canvas did not change in 500 ms: the image is frozen');
    const stats = await page.evaluate(() => window.revcamStats);
    assert.ok(stats.framesPainted > paintedBefore, 'no frames painted between the two samples');
    assert.equal(stats.decoder, 'jpeg/createImageBitmap');
    assert.ok(stats.width > 0 && stats.height > 0, `resolution reported as ${stats.width}x${stats.height}`);
    await waitForState(page, 'live');
    await page.screenshot({ path: join(ARTIFACTS, 'display-live.png') });
    const liveLuma = meanLuma(second);

    // The HUD key works.
    const hudShown = () => page.evaluate(() => !document.getElementById('hud')!.hidden);
    assert.equal(await hudShown(), true);
    await page.keyboard.press('h');
    assert.equal(await hudShown(), false);
    await page.keyboard.press('h');
    assert.equal(await hudShown(), true);

    // A hung service: the process is alive but frames stop.
    const pid = app.host.get('reversing')?.pid;
    assert.ok(pid, 'the reversing service has a child process');
    process.kill(pid, 'SIGSTOP');
    try {
      const reason = await (
        await page.waitForFunction(() => document.body.dataset.state === 'lost' && document.body.dataset.reason, null, { timeout: WAIT_MS })
      ).jsonValue();
      // The page itself noticed the frames stopped (or was told the source is lost),
      // long before the platform gives up on the hung service and restarts it.
      assert.ok(reason === 'stale' || reason === 'source', `lost for the wrong reason: ${String(reason)}`);
      const status = await page.textContent('#status');
      assert.match(status ?? '', /SIGNAL LOST/);
      // The stale picture is greyed and darkened, never shown as it was.
      const lost = await sampleInState(page, 'lost');
      assert.ok(meanLuma(lost) < liveLuma * 0.75, `lost image not darkened: luma ${meanLuma(lost)} vs live ${liveLuma}`);
      assert.ok(maxChroma(lost) < 12, `lost image not grey: max chroma ${maxChroma(lost)}`);
      await page.screenshot({ path: join(ARTIFACTS, 'display-lost.png') });
    } finally {
      try {
        process.kill(pid, 'SIGCONT');
      } catch (err) {
        // The host may already have killed and replaced the hung child.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }

    await waitForState(page, 'live');
    assert.doesNotMatch((await page.textContent('#status')) ?? '', /SIGNAL LOST/);
    assert.deepEqual(pageErrors, []);
  },
);
