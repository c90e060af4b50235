/**
 * Frame metadata arrives as untrusted JSON: take the overlay out of it only
 * when it has the shape the painter relies on.
 */
import type { Overlay, Point } from '../wire/overlay.js';

const isPoint = (p: unknown): p is Point =>
  Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);

const isPolyline = (l: unknown): l is Point[] => Array.isArray(l) && l.every(isPoint);

export function isOverlay(x: unknown): x is Overlay {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Partial<Overlay>;
  return (
    typeof o.width === 'number' && o.width > 0 &&
    typeof o.height === 'number' && o.height > 0 &&
    Array.isArray(o.rails) && o.rails.length === 2 && o.rails.every(isPolyline) &&
    Array.isArray(o.bands) &&
    o.bands.every((b) => typeof b === 'object' && b !== null && typeof b.color === 'string' && isPolyline(b.line))
  );
}

/** The overlay a frame's metadata carries, if any. */
export function overlayFromMeta(meta: unknown): Overlay | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const overlay = (meta as { overlay?: unknown }).overlay;
  return isOverlay(overlay) ? overlay : undefined;
}
