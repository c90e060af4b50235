/**
 * The recorder as it runs in revcam (docs/recorder.md): the `builtin:recorder`
 * service, a supervised child fed the rear camera's H.264 stream by the hub,
 * triggered by signals and by POST /api/events, reviewed through /api/events.
 * Real parts: the server, the service children, ffmpeg's encoder, ffprobe.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { rawGet } from '../helpers/rawHttp.js';
import { startTestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

const PROBE_TOKEN = 'probe-token-0123456789abcdef';
const HU_TOKEN = 'head-unit-token-0123456789abcdef';

interface Manifest {
  id: string;
  state: 'recording' | 'complete' | 'truncated';
  endReason?: string;
  startUs: number;
  durationMs: number;
  frames: number;
  bytes: number;
  sha256?: string;
  triggers: { kind: string; by?: string; offsetMs: number; atUs: number }[];
  triggersDropped: number;
  locked: boolean;
}

const missing = ['ffmpeg', 'ffprobe'].filter((c) => !hasCommand(c));
const skip = missing.length > 0 && process.env.CI !== 'true' ? `${missing.join(', ')} not installed (apt-get install ffmpeg)` : false;

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

describe('the recorder in revcam: triggers, clips, review', { skip }, () => {
  let app: RevcamApp;
  let stateDir: string;
  const api = (path: string, init?: RequestInit) => fetch(`${app.url}${path}`, init);
  const json = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const res = await api(path, init);
    return { status: res.status, body: (await res.json()) as T };
  };
  const list = async () => (await json<{ events: Manifest[] }>('/api/events')).body.events;
  const trigger = (body?: unknown) => json<{ id: string; merged: boolean }>('/api/events', { method: 'POST', ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const closed = (id: string) => until(`clip ${id} closed`, 30_000, async () => {
    const { body } = await json<Manifest>(`/api/events/${id}`);
    return body.state !== 'recording' && body;
  });
  /** No clip open: the next trigger starts a clip of its own, not merged into the last test's. */
  const quiet = () => until('no clip being recorded', 30_000, async () => (await list()).every((e) => e.state !== 'recording'));

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'revcam-recorder-'));
    app = await startTestServer({
      stateDir,
      services: [
        { manifest: 'builtin:reversing', standby: 'warm' },
        { manifest: 'builtin:recorder', standby: 'warm' },
      ],
      recorder: { preSeconds: 2, postSeconds: 2, maxSeconds: 8 },
      auth: {
        anonymousLoopback: true,
        devices: [
          { id: 'probe-1', role: 'probe', token: PROBE_TOKEN },
          { id: 'hu-1', role: 'head-unit', token: HU_TOKEN },
        ],
      },
      // Parked, sensors far: nothing triggers until a test says so.
      signals: { simulator: { initialGear: 'P' } },
    });
    // The recorder is fed once it runs and the rear H.264 stream has opened for it.
    await until('the recorder to get frames', 20_000, async () => (await json<{ framesIn: number }>('/api/events')).status === 200 && (await app.host.get('recorder')!.call('stats', {}) as { framesIn: number }).framesIn > 60);
  });

  after(async () => {
    await app?.close();
  });

  test('a manual trigger is listed at once, and its clip closes whole: pre-roll, post-roll, ffprobe clean', async () => {
    await quiet();
    const { status, body } = await trigger({ note: 'kerb at the left' });
    assert.equal(status, 201);
    assert.equal(body.merged, false);
    const listed = (await list()).find((e) => e.id === body.id);
    assert.ok(listed, 'listed the moment it starts');
    assert.equal(listed.state, 'recording');
    const m = await closed(body.id);
    assert.equal(m.state, 'complete');
    assert.equal(m.triggers[0]?.kind, 'manual');
    assert.equal(m.triggers[0]?.by, 'local');
    // From the keyframe at or before trigger − 2 s to trigger + 2 s: 4 s plus at most one group (1 s at 30 fps).
    assert.ok(m.durationMs >= 3_900 && m.durationMs <= 5_100, `duration ${m.durationMs} ms`);
    assert.ok(m.triggers[0]!.offsetMs >= 1_900 && m.triggers[0]!.offsetMs <= 3_100, `trigger at ${m.triggers[0]!.offsetMs} ms`);
    const file = join(stateDir, 'recordings', `${m.id}.mp4`);
    assert.equal(execFileSync('ffprobe', ['-v', 'error', file], { encoding: 'utf8' }), '', 'ffprobe -v error prints nothing');
    const frames = Number(execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
    assert.equal(frames, m.frames, 'every frame the manifest counts is in the file');
    assert.ok(frames >= 110, `${frames} frames for ${m.durationMs} ms at 30 fps`);
  });

  test('the sensor trigger fires while reversing: one clip, however long the obstacle stays close', async () => {
    await quiet();
    const before = (await list()).length;
    const post = (body: unknown) => api('/api/signals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post({ gear: 'R', speedKmh: 2, sensors: { innerLeft: 1.5 } })).status, 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await post({ sensors: { innerLeft: 0.25 } })).status, 200);
    await new Promise((r) => setTimeout(r, 1_000)); // still close: no second trigger
    const clip = await until('a sensor clip', 10_000, async () => (await list()).find((e) => e.triggers.some((t) => t.kind === 'sensor')));
    assert.equal((await list()).length, before + 1);
    assert.equal(clip.triggers.filter((t) => t.kind === 'sensor').length, 1);
    assert.equal((await post({ gear: 'P', speedKmh: 0, sensors: { innerLeft: 5 } })).status, 200);
    assert.equal((await closed(clip.id)).state, 'complete');
  });

  test('the clip is served with Range for seeking; a Range that lies gets 416, not a crash', async () => {
    const [m] = (await list()).filter((e) => e.state === 'complete');
    assert.ok(m);
    const whole = await api(`/api/events/${m.id}.mp4`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await whole.arrayBuffer());
    assert.equal(bytes.length, m.bytes);
    const part = await api(`/api/events/${m.id}.mp4`, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(100, 200));
    const past = await api(`/api/events/${m.id}.mp4`, { headers: { range: `bytes=${m.bytes + 10}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${m.bytes}`);
    const backwards = await api(`/api/events/${m.id}.mp4`, { headers: { range: 'bytes=500-20' } });
    assert.ok(backwards.status === 200 || backwards.status === 416, `backwards range: ${backwards.status}`);
    assert.equal((await api('/api/health')).status, 200, 'the server is still up');
  });

  test('hostile ids and paths: refused with BAD_REQUEST or NOT_FOUND, nothing outside the folder is read', async () => {
    for (const target of ['/api/events/..%2f..%2fetc%2fpasswd', '/api/events/%2e%2e', '/api/events/a.b', '/api/events/x/../../etc/passwd', `/api/events/${'a'.repeat(300)}`, '/api/events/..;/lock', '/api/events/%00']) {
      const res = await rawGet(app.port, target);
      assert.ok(res.status === 400 || res.status === 404, `${target} → ${res.status}`);
      const code = (JSON.parse(res.body.toString()) as { error: { code: string } }).error.code;
      assert.ok(code === 'BAD_REQUEST' || code === 'NOT_FOUND', `${target} → ${code}`);
      assert.ok(!res.body.toString().includes('root:'), target);
    }
    const unknown = await json<{ error: { code: string } }>('/api/events/20261207T000000Z-rear-0000');
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'NOT_FOUND']);
    const filter = await json<{ error: { code: string; message: string } }>('/api/events?from=yesterday');
    assert.equal(filter.status, 400);
    assert.match(filter.body.error.message, /from/);
  });

  test('rights: a probe may not review, lock or trigger; only admin (or the demo) deletes; a head unit locks', async () => {
    await quiet();
    const m = await closed((await trigger()).body.id);
    const as = (token: string, init: RequestInit = {}) => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
    assert.equal((await api('/api/events', as(PROBE_TOKEN))).status, 403);
    assert.equal((await api(`/api/events/${m.id}/lock`, as(PROBE_TOKEN, { method: 'POST' }))).status, 403);
    assert.equal((await api('/api/events', as(PROBE_TOKEN, { method: 'POST' }))).status, 403);
    assert.equal((await api(`/api/events/${m.id}`, as(HU_TOKEN, { method: 'DELETE' }))).status, 403, 'a head unit is not admin');
    const locked = await json<Manifest>(`/api/events/${m.id}/lock`, as(HU_TOKEN, { method: 'POST' }));
    assert.equal(locked.status, 200);
    assert.equal(locked.body.locked, true);
    const del = await json<{ error: { code: string } }>(`/api/events/${m.id}`, { method: 'DELETE' });
    assert.deepEqual([del.status, del.body.error.code], [403, 'FORBIDDEN'], 'a locked clip is not deleted');
    const other = await closed((await trigger()).body.id);
    assert.equal((await api(`/api/events/${other.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await api(`/api/events/${other.id}`)).status, 404);
  });

  test('a trigger storm (1,000 at once) makes one merged clip with a capped trigger list', async () => {
    await quiet();
    // 1,000 triggers from 20 connections at once (more would meet limits.maxConnectionsPerAddress first).
    const results: { status: number; body: { id: string; merged: boolean } }[] = [];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 20 }, async () => {
      while (results.length < 1_000) results.push(await trigger());
    }));
    console.log(`# 1,000 triggers in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual([...new Set(results.map((r) => r.status))].sort(), [200, 201], 'every trigger answered: one created, the rest merged');
    const ids = new Set(results.map((r) => r.body.id));
    assert.equal(ids.size, 1, 'one clip');
    assert.equal(results.filter((r) => r.status === 201).length, 1, 'one new clip, the rest merged');
    const m = await closed([...ids][0]!);
    assert.ok(m.triggers.length <= 50, `${m.triggers.length} listed`);
    assert.equal(m.triggers.length + m.triggersDropped, results.length);
    assert.equal((await api('/api/health')).status, 200);
  });

  test('the recorder child killed (-9) mid-clip: restarted by its supervisor, the clip marked truncated and still playable', async () => {
    const instance = app.host.get('recorder')!;
    await quiet();
    const { body } = await trigger();
    await new Promise((r) => setTimeout(r, 1_500));
    const pid = instance.pid!;
    process.kill(pid, 'SIGKILL');
    await until('the recorder back', 15_000, async () => instance.state === 'running' && instance.pid !== pid);
    const m = await until('the clip recovered', 10_000, async () => {
      const r = await json<Manifest>(`/api/events/${body.id}`);
      return r.status === 200 && r.body.state !== 'recording' && r.body;
    });
    assert.equal(m.state, 'truncated');
    assert.equal(m.endReason, 'power-cut');
    const file = join(stateDir, 'recordings', `${m.id}.mp4`);
    assert.equal(execFileSync('ffprobe', ['-v', 'error', file], { encoding: 'utf8' }), '');
    // The pre-roll (2 s) and 1.5 s after the trigger, less at most the group being gathered (1 s).
    assert.ok(m.durationMs >= 2_000, `${m.durationMs} ms kept`);
  });

  test('GET /api/events/stats: the ring holds frames, the memory figures are there; a probe may not read them', async () => {
    type Stats = { framesIn: number; ringBytes: number; memory: { rssBytes: number; rssAtStartBytes: number; arrayBuffersBytes: number } };
    // The test before restarted the recorder: its ring fills from its first batch of frames on.
    let last: Stats | undefined;
    const body = await until('frames in the ring', 10_000, async () => {
      const r = await json<Stats>('/api/events/stats');
      assert.equal(r.status, 200);
      last = r.body;
      return r.body.framesIn > 0 && r.body.ringBytes > 0 && r.body;
    }).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(last)}`));
    assert.ok(body.memory.rssBytes > 0 && body.memory.rssAtStartBytes > 0 && body.memory.arrayBuffersBytes >= body.ringBytes / 2, JSON.stringify(body.memory));
    const probe = await fetch(`${app.url}/api/events/stats`, { headers: { authorization: `Bearer ${PROBE_TOKEN}` } });
    assert.equal(probe.status, 403);
    assert.equal((await api('/api/events/stats', { method: 'POST' })).status, 405);
  });

  test('everything it wrote is inside the recordings folder', () => {
    const files = filesUnder(stateDir);
    assert.ok(files.length > 0);
    for (const f of files) assert.match(f, /^recordings\/\d{8}T\d{6}Z-rear-[0-9a-f]{4}\.(mp4|json|signals\.json|signals\.jsonl)$/, f);
    for (const f of files) assert.ok(statSync(join(stateDir, f)).size > 0, f);
  });
});
