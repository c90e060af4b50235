import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VehicleConfig } from '../../../src/config/types.js';
import { reversingPath, roadWheelAngleRad, turningRadiusM, TRAJECTORY_TRAVEL_M } from '../../../src/geometry/bicycleModel.js';
import type { GroundPoint } from '../../../src/geometry/guidelines.js';

// A round-number car: wheelbase 2.7 m, 1.8 m wide, 1 m rear overhang, ratio 15.
const car: VehicleConfig = { widthM: 1.8, lengthM: 4.5, wheelbaseM: 2.7, trackM: 1.55, rearOverhangM: 1, steeringRatio: 15 };
const DEG = Math.PI / 180;

const near = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);
const dist = (p: GroundPoint, q: GroundPoint): number => Math.hypot(p[0] - q[0], p[1] - q[1]);

test('the road-wheel angle is the steering-wheel angle over the steering ratio', () => {
  near(roadWheelAngleRad(450, 15), 30 * DEG);
  near(roadWheelAngleRad(-150, 15), -10 * DEG);
});

test('turning radius: wheelbase 2.7 m at a 30 degree road-wheel angle is 2.7/tan 30 = 4.677 m', () => {
  // tan 30° = 1/√3, so R = 2.7·√3.
  near(turningRadiusM(2.7, 30 * DEG), 4.676537180435969, 1e-12);
  assert.ok(Math.abs(turningRadiusM(2.7, 30 * DEG) - 4.677) < 1e-3);
  // The sign says which side the centre of turn is on: + = left.
  near(turningRadiusM(2.7, -30 * DEG), -4.676537180435969, 1e-12);
  assert.equal(turningRadiusM(2.7, 0), Infinity);
});

test('zero steering: straight lines at the vehicle edges from the bumper to 3 m, mirror images of each other', () => {
  const p = reversingPath(car, 0);
  assert.equal(p.radiusM, Infinity);
  assert.deepEqual(p.left[0], [-0.9, 0]);
  assert.deepEqual(p.left.at(-1), [-0.9, TRAJECTORY_TRAVEL_M]);
  assert.ok(p.left.length > 20, 'sampled finely');
  assert.deepEqual(p.right, p.left.map(([x, y]) => [-x, y]));
});

test('wheel turned left (VSS +): the outer line is the right rear corner circling the centre of turn on the left', () => {
  const p = reversingPath(car, 450); // δ = 30°, R = 4.6765 m
  const R = 2.7 * Math.sqrt(3);
  const centre: GroundPoint = [-R, -1]; // on the rear-axle line, 1 m ahead of the bumper, R to the left
  const rho = Math.hypot(R + 0.9, 1); // the right rear corner (0.9, 0) from the centre
  near(p.radiusM, R, 1e-12);
  // It starts at the right rear corner.
  near(p.right[0]![0], 0.9, 1e-12);
  near(p.right[0]![1], 0, 1e-12);
  for (const q of p.right) near(dist(q, centre), rho, 1e-9);
  // It ends where the corner is after the rear axle's centre travelled 3 m: a turn of 3/R about the centre.
  const phi = 3 / R;
  const a0 = Math.atan2(1, R + 0.9);
  const end: GroundPoint = [-R + rho * Math.cos(a0 + phi), -1 + rho * Math.sin(a0 + phi)];
  assert.ok(dist(p.right.at(-1)!, end) < 1e-9, `${p.right.at(-1)} vs ${end}`);
});

test('wheel turned left: the inner line follows the body side at the rear axle, inside the inner corner', () => {
  const p = reversingPath(car, 450);
  const R = 2.7 * Math.sqrt(3);
  const centre: GroundPoint = [-R, -1];
  const rhoI = R - 0.9;
  // It crosses the bumper line where the circle of radius R - w/2 does: x = -R + √(ρ² - 1²) = -1.0348 m,
  // 13.5 cm further left than the corner itself: the body's side cuts inside the corner's path.
  const x0 = -R + Math.sqrt(rhoI * rhoI - 1);
  near(p.left[0]![0], x0, 1e-9);
  near(p.left[0]![1], 0, 1e-12);
  assert.ok(Math.abs(x0 - -1.0348) < 1e-4);
  // Up to the final pose it stays on that circle; then it runs along the side to the final corner.
  const onCircle = p.left.filter((q) => Math.abs(dist(q, centre) - rhoI) < 1e-9);
  assert.ok(onCircle.length > 10);
  const phi = 3 / R;
  const finalCorner: GroundPoint = [-R + Math.hypot(rhoI, 1) * Math.cos(Math.atan2(1, rhoI) + phi), -1 + Math.hypot(rhoI, 1) * Math.sin(Math.atan2(1, rhoI) + phi)];
  assert.ok(dist(p.left.at(-1)!, finalCorner) < 1e-9, `${p.left.at(-1)} vs ${finalCorner}`);
  // Nothing is drawn ahead of the bumper.
  for (const q of [...p.left, ...p.right]) assert.ok(q[1] >= -1e-12, `${q} is ahead of the bumper`);
});

test('reversing with the wheel turned left takes the tail to the vehicle left', () => {
  const straight = reversingPath(car, 0);
  const left = reversingPath(car, 270);
  assert.ok(left.left.at(-1)![0] < straight.left.at(-1)![0] - 0.3);
  assert.ok(left.right.at(-1)![0] < straight.right.at(-1)![0] - 0.3);
  // Each line bends ever more to the left as it goes.
  for (const line of [left.left, left.right]) {
    for (let i = 1; i < line.length; i++) assert.ok(line[i]![0] <= line[i - 1]![0] + 1e-12);
  }
});

test('turning right is the mirror image of turning left', () => {
  const l = reversingPath(car, 300);
  const r = reversingPath(car, -300);
  const mirror = (pts: GroundPoint[]) => pts.map(([x, y]) => [-x, y]);
  assert.deepEqual(r.left, mirror(l.right));
  assert.deepEqual(r.right, mirror(l.left));
  assert.equal(r.radiusM, -l.radiusM);
});

test('a tiny steering angle bends the lines continuously, not by a jump', () => {
  const straight = reversingPath(car, 0);
  const tiny = reversingPath(car, 0.5);
  assert.ok(dist(tiny.right.at(-1)!, straight.right.at(-1)!) < 0.01);
  assert.ok(dist(tiny.left.at(-1)!, straight.left.at(-1)!) < 0.01);
});
