/**
 * The three views with real pixels in Chromium (software WebGL2): the
 * synthetic scene's straight bay lines, found by their paint colour in a
 * screenshot, are straight in the dewarp view (line fit residual ≤ 2 px) and
 * bend in the wide view; in the top view they are parallel and as far apart
 * as the scene paints them, and the 1 m band lies 1 m (± 3 %) from the
 * bumper outline at the view's scale. Without WebGL2 the page shows the wide
 * view and says so. Screenshots: test-artifacts/e2e/view-*.png. The page shows the
 * rear camera alone (`layout=single`): the geometry is measured on a full-window picture.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { CHROMIUM, haveChromium, launchChromium, type Browser } from '../helpers/browser.js';
import { startRevcam } from '../../src/app/startRevcam.js';
import { DEFAULT_CONFIG } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { cameraModel } from '../../src/geometry/cameraModel.js';
import { bayHalfWidthM } from '../../src/source/synthetic/rearScene.js';
import { projectPoint, type Pixel } from '../../src/wire/camera.js';
import { dewarpGeometry, groundToTop, sourceToView, topGeometry, type ViewKind } from '../../src/display/viewProjection.js';

const SKIP_REASON = `${CHROMIUM} not found: the views e2e test needs Debian's chromium`;
const WAIT_MS = 30_000;
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));
const W = 1280;
const H = 720;
const rear = DEFAULT_CONFIG.cameras['rear']!;
const CAM = cameraModel(rear.calibration, { width: rear.width, height: rear.height, mirror: rear.mirror });
const HW = bayHalfWidthM(DEFAULT_CONFIG.vehicle);

interface StatsView {
  state: string;
  display: { shown: ViewKind; path: string; note: string | null; cost: Record<string, { frames: number; meanMs: number; uploadMeanMs: number | null }> } | null;
}
declare const window: { revcamStats: StatsView };

let app: Awaited<ReturnType<typeof startRevcam>> | undefined;
let browser: Browser | undefined;

before(async () => {
  if (!haveChromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  // Geometry, not liveness, is tested here: a generous age limit keeps a loaded machine's late frames live (undimmed).
  // The calibration mat replaces the moving block, which hid parts of the bay lines and, in a shot taken while it
  // passed, shifted a partly hidden row's centre (2.8 px on a loaded CI machine); the dark mat lies between the lines.
  app = await startRevcam(
    loadConfig({
      raw: {
        server: { port: 0 },
        log: { level: 'error' },
        display: { maxFrameAgeMs: 5000 },
        cameras: { rear: { synthetic: { calibrationMat: true } } },
      },
    }),
  );
});

after(async () => {
  await browser?.close();
  await app?.close();
});

interface Shot {
  data: Buffer;
  stats: StatsView;
}

/**
 * A screenshot taken while the page was live in `view` and that `accept`s
 * (retried: the scene's block moves and may hide the lines for a while).
 */
