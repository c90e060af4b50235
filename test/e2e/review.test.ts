/**
 * The review page end to end (issue 16, "Review"; docs/recorder.md): a real
 * `revcam serve` records the rear camera with short pre/post windows; the
 * rear sensor trigger (gear R, a sensor under 0.3 m, POST /api/signals) and
 * a manual POST /api/events make one clip; once complete, ffprobe finds no
 * error in it, GET /api/events/{id}/signals serves its timeline, and in
 * Debian's Chromium /review lists it, its <video> plays, the scrubber and
 * the jump button seek to the triggers to within one frame, the HUD shows
 * the gear and nearest distance of the sidecar's row at that time, the
 * guidelines (with the obstacle's sensor arc) are drawn on the picture, and the
 * Lock button locks it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { gearLetter } from '../../src/wire/signals.js';
import { CHROMIUM, haveChromium, launchChromium, type Browser } from '../helpers/browser.js';
import { startCliServer, type CliServer } from '../helpers/cliServer.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { until } from '../helpers/until.js';

const missing = !haveChromium ? `${CHROMIUM} not found (apt-get install chromium)` : !hasCommand('ffmpeg') || !hasCommand('ffprobe') ? 'ffmpeg/ffprobe not found (apt-get install ffmpeg)' : undefined;
const SKIP = missing ? `the review e2e test needs ${missing}` : false;
if (SKIP) {
  if (process.env.CI === 'true') throw new Error(`CI=true and ${SKIP}`);
  console.warn(`\n*** SKIPPING review e2e: ${SKIP} ***\n`);
}
const WAIT_MS = 30_000;
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));

interface Trigger {
  kind: string;
  offsetMs: number;
  detail?: Record<string, unknown>;
}
interface Manifest {
  id: string;
  state: string;
  durationMs: number;
  frames: number;
  locked: boolean;
  triggers: Trigger[];
  signals: string;
}
interface Arc {
  zone: string;
  distanceM: number;
  color: string;
}
interface Row {
  tMs: number;
  currentGear: number | null;
  selectedGear: number | null;
  speedKmh: number | null;
  nearestM: number | null;
  overlay?: { width: number; height: number; sensors?: Arc[] };
}
interface Sidecar {
  version: number;
  id: string;
  hz: number;
  rows: Row[];
}
interface Hud {
  t: number;
  rowTMs: number | null;
  gear: string | null;
  speedKmh: number | null;
  nearestM: number | null;
  overlay: boolean;
  rect: { x: number; y: number; w: number; h: number } | null;
}
interface ReviewState {
  listed: string[];
  selected: string | null;
  timeline: boolean;
  hud: Hud;
  error: string | null;
  videoError: string | null;
}

// Browser-side shapes (the node build has no DOM lib).
interface PageVideo {
  currentTime: number;
  paused: boolean;
  readyState: number;
  duration: number;
  error: { code: number } | null;
  pause(): void;
  getVideoPlaybackQuality(): { totalVideoFrames: number; droppedVideoFrames: number };
  requestVideoFrameCallback(cb: (now: number, meta: { mediaTime: number }) => void): number;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
declare const document: {
  getElementById(id: 'video'): PageVideo | null;
  getElementById(id: 'overlay'): PageCanvas | null;
  querySelector(selector: string): { click(): void; getAttribute(name: string): string | null } | null;
};
declare const window: { revcamReview: ReviewState; devicePixelRatio: number };

let server: CliServer | undefined;
let browser: Browser | undefined;
let tmp: string | undefined;

before(async () => {
  if (SKIP) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'revcam-review-'));
  const config = join(tmp, 'revcam.json');
  writeFileSync(config, JSON.stringify({ stateDir: join(tmp, 'state'), recorder: { preSeconds: 2, postSeconds: 2 } }));
  server = await startCliServer(['--config', config]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: T }> {
  const res = await fetch(`${server!.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: (text ? JSON.parse(text) : null) as T };
}

/** The row the page shows for `tMs`: the nearest one, ties to the earlier (src/display/review/timeline.ts). */
function nearestRow(rows: readonly Row[], tMs: number): Row {
  let best = rows[0]!;
  for (const r of rows) if (Math.abs(r.tMs - tMs) < Math.abs(best.tMs - tMs)) best = r;
  return best;
}

async function hudAt(page: Page, targetS: number, frameS: number): Promise<Hud> {
  await page.waitForFunction(
    ({ targetS, frameS }) => {
      const v = document.getElementById('video')!;
      const h = window.revcamReview.hud;
      return v.paused && v.readyState >= 2 && Math.abs(v.currentTime - targetS) <= frameS && Math.abs(h.t - v.currentTime) < 1e-6 && h.rowTMs !== null;
    },
    { targetS, frameS },
    { timeout: WAIT_MS },
  );
  return page.evaluate(() => window.revcamReview.hud);
}

