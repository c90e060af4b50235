import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staticOverlay } from '../../../src/geometry/guidelines.js';
import { sensorArcs } from '../../../src/geometry/sensorZones.js';
import { trajectoryOverlay } from '../../../src/geometry/trajectory.js';
import {
  CHECK_SURROUNDINGS,
  GUIDELINE_SIGNALS,
  GuidelineSignals,
  guidelineOverlay,
  inputsKey,
  SIGNAL_STALE_MS,
} from '../../../src/services/reversing/guidelineOverlay.js';
import { VSS, type SignalSample } from '../../../src/wire/signals.js';
import { smallCamera, vehicle } from '../source/fixtures.js';

const T0 = 1_700_000_000_000_000; // µs
const at = (ms: number): number => T0 + ms * 1000;
const sample = (path: string, value: number, ms = 0): SignalSample => ({ path, value, timestampUs: at(ms) });
const S = VSS.rearSensor;

/** All guideline signals fresh at `ms`, reversing with the wheel straight and nothing behind. */
function reversing(ms = 0): SignalSample[] {
  return [
    sample(VSS.gear, -1, ms),
    sample(VSS.steeringWheelAngle, 0, ms),
    ...Object.values(S).map((p) => sample(p, 5, ms)),
  ];
}

test('with no samples at all, every guideline signal is reported stale and nothing dynamic is drawn', () => {
  const inputs = new GuidelineSignals().inputs(at(0));
  assert.deepEqual(inputs.stale, GUIDELINE_SIGNALS);
  assert.equal(inputs.steeringDeg, undefined);
  assert.deepEqual(inputs.sensors, {});
});

test('fresh values are used; a value older than the stale limit is dropped and reported', () => {
  const g = new GuidelineSignals();
  g.update(reversing(0));
  g.update([sample(VSS.steeringWheelAngle, 120, 0), sample(S.innerLeft, 0.8, 0)]);
  const fresh = g.inputs(at(SIGNAL_STALE_MS - 1));
  assert.deepEqual(fresh.stale, []);
  assert.equal(fresh.steeringDeg, 120);
  assert.deepEqual(fresh.sensors, { outerLeft: 5, innerLeft: 0.8, innerRight: 5, outerRight: 5 });

  // Everything but the steering angle is refreshed; the steering angle goes stale.
  g.update(reversing(400).filter((s) => s.path !== VSS.steeringWheelAngle));
  const later = g.inputs(at(SIGNAL_STALE_MS + 1));
  assert.deepEqual(later.stale, [VSS.steeringWheelAngle]);
  assert.equal(later.steeringDeg, undefined);
  assert.equal(later.sensors.innerLeft, 5);
});

test('steering jitter below a degree does not change the inputs; a real turn does', () => {
  const g = new GuidelineSignals();
  g.update(reversing(0));
  g.update([sample(VSS.steeringWheelAngle, 100, 1)]);
  const base = inputsKey(g.inputs(at(2)));
  for (const [i, v] of [100.4, 99.6, 100.7, 99.3, 100.2].entries()) {
    g.update([sample(VSS.steeringWheelAngle, v, 2 + i)]);
    assert.equal(inputsKey(g.inputs(at(10))), base, `jitter to ${v} changed the overlay`);
  }
  g.update([sample(VSS.steeringWheelAngle, 103.2, 20)]);
  assert.equal(g.inputs(at(21)).steeringDeg, 103);
  assert.notEqual(inputsKey(g.inputs(at(21))), base);
});

test('sensor readings are quantised to 5 cm, never shown farther than measured, and do not flicker', () => {
  const g = new GuidelineSignals();
  g.update(reversing(0));
  const shown = (v: number, ms: number): number | undefined => {
    g.update([sample(S.outerRight, v, ms)]);
    return g.inputs(at(ms)).sensors.outerRight;
  };
  const near = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
  near(shown(1.0, 1), 1);
  near(shown(1.03, 2), 1);
  near(shown(0.3, 3), 0.3); // 0.3 / 0.05 is 5.999… in floating point: still 0.30, not 0.25
  // 0.48 m is red (< 0.5 m): shown as 0.45, never rounded up to a yellow 0.50.
  near(shown(0.48, 4), 0.45);
  // A reading that wavers across 0.5 m keeps the nearer value...
  near(shown(0.51, 5), 0.45);
  near(shown(0.49, 6), 0.45);
  // ...until it has clearly moved away; coming nearer shows at once.
  near(shown(0.53, 7), 0.5);
  near(shown(0.44, 8), 0.4);
});

test('a late sample older than the one held is ignored', () => {
  const g = new GuidelineSignals();
  g.update([sample(VSS.steeringWheelAngle, 50, 100)]);
  g.update([sample(VSS.steeringWheelAngle, -50, 50)]);
  assert.equal(g.inputs(at(101)).steeringDeg, 50);
});

