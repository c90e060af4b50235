/**
 * Finds the calibration mat's markers in a picture the way an automatic
 * installer tool would: magenta blobs by colour, their centroids, each paired
 * with the mat point whose projection through the configured (not the true)
 * calibration is nearest, as the display places its handles before the
 * installer drags them.
 */
import sharp from 'sharp';
import { MAT_POINTS } from '../../src/calibration/mat.js';
import type { MarkedPoint } from '../../src/calibration/solveMount.js';
import type { CalibrationConfig } from '../../src/config/types.js';
import { projectGround, type ImageSpec } from '../../src/geometry/cameraModel.js';

export interface Blob {
  u: number;
  v: number;
  area: number;
}

/** Magenta after JPEG: strong red and blue, little green. */
const isMarker = (r: number, g: number, b: number): boolean => r > 140 && b > 140 && g < 110 && Math.min(r, b) - g > 80;

/** Connected magenta regions (4-neighbour) of at least `minArea` pixels; centroids in continuous coordinates (pixel centres at +0.5). */
export function markerBlobs(rgb: Buffer, width: number, height: number, minArea = 6): Blob[] {
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) mask[i] = isMarker(rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!) ? 1 : 0;
  const blobs: Blob[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] !== 1) continue;
    mask[start] = 2;
    stack.push(start);
    let n = 0, su = 0, sv = 0;
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width, y = (i - x) / width;
      n++;
      su += x + 0.5;
      sv += y + 0.5;
      for (const j of [x > 0 ? i - 1 : -1, x + 1 < width ? i + 1 : -1, y > 0 ? i - width : -1, y + 1 < height ? i + width : -1]) {
        if (j >= 0 && mask[j] === 1) {
          mask[j] = 2;
          stack.push(j);
        }
      }
    }
    if (n >= minArea) blobs.push({ u: su / n, v: sv / n, area: n });
  }
  return blobs;
}

export async function decodeToRgb(jpeg: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Pairs blobs with mat points by nearest predicted position; throws unless every mat point gets its own blob. */
export function pairWithMat(blobs: readonly Blob[], cal: CalibrationConfig, image: ImageSpec): MarkedPoint[] {
  const free = new Set(blobs);
  return MAT_POINTS.map((g) => {
    const p = projectGround(cal, image, g.lateralM, g.behindM);
    if (!p) throw new Error(`mat point ${g.id} does not project through the configured calibration`);
    let best: Blob | undefined;
    for (const b of free) if (!best || Math.hypot(b.u - p[0], b.v - p[1]) < Math.hypot(best.u - p[0], best.v - p[1])) best = b;
    if (!best) throw new Error(`no marker blob left for mat point ${g.id}`);
    free.delete(best);
    return { ground: { lateralM: g.lateralM, behindM: g.behindM }, pixel: { u: best.u, v: best.v } };
  });
}

/** A marker where the server's GET /api/calibration expects it (`cameras.<id>.handles`). */
export interface ExpectedMarker {
  id: string;
  lateralM: number;
  behindM: number;
  u: number;
  v: number;
}

/**
 * Pairs blobs with the markers a camera is expected to see, as an installer
 * drags the display's handles: each mat's handles (ids sharing a prefix: `rl1`…`rl4`)
 * are first moved together onto that mat's blobs (a camera mounted other than
 * configured shifts a whole mat), then each takes the nearest free blob.
 * Throws unless each gets its own blob within `maxPx`.
 */
export function pairWithHandles(blobs: readonly Blob[], expected: readonly ExpectedMarker[], maxPx = 60): MarkedPoint[] {
  const free = new Set(blobs);
  const dist = (b: Blob, u: number, v: number) => Math.hypot(b.u - u, b.v - v);
  const mats = new Map<string, ExpectedMarker[]>();
  for (const g of expected) mats.set(g.id.replace(/\d+$/, ''), [...(mats.get(g.id.replace(/\d+$/, '')) ?? []), g]);
  const out = new Map<ExpectedMarker, MarkedPoint>();
  for (const group of mats.values()) {
    const cu = group.reduce((s, g) => s + g.u, 0) / group.length, cv = group.reduce((s, g) => s + g.v, 0) / group.length;
    const near = [...free].sort((a, b) => dist(a, cu, cv) - dist(b, cu, cv)).slice(0, group.length);
    const du = near.reduce((s, b) => s + b.u, 0) / near.length - cu, dv = near.reduce((s, b) => s + b.v, 0) / near.length - cv;
    for (const g of group) {
      let best: Blob | undefined;
      for (const b of free) if (!best || dist(b, g.u + du, g.v + dv) < dist(best, g.u + du, g.v + dv)) best = b;
      if (!best || dist(best, g.u + du, g.v + dv) > maxPx) throw new Error(`no marker blob within ${maxPx} px of ${g.id} (expected at ${g.u.toFixed(0)}, ${g.v.toFixed(0)})`);
      free.delete(best);
      out.set(g, { ground: { lateralM: g.lateralM, behindM: g.behindM }, pixel: { u: best.u, v: best.v } });
    }
  }
  return expected.map((g) => out.get(g)!);
}