/** Seeks with `selector` (a click) and resolves with the presented frame's mediaTime and the currentTime after it. */
async function seekWith(page: Page, selector: string): Promise<{ mediaTime: number; currentTime: number }> {
  return page.evaluate(
    (selector) =>
      new Promise<{ mediaTime: number; currentTime: number }>((resolve) => {
        const v = document.getElementById('video')!;
        v.requestVideoFrameCallback((_now, meta) => resolve({ mediaTime: meta.mediaTime, currentTime: v.currentTime }));
        document.querySelector(selector)!.click();
      }),
    selector,
  );
}

/** Pixels of the overlay canvas in the yellow of the guidelines (#ffcc00): the 1 m band, and a 0.5–1 m sensor arc when there is one. */
async function yellowPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const c = document.getElementById('overlay')!;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 200 && d[i]! > 240 && d[i + 1]! > 190 && d[i + 1]! < 215 && d[i + 2]! < 40) n++;
    return n;
  });
}

/** The overlay in force at a row of the sidecar (the last one set at or before it). */
function overlayAt(rows: readonly Row[], row: Row): Row['overlay'] {
  let inForce: Row['overlay'];
  for (const r of rows) {
    if (r.tMs > row.tMs) break;
    inForce = r.overlay ?? inForce;
  }
  return inForce;
}

