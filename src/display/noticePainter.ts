/**
 * The texts drawn over the image: the driver notices ("Check surroundings")
 * at the bottom centre, as production head units show them, and a warning at
 * the top centre naming the signals that are missing or stale. Drawn on the
 * canvas at its own resolution so they stay crisp, and sized to the image.
 */
import { staleSignalsNotice, type Overlay } from '../wire/overlay.js';
import type { Rect } from './letterbox.js';

const FONT_FAMILY = 'system-ui, "DejaVu Sans", sans-serif';

export function drawNotices(ctx: CanvasRenderingContext2D, overlay: Overlay, rect: Rect): void {
  const size = Math.max(12, Math.round(rect.h / 30));
  const margin = Math.round(size * 0.8);
  const cx = rect.x + rect.w / 2;
  const notices = overlay.notices ?? [];
  notices.forEach((text, i) => {
    // Stacked upwards from the bottom edge, the first notice lowest.
    const y = rect.y + rect.h - margin - i * size * 1.9;
    drawLabel(ctx, text, cx, y, size, rect.w * 0.8, 'bottom', { fill: 'rgba(0, 0, 0, 0.62)', text: '#ffffff' });
  });
  const stale = overlay.staleSignals ?? [];
  if (stale.length > 0) {
    drawLabel(ctx, `\u26a0 ${staleSignalsNotice(stale)}`, cx, rect.y + margin, size, rect.w * 0.8, 'top', { fill: 'rgba(255, 204, 0, 0.92)', text: '#000000' });
  }
}

function drawLabel(
  ctx: CanvasRenderingContext2D,
  text: string,
  cx: number,
  y: number,
  size: number,
  maxW: number,
  anchor: 'top' | 'bottom',
  colors: { fill: string; text: string },
): void {
  ctx.save();
  ctx.font = `600 ${size}px ${FONT_FAMILY}`;
  // A long text is shrunk to fit the width it may take, never cut off.
  const natural = ctx.measureText(text).width + 1.4 * size;
  if (natural > maxW) {
    size = Math.max(8, Math.floor((size * maxW) / natural));
    ctx.font = `600 ${size}px ${FONT_FAMILY}`;
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const padX = size * 0.7;
  const h = size * 1.6;
  const w = ctx.measureText(text).width + 2 * padX;
  const top = anchor === 'top' ? y : y - h;
  ctx.fillStyle = colors.fill;
  ctx.beginPath();
  ctx.roundRect(cx - w / 2, top, w, h, size * 0.3);
  ctx.fill();
  ctx.fillStyle = colors.text;
  ctx.fillText(text, cx, top + h / 2);
  ctx.restore();
}
