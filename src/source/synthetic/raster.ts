/**
 * A minimal RGB raster (3 bytes a pixel, rows top to bottom) and the few
 * drawing primitives the synthetic scenes need. Spans are filled with
 * Buffer.fill so the per-pixel work stays in native code.
 */

export type RGB = readonly [number, number, number];
export type Vec2 = readonly [number, number];

export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
}

export function createRaster(width: number, height: number): Raster {
  return { width, height, data: Buffer.alloc(width * height * 3) };
}

function pattern(color: RGB): Buffer {
  return Buffer.from([color[0], color[1], color[2]]);
}

/** Fills pixels [x0, x1) of row y; clipped to the raster. */
export function fillSpan(r: Raster, y: number, x0: number, x1: number, color: RGB | Buffer): void {
  if (y < 0 || y >= r.height) return;
  const a = Math.max(0, x0), b = Math.min(r.width, x1);
  if (b <= a) return;
  const row = y * r.width * 3;
  if (b - a > 24) {
    r.data.fill(Buffer.isBuffer(color) ? color : pattern(color), row + a * 3, row + b * 3);
    return;
  }
  // Short spans: a plain loop beats the native call's overhead.
  const d = r.data, c0 = color[0]!, c1 = color[1]!, c2 = color[2]!;
  for (let o = row + a * 3, end = row + b * 3; o < end; o += 3) {
    d[o] = c0;
    d[o + 1] = c1;
    d[o + 2] = c2;
  }
}

export function fillRect(r: Raster, x0: number, y0: number, x1: number, y1: number, color: RGB): void {
  const p = pattern(color);
  for (let y = Math.max(0, y0); y < Math.min(r.height, y1); y++) fillSpan(r, y, x0, x1, p);
}

/** Vertical gradient over rows [y0, y1). */
export function fillVerticalGradient(r: Raster, y0: number, y1: number, top: RGB, bottom: RGB): void {
  for (let y = Math.max(0, y0); y < Math.min(r.height, y1); y++) {
    const t = y1 - y0 > 1 ? (y - y0) / (y1 - y0 - 1) : 0;
    fillSpan(r, y, 0, r.width, mix(top, bottom, t));
  }
}

export function mix(a: RGB, b: RGB, t: number): RGB {
  const c = (i: 0 | 1 | 2): number => Math.round(a[i] + (b[i] - a[i]) * t);
  return [c(0), c(1), c(2)];
}

/**
 * Even-odd scanline fill of a simple or self-touching polygon. A pixel is
 * filled when its centre is inside, so polygons sharing an edge neither
 * overlap nor leave a gap.
 */
export function fillPolygon(r: Raster, pts: readonly Vec2[], color: RGB): void {
  if (pts.length < 3) return;
  let minY = Infinity, maxY = -Infinity;
  for (const p of pts) {
    if (p[1] < minY) minY = p[1];
    if (p[1] > maxY) maxY = p[1];
  }
  const y0 = Math.max(0, Math.floor(minY)), y1 = Math.min(r.height - 1, Math.ceil(maxY));
  const pat = pattern(color);
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const sy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const a = pts[j]!, b = pts[i]!;
      if (a[1] <= sy !== b[1] <= sy) xs.push(a[0] + ((sy - a[1]) * (b[0] - a[0])) / (b[1] - a[1]));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) fillSpan(r, y, Math.ceil(xs[k]! - 0.5), Math.ceil(xs[k + 1]! - 0.5), pat);
  }
}

/** Strokes a polyline `widthPx` wide: one quad per segment, lengthened to close the joints. */
export function strokePolyline(r: Raster, pts: readonly Vec2[], widthPx: number, color: RGB, closed = false): void {
  const n = closed ? pts.length : pts.length - 1;
  const h = widthPx / 2;
  for (let i = 0; i < n; i++) {
    const p = pts[i]!, q = pts[(i + 1) % pts.length]!;
    const len = Math.hypot(q[0] - p[0], q[1] - p[1]);
    if (len === 0) continue;
    const dx = ((q[0] - p[0]) / len) * h, dy = ((q[1] - p[1]) / len) * h;
    fillPolygon(r, [
      [p[0] - dx - dy, p[1] - dy + dx],
      [q[0] + dx - dy, q[1] + dy + dx],
      [q[0] + dx + dy, q[1] + dy - dx],
      [p[0] - dx + dy, p[1] - dy - dx],
    ], color);
  }
}
