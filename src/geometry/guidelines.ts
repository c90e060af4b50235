/**
 * Parking guidelines as image-space polylines (wire/overlay.ts). Everything is
 * built from ground points run through the camera model, so the lines bend
 * with the lens exactly as the road in the picture does.
 */
import type { CalibrationConfig, VehicleConfig } from '../config/types.js';
import type { BandColor, DistanceBand, Overlay, Point } from '../wire/overlay.js';
import { projectGround, type ImageSpec } from './cameraModel.js';

/** A ground point in the vehicle frame: [lateral (+ right), behind the bumper], metres. */
export type GroundPoint = [number, number];

/** Distance bands behind the bumper, near to far. */
export const DISTANCE_BANDS: ReadonlyArray<{ distanceM: number; color: BandColor }> = [
  { distanceM: 0.5, color: 'red' },
  { distanceM: 1, color: 'yellow' },
  { distanceM: 2, color: 'green' },
];

export const RAIL_START_M = 0.2;
export const RAIL_END_M = 3;
/** Ground sampling step; small enough that fisheye curvature shows. */
export const SAMPLE_STEP_M = 0.1;

/** Points from a to b inclusive, at most `stepM` apart. */
export function sampleSegment(a: GroundPoint, b: GroundPoint, stepM = SAMPLE_STEP_M): GroundPoint[] {
  const n = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / stepM - 1e-9));
  const out: GroundPoint[] = [];
  for (let i = 0; i <= n; i++) out.push([a[0] + ((b[0] - a[0]) * i) / n, a[1] + ((b[1] - a[1]) * i) / n]);
  return out;
}

/** Projects ground points to image pixels, dropping those the camera cannot see. */
export function groundPolyline(cal: CalibrationConfig, image: ImageSpec, points: readonly GroundPoint[]): Point[] {
  const out: Point[] = [];
  for (const [lateral, behind] of points) {
    const p = projectGround(cal, image, lateral, behind);
    // Tenth-of-a-pixel precision is plenty and keeps the metadata JSON small.
    if (p) out.push([Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10]);
  }
  return out;
}

/**
 * The static corridor: distance bands across the vehicle width and the two
 * side rails. rails[0] is the vehicle's LEFT side, rails[1] its right
 * (on a mirrored rear image that is also image left and right).
 */
export function staticOverlay(cal: CalibrationConfig, image: ImageSpec, vehicle: VehicleConfig): Overlay {
  const half = vehicle.widthM / 2;
  const bands: DistanceBand[] = DISTANCE_BANDS.map(({ distanceM, color }) => ({
    distanceM,
    color,
    line: groundPolyline(cal, image, sampleSegment([-half, distanceM], [half, distanceM])),
  }));
  const rail = (lateral: number): Point[] =>
    groundPolyline(cal, image, sampleSegment([lateral, RAIL_START_M], [lateral, RAIL_END_M]));
  return { width: image.width, height: image.height, rails: [rail(-half), rail(half)], bands };
}
