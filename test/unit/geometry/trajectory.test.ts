import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CALIBRATION, DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import type { CalibrationConfig } from '../../../src/config/types.js';
import { reversingPath } from '../../../src/geometry/bicycleModel.js';
import { projectGround, type ImageSpec } from '../../../src/geometry/cameraModel.js';
import { trajectoryOverlay } from '../../../src/geometry/trajectory.js';

const vehicle = DEFAULT_CONFIG.vehicle;
const cal: CalibrationConfig = DEFAULT_CALIBRATION; // fisheye, cx = 640 = width / 2
const mirrored: ImageSpec = { width: 1280, height: 720, mirror: true };
const plain: ImageSpec = { ...mirrored, mirror: false };

const round = (p: [number, number]): [number, number] => [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10];

test('the image lines are the ground paths run through the camera model', () => {
  const t = trajectoryOverlay(cal, mirrored, vehicle, 200);
  const g = reversingPath(vehicle, 200);
  assert.equal(t.steeringDeg, 200);
  assert.equal(t.left.length, g.left.length);
  for (const i of [0, 10, g.left.length - 1]) assert.deepEqual(t.left[i], round(projectGround(cal, mirrored, ...g.left[i]!)!));
  for (const i of [0, 10, g.right.length - 1]) assert.deepEqual(t.right[i], round(projectGround(cal, mirrored, ...g.right[i]!)!));
});

test('zero steering: the two lines are mirror images about the image centre', () => {
  const t = trajectoryOverlay(cal, mirrored, vehicle, 0);
  assert.equal(t.left.length, t.right.length);
  t.left.forEach((p, i) => {
    const q = t.right[i]!;
    assert.ok(Math.abs(p[0] + q[0] - 1280) < 0.2 && Math.abs(p[1] - q[1]) < 0.2, `${p} vs ${q}`);
  });
  // Far is up: the lines run from the bottom of the picture towards the horizon.
  assert.ok(t.left[0]![1] > t.left.at(-1)![1]);
});

test('wheel turned left: on the mirrored rear image both lines curve to the LEFT of the screen', () => {
  const straight = trajectoryOverlay(cal, mirrored, vehicle, 0);
  const left = trajectoryOverlay(cal, mirrored, vehicle, 360);
  assert.ok(left.left.at(-1)![0] < straight.left.at(-1)![0] - 50, `${left.left.at(-1)} vs ${straight.left.at(-1)}`);
  assert.ok(left.right.at(-1)![0] < straight.right.at(-1)![0] - 50, `${left.right.at(-1)} vs ${straight.right.at(-1)}`);
  // The camera itself sees the tail swing to its right; the mirror turns that into the driver's left.
  const raw = trajectoryOverlay(cal, plain, vehicle, 360);
  const rawStraight = trajectoryOverlay(cal, plain, vehicle, 0);
  assert.ok(raw.right.at(-1)![0] > rawStraight.right.at(-1)![0] + 50);
});

test('wheel turned right curves the lines to the right of the screen, symmetric to left', () => {
  const left = trajectoryOverlay(cal, mirrored, vehicle, 360);
  const right = trajectoryOverlay(cal, mirrored, vehicle, -360);
  assert.ok(right.left.at(-1)![0] > 640 && right.right.at(-1)![0] > 640);
  const l = left.right.at(-1)!, r = right.left.at(-1)!;
  assert.ok(Math.abs(l[0] + r[0] - 1280) < 0.2 && Math.abs(l[1] - r[1]) < 0.2, `${l} vs ${r}`);
});
