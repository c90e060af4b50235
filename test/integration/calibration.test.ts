/**
 * Installer calibration against a real server started from a config file:
 * the synthetic rear camera films the calibration mat from a "true" mount
 * other than the file's; a client finds the markers in a streamed JPEG and
 * posts them; the server solves, writes the file (with a .bak) and the
 * guidelines in the very next overlay move, without a restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRevcam, type RevcamApp } from '../../src/app/startRevcam.js';
import { MAT_POINTS } from '../../src/calibration/mat.js';
import type { MarkedPoint } from '../../src/calibration/solveMount.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import type { MountConfig } from '../../src/config/types.js';
import { hashToken } from '../../src/device/tokenHash.js';
import { staticOverlay } from '../../src/geometry/guidelines.js';
import type { FrameMeta, Overlay } from '../../src/wire/overlay.js';
import { decodeToRgb, markerBlobs, pairWithMat } from '../helpers/matMarkers.js';
import { ROOT, startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';

const TRUE: MountConfig = { heightM: 1.08, pitchDeg: 33.5, yawDeg: 2.5, rollDeg: -1.5, lateralM: 0.12, longitudinalM: 0 };
const HU_TOKEN = 'head-unit-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAA';

const dir = mkdtempSync(join(tmpdir(), 'revcam-cal-'));
const file = join(dir, 'revcam.yaml');
const original = `# the installer's car
log: { level: warn }
auth:
  devices:
    - { id: hu, role: head-unit, tokenHash: "${hashToken(HU_TOKEN)}" }
cameras:
  rear:
    synthetic: { calibrationMat: true, trueMount: ${JSON.stringify(TRUE)} }   # mounted otherwise than calibrated
services:
  - { manifest: builtin:reversing, standby: warm }
`;
let app: RevcamApp;
let viewer: TestViewer;

before(async () => {
  writeFileSync(file, original);
  app = await startRevcam(loadConfig({ file, overrides: { port: 0 } }), { baseDir: ROOT, configFile: file });
  viewer = new TestViewer(app.url, { keepPayloads: true });
  const accepted = await viewer.request();
  assert.equal(accepted.type, 'accepted');
  await viewer.waitForFrames(1);
});
after(async () => {
  viewer?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/api/calibration`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

/** The overlay in force after the viewer's frame `upTo` (accepted's, then every frame's metadata). */
function overlayAt(upTo: number): Overlay {
  let o = (viewer.messages.find((m) => m.type === 'accepted') as { overlay?: Overlay }).overlay;
  for (const f of viewer.frames.slice(0, upTo)) o = (f.meta as FrameMeta | undefined)?.overlay ?? o;
  assert.ok(o, 'an overlay is in force');
  return o;
}

async function markedPoints(): Promise<MarkedPoint[]> {
  const frame = viewer.frames.at(-1)!;
  const { data, width, height } = await decodeToRgb(Buffer.from(frame.payload));
  const rear = app.config.cameras.rear!;
  return pairWithMat(markerBlobs(data, width, height), rear.calibration, { width, height, mirror: rear.mirror });
}

