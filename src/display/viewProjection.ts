/**
 * The three views' geometry, pure (no DOM): what each output pixel shows and
 * where a ground point or camera ray lands on the screen. The fragment
 * shader (viewShader.ts) mirrors viewToDewarpRay and topToGround, and the
 * camera model of src/wire/camera.ts, line for line; the unit tests
 * (test/unit/display/viewProjection.test.ts) test this math.
 *
 * wide:   the image as sent, letterboxed.
 * dewarp: a virtual pinhole camera with the real camera's pose and a
 *         DEWARP_HFOV_DEG horizontal field of view, centred on the optical
 *         axis, mirrored like the image (so left stays left).
 * top:    the ground seen from above, DEFAULT_TOP_RANGE_M behind the bumper
 *         up the screen, the bumper line TOP_CAR_FRACTION of the height above
 *         the bottom edge (the car's rear outline below it), one scale in x
 *         and y; the vehicle's left on the screen's left for a mirrored
 *         camera, as in the image.
 */
import { cameraRotation, pixelToRay, projectPoint, projectRay, rayToGround, type CameraModel, type Pixel, type Vec3 } from '../wire/camera.js';

export const VIEWS = ['wide', 'dewarp', 'top'] as const;
export type ViewKind = (typeof VIEWS)[number];

export const isViewKind = (x: unknown): x is ViewKind => typeof x === 'string' && (VIEWS as readonly string[]).includes(x);

export const DEWARP_HFOV_DEG = 100;
export const DEFAULT_TOP_RANGE_M = 5.5;
export const TOP_CAR_FRACTION = 0.14;

/** The virtual pinhole camera of the dewarp view, for an output of w x h pixels. */
export interface DewarpGeometry {
  kind: 'dewarp';
  width: number;
  height: number;
  /** Focal length, output pixels. */
  f: number;
  mirror: boolean;
}

/** The top view's scale and placement, output pixels. */
export interface TopGeometry {
  kind: 'top';
  width: number;
  height: number;
  /** Output pixels per metre, both axes. */
  scalePxPerM: number;
  /** The bumper line's row and the vehicle centreline's column. */
  bumperY: number;
  centreX: number;
  /** +1: vehicle right is screen right (mirrored camera); -1 otherwise. */
  lateralSign: 1 | -1;
}

export type ViewGeometry = DewarpGeometry | TopGeometry;

export function dewarpGeometry(width: number, height: number, mirror: boolean, hfovDeg = DEWARP_HFOV_DEG): DewarpGeometry {
  return { kind: 'dewarp', width, height, f: width / 2 / Math.tan((hfovDeg * Math.PI) / 360), mirror };
}

export function topGeometry(width: number, height: number, mirror: boolean, rangeM = DEFAULT_TOP_RANGE_M): TopGeometry {
  const bumperY = Math.round(height * (1 - TOP_CAR_FRACTION));
  return { kind: 'top', width, height, scalePxPerM: bumperY / rangeM, bumperY, centreX: width / 2, lateralSign: mirror ? 1 : -1 };
}

/** Dewarp: the camera-frame ray (z = 1) through output pixel (px, py). */
export function viewToDewarpRay(g: DewarpGeometry, px: number, py: number): Vec3 {
  const dx = px - g.width / 2;
  return [(g.mirror ? -dx : dx) / g.f, (py - g.height / 2) / g.f, 1];
}

/** Dewarp: where a camera-frame ray lands in the output, or null behind the virtual camera. */
export function dewarpRayToView(g: DewarpGeometry, ray: Vec3): Pixel | null {
  if (!(ray[2] > 0)) return null;
  const dx = (g.f * ray[0]) / ray[2];
  return [g.width / 2 + (g.mirror ? -dx : dx), g.height / 2 + (g.f * ray[1]) / ray[2]];
}

/** Top: the ground point [lateral, behind] under output pixel (px, py). */
export function topToGround(g: TopGeometry, px: number, py: number): [number, number] {
  return [(g.lateralSign * (px - g.centreX)) / g.scalePxPerM, (g.bumperY - py) / g.scalePxPerM];
}

/** Top: where ground point [lateral, behind] lands in the output. */
export function groundToTop(g: TopGeometry, lateralM: number, behindM: number): Pixel {
  return [g.centreX + g.lateralSign * lateralM * g.scalePxPerM, g.bumperY - behindM * g.scalePxPerM];
}

/** The source-image pixel an output pixel shows (what the shader samples), or null where nothing is seen. */
export function viewToSource(cam: CameraModel, g: ViewGeometry, px: number, py: number): Pixel | null {
  // The dewarp camera shares the real camera's pose: its ray is already in the camera frame.
  if (g.kind === 'dewarp') return projectRay(cam, viewToDewarpRay(g, px, py));
  const [lat, behind] = topToGround(g, px, py);
  return projectPoint(cam, lat, behind, 0);
}

/**
 * Where a source-image pixel (an overlay point: a ground point the server
 * projected) lands in the view: through its ray for dewarp, its ground point
 * for top. Null where it cannot be placed.
 */
export function sourceToView(cam: CameraModel, g: ViewGeometry, u: number, v: number): Pixel | null {
  const ray = pixelToRay(cam, u, v);
  if (!ray) return null;
  if (g.kind === 'dewarp') return dewarpRayToView(g, ray);
  const ground = rayToGround(cam.mount, cameraRotation(cam.mount), ray);
  return ground && groundToTop(g, ground[0], ground[1]);
}
