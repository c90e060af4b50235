/**
 * Up before the driver looks (issue 11 §1): the boot marks of a real
 * `revcam serve` started with the car in reverse; the spare service host
 * (forked ahead, taken by a cold start); an H.264 viewer joining a warm
 * reverse view starts at a keyframe and decodes.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { spareHostPid } from '../../src/host/spareHost.js';
import { startCliServer } from '../helpers/cliServer.js';
import { descendants } from '../helpers/processTree.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';
import { decodeH264, hasParameterSets } from './sources/media.js';

const apps: RevcamApp[] = [];
const viewers: TestViewer[] = [];
after(async () => {
  for (const v of viewers) v.close();
  for (const a of apps) await a.close();
});

async function until<T>(f: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const environ = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
};

test('revcam serve booting in reverse: every boot stage is marked, logged in causal order, and in /api/health; a spare service host is kept', async () => {
  // The default config: the simulator's initial gear is R, so the rear camera opens at boot.
  const server = await startCliServer([], { REVCAM_LOG_LEVEL: 'info' });
  try {
    type Boot = { stages: Record<string, number>; captureMs?: number; originMs: number };
    const boot = await until(async () => {
      const h = (await (await fetch(`${server.url}/api/health`)).json()) as { boot?: Boot };
      return h.boot?.stages.frame !== undefined && h.boot;
    }, 'the first reverse frame at the gateway');
    const s = boot.stages;
    for (const stage of ['main', 'config', 'listening', 'service', 'camera', 'frame']) assert.equal(typeof s[stage], 'number', `stage ${stage} marked: ${JSON.stringify(boot)}`);
    assert.ok(s.main! > 0 && s.main! <= s.config! && s.config! <= s.listening!, `main ≤ config ≤ listening: ${JSON.stringify(s)}`);
    assert.ok(s.config! <= s.service! && s.service! <= s.camera! && s.service! <= s.frame!, `config ≤ service ≤ camera, frame: ${JSON.stringify(s)}`);
    assert.ok(typeof boot.captureMs === 'number' && boot.captureMs <= s.frame! + 1, 'the first frame was captured before it reached the gateway');
    assert.ok(Math.abs(boot.originMs - (Date.now() - s.frame!)) < 60_000, 'originMs is the process start on the epoch clock');

    // stderr may trail the HTTP answer.
    const bootLines = () => server.output().split('\n').filter((l) => l.includes('"msg":"boot"'));
    await until(() => bootLines().length >= 6, 'six boot log lines');
    const lines = bootLines().map((l) => JSON.parse(l) as { stage: string; ms: number; level: number });
    assert.deepEqual(new Set(lines.map((l) => l.stage)), new Set(['main', 'config', 'listening', 'service', 'camera', 'frame']), 'one boot line per stage');
    assert.equal(lines.length, 6, 'each stage logged once');
    assert.ok(lines.every((l) => l.level === 30 && l.ms === s[l.stage]), 'at info, with the same ms as /api/health');
    assert.deepEqual(lines.slice(0, 2).map((l) => l.stage), ['main', 'config'], 'main and config first, in order');

    // The spare taken by the reverse service at boot is replaced once that start settled.
    const spare = await until(() => descendants(server.child.pid!).find((p) => environ(p.pid).includes('REVCAM_SPARE_HOST=1') && !environ(p.pid).some((e) => e.startsWith('REVCAM_SERVICE='))), 'a spare service host');
    assert.ok(spare.pid > 0);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});

test('a cold start is served by the spare service host: the service runs in the process forked ahead', async () => {
  const app = await startTestServer({
    services: [
      { manifest: 'builtin:reversing', standby: 'warm' },
      { manifest: 'builtin:cabin', standby: 'cold', idleStopMs: 100 },
    ],
    serviceHost: { spare: true },
  });
  apps.push(app);
  const spare = await until(() => spareHostPid(), 'the spare to be forked after the warm start');
  assert.equal(app.host.get('cabin-view')!.state, 'stopped', 'cabin is cold: not running');
  const v = new TestViewer(app.url);
  viewers.push(v);
  assert.equal((await v.request({ service: 'cabin-view', camera: 'cabin', codec: 'jpeg' })).type, 'accepted');
  await v.waitForFrames(3);
  assert.equal(app.host.get('cabin-view')!.pid, spare, 'the cabin service runs in the spare');
  assert.notEqual(spareHostPid(), spare, 'the spare was handed over, not shared');
  assert.ok(v.frames.every((f) => f.codec === 'jpeg' && f.width === 640), 'the cabin camera streams');
  v.close();
  // Replaced after the start settled.
  const next = await until(() => spareHostPid(), 'the next spare');
  assert.notEqual(next, spare);
  await app.close();
  apps.splice(apps.indexOf(app), 1);
  assert.equal(spareHostPid(), undefined, 'closing the app ends its spare');
});

test('serviceHost.spare false: no spare is kept, a cold start forks its own process', async () => {
  const app = await startTestServer({ services: [{ manifest: 'builtin:cabin', standby: 'cold' }], serviceHost: { spare: false }, signals: { simulator: { initialGear: 'P' } } });
  apps.push(app);
  assert.equal(spareHostPid(), undefined);
  const v = new TestViewer(app.url);
  viewers.push(v);
  assert.equal((await v.request({ service: 'cabin-view', camera: 'cabin', codec: 'jpeg' })).type, 'accepted');
  await v.waitForFrames(2);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(spareHostPid(), undefined, 'none forked after the start either');
});

const SKIP = hasCommand('ffmpeg') ? false : 'ffmpeg is not installed (apt-get install ffmpeg)';
if (SKIP && process.env.CI === 'true') throw new Error(`CI=true and ${SKIP}`);

test('an H.264 viewer joining a warm reverse view (reverse codec H.264) starts at a keyframe with SPS/PPS and decodes', { skip: SKIP }, async () => {
  const app = await startTestServer({
    cameras: { rear: { width: 640, height: 360, fps: 30, h264: { keyframeIntervalFrames: 30 } } },
    services: [{ manifest: 'builtin:reversing', standby: 'warm' }],
    // The simulator boots in R: reverse gear holds the rear stream in H.264 before anyone watches.
    reverse: { codec: 'h264' },
  });
  apps.push(app);
  const stream = await until(() => app.hub.streams().find((s) => s.camera === 'rear' && s.codec === 'h264' && s.cachedFrames >= 5), 'the reverse view\'s H.264 stream mid-group');
  assert.equal(stream.viewers, 0, 'nobody watched it yet');
  const v = new TestViewer(app.url, { keepPayloads: true });
  viewers.push(v);
  assert.equal((await v.request({ service: 'reversing', camera: 'rear', codec: 'h264' })).type, 'accepted');
  await v.waitForFrames(10);
  const got = v.frames.slice();
  assert.ok(got[0]!.keyframe && hasParameterSets(got[0]!.payload), 'the first frame is a keyframe with SPS/PPS');
  assert.equal(await decodeH264(got.map((f) => f.payload)), got.length, 'every frame from the first decodes');
});
