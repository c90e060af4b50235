/**
 * End to end in a real browser: the display follows the gear (idle in P,
 * the rear view on R from the control panel, idle again after D), and the
 * amber trajectory lines and the sensor arcs drawn on the canvas move with
 * the signals POSTed to /api/signals, where the geometry says they should.
 */
import { test, before, after } from 'node:test';
import { CHROMIUM, haveChromium, launchChromium, type Browser } from '../helpers/browser.js';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page } from 'playwright-core';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { DEFAULT_CONFIG } from '../../src/config/defaults.js';
import { sensorArcs } from '../../src/geometry/sensorZones.js';
import { trajectoryOverlay } from '../../src/geometry/trajectory.js';
import type { Point } from '../../src/wire/overlay.js';
import { startTestServer } from '../helpers/server.js';

const SKIP_REASON = `${CHROMIUM} not found: the guidelines e2e test needs Debian's chromium (apt-get install chromium)`;
if (!haveChromium) console.warn(`\n*** SKIPPING guidelines e2e: ${SKIP_REASON} ***\n`);

const WAIT_MS = 20_000;
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));

// The server runs the default config: the same camera and vehicle give the same lines here.
const rear = DEFAULT_CONFIG.cameras.rear!;
const IMAGE = { width: rear.width, height: rear.height, mirror: rear.mirror };
const expectedLines = (steeringDeg: number): Point[][] => {
  const t = trajectoryOverlay(rear.calibration, IMAGE, DEFAULT_CONFIG.vehicle, steeringDeg);
  return [t.left, t.right];
};
/** The middle of a line, inside the picture and clear of the notice at the bottom. */
const probePoints = (line: Point[]): Point[] =>
  line.slice(Math.floor(line.length * 0.25), Math.ceil(line.length * 0.75)).filter(([x, y]) => x > 20 && x < IMAGE.width - 20 && y > 20 && y < IMAGE.height * 0.85);

// Browser-side shapes (the node build has no DOM lib).
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface Guidelines {
  steeringDeg: number | null;
  sensors: string[];
  stale: string[];
}
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  querySelector(selector: 'canvas'): PageCanvas | null;
  getElementById(id: string): { hidden: boolean } | null;
};
declare const window: { revcamStats: { guidelines: Guidelines | null; view: string } };

let app: RevcamApp | undefined;
let context: BrowserContext | undefined;
let browser: Browser | undefined;

type Rgb = [number, number, number];
// Tight enough that the scene's orange cone (255,110,0) and the box's ochre
// stripe (235,180,0), JPEG noise included, pass for neither.
const COLOR_TESTS = {
  /** The trajectory, #ff9f0a. */
  amber: ([r, g, b]: Rgb): boolean => r >= 248 && g >= 140 && g <= 175 && b <= 40,
  /** A yellow (0.5–1 m) sensor arc, #ffcc00. */
  yellow: ([r, g, b]: Rgb): boolean => r >= 248 && g >= 195 && g <= 215 && b <= 40,
};

/**
 * For each image point, whether any pixel of the 3x3 around it on the canvas
 * passes `kind`, read in the same task as the page state so a sample from a
 * dimmed (lost) picture is never taken for a live one.
 */
async function probe(page: Page, points: Point[], kind: keyof typeof COLOR_TESTS): Promise<number> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const got = await page.evaluate(
      ({ points, imageW, imageH }) => {
        const canvas = document.querySelector('canvas');
        const ctx = canvas?.getContext('2d');
        if (!canvas || !ctx) throw new Error('no canvas');
        // The canvas is a 16:9 box like the image; letterbox in case the page is not.
        const scale = Math.min(canvas.width / imageW, canvas.height / imageH);
        const ox = (canvas.width - imageW * scale) / 2;
        const oy = (canvas.height - imageH * scale) / 2;
        const rgb = points.map(([x, y]) => {
          const d = ctx.getImageData(Math.round(ox + x * scale) - 1, Math.round(oy + y * scale) - 1, 3, 3).data;
          const px: Array<[number, number, number]> = [];
          for (let i = 0; i < 9; i++) px.push([d[i * 4]!, d[i * 4 + 1]!, d[i * 4 + 2]!]);
          return px;
        });
        return { state: document.body.dataset.state, rgb };
      },
      { points, imageW: IMAGE.width, imageH: IMAGE.height },
    );
    if (got.state === 'live') {
      const pass = COLOR_TESTS[kind];
      return got.rgb.filter((px) => px.some(pass)).length / points.length;
    }
    assert.ok(Date.now() < deadline, 'page never stayed live long enough to sample');
    await page.waitForTimeout(50);
  }
}

