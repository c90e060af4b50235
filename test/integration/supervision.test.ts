import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import type { ErrorMessage } from '../../src/wire/messages.js';
import { startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';

const apps: RevcamApp[] = [];
const viewers: TestViewer[] = [];
after(async () => {
  for (const v of viewers) v.close();
  await Promise.all(apps.map((a) => a.close()));
});

async function server(raw: Record<string, unknown> = {}) {
  const app = await startTestServer(raw);
  apps.push(app);
  return app;
}

test('a crashed service is restarted and its viewers resume on the same connection', async () => {
  const app = await server();
  const v = new TestViewer(app.url);
  viewers.push(v);
  assert.equal((await v.request()).type, 'accepted');
  await v.waitForFrames(5);
  const instance = app.host.get('reversing')!;
  const pid = instance.pid!;
  process.kill(pid, 'SIGKILL');
  await v.waitFor(() => v.messages.some((m) => m.type === 'status' && m.event === 'SERVICE_RESTARTING'), 'SERVICE_RESTARTING');
  const before = v.frames.length;
  await v.waitForFrames(5);
  assert.notEqual(instance.pid, pid, 'a new process serves the stream');
  assert.equal(instance.restarts, 1);
  assert.ok(v.messages.some((m) => m.type === 'status' && m.event === 'SOURCE_RESTORED'), 'the viewer is told the source is back');
  const resumed = v.frames[before]!;
  assert.ok(resumed.discontinuity, 'the first frame after the restart is flagged as a discontinuity');
  assert.ok(resumed.seq > v.frames[before - 1]!.seq, 'sequence numbers continue across the restart');
  assert.equal(v.closeCode, undefined, 'the connection stayed open');
  const res = await fetch(`${app.url}/metrics`);
  assert.match(await res.text(), /revcam_service_restarts_total\{service="reversing"\} 1/);
});

test('a hung service is detected by its missed pings, killed and restarted', async () => {
  const app = await server();
  const v = new TestViewer(app.url);
  viewers.push(v);
  await v.request();
  await v.waitForFrames(3);
  const instance = app.host.get('reversing')!;
  const pid = instance.pid!;
  process.kill(pid, 'SIGSTOP');
  try {
    await v.waitFor(() => v.messages.some((m) => m.type === 'status' && m.event === 'SERVICE_RESTARTING'), 'SERVICE_RESTARTING', 20_000);
    await v.waitForFrames(3, 20_000);
    assert.notEqual(instance.pid, pid);
  } finally {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already killed by the supervisor
    }
  }
});

test('a service that fails to load answers SERVICE_FAILED and the gateway keeps serving the others', async () => {
  const app = await server({
    services: [{ manifest: 'builtin:reversing', standby: 'warm' }, { manifest: 'test/fixtures/broken-service/manifest.json' }],
  });
  const bad = new TestViewer(app.url);
  const good = new TestViewer(app.url);
  viewers.push(bad, good);
  const err = (await bad.request({ service: 'broken' })) as ErrorMessage;
  assert.equal(err.type, 'error');
  assert.equal(err.code, 'SERVICE_FAILED');
  assert.match(err.message, /broken on purpose/);
  assert.equal((await good.request()).type, 'accepted');
  await good.waitForFrames(3);
});

test('without anonymous loopback access a device needs its token, and a valid one is accepted', async () => {
  const token = 'head-unit-token-0123456789abcdef';
  const app = await server({ auth: { anonymousLoopback: false, devices: [{ id: 'head-unit', token, role: 'head-unit' }] } });
  const anon = new TestViewer(app.url);
  const withBody = new TestViewer(app.url);
  const withHeader = new TestViewer(app.url, { headers: { authorization: `Bearer ${token}` } });
  viewers.push(anon, withBody, withHeader);
  const refused = (await anon.request()) as ErrorMessage;
  assert.equal(refused.code, 'UNAUTHORIZED');
  await anon.waitFor(() => anon.closeCode !== undefined, 'close');
  assert.equal(anon.frames.length, 0, 'no frame leaves before authentication');
  assert.equal((await withBody.request({ token })).type, 'accepted');
  assert.equal((await withHeader.request()).type, 'accepted');
  await withHeader.waitForFrames(2);
  const services = await fetch(`${app.url}/api/services`);
  assert.equal(services.status, 401);
  assert.equal(((await services.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  const mjpeg = await fetch(`${app.url}/stream.mjpg`);
  assert.equal(mjpeg.status, 401);
});