test('GET /api/calibration: the calibration in force and the mat', async () => {
  const res = await fetch(`${app.url}/api/calibration`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { cameras: Record<string, { calibration: { mount: MountConfig }; image: { width: number; mirror: boolean } }>; mat: { points: unknown[] }; configFile: string };
  assert.deepEqual(body.cameras.rear!.calibration.mount, app.config.cameras.rear!.calibration.mount);
  assert.deepEqual(body.cameras.rear!.image, { width: 1280, height: 720, mirror: true });
  assert.equal(body.mat.points.length, MAT_POINTS.length);
  assert.equal(body.configFile, file);
});

test('a device without the calibrate right is refused (403 FORBIDDEN) and nothing changes', async () => {
  const res = await post({ camera: 'rear', points: await markedPoints() }, { authorization: `Bearer ${HU_TOKEN}` });
  assert.equal(res.status, 403);
  assert.equal((await errorOf(res)).code, 'FORBIDDEN');
  assert.equal(readFileSync(file, 'utf8'), original);
  assert.equal(existsSync(`${file}.bak`), false);
});

test('bad bodies get coded errors and change nothing', async () => {
  const points = await markedPoints();
  const cases: Array<[unknown, number, string, RegExp]> = [
    ['{"camera":', 400, 'BAD_REQUEST', /not valid JSON/],
    [{ camera: 'rear' }, 400, 'BAD_REQUEST', /points/],
    [{ camera: 'rear', points: [{ ground: { lateralM: 0, behindM: 1 }, pixel: { u: 'x', v: 1 } }] }, 400, 'BAD_REQUEST', /\/points\/0\/pixel\/u/],
    [{ camera: 'rear', points, extra: 1 }, 400, 'BAD_REQUEST', /extra/],
    [{ camera: 'side', points }, 404, 'CAMERA_NOT_AVAILABLE', /no camera 'side'/],
    [{ camera: 'rear', points: points.slice(0, 3) }, 422, 'CALIBRATION_REJECTED', /3 point\(s\) marked; at least 4/],
    // The picture upside down: only a camera under the ground would see the mat so.
    [{ camera: 'rear', points: points.map((p) => ({ ...p, pixel: { u: p.pixel.u, v: 720 - p.pixel.v } })) }, 422, 'CALIBRATION_REJECTED', /below the ground, which cannot be/],
  ];
  for (const [body, status, code, message] of cases) {
    const res = await post(body);
    assert.equal(res.status, status, JSON.stringify(body).slice(0, 80));
    const e = await errorOf(res);
    assert.equal(e.code, code);
    assert.match(e.message, message);
  }
  const text = await fetch(`${app.url}/api/calibration`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
  assert.equal(text.status, 400);
  assert.equal(readFileSync(file, 'utf8'), original);
  assert.equal((await fetch(`${app.url}/api/health`)).status, 200);
});

test('a flood of calibrations is bounded: beyond four running or waiting, CAPACITY_EXCEEDED; the rest are answered', async () => {
  const points = await markedPoints();
  // Upside-down marks: refused only after every start is tried, so the solves overlap.
  const flipped = { camera: 'rear', points: points.map((p) => ({ ...p, pixel: { u: p.pixel.u, v: 720 - p.pixel.v } })) };
  const answers = await Promise.all(Array.from({ length: 10 }, () => post(flipped).then(async (r) => ({ status: r.status, code: (await errorOf(r)).code }))));
  const busy = answers.filter((a) => a.status === 503 && a.code === 'CAPACITY_EXCEEDED').length;
  const solved = answers.filter((a) => a.status === 422 && a.code === 'CALIBRATION_REJECTED').length;
  assert.equal(busy + solved, answers.length, JSON.stringify(answers));
  assert.ok(busy >= 1 && solved >= 4, JSON.stringify(answers));
  assert.equal(readFileSync(file, 'utf8'), original);
  assert.equal((await fetch(`${app.url}/api/health`)).status, 200);
});

test('POST the marked mat: the true mount is solved, written with a backup, and the guidelines move at once', async (t) => {
  const before = overlayAt(viewer.frames.length);
  const res = await post({ camera: 'rear', points: await markedPoints() });
  assert.equal(res.status, 200);
  const result = (await res.json()) as { mount: MountConfig; previousMount: MountConfig; rmsPx: number; maxPx: number; errorsPx: number[]; persisted: { file: string; backup: string }; appliedTo: string[] };
  t.diagnostic(`solved ${JSON.stringify(result.mount)}; rms ${result.rmsPx.toFixed(3)} px, max ${result.maxPx.toFixed(3)} px`);
  const m = result.mount;
  assert.ok(Math.abs(m.heightM - TRUE.heightM) <= 0.01 && Math.abs(m.lateralM - TRUE.lateralM) <= 0.01, JSON.stringify(m));
  for (const k of ['pitchDeg', 'yawDeg', 'rollDeg'] as const) assert.ok(Math.abs(m[k] - TRUE[k]) <= 0.2, `${k} ${m[k]}`);
  assert.deepEqual(result.previousMount, app.config.cameras.rear!.calibration.mount);
  assert.equal(result.errorsPx.length, MAT_POINTS.length);
  assert.deepEqual(result.persisted, { file, backup: `${file}.bak` });
  assert.deepEqual(result.appliedTo, ['reversing']);

  // The file: the new mount, still valid, comments kept; the old one in .bak.
  assert.equal(readFileSync(`${file}.bak`, 'utf8'), original);
  const written = readFileSync(file, 'utf8');
  assert.match(written, /# the installer's car/);
  const reloaded = loadConfig({ file });
  assert.deepEqual(reloaded.cameras.rear!.calibration.mount, m);
  assert.deepEqual(reloaded.cameras.rear!.synthetic.trueMount, TRUE, 'the rest of the entry is untouched');

  // The running service: the next overlay is the guidelines drawn through the new mount.
  const expected = staticOverlay({ ...app.config.cameras.rear!.calibration, mount: m }, { width: 1280, height: 720, mirror: true }, app.config.vehicle);
  assert.notDeepEqual(before.rails, expected.rails, 'the calibration moved the guidelines');
  const from = viewer.frames.length;
  const moved = await viewer.waitFor(() => {
    for (let i = from; i < viewer.frames.length; i++) {
      const o = (viewer.frames[i]!.meta as FrameMeta | undefined)?.overlay;
      if (o) return o;
    }
    return undefined;
  }, 'an overlay with the new guidelines');
  assert.deepEqual(moved.rails, expected.rails);
  assert.deepEqual(moved.bands, expected.bands);

  // GET reports it; the stream never stopped.
  const got = (await (await fetch(`${app.url}/api/calibration`)).json()) as { cameras: { rear: { calibration: { mount: MountConfig } } } };
  assert.deepEqual(got.cameras.rear.calibration.mount, m);
  await viewer.waitForFrames(3);
  assert.equal(viewer.closeCode, undefined);
});

test('started without a config file: applied live, in memory only, and the answer says so', async () => {
  const mem = await startTestServer({ cameras: { rear: { synthetic: { calibrationMat: true, trueMount: TRUE } } }, services: [{ manifest: 'builtin:reversing', standby: 'warm' }] });
  const v = new TestViewer(mem.url, { keepPayloads: true });
  try {
    await v.request();
    await v.waitForFrames(1);
    const { data, width, height } = await decodeToRgb(Buffer.from(v.frames.at(-1)!.payload));
    const rear = mem.config.cameras.rear!;
    const points = pairWithMat(markerBlobs(data, width, height), rear.calibration, { width, height, mirror: true });
    const res = await fetch(`${mem.url}/api/calibration`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ camera: 'rear', points }) });
    assert.equal(res.status, 200);
    const result = (await res.json()) as { mount: MountConfig; persisted: unknown; appliedTo: string[] };
    assert.equal(result.persisted, null);
    assert.deepEqual(result.appliedTo, ['reversing']);
    const expected = staticOverlay({ ...rear.calibration, mount: result.mount }, { width, height, mirror: true }, mem.config.vehicle);
    const from = v.frames.length;
    const moved = await v.waitFor(() => v.frames.slice(from).map((f) => (f.meta as FrameMeta | undefined)?.overlay).find(Boolean), 'a new overlay');
    assert.deepEqual(moved.rails, expected.rails);
  } finally {
    v.close();
    await mem.close();
  }
});

