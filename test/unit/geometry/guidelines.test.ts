import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CALIBRATION, DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import type { CalibrationConfig } from '../../../src/config/types.js';
import { projectGround } from '../../../src/geometry/cameraModel.js';
import { groundPolyline, sampleSegment, staticOverlay } from '../../../src/geometry/guidelines.js';

const vehicle = DEFAULT_CONFIG.vehicle;
// cx deliberately off the image centre so symmetry about cx is not symmetry about width/2.
const cal: CalibrationConfig = { ...DEFAULT_CALIBRATION, cx: 600 };
const image = { width: 1280, height: 720, mirror: false };

const meanV = (line: [number, number][]): number => line.reduce((s, p) => s + p[1], 0) / line.length;

test('three bands red, yellow, green at 0.5, 1 and 2 m', () => {
  const o = staticOverlay(cal, image, vehicle);
  assert.deepEqual(o.bands.map((b) => [b.distanceM, b.color]), [[0.5, 'red'], [1, 'yellow'], [2, 'green']]);
  assert.equal(o.width, 1280);
  assert.equal(o.height, 720);
});

test('bands are left-right symmetric about cx with zero yaw and lateral offset', () => {
  const o = staticOverlay(cal, image, vehicle);
  for (const band of o.bands) {
    assert.ok(band.line.length >= 10, 'sampled finely enough for curvature');
    const n = band.line.length;
    for (let i = 0; i < n; i++) {
      const a = band.line[i]!, b = band.line[n - 1 - i]!;
      assert.ok(Math.abs(a[0] + b[0] - 2 * cal.cx) < 0.2, `band ${band.distanceM}: ${a} vs ${b}`);
      assert.ok(Math.abs(a[1] - b[1]) < 0.2);
    }
  }
});

test('nearer bands are lower in the image', () => {
  const [red, yellow, green] = staticOverlay(cal, image, vehicle).bands;
  assert.ok(meanV(red!.line) > meanV(yellow!.line));
  assert.ok(meanV(yellow!.line) > meanV(green!.line));
});

test('fisheye bends the straight cross line; pinhole keeps it straight', () => {
  const red = staticOverlay(cal, image, vehicle).bands[0]!.line;
  const mid = red[Math.floor(red.length / 2)]!;
  assert.ok(mid[1] > cal.cy, 'the 0.5 m band is below the principal point');
  // Barrel distortion pulls the ends toward the principal point: they sit higher than the middle.
  assert.ok(red[0]![1] < mid[1] - 1, `ends ${red[0]} vs middle ${mid}`);
  const pin = staticOverlay({ ...cal, model: 'pinhole' }, image, vehicle).bands[2]!.line;
  for (const p of pin) assert.ok(Math.abs(p[1] - pin[0]![1]) < 0.2);
});

test('rails run near to far from 0.2 m to 3 m; rails[0] is the vehicle left', () => {
  const mirrored = { ...image, mirror: true };
  const o = staticOverlay(cal, mirrored, vehicle);
  const [left, right] = o.rails;
  assert.ok(left.length > 20 && right.length > 20);
  const half = vehicle.widthM / 2;
  assert.deepEqual(left[0], roundPt(projectGround(cal, mirrored, -half, 0.2)!));
  assert.deepEqual(left[left.length - 1], roundPt(projectGround(cal, mirrored, -half, 3)!));
  // Mirrored, the vehicle's left side is on the image left.
  assert.ok(left[5]![0] < right[5]![0]);
  assert.ok(left[0]![1] > left[left.length - 1]![1], 'near end is lower');
});

test('points the camera cannot see are dropped', () => {
  const pts = groundPolyline(cal, image, [[0, -2], [0, 1], [0, 2]]);
  assert.equal(pts.length, 2);
});

test('sampleSegment includes both ends and respects the step', () => {
  const s = sampleSegment([0, 0], [0, 1], 0.3);
  assert.deepEqual(s[0], [0, 0]);
  assert.deepEqual(s[s.length - 1], [0, 1]);
  assert.equal(s.length, 5);
});

function roundPt(p: [number, number]): [number, number] {
  return [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10];
}