/**
 * Mean x of the trajectory-amber pixels in the middle band of rows, as a
 * fraction of the canvas width (null when there are none): a check of which
 * way the lines bend that does not lean on the geometry code.
 */
async function amberCentreX(page: Page): Promise<number | null> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const got = await amberCentreXNow(page);
    if (got.state === 'live') return got.x;
    assert.ok(Date.now() < deadline, 'page never stayed live long enough to sample');
    await page.waitForTimeout(50);
  }
}

async function amberCentreXNow(page: Page): Promise<{ state: string | undefined; x: number | null }> {
  return page.evaluate(() => {
    const canvas = document.querySelector('canvas');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) throw new Error('no canvas');
    const { width, height } = canvas;
    const y0 = Math.floor(height * 0.3);
    const d = ctx.getImageData(0, y0, width, Math.floor(height * 0.4)).data;
    let sum = 0;
    let n = 0;
    for (let i = 0; i < d.length; i += 8) {
      const r = d[i]!, g = d[i + 1]!, b = d[i + 2]!;
      // The same amber test as COLOR_TESTS.amber (page functions cannot close over node values).
      if (r >= 248 && g >= 140 && g <= 175 && b <= 40) {
        sum += (i / 4) % width;
        n++;
      }
    }
    return { state: document.body.dataset.state, x: n > 50 ? sum / n / width : null };
  });
}

