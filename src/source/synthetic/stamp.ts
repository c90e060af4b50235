/**
 * The frame stamp in the top-left corner: scene label + frame counter and the
 * capture clock. Drawn last and never mirrored, so it stays readable and lets
 * a viewer (or a test) read the capture instant off the picture.
 */
import { drawText, GLYPH_H, textWidth } from './font.js';
import { fillRect, type Raster } from './raster.js';

export const STAMP_SCALE = 3;
export const STAMP_MARGIN = 8;

/** HH:MM:SS.mmm in local time. */
export function formatClock(timeUs: number): string {
  const d = new Date(Math.floor(timeUs / 1000));
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function stampLines(label: string, frameNo: number, timeUs: number): [string, string] {
  return [`${label} #${String(frameNo % 1_000_000).padStart(6, '0')}`, formatClock(timeUs)];
}

/** The stamp's bounding box for `label`, so tests and callers know what it covers. */
export function stampBox(label: string, scale = STAMP_SCALE): { x0: number; y0: number; x1: number; y1: number } {
  const w = Math.max(...stampLines(label, 0, 0).map((l) => textWidth(l, scale)));
  const lineH = (GLYPH_H + 3) * scale;
  const margin = scale === STAMP_SCALE ? STAMP_MARGIN : 2;
  return { x0: 0, y0: 0, x1: w + 2 * margin, y1: 2 * lineH + 2 * margin - 3 * scale };
}

/** `scale` 1: a surround camera's stamp, small enough to stay in its image's corner, outside the field the surround view uses. */
export function drawStamp(r: Raster, label: string, frameNo: number, timeUs: number, scale = STAMP_SCALE): void {
  const box = stampBox(label, scale);
  fillRect(r, box.x0, box.y0, box.x1, box.y1, [0, 0, 0]);
  const lineH = (GLYPH_H + 3) * scale;
  const margin = scale === STAMP_SCALE ? STAMP_MARGIN : 2;
  stampLines(label, frameNo, timeUs).forEach((line, i) =>
    drawText(r, line, margin, margin + i * lineH, scale, [255, 255, 255]));
}