test('a service restarted after a crash keeps the calibration (the host hands it over again)', async () => {
  const instance = app.host.get('reversing')!;
  const calibrated = (await (await fetch(`${app.url}/api/calibration`)).json()) as { cameras: { rear: { calibration: { mount: MountConfig } } } };
  const m = calibrated.cameras.rear.calibration.mount;
  assert.notDeepEqual(m, app.config.cameras.rear!.calibration.mount, 'runs after the calibration test');
  const pid = instance.pid!;
  process.kill(pid, 'SIGKILL');
  await viewer.waitFor(() => instance.restarts >= 1 && instance.state === 'running' && instance.pid !== pid, 'the restart', 20_000);
  const late = new TestViewer(app.url);
  try {
    const accepted = (await late.request()) as { type: string; overlay?: Overlay };
    assert.equal(accepted.type, 'accepted');
    await late.waitForFrames(1, 20_000);
    const o = [accepted.overlay, ...late.frames.map((f) => (f.meta as FrameMeta | undefined)?.overlay)].filter(Boolean).at(-1)!;
    const expected = staticOverlay({ ...app.config.cameras.rear!.calibration, mount: m }, { width: 1280, height: 720, mirror: true }, app.config.vehicle);
    assert.deepEqual(o.rails, expected.rails);
  } finally {
    late.close();
  }
});
