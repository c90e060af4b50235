/**
 * The installer's calibration mode in Chromium: the mat's handles appear
 * over the picture, are dragged onto the markers (found by colour in a
 * streamed frame), and Solve shows the solved mount (not yet saved), or the
 * refusal when two handles are swapped; Save applies it, and the running
 * server's calibration is then the true mount.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import type { MarkedPoint } from '../../src/calibration/solveMount.js';
import type { MountConfig } from '../../src/config/types.js';
import { CHROMIUM, haveChromium, launchChromium, type Browser } from '../helpers/browser.js';
import { dragHandle } from '../helpers/calibrationPage.js';
import { decodeToRgb, markerBlobs, pairWithMat } from '../helpers/matMarkers.js';
import { startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';

const SKIP_REASON = `${CHROMIUM} not found: the calibration e2e test needs Debian's chromium`;
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));
const TRUE: MountConfig = { heightM: 1.08, pitchDeg: 33.5, yawDeg: 2.5, rollDeg: -1.5, lateralM: 0.12, longitudinalM: 0 };

let app: RevcamApp;
let browser: Browser;

before(async () => {
  if (!haveChromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startTestServer({ cameras: { rear: { synthetic: { calibrationMat: true, trueMount: TRUE } } }, services: [{ manifest: 'builtin:reversing', standby: 'warm' }] });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

/** The markers in a streamed frame, paired with the mat points (image pixels). */
async function markers(): Promise<MarkedPoint[]> {
  const v = new TestViewer(app.url, { keepPayloads: true });
  try {
    await v.request();
    await v.waitForFrames(1);
    const { data, width, height } = await decodeToRgb(Buffer.from(v.frames.at(-1)!.payload));
    return pairWithMat(markerBlobs(data, width, height), app.config.cameras.rear!.calibration, { width, height, mirror: true });
  } finally {
    v.close();
  }
}

/** Drags handle `id` to image pixel (u, v) of the 1280x720 rear image. */
const drag = (page: Page, id: string, u: number, v: number): Promise<void> => dragHandle(page, id, u, v, { width: 1280, height: 720 });

test('calibration mode: drag the handles onto the markers, Solve; swapped handles are refused', { skip: !haveChromium && SKIP_REASON, timeout: 90_000 }, async () => {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 720 });
  try {
    await page.goto(`${app.url}/?calibrate=1&panel=0`);
    await page.waitForFunction(() => (globalThis as unknown as { revcamStats?: { state: string } }).revcamStats?.state === 'live', undefined, { timeout: 20_000 });
    await page.locator('.calibration-handle').nth(8).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.calibration-handle').count(), 9);
    await page.screenshot({ path: join(ARTIFACTS, 'calibration-start.png') });

    const marks = await markers();
    const ids = ['nl', 'nc', 'nr', 'ml', 'mc', 'mr', 'fl', 'fc', 'fr'];
    // First with the near corners swapped: refused, with the reason shown.
    for (const [i, id] of ids.entries()) {
      const target = id === 'nl' ? marks[2]! : id === 'nr' ? marks[0]! : marks[i]!;
      await drag(page, id, target.pixel.u, target.pixel.v);
    }
    await page.click('#calibration-solve');
    await page.locator('#calibration-panel[data-outcome="refused"]').waitFor({ timeout: 20_000 });
    assert.match(await page.locator('#calibration-result').innerText(), /REFUSED CALIBRATION_REJECTED[\s\S]*each handle is on its own marker/);
    await page.screenshot({ path: join(ARTIFACTS, 'calibration-refused.png') });

    await drag(page, 'nl', marks[0]!.pixel.u, marks[0]!.pixel.v);
    await drag(page, 'nr', marks[2]!.pixel.u, marks[2]!.pixel.v);
    await page.click('#calibration-solve');
    await page.locator('#calibration-panel[data-outcome="solved"]').waitFor({ timeout: 20_000 });
    const text = await page.locator('#calibration-result').innerText();
    assert.match(text, /SOLVED \(not saved\): height 1\.0\d\d m, pitch 33\.\d\d°/);
    assert.match(text, /on the ground \d+\.\d cm RMS/);
    // Solved is not saved: the calibration in force is still the configured one until Save.
    const before = ((await (await fetch(`${app.url}/api/calibration`)).json()) as { cameras: { rear: { calibration: { mount: MountConfig } } } }).cameras.rear.calibration.mount;
    assert.equal(before.pitchDeg, app.config.cameras.rear!.calibration.mount.pitchDeg);
    await page.click('#calibration-save');
    await page.locator('#calibration-panel[data-outcome="saved"]').waitFor({ timeout: 20_000 });
    assert.match(await page.locator('#calibration-result').innerText(), /SAVED: height 1\.0\d\d m[\s\S]*applied in memory only/);
    // The handles were placed to the nearest CSS pixel: the solve is as good as that.
    const got = ((await (await fetch(`${app.url}/api/calibration`)).json()) as { cameras: { rear: { calibration: { mount: MountConfig } } } }).cameras.rear.calibration.mount;
    assert.ok(Math.abs(got.heightM - TRUE.heightM) <= 0.01 && Math.abs(got.lateralM - TRUE.lateralM) <= 0.01, JSON.stringify(got));
    for (const k of ['pitchDeg', 'yawDeg', 'rollDeg'] as const) assert.ok(Math.abs(got[k] - TRUE[k]) <= 0.2, `${k} ${got[k]}`);
    await page.waitForTimeout(300); // a frame with the moved guidelines
    await page.screenshot({ path: join(ARTIFACTS, 'calibration-solved.png') });
  } finally {
    await page.close();
  }
});
