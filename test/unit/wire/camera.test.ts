/**
 * The shared camera model's inverse (src/wire/camera.ts): an image pixel goes
 * back to the ground point it shows, through the Kannala–Brandt lens and the
 * mount's rotations. The forward model is tested in test/unit/geometry/cameraModel.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CALIBRATION } from '../../../src/config/defaults.js';
import { cameraModel } from '../../../src/geometry/cameraModel.js';
import { pixelToGround, pixelToRay, projectPoint, projectRay, type CameraModel } from '../../../src/wire/camera.js';

const REAR: CameraModel = cameraModel(DEFAULT_CALIBRATION, { width: 1280, height: 720, mirror: true });
const TILTED: CameraModel = { ...REAR, mirror: false, mount: { heightM: 1.1, pitchDeg: 25, yawDeg: 7, rollDeg: -3, lateralM: 0.2, longitudinalM: 0.15 } };

function groundGrid(): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let lat = -3; lat <= 3; lat += 0.5) for (let behind = 0.5; behind <= 6; behind += 0.5) out.push([lat, behind]);
  return out;
}

for (const [name, cam] of [['default rear camera (mirrored)', REAR], ['yawed, rolled, offset camera', TILTED]] as const) {
  test(`${name}: ground point -> fisheye pixel -> ground point lands within 0.1 mm`, () => {
    let checked = 0;
    for (const [lat, behind] of groundGrid()) {
      const px = projectPoint(cam, lat, behind);
      if (!px || px[0] < 0 || px[0] > cam.width || px[1] < 0 || px[1] > cam.height) continue;
      const back = pixelToGround(cam, px[0], px[1]);
      assert.ok(back, `no ground point for pixel ${px} of (${lat}, ${behind})`);
      assert.ok(Math.hypot(back[0] - lat, back[1] - behind) < 1e-4, `(${lat}, ${behind}) came back as ${back}`);
      checked++;
    }
    assert.ok(checked > 50, `only ${checked} grid points in view`);
  });
}

test('pixelToRay inverts the fisheye distortion out to the image corners', () => {
  for (const [u, v] of [[0, 0], [1280, 720], [640, 360], [100, 650], [1200, 30]] as const) {
    const ray = pixelToRay(REAR, u, v);
    assert.ok(ray);
    const px = projectRay(REAR, ray);
    assert.ok(px && Math.abs(px[0] - u) < 1e-6 && Math.abs(px[1] - v) < 1e-6, `(${u}, ${v}) -> ${px}`);
  }
});

test('a pixel above the horizon has no ground point', () => {
  // The top row of a camera pitched 30 degrees down with a ~37 degree half field of view looks above the horizon.
  assert.equal(pixelToGround(REAR, 640, 0), null);
});
