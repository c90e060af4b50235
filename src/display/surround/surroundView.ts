/**
 * The surround view (docs/display.md, "Surround view"): the four cameras
 * around the car stitched into one picture of the ground seen from above,
 * the car in the middle. Each camera is its own stream (surroundFeed.ts);
 * the stitching is one shader pass (surroundShader.ts) over the newest
 * picture of each, and the 2D canvas above it carries the car graphic, the
 * rear camera's guidelines and sensor arcs laid on the ground, and nothing
 * else. A camera that is not live has its region hatched by the shader and
 * a label in page text ("LEFT CAMERA LOST") over it, within one check
 * (20 ms) of its picture getting too old; the other three keep painting.
 *
 * Photometric alignment: every GAIN_MEASURE_MS the shader's overlap pass is
 * read back (64 bytes), the gains solved (gainSolver.ts) and the shown gains
 * stepped toward them at each draw (at most MAX_GAIN_STEP_PER_S).
 */
import { pixelToGround } from '../../wire/camera.js';
import type { ErrorMessage, StreamRequestMessage } from '../../wire/messages.js';
import { OVERLAY_PALETTE, type FrontBand, type Point } from '../../wire/overlay.js';
import { drawOverlay, lineWidthFor, strokeOutlined } from '../overlayPainter.js';
import type { Rect } from '../layout.js';
import { MAX_GAIN_STEP_PER_S, solveGains, stepGains, type RGB } from './gainSolver.js';
export type { SurroundInfo } from './surroundInfo.js';
import { SurroundFeed } from './surroundFeed.js';
import type { SurroundInfo } from './surroundInfo.js';
import { DEFAULT_USABLE, groundToSurround, surroundGeometry, SURROUND_CAMERAS, type CarShape, type SurroundArea, type SurroundGeometry } from './surroundGeometry.js';
import { SurroundShader, type ShaderCamera } from './surroundShader.js';

export const GAIN_MEASURE_MS = 250;
/** How often a camera's picture age is checked between frames, ms. */
export const AGE_CHECK_MS = 20;
const COST_WINDOW = 60;
const DEFAULT_CAR: CarShape = { widthM: 1.85, lengthM: 4.6 };

export interface SurroundViewOptions {
  /** The page's request: service, vehicle and token are shared with each camera's own request. */
  base: StreamRequestMessage;
  url: string;
  lostAfterMs: number;
  area: SurroundArea;
  /** Solve the gains (the default); false keeps every gain at 1 (to show the seams before the solve). */
  gainSolve: boolean;
  showGuides: boolean;
  /** The stitched picture's resolution relative to the screen's (1: one shader pixel per device pixel); software GL needs less. */
  renderScale: number;
  /** The one camera drawn (the others are still measured for the gain solve), or null for all four. */
  solo?: string | null;
  /** A camera's request was refused (e.g. CAMERA_NOT_AVAILABLE: a config without it). */
  onRefused?(camera: string, error: ErrorMessage): void;
}

export class SurroundView {
  readonly element: HTMLElement;
  readonly #o: SurroundViewOptions;
  readonly #feeds: SurroundFeed[];
  readonly #shader: SurroundShader | undefined;
  readonly #overlay: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #labels = new Map<string, HTMLElement>();
  #gains: RGB[] = SURROUND_CAMERAS.map(() => [1, 1, 1]);
  #target: RGB[] = SURROUND_CAMERAS.map(() => [1, 1, 1]);
  #lastDrawMs = 0;
  #lastMeasureMs = -Infinity;
  #frameRequested = false;
  #running = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #usableKey = '';
  readonly #draws: number[] = [];
  readonly #uploads: number[] = [];
  readonly info: SurroundInfo;