async function post(body: unknown): Promise<void> {
  const res = await fetch(`${app!.url}/api/signals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, `POST /api/signals answered ${res.status}: ${await res.text()}`);
}

async function waitForState(page: Page, state: string): Promise<void> {
  await page.waitForFunction((s) => document.body.dataset.state === s, state, { timeout: WAIT_MS });
}

/** Waits until a painted frame carried an overlay that passes `ok`. */
async function waitForGuidelines(page: Page, ok: string): Promise<void> {
  // `ok` is a predicate body over `g`, evaluated in the page.
  await page.waitForFunction(`(() => { const g = window.revcamStats.guidelines; return !!g && (${ok}); })()`, null, { timeout: WAIT_MS });
}

before(async () => {
  if (!haveChromium) {
    if (process.env.CI === 'true') throw new Error(`CI requires the guidelines e2e test: ${SKIP_REASON}`);
    return;
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  // A short hold so leaving reverse ends the view quickly.
  app = await startTestServer({ reverse: { holdMs: 300 }, signals: { simulator: { initialGear: 'P' } } });
  browser = await launchChromium();
  context = browser.context;
});

after(async () => {
  await browser?.close();
  await app?.close();
});

test(
  'reverse brings up the rear view; the trajectory lines and sensor arcs follow the signals; leaving reverse ends it',
  { skip: haveChromium ? false : SKIP_REASON, timeout: 120_000 },
  async () => {
    assert.ok(app && context, 'set up in before()');
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    // Parked: the simulator starts in P, the display follows the gear and shows the idle screen.
    await page.goto(`${app.url}/?layout=tiles`);
    await waitForState(page, 'idle');
    assert.match((await page.textContent('#status')) ?? '', /Not in reverse/);
    await page.screenshot({ path: join(ARTIFACTS, 'guidelines-idle.png') });

    // R from the control panel: the rear view comes up by itself.
    await page.click('#controls button[data-gear="R"]');
    await waitForState(page, 'live');
    assert.equal(await page.evaluate(() => window.revcamStats.view), 'rear');

    // `c` hides the panel, so it covers none of the picture being sampled.
    const panelShown = () => page.evaluate(() => !document.getElementById('controls')!.hidden);
    assert.equal(await panelShown(), true);
    await page.keyboard.press('c');
    assert.equal(await panelShown(), false);

    const [left450, right450] = expectedLines(450).map(probePoints) as [Point[], Point[]];
    const [leftM450, rightM450] = expectedLines(-450).map(probePoints) as [Point[], Point[]];
    assert.ok(left450.length > 5 && right450.length > 5 && leftM450.length > 5 && rightM450.length > 5, 'enough visible points to probe');
    const [arc] = sensorArcs(rear.calibration, IMAGE, DEFAULT_CONFIG.vehicle, { innerRight: 0.8 });
    assert.equal(arc?.color, 'yellow');
    const arcPoints = probePoints(arc.polyline);
    assert.ok(arcPoints.length > 2, 'enough visible arc points to probe');

    // Wheel straight, nothing behind.
    await post({ steeringDeg: 0, sensors: { outerLeft: 5, innerLeft: 5, innerRight: 5, outerRight: 5 } });
    await waitForGuidelines(page, 'g.steeringDeg === 0 && g.sensors.length === 0 && g.stale.length === 0');
    await page.screenshot({ path: join(ARTIFACTS, 'guidelines-straight.png') });
    const straightAt450 = await probe(page, [...left450, ...right450], 'amber');
    assert.ok(straightAt450 < 0.3, `with the wheel straight, ${(straightAt450 * 100).toFixed(0)}% of the full-left line positions are amber`);
    const straightX = await amberCentreX(page);
    assert.ok(straightX !== null && Math.abs(straightX - 0.5) < 0.05, `straight lines are not centred: amber at ${straightX}`);
    const arcBefore = await probe(page, arcPoints, 'yellow');
    assert.ok(arcBefore < 0.3, `${(arcBefore * 100).toFixed(0)}% of the sensor arc is yellow before any obstacle`);

    // Wheel turned left 450°: the lines are drawn where the bicycle model puts them, curving left on screen.
    await post({ steeringDeg: 450 });
    await waitForGuidelines(page, 'g.steeringDeg === 450');
    await page.screenshot({ path: join(ARTIFACTS, 'guidelines-left.png') });
    const leftOn = await probe(page, [...left450, ...right450], 'amber');
    const leftOff = await probe(page, [...leftM450, ...rightM450], 'amber');
    assert.ok(leftOn > 0.7, `only ${(leftOn * 100).toFixed(0)}% of the expected left-turn line is amber`);
    assert.ok(leftOff < 0.3, `${(leftOff * 100).toFixed(0)}% of the right-turn line positions are amber while turning left`);
    // On the mirrored rear image, wheel left bends the lines to the screen's left.
    const leftX = await amberCentreX(page);
    assert.ok(leftX !== null && leftX < straightX - 0.05, `wheel left: amber centred at ${leftX} of the width, straight at ${straightX}`);

    // Wheel turned right, an obstacle 0.8 m behind the inner right sensor: the lines swap sides, a yellow arc appears.
    await post({ steeringDeg: -450, sensors: { innerRight: 0.8 } });
    await waitForGuidelines(page, "g.steeringDeg === -450 && g.sensors.includes('innerRight')");
    await page.screenshot({ path: join(ARTIFACTS, 'guidelines-right-sensor.png') });
    const rightOn = await probe(page, [...leftM450, ...rightM450], 'amber');
    const rightOff = await probe(page, [...left450, ...right450], 'amber');
    assert.ok(rightOn > 0.7, `only ${(rightOn * 100).toFixed(0)}% of the expected right-turn line is amber`);
    assert.ok(rightOff < 0.3, `${(rightOff * 100).toFixed(0)}% of the left-turn line positions are still amber`);
    const rightX = await amberCentreX(page);
    assert.ok(rightX !== null && rightX > straightX + 0.05, `wheel right: amber centred at ${rightX} of the width, straight at ${straightX}`);
    const arcAfter = await probe(page, arcPoints, 'yellow');
    assert.ok(arcAfter > 0.7, `only ${(arcAfter * 100).toFixed(0)}% of the inner-right sensor arc is yellow`);

    // Out of reverse: after the hold time the view ends and the stream stops.
    await post({ gear: 'D' });
    await waitForState(page, 'idle');
    assert.equal(await page.evaluate(() => window.revcamStats.view), 'none');
    assert.deepEqual(pageErrors, []);
  },
);
