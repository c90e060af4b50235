/**
 * The surround view's geometry, pure (no DOM): which ground point each output
 * pixel shows, and how much each camera contributes there. The stitching
 * shader (surroundShader.ts) mirrors surroundToGround, usableMargin and
 * blendWeights line for line; the unit tests and the Chromium test test this
 * TypeScript, and the Chromium test checks the shader's pixels against it.
 *
 * The picture: the ground around the car seen from above, the car's front up,
 * its right on the screen's right, one scale in x and y. The area is
 * `widthM` across and `lengthM` along the car, centred on the car's centre
 * (default 10 x 12 m, `?area=WxL`). Ground frame as in src/wire/camera.ts:
 * lateral + = right, behind + = behind the rear bumper; the car covers
 * lateral ±width/2, behind -length…0.
 *
 * Which camera sees which ground point, and how much it counts there, is
 * src/wire/cameraSight.ts (shared with the server's calibration checks).
 */
import { type CameraModel } from '../../wire/camera.js';
import { blendWeights, type CarShape, type Usable } from '../../wire/cameraSight.js';
import { SURROUND_CAMERAS } from '../../wire/overlay.js';

export const DEFAULT_AREA = { widthM: 10, lengthM: 12 } as const;
export { SURROUND_CAMERAS };
export { BODY_EDGE_M, blendWeights, DEFAULT_USABLE, hiddenByCar, inFootprint, marginWeight, usableMargin, type CarShape, type Usable } from '../../wire/cameraSight.js';
export type SurroundCamera = (typeof SURROUND_CAMERAS)[number];

export interface SurroundArea {
  widthM: number;
  lengthM: number;
}

/** Where the output's pixels lie on the ground: pixel (0, 0) is the top-left corner. */
export interface SurroundGeometry {
  width: number;
  height: number;
  /** Metres per output pixel (one scale in x and y). */
  mPerPx: number;
  /** The ground point at the output's top-left corner: [lateral, behind]. */
  origin: [number, number];
}

/** Parses `?area=10x12` (metres across x along); null when absent or absurd. */
export function parseArea(text: string | null): SurroundArea | null {
  const m = /^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)$/.exec(text ?? '');
  if (!m) return null;
  const [w, l] = [Number(m[1]), Number(m[2])];
  return w >= 2 && w <= 50 && l >= 2 && l <= 50 ? { widthM: w, lengthM: l } : null;
}

/**
 * The geometry for an output of `width` x `height` pixels: the whole area
 * fits (letterboxed along the other axis), centred on the car's centre.
 */
export function surroundGeometry(width: number, height: number, area: SurroundArea, car: CarShape): SurroundGeometry {
  const mPerPx = Math.max(area.widthM / width, area.lengthM / height);
  const centre: [number, number] = [0, -car.lengthM / 2];
  return { width, height, mPerPx, origin: [centre[0] - (width / 2) * mPerPx, centre[1] - (height / 2) * mPerPx] };
}

/** The ground point [lateral, behind] at output pixel (x, y) (pixel centres at +0.5). */
export function surroundToGround(g: SurroundGeometry, x: number, y: number): [number, number] {
  return [g.origin[0] + x * g.mPerPx, g.origin[1] + y * g.mPerPx];
}

/** Where a ground point lands in the output, pixels. */
export function groundToSurround(g: SurroundGeometry, lateralM: number, behindM: number): [number, number] {
  return [(lateralM - g.origin[0]) / g.mPerPx, (behindM - g.origin[1]) / g.mPerPx];
}

/**
 * Where the pictures of cameras `a` and `b` hand over along a ground line
 * from p0 to p1: the first point (1 cm steps) where b's share overtakes a's,
 * or null. The seam tests measure the stitched line on either side of it.
 */
export function seamAlong(cams: ReadonlyArray<{ cam: CameraModel; usable: Usable }>, a: number, b: number, p0: [number, number], p1: [number, number], car?: CarShape): [number, number] | null {
  const n = Math.ceil(Math.hypot(p1[0] - p0[0], p1[1] - p0[1]) / 0.01);
  let prev: number | null = null;
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const p: [number, number] = [p0[0] + (p1[0] - p0[0]) * t, p0[1] + (p1[1] - p0[1]) * t];
    const w = blendWeights(cams, p[0], p[1], car);
    const d = w[b]! - w[a]!;
    if (prev !== null && prev < 0 && d >= 0 && w[a]! + w[b]! > 0.5) return p;
    prev = d;
  }
  return null;
}