  constructor(doc: Document, opts: SurroundViewOptions) {
    this.#o = opts;
    const el = doc.createElement('section');
    el.id = 'surround';
    el.setAttribute('aria-label', 'surround view: the ground around the car from above');
    this.element = el;
    this.info = {
      path: 'none',
      note: null,
      cameras: [],
      skewMs: null,
      gains: this.#gains,
      targetGains: this.#target,
      maxGainStepPerS: MAX_GAIN_STEP_PER_S,
      lostSince: {},
      geometry: null,
      car: DEFAULT_CAR,
      cost: { frames: 0, lastMs: null, meanMs: null, maxMs: null, uploadMeanMs: null, solves: 0 },
    };
    const made = SurroundShader.create(() => this.#glLost());
    if (made instanceof SurroundShader) {
      this.#shader = made;
      this.info.path = 'webgl2';
      made.canvas.className = 'surround-gl';
      el.append(made.canvas);
    } else {
      this.info.note = `${made.error}: no surround view`;
    }
    this.#overlay = doc.createElement('canvas');
    this.#overlay.className = 'surround-overlay';
    const ctx = this.#overlay.getContext('2d');
    if (!ctx) throw new Error('2D canvas is not available');
    this.#ctx = ctx;
    el.append(this.#overlay);
    if (!this.#shader) {
      const note = doc.createElement('p');
      note.className = 'surround-note';
      note.textContent = 'SURROUND VIEW NEEDS WebGL2';
      el.append(note);
    }
    this.#feeds = SURROUND_CAMERAS.map((camera) => {
      const label = doc.createElement('span');
      label.className = 'surround-label';
      label.dataset.camera = camera;
      label.hidden = true;
      el.append(label);
      this.#labels.set(camera, label);
      return new SurroundFeed({
        camera,
        base: opts.base,
        url: opts.url,
        lostAfterMs: opts.lostAfterMs,
        onPicture: () => this.#request(),
        onState: () => this.#checkUsable(),
        onRefused: (feed, err) => opts.onRefused?.(feed.camera, err),
      });
    });
    new ResizeObserver(() => this.#request()).observe(this.#overlay);
  }

  setRect(r: Rect): void {
    const st = this.element.style;
    st.left = `${r.x}px`;
    st.top = `${r.y}px`;
    st.width = `${r.w}px`;
    st.height = `${r.h}px`;
    this.element.hidden = r.w === 0 || r.h === 0;
    this.#request();
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const f of this.#feeds) f.start();
    this.#timer = setInterval(() => this.#checkUsable(), AGE_CHECK_MS);
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#timer);
    for (const f of this.#feeds) f.stop();
    this.info.lostSince = {};
    this.#request();
  }

  destroy(): void {
    this.stop();
    for (const f of this.#feeds) f.destroy();
    this.element.remove();
  }

  /** The cameras' states changed, or a picture got too old: redraw at once (hatching, labels). */
  #checkUsable(): void {
    // A feed reports its first (idle) state while the feeds are still being made.
    if (!this.#feeds) return;
    const key = this.#feeds.map((f) => `${f.usable() ? 1 : 0}`).join('');
    if (key !== this.#usableKey) {
      this.#usableKey = key;
      this.#labelsNow();
      this.#request();
    }
  }

  #request(): void {
    if (this.#frameRequested) return;
    this.#frameRequested = true;
    requestAnimationFrame(() => {
      this.#frameRequested = false;
      this.#draw();
    });
  }

  #glLost(): void {
    this.info.path = 'none';
    this.info.note = 'WebGL2 context lost: no surround view';
  }

  /** The labels follow the cameras' states at once (page text), before the next draw. */
  #labelsNow(): void {
    const now = performance.now();
    for (const f of this.#feeds) {
      const label = this.#labels.get(f.camera)!;
      const inUse = f.usable() || !this.#running;
      if (inUse) {
        label.hidden = true;
        label.textContent = '';
        delete label.dataset.state;
        delete this.info.lostSince[f.camera];
        continue;
      }
      const info = f.info;
      const word = info.state === 'connecting' ? 'CONNECTING' : info.state === 'error' ? 'NO VIDEO' : 'LOST';
      label.textContent = `${f.camera.toUpperCase()} CAMERA ${word}`;
      label.dataset.state = info.state;
      label.title = info.detail;
      label.hidden = false;
      this.info.lostSince[f.camera] ??= now;
    }
  }

  #draw(): void {
    const shader = this.#shader;
    this.#fitCanvases();
    const { width, height } = this.#overlay;
    const car = this.#car();
    this.info.car = car;
    // The overlay (car, guidelines) at the screen's resolution; the stitched picture at renderScale of it, stretched by CSS.
    const overlayGeometry = surroundGeometry(width, height, this.#o.area, car);
    const scale = this.#o.renderScale;
    const g = surroundGeometry(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)), this.#o.area, car);
    this.info.geometry = g;
    this.#labelsNow();
    this.#placeLabels(overlayGeometry);
    this.info.cameras = this.#feeds.map((f) => f.info);
    if (!shader || shader.lost || !this.#running) {
      this.#ctx.clearRect(0, 0, width, height);
      return;
    }
    let upload = 0;
    let uploaded = false;
    this.#feeds.forEach((f, i) => {
      const pic = f.takePicture();
      if (!pic) return;
      upload += shader.upload(i, pic);
      uploaded = true;
      pic.close();
    });
    if (uploaded) push(this.#uploads, upload);
    const cams: Array<ShaderCamera | null> = this.#feeds.map((f) => {
      const ground = f.ground;
      if (!ground || f.info.captureUs === null) return null;
      return { model: ground.camera, usable: ground.usable ?? DEFAULT_USABLE, state: f.usable() ? 'live' : 'lost' };
    });
    const live = cams.map((c) => c?.state === 'live');
    const captures = this.#feeds.filter((_, i) => live[i]).map((f) => f.info.captureUs!);
    this.info.skewMs = captures.length > 1 ? round1((Math.max(...captures) - Math.min(...captures)) / 1000) : null;
    const now = performance.now();
    const measured = shader.collectOverlaps();
    if (measured && this.#o.gainSolve) {
      // A lost camera keeps the gain it had: it comes back as it left.
      this.#target = solveGains(4, measured, live).map((t, i) => (live[i] ? t : this.#gains[i]!));
      this.info.cost.solves++;
    }
    if (this.#o.gainSolve && now - this.#lastMeasureMs >= GAIN_MEASURE_MS && live.filter(Boolean).length >= 2) {
      this.#lastMeasureMs = now;
      shader.measureOverlaps(g, car, cams);
    }
    const dt = this.#lastDrawMs ? Math.min(0.5, (now - this.#lastDrawMs) / 1000) : 0;
    this.#lastDrawMs = now;
    this.#gains = stepGains(this.#gains, this.#target, dt);
    this.info.gains = this.#gains.map((x) => x.map(round3) as RGB);
    this.info.targetGains = this.#target.map((x) => x.map(round3) as RGB);
    const solo = this.#o.solo;
    const drawn = solo ? cams.map((c, i) => (SURROUND_CAMERAS[i] === solo ? c : null)) : cams;
    const cost = shader.render(g, car, drawn, this.#gains);
    if (cost.drawMs !== null) push(this.#draws, cost.drawMs);
    this.#recordCost(cost.drawMs);
    this.#drawOverlay(overlayGeometry, car);
  }

  #car(): CarShape {
    const ground = this.#feeds.find((f) => f.ground?.vehicleLengthM)?.ground;
    return ground ? { widthM: ground.vehicleWidthM, lengthM: ground.vehicleLengthM ?? DEFAULT_CAR.lengthM } : DEFAULT_CAR;
  }

  #fitCanvases(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.#overlay.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.#overlay.clientHeight * dpr));
    if (this.#overlay.width !== w || this.#overlay.height !== h) {
      this.#overlay.width = w;
      this.#overlay.height = h;
    }
  }

  /** Each label over its camera's side of the car, 1.8 m out along its view. */
  #placeLabels(g: SurroundGeometry): void {
    const dpr = window.devicePixelRatio || 1;
    this.#feeds.forEach((f) => {
      const label = this.#labels.get(f.camera)!;
      const m = f.ground?.camera.mount;
      if (!m) return;
      const yaw = (m.yawDeg * Math.PI) / 180;
      const [x, y] = groundToSurround(g, m.lateralM - 1.8 * Math.sin(yaw), m.longitudinalM + 1.8 * Math.cos(yaw));
      label.style.left = `${Math.round(x / dpr)}px`;
      label.style.top = `${Math.round(y / dpr)}px`;
    });
  }

  #drawOverlay(g: SurroundGeometry, car: CarShape): void {
    const ctx = this.#ctx;
    ctx.clearRect(0, 0, g.width, g.height);
    drawCar(ctx, g, car);
    const rear = this.#feeds[SURROUND_CAMERAS.indexOf('rear')]!;
    const overlay = rear.overlay;
    const ground = rear.ground;
    if (!this.#o.showGuides || !overlay || !ground || !rear.usable()) return;
    // The rear camera's guidelines and sensor arcs are ground points projected through it: back to the ground, onto this picture.
    const toView = (p: Point): Point | null => {
      const q = pixelToGround(ground.camera, p[0], p[1]);
      return q ? groundToSurround(g, q[0], q[1]) : null;
    };
    const { notices: _n, staleSignals: _s, frontBands, ...lines } = overlay;
    drawOverlay(ctx, lines, { x: 0, y: 0, w: g.width, h: g.height }, toView);
    if (frontBands) drawFrontBands(ctx, g, car, frontBands);
  }

  #recordCost(drawMs: number | null): void {
    const c = this.info.cost;
    c.frames++;
    if (drawMs !== null) c.lastMs = round2(drawMs);
    c.meanMs = mean(this.#draws);
    c.maxMs = this.#draws.length ? round2(Math.max(...this.#draws)) : null;
    c.uploadMeanMs = mean(this.#uploads);
  }
}