async function liveShot(page: Page, view: ViewKind, name: string, accept: (s: Shot) => boolean = () => true): Promise<Shot> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    await page.waitForFunction((v) => window.revcamStats.state === 'live' && window.revcamStats.display?.shown === v, view, { timeout: WAIT_MS });
    const png = await page.screenshot({ path: join(ARTIFACTS, `view-${name}.png`) });
    const stats = await page.evaluate(() => JSON.parse(JSON.stringify(window.revcamStats)) as StatsView);
    if (stats.state === 'live') {
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      assert.equal(info.width, W);
      const shot = { data, stats };
      if (accept(shot)) return shot;
    }
    assert.ok(Date.now() < deadline, `no usable live screenshot of ${view} in ${WAIT_MS} ms (see view-${name}.png)`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const rgb = (s: Shot, x: number, y: number): [number, number, number] => {
  const o = (y * W + x) * 3;
  return [s.data[o]!, s.data[o + 1]!, s.data[o + 2]!];
};

/** The scene's bay-line paint (236, 236, 228) after JPEG and resampling: bright and grey. */
const isPaint = ([r, g, b]: [number, number, number]): boolean => Math.min(r, g, b) > 175 && Math.max(r, g, b) - Math.min(r, g, b) < 40;

/**
 * The painted line's centre on each screen row it crosses. `expected` gives,
 * every 1 cm along the ground line, where the view puts the paint's two
 * edges (the scene's lines are LINE_W wide). On each row the run of
 * consecutive paint pixels nearest the expected centre (within ± 8 px of the
 * edges) is taken and its centre used. A row is skipped where that run is
 * narrower than 80 % of the expected width (partly hidden by the block, or
 * blurred far away) or wider than the line plus 6 px (something else bright touches it,
 * e.g. a HUD or notice text): only rows where the line stands alone count,
 * so nothing but the line can pull the fit.
 */
function measureLine(s: Shot, expected: Array<[Pixel, Pixel]>): Pixel[] {
  const rows = new Map<number, [number, number]>();
  for (const [a, b] of expected) {
    const row = Math.round((a[1] + b[1]) / 2);
    const [x0, x1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
    if (row >= 100 && row < H - 10 && x0 > 40 && x1 < W - 40 && !rows.has(row)) rows.set(row, [x0, x1]);
  }
  const out: Pixel[] = [];
  for (const [row, [x0, x1]] of rows) {
    const centre = (x0 + x1) / 2;
    let best: [number, number] | null = null;
    for (let x = Math.floor(x0) - 8; x <= Math.ceil(x1) + 8; x++) {
      if (!isPaint(rgb(s, x, row))) continue;
      let end = x;
      while (end + 1 < W && isPaint(rgb(s, end + 1, row))) end++;
      const dist = Math.abs((x + end + 1) / 2 - centre);
      if (best === null || dist < Math.abs((best[0] + best[1] + 1) / 2 - centre)) best = [x, end];
      x = end;
    }
    if (best === null) continue;
    // A run much narrower than the line is a partly hidden line whose centre is off by up to half
    // the hidden part (seen: 2.8 px on a loaded CI machine while the block passed it).
    const width = best[1] - best[0] + 1;
    if (width >= Math.max(2, 0.8 * (x1 - x0) - 1) && width <= x1 - x0 + 6) out.push([(best[0] + best[1] + 1) / 2, row + 0.5]);
  }
  return out;
}

/** Least-squares x = a·y + b, and the largest perpendicular residual. */
function fitLine(pts: Pixel[]): { a: number; b: number; maxResidual: number } {
  const n = pts.length;
  const my = pts.reduce((t, p) => t + p[1], 0) / n;
  const mx = pts.reduce((t, p) => t + p[0], 0) / n;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  const a = sxy / syy;
  const b = mx - a * my;
  const maxResidual = Math.max(...pts.map(([x, y]) => Math.abs(x - (a * y + b)) / Math.hypot(1, a)));
  return { a, b, maxResidual };
}

/** The scene's paint width (rearScene.ts LINE_W). */
const LINE_W = 0.12;

/** The bay line at `lateral`, 0.7–4.5 m behind the bumper, as each view places its two edges. */
function expectedLine(view: ViewKind, lateral: number): Array<[Pixel, Pixel]> {
  const place = (lat: number, behind: number): Pixel | null => {
    if (view === 'top') return groundToTop(topGeometry(W, H, CAM.mirror), lat, behind);
    const src = projectPoint(CAM, lat, behind);
    if (!src || view === 'wide') return src;
    return sourceToView(CAM, dewarpGeometry(W, H, CAM.mirror), src[0], src[1]);
  };
  const out: Array<[Pixel, Pixel]> = [];
  for (let behind = 0.7; behind <= 4.5; behind += 0.01) {
    const a = place(lateral - LINE_W / 2, behind);
    const b = place(lateral + LINE_W / 2, behind);
    if (a && b) out.push([a, b]);
  }
  return out;
}

const figures: string[] = [];

test(
  'dewarp straightens the bay lines (residual ≤ 2 px) that bend in the wide view; top view: parallel, 1 m band at 1 m',
  { skip: haveChromium ? false : SKIP_REASON, timeout: 240_000 },
  async () => {
    browser = await launchChromium();
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: W, height: H });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    const fits: Record<string, ReturnType<typeof fitLine>[]> = {};
    const shots: Partial<Record<ViewKind, Shot>> = {};
    for (const view of ['wide', 'dewarp', 'top'] as const) {
      await page.goto(`${app!.url}/?view=${view}&guides=0&panel=0&lostMs=5000&layout=single`);
      const expected = [-HW, HW].map((lateral) => expectedLine(view, lateral));
      const rowsOf = (line: Array<[Pixel, Pixel]>): number =>
        new Set(line.map(([a, b]) => Math.round((a[1] + b[1]) / 2)).filter((y) => y >= 100 && y < H - 10)).size;
      // Both lines measured on at least 85 % of the rows they cross (nothing in this scene hides them;
      // a shot with fewer is a page not yet showing the view).
      const seen = (sh: Shot): boolean => expected.every((e) => measureLine(sh, e).length >= Math.max(40, 0.85 * rowsOf(e)));
      const shot = await liveShot(page, view, `${view}-bare`, seen);
      shots[view] = shot;
      if (view !== 'wide') assert.equal(shot.stats.display?.path, 'webgl2', `no WebGL2 in Chromium: ${shot.stats.display?.note}`);
      fits[view] = expected.map((e) => fitLine(measureLine(shot, e)));
      // Reported, not asserted (timing belongs in the bench): the page's own per-frame draw cost.
      const c = shot.stats.display?.cost[view];
      if (c) figures.push(`${view}: draw ${c.meanMs} ms mean (${c.frames} frames painted; shader pass sampled every 10th)${c.uploadMeanMs === null ? '' : `, texture upload ${c.uploadMeanMs} ms`}`);
      figures.push(`${view}: bay line fit residual ${fits[view]!.map((f) => f.maxResidual.toFixed(2)).join(' / ')} px`);
    }
    for (const f of fits['dewarp']!) assert.ok(f.maxResidual <= 2, `dewarp: a bay line is ${f.maxResidual.toFixed(2)} px off straight`);
    for (const f of fits['wide']!) assert.ok(f.maxResidual > 4, `wide: a bay line is only ${f.maxResidual.toFixed(2)} px off straight: it should bend`);

    // Top view: the two lines parallel (within 1°) and 2·HW apart at the view's scale (± 3 %).
    const g = topGeometry(W, H, CAM.mirror);
    const [l, r] = fits['top']!;
    const angle = Math.abs(Math.atan(l!.a) - Math.atan(r!.a)) * (180 / Math.PI);
    const midY = g.bumperY - 2.5 * g.scalePxPerM;
    const apartM = (r!.a * midY + r!.b - (l!.a * midY + l!.b)) / g.scalePxPerM;
    figures.push(`top: bay lines ${angle.toFixed(2)}° from parallel, ${apartM.toFixed(3)} m apart (painted ${(2 * HW).toFixed(3)} m)`);
    assert.ok(angle <= 1, `top: bay lines ${angle.toFixed(2)}° from parallel`);
    assert.ok(Math.abs(apartM - 2 * HW) <= 0.03 * 2 * HW, `top: bay lines ${apartM.toFixed(3)} m apart, painted ${2 * HW} m`);

    // The 1 m band (yellow) against the bumper outline, in the centre columns, with the guidelines on.
    await page.goto(`${app!.url}/?view=top&panel=0&lostMs=5000&layout=single`);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rowsWhere = (sh: Shot, ok: (c: [number, number, number]) => boolean): number[] => {
      const rows = new Set<number>();
      for (let y = 0; y < H; y++) for (let x = g.centreX - 3; x <= g.centreX + 3; x++) if (ok(rgb(sh, x, y))) rows.add(y + 0.5);
      return [...rows];
    };
    const outlineOf = (sh: Shot): number[] => rowsWhere(sh, ([r, gr, b]) => r < 150 && gr > 160 && b > 210);
    /** The yellow run nearest the bumper (contiguous rows above the outline). */
    const bandOf = (sh: Shot): number[] => {
      const outline = outlineOf(sh);
      if (outline.length === 0) return [];
      const rows = rowsWhere(sh, ([r, gr, b]) => r > 200 && gr > 175 && gr < 235 && b < 90).filter((y) => y < mean(outline)).sort((a, b) => b - a);
      const run: number[] = [];
      for (const y of rows) if (run.length === 0 || run[run.length - 1]! - y <= 1.01) run.push(y); else break;
      return run;
    };
    // The scene's block has a yellow stripe too: wait for a frame where it does not touch the band (a band-thick run).
    const top = await liveShot(page, 'top', 'top-guides', (sh) => {
      const run = bandOf(sh);
      return run.length > 0 && run.length <= 14;
    });
    const outline = outlineOf(top);
    const yellow = bandOf(top);
    assert.ok(yellow.length > 0 && outline.length > 0, `band rows ${yellow.length}, outline rows ${outline.length}`);
    const bandM = (mean(outline) - mean(yellow)) / g.scalePxPerM;
    figures.push(`top: 1 m band drawn ${bandM.toFixed(3)} m from the bumper outline`);
    console.log(figures.join('\n'));
    assert.ok(Math.abs(bandM - 1) <= 0.03, `top: the 1 m band is ${bandM.toFixed(3)} m from the bumper`);
    assert.deepEqual(pageErrors, []);
  },
);

