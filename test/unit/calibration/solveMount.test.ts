import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CALIBRATION, frontCamera, sideCamera } from '../../../src/config/defaults.js';
import type { CalibrationConfig, CameraConfig, MountConfig } from '../../../src/config/types.js';
import { projectGround, type ImageSpec } from '../../../src/geometry/cameraModel.js';
import { cornerMats, MAT_POINTS } from '../../../src/calibration/mat.js';
import { CalibrationRejected, solveMount, type MarkedPoint } from '../../../src/calibration/solveMount.js';

const IMAGE: ImageSpec = { width: 1280, height: 720, mirror: true };
/** The installer's truth: differs from the configured default in every solved field. */
const TRUE: MountConfig = { heightM: 1.08, pitchDeg: 33.5, yawDeg: 2.5, rollDeg: -1.5, lateralM: 0.12, longitudinalM: 0 };

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function marked(mount: MountConfig, noisePx: number, seed = 1, cal: CalibrationConfig = DEFAULT_CALIBRATION): MarkedPoint[] {
  const r = rng(seed);
  return MAT_POINTS.map((g) => {
    const p = projectGround({ ...cal, mount }, IMAGE, g.lateralM, g.behindM);
    assert.ok(p, `mat point ${g.id} must be visible`);
    return { ground: { lateralM: g.lateralM, behindM: g.behindM }, pixel: { u: p[0] + (r() * 2 - 1) * noisePx, v: p[1] + (r() * 2 - 1) * noisePx } };
  });
}

function assertRecovered(got: MountConfig, want: MountConfig): void {
  for (const k of ['heightM', 'lateralM'] as const) assert.ok(Math.abs(got[k] - want[k]) <= 0.01, `${k}: ${got[k]} vs ${want[k]}`);
  for (const k of ['pitchDeg', 'yawDeg', 'rollDeg'] as const) assert.ok(Math.abs(got[k] - want[k]) <= 0.2, `${k}: ${got[k]} vs ${want[k]}`);
  assert.equal(got.longitudinalM, want.longitudinalM);
}

test('exact marks: the true mount comes back to well under a millimetre and 0.01°', () => {
  const s = solveMount(DEFAULT_CALIBRATION, IMAGE, marked(TRUE, 0));
  for (const k of ['heightM', 'lateralM'] as const) assert.ok(Math.abs(s.mount[k] - TRUE[k]) < 1e-4, `${k}: ${s.mount[k]}`);
  for (const k of ['pitchDeg', 'yawDeg', 'rollDeg'] as const) assert.ok(Math.abs(s.mount[k] - TRUE[k]) < 0.01, `${k}: ${s.mount[k]}`);
  assert.ok(s.rmsPx < 0.01, `rms ${s.rmsPx}`);
});

test('marks with ±0.5 px noise: recovered within 1 cm and 0.2°, over several noise draws', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const s = solveMount(DEFAULT_CALIBRATION, IMAGE, marked(TRUE, 0.5, seed));
    assertRecovered(s.mount, TRUE);
    assert.ok(s.rmsPx < 0.6 && s.maxPx < 1, `rms ${s.rmsPx}, max ${s.maxPx}`);
    assert.equal(s.errorsPx.length, MAT_POINTS.length);
  }
});

test('the four mat corners alone are enough', () => {
  const corners = marked(TRUE, 0.3).filter((_, i) => [0, 2, 6, 8].includes(i));
  assertRecovered(solveMount(DEFAULT_CALIBRATION, IMAGE, corners).mount, TRUE);
});

test('the longitudinal offset is kept from the config', () => {
  const cal = { ...DEFAULT_CALIBRATION, mount: { ...DEFAULT_CALIBRATION.mount, longitudinalM: -0.1 } };
  const truth = { ...TRUE, longitudinalM: -0.1 };
  const s = solveMount(cal, IMAGE, marked(truth, 0.3, 7, cal));
  assertRecovered(s.mount, truth);
});

