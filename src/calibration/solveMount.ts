/**
 * Installer calibration: the camera's extrinsics from ground points of known
 * position and the pixels they were marked at, by least squares through the
 * same camera model the guidelines use (geometry/cameraModel.ts).
 *
 * Unknowns: heightM, pitchDeg, yawDeg, rollDeg and the offset across the
 * camera's view. The offset along its view is kept from the config
 * (longitudinalM for a camera looking rearward or forward, lateralM for a
 * door-mirror camera looking sideways): the camera sits in the bumper,
 * tailgate or mirror, where that offset is measured once with a tape to a few
 * millimetres, while from mats lying 0.5-4 m away a move along the viewing
 * direction is nearly the same picture as a change of height and pitch
 * together, so solving it too would make those three poorly determined.
 *
 * What is plausible is judged against the configured mount: a door-mirror
 * camera looks sideways (yaw ±90°), a front camera forward (180°).
 *
 * The solver is ml-levenberg-marquardt (mljs): a maintained, dependency-light
 * Levenberg–Marquardt with bounds and finite-difference Jacobians. It fits
 * y = f(params)(x) for scalar x, so the 2-D residuals are flattened: x is the
 * index over the 2N pixel coordinates (u0, v0, u1, v1, …).
 */
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { CalibrationRejected } from './CalibrationRejected.js';
import type { CalibrationConfig, MountConfig } from '../config/types.js';
import { projectGround, type ImageSpec, type Pixel } from '../geometry/cameraModel.js';
import type { GroundPoint } from './mat.js';

export interface MarkedPoint {
  ground: GroundPoint;
  /** Where it was marked, in the pixel coordinates of the image as streamed (mirrored if the camera is). */
  pixel: { u: number; v: number };
}

export interface SolvedMount {
  mount: MountConfig;
  /** Root-mean-square reprojection error over the points, pixels. */
  rmsPx: number;
  /** The largest single point's reprojection error, pixels. */
  maxPx: number;
  /** Each point's reprojection error, pixels, in the order given. */
  errorsPx: number[];
}

export { CalibrationRejected } from './CalibrationRejected.js';

/** What a believable mount looks like (a car, a van, a truck's cab): yaw and the solved offset as differences from the configured mount. */
export const PLAUSIBLE = {
  heightM: { min: 0.2, max: 3 },
  /** Down from horizontal: a camera that does not look down sees no guidelines and no ground to stitch. */
  pitchDeg: { min: 0, max: 80 },
  yawDeg: { max: 30 },
  rollDeg: { max: 30 },
  offsetM: { max: 1.5 },
  /** Reprojection errors above these mean a handle on the wrong marker, not noise. */
  rmsPx: 3,
  maxPx: 8,
} as const;

export const MIN_POINTS = 4;
export const MAX_POINTS = 64;
/** Ground points whose spread across their main direction is less than this lie on one line. */
const MIN_SPREAD_M = 0.05;
/** A residual for a point the camera cannot see at the trial mount: large, but finite for the solver. */
const UNSEEN_PX = 1e4;

type Params = [heightM: number, pitchDeg: number, yawDeg: number, rollDeg: number, offsetM: number];

/** The offset solved: across the camera's view (lateralM for a camera looking along the car, longitudinalM for one looking sideways). */
export function solvedOffset(configured: MountConfig): 'lateralM' | 'longitudinalM' {
  const yaw = (configured.yawDeg * Math.PI) / 180;
  return Math.abs(Math.cos(yaw)) >= Math.abs(Math.sin(yaw)) ? 'lateralM' : 'longitudinalM';
}

function mountOf(p: readonly number[], configured: MountConfig): MountConfig {
  return { ...configured, heightM: p[0]!, pitchDeg: p[1]!, yawDeg: p[2]!, rollDeg: p[3]!, [solvedOffset(configured)]: p[4]! };
}

/** a − b in degrees, in (−180, 180]. */
const angleDiff = (a: number, b: number): number => {
  const d = (((a - b) % 360) + 360) % 360;
  return d > 180 ? d - 360 : d;
};

/** Each point's projection at `mount`, or null where it does not project. */
function reproject(cal: CalibrationConfig, image: ImageSpec, mount: MountConfig, points: readonly MarkedPoint[]): Array<Pixel | null> {
  const c = { ...cal, mount };
  return points.map((p) => projectGround(c, image, p.ground.lateralM, p.ground.behindM));
}

