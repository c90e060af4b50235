/**
 * A web page on another origin in a real Chromium cannot open the camera
 * stream: the WebSocket upgrade carries the page's Origin and the gateway
 * refuses it (403) before upgrading, so no frame reaches the page. The same
 * script on revcam's own origin streams, and listing the other origin in
 * server.allowedOrigins lets it in.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { CHROMIUM, haveChromium, launchChromium, type Browser } from '../helpers/browser.js';
import { startTestServer } from '../helpers/server.js';

const SKIP_REASON = `${CHROMIUM} not found: the Origin e2e test needs Debian's chromium (apt-get install chromium)`;
if (!haveChromium && process.env.CI === 'true') throw new Error(`CI requires the Origin e2e test: ${SKIP_REASON}`);

interface PageOutcome {
  opened: boolean;
  frames: number;
  messages: { type: string }[];
  closeCode: number | null;
}

/** The page script: opens the stream WebSocket of `wsUrl`, asks for the rear camera, reports what it got. */
function pageScript(wsUrl: string): string {
  return `window.result = new Promise((resolve) => {
  const out = { opened: false, frames: 0, messages: [], closeCode: null };
  const ws = new WebSocket(${JSON.stringify(wsUrl)});
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => { out.opened = true; ws.send(JSON.stringify({ type: 'request', service: 'reversing', camera: 'rear', codec: 'jpeg' })); };
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') out.messages.push(JSON.parse(e.data));
    else if (++out.frames >= 3) { ws.close(); resolve(out); }
  };
  ws.onclose = (e) => { out.closeCode = e.code; resolve(out); };
  setTimeout(() => resolve(out), 20000);
});`;
}

/** A tiny site on its own port (another origin); its page runs the script against the `?ws=` URL. */
async function startForeignSite(): Promise<{ url: string; server: Server }> {
  const html = `<!doctype html><meta charset="utf-8"><title>elsewhere</title><script>${pageScript('__WS__').replace('"__WS__"', "new URLSearchParams(location.search).get('ws')")}</script>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

const streamUrl = (app: RevcamApp) => `${app.url.replace(/^http/, 'ws')}/api/stream`;
const foreignPage = (app: RevcamApp) => `${site!.url}?ws=${encodeURIComponent(streamUrl(app))}`;

let browser: Browser | undefined;
let app: RevcamApp | undefined;
let site: { url: string; server: Server } | undefined;

before(async () => {
  if (!haveChromium) return;
  app = await startTestServer();
  site = await startForeignSite();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await app?.close();
  site?.server.close();
});

async function runIn(url: string, script?: string): Promise<PageOutcome> {
  const page = await browser!.context.newPage();
  try {
    await page.goto(url);
    if (script) await page.evaluate(script);
    return (await page.evaluate('window.result')) as PageOutcome;
  } finally {
    await page.close();
  }
}

test('a page on another origin gets no WebSocket and no frame', { skip: haveChromium ? false : SKIP_REASON, timeout: 90_000 }, async () => {
  const out = await runIn(foreignPage(app!));
  assert.equal(out.opened, false, JSON.stringify(out));
  assert.equal(out.frames, 0);
  assert.equal(out.closeCode, 1006, 'the handshake failed');
});

test('the same script on revcam’s own origin streams', { skip: haveChromium ? false : SKIP_REASON, timeout: 90_000 }, async () => {
  const out = await runIn(`${app!.url}/api/health`, pageScript(streamUrl(app!)));
  assert.equal(out.opened, true, JSON.stringify(out));
  assert.equal(out.messages[0]?.type, 'accepted');
  assert.ok(out.frames >= 3, JSON.stringify(out));
});

test('server.allowedOrigins listing the other origin lets its page stream', { skip: haveChromium ? false : SKIP_REASON, timeout: 90_000 }, async () => {
  const allowing = await startTestServer({ server: { allowedOrigins: [new URL(site!.url).origin] } });
  try {
    const out = await runIn(foreignPage(allowing));
    assert.equal(out.opened, true, JSON.stringify(out));
    assert.equal(out.messages[0]?.type, 'accepted');
    assert.ok(out.frames >= 3, JSON.stringify(out));
  } finally {
    await allowing.close();
  }
});
