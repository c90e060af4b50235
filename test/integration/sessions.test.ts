/**
 * Audit: each stream session ends in one structured log line and is listed
 * at /api/sessions (open, then among the recent ones). Real server, real
 * WebSocket and MJPEG clients; logs captured from a pino logger in memory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import { startRevcam, type RevcamApp } from '../../src/app/startRevcam.js';
import type { SessionRecord } from '../../src/audit/SessionLog.js';
import { deepMerge, loadConfig } from '../../src/config/loadConfig.js';
import { ROOT } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';

const TOKEN = 'hu-secret-token-0123456789';
const lines: string[] = [];
let app: RevcamApp;

before(async () => {
  const config = loadConfig({
    raw: deepMerge({ server: { port: 0 }, log: { level: 'info' } }, { auth: { devices: [{ id: 'hu-1', role: 'head-unit', token: TOKEN }] } }),
  });
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  app = await startRevcam(config, { baseDir: ROOT, log });
});
after(async () => app.close());

const sessionLines = () =>
  lines
    .map((l) => JSON.parse(l) as { audit?: string; session?: SessionRecord; msg: string })
    .filter((l) => l.audit === 'stream-session')
    .map((l) => l.session as SessionRecord);

async function waitUntil<T>(f: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sessions(): Promise<{ open: SessionRecord[]; recent: SessionRecord[] }> {
  const res = await fetch(`${app.url}/api/sessions`);
  assert.equal(res.status, 200);
  return (await res.json()) as { open: SessionRecord[]; recent: SessionRecord[] };
}

test('a WebSocket viewer is listed open, then ends in one session line with its device, stream and counts', async () => {
  const v = new TestViewer(app.url);
  const accepted = await v.request({ token: TOKEN } as never);
  assert.equal(accepted.type, 'accepted');
  await v.waitForFrames(5);
  const open = await sessions();
  const mine = open.open.find((s) => s.device === 'hu-1' && s.transport === 'ws');
  assert.ok(mine, 'the open session is listed');
  assert.equal(mine.end, null);
  assert.equal(mine.reason, null);
  const id = mine.id;
  await v.ws.close(1000);
  const line = await waitUntil(() => sessionLines().find((s) => s.id === id), 'the ws session line');
  assert.equal(sessionLines().filter((s) => s.id === id).length, 1, 'exactly one line per session');
  assert.equal(line.device, 'hu-1');
  assert.equal(line.role, 'head-unit');
  assert.match(line.address ?? '', /127\.0\.0\.1|::1/);
  assert.equal(line.vehicle, null);
  assert.equal(line.service, 'reversing');
  assert.equal(line.camera, 'rear');
  assert.equal(line.codec, 'jpeg');
  assert.equal(line.transport, 'ws');
  assert.equal(line.reason, 'client closed');
  assert.ok(line.frames >= 5, `frames counted (${line.frames})`);
  assert.ok(line.bytes > line.frames * 100, 'bytes counted');
  assert.equal(typeof line.dropped, 'number');
  assert.ok(Date.parse(line.start) <= Date.parse(line.end ?? ''), 'start before end');
  const after = await sessions();
  assert.ok(!after.open.some((s) => s.id === id), 'no longer open');
  assert.deepEqual(
    after.recent.find((s) => s.id === id),
    line,
    'the ended session is listed as logged',
  );
});

for (const [query, transport] of [['', 'mjpeg'], ['&overlay=1', 'mjpeg-overlay']] as const) {
test(`an MJPEG viewer (${transport}) that goes away ends in a session line`, async () => {
  const before = new Set(sessionLines().map((s) => s.id));
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest(`${app.url}/stream.mjpg?service=reversing&camera=rear&token=${TOKEN}${query}`, (res) => {
      assert.equal(res.statusCode, 200);
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes > 50_000) {
          req.destroy();
          resolve();
        }
      });
    });
    req.on('error', (e) => (e.message.includes('socket hang up') || e.message.includes('aborted') ? undefined : reject(e)));
    req.end();
  });
  const line = await waitUntil(() => sessionLines().find((s) => !before.has(s.id) && s.transport === transport), 'the mjpeg session line');
  assert.equal(line.device, 'hu-1');
  assert.equal(line.role, 'head-unit');
  assert.equal(line.codec, 'jpeg');
  assert.equal(line.service, 'reversing');
  assert.equal(line.reason, 'client closed');
  assert.ok(line.frames >= 1 && line.bytes > 0, `counted (${line.frames} frames, ${line.bytes} B)`);
  assert.ok((await sessions()).recent.some((s) => s.id === line.id));
});
}

test('no credential appears in any session line or in /api/sessions', async () => {
  assert.ok(sessionLines().length >= 2);
  for (const l of lines.filter((x) => x.includes('stream-session'))) assert.ok(!l.includes(TOKEN), `token in: ${l}`);
  const body = await (await fetch(`${app.url}/api/sessions`)).text();
  assert.ok(!body.includes(TOKEN));
});

test('a WebSocket viewer that stops reading ends as unresponsive', async () => {
  const v = new TestViewer(app.url);
  await v.request();
  await v.waitForFrames(2);
  const id = (await sessions()).open.find((s) => s.transport === 'ws')?.id;
  assert.ok(id);
  // Stop reading: no pong goes back, so the server cuts the viewer off after 2 s.
  (v.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const line = await waitUntil(() => sessionLines().find((s) => s.id === id), 'the unresponsive session line', 20_000);
  assert.equal(line.reason, 'unresponsive');
  v.close();
});

test('server shutdown ends the open sessions with that reason', async () => {
  const v = new TestViewer(app.url);
  await v.request();
  await v.waitForFrames(2);
  const id = (await sessions()).open.find((s) => s.transport === 'ws')?.id;
  assert.ok(id);
  await app.close();
  const line = await waitUntil(() => sessionLines().find((s) => s.id === id), 'the shutdown session line');
  assert.equal(line.reason, 'server shutdown');
  assert.equal(line.device, 'local');
});
