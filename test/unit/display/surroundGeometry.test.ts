/**
 * The surround view's geometry (src/display/surround/surroundGeometry.ts),
 * on the default config's four cameras: the output maps to the ground and
 * back, the car is centred with its front up, every camera owns the ground on
 * its side, the corners blend two cameras, and the weights are a partition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import { cameraModel } from '../../../src/geometry/cameraModel.js';
import { blendWeights, DEFAULT_AREA, groundToSurround, hiddenByCar, inFootprint, marginWeight, parseArea, surroundGeometry, surroundToGround, SURROUND_CAMERAS } from '../../../src/display/surround/surroundGeometry.js';

const CAR = { widthM: DEFAULT_CONFIG.vehicle.widthM, lengthM: DEFAULT_CONFIG.vehicle.lengthM };
const CAMS = SURROUND_CAMERAS.map((id) => {
  const c = DEFAULT_CONFIG.cameras[id]!;
  return { cam: cameraModel(c.calibration, { width: c.width, height: c.height, mirror: c.mirror }), usable: c.surround! };
});
const IDX = Object.fromEntries(SURROUND_CAMERAS.map((c, i) => [c, i])) as Record<(typeof SURROUND_CAMERAS)[number], number>;

test('?area= is parsed, and absurd areas are refused', () => {
  assert.deepEqual(parseArea('10x12'), { widthM: 10, lengthM: 12 });
  assert.deepEqual(parseArea('8.5x11'), { widthM: 8.5, lengthM: 11 });
  for (const bad of [null, '', '10', 'x12', '1x12', '10x60', '-5x5', '10x12m', '10 x 12']) assert.equal(parseArea(bad), null, String(bad));
});

test('the whole area fits, centred on the car, front up, one scale; ground ↔ pixel round trip', () => {
  const g = surroundGeometry(800, 600, DEFAULT_AREA, CAR);
  assert.ok(g.mPerPx * 800 >= DEFAULT_AREA.widthM - 1e-9 && g.mPerPx * 600 >= DEFAULT_AREA.lengthM - 1e-9, 'the area fits');
  const [cx, cy] = groundToSurround(g, 0, -CAR.lengthM / 2);
  assert.ok(Math.abs(cx - 400) < 1e-9 && Math.abs(cy - 300) < 1e-9, `the car's centre at the picture's centre: ${cx}, ${cy}`);
  const [, yFront] = groundToSurround(g, 0, -CAR.lengthM);
  const [, yRear] = groundToSurround(g, 0, 0);
  assert.ok(yFront < yRear, 'the front bumper above the rear one');
  const [xRight] = groundToSurround(g, 1, -1);
  const [xLeft] = groundToSurround(g, -1, -1);
  assert.ok(xRight > xLeft, "the car's right on the screen's right");
  for (const [lat, beh] of [[0, 0], [2.3, -4.1], [-3.7, 1.9]] as const) {
    const [x, y] = groundToSurround(g, lat, beh);
    const [l2, b2] = surroundToGround(g, x, y);
    assert.ok(Math.abs(l2 - lat) < 1e-9 && Math.abs(b2 - beh) < 1e-9);
  }
  assert.ok(inFootprint(CAR, 0, -1) && !inFootprint(CAR, 0, 0.01) && !inFootprint(CAR, CAR.widthM / 2 + 0.01, -1));
});

test('each camera owns the ground on its side of the car; each corner blends its two cameras', () => {
  const mid = -CAR.lengthM / 2;
  const side = CAR.widthM / 2 + 1.5;
  const owner: Array<[string, number, number]> = [
    ['rear', 0, 1.5],
    ['front', 0, -CAR.lengthM - 1.5],
    ['left', -side, mid],
    ['right', side, mid],
  ];
  for (const [cam, lat, beh] of owner) {
    const w = blendWeights(CAMS, lat, beh);
    assert.ok(w[IDX[cam as 'rear']]! > 0.9, `${cam} owns (${lat}, ${beh}): ${w.map((x) => x.toFixed(2))}`);
  }
  const corners: Array<[string, string, number, number]> = [
    ['rear', 'right', CAR.widthM / 2 + 1, 1],
    ['rear', 'left', -CAR.widthM / 2 - 1, 1],
    ['front', 'right', CAR.widthM / 2 + 1, -CAR.lengthM - 1],
    ['front', 'left', -CAR.widthM / 2 - 1, -CAR.lengthM - 1],
  ];
  for (const [a, b, lat, beh] of corners) {
    const w = blendWeights(CAMS, lat, beh);
    assert.ok(w[IDX[a as 'rear']]! > 0.05 && w[IDX[b as 'rear']]! > 0.05, `${a}|${b} corner blends both: ${w.map((x) => x.toFixed(2))}`);
  }
});

test('the weights are a partition of one wherever a camera sees, and fade in from zero at a field edge', () => {
  for (let lat = -5; lat <= 5; lat += 0.5) {
    for (let beh = -CAR.lengthM - 3; beh <= 3; beh += 0.5) {
      if (inFootprint(CAR, lat, beh)) continue;
      const w = blendWeights(CAMS, lat, beh);
      assert.ok(w.every((x) => x >= 0 && x <= 1));
      const sum = w.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-9 || sum === 0, `weights at (${lat}, ${beh}) sum to ${sum}`);
    }
  }
  assert.equal(marginWeight(0), 0);
  assert.equal(marginWeight(-0.1), 0);
  assert.ok(marginWeight(0.01) < marginWeight(0.02) && marginWeight(0.02) < marginWeight(0.2), 'growing with the margin');
  assert.ok(marginWeight(0.001) / 0.001 < 0.01, 'zero slope at the edge: no visible step where a camera starts to count');
});

test("the car's body hides the ground behind it from the door-mirror cameras, not from the rear one", () => {
  const left = CAMS[IDX.left]!.cam.mount;
  const rear = CAMS[IDX.rear]!.cam.mount;
  // A metre behind the rear bumper's middle: the left mirror's sight line crosses the car, the rear camera's does not.
  assert.equal(hiddenByCar(left, CAR, 0, 1), true);
  assert.equal(hiddenByCar(rear, CAR, 0, 1), false);
  // Beside the car on its own side the mirror sees the ground; across the car it does not.
  assert.equal(hiddenByCar(left, CAR, -CAR.widthM / 2 - 1, -1), false);
  assert.equal(hiddenByCar(left, CAR, CAR.widthM / 2 + 1, -CAR.lengthM / 2), true);
  // A sight line along an axis: straight back beside the car is clear, straight across the car is not.
  const mirror = { lateralM: -CAR.widthM / 2 - 0.1, longitudinalM: -2 };
  assert.equal(hiddenByCar(mirror, CAR, mirror.lateralM, 3), false);
  assert.equal(hiddenByCar(mirror, CAR, CAR.widthM / 2 + 1, -2), true);
  // A camera on the roof (inside the footprint) is hidden by nothing.
  assert.equal(hiddenByCar({ lateralM: 0, longitudinalM: -2 }, CAR, 0, 2), false);
  // The weights follow: there only the rear camera counts.
  const withCar = blendWeights(CAMS, 0, 1, CAR);
  assert.equal(withCar[IDX.left], 0);
  assert.equal(withCar[IDX.right], 0);
  assert.ok(Math.abs(withCar[IDX.rear]! - 1) < 1e-9);
});
