import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CalibrationConfig } from '../../../src/config/types.js';
import { projectGround, type ImageSpec } from '../../../src/geometry/cameraModel.js';

const IMAGE: ImageSpec = { width: 1280, height: 720, mirror: false };
const MIRRORED: ImageSpec = { ...IMAGE, mirror: true };

function cal(over: Partial<CalibrationConfig> = {}, mount: Partial<CalibrationConfig['mount']> = {}): CalibrationConfig {
  return {
    model: 'pinhole',
    fx: 500,
    fy: 500,
    cx: 640,
    cy: 360,
    k: [0, 0, 0, 0],
    ...over,
    mount: { heightM: 1, pitchDeg: 0, yawDeg: 0, rollDeg: 0, lateralM: 0, longitudinalM: 0, ...mount },
  };
}

function close(actual: [number, number] | null, expected: [number, number], eps = 1e-6): void {
  assert.ok(actual, `expected a projection near ${expected}`);
  assert.ok(Math.abs(actual[0] - expected[0]) < eps && Math.abs(actual[1] - expected[1]) < eps, `got ${actual}, expected ${expected}`);
}

test('pinhole: a ground point 2 m straight behind lands below the centre by fy*h/d', () => {
  close(projectGround(cal(), IMAGE, 0, 2), [640, 360 + (500 * 1) / 2]);
});

test('mirroring keeps the centre column', () => {
  close(projectGround(cal(), MIRRORED, 0, 2), [640, 610]);
});

test('vehicle right is image left unmirrored and image right mirrored', () => {
  close(projectGround(cal(), IMAGE, 0.5, 2), [640 - (500 * 0.5) / 2, 610]);
  close(projectGround(cal(), MIRRORED, 0.5, 2), [1280 - (640 - (500 * 0.5) / 2), 610]);
});

test('pitch 30 degrees: the ground point at h/tan(30) lands at the image centre', () => {
  const d = 1 / Math.tan(Math.PI / 6);
  close(projectGround(cal({}, { pitchDeg: 30 }), IMAGE, 0, d), [640, 360]);
  // A nearer ground point is lower in the image.
  const near = projectGround(cal({}, { pitchDeg: 30 }), IMAGE, 0, d / 2);
  assert.ok(near && near[1] > 360);
});

test('positive yaw turns the view to the vehicle left', () => {
  const yaw = 10 * (Math.PI / 180);
  // At camera height, 3 m behind, offset to the vehicle's left by 3*tan(yaw).
  close(projectGround(cal({}, { yawDeg: 10 }), IMAGE, -3 * Math.tan(yaw), 3, 1), [640, 360]);
});

test('roll 90 degrees turns image right into image down', () => {
  // x_cam = +0.5 (vehicle left), z = 2: unrolled u = cx + 125; rolled 90 deg it moves to v = cy + 125.
  close(projectGround(cal({}, { rollDeg: 90 }), IMAGE, -0.5, 2, 1), [640, 360 + 125]);
});

test('mount offsets move the camera', () => {
  // Camera 0.5 m right of the centreline and 0.5 m behind the bumper: the point below-behind it by 2 m is centred.
  close(projectGround(cal({}, { lateralM: 0.5, longitudinalM: 0.5 }), IMAGE, 0.5, 2.5), [640, 610]);
});

test('points behind the camera do not project', () => {
  assert.equal(projectGround(cal(), IMAGE, 0, -1), null);
  assert.equal(projectGround(cal(), IMAGE, 0, 0), null);
  // Pitched 30 degrees down, a point above and barely behind the lens plane is behind it.
  assert.equal(projectGround(cal({}, { pitchDeg: 30 }), IMAGE, 0, 0.1, 3), null);
});

test('fisheye with k = 0 is equidistant: angle theta lands at radius fx*theta', () => {
  const fish = cal({ model: 'fisheye' });
  for (const theta of [0.2, 0.7, 1.2]) {
    const z = 2;
    // At camera height, so the off-axis angle is purely horizontal (toward the vehicle left = +x).
    close(projectGround(fish, IMAGE, -z * Math.tan(theta), z, 1), [640 + 500 * theta, 360], 1e-6);
  }
  // On the axis the r -> 0 limit gives the principal point.
  close(projectGround(fish, IMAGE, 0, 5, 1), [640, 360]);
});

test('fisheye distortion coefficients scale the radius by the polynomial', () => {
  const fish = cal({ model: 'fisheye', k: [0.1, 0, 0, 0] });
  const theta = 0.5;
  const r = 500 * theta * (1 + 0.1 * theta * theta);
  close(projectGround(fish, IMAGE, 0, 1, 1 - Math.tan(theta)), [640, 360 + r]);
});
