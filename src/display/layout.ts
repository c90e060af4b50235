/**
 * Where the large view and the camera tiles go on the screen (docs/display.md,
 * "Several cameras"). Pure: viewport + camera count + layout kind → rects in
 * CSS pixels, so it is unit-tested without a browser.
 *
 * - `single`: the large view alone, the whole viewport (its picture letterboxed
 *   inside, as with one camera); the other cameras are not shown or streamed.
 * - `tiles`: the large view and the others as tiles beside it (a column at the
 *   right) or below it (a row), whichever leaves the large view bigger: a
 *   wide cluster (1920x720) gets the column, a 800x480 head unit the row.
 *   Nothing overlaps, so no tile ever hides a guideline.
 * - `pip`: the large view as with `single`, the others as small insets in the
 *   bottom-right corner of its picture.
 */

export type LayoutKind = 'single' | 'tiles' | 'pip';

export const LAYOUT_KINDS: readonly LayoutKind[] = ['single', 'tiles', 'pip'];

export function isLayoutKind(x: unknown): x is LayoutKind {
  return typeof x === 'string' && (LAYOUT_KINDS as readonly string[]).includes(x);
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Layout {
  kind: LayoutKind;
  /** How the tiles sit: beside the large view, below it, over it (pip), or none. */
  arrangement: 'single' | 'side' | 'below' | 'pip';
  /** The box the large view fills (its picture is letterboxed inside when not of the aspect). */
  main: Rect;
  /** One per camera other than the large one, in order. */
  tiles: Rect[];
}

export interface LayoutOptions {
  /** The pictures' aspect ratio (width / height). */
  aspect?: number;
  /** Space between the large view and the tiles, and between tiles, px. */
  gap?: number;
  /** pip: inset from the picture's edge, px. */
  margin?: number;
}

const EMPTY: Rect = { x: 0, y: 0, w: 0, h: 0 };

/** The largest `aspect` rect that fits w x h. */
function fit(w: number, h: number, aspect: number): { w: number; h: number } {
  return w / h > aspect ? { w: h * aspect, h } : { w, h: w / aspect };
}

/** Whole pixels, never beyond the box the float rect was in. */
function snap(r: Rect): Rect {
  const x = Math.ceil(r.x), y = Math.ceil(r.y);
  return { x, y, w: Math.max(0, Math.floor(r.x + r.w) - x), h: Math.max(0, Math.floor(r.y + r.h) - y) };
}

export function computeLayout(viewport: { width: number; height: number }, cameras: number, kind: LayoutKind, opts: LayoutOptions = {}): Layout {
  const aspect = opts.aspect ?? 16 / 9;
  const gap = opts.gap ?? 4;
  const margin = opts.margin ?? 12;
  const vw = viewport.width, vh = viewport.height;
  if (!(vw > 0 && vh > 0) || !Number.isFinite(vw) || !Number.isFinite(vh)) return { kind, arrangement: 'single', main: EMPTY, tiles: [] };
  const full: Rect = { x: 0, y: 0, w: Math.floor(vw), h: Math.floor(vh) };
  const k = Math.max(0, Math.floor(cameras) - 1);
  if (k === 0 || kind === 'single') return { kind, arrangement: 'single', main: full, tiles: [] };

  if (kind === 'pip') {
    const pic = fit(vw, vh, aspect);
    const px = (vw - pic.w) / 2, py = (vh - pic.h) / 2;
    // A quarter of the picture's width each, smaller when several would not fit in a row.
    const tw = Math.min(Math.max(160, pic.w * 0.24), (pic.w - 2 * margin - (k - 1) * gap) / k, pic.w / 2);
    const th = tw / aspect;
    const right = px + pic.w - margin;
    const tiles = Array.from({ length: k }, (_, i) => snap({ x: right - (k - i) * tw - (k - 1 - i) * gap, y: py + pic.h - margin - th, w: tw, h: th }));
    return { kind, arrangement: 'pip', main: full, tiles };
  }

  // tiles: a column at the right...
  // (A tile is never wider than a third of the screen beside, or half of it below: the large view stays large.)
  const sideTw = Math.min(Math.max(vw - vh * aspect - gap, vw / 4), ((vh - (k - 1) * gap) / k) * aspect, vw / 3);
  const sideMain = fit(vw - sideTw - gap, vh, aspect);
  // ...or a row below.
  const belowTh = Math.min(Math.max(vh - vw / aspect - gap, vh / 4), (vw - (k - 1) * gap) / k / aspect, vw / 2 / aspect);
  const belowMain = fit(vw, vh - belowTh - gap, aspect);
  // The bigger large view wins; a near tie goes to the column (tiles beside, as on a wide cluster).
  if (sideMain.w * sideMain.h >= belowMain.w * belowMain.h * 0.99) {
    const th = sideTw / aspect;
    const x0 = (vw - (sideMain.w + gap + sideTw)) / 2;
    const colH = k * th + (k - 1) * gap;
    const main = snap({ x: x0, y: (vh - sideMain.h) / 2, w: sideMain.w, h: sideMain.h });
    const tx = x0 + sideMain.w + gap;
    const tiles = Array.from({ length: k }, (_, i) => snap({ x: tx, y: (vh - colH) / 2 + i * (th + gap), w: sideTw, h: th }));
    return { kind, arrangement: 'side', main, tiles };
  }
  const tw = belowTh * aspect;
  const y0 = (vh - (belowMain.h + gap + belowTh)) / 2;
  const rowW = k * tw + (k - 1) * gap;
  const main = snap({ x: (vw - belowMain.w) / 2, y: y0, w: belowMain.w, h: belowMain.h });
  const ty = y0 + belowMain.h + gap;
  const tiles = Array.from({ length: k }, (_, i) => snap({ x: (vw - rowW) / 2 + i * (tw + gap), y: ty, w: tw, h: belowTh }));
  return { kind, arrangement: 'below', main, tiles };
}

/**
 * The surround view's screens (docs/display.md, "Surround view"), pure like computeLayout:
 * - `split`: the surround picture (the ground around the car, `surroundAspect` = width / length of its
 *   area, taller than wide) at the left, full height, at most 45 % of the width; the rear camera's large
 *   view (16:9) beside it, as production head units show them;
 * - `surround`: the surround picture alone, as large as fits; no large view.
 */
export function computeSurroundLayout(viewport: { width: number; height: number }, mode: 'split' | 'surround', surroundAspect: number, opts: LayoutOptions = {}): { main: Rect; surround: Rect } {
  const aspect = opts.aspect ?? 16 / 9;
  const gap = opts.gap ?? 4;
  const vw = viewport.width, vh = viewport.height;
  if (!(vw > 0 && vh > 0) || !Number.isFinite(vw) || !Number.isFinite(vh)) return { main: EMPTY, surround: EMPTY };
  if (mode === 'surround') {
    const s = fit(vw, vh, surroundAspect);
    return { main: EMPTY, surround: snap({ x: (vw - s.w) / 2, y: (vh - s.h) / 2, w: s.w, h: s.h }) };
  }
  const s = fit(Math.min(vw * 0.45, vh * surroundAspect), vh, surroundAspect);
  const m = fit(vw - s.w - gap, vh, aspect);
  const x0 = (vw - (s.w + gap + m.w)) / 2;
  return {
    surround: snap({ x: x0, y: (vh - s.h) / 2, w: s.w, h: s.h }),
    main: snap({ x: x0 + s.w + gap, y: (vh - m.h) / 2, w: m.w, h: m.h }),
  };
}
