/**
 * Owns the canvas: keeps its backing store at the displayed size times the
 * device pixel ratio, draws the latest image letterboxed with its overlay,
 * and when the picture is not live redraws that image greyed and dark so a
 * frozen picture can never pass for a live one.
 */
import type { Overlay } from '../wire/overlay.js';
import { letterbox } from './letterbox.js';
import { drawOverlay } from './overlayPainter.js';

export class Renderer {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  #image: ImageBitmap | undefined;
  #overlay: Overlay | undefined;
  #dimmed = false;
  /** Signals the display itself knows are stale (from /api/signals), shown with the overlay's own. */
  #stale: string[] = [];

  constructor(canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('2D canvas is not available');
    this.#canvas = canvas;
    this.#ctx = ctx;
    this.#fitBackingStore();
    new ResizeObserver(() => {
      if (this.#fitBackingStore()) this.#draw();
    }).observe(canvas);
  }

  /** Shows a new image (taking ownership of the bitmap) with the overlay in force for it. */
  paint(image: ImageBitmap, overlay: Overlay | undefined): void {
    if (this.#image !== image) this.#image?.close();
    this.#image = image;
    this.#overlay = overlay;
    this.#draw();
  }

  /** Forgets the last image: the screen goes black (nothing to show, e.g. not in reverse). */
  clear(): void {
    this.#image?.close();
    this.#image = undefined;
    this.#overlay = undefined;
    this.#draw();
  }

  /** Stale signal paths to warn about besides those the overlay lists. */
  setStaleSignals(paths: readonly string[]): void {
    if (paths.join() === this.#stale.join()) return;
    this.#stale = [...paths];
    this.#draw();
  }

  /** Greys out (true) or restores (false) the last image. */
  setDimmed(dimmed: boolean): void {
    if (this.#dimmed === dimmed) return;
    this.#dimmed = dimmed;
    this.#draw();
  }

  /** Returns true when the size changed. */
  #fitBackingStore(): boolean {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.#canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.#canvas.clientHeight * dpr));
    if (this.#canvas.width === w && this.#canvas.height === h) return false;
    this.#canvas.width = w;
    this.#canvas.height = h;
    return true;
  }

  #draw(): void {
    const ctx = this.#ctx;
    const { width, height } = this.#canvas;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, width, height);
    const image = this.#image;
    if (!image) return;
    const rect = letterbox(image.width, image.height, width, height);
    if (this.#dimmed) {
      ctx.filter = 'grayscale(1) brightness(0.45)';
      ctx.drawImage(image, rect.x, rect.y, rect.w, rect.h);
      ctx.filter = 'none';
      // Also darkens where canvas filters are unsupported.
      ctx.fillStyle = 'rgba(20, 20, 20, 0.5)';
      ctx.fillRect(rect.x, rect.y, rect.w, rect.h);
      // No guidelines on a stale picture: they would look current.
      return;
    }
    ctx.drawImage(image, rect.x, rect.y, rect.w, rect.h);
    if (this.#overlay) drawOverlay(ctx, this.#withStale(this.#overlay), rect);
  }

  #withStale(overlay: Overlay): Overlay {
    if (this.#stale.length === 0) return overlay;
    const stale = [...new Set([...(overlay.staleSignals ?? []), ...this.#stale])];
    return { ...overlay, staleSignals: stale };
  }
}
