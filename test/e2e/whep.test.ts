/**
 * WHEP in a real browser: Debian's Chromium is the WHEP client (an
 * RTCPeerConnection receiving video, the offer POSTed to /whep/reversing/rear)
 * and its <video> plays the rear camera: H.264 frames decoded, no packet lost
 * on loopback, the capture time carried in abs-capture-time. DELETE ends the
 * session and frees the viewer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { CHROMIUM, haveChromium, launchChromium, type Browser } from '../helpers/browser.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { startTestServer } from '../helpers/server.js';
import { WHEP_CLIENT_JS, type WhepClientResult, type WhepPageStats } from '../helpers/whepClient.js';

const missing = !haveChromium ? `${CHROMIUM} not found (apt-get install chromium)` : !hasCommand('ffmpeg') ? 'ffmpeg not found (apt-get install ffmpeg)' : undefined;
const SKIP = missing ? `the WHEP e2e test needs ${missing}` : false;
if (SKIP) {
  if (process.env.CI === 'true') throw new Error(`CI=true and ${SKIP}`);
  console.warn(`\n*** SKIPPING WHEP e2e: ${SKIP} ***\n`);
}
const WAIT_MS = 30_000;
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));

let app: RevcamApp | undefined;
let browser: Browser | undefined;

before(async () => {
  if (SKIP) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startTestServer({ cameras: { rear: { width: 640, height: 360, fps: 30 } } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/** A page on the gateway's origin (so the POST passes the origin check) with the WHEP client loaded. */
async function whepPage(): Promise<Page> {
  const page = await browser!.context.newPage();
  await page.goto(`${app!.url}/api/health`);
  await page.setContent('<!doctype html><body style="margin:0;background:#000"></body>');
  await page.evaluate(WHEP_CLIENT_JS);
  return page;
}

const stats = (page: Page) => page.evaluate('window.whepStats()') as Promise<WhepPageStats>;

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let v = await get();
  while (!ok(v)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
    v = await get();
  }
  return v;
}

const viewersOfRear = async (): Promise<number> => {
  const body = (await (await fetch(`${app!.url}/api/services`)).json()) as { services: { name: string; viewers: number }[] };
  return body.services.filter((s) => s.name === 'reversing').reduce((n, s) => n + s.viewers, 0);
};

test('Chromium plays the rear camera over WHEP: H.264 decoded, nothing lost, capture time carried; DELETE frees the viewer', { skip: SKIP }, async () => {
  const page = await whepPage();
  try {
    const started = (await page.evaluate('window.whepPlay("/whep/reversing/rear")')) as WhepClientResult;
    assert.equal(started.status, 201, `POST answered ${started.status}: ${started.body}`);
    assert.match(started.location ?? '', /^\/whep\/sessions\/[A-Za-z0-9_-]{16,}$/);
    const s = await until('30 decoded frames', () => stats(page), (v) => v.framesDecoded >= 30);
    assert.match(s.codec, /^video\/H264$/i, 'the frames decoded are H.264');
    assert.equal(s.packetsLost, 0, 'no packet lost on loopback');
    // revcam's own SRTP send path (src/whep/srtp/) is in use: Chromium decrypted AES-CM + HMAC-SHA1-80 from it.
    assert.equal(s.srtpCipher, 'SRTP_AES128_CM_HMAC_SHA1_80');
    assert.ok(s.videoWidth === 640 && s.videoHeight === 360, `the <video> shows the camera's size, got ${s.videoWidth}x${s.videoHeight}`);
    assert.ok(s.firstFrameMs !== null && s.firstFrameMs > 0, 'requestVideoFrameCallback saw a frame painted');
    // abs-capture-time was negotiated and Chromium read it: the frame's capture time is a wall-clock time near now.
    assert.ok(s.captureTime !== null, 'the painted frame carries a capture time (abs-capture-time)');
    assert.ok(Math.abs(s.captureAgeMs!) < 10_000, `the capture time is plausible (age ${s.captureAgeMs} ms)`);
    console.log(`WHEP: first frame ${s.firstFrameMs?.toFixed(0)} ms after POST, ${s.framesDecoded} decoded, capture→paint ${s.captureAgeMs?.toFixed(0)} ms`);
    assert.equal(await viewersOfRear(), 1, 'the WHEP viewer counts as a viewer of the rear camera');
    await page.locator('video').screenshot({ path: join(ARTIFACTS, 'whep-rear.png') });
    const del = (await page.evaluate('window.whepStop()')) as { status: number };
    assert.equal(del.status, 200);
    await until('the viewer to be freed', viewersOfRear, (n) => n === 0);
    const sessions = (await (await fetch(`${app!.url}/api/sessions`)).json()) as { open: { transport: string }[]; recent: { transport: string; reason: string | null }[] };
    assert.equal(sessions.open.filter((x) => x.transport === 'whep').length, 0, 'no WHEP session is open');
    const whep = sessions.recent.filter((x) => x.transport === 'whep');
    assert.equal(whep.length, 1);
    assert.equal(whep[0]!.reason, 'client closed');
  } finally {
    await page.close();
  }
});

test('the display plays the camera over WHEP with ?transport=whep, and its HUD says so', { skip: SKIP }, async () => {
  const page = await browser!.context.newPage();
  try {
    await page.goto(`${app!.url}/?transport=whep&hud=1&panel=0`);
    const s = await until('the display to be live over WHEP', () => page.evaluate('window.revcamWhep ?? null') as Promise<{ state: string; framesDecoded: number; packetsLost: number; width: number } | null>, (v) => v !== null && v.state === 'live' && v.framesDecoded >= 10);
    assert.equal(s!.packetsLost, 0);
    assert.equal(s!.width, 640);
    assert.equal(await page.getAttribute('body', 'data-state'), 'live');
    const hud = await page.textContent('#hud');
    assert.match(hud ?? '', /transport\s+whep/);
    await page.screenshot({ path: join(ARTIFACTS, 'whep-display.png') });
  } finally {
    await page.close();
  }
  await until('the display\'s viewer to be freed when its page closes', viewersOfRear, (n) => n === 0);
});