test('the overlay: static bands, the trajectory, sensor arcs, and the notice; stale signals listed', () => {
  const cam = smallCamera();
  const image = { width: cam.width, height: cam.height, mirror: cam.mirror };
  const inputs = { steeringDeg: 200, forwardGear: false, creepingForward: false, sensors: { innerLeft: 0.45, outerRight: 5 }, stale: [S.innerRight] };
  const o = guidelineOverlay(cam, vehicle, inputs);
  const base = staticOverlay(cam.calibration, image, vehicle);
  assert.deepEqual([o.width, o.height, o.rails, o.bands], [base.width, base.height, base.rails, base.bands]);
  assert.deepEqual(o.trajectory, trajectoryOverlay(cam.calibration, image, vehicle, 200));
  assert.deepEqual(o.sensors, sensorArcs(cam.calibration, image, vehicle, { innerLeft: 0.45 }));
  assert.equal(o.sensors?.[0]?.color, 'red');
  assert.deepEqual(o.notices, [CHECK_SURROUNDINGS]);
  assert.deepEqual(o.staleSignals, [S.innerRight]);
});

test('no trajectory when the steering angle is unknown or a forward gear is engaged; the notice stays', () => {
  const cam = smallCamera();
  const none = guidelineOverlay(cam, vehicle, { steeringDeg: undefined, forwardGear: false, creepingForward: false, sensors: {}, stale: [VSS.steeringWheelAngle] });
  assert.equal(none.trajectory, undefined);
  assert.equal(none.sensors, undefined);
  assert.deepEqual(none.notices, [CHECK_SURROUNDINGS]);
  const forward = guidelineOverlay(cam, vehicle, { steeringDeg: 30, forwardGear: true, creepingForward: false, sensors: {}, stale: [] });
  assert.equal(forward.trajectory, undefined);
  assert.equal(forward.staleSignals, undefined);
  const g = new GuidelineSignals();
  g.update([...reversing(0), sample(VSS.gear, 1, 0)]);
  assert.equal(g.inputs(at(1)).forwardGear, true);
});

test('an obstacle nearer than 0.5 m recommends the top view; farther, or none, recommends nothing', () => {
  const cam = smallCamera();
  const at = (d: number | undefined) =>
    guidelineOverlay(cam, vehicle, { steeringDeg: 0, forwardGear: false, creepingForward: false, sensors: d === undefined ? {} : { outerRight: d }, stale: [] }).recommendedView;
  assert.equal(at(0.45), 'top');
  assert.equal(at(0.5), undefined);
  assert.equal(at(undefined), undefined);
  // A service with the four surround cameras recommends the surround view instead.
  const withSurround = (d: number) => guidelineOverlay(cam, vehicle, { steeringDeg: 0, forwardGear: false, creepingForward: false, sensors: { outerRight: d }, stale: [] }, true).recommendedView;
  assert.equal(withSurround(0.45), 'surround');
  assert.equal(withSurround(0.6), undefined);
});

test('the overlay carries the camera model and vehicle width the display reprojects with', () => {
  const cam = smallCamera();
  const o = guidelineOverlay(cam, vehicle, { steeringDeg: undefined, forwardGear: false, creepingForward: false, sensors: {}, stale: [] });
  assert.deepEqual(o.ground, {
    camera: { ...cam.calibration, width: cam.width, height: cam.height, mirror: cam.mirror },
    vehicleWidthM: vehicle.widthM,
    vehicleLengthM: vehicle.lengthM,
    usable: cam.surround,
  });
});

test('creeping forward (a forward gear, at most 10 km/h, fresh) shows the front bands, only to a service with the four surround cameras; off above 11 km/h', () => {
  const g = new GuidelineSignals();
  const drive = (ms: number, gear: number, kmh: number) => g.update([sample(VSS.gear, gear, ms), sample(VSS.speed, kmh, ms)]);
  drive(0, 1, 8);
  assert.equal(g.inputs(at(1)).creepingForward, true);
  drive(10, 1, 10.8);
  assert.equal(g.inputs(at(11)).creepingForward, true, 'between 10 and 11 km/h it stays as it was');
  drive(20, 1, 11.5);
  assert.equal(g.inputs(at(21)).creepingForward, false);
  drive(30, 1, 10.5);
  assert.equal(g.inputs(at(31)).creepingForward, false, 'back on only at 10 km/h or less');
  drive(40, 1, 3);
  assert.equal(g.inputs(at(41)).creepingForward, true);
  assert.equal(g.inputs(at(40 + SIGNAL_STALE_MS + 1)).creepingForward, false, 'a stale speed shows nothing');
  drive(1000, -1, 3);
  assert.equal(g.inputs(at(1001)).creepingForward, false, 'not in reverse');

  const cam = smallCamera();
  const creeping = { steeringDeg: 0, forwardGear: true, creepingForward: true, sensors: {}, stale: [] };
  assert.deepEqual(guidelineOverlay(cam, vehicle, creeping, true).frontBands, [{ distanceM: 0.5, color: 'red' }, { distanceM: 1, color: 'yellow' }, { distanceM: 2, color: 'green' }]);
  assert.equal(guidelineOverlay(cam, vehicle, creeping, false).frontBands, undefined, 'no surround view to draw them in');
  assert.equal(guidelineOverlay(cam, vehicle, { ...creeping, creepingForward: false }, true).frontBands, undefined);
  assert.notEqual(inputsKey(creeping), inputsKey({ ...creeping, creepingForward: false }), 'a change of creeping is a new overlay');
});
