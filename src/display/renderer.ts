/**
 * Owns the canvas: keeps its backing store at the displayed size times the
 * device pixel ratio, draws the latest image in the chosen view with its
 * overlay, and when the picture is not live redraws that image greyed and
 * dark so a frozen picture can never pass for a live one.
 *
 * Views (docs/display.md, viewProjection.ts): `wide` draws the image as sent
 * with the 2D canvas; `dewarp` and `top` run the WebGL2 shader (viewShader.ts)
 * into its own canvas, stacked under this one, which then turns transparent
 * and carries only the guidelines, drawn in the view's own geometry (copying
 * the GL canvas into this one would read it back: ~300 ms a frame on
 * software GL). Without WebGL2, or before the service has sent its
 * camera model (overlay `ground`), only `wide` can be shown; `view` says why.
 */
import type { CameraModel } from '../wire/camera.js';
import type { Overlay, Point } from '../wire/overlay.js';
import { letterbox } from './letterbox.js';
import { drawOverlay } from './overlayPainter.js';
import { dewarpGeometry, groundToTop, sourceToView, topGeometry, type TopGeometry, type ViewGeometry, type ViewKind } from './viewProjection.js';
import { ViewShader } from './viewShader.js';

/** The rear outline's edge colour in the top view: unlike any guideline colour. */
export const CAR_OUTLINE_COLOR = '#5ac8fa';
const CAR_BODY_COLOR = '#2c2c30';
const COST_WINDOW = 60;

export interface ViewCost {
  /** Frames drawn in this view (the figures are over the last COST_WINDOW measurements). */
  frames: number;
  /** The shader pass (draw to the last pixel, sampled: viewShader.ts), or for `wide` the 2D drawImage call, ms. */
  lastMs: number;
  meanMs: number;
  maxMs: number;
  /** Texture upload (texImage2D + gl.finish), ms; null for `wide`. */
  uploadMeanMs: number | null;
}

/** What is on screen, for the HUD and tests (window.revcamStats.display). */
export interface ViewInfo {
  /** The driver's choice (key, button), or the `?view=` one until the driver picks. */
  requested: ViewKind;
  /** The driver picked `requested` during this rear view: it wins over the service's recommendation. */
  driverChose: boolean;
  /** The view the service recommends now (overlay `recommendedView`), or null. */
  recommended: NonNullable<Overlay['recommendedView']> | null;
  shown: ViewKind;
  /** `webgl2`, or `2d` when WebGL2 is missing (then only `wide`). */
  path: 'webgl2' | '2d';
  /** Why the requested view is not shown, or the WebGL2 problem; null when all is well. */
  note: string | null;
  timing: string;
  /** The view's own geometry in canvas pixels (dewarp focal length, top scale and bumper row). */
  geometry: ViewGeometry | null;
  cost: Partial<Record<ViewKind, ViewCost>>;
}

interface CostWindow {
  frames: number;
  draw: number[];
  upload: number[];
}

export class Renderer {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  #image: ImageBitmap | undefined;
  #overlay: Overlay | undefined;
  #camera: { camera: CameraModel; vehicleWidthM: number } | undefined;
  #dimmed = false;
  /** Signals the display itself knows are stale (from /api/signals), shown with the overlay's own. */
  #stale: string[] = [];
  readonly #showGuides: boolean;
  readonly #initialView: ViewKind;
  #shader: ViewShader | undefined;
  readonly #costs = new Map<ViewKind, CostWindow>();
  readonly info: ViewInfo;

  readonly #onShown: (view: ViewKind) => void;

