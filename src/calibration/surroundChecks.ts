/**
 * What an installer sees before saving a calibration, in centimetres on the
 * ground, and what refuses it (docs/calibration.md, "Four cameras"):
 *
 * - residual: where the solved camera puts each marked marker on the ground
 *   (its pixel cast back through the solved mount) against where the mat puts it;
 * - seams: a marker of a corner mat is seen by the two cameras whose pictures
 *   meet there; each puts it on the ground through its own mount, and the
 *   distance between the two is how far apart the stitched view draws it;
 * - gaps: ground within 3 m of the car that every camera saw through the
 *   calibrations in force and none sees through the solved one.
 *
 * Pure: the Calibrator gives it the cameras as they are and the marks kept.
 */
import type { CameraConfig, MountConfig } from '../config/types.js';
import { cameraModel } from '../geometry/cameraModel.js';
import { pixelToGround, type CameraModel } from '../wire/camera.js';
import { inFootprint, usableMargin, type CarShape, type Usable } from '../wire/cameraSight.js';
import type { GroundPoint } from './mat.js';
import type { MarkedPoint } from './solveMount.js';

/** A seam drawn further apart than this is refused: the seam target (2 cm) plus about a pixel of handle placement at 1-4 m. */
export const SEAM_LIMIT_CM = 3;
/** New unseen ground beyond this is a gap the solved mount opens (ten 10 cm cells: not the edge of a blind strip moving by a centimetre). */
export const GAP_LIMIT_M2 = 0.1;
/** The ring of ground around the car that must stay seen, and the grid it is checked on. */
export const COVERAGE_WITHIN_M = 3;
const CELL_M = 0.1;
/** Two marks are of the same marker when their ground points agree to a millimetre. */
const SAME_POINT_M = 1e-3;

export interface Residual {
  /** Root mean square and largest over the points, cm on the ground. */
  rmsCm: number;
  maxCm: number;
  /** Each point's, in the order given; null where its pixel does not reach the ground. */
  errorsCm: Array<number | null>;
}

export interface Seam {
  /** The other camera. */
  camera: string;
  /** Markers marked in both cameras; 0 when the other camera has no marks kept (calibrate it too). */
  markers: number;
  /** How far apart the two cameras put the shared markers, cm; null when none is shared yet. */
  rmsCm: number | null;
  maxCm: number | null;
  /** The worst shared marker. */
  worst: GroundPoint | null;
}

export interface SightCamera {
  name: string;
  cam: CameraModel;
  usable: Usable;
}

/** A camera of the config as the sight model wants it, with `mount` instead of its calibration's when given. */
export function sightCamera(name: string, c: CameraConfig, mount?: MountConfig): SightCamera {
  const cam = cameraModel(mount ? { ...c.calibration, mount } : c.calibration, { width: c.width, height: c.height, mirror: c.mirror });
  return { name, cam, usable: c.surround };
}

/** Where a marked pixel lands on the ground through `cam` ([lateral, behind]), or null above the horizon. */
function groundOf(cam: CameraModel, p: MarkedPoint): [number, number] | null {
  return pixelToGround(cam, p.pixel.u, p.pixel.v);
}

export function residual(cam: CameraModel, points: readonly MarkedPoint[]): Residual {
  const errorsCm = points.map((p) => {
    const g = groundOf(cam, p);
    return g && Math.hypot(g[0] - p.ground.lateralM, g[1] - p.ground.behindM) * 100;
  });
  const seen = errorsCm.map((e) => e ?? Infinity);
  return { rmsCm: Math.sqrt(seen.reduce((s, e) => s + e * e, 0) / Math.max(1, seen.length)), maxCm: Math.max(0, ...seen), errorsCm };
}

const same = (a: GroundPoint, b: GroundPoint): boolean => Math.abs(a.lateralM - b.lateralM) <= SAME_POINT_M && Math.abs(a.behindM - b.behindM) <= SAME_POINT_M;

/**
 * The seams of camera `a` (solved) with every other camera that shares markers
 * with it: through marks kept from its own calibration, or, where it has none,
 * listed with no figure when its calibration in force sees two or more of a's markers.
 */
