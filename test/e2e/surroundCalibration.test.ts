/**
 * Calibrating a door-mirror camera of a surround-view car in Chromium
 * (`?calibrate=1&camera=left`, docs/calibration.md "Four cameras"): the
 * rear camera is calibrated first (over the API), then the installer drags
 * the left camera's twelve handles onto its markers; Solve shows the residual
 * and the seam with the rear camera in cm, and the seam with the front camera
 * as not measured yet, with nothing saved; Save applies it.
 * Screenshot: test-artifacts/e2e/calibration-surround-left.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import type { MountConfig } from '../../src/config/types.js';
import { CHROMIUM, haveChromium, launchChromium, type Browser } from '../helpers/browser.js';
import { dragHandle } from '../helpers/calibrationPage.js';
import { startTestServer } from '../helpers/server.js';
import { CONFIGURED, handlesOf, markRig, rigCameras, TRUE_MOUNTS } from '../helpers/surroundRig.js';

const SKIP_REASON = `${CHROMIUM} not found: the surround calibration e2e test needs Debian's chromium`;
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));

let app: RevcamApp;
let browser: Browser;

before(async () => {
  if (!haveChromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startTestServer({ cameras: rigCameras(), services: [{ manifest: 'builtin:reversing', standby: 'warm' }] });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

test('the left mirror camera in calibration mode: twelve handles, Solve shows its seam with the rear camera in cm and nothing is saved; Save applies it', { skip: !haveChromium && SKIP_REASON, timeout: 120_000 }, async () => {
  const rear = await fetch(`${app.url}/api/calibration`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ camera: 'rear', points: await markRig(app.url, 'rear') }) });
  assert.equal(rear.status, 200, await rear.text());

  const left = CONFIGURED.left;
  const marks = await markRig(app.url, 'left');
  const handles = await handlesOf(app.url, 'left');
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 720 });
  try {
    await page.goto(`${app.url}/?calibrate=1&camera=left&panel=0&follow=0`);
    await page.waitForFunction(() => (globalThis as unknown as { revcamStats?: { state: string } }).revcamStats?.state === 'live', undefined, { timeout: 20_000 });
    await page.locator('.calibration-handle').nth(11).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.calibration-handle').count(), 12);
    for (const [i, h] of handles.entries()) await dragHandle(page, h.id, marks[i]!.pixel.u, marks[i]!.pixel.v, left);

    await page.click('#calibration-solve');
    await page.locator('#calibration-panel[data-outcome="solved"]').waitFor({ timeout: 20_000 }).catch(async (err: Error) => {
      await page.screenshot({ path: join(ARTIFACTS, 'calibration-surround-left-failed.png') });
      assert.fail(`${err.message}\n${await page.locator('#calibration-result').innerText()}`);
    });
    const text = await page.locator('#calibration-result').innerText();
    assert.match(text, /SOLVED \(not saved\): height 1\.0\d\d m, pitch 6[12]\.\d\d°, yaw 8[78]\.\d\d°/);
    const seam = /seam with rear: (\d+\.\d) cm max, \d+\.\d cm RMS over 4 markers/.exec(text);
    assert.ok(seam && Number(seam[1]) <= 3, `the seam with the rear camera, measured: ${text}`);
    assert.match(text, /seam with front: not measured \(calibrate front with the corner mats too\)/);
    await page.screenshot({ path: join(ARTIFACTS, 'calibration-surround-left.png') });
    const inForce = async (): Promise<MountConfig> => ((await (await fetch(`${app.url}/api/calibration`)).json()) as { cameras: { left: { calibration: { mount: MountConfig } } } }).cameras.left.calibration.mount;
    assert.deepEqual(await inForce(), left.calibration.mount, 'Solve saves nothing');

    await page.click('#calibration-save');
    await page.locator('#calibration-panel[data-outcome="saved"]').waitFor({ timeout: 20_000 });
    const got = await inForce();
    // Handles land on the nearest CSS pixel (half an image pixel here): a little looser than the API test.
    for (const k of ['heightM', 'longitudinalM'] as const) assert.ok(Math.abs(got[k] - TRUE_MOUNTS.left[k]) <= 0.02, `${k}: ${got[k]}`);
    for (const k of ['pitchDeg', 'yawDeg', 'rollDeg'] as const) assert.ok(Math.abs(got[k] - TRUE_MOUNTS.left[k]) <= 0.4, `${k}: ${got[k]}`);
    console.log(text.replace(/\n/g, ' | '));
  } finally {
    await page.close();
  }
});
