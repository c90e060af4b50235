import { test } from 'node:test';
import assert from 'node:assert/strict';
import { projectGround } from '../../../src/geometry/cameraModel.js';
import { createScene } from '../../../src/source/synthetic/scene.js';
import { CabinScene } from '../../../src/source/synthetic/cabinScene.js';
import { bayHalfWidthM, OBSTACLE, OBSTACLE_FRONT, obstacleDistanceM, PAINT, RearScene } from '../../../src/source/synthetic/rearScene.js';
import { stampBox } from '../../../src/source/synthetic/stamp.js';
import { pixel, smallCamera, vehicle } from './fixtures.js';

const count = (raw: Buffer, c: readonly number[]): number => {
  let n = 0;
  for (let o = 0; o < raw.length; o += 3) if (raw[o] === c[0] && raw[o + 1] === c[1] && raw[o + 2] === c[2]) n++;
  return n;
};

test('the block oscillates between its nearest and farthest distance', () => {
  assert.equal(obstacleDistanceM(0), OBSTACLE.minM);
  assert.ok(Math.abs(obstacleDistanceM((OBSTACLE.periodS / 2) * 1e6) - OBSTACLE.maxM) < 1e-9);
  assert.ok(Math.abs(obstacleDistanceM(OBSTACLE.periodS * 1e6) - OBSTACLE.minM) < 1e-9);
});

test('a near block covers more of the picture than a far one', () => {
  const scene = new RearScene(smallCamera(), vehicle);
  const near = count(Buffer.from(scene.render(0, 0)), OBSTACLE_FRONT);
  const far = count(Buffer.from(scene.render((OBSTACLE.periodS / 2) * 1e6, 0)), OBSTACLE_FRONT);
  assert.ok(far > 0);
  assert.ok(near > 4 * far, `near ${near} px, far ${far} px`);
});

test('bay lines are painted where the camera model projects them', () => {
  for (const mirror of [false, true]) {
    const camera = smallCamera({ mirror });
    const raw = new RearScene(camera, vehicle).render(4e6, 0);
    const hw = bayHalfWidthM(vehicle);
    for (const lateral of [-hw, hw]) {
      for (const behind of [0.8, 1.2, 2.0]) {
        const [u, v] = projectGround(camera.calibration, camera, lateral, behind)!;
        assert.deepEqual(pixel(raw, camera.width, u, v), [...PAINT], `mirror=${mirror} line at ${lateral}, ${behind}`);
      }
    }
  }
});

test('the stamp is not mirrored, the scene is', () => {
  const a = Buffer.from(new RearScene(smallCamera({ mirror: false }), vehicle).render(4e6, 42));
  const b = Buffer.from(new RearScene(smallCamera({ mirror: true }), vehicle).render(4e6, 42));
  const box = stampBox('REAR');
  const w = 640;
  let white = 0;
  for (let y = box.y0; y < box.y1; y++) {
    const rowA = a.subarray((y * w + box.x0) * 3, (y * w + box.x1) * 3);
    assert.ok(rowA.equals(b.subarray((y * w + box.x0) * 3, (y * w + box.x1) * 3)), `stamp row ${y} differs`);
    for (let o = 0; o < rowA.length; o += 3) if (rowA[o] === 255) white++;
  }
  assert.ok(white > 200, 'the stamp has text');
  assert.ok(!a.equals(b));
});

test('the stamp changes with the frame number and the clock', () => {
  const scene = new RearScene(smallCamera(), vehicle);
  const box = stampBox('REAR');
  const region = (raw: Buffer): Buffer => Buffer.concat(
    Array.from({ length: box.y1 }, (_, y) => Buffer.from(raw.subarray(y * 640 * 3, (y * 640 + box.x1) * 3))));
  const base = region(Buffer.from(scene.render(4e6, 1)));
  assert.ok(!base.equals(region(Buffer.from(scene.render(4e6, 2)))), 'frame number');
  assert.ok(!base.equals(region(Buffer.from(scene.render(4e6 + 1000, 1)))), 'clock milliseconds');
});

test('the bumper spans the bottom edge, dark', () => {
  const raw = new RearScene(smallCamera(), vehicle).render(4e6, 0);
  for (const x of [0, 160, 320, 480, 639]) {
    const [r, g, b] = pixel(raw, 640, x, 359);
    assert.ok(r < 60 && g < 60 && b < 60, `bottom pixel at x=${x} is ${[r, g, b]}`);
  }
});

test('the cabin scene is a different picture that moves too', () => {
  const camera = smallCamera({ scene: 'cabin', mirror: false });
  const cabin = createScene(camera, vehicle);
  assert.ok(cabin instanceof CabinScene);
  const a = Buffer.from(cabin.render(0.5e6, 0));
  const b = Buffer.from(cabin.render(1.0e6, 0));
  assert.equal(a.length, 640 * 360 * 3);
  assert.ok(!a.equals(b));
  const rear = Buffer.from(createScene(smallCamera(), vehicle).render(0.5e6, 0));
  assert.ok(!a.equals(rear));
});
