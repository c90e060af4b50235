/**
 * Draws the parking guidelines: a translucent corridor between the side
 * rails, the trajectory lines for the current steering angle in thick amber,
 * the rails, the distance bands (far first, so the nearest, red, ends up on
 * top), the parking-sensor arcs, and the notices (noticePainter.ts). Coordinates come in the overlay's image pixel
 * space and are scaled to where the image sits on the canvas.
 */
import { OVERLAY_PALETTE, type Overlay, type Point } from '../wire/overlay.js';
import type { Rect } from './letterbox.js';
import { drawNotices } from './noticePainter.js';

const { band: BAND_COLORS, rail: RAIL_COLOR, corridor: CORRIDOR_FILL, trajectory: TRAJECTORY_COLOR, outline: OUTLINE } = OVERLAY_PALETTE;

/** A guideline's width on a picture `height` px tall: thick enough to read at a glance on any screen size. */
export const lineWidthFor = (height: number): number => Math.max(2, height / 120);

/**
 * `toView` places an image point in another view (viewProjection.ts: dewarp,
 * top), in canvas pixels; null drops the point. Without it the image is
 * letterboxed in `rect`, as the wide view shows it.
 */
export function drawOverlay(ctx: CanvasRenderingContext2D, overlay: Overlay, rect: Rect, toView?: (p: Point) => Point | null): void {
  const sx = rect.w / overlay.width;
  const sy = rect.h / overlay.height;
  const place = toView ?? ((p: Point): Point => [rect.x + p[0] * sx, rect.y + p[1] * sy]);
  const mapLine = (line: Point[]): Point[] => line.map(place).filter((p): p is Point => p !== null);
  const lineWidth = lineWidthFor(rect.h);

  ctx.save();
  ctx.beginPath();
  ctx.rect(rect.x, rect.y, rect.w, rect.h);
  ctx.clip();
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';

  const [left, right] = overlay.rails;
  if (left.length > 1 && right.length > 1) {
    ctx.beginPath();
    traceLine(ctx, mapLine(left));
    for (const p of mapLine(right).reverse()) ctx.lineTo(p[0], p[1]);
    ctx.closePath();
    ctx.fillStyle = CORRIDOR_FILL;
    ctx.fill();
  }
  // Under the rails: with the wheel straight the two coincide, and the white rail shows inside the amber line.
  if (overlay.trajectory) {
    for (const line of [overlay.trajectory.left, overlay.trajectory.right]) {
      strokeOutlined(ctx, mapLine(line), TRAJECTORY_COLOR, lineWidth * 2.2);
    }
  }
  for (const rail of overlay.rails) strokeOutlined(ctx, mapLine(rail), RAIL_COLOR, lineWidth);

  const bands = [...overlay.bands].sort((a, b) => b.distanceM - a.distanceM);
  for (const band of bands) {
    strokeOutlined(ctx, mapLine(band.line), BAND_COLORS[band.color] ?? RAIL_COLOR, lineWidth * 1.4);
  }

  // Farthest first, so a near (red) obstacle is never hidden under a far one.
  const arcs = [...(overlay.sensors ?? [])].sort((a, b) => b.distanceM - a.distanceM);
  for (const arc of arcs) {
    strokeOutlined(ctx, mapLine(arc.polyline), BAND_COLORS[arc.color] ?? RAIL_COLOR, lineWidth * 2.6);
  }

  drawNotices(ctx, overlay, rect);
  ctx.restore();
}

function traceLine(ctx: CanvasRenderingContext2D, pts: Point[]): void {
  pts.forEach((p, i) => (i === 0 ? ctx.moveTo(p[0], p[1]) : ctx.lineTo(p[0], p[1])));
}

/** A dark edge under each line keeps it visible on bright ground. */
export function strokeOutlined(ctx: CanvasRenderingContext2D, pts: Point[], color: string, width: number): void {
  if (pts.length < 2) return;
  ctx.beginPath();
  traceLine(ctx, pts);
  ctx.strokeStyle = OUTLINE;
  ctx.lineWidth = width + 3;
  ctx.stroke();
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.stroke();
}
