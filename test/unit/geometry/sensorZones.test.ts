import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CALIBRATION, DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import type { CalibrationConfig } from '../../../src/config/types.js';
import { projectGround, type ImageSpec } from '../../../src/geometry/cameraModel.js';
import type { GroundPoint } from '../../../src/geometry/guidelines.js';
import { CORNER_ARC_RAD, inSensorRange, sensorArcs, sensorColor, sensorZoneGround } from '../../../src/geometry/sensorZones.js';
import { SENSOR_ZONES } from '../../../src/wire/overlay.js';

const vehicle = DEFAULT_CONFIG.vehicle; // 1.85 m wide
const half = vehicle.widthM / 2;
const image: ImageSpec = { width: 1280, height: 720, mirror: true };
const pinhole: CalibrationConfig = { ...DEFAULT_CALIBRATION, model: 'pinhole', k: [0, 0, 0, 0] };

/** Distance from a ground point to the bumper, the segment from (-w/2, 0) to (w/2, 0). */
const fromBumper = ([x, y]: GroundPoint): number => Math.hypot(Math.max(0, Math.abs(x) - half), y);

test('colour by distance: red under 0.5 m, yellow under 1 m, green beyond', () => {
  assert.deepEqual([0, 0.49, 0.5, 0.99, 1, 2.9].map(sensorColor), ['red', 'red', 'yellow', 'yellow', 'green', 'green']);
});

test('no arc for no obstacle: 5 m (nothing in range), missing, negative or not a number', () => {
  assert.equal(inSensorRange(5), false);
  assert.equal(inSensorRange(null), false);
  assert.equal(inSensorRange(undefined), false);
  assert.equal(inSensorRange(-0.1), false);
  assert.equal(inSensorRange(Number.NaN), false);
  assert.equal(inSensorRange(0.3), true);
});

test('every zone arc lies at the measured distance from the bumper', () => {
  for (const zone of SENSOR_ZONES) {
    for (const d of [0.3, 0.8, 1.7]) {
      const arc = sensorZoneGround(vehicle, zone, d);
      assert.ok(arc.length >= 5, `${zone} sampled finely`);
      for (const p of arc) assert.ok(Math.abs(fromBumper(p) - d) < 1e-9, `${zone} at ${d}: ${p} is ${fromBumper(p)} from the bumper`);
    }
  }
});

test('zones run left to right and split the width at the quarters; outer zones round the corners', () => {
  const d = 1;
  const il = sensorZoneGround(vehicle, 'innerLeft', d);
  const ir = sensorZoneGround(vehicle, 'innerRight', d);
  assert.deepEqual([il[0], il.at(-1)], [[-half / 2, d], [0, d]]);
  assert.deepEqual([ir[0], ir.at(-1)], [[0, d], [half / 2, d]]);
  const ol = sensorZoneGround(vehicle, 'outerLeft', d);
  const or = sensorZoneGround(vehicle, 'outerRight', d);
  assert.deepEqual(ol.at(-1), [-half / 2, d]);
  assert.deepEqual(or[0], [half / 2, d]);
  // The outer right arc ends CORNER_ARC_RAD round the corner from straight behind it.
  const end = or.at(-1)!;
  assert.ok(Math.abs(end[0] - (half + d * Math.sin(CORNER_ARC_RAD))) < 1e-9 && Math.abs(end[1] - d * Math.cos(CORNER_ARC_RAD)) < 1e-9);
  for (const line of [ol, il, ir, or]) for (let i = 1; i < line.length; i++) assert.ok(line[i]![0] > line[i - 1]![0] - 1e-12);
});

test('an arc at a known distance projects where projectGround says', () => {
  const [arc] = sensorArcs(pinhole, image, vehicle, { innerRight: 1.5 });
  assert.ok(arc);
  assert.equal(arc.zone, 'innerRight');
  assert.equal(arc.color, 'green');
  const ground = sensorZoneGround(vehicle, 'innerRight', 1.5);
  assert.equal(arc.polyline.length, ground.length);
  const p = projectGround(pinhole, image, ...ground.at(-1)!)!;
  assert.deepEqual(arc.polyline.at(-1), [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10]);
  // Pinhole, camera pitched 30° down at 1 m: behind-distance 1.5 m is below the centre, and straight:
  // every point of an inner (straight) arc has the same image row.
  for (const q of arc.polyline) assert.ok(Math.abs(q[1] - arc.polyline[0]![1]) < 0.2);
  // Mirrored: the vehicle's right is the image's right.
  assert.ok(arc.polyline.at(-1)![0] > 640);
});

test('sensorArcs draws only the zones with an obstacle in range, left to right, coloured by distance', () => {
  const arcs = sensorArcs(DEFAULT_CALIBRATION, image, vehicle, { outerRight: 0.4, innerLeft: 5, outerLeft: 0.9, innerRight: null });
  assert.deepEqual(arcs.map((a) => [a.zone, a.distanceM, a.color]), [['outerLeft', 0.9, 'yellow'], ['outerRight', 0.4, 'red']]);
  for (const a of arcs) assert.ok(a.polyline.length > 5);
});
