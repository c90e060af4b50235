/**
 * The view math the display's shader mirrors (src/display/viewProjection.ts):
 * a ground point, projected to a fisheye pixel by the shared camera model,
 * comes back through the dewarp and top mappings to the same place, and the
 * dewarp view is a true pinhole (ground lines stay straight).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CALIBRATION } from '../../../src/config/defaults.js';
import { cameraModel } from '../../../src/geometry/cameraModel.js';
import { projectPoint, type CameraModel, type Pixel } from '../../../src/wire/camera.js';
import {
  dewarpGeometry,
  groundToTop,
  sourceToView,
  topGeometry,
  topToGround,
  viewToSource,
  type ViewGeometry,
} from '../../../src/display/viewProjection.js';

const REAR: CameraModel = cameraModel(DEFAULT_CALIBRATION, { width: 1280, height: 720, mirror: true });
const UNMIRRORED: CameraModel = { ...REAR, mirror: false, mount: { ...REAR.mount, yawDeg: 5, rollDeg: 2, lateralM: -0.1 } };

const near = (a: Pixel | null, b: Pixel, eps: number): boolean => a !== null && Math.hypot(a[0] - b[0], a[1] - b[1]) < eps;

function visibleGround(cam: CameraModel): Array<{ ground: [number, number]; src: Pixel }> {
  const out: Array<{ ground: [number, number]; src: Pixel }> = [];
  for (let lat = -2.5; lat <= 2.5; lat += 0.25) {
    for (let behind = 0.5; behind <= 5; behind += 0.25) {
      const src = projectPoint(cam, lat, behind);
      if (src && src[0] >= 0 && src[0] <= cam.width && src[1] >= 0 && src[1] <= cam.height) out.push({ ground: [lat, behind], src });
    }
  }
  return out;
}

for (const cam of [REAR, UNMIRRORED]) {
  const label = cam.mirror ? 'mirrored' : 'unmirrored, yawed and rolled';
  const views: ViewGeometry[] = [dewarpGeometry(1280, 720, cam.mirror), topGeometry(1280, 720, cam.mirror)];

  test(`${label}: top view: ground -> fisheye pixel -> top pixel is the ground point at the view's scale`, () => {
    const g = topGeometry(1280, 720, cam.mirror);
    for (const { ground, src } of visibleGround(cam)) {
      const top = sourceToView(cam, g, src[0], src[1]);
      assert.ok(near(top, groundToTop(g, ground[0], ground[1]), 1e-6), `${ground} -> ${top}`);
      const back = topToGround(g, top![0], top![1]);
      assert.ok(Math.hypot(back[0] - ground[0], back[1] - ground[1]) < 1e-8);
    }
  });

  for (const g of views) {
    test(`${label}: ${g.kind}: the pixel an overlay point lands on samples that same fisheye pixel (shader mapping)`, () => {
      let n = 0;
      for (const { src } of visibleGround(cam)) {
        const out = sourceToView(cam, g, src[0], src[1]);
        assert.ok(out);
        if (out[0] < 0 || out[0] > g.width || out[1] < 0 || out[1] > g.height) continue;
        assert.ok(near(viewToSource(cam, g, out[0], out[1]), src, 1e-6), `${src} -> ${out} -> ${viewToSource(cam, g, out[0], out[1])}`);
        n++;
      }
      assert.ok(n > 40, `only ${n} points on screen`);
    });
  }

  test(`${label}: dewarp: a straight ground line is straight (collinear to 1e-6 px); in the fisheye it bends`, () => {
    const g = dewarpGeometry(1280, 720, cam.mirror);
    const line = Array.from({ length: 30 }, (_, i) => [1.375, 0.8 + i * 0.14] as const);
    const fisheye = line.map(([l, b]) => projectPoint(cam, l, b)!);
    const dewarped = fisheye.map((p) => sourceToView(cam, g, p[0], p[1])!);
    assert.ok(maxResidual(dewarped) < 1e-6, `dewarp residual ${maxResidual(dewarped)}`);
    assert.ok(maxResidual(fisheye) > 5, `fisheye residual ${maxResidual(fisheye)}`);
  });
}

test('dewarp: the centre pixel looks along the optical axis; left stays left when mirrored', () => {
  const g = dewarpGeometry(1280, 720, true);
  assert.ok(near(viewToSource(REAR, g, 640, 360), [640, 360], 1e-9));
  // The vehicle's left (negative lateral) is on the left of the mirrored image and of the dewarp view.
  const src = projectPoint(REAR, -1, 2)!;
  assert.ok(src[0] < 640 && sourceToView(REAR, g, src[0], src[1])![0] < 640);
});

/** Largest distance of the points from their chord. */
function maxResidual(pts: Pixel[]): number {
  const [a, b] = [pts[0]!, pts[pts.length - 1]!];
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
  return Math.max(...pts.map((p) => Math.abs((b[0] - a[0]) * (a[1] - p[1]) - (a[0] - p[0]) * (b[1] - a[1])) / len));
}
