import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationMats, cornerMats, sideMats } from '../../../src/calibration/mat.js';
import type { MarkedPoint } from '../../../src/calibration/solveMount.js';
import { describeGround, openedGap, residual, seams, sightCamera, unseenCells, type SightCamera } from '../../../src/calibration/surroundChecks.js';
import { DEFAULT_CAMERA, DEFAULT_VEHICLE, frontCamera, sideCamera } from '../../../src/config/defaults.js';
import type { CameraConfig, MountConfig } from '../../../src/config/types.js';
import { inFootprint, usableMargin } from '../../../src/wire/cameraSight.js';
import { projectPoint } from '../../../src/wire/camera.js';

const CAR = DEFAULT_VEHICLE;
const RIG: Record<string, CameraConfig> = { front: frontCamera(CAR.lengthM), rear: DEFAULT_CAMERA, left: sideCamera('left'), right: sideCamera('right') };
const sights = (mounts: Record<string, MountConfig> = {}): SightCamera[] => Object.entries(RIG).map(([n, c]) => sightCamera(n, c, mounts[n]));
const byName = (s: SightCamera[], n: string) => s.find((x) => x.name === n)!;

/** Marks of the markers whose ids match `ids`, as camera `s` sees them (exact pixels). */
function marksOf(s: SightCamera, ids: RegExp): MarkedPoint[] {
  return calibrationMats(CAR, true).flatMap((m) => m.points).filter((p) => ids.test(p.id)).map((g) => {
    const px = projectPoint(s.cam, g.lateralM, g.behindM);
    assert.ok(px, `${s.name} sees ${g.id}`);
    return { ground: { lateralM: g.lateralM, behindM: g.behindM }, pixel: { u: px[0], v: px[1] } };
  });
}

test('the layout: every corner marker lies outside the car and is seen by exactly the two cameras meeting at its corner, every side marker by its mirror camera', () => {
  const all = sights();
  const expect: Record<string, string[]> = { rl: ['left', 'rear'], rr: ['rear', 'right'], fl: ['front', 'left'], fr: ['front', 'right'], l: ['left'], r: ['right'] };
  for (const mat of [...cornerMats(CAR), ...sideMats(CAR)]) {
    for (const p of mat.points) {
      assert.ok(!inFootprint(CAR, p.lateralM, p.behindM), `${p.id} is off the car`);
      const seenBy = all.filter((s) => usableMargin(s.cam, s.usable, p.lateralM, p.behindM, undefined, CAR).margin > 0).map((s) => s.name).sort();
      assert.deepEqual(seenBy, expect[p.id.replace(/\d$/, '')], `${p.id} at (${p.lateralM}, ${p.behindM})`);
    }
  }
  assert.deepEqual(calibrationMats(CAR, false).map((m) => m.id), ['rear'], 'a rear-camera car lays the rear mat only');
});

test('residual: exact marks land on their markers; a mark 3 px off lands centimetres away', () => {
  const right = byName(sights(), 'right');
  const exact = residual(right.cam, marksOf(right, /^(rr|fr|r)\d$/));
  assert.ok(exact.rmsCm < 0.01 && exact.maxCm < 0.01, JSON.stringify(exact));
  const off = marksOf(right, /^rr/);
  off[3] = { ...off[3]!, pixel: { u: off[3]!.pixel.u + 3, v: off[3]!.pixel.v } };
  const r = residual(right.cam, off);
  assert.ok(r.errorsCm[3]! > 1, `3 px at the picture's end is more than 1 cm on the ground: ${r.errorsCm[3]}`);
  assert.ok(r.errorsCm.slice(0, 3).every((e) => e! < 0.01));
});

test('seams: two cameras true to their marks agree on the shared markers; one whose mount is 1° off draws them centimetres apart; a neighbour without marks is listed unmeasured', () => {
  const truth = sights();
  const rear = byName(truth, 'rear'), right = byName(truth, 'right'), left = byName(truth, 'left');
  const rightMarks = marksOf(right, /^rr/);
  const agree = seams(right.cam, rightMarks, [{ sight: rear, marks: marksOf(rear, /^rr/) }, { sight: left, marks: undefined }], CAR);
  assert.equal(agree.length, 1, 'left sees none of the rear-right markers');
  assert.equal(agree[0]!.camera, 'rear');
  assert.equal(agree[0]!.markers, 4);
  assert.ok(agree[0]!.maxCm! < 0.01, `${agree[0]!.maxCm}`);
  // The right camera's solved mount turned 1° while the marks stay what the real camera saw.
  const turned = sightCamera('right', RIG.right!, { ...RIG.right!.calibration.mount, yawDeg: RIG.right!.calibration.mount.yawDeg + 1 });
  const apart = seams(turned.cam, rightMarks, [{ sight: rear, marks: marksOf(rear, /^rr/) }], CAR)[0]!;
  assert.ok(apart.maxCm! > 3, `1° of yaw 3-4 m from the camera is several cm: ${apart.maxCm}`);
  const unmeasured = seams(right.cam, rightMarks, [{ sight: rear, marks: undefined }], CAR);
  assert.deepEqual(unmeasured, [{ camera: 'rear', markers: 0, rmsCm: null, maxCm: null, worst: null }]);
});

test('coverage: the default rig leaves only the strip behind the bumper unseen; a front camera looking level opens a gap ahead of the bumper, the same mounts none', () => {
  const all = sights();
  const unseen = unseenCells(all, CAR);
  assert.ok(unseen.length > 0 && unseen.every(([lat, b]) => b > 0 && b < 0.7 && Math.abs(lat) < CAR.widthM / 2 + 0.1), 'the blind strip behind the rear bumper only');
  assert.deepEqual(openedGap(all, all, CAR), { areaM2: 0, nearest: null });
  const level = sights({ front: { ...RIG.front!.calibration.mount, pitchDeg: 5 } });
  const gap = openedGap(all, level, CAR);
  assert.ok(gap.areaM2 > 0.3, `${gap.areaM2} m²`);
  assert.ok(gap.nearest![1] < -CAR.lengthM && Math.abs(gap.nearest![0]) < CAR.widthM / 2, `ahead of the front bumper: ${gap.nearest}`);
  assert.match(describeGround(gap.nearest!, CAR), /^0\.\d m ahead of the front bumper, /);
});

test('describeGround names where to walk to', () => {
  assert.equal(describeGround([0.02, 0.55], CAR), '0.6 m behind the rear bumper, on the centreline');
  assert.equal(describeGround([-2.1, -5.0], CAR), '0.4 m ahead of the front bumper, 2.1 m left of the centreline');
  assert.equal(describeGround([1.5, -2.3], CAR), '2.3 m ahead of the rear bumper, 1.5 m right of the centreline');
});
