/**
 * Which camera sees which ground point, pure (no DOM, no Node): shared by the
 * display's surround view (src/display/surround/, whose shader mirrors
 * usableMargin and blendWeights line for line) and the server's calibration
 * checks (src/calibration/coverage.ts: a solved mount must not open a gap).
 *
 * Blending: a camera sees a ground point when its ray is at most
 * `usable.maxAngleDeg` off the optical axis (85° for the default cameras:
 * their ~190° lenses are blurred and dark beyond) and lands inside the image
 * above the car's own body (`usable.bodyRows`). Its margin is the angular
 * distance to the nearer of those edges (the image edge's distance in pixels
 * over fx, in radians); its weight is the margin squared, so a camera fades
 * in smoothly (zero slope at its edge), and the weights are normalised over
 * the cameras that see the point. In an overlap the camera that sees the
 * point further from its edge dominates, which is the sharper picture.
 *
 * The car's own body hides ground from a camera (hiddenByCar): a door-mirror
 * camera does not see the ground just behind the rear bumper, its sight line
 * passes through the car. Without this the mirror camera's picture of the
 * car's flank was blended in as ground there (a pale wedge behind the car)
 * and biased the gain solve's overlap means by 10-15 %.
 */
import { cameraRotation, distortionScale, vehicleToCamera, type CameraModel } from './camera.js';

export interface CarShape {
  widthM: number;
  lengthM: number;
}

/** What of a camera's picture may be used (the overlay's `ground.usable`). */
export interface Usable {
  maxAngleDeg: number;
  bodyRows: number;
}

export const DEFAULT_USABLE: Usable = { maxAngleDeg: 85, bodyRows: 0 };

/** Inside the car's footprint (where the car graphic goes). */
export function inFootprint(car: CarShape, lateralM: number, behindM: number): boolean {
  return Math.abs(lateralM) <= car.widthM / 2 && behindM >= -car.lengthM && behindM <= 0;
}

/** How far inside the footprint a camera on the body's edge still counts as outside it, m. */
export const BODY_EDGE_M = 0.02;

/**
 * Whether the car hides ground point (lateral, behind) from a camera mounted
 * at `mount`: seen from above, the sight line crosses the footprint (shrunk
 * by BODY_EDGE_M: cameras sit on the body's edge). The body stands higher
 * than the line there, as every camera is mounted below the roof; a camera
 * mounted inside the footprint (on the roof) is hidden by nothing.
 */
export function hiddenByCar(mount: { lateralM: number; longitudinalM: number }, car: CarShape, lateralM: number, behindM: number): boolean {
  const lo = [-car.widthM / 2 + BODY_EDGE_M, -car.lengthM + BODY_EDGE_M];
  const hi = [car.widthM / 2 - BODY_EDGE_M, -BODY_EDGE_M];
  const m = [mount.lateralM, mount.longitudinalM];
  if (m[0]! > lo[0]! && m[0]! < hi[0]! && m[1]! > lo[1]! && m[1]! < hi[1]!) return false;
  const d = [lateralM - m[0]!, behindM - m[1]!];
  let t0 = 0;
  let t1 = 1;
  for (let k = 0; k < 2; k++) {
    if (Math.abs(d[k]!) < 1e-9) {
      if (m[k]! < lo[k]! || m[k]! > hi[k]!) return false;
      continue;
    }
    const a = (lo[k]! - m[k]!) / d[k]!;
    const b = (hi[k]! - m[k]!) / d[k]!;
    t0 = Math.max(t0, Math.min(a, b));
    t1 = Math.min(t1, Math.max(a, b));
  }
  return t0 <= t1;
}

/**
 * How far inside its usable field a camera sees ground point (lateral, behind),
 * radians; 0 or less where it does not see it (also where `car`'s body hides
 * the point). Also returns the pixel.
 */
export function usableMargin(cam: CameraModel, usable: Usable, lateralM: number, behindM: number, R = cameraRotation(cam.mount), car?: CarShape): { margin: number; u: number; v: number } {
  if (car && hiddenByCar(cam.mount, car, lateralM, behindM)) return { margin: -1, u: NaN, v: NaN };
  const p = vehicleToCamera(cam.mount, R, lateralM, behindM, 0);
  if (!(p[2] > 1e-3)) return { margin: -1, u: NaN, v: NaN };
  const a = p[0] / p[2];
  const b = p[1] / p[2];
  const r = Math.hypot(a, b);
  const theta = Math.atan(r);
  const s = distortionScale(cam, r);
  const uRaw = cam.fx * s * a + cam.cx;
  const v = cam.fy * s * b + cam.cy;
  const u = cam.mirror ? cam.width - uRaw : uRaw;
  const edgePx = Math.min(u, cam.width - u, v, cam.height - usable.bodyRows - v);
  const margin = Math.min((usable.maxAngleDeg * Math.PI) / 180 - theta, edgePx / cam.fx);
  return { margin, u, v };
}

/** A camera's weight at a margin: margin², 0 outside its field. */
export function marginWeight(margin: number): number {
  return margin > 0 ? margin * margin : 0;
}

/** Each camera's normalised share of ground point (lateral, behind) (all 0 where none sees it); `car` hides what its body hides. */
export function blendWeights(cams: ReadonlyArray<{ cam: CameraModel; usable: Usable }>, lateralM: number, behindM: number, car?: CarShape): number[] {
  const w = cams.map(({ cam, usable }) => marginWeight(usableMargin(cam, usable, lateralM, behindM, cameraRotation(cam.mount), car).margin));
  const sum = w.reduce((a, b) => a + b, 0);
  return sum > 0 ? w.map((x) => x / sum) : w;
}
