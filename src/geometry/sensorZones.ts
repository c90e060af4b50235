/**
 * Rear parking-sensor zones as ground arcs. Each sensor reports the distance
 * from the bumper to the nearest obstacle in its zone, so the arc is drawn at
 * that distance from the bumper: the set of ground points `d` from the
 * bumper segment is a straight line behind it that rounds each corner on a
 * circle of radius `d`. The inner zones split the straight middle; the outer
 * zones take the rest of it and round the corner by CORNER_ARC_RAD (a corner
 * sensor looks back and out, not sideways). Docs: docs/geometry.md.
 */
import type { CalibrationConfig, VehicleConfig } from '../config/types.js';
import { SENSOR_MAX_M } from '../wire/signals.js';
import { SENSOR_ZONES, type BandColor, type SensorArc, type SensorZone } from '../wire/overlay.js';
import type { ImageSpec } from './cameraModel.js';
import { groundPolyline, sampleSegment, type GroundPoint } from './guidelines.js';

/** How far the outer zones reach round the bumper's corner, from straight behind. */
export const CORNER_ARC_RAD = Math.PI / 4;
/** Sampling step along the arcs. */
const STEP_M = 0.05;

/** Red when nearer than 0.5 m, yellow nearer than 1 m, green otherwise: the static bands' colours. */
export function sensorColor(distanceM: number): BandColor {
  if (distanceM < 0.5) return 'red';
  if (distanceM < 1) return 'yellow';
  return 'green';
}

/** Whether a reading is an obstacle to draw: SENSOR_MAX_M (or more) means nothing in range. */
export function inSensorRange(distanceM: number | null | undefined): distanceM is number {
  return typeof distanceM === 'number' && Number.isFinite(distanceM) && distanceM >= 0 && distanceM < SENSOR_MAX_M;
}

/** The ground arc `distanceM` behind the bumper in `zone`, ordered from the vehicle's left to its right. */
export function sensorZoneGround(vehicle: VehicleConfig, zone: SensorZone, distanceM: number): GroundPoint[] {
  const half = vehicle.widthM / 2;
  const split = half / 2;
  const d = distanceM;
  switch (zone) {
    case 'innerLeft':
      return sampleSegment([-split, d], [0, d], STEP_M);
    case 'innerRight':
      return sampleSegment([0, d], [split, d], STEP_M);
    case 'outerLeft':
      // Round the left corner, ending straight behind it, then along to the split.
      return [...cornerArc(-half, d, Math.PI / 2 + CORNER_ARC_RAD, Math.PI / 2), ...sampleSegment([-half, d], [-split, d], STEP_M).slice(1)];
    case 'outerRight':
      return [...sampleSegment([split, d], [half, d], STEP_M), ...cornerArc(half, d, Math.PI / 2, Math.PI / 2 - CORNER_ARC_RAD).slice(1)];
  }
}

/** A circle of radius d about the bumper corner (cornerLateral, 0), from angle a to b (0 = vehicle right, π/2 = behind). */
function cornerArc(cornerLateral: number, d: number, a: number, b: number): GroundPoint[] {
  const n = Math.max(1, Math.ceil((Math.abs(b - a) * d) / STEP_M));
  return Array.from({ length: n + 1 }, (_, i) => {
    const t = a + ((b - a) * i) / n;
    return [cornerLateral + d * Math.cos(t), d * Math.sin(t)] as GroundPoint;
  });
}

/** Image arcs for the zones with an obstacle in range, from the vehicle's left to its right. */
export function sensorArcs(
  cal: CalibrationConfig,
  image: ImageSpec,
  vehicle: VehicleConfig,
  distances: Partial<Record<SensorZone, number | null>>,
): SensorArc[] {
  const out: SensorArc[] = [];
  for (const zone of SENSOR_ZONES) {
    const d = distances[zone];
    if (!inSensorRange(d)) continue;
    out.push({ zone, distanceM: d, color: sensorColor(d), polyline: groundPolyline(cal, image, sensorZoneGround(vehicle, zone, d)) });
  }
  return out;
}
