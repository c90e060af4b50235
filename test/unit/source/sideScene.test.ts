/**
 * The door-mirror cameras see the same parking lot as the rear camera, each
 * from its own mount: what stands beside the car on one side is in that
 * side's picture only, and the rear camera sees neither.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import { RearScene, BIN, BIN_COLOR, PILLAR, PILLAR_COLOR, toneMap } from '../../../src/source/synthetic/rearScene.js';
import { guidelineOverlay, GuidelineSignals } from '../../../src/services/reversing/guidelineOverlay.js';
import { cameraModel } from '../../../src/geometry/cameraModel.js';
import { projectPoint } from '../../../src/wire/camera.js';

const { vehicle } = DEFAULT_CONFIG;
const cams = DEFAULT_CONFIG.cameras;

/** Pixels painted in colour `c` at one of the box's face shades, through camera `id`'s exposure and white balance (each channel within 2). */
function near(raw: Buffer, c: readonly [number, number, number], id: string): number {
  const { exposure, whiteBalance } = cams[id]!.synthetic;
  const tone = toneMap(exposure, whiteBalance);
  const shades = [1, 0.8, 0.65].map((k) => tone([c[0] * k, c[1] * k, c[2] * k]));
  let n = 0;
  for (let o = 0; o < raw.length; o += 3) {
    if (shades.some((s) => Math.abs(raw[o]! - s[0]!) <= 2 && Math.abs(raw[o + 1]! - s[1]!) <= 2 && Math.abs(raw[o + 2]! - s[2]!) <= 2)) n++;
  }
  return n;
}

const frame = (id: string): Buffer => Buffer.from(new RearScene(cams[id]!, vehicle, id).render(0, 0));

test('the default config has a left and a right door-mirror camera, smaller and slower than the rear one, without guidelines', () => {
  for (const id of ['left', 'right']) {
    const c = cams[id]!;
    assert.equal(c.scene, 'side');
    assert.equal(c.guidelines, false);
    assert.ok(c.width * c.height * c.fps <= (cams.rear!.width * cams.rear!.height * cams.rear!.fps) / 4, `${id} is not cheap`);
  }
  assert.equal(cams.rear!.guidelines, true);
});

test('each side camera sees its own side: the pillar on the left, the bin on the right, the rear camera neither', () => {
  const left = frame('left');
  const right = frame('right');
  const rear = frame('rear');
  assert.ok(near(left, PILLAR_COLOR, 'left') > 500, `pillar in the left picture: ${near(left, PILLAR_COLOR, 'left')} px`);
  assert.ok(near(right, BIN_COLOR, 'right') > 500, `bin in the right picture: ${near(right, BIN_COLOR, 'right')} px`);
  assert.equal(near(left, BIN_COLOR, 'left'), 0);
  assert.equal(near(right, PILLAR_COLOR, 'right'), 0);
  assert.equal(near(rear, PILLAR_COLOR, 'rear') + near(rear, BIN_COLOR, 'rear'), 0);
  // Drawn where the shared camera model puts it: the pillar's foot, seen by the left camera.
  const left3 = cameraModel(cams.left!.calibration, { width: 640, height: 360, mirror: false });
  const foot = projectPoint(left3, PILLAR.lateralM, PILLAR.behindM - PILLAR.sizeM / 2 - 0.01, 0.3);
  assert.ok(foot, 'the pillar projects into the left camera');
  const [u, v] = foot.map(Math.round) as [number, number];
  const o = (v * 640 + u) * 3;
  assert.ok(left[o]! > 150 && left[o + 2]! < 60, `pillar colour at ${u},${v}: ${[left[o], left[o + 1], left[o + 2]].join(',')}`);
  // The right camera cannot see the left pillar's spot (behind it).
  const right3 = cameraModel(cams.right!.calibration, { width: 640, height: 360, mirror: false });
  assert.equal(projectPoint(right3, PILLAR.lateralM, PILLAR.behindM, 0.3), null);
  assert.ok(projectPoint(right3, BIN.lateralM, BIN.behindM, 0.3));
});

test('a side camera gets its camera model but no guidelines', () => {
  const inputs = new GuidelineSignals().inputs(Date.now() * 1000);
  const side = guidelineOverlay(cams.left!, vehicle, inputs);
  assert.deepEqual([side.bands, side.rails, side.trajectory, side.notices], [[], [[], []], undefined, undefined]);
  assert.equal(side.ground?.camera.mount.yawDeg, 90);
  const rear = guidelineOverlay(cams.rear!, vehicle, inputs);
  assert.equal(rear.bands.length, 3);
});
