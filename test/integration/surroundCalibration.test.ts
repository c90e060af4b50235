/**
 * Calibrating the four surround cameras on a real server (issue 18 §3,
 * docs/calibration.md "Four cameras"): each synthetic camera films the mats
 * laid around the car from a "true" mount other than its configured one; a
 * client finds the magenta markers in a streamed JPEG, pairs them with the
 * handles GET /api/calibration places, previews (`apply: false`: the figures,
 * nothing changed) and saves. Each camera's mount comes back, every seam is
 * measured in cm on markers both its cameras saw, and a corner mat kicked
 * between two cameras' calibrations or a front camera that would leave ground unseen is refused with the reason.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import { cornerMats } from '../../src/calibration/mat.js';
import type { MarkedPoint } from '../../src/calibration/solveMount.js';
import { DEFAULT_VEHICLE } from '../../src/config/defaults.js';
import type { MountConfig } from '../../src/config/types.js';
import { projectGround } from '../../src/geometry/cameraModel.js';
import type { ExpectedMarker } from '../helpers/matMarkers.js';
import { startTestServer } from '../helpers/server.js';
import { CONFIGURED, markRig, rigCameras, TRUE_MOUNTS, type RigCamera } from '../helpers/surroundRig.js';

type Name = RigCamera;
const TRUE = TRUE_MOUNTS;

interface Answer {
  mount: MountConfig;
  applied: boolean;
  residual: { rmsCm: number; maxCm: number };
  seams: Array<{ camera: string; markers: number; rmsCm: number | null; maxCm: number | null }>;
  error?: { code: string; message: string };
}

let app: RevcamApp;

before(async () => {
  app = await startTestServer({ cameras: rigCameras(), services: [{ manifest: 'builtin:reversing', standby: 'warm' }] });
});
after(async () => {
  await app?.close();
});

const post = async (body: unknown): Promise<{ status: number; body: Answer }> => {
  const res = await fetch(`${app.url}/api/calibration`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Answer };
};
const inForce = async (): Promise<{ cameras: Record<Name, { calibration: { mount: MountConfig }; handles: ExpectedMarker[] }>; mats: Array<{ id: string }> }> =>
  (await fetch(`${app.url}/api/calibration`)).json() as never;

const marks = (camera: Name): Promise<MarkedPoint[]> => markRig(app.url, camera);

function assertNear(got: MountConfig, want: MountConfig, camera: string): void {
  for (const k of ['heightM', 'lateralM', 'longitudinalM'] as const) assert.ok(Math.abs(got[k] - want[k]) <= 0.01, `${camera} ${k}: ${got[k]} vs ${want[k]}`);
  for (const k of ['pitchDeg', 'yawDeg', 'rollDeg'] as const) assert.ok(Math.abs(got[k] - want[k]) <= 0.2, `${camera} ${k}: ${got[k]} vs ${want[k]}`);
}

test('the four cameras from the mats around the car: previews change nothing, each mount is solved, each seam measured in cm', { timeout: 120_000 }, async () => {
  const layout = await inForce();
  assert.deepEqual(layout.mats.map((m) => m.id), ['rear', 'rear-left', 'rear-right', 'front-left', 'front-right', 'left', 'right']);
  assert.equal(layout.cameras.rear.handles.length, 17, 'the rear mat and the two rear corner mats');
  for (const side of ['left', 'right'] as const) assert.equal(layout.cameras[side].handles.length, 12, `${side}: two corner mats and the side mat`);
  assert.equal(layout.cameras.front.handles.length, 8, 'front: two corner mats');

  // The rear camera first: its seams with the mirror cameras are listed but not measured (they have no marks yet).
  const rear = await post({ camera: 'rear', points: await marks('rear') });
  assert.equal(rear.status, 200, JSON.stringify(rear.body));
  assertNear(rear.body.mount, TRUE.rear, 'rear');
  assert.deepEqual(rear.body.seams.map((s) => [s.camera, s.markers, s.maxCm]).sort(), [['left', 0, null], ['right', 0, null]]);

  // A preview of the left camera: the figures, and nothing applied.
  const leftMarks = await marks('left');
  const preview = await post({ camera: 'left', points: leftMarks, apply: false });
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  assert.equal(preview.body.applied, false);
  assertNear(preview.body.mount, TRUE.left, 'left (preview)');
  assert.deepEqual((await inForce()).cameras.left.calibration.mount, CONFIGURED.left.calibration.mount, 'a preview applies nothing');
  const withRear = preview.body.seams.find((s) => s.camera === 'rear');
  assert.ok(withRear && withRear.markers === 4 && withRear.maxCm! <= 2, `left|rear seam on the rear-left mat: ${JSON.stringify(withRear)}`);

  const figures: string[] = [`rear: residual ${rear.body.residual.rmsCm.toFixed(2)} cm RMS (${rear.body.residual.maxCm.toFixed(2)} max)`];
  for (const [camera, points] of [['left', leftMarks], ['right', await marks('right')], ['front', await marks('front')]] as const) {
    const r = await post({ camera, points });
    assert.equal(r.status, 200, `${camera}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.applied, true);
    assertNear(r.body.mount, TRUE[camera], camera);
    assert.ok(r.body.residual.rmsCm <= 1, `${camera} residual ${r.body.residual.rmsCm} cm`);
    figures.push(`${camera}: residual ${r.body.residual.rmsCm.toFixed(2)} cm RMS (${r.body.residual.maxCm.toFixed(2)} max); ${r.body.seams.map((s) => `seam ${s.camera} ${s.maxCm?.toFixed(2) ?? '-'} cm over ${s.markers}`).join(', ')}`);
    for (const s of r.body.seams.filter((x) => x.markers > 0)) assert.ok(s.maxCm! <= 2, `${camera}|${s.camera}: ${s.maxCm} cm`);
  }
  // Every one of the four seams measured: front's two with the mirror cameras, the mirrors' with the rear.
  const front = (await post({ camera: 'front', points: await marks('front'), apply: false })).body;
  assert.deepEqual(front.seams.map((s) => [s.camera, s.markers]).sort(), [['left', 4], ['right', 4]]);
  const right = (await post({ camera: 'right', points: await marks('right'), apply: false })).body;
  assert.deepEqual(right.seams.map((s) => [s.camera, s.markers]).sort(), [['front', 4], ['rear', 4]]);
  console.log(figures.join('\n'));
});

test('the rear-right corner mat kicked 15 cm after the rear camera was calibrated: the right camera still fits within its pixel limits, but its seam with the rear would be over 3 cm out, so it is refused and nothing changes', { timeout: 60_000 }, async () => {
  const before = (await inForce()).cameras.right.calibration.mount;
  const right = CONFIGURED.right;
  const image = { width: right.width, height: right.height, mirror: right.mirror };
  // What the right camera sees: its markers where they lie, the rear-right mat's 15 cm further back than the layout says.
  const points = (await inForce()).cameras.right.handles.map((g) => {
    const kicked = g.id.startsWith('rr') ? 0.15 : 0;
    const p = projectGround({ ...right.calibration, mount: TRUE.right }, image, g.lateralM, g.behindM + kicked);
    assert.ok(p, `${g.id} is in view`);
    return { ground: { lateralM: g.lateralM, behindM: g.behindM }, pixel: { u: p[0], v: p[1] } };
  });
  const r = await post({ camera: 'right', points });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error?.code, 'CALIBRATION_REJECTED');
  assert.match(r.body.error!.message, /camera 'right': its seam with 'rear' would be \d\.\d cm out \(the marker at [\d.]+ m behind the rear bumper, [\d.]+ m right of the centreline .*at most 3 cm/);
  console.log(r.body.error!.message);
  assert.deepEqual((await inForce()).cameras.right.calibration.mount, before);
});

test('a front camera mounted looking almost level would leave the ground ahead of the bumper unseen: refused, with where', async () => {
  const level: MountConfig = { ...TRUE.front, pitchDeg: 5 };
  const front = CONFIGURED.front;
  const image = { width: front.width, height: front.height, mirror: front.mirror };
  // What such a camera sees of the front corner mats (exact pixels: the refusal is about the mount, not the marking).
  const points = cornerMats(DEFAULT_VEHICLE).filter((m) => m.id.startsWith('front')).flatMap((m) => m.points).map((g) => {
    const p = projectGround({ ...front.calibration, mount: level }, image, g.lateralM, g.behindM);
    assert.ok(p, `${g.id} is in view`);
    return { ground: { lateralM: g.lateralM, behindM: g.behindM }, pixel: { u: p[0], v: p[1] } };
  });
  const r = await post({ camera: 'front', points, apply: false });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.match(r.body.error!.message, /camera 'front': the solved mount would leave 0\.\d\d m² of ground within 3 m of the car seen by no camera \(nearest 0\.\d m ahead of the front bumper/);
});