/** How far a front band's ends turn back towards the car, metres. */
const FRONT_BAND_RETURN_M = 0.25;

/**
 * The distance bands ahead of the front bumper while the car creeps forward
 * (Overlay.frontBands): the car's width across at each distance, the ends
 * turned back towards it, drawn on the ground in metres as the rear's are.
 */
function drawFrontBands(ctx: CanvasRenderingContext2D, g: SurroundGeometry, car: CarShape, bands: readonly FrontBand[]): void {
  const w = car.widthM / 2;
  const lineWidth = lineWidthFor(g.height);
  for (const { distanceM, color } of bands) {
    const at = -car.lengthM - distanceM;
    const back = Math.min(FRONT_BAND_RETURN_M, distanceM / 2);
    const line: Point[] = [[-w, at + back], [-w, at], [w, at], [w, at + back]];
    strokeOutlined(ctx, line.map(([lat, b]) => groundToSurround(g, lat, b)), OVERLAY_PALETTE.band[color], lineWidth);
  }
}

/** The car from above, front up: body, glass, mirrors, wheels; drawn over its footprint. */
function drawCar(ctx: CanvasRenderingContext2D, g: SurroundGeometry, car: CarShape): void {
  const [x0, y0] = groundToSurround(g, -car.widthM / 2, -car.lengthM);
  const [x1, y1] = groundToSurround(g, car.widthM / 2, 0);
  const w = x1 - x0, h = y1 - y0;
  const s = 1 / g.mPerPx;
  ctx.save();
  // Wheels inside the footprint (a wheel drawn over the ground would hide what the cameras see there).
  ctx.fillStyle = '#111';
  for (const [fx, fy] of [[0, 0.17], [1, 0.17], [0, 0.75], [1, 0.75]] as const) {
    ctx.fillRect(x0 + fx * (w - 0.22 * s), y0 + fy * h, 0.22 * s, 0.65 * s);
  }
  ctx.beginPath();
  ctx.roundRect(x0, y0, w, h, Math.min(0.35 * s, w / 4));
  ctx.fillStyle = '#2c3440';
  ctx.fill();
  ctx.lineWidth = Math.max(2, 0.04 * s);
  ctx.strokeStyle = '#5ac8fa';
  ctx.stroke();
  // Windscreen, roof, rear window.
  ctx.fillStyle = '#6d8aa6';
  ctx.beginPath();
  ctx.roundRect(x0 + 0.12 * w, y0 + 0.25 * h, 0.76 * w, 0.13 * h, 0.1 * s);
  ctx.fill();
  ctx.beginPath();
  ctx.roundRect(x0 + 0.15 * w, y0 + 0.77 * h, 0.7 * w, 0.09 * h, 0.1 * s);
  ctx.fill();
  ctx.fillStyle = '#3a4656';
  ctx.fillRect(x0 + 0.14 * w, y0 + 0.39 * h, 0.72 * w, 0.37 * h);
  // Mirrors, where the side cameras are.
  ctx.fillStyle = '#2c3440';
  ctx.fillRect(x0 - 0.12 * s, y0 + 0.4 * h, 0.14 * s, 0.08 * s * 1.5);
  ctx.fillRect(x1 - 0.02 * s, y0 + 0.4 * h, 0.14 * s, 0.08 * s * 1.5);
  ctx.restore();
}

function push(arr: number[], x: number): void {
  arr.push(x);
  if (arr.length > COST_WINDOW) arr.shift();
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const mean = (arr: number[]): number | null => (arr.length ? round2(arr.reduce((a, b) => a + b, 0) / arr.length) : null);
