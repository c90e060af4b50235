/**
 * Viewer limits with real clients (ws, fetch): over a limit a request gets
 * CAPACITY_EXCEEDED (WS: error + close 1013; HTTP: 503 + Retry-After) and
 * nothing else is affected; at the total, a higher-priority device sheds the
 * lowest-priority viewer, which gets STREAM_ENDED naming CAPACITY_EXCEEDED
 * and is closed, like EVS's primary client.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { DEFAULT_ROLE } from '../../src/config/defaults.js';
import type { ErrorMessage, StatusMessage } from '../../src/wire/messages.js';
import { startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';

const LOW_A = 'low-a-token-0123456789';
const LOW_B = 'low-b-token-0123456789';
const HIGH = 'high-token-0123456789ab';
const ANY = { services: ['*'], cameras: ['*'], vehicles: ['*'] };
const auth = {
  devices: [
    { id: 'phone-a', role: 'low-viewer', token: LOW_A },
    { id: 'phone-b', role: 'low-viewer', token: LOW_B },
    { id: 'head-unit', role: 'high-viewer', token: HIGH },
  ],
  roles: {
    'low-viewer': { ...DEFAULT_ROLE, stream: ANY, priority: 10, policy: null },
    'high-viewer': { ...DEFAULT_ROLE, stream: ANY, priority: 100, policy: null },
  },
};

const apps: RevcamApp[] = [];
const viewers: TestViewer[] = [];
after(async () => {
  for (const v of viewers) v.close();
  await Promise.all(apps.map((a) => a.close()));
});
async function server(limits: Record<string, number>): Promise<RevcamApp> {
  const app = await startTestServer({ auth, limits });
  apps.push(app);
  return app;
}
async function watch(app: RevcamApp, token?: string, camera = 'rear'): Promise<{ v: TestViewer; type: string; code?: string }> {
  const v = new TestViewer(app.url);
  viewers.push(v);
  const m = await v.request({ ...(token && { token }), ...(camera === 'cabin' ? { service: 'cabin-view', camera } : {}) });
  return { v, type: m.type, ...(m.type === 'error' && { code: (m as ErrorMessage).code }) };
}
const viewersOf = (app: RevcamApp) => app.hub.viewersOf('reversing') + app.hub.viewersOf('cabin-view');

test('at maxViewers: equal priority is refused; a higher priority sheds the lowest, newest first', { timeout: 60_000 }, async () => {
  const app = await server({ maxViewers: 2 });
  const a = await watch(app, LOW_A);
  const b = await watch(app, LOW_B);
  assert.equal(a.type, 'accepted');
  assert.equal(b.type, 'accepted');
  await a.v.waitForFrames(2);

  const refused = await watch(app, LOW_A);
  assert.deepEqual([refused.type, refused.code], ['error', 'CAPACITY_EXCEEDED']);
  await refused.v.waitFor(() => refused.v.closeCode, 'close');
  assert.equal(refused.v.closeCode, 1013);
  const http = await fetch(`${app.url}/stream.mjpg?token=${LOW_B}`);
  assert.equal(http.status, 503);
  assert.ok(http.headers.get('retry-after'), 'HTTP refusals say when to retry');
  assert.equal(((await http.json()) as { error: { code: string } }).error.code, 'CAPACITY_EXCEEDED');
  assert.equal(viewersOf(app), 2, 'refusals leave the admitted viewers alone');

  const high = await watch(app, HIGH);
  assert.equal(high.type, 'accepted');
  const ended = await b.v.waitFor(() => b.v.messages.find((m): m is StatusMessage => m.type === 'status' && m.event === 'STREAM_ENDED'), 'STREAM_ENDED');
  assert.match(ended.message, /CAPACITY_EXCEEDED/);
  await b.v.waitFor(() => b.v.closeCode, 'close');
  assert.equal(b.v.closeCode, 1013);
  // The older low-priority viewer and the new one both get frames.
  await a.v.waitForFrames(5);
  await high.v.waitForFrames(5);
  assert.equal(a.v.closeCode, undefined);
  assert.equal(viewersOf(app), 2);

  const high2 = await watch(app, HIGH);
  assert.equal(high2.type, 'accepted');
  await a.v.waitFor(() => a.v.closeCode, 'close');
  const high3 = await watch(app, HIGH);
  assert.deepEqual([high3.type, high3.code], ['error', 'CAPACITY_EXCEEDED'], 'nobody of a lower priority is left to shed');
  await high.v.waitForFrames(3);
  assert.equal(viewersOf(app), 2);
});

test('per device and per stream limits; the anonymous loopback device is not limited per device', { timeout: 60_000 }, async () => {
  const app = await server({ maxViewers: 100, maxViewersPerDevice: 1, maxViewersPerStream: 3 });
  assert.equal((await watch(app, LOW_A)).type, 'accepted');
  const second = await watch(app, LOW_A, 'cabin');
  assert.deepEqual([second.type, second.code], ['error', 'CAPACITY_EXCEEDED'], 'one viewer per device');
  assert.equal((await watch(app)).type, 'accepted', 'local, anonymous');
  assert.equal((await watch(app)).type, 'accepted', 'local again: not limited per device');
  const full = await watch(app, LOW_B);
  assert.deepEqual([full.type, full.code], ['error', 'CAPACITY_EXCEEDED'], 'the rear stream has its 3 viewers');
  const mjpeg = await fetch(`${app.url}/stream.mjpg?token=${HIGH}`);
  assert.equal(mjpeg.status, 503, 'MJPEG viewers count against the same stream limit');
  await mjpeg.body?.cancel();
  assert.equal((await watch(app, LOW_B, 'cabin')).type, 'accepted', 'another stream has room');
  // Overlay viewers count too; the burner feeding them does not.
  const overlay = await fetch(`${app.url}/stream.mjpg?service=cabin-view&camera=cabin&overlay=1`);
  assert.equal(overlay.status, 200);
  await overlay.body?.cancel();
});
