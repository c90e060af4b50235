/**
 * The display served over HTTPS in a real Chromium connects its stream and
 * signals sockets with wss:// (built from the page's own location) and goes
 * live; there is no plain http listener for it to fall back to.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { CHROMIUM, haveChromium, launchChromium, type Browser } from '../helpers/browser.js';
import { makeTestCerts, type TestCerts } from '../helpers/certs.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { startTestServer } from '../helpers/server.js';

const SKIP_REASON = !haveChromium ? `${CHROMIUM} not found (apt-get install chromium)` : !hasCommand('openssl') ? 'openssl not found (apt-get install openssl)' : false;
if (SKIP_REASON && process.env.CI === 'true') throw new Error(`CI requires the TLS display e2e test: ${SKIP_REASON}`);

declare const document: { body: { dataset: Record<string, string | undefined> } };

let certs: TestCerts | undefined;
let app: RevcamApp | undefined;
let browser: Browser | undefined;

before(async () => {
  if (SKIP_REASON) return;
  certs = makeTestCerts();
  app = await startTestServer({ server: { tls: { certFile: certs.server.certFile, keyFile: certs.server.keyFile, caFile: null, requestClientCert: false } } });
  browser = await launchChromium({ ignoreHTTPSErrors: true });
});

after(async () => {
  await browser?.close();
  await app?.close();
  certs?.cleanup();
});

test('the display over https streams over wss and goes live', { skip: SKIP_REASON, timeout: 120_000 }, async () => {
  assert.match(app!.url, /^https:/);
  const page = await browser!.context.newPage();
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`${app!.url}/?layout=tiles`);
  await page.waitForFunction(() => document.body.dataset.state === 'live', undefined, { timeout: 30_000 });
  assert.ok(sockets.length > 0, 'the page opened WebSockets');
  for (const url of sockets) assert.match(url, /^wss:\/\//, url);
  await page.close();
});
