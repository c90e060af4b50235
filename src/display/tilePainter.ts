/**
 * A camera tile's picture: the image as sent (the wide view), letterboxed on
 * a 2D canvas whose backing store follows its displayed size, and greyed and
 * darkened whenever the tile is not live, as the large view is: a frozen
 * picture never passes for a live one on a tile either.
 */
import type { Overlay } from '../wire/overlay.js';
import { letterbox } from './letterbox.js';

export class TilePainter {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  #image: ImageBitmap | undefined;
  #dimmed = false;

  constructor(canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('2D canvas is not available');
    this.#canvas = canvas;
    this.#ctx = ctx;
    new ResizeObserver(() => this.#draw()).observe(canvas);
  }

  /** Shows a new image (taking ownership of the bitmap); tiles draw no guidelines, so the overlay is not used. */
  paint(image: ImageBitmap, _overlay?: Overlay): void {
    if (this.#image !== image) this.#image?.close();
    this.#image = image;
    this.#draw();
  }

  clear(): void {
    this.#image?.close();
    this.#image = undefined;
    this.#draw();
  }

  setDimmed(dimmed: boolean): void {
    if (this.#dimmed === dimmed) return;
    this.#dimmed = dimmed;
    this.#draw();
  }

  #draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.#canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.#canvas.clientHeight * dpr));
    if (this.#canvas.width !== w || this.#canvas.height !== h) {
      this.#canvas.width = w;
      this.#canvas.height = h;
    }
    const ctx = this.#ctx;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, w, h);
    const img = this.#image;
    if (!img) return;
    const r = letterbox(img.width, img.height, w, h);
    ctx.filter = this.#dimmed ? 'grayscale(1) brightness(0.45)' : 'none';
    ctx.drawImage(img, r.x, r.y, r.w, r.h);
    ctx.filter = 'none';
  }
}
