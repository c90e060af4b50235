/**
 * Burns the overlay into a JPEG for clients that cannot draw it themselves
 * (MJPEG `?overlay=1`: an <img> tag, VLC). The overlay becomes one SVG,
 * composited by sharp (libvips + librsvg) and re-encoded: the same lines,
 * colours and notices the display draws, at the image's own resolution.
 * Costs a decode, a composite and an encode per frame (≈ 35 ms for 720p on
 * a small 2-core machine), so run it once per frame for all viewers that want
 * it, never per viewer, and skip frames while one is being burned.
 */
import type SharpModule from 'sharp';
import { OVERLAY_PALETTE, staleSignalsNotice, type Overlay, type Point } from '../wire/overlay.js';

/**
 * sharp (libvips, ~16 MB resident) is loaded on the first burn, not when the
 * gateway starts: most gateways never burn an overlay (docs/performance.md, F11).
 */
let sharpLoading: Promise<typeof SharpModule> | undefined;
const loadSharp = (): Promise<typeof SharpModule> => (sharpLoading ??= import('sharp').then((m) => m.default));

/**
 * The JPEG with the overlay drawn in, re-encoded at `quality`. Pass the same
 * Overlay object for as long as it is in force: its rasterised form is
 * cached per object (rasterising the SVG is about a third of the cost).
 */
export async function burnOverlay(jpeg: Uint8Array, overlay: Overlay, quality: number): Promise<Buffer> {
  const sharp = await loadSharp();
  const { width, height } = await sharp(jpeg).metadata();
  if (!width || !height) throw new Error('burnOverlay: not an image with a size');
  const raster = await overlayRaster(sharp, overlay, width, height);
  return sharp(jpeg)
    .composite([{ input: raster, raw: { width, height, channels: 4 }, top: 0, left: 0 }])
    .jpeg({ quality, optimiseCoding: false }) // as the synthetic camera: latency over ~12 % of bytes
    .toBuffer();
}

const rasters = new WeakMap<Overlay, { width: number; height: number; rgba: Promise<Buffer> }>();

/** The overlay as raw RGBA of the image's size, rendered once per overlay object and size. */
function overlayRaster(sharp: typeof SharpModule, overlay: Overlay, width: number, height: number): Promise<Buffer> {
  const hit = rasters.get(overlay);
  if (hit && hit.width === width && hit.height === height) return hit.rgba;
  const rgba = sharp(Buffer.from(overlaySvg(overlay, width, height))).ensureAlpha().raw().toBuffer();
  rasters.set(overlay, { width, height, rgba });
  rgba.catch(() => rasters.delete(overlay));
  return rgba;
}

/** The overlay as an SVG of the image's size; its coordinates are scaled from the overlay's. */
export function overlaySvg(overlay: Overlay, width: number, height: number): string {
  const lw = Math.max(2, overlay.height / 120);
  const P = OVERLAY_PALETTE;
  const parts: string[] = [];
  const [left, right] = overlay.rails;
  if (left.length > 1 && right.length > 1) {
    parts.push(`<polygon points="${pts([...left, ...[...right].reverse()])}" fill="${P.corridor}"/>`);
  }
  // The display's order: trajectory under the rails, so a straight wheel shows white inside amber.
  if (overlay.trajectory) {
    for (const line of [overlay.trajectory.left, overlay.trajectory.right]) parts.push(outlined(line, P.trajectory, lw * 2.2));
  }
  for (const rail of overlay.rails) parts.push(outlined(rail, P.rail, lw));
  for (const band of [...overlay.bands].sort((a, b) => b.distanceM - a.distanceM)) {
    parts.push(outlined(band.line, P.band[band.color] ?? P.rail, lw * 1.4));
  }
  for (const arc of [...(overlay.sensors ?? [])].sort((a, b) => b.distanceM - a.distanceM)) {
    parts.push(outlined(arc.polyline, P.band[arc.color] ?? P.rail, lw * 2.6));
  }
  const size = Math.max(12, Math.round(overlay.height / 30));
  const cx = overlay.width / 2;
  (overlay.notices ?? []).forEach((text, i) => {
    parts.push(label(text, cx, overlay.height - size * 0.8 - i * size * 1.9, size, 'bottom', 'rgba(0,0,0,0.62)', '#ffffff'));
  });
  if (overlay.staleSignals?.length) {
    parts.push(label(`\u26a0 ${staleSignalsNotice(overlay.staleSignals)}`, cx, size * 0.8, size, 'top', 'rgba(255,204,0,0.92)', '#000000'));
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${overlay.width} ${overlay.height}" preserveAspectRatio="none">` +
    `<g fill="none" stroke-linecap="round" stroke-linejoin="round">${parts.join('')}</g></svg>`
  );
}

const pts = (line: readonly Point[]): string => line.map(([x, y]) => `${x},${y}`).join(' ');

/** A line with a dark edge under it, as the display draws it. */
function outlined(line: readonly Point[], color: string, width: number): string {
  if (line.length < 2) return '';
  const p = pts(line);
  return (
    `<polyline points="${p}" stroke="${OVERLAY_PALETTE.outline}" stroke-width="${width + 3}"/>` +
    `<polyline points="${p}" stroke="${color}" stroke-width="${width}"/>`
  );
}

function label(text: string, cx: number, y: number, size: number, anchor: 'top' | 'bottom', fill: string, color: string): string {
  // SVG cannot measure text; DejaVu Sans averages about 0.6 em per character.
  // A long text is shrunk to fit 80 % of the width, never cut off.
  const natural = text.length * size * 0.6 + 1.4 * size;
  if (natural > cx * 1.6) size = Math.max(8, Math.floor((size * cx * 1.6) / natural));
  const h = size * 1.6;
  const w = text.length * size * 0.6 + 1.4 * size;
  const top = anchor === 'top' ? y : y - h;
  return (
    `<rect x="${cx - w / 2}" y="${top}" width="${w}" height="${h}" rx="${size * 0.3}" fill="${fill}" stroke="none"/>` +
    `<text x="${cx}" y="${top + h / 2}" fill="${color}" stroke="none" font-family="DejaVu Sans, sans-serif" font-weight="600" ` +
    `font-size="${size}" text-anchor="middle" dominant-baseline="central">${escapeXml(text)}</text>`
  );
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