function refused(points: MarkedPoint[], pattern: RegExp): void {
  assert.throws(() => solveMount(DEFAULT_CALIBRATION, IMAGE, points), (err: unknown) => {
    assert.ok(err instanceof CalibrationRejected, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

test('fewer than four points are refused', () => {
  refused(marked(TRUE, 0).slice(0, 3), /3 point\(s\) marked; at least 4/);
});

test('points on one line are refused', () => {
  const line = [0.7, 1.1, 1.5, 1.9].map((behindM) => {
    const p = projectGround({ ...DEFAULT_CALIBRATION, mount: TRUE }, IMAGE, 0.3, behindM)!;
    return { ground: { lateralM: 0.3, behindM }, pixel: { u: p[0], v: p[1] } };
  });
  refused(line, /one line/);
});

test('a pixel outside the image is refused', () => {
  const pts = marked(TRUE, 0);
  pts[4] = { ...pts[4]!, pixel: { u: 1400, v: 300 } };
  refused(pts, /outside the 1280x720 image/);
});

test('marks that fit only a camera below the ground are refused as such', () => {
  // The same picture the true camera sees, flipped top to bottom: a camera under the ground looking up.
  const pts = marked(TRUE, 0).map((p) => ({ ...p, pixel: { u: p.pixel.u, v: IMAGE.height - p.pixel.v } }));
  refused(pts, /below the ground/);
});

test('handles swapped between markers are refused for their reprojection error', () => {
  const pts = marked(TRUE, 0);
  const a = pts[0]!.pixel, b = pts[8]!.pixel;
  pts[0] = { ...pts[0]!, pixel: b };
  pts[8] = { ...pts[8]!, pixel: a };
  refused(pts, /misses the marks by .* px RMS/);
});

test('a mount outside the plausible range is refused with the reason', () => {
  const tooHigh = { ...TRUE, heightM: 4, pitchDeg: 60 };
  const cal = { ...DEFAULT_CALIBRATION, fx: 300, fy: 300 };
  assert.throws(() => solveMount({ ...cal, mount: tooHigh }, IMAGE, marked(tooHigh, 0, 1, cal)), /4\.00 m above the ground; a camera sits 0\.2-3 m high/);
});

/** The surround rig's cameras and the corner mats each sees (both through their true mounts). */
const CAR = { widthM: 1.85, lengthM: 4.6 };
function cornerMarks(cam: CameraConfig, mount: MountConfig, corners: readonly string[]): MarkedPoint[] {
  const image = { width: cam.width, height: cam.height, mirror: cam.mirror };
  return cornerMats(CAR).filter((m) => corners.includes(m.id)).flatMap((m) => m.points).map((g) => {
    const p = projectGround({ ...cam.calibration, mount }, image, g.lateralM, g.behindM);
    assert.ok(p, `corner marker ${g.id} must be visible`);
    return { ground: { lateralM: g.lateralM, behindM: g.behindM }, pixel: { u: p[0], v: p[1] } };
  });
}

test('a door-mirror camera looks sideways: its yaw is judged against the configured ±90°, its lateral offset kept and its longitudinal one solved', () => {
  const left = sideCamera('left');
  const image = { width: left.width, height: left.height, mirror: left.mirror };
  const truth: MountConfig = { ...left.calibration.mount, heightM: 1.04, pitchDeg: 62, yawDeg: 87.5, rollDeg: 1.5, longitudinalM: -2.55 };
  const s = solveMount(left.calibration, image, cornerMarks(left, truth, ['rear-left', 'front-left']));
  for (const k of ['heightM', 'longitudinalM'] as const) assert.ok(Math.abs(s.mount[k] - truth[k]) < 1e-3, `${k}: ${s.mount[k]}`);
  for (const k of ['pitchDeg', 'yawDeg', 'rollDeg'] as const) assert.ok(Math.abs(s.mount[k] - truth[k]) < 0.02, `${k}: ${s.mount[k]}`);
  assert.equal(s.mount.lateralM, left.calibration.mount.lateralM, 'the mirror camera\'s lateral offset is kept');
  // The same marks given to a camera configured as the right mirror's (yaw -90): 180° off its direction.
  const right = sideCamera('right');
  assert.throws(() => solveMount({ ...left.calibration, mount: { ...left.calibration.mount, yawDeg: right.calibration.mount.yawDeg } }, image, cornerMarks(left, truth, ['rear-left', 'front-left'])), /another camera's direction|misses the marks/);
});

test('the front camera (yaw 180°) from the two front corner mats', () => {
  const front = frontCamera(CAR.lengthM);
  const image = { width: front.width, height: front.height, mirror: front.mirror };
  const truth: MountConfig = { ...front.calibration.mount, heightM: 0.73, pitchDeg: 37, yawDeg: -178, rollDeg: -1, lateralM: 0.05 };
  const s = solveMount(front.calibration, image, cornerMarks(front, truth, ['front-left', 'front-right']));
  for (const k of ['heightM', 'lateralM'] as const) assert.ok(Math.abs(s.mount[k] - truth[k]) < 1e-3, `${k}: ${s.mount[k]}`);
  assert.ok(Math.abs(((s.mount.yawDeg - truth.yawDeg + 540) % 360) - 180) < 0.02, `yaw ${s.mount.yawDeg}`);
  for (const k of ['pitchDeg', 'rollDeg'] as const) assert.ok(Math.abs(s.mount[k] - truth[k]) < 0.02, `${k}: ${s.mount[k]}`);
  assert.equal(s.mount.longitudinalM, front.calibration.mount.longitudinalM);
});