  /** `onShown`: the view on screen changed (a recommendation, a fallback, the driver). */
  constructor(canvas: HTMLCanvasElement, opts: { view: ViewKind; webgl: boolean; showGuides: boolean; onShown?: (view: ViewKind) => void }) {
    // Transparent where the GL canvas underneath shows the dewarp and top views.
    const ctx = canvas.getContext('2d', { alpha: true });
    if (!ctx) throw new Error('2D canvas is not available');
    this.#canvas = canvas;
    this.#ctx = ctx;
    this.#showGuides = opts.showGuides;
    this.#initialView = opts.view;
    this.#onShown = opts.onShown ?? (() => {});
    this.info = { requested: opts.view, driverChose: false, recommended: null, shown: 'wide', path: '2d', note: null, timing: 'performance.now: upload + gl.finish; shader pass + 1-px readPixels, every 10th frame', geometry: null, cost: {} };
    const made = opts.webgl ? ViewShader.create(() => this.#glLost()) : { error: 'WebGL2 turned off (?gl=0)' };
    if (made instanceof ViewShader) {
      this.#shader = made;
      this.info.path = 'webgl2';
      made.canvas.id = 'view-gl';
      made.canvas.hidden = true;
      // After the page canvas in the DOM (it stays the first `canvas`), under it by z-index.
      canvas.after(made.canvas);
    } else {
      this.info.note = `${made.error}: wide view only`;
    }
    this.#fitBackingStore();
    new ResizeObserver(() => {
      if (this.#fitBackingStore()) this.#draw();
    }).observe(canvas);
  }

  /** The page shows the surround view beside this camera (the split layout): a `surround` recommendation leaves this view as it is. */
  surroundBeside = false;

  /** Shows a new image (taking ownership of the bitmap) with the overlay in force for it. */
  paint(image: ImageBitmap, overlay: Overlay | undefined): void {
    if (this.#image !== image) this.#image?.close();
    this.#image = image;
    this.#overlay = overlay;
    if (overlay?.ground) this.#camera = overlay.ground;
    this.info.recommended = overlay?.recommendedView ?? null;
    this.#draw();
  }

  /** Forgets the last image: the screen goes black (nothing to show, e.g. not in reverse). */
  clear(): void {
    this.#image?.close();
    this.#image = undefined;
    this.#overlay = undefined;
    this.#draw();
  }

  /** The driver picks a view: shown at once, and it wins over any recommendation until resetChoice(). */
  setView(view: ViewKind): void {
    this.info.driverChose = true;
    this.info.requested = view;
    this.#draw();
  }

  /** The rear view ended: the next one starts from the `?view=` view and follows recommendations again. */
  resetChoice(): void {
    this.info.driverChose = false;
    this.info.requested = this.#initialView;
    this.info.recommended = null;
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

  #glLost(): void {
    if (this.#shader) this.#shader.canvas.hidden = true;
    this.#shader = undefined;
    this.info.path = '2d';
    this.info.note = 'WebGL2 context lost: wide view only';
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
    // The service's recommendation applies until the driver picks a view. `surround` (a service with the four
    // surround cameras): the surround view beside this one is the view from above; without it, this camera's own.
    const rec = this.info.recommended;
    const recommended = rec === 'surround' ? (this.surroundBeside ? null : 'top') : rec;
    const requested = !this.info.driverChose && recommended ? recommended : this.info.requested;
    const before = this.info.shown;
    this.#drawView(requested);
    if (this.info.shown !== before) this.#onShown(this.info.shown);
  }

  #drawView(requested: ViewKind): void {
    const ctx = this.#ctx;
    const { width, height } = this.#canvas;
    const image = this.#image;
    if (image && requested !== 'wide' && this.#shader && this.#camera) {
      this.#drawProjected(image, requested, this.#camera);
      return;
    }
    if (this.#shader) this.#shader.canvas.hidden = true;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, width, height);
    if (!image) return;
    if (requested !== 'wide' && this.#shader && !this.#camera) this.info.note = `${requested} view needs the camera model from the service: wide view shown`;
    else if (this.#shader) this.info.note = null;
    this.info.shown = 'wide';
    this.info.geometry = null;
    const rect = letterbox(image.width, image.height, width, height);
    const t0 = performance.now();
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
    this.#record('wide', performance.now() - t0, null);
    if (this.#overlay && this.#showGuides) drawOverlay(ctx, this.#withStale(this.#overlay), rect);
  }

  #drawProjected(image: ImageBitmap, view: Exclude<ViewKind, 'wide'>, ground: { camera: CameraModel; vehicleWidthM: number }): void {
    const ctx = this.#ctx;
    const { width, height } = this.#canvas;
    const cam = ground.camera;
    const g: ViewGeometry = view === 'dewarp' ? dewarpGeometry(width, height, cam.mirror) : topGeometry(width, height, cam.mirror);
    this.info.shown = view;
    this.info.geometry = g;
    this.info.note = null;
    const shader = this.#shader!;
    const cost = shader.render(image, cam, g, this.#dimmed);
    shader.canvas.hidden = false;
    if (!this.#dimmed) this.#record(view, cost.drawMs, cost.uploadMs);
    ctx.clearRect(0, 0, width, height);
    if (g.kind === 'top') drawCarOutline(ctx, g, ground.vehicleWidthM);
    if (this.#dimmed) {
      ctx.fillStyle = 'rgba(20, 20, 20, 0.5)';
      ctx.fillRect(0, 0, width, height);
      return;
    }
    if (this.#overlay && this.#showGuides) {
      const toView = (p: Point): Point | null => sourceToView(cam, g, p[0], p[1]);
      drawOverlay(ctx, this.#withStale(this.#overlay), { x: 0, y: 0, w: width, h: height }, toView);
    }
  }

  #record(view: ViewKind, drawMs: number | null, uploadMs: number | null): void {
    let w = this.#costs.get(view);
    if (!w) this.#costs.set(view, (w = { frames: 0, draw: [], upload: [] }));
    w.frames++;
    const push = (arr: number[], x: number | null): void => {
      if (x === null) return;
      arr.push(x);
      if (arr.length > COST_WINDOW) arr.shift();
    };
    push(w.draw, drawMs);
    if (w.draw.length === 0) return;
    push(w.upload, uploadMs);
    const mean = (arr: number[]): number | null => (arr.length ? round2(arr.reduce((a, b) => a + b, 0) / arr.length) : null);
    this.info.cost[view] = {
      frames: w.frames,
      lastMs: round2(w.draw[w.draw.length - 1]!),
      meanMs: mean(w.draw) ?? 0,
      maxMs: round2(Math.max(...w.draw)),
      uploadMeanMs: mean(w.upload),
    };
  }

  #withStale(overlay: Overlay): Overlay {
    if (this.#stale.length === 0) return overlay;
    const stale = [...new Set([...(overlay.staleSignals ?? []), ...this.#stale])];
    return { ...overlay, staleSignals: stale };
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The car's rear in the top view: its body below the bumper line, the width of the vehicle, rounded corners. */
function drawCarOutline(ctx: CanvasRenderingContext2D, g: TopGeometry, widthM: number): void {
  const half = widthM / 2;
  const [xl] = groundToTop(g, -half * g.lateralSign, 0);
  const [xr] = groundToTop(g, half * g.lateralSign, 0);
  const r = Math.min(0.2 * g.scalePxPerM, (xr - xl) / 4);
  const y = g.bumperY;
  const bottom = g.height + 10;
  ctx.save();
  ctx.beginPath();
  ctx.moveTo(xl, bottom);
  ctx.lineTo(xl, y + r);
  ctx.arcTo(xl, y, xl + r, y, r);
  ctx.lineTo(xr - r, y);
  ctx.arcTo(xr, y, xr, y + r, r);
  ctx.lineTo(xr, bottom);
  ctx.closePath();
  ctx.fillStyle = CAR_BODY_COLOR;
  ctx.fill();
  ctx.lineWidth = Math.max(2, g.height / 180);
  ctx.strokeStyle = CAR_OUTLINE_COLOR;
  ctx.stroke();
  ctx.restore();
}