test('a sensor and a manual trigger make one clip that /review lists, plays, seeks to each trigger with the timeline HUD and overlay, and locks', { skip: SKIP, timeout: 180_000 }, async (t) => {
  const base = server!.url;
  // The recorder starts about a second after boot; then give the ring its 2 s of pre-roll.
  await until('the recorder service', WAIT_MS, async () => /"service":"recorder"[^\n]*"service running"/.test(server!.output()));
  await new Promise((r) => setTimeout(r, 3000));

  // The rear sensor trigger: reversing and the nearest sensor under 0.3 m.
  const sig = await api('/api/signals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ gear: 'R', speedKmh: 2, sensors: { innerLeft: 0.22, innerRight: 0.9 } }) });
  assert.equal(sig.status, 200, JSON.stringify(sig.body));
  await new Promise((r) => setTimeout(r, 800));
  const manual = await api<{ id: string; merged: boolean }>('/api/events', { method: 'POST' });
  assert.ok(manual.status === 200 || manual.status === 201, JSON.stringify(manual.body));
  const id = manual.body.id;
  assert.equal(manual.body.merged, true, 'the manual trigger falls in the sensor clip’s post window: merged');

  const m = await until('the clip to be complete', WAIT_MS, async () => {
    const r = await api<Manifest>(`/api/events/${id}`);
    return r.body.state === 'complete' && r.body;
  }, 250);
  assert.deepEqual(m.triggers.map((t) => t.kind), ['sensor', 'manual']);
  const sensor = m.triggers[0]!;
  const manualTrigger = m.triggers[1]!;
  /** One frame of this clip (the encoder's rate varies with the machine's load), never less than 30 fps's. */
  const frameS = Math.max(1 / 30, m.durationMs / 1000 / Math.max(1, m.frames - 1)) + 0.002;

  // The file is clean for ffprobe.
  const mp4 = join(tmp!, 'state', 'recordings', `${id}.mp4`);
  const probe = spawnSync('ffprobe', ['-v', 'error', mp4], { encoding: 'utf8' });
  assert.equal(probe.status, 0);
  assert.equal(`${probe.stdout}${probe.stderr}`, '', 'ffprobe -v error prints nothing');
  // Every frame's presentation time, to know which frame a seek must show.
  const pts = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', mp4], { encoding: 'utf8' })
    .stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
  assert.equal(pts.length, m.frames, 'ffprobe counts the manifest\'s frames');
  /** The frame on screen at `t`: the last one presented at or before it (a trigger's offset is whole ms: ±0.5 ms). */
  const frameAt = (at: number): number => pts.filter((p) => p <= at + 5e-4).at(-1) ?? pts[0]!;
  const maxGap = Math.max(...pts.slice(1).map((p, i) => p - pts[i]!));
  t.diagnostic(`clip ${id}: ${m.frames} frames in ${m.durationMs} ms, longest frame interval ${(maxGap * 1000).toFixed(0)} ms, triggers at ${m.triggers.map((x) => `${x.kind} ${x.offsetMs} ms`).join(', ')}`);

  // GET /api/events/{id}/signals: the sidecar, as JSON.
  const side = await api<Sidecar>(`/api/events/${id}/signals`);
  assert.equal(side.status, 200);
  assert.match(side.type ?? '', /^application\/json/);
  assert.equal(side.body.id, id);
  assert.ok(side.body.rows.length >= m.durationMs / 100 - 2, `about one row per 100 ms (${side.body.rows.length} for ${m.durationMs} ms)`);
  assert.ok(side.body.rows[0]!.overlay, 'the first row carries the overlay in force');
  assert.equal((await api(`/api/events/20991231T000000Z-rear-0000/signals`)).status, 404);
  assert.equal((await api(`/api/events/..%2Fsecret/signals`)).status, 400);

  const page = await browser!.context.newPage();
  await page.setViewportSize({ width: 1400, height: 820 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // The page is served at /review and /review.html; the main display links here.
  for (const path of ['/review', '/review.html']) {
    const r = await fetch(`${base}${path}`);
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/, path);
  }
  await page.goto(`${base}/?follow=0&layout=tiles`);
  assert.equal(await page.getAttribute('#review-link', 'href'), '/review');

  await page.goto(`${base}/review`);
  await page.waitForSelector(`#events li[data-id="${id}"]`, { timeout: WAIT_MS });
  const item = (await page.textContent(`#events li[data-id="${id}"]`)) ?? '';
  assert.match(item, /complete/);
  assert.match(item, /sensor @/);
  assert.match(item, /manual @/);
  assert.match(item, new RegExp(`${(m.durationMs / 1000).toFixed(1)} s`));
  await page.click(`#events li[data-id="${id}"] button`);
  await page.waitForFunction((id) => window.revcamReview.selected === id && window.revcamReview.timeline && document.getElementById('video')!.readyState >= 2, id, { timeout: WAIT_MS });

  // It plays: time advances and frames are decoded.
  const frames0 = await page.evaluate(() => document.getElementById('video')!.getVideoPlaybackQuality().totalVideoFrames);
  await page.click('#play');
  await page.waitForFunction((n) => {
    const v = document.getElementById('video')!;
    return v.currentTime > 1 && v.getVideoPlaybackQuality().totalVideoFrames > n + 10;
  }, frames0, { timeout: WAIT_MS });
  const played = await page.evaluate(() => {
    const v = document.getElementById('video')!;
    return { t: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames, error: v.error?.code ?? null, hud: window.revcamReview.hud };
  });
  assert.equal(played.error, null, 'the <video> has no error');
  assert.ok(played.hud.rowTMs !== null && Math.abs(played.hud.t - played.t) < 0.5, `the HUD follows playback (${JSON.stringify(played.hud)} at ${played.t})`);
  await page.click('#play'); // pause
  await page.waitForFunction(() => document.getElementById('video')!.paused);
  // Before the obstacle (the first row): the guidelines without a sensor arc.
  await page.evaluate(() => {
    document.getElementById('video')!.currentTime = 0;
  });
  await page.waitForFunction(() => window.revcamReview.hud.t === 0 && window.revcamReview.hud.overlay, null, { timeout: WAIT_MS });
  assert.equal(overlayAt(side.body.rows, nearestRow(side.body.rows, 0))?.sensors, undefined, 'no obstacle at the start');
  const yellowBefore = await yellowPixels(page);
  assert.ok(yellowBefore > 200, `the 1 m band is drawn at the start (${yellowBefore} px)`);
  await page.screenshot({ path: join(ARTIFACTS, 'review-start.png') });

  // The scrubber's sensor mark seeks to the trigger: the frame shown is within one frame of it.
  const seek = await seekWith(page, '#scrubber .mark.sensor');
  assert.ok(Math.abs(seek.currentTime - sensor.offsetMs / 1000) <= frameS, `currentTime ${seek.currentTime} ≈ ${sensor.offsetMs / 1000}`);
  assert.ok(Math.abs(seek.mediaTime - frameAt(sensor.offsetMs / 1000)) < 0.002, `the frame shown (${seek.mediaTime}) is the one at the trigger (${frameAt(sensor.offsetMs / 1000)} ≤ ${sensor.offsetMs / 1000})`);
  const hud = await hudAt(page, sensor.offsetMs / 1000, frameS);
  t.diagnostic(`at the sensor trigger: frame ${seek.mediaTime.toFixed(3)} s shown for ${seek.currentTime.toFixed(3)} s, HUD ${JSON.stringify({ row: hud.rowTMs, gear: hud.gear, nearestM: hud.nearestM, speedKmh: hud.speedKmh })}`);
  const row = nearestRow(side.body.rows, hud.t * 1000);
  assert.equal(hud.rowTMs, row.tMs, 'the HUD shows the row nearest the time shown');
  assert.equal(hud.gear, gearLetter(row.currentGear ?? undefined, row.selectedGear ?? undefined));
  assert.equal(hud.gear, 'R');
  assert.equal(hud.nearestM, row.nearestM);
  assert.equal(hud.speedKmh, row.speedKmh);
  assert.equal((await page.textContent('#hud-gear'))?.trim(), 'R');
  assert.equal((await page.textContent('#hud-nearest'))?.trim(), `${row.nearestM!.toFixed(2)} m`);
  assert.match((await page.textContent('#hud-trigger')) ?? '', /SENSOR 0\.22 m/);
  assert.equal(hud.overlay, true, 'the guidelines are drawn');
  assert.ok(hud.rect && hud.rect.w > 600 && Math.abs(hud.rect.w / hud.rect.h - 16 / 9) < 0.01, `the overlay is placed on the letterboxed picture (${JSON.stringify(hud.rect)})`);
  const triggerRow = side.body.rows.find((r) => r.tMs >= sensor.offsetMs)!;
  assert.equal(triggerRow.nearestM, 0.22, 'the first row at or after the trigger has the sensor value');
  if (row.tMs >= sensor.offsetMs) {
    // The row shown is after the sensor change: the overlay the driver saw has the 0.9 m arc, in yellow, on the picture.
    assert.equal(row.nearestM, 0.22);
    assert.ok(overlayAt(side.body.rows, row)?.sensors?.some((a) => a.zone === 'innerRight' && a.color === 'yellow'), 'the overlay in force has the inner right arc');
    const yellowAt = await yellowPixels(page);
    assert.ok(yellowAt > yellowBefore + 300, `the yellow sensor arc is drawn over the video (${yellowBefore} → ${yellowAt} px)`);
  }
  await page.screenshot({ path: join(ARTIFACTS, 'review-sensor-trigger.png') });

  // The jump button: from the start, to the first trigger, then to the next.
  await page.evaluate(() => {
    document.getElementById('video')!.currentTime = 0;
  });
  await page.waitForFunction(() => document.getElementById('video')!.currentTime === 0 && window.revcamReview.hud.t === 0);
  const j1 = await seekWith(page, '#jump');
  assert.ok(Math.abs(j1.currentTime - sensor.offsetMs / 1000) <= frameS, `jump 1 at ${j1.currentTime}`);
  const j2 = await seekWith(page, '#jump');
  assert.ok(Math.abs(j2.currentTime - manualTrigger.offsetMs / 1000) <= frameS, `jump 2 at ${j2.currentTime}`);
  assert.ok(Math.abs(j2.mediaTime - frameAt(manualTrigger.offsetMs / 1000)) < 0.002, `jump 2: the frame shown (${j2.mediaTime}) is the one at the trigger (${frameAt(manualTrigger.offsetMs / 1000)})`);
  const hud2 = await hudAt(page, manualTrigger.offsetMs / 1000, frameS);
  const row2 = nearestRow(side.body.rows, hud2.t * 1000);
  assert.deepEqual([hud2.rowTMs, hud2.gear, hud2.nearestM], [row2.tMs, 'R', row2.nearestM]);
  assert.ok((await yellowPixels(page)) > yellowBefore + 300, 'at the manual trigger the obstacle\'s arc is still drawn');
  await page.screenshot({ path: join(ARTIFACTS, 'review-manual-trigger.png') });

  // A click on the bar seeks to that fraction of the clip.
  const box = (await page.locator('#scrubber-track').boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.25, box.y + 3);
  await page.waitForFunction((d) => Math.abs(document.getElementById('video')!.currentTime - d) < 0.2, (m.durationMs / 1000) * 0.25, { timeout: WAIT_MS });

  // Lock.
  await page.click('#lock');
  await page.waitForSelector(`#events li[data-id="${id}"] .locked`, { timeout: WAIT_MS });
  assert.equal((await api<Manifest>(`/api/events/${id}`)).body.locked, true);
  assert.equal(await page.textContent('#lock'), '🔒 Locked');

  const final = await page.evaluate(() => ({ error: window.revcamReview.error, videoError: window.revcamReview.videoError, listed: window.revcamReview.listed }));
  assert.deepEqual(final.listed, [id]);
  assert.equal(final.videoError, null);
  assert.equal(final.error, null);
  assert.deepEqual(errors, []);
  await page.close();
});