function checkInput(image: ImageSpec, points: readonly MarkedPoint[]): void {
  if (points.length < MIN_POINTS) throw new CalibrationRejected(`${points.length} point(s) marked; at least ${MIN_POINTS} are needed`);
  if (points.length > MAX_POINTS) throw new CalibrationRejected(`${points.length} points marked; at most ${MAX_POINTS} are taken`);
  points.forEach((p, i) => {
    const { u, v } = p.pixel;
    if (!(u >= 0 && u <= image.width && v >= 0 && v <= image.height)) {
      throw new CalibrationRejected(`point ${i}: pixel (${u}, ${v}) is outside the ${image.width}x${image.height} image`);
    }
  });
  // Spread of the ground points across their main direction (smaller eigenvalue of the 2x2 covariance).
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.ground.lateralM, 0) / n;
  const my = points.reduce((s, p) => s + p.ground.behindM, 0) / n;
  let sxx = 0, syy = 0, sxy = 0;
  for (const p of points) {
    const dx = p.ground.lateralM - mx, dy = p.ground.behindM - my;
    sxx += dx * dx / n;
    syy += dy * dy / n;
    sxy += dx * dy / n;
  }
  const minor = (sxx + syy) / 2 - Math.sqrt(((sxx - syy) / 2) ** 2 + sxy ** 2);
  if (!(Math.sqrt(Math.max(0, minor)) >= MIN_SPREAD_M)) throw new CalibrationRejected('the ground points lie on one line: mark points across the mat, not along one edge');
}

/** Why a solved mount cannot be true of the camera configured as `configured`, or undefined. */
export function implausibility(m: MountConfig, configured: MountConfig): string | undefined {
  const P = PLAUSIBLE;
  if (!(m.heightM > 0)) return `the points fit a camera ${(-m.heightM).toFixed(2)} m below the ground, which cannot be`;
  if (m.heightM < P.heightM.min || m.heightM > P.heightM.max) return `the points fit a camera ${m.heightM.toFixed(2)} m above the ground; a camera sits ${P.heightM.min}-${P.heightM.max} m high`;
  if (m.pitchDeg < P.pitchDeg.min || m.pitchDeg > P.pitchDeg.max) return `the points fit a pitch of ${m.pitchDeg.toFixed(1)}° down; a camera looks ${P.pitchDeg.min}-${P.pitchDeg.max}° down`;
  const turned = angleDiff(m.yawDeg, configured.yawDeg);
  if (Math.abs(turned) > P.yawDeg.max) return `the points fit a yaw of ${m.yawDeg.toFixed(1)}°, ${turned.toFixed(1)}° from the configured ${configured.yawDeg}°; more than ±${P.yawDeg.max}° is another camera's direction`;
  if (Math.abs(m.rollDeg) > P.rollDeg.max) return `the points fit a roll of ${m.rollDeg.toFixed(1)}°; more than ±${P.rollDeg.max}° is not a mounted camera`;
  const k = solvedOffset(configured);
  const moved = m[k] - configured[k];
  const what = k === 'lateralM' ? 'across the car' : 'along the car';
  if (Math.abs(moved) > P.offsetM.max) return `the points fit a camera ${Math.abs(moved).toFixed(2)} m ${what} from where it is configured (${k} ${m[k].toFixed(2)} m); more than ${P.offsetM.max} m is off its mounting point`;
  return undefined;
}

/** One Levenberg–Marquardt run from `start`. */
function fit(cal: CalibrationConfig, image: ImageSpec, points: readonly MarkedPoint[], start: Params): { params: number[]; sse: number } {
  const n = points.length;
  const x = Array.from({ length: 2 * n }, (_, i) => i);
  const y = points.flatMap((p) => [p.pixel.u, p.pixel.v]);
  const offset = cal.mount[solvedOffset(cal.mount)];
  const model = (params: number[]) => {
    // All 2N predictions at once per parameter vector: the library asks coordinate by coordinate.
    const proj = reproject(cal, image, mountOf(params, cal.mount), points);
    return (i: number): number => {
      const p = proj[i >> 1];
      return p ? p[i & 1]! : y[i]! + UNSEEN_PX;
    };
  };
  const r = levenbergMarquardt({ x, y }, model, {
    initialValues: start,
    // Search bounds are wide on purpose: an absurd answer is found and refused with its reason, not clamped into looking sane.
    minValues: [-10, -89, cal.mount.yawDeg - 90, -90, offset - 5],
    maxValues: [10, 89, cal.mount.yawDeg + 90, 90, offset + 5],
    gradientDifference: [1e-5, 1e-4, 1e-4, 1e-4, 1e-5],
    centralDifference: true,
    damping: 1e-2,
    maxIterations: 300,
    errorTolerance: 1e-12,
  });
  return { params: r.parameterValues, sse: r.parameterError };
}

