/**
 * Draws the parking guidelines: a translucent corridor between the side
 * rails, the rails, then the distance bands (far first, so the nearest,
 * red, ends up on top). Coordinates come in the overlay's image pixel space
 * and are scaled to where the image sits on the canvas.
 */
import type { BandColor, Overlay, Point } from '../wire/overlay.js';
import type { Rect } from './letterbox.js';

const BAND_COLORS: Record<BandColor, string> = {
  red: '#ff3b30',
  yellow: '#ffcc00',
  green: '#34c759',
};
const RAIL_COLOR = '#f2f2f2';
const CORRIDOR_FILL = 'rgba(255, 255, 255, 0.10)';

export function drawOverlay(ctx: CanvasRenderingContext2D, overlay: Overlay, rect: Rect): void {
  const sx = rect.w / overlay.width;
  const sy = rect.h / overlay.height;
  const map = (p: Point): Point => [rect.x + p[0] * sx, rect.y + p[1] * sy];
  // Thick enough to read at a glance on any screen size.
  const lineWidth = Math.max(2, rect.h / 120);

  ctx.save();
  ctx.beginPath();
  ctx.rect(rect.x, rect.y, rect.w, rect.h);
  ctx.clip();
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';

  const [left, right] = overlay.rails;
  if (left.length > 1 && right.length > 1) {
    ctx.beginPath();
    traceLine(ctx, left.map(map));
    for (const p of right.map(map).reverse()) ctx.lineTo(p[0], p[1]);
    ctx.closePath();
    ctx.fillStyle = CORRIDOR_FILL;
    ctx.fill();
  }
  for (const rail of overlay.rails) strokeOutlined(ctx, rail.map(map), RAIL_COLOR, lineWidth);

  const bands = [...overlay.bands].sort((a, b) => b.distanceM - a.distanceM);
  for (const band of bands) {
    strokeOutlined(ctx, band.line.map(map), BAND_COLORS[band.color] ?? RAIL_COLOR, lineWidth * 1.4);
  }
  ctx.restore();
}

function traceLine(ctx: CanvasRenderingContext2D, pts: Point[]): void {
  pts.forEach((p, i) => (i === 0 ? ctx.moveTo(p[0], p[1]) : ctx.lineTo(p[0], p[1])));
}

/** A dark edge under each line keeps it visible on bright ground. */
function strokeOutlined(ctx: CanvasRenderingContext2D, pts: Point[], color: string, width: number): void {
  if (pts.length < 2) return;
  ctx.beginPath();
  traceLine(ctx, pts);
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.55)';
  ctx.lineWidth = width + 3;
  ctx.stroke();
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.stroke();
}
