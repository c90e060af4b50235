/**
 * The whole installer loop on real pixels: the synthetic camera, mounted
 * other than the config says, films the calibration mat; the markers are
 * found by colour in its JPEG; the solver recovers the true mount.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CAMERA, DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import type { CameraConfig, MountConfig } from '../../../src/config/types.js';
import { MAT_POINTS } from '../../../src/calibration/mat.js';
import { CalibrationRejected, solveMount } from '../../../src/calibration/solveMount.js';
import { SyntheticCamera } from '../../../src/source/synthetic/SyntheticCamera.js';
import { decodeToRgb, markerBlobs, pairWithMat } from '../../helpers/matMarkers.js';

/** Where the installer really put the camera: higher, steeper, turned and tilted, off-centre. */
const TRUE: MountConfig = { heightM: 1.08, pitchDeg: 33.5, yawDeg: 2.5, rollDeg: -1.5, lateralM: 0.12, longitudinalM: 0 };

function camera(trueMount: MountConfig | null, calibrationMat = true): CameraConfig {
  return { ...DEFAULT_CAMERA, synthetic: { ...DEFAULT_CAMERA.synthetic, calibrationMat, trueMount } };
}

async function markedFrame(cam: CameraConfig) {
  const source = new SyntheticCamera({ camera: cam, vehicle: DEFAULT_CONFIG.vehicle });
  const { data, width, height } = await decodeToRgb(await source.encode(Date.now() * 1000, 0));
  assert.equal(width, cam.width);
  const image = { width, height, mirror: cam.mirror };
  return { blobs: markerBlobs(data, width, height), image };
}

test('a JPEG of the mat from a camera mounted otherwise: the true mount is recovered within 1 cm and 0.2°', async (t) => {
  const cam = camera(TRUE);
  const { blobs, image } = await markedFrame(cam);
  assert.equal(blobs.length, MAT_POINTS.length, `found ${blobs.length} marker blobs`);
  const points = pairWithMat(blobs, cam.calibration, image);
  const solved = solveMount(cam.calibration, image, points);
  const m = solved.mount;
  const err = {
    heightMm: (m.heightM - TRUE.heightM) * 1000,
    lateralMm: (m.lateralM - TRUE.lateralM) * 1000,
    pitchDeg: m.pitchDeg - TRUE.pitchDeg,
    yawDeg: m.yawDeg - TRUE.yawDeg,
    rollDeg: m.rollDeg - TRUE.rollDeg,
  };
  t.diagnostic(`recovered mount errors: ${JSON.stringify(Object.fromEntries(Object.entries(err).map(([k, v]) => [k, +v.toFixed(3)])))}; reprojection rms ${solved.rmsPx.toFixed(3)} px, max ${solved.maxPx.toFixed(3)} px`);
  assert.ok(Math.abs(err.heightMm) <= 10 && Math.abs(err.lateralMm) <= 10, JSON.stringify(err));
  assert.ok(Math.abs(err.pitchDeg) <= 0.2 && Math.abs(err.yawDeg) <= 0.2 && Math.abs(err.rollDeg) <= 0.2, JSON.stringify(err));
  // The configured mount was off by far more than the tolerance: the solve did the work.
  assert.ok(Math.abs(cam.calibration.mount.pitchDeg - TRUE.pitchDeg) > 1 && Math.abs(cam.calibration.mount.heightM - TRUE.heightM) > 0.05);
});

test('without a true mount the picture is drawn through the configured calibration (the solve returns it)', async () => {
  const cam = camera(null);
  const { blobs, image } = await markedFrame(cam);
  const m = solveMount(cam.calibration, image, pairWithMat(blobs, cam.calibration, image)).mount;
  assert.ok(Math.abs(m.heightM - 1) < 0.01 && Math.abs(m.pitchDeg - 30) < 0.2, JSON.stringify(m));
});

test("with every mat of a surround-view car the rear camera also sees the two rear corner mats' 4 markers each", async () => {
  const { blobs } = await markedFrame({ ...camera(TRUE), synthetic: { ...DEFAULT_CAMERA.synthetic, calibrationMat: 'surround', trueMount: TRUE } });
  assert.equal(blobs.length, MAT_POINTS.length + 8);
});

test('without the mat there are no markers to find', async () => {
  const { blobs } = await markedFrame(camera(TRUE, false));
  assert.equal(blobs.length, 0);
});

test('marks from the real picture paired with the wrong mat points are refused with a clear message', async () => {
  const cam = camera(TRUE);
  const { blobs, image } = await markedFrame(cam);
  const points = pairWithMat(blobs, cam.calibration, image);
  // The installer dropped the near row's handles in mirror order (left and right swapped).
  const swapped = points.map((p, i) => (i === 0 ? { ...p, pixel: points[2]!.pixel } : i === 2 ? { ...p, pixel: points[0]!.pixel } : p));
  assert.throws(() => solveMount(cam.calibration, image, swapped), (err: unknown) => err instanceof CalibrationRejected && /misses the marks by .* px RMS .*each handle is on its own marker/.test(err.message));
});