export function seams(a: CameraModel, points: readonly MarkedPoint[], others: ReadonlyArray<{ sight: SightCamera; marks: readonly MarkedPoint[] | undefined }>, car: CarShape): Seam[] {
  const out: Seam[] = [];
  for (const { sight, marks } of others) {
    const pairs = marks ? points.flatMap((p) => marks.filter((q) => same(p.ground, q.ground)).map((q) => [p, q] as const)) : [];
    if (pairs.length === 0) {
      const sees = points.filter((p) => usableMargin(sight.cam, sight.usable, p.ground.lateralM, p.ground.behindM, undefined, car).margin > 0).length;
      if (sees >= 2) out.push({ camera: sight.name, markers: 0, rmsCm: null, maxCm: null, worst: null });
      continue;
    }
    let sum = 0, max = -1, worst: GroundPoint | null = null;
    for (const [p, q] of pairs) {
      const ga = groundOf(a, p), gb = groundOf(sight.cam, q);
      const d = ga && gb ? Math.hypot(ga[0] - gb[0], ga[1] - gb[1]) * 100 : Infinity;
      sum += d * d;
      if (d > max) [max, worst] = [d, p.ground];
    }
    out.push({ camera: sight.name, markers: pairs.length, rmsCm: Math.sqrt(sum / pairs.length), maxCm: max, worst });
  }
  return out;
}

/** Cell centres of the ground within COVERAGE_WITHIN_M of the footprint, outside it, that none of `cams` sees. */
export function unseenCells(cams: readonly SightCamera[], car: CarShape): Array<[number, number]> {
  const w = car.widthM / 2, r = COVERAGE_WITHIN_M;
  const out: Array<[number, number]> = [];
  for (let lat = -w - r + CELL_M / 2; lat < w + r; lat += CELL_M) {
    for (let b = -car.lengthM - r + CELL_M / 2; b < r; b += CELL_M) {
      if (inFootprint(car, lat, b)) continue;
      // Distance to the footprint rectangle.
      const dx = Math.max(0, Math.abs(lat) - w), dy = Math.max(0, b, -car.lengthM - b);
      if (Math.hypot(dx, dy) > r) continue;
      if (!cams.some((c) => usableMargin(c.cam, c.usable, lat, b, undefined, car).margin > 0)) out.push([lat, b]);
    }
  }
  return out;
}

/** Ground the solved mount leaves unseen that the calibrations in force saw: its area and the cell nearest the car. */
export function openedGap(before: readonly SightCamera[], after: readonly SightCamera[], car: CarShape): { areaM2: number; nearest: [number, number] | null } {
  const key = (c: [number, number]) => `${Math.round(c[0] / CELL_M)},${Math.round(c[1] / CELL_M)}`;
  const was = new Set(unseenCells(before, car).map(key));
  const opened = unseenCells(after, car).filter((c) => !was.has(key(c)));
  const fromCar = (c: [number, number]) => Math.hypot(Math.max(0, Math.abs(c[0]) - car.widthM / 2), Math.max(0, c[1], -car.lengthM - c[1]));
  const nearest = opened.reduce<[number, number] | null>((n, c) => (!n || fromCar(c) < fromCar(n) ? c : n), null);
  return { areaM2: opened.length * CELL_M * CELL_M, nearest };
}

/** "0.3 m ahead of the front bumper, 0.2 m right of the centreline": where a ground point is, as an installer walks to it. */
export function describeGround([lat, b]: readonly [number, number], car: CarShape): string {
  const along = b > 0 ? `${b.toFixed(1)} m behind the rear bumper` : b < -car.lengthM ? `${(-car.lengthM - b).toFixed(1)} m ahead of the front bumper` : `${(-b).toFixed(1)} m ahead of the rear bumper`;
  const across = Math.abs(lat) < 0.05 ? 'on the centreline' : `${Math.abs(lat).toFixed(1)} m ${lat > 0 ? 'right' : 'left'} of the centreline`;
  return `${along}, ${across}`;
}