test('without WebGL2 the page shows the wide view and says so', { skip: haveChromium ? false : SKIP_REASON, timeout: 120_000 }, async () => {
  const noGl = await launchChromium({ args: ['--disable-3d-apis'] });
  try {
    const page = await noGl.context.newPage();
    await page.setViewportSize({ width: W, height: H });
    await page.goto(`${app!.url}/?view=dewarp&hud=1&panel=0&lostMs=5000&layout=single`);
    const shot = await liveShot(page, 'wide', 'fallback');
    assert.equal(shot.stats.display?.path, '2d');
    assert.match(shot.stats.display?.note ?? '', /WebGL2 not available: wide view only/);
    const hud = await page.locator('#hud').textContent();
    assert.match(hud ?? '', /WebGL2 not available/);
    assert.match((await page.locator('#view-switch').textContent()) ?? '', /no WebGL2/);
  } finally {
    await noGl.close();
  }
});

test(
  'the service recommends the top view while an obstacle is nearer than 0.5 m; the driver\'s choice wins',
  { skip: haveChromium ? false : SKIP_REASON, timeout: 120_000 },
  async () => {
    browser ??= await launchChromium();
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: W, height: H });
    const post = async (body: unknown): Promise<void> => {
      const res = await fetch(`${app!.url}/api/signals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 200, await res.text());
    };
    const shown = (v: ViewKind) => page.waitForFunction((x) => window.revcamStats.display?.shown === x, v, { timeout: WAIT_MS });
    try {
      await post({ gear: 'R', sensors: { outerLeft: 5, innerLeft: 5, innerRight: 5, outerRight: 5 } });
      await page.goto(`${app!.url}/?panel=0&lostMs=5000&layout=single`);
      await liveShot(page, 'wide', 'recommend-before');
      await post({ sensors: { innerLeft: 0.3 } });
      await shown('top');
      await liveShot(page, 'top', 'recommend-top');
      // The driver picks wide: it stays, though the obstacle is still near.
      await page.keyboard.press('1');
      await shown('wide');
      await post({ sensors: { innerLeft: 0.25 } });
      await new Promise((r) => setTimeout(r, 1500));
      const d = await page.evaluate(() => window.revcamStats.display);
      assert.equal(d?.shown, 'wide');
    } finally {
      await post({ sensors: { outerLeft: 5, innerLeft: 5, innerRight: 5, outerRight: 5 } });
      await page.close();
    }
  },
);
