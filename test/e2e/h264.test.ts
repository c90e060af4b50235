/**
 * H.264 in a real browser: Debian's Chromium decodes the reversing stream
 * with WebCodecs' VideoDecoder and paints it, and a page without WebCodecs
 * falls back to JPEG and says so in the HUD.
 */
import { after, before, test } from 'node:test';
import { CHROMIUM, haveChromium, launchChromium, type Browser } from '../helpers/browser.js';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page } from 'playwright-core';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { startTestServer } from '../helpers/server.js';

const missing = !haveChromium ? `${CHROMIUM} not found (apt-get install chromium)` : !hasCommand('ffmpeg') ? 'ffmpeg not found (apt-get install ffmpeg)' : undefined;
const SKIP = missing ? `the H.264 display test needs ${missing}` : false;
if (SKIP) {
  if (process.env.CI === 'true') throw new Error(`CI=true and ${SKIP}`);
  console.warn(`\n*** SKIPPING H.264 e2e: ${SKIP} ***\n`);
}
const WAIT_MS = 30_000;
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/e2e/', import.meta.url));

interface PageStats {
  state: string;
  framesPainted: number;
  framesReceived: number;
  decoder: string;
  codec: string;
  width: number;
  height: number;
  lastError: string | null;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
declare const document: { body: { dataset: Record<string, string | undefined> }; querySelector(s: 'canvas'): PageCanvas | null; getElementById(id: string): { textContent: string | null } | null };
declare const window: { revcamStats: PageStats; VideoDecoder?: unknown };

let app: RevcamApp | undefined;
let context: BrowserContext | undefined;
let browser: Browser | undefined;

before(async () => {
  if (SKIP) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startTestServer({ cameras: { rear: { width: 1280, height: 720, fps: 30 } } });
  browser = await launchChromium();
  context = browser.context;
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/** Luma of a 8x6 grid of cells over the canvas, read while the page is live. */
async function lumaGrid(page: Page): Promise<number[]> {
  await page.waitForFunction(() => document.body.dataset.state === 'live' && window.revcamStats.framesPainted > 0, null, { timeout: WAIT_MS });
  return page.evaluate(() => {
    const canvas = document.querySelector('canvas')!;
    const { width, height } = canvas;
    const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
    const out: number[] = [];
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c < 8; c++) {
        let sum = 0;
        let n = 0;
        for (let y = Math.floor((r * height) / 6); y < Math.floor(((r + 1) * height) / 6); y += 4) {
          for (let x = Math.floor((c * width) / 8); x < Math.floor(((c + 1) * width) / 8); x += 4) {
            const i = (y * width + x) * 4;
            sum += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
            n++;
          }
        }
        out.push(sum / n);
      }
    }
    return out;
  });
}

test('Chromium decodes the H.264 stream with WebCodecs and paints the live picture', { skip: SKIP, timeout: 120_000 }, async () => {
  const page = await context!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${app!.url}/?codec=h264&hud=1&follow=0&panel=0&layout=tiles`);
  const first = await lumaGrid(page);
  assert.ok(Math.max(...first) - Math.min(...first) > 10, 'the canvas shows a picture, not a flat colour');
  const stats = await page.evaluate(() => window.revcamStats);
  assert.equal(stats.decoder, 'h264/WebCodecs');
  assert.equal(stats.codec, 'h264');
  assert.deepEqual([stats.width, stats.height], [1280, 720], "the picture's visible size, not the coded 1280x736");
  await page.waitForFunction((n) => window.revcamStats.framesPainted > n + 15, stats.framesPainted, { timeout: WAIT_MS });
  const second = await lumaGrid(page);
  assert.ok(first.some((l, i) => Math.abs(l - second[i]!) > 0), 'the picture moves');
  assert.match((await page.textContent('#hud')) ?? '', /h264\/WebCodecs/, 'the HUD names the decoder path');
  assert.ok(app!.hub.streams().some((s) => s.camera === 'rear' && s.codec === 'h264' && s.viewers > 0), 'the page is an H.264 viewer');
  await page.screenshot({ path: join(ARTIFACTS, 'display-h264.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('without WebCodecs the page falls back to JPEG and the HUD says why', { skip: SKIP, timeout: 120_000 }, async () => {
  const page = await context!.newPage();
  await page.addInitScript(() => {
    delete window.VideoDecoder;
  });
  await page.goto(`${app!.url}/?codec=h264&hud=1&follow=0&panel=0&layout=tiles`);
  const grid = await lumaGrid(page);
  assert.ok(Math.max(...grid) - Math.min(...grid) > 10);
  const stats = await page.evaluate(() => window.revcamStats);
  assert.equal(stats.codec, 'jpeg');
  assert.match(stats.decoder, /^jpeg\/createImageBitmap \(fallback: no WebCodecs VideoDecoder\)$/);
  assert.match((await page.textContent('#hud')) ?? '', /fallback: no WebCodecs/);
  await page.close();
});