/** Starting mounts: the configured one first, then a coarse spread (both signs of height, so an upside-down answer is found and named). */
function starts(current: MountConfig): Params[] {
  const yaw = current.yawDeg;
  const offset = current[solvedOffset(current)];
  const out: Params[] = [[current.heightM, current.pitchDeg, yaw, current.rollDeg, offset]];
  for (const h of [0.6, 1.2, 2]) for (const pitch of [15, 35, 60]) out.push([h, pitch, yaw, 0, offset]);
  for (const h of [-0.6, -1.2]) for (const pitch of [-35, 35]) out.push([h, pitch, yaw, 0, offset]);
  return out;
}

/**
 * Solves the mount from marked points. `cal` gives the lens (intrinsics), the
 * configured mount (the offset kept, what is plausible); `image` the stream's size and mirroring.
 * Throws CalibrationRejected with the reason when the answer cannot be true.
 */
export function solveMount(cal: CalibrationConfig, image: ImageSpec, points: readonly MarkedPoint[]): SolvedMount {
  checkInput(image, points);
  const candidates: Array<SolvedMount & { problem: string | undefined }> = [];
  for (const start of starts(cal.mount)) {
    // A believable mount that explains the marks to within a pixel is the answer; the other starts are for bad marks.
    if (candidates.some((c) => !c.problem && c.rmsPx < 1 && c.maxPx < 2)) break;
    const r = fit(cal, image, points, start);
    if (!Number.isFinite(r.sse)) continue;
    const mount = mountOf(r.params, cal.mount);
    const proj = reproject(cal, image, mount, points);
    const unseen = proj.findIndex((p) => !p || !(p[0] >= 0 && p[0] <= image.width && p[1] >= 0 && p[1] <= image.height));
    const errorsPx = proj.map((p, i) => (p ? Math.hypot(p[0] - points[i]!.pixel.u, p[1] - points[i]!.pixel.v) : UNSEEN_PX));
    const rmsPx = Math.sqrt(errorsPx.reduce((s, e) => s + e * e, 0) / errorsPx.length);
    const g = points[unseen]?.ground;
    const problem = implausibility(mount, cal.mount) ?? (g ? `point ${unseen} (${g.lateralM} m, ${g.behindM} m) is not in the solved camera's view` : undefined);
    candidates.push({ mount, rmsPx, maxPx: Math.max(...errorsPx), errorsPx, problem });
  }
  const fits = (c: SolvedMount) => c.rmsPx <= PLAUSIBLE.rmsPx && c.maxPx <= PLAUSIBLE.maxPx;
  const byRms = (a: SolvedMount, b: SolvedMount) => a.rmsPx - b.rmsPx;
  const plausible = candidates.filter((c) => !c.problem).sort(byRms);
  const best = plausible[0];
  if (best && fits(best)) return { mount: best.mount, rmsPx: best.rmsPx, maxPx: best.maxPx, errorsPx: best.errorsPx };
  // No believable mount explains the marks. Name an absurd mount only when it does explain them
  // (the marks are consistent, the world they describe is not); otherwise the marks are wrong.
  const absurd = candidates.filter((c) => c.problem && fits(c)).sort(byRms)[0];
  if (absurd && (!best || absurd.rmsPx < best.rmsPx)) throw new CalibrationRejected(absurd.problem!);
  const near = best ?? candidates.sort(byRms)[0];
  if (!near) throw new CalibrationRejected('the solver found no mount that sees these points');
  const worst = near.errorsPx.indexOf(near.maxPx);
  throw new CalibrationRejected(`the best mount misses the marks by ${near.rmsPx.toFixed(1)} px RMS (point ${worst} by ${near.maxPx.toFixed(1)} px; at most ${PLAUSIBLE.rmsPx} px RMS and ${PLAUSIBLE.maxPx} px per point are accepted): check that each handle is on its own marker`);
}
