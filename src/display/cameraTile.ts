/**
 * One camera tile (docs/display.md, "Several cameras"): its own stream
 * request, its own clock estimate, age rule and liveness watchdog, so a lost
 * camera says SIGNAL LOST on its own tile while the others stay live. The
 * picture is the wide image as sent (tilePainter.ts), JPEG whatever the large
 * view decodes. Tapping (or Enter on) a tile asks for it to be the large one.
 */
import { ClockEstimator, DEFAULT_MAX_FRAME_AGE_MS, frameAgeMs } from '../wire/clock.js';
import { nowUs } from '../wire/frame.js';
import type { ErrorMessage, StatusMessage, StreamRequestMessage } from '../wire/messages.js';
import { FramePipeline } from './framePipeline.js';
import { JpegDecoder } from './jpegDecoder.js';
import type { Rect } from './layout.js';
import { interruptionOf, Liveness, type LivenessView } from './liveness.js';
import { StatsTracker } from './stats.js';
import { statusTitle } from './statusView.js';
import { StreamClient } from './streamClient.js';
import { TilePainter } from './tilePainter.js';

/** What a tile shows, for tests and the HUD (window.revcamTiles). */
export interface TileInfo {
  camera: string;
  state: LivenessView['state'];
  reason: LivenessView['reason'];
  detail: string;
  framesPainted: number;
  fps: number;
  staleFrames: number;
  lastError: string | null;
  /** Where the tile is on the page, CSS px. */
  rect: Rect;
}

export interface CameraTileOptions {
  camera: string;
  /** The large view's request: service, vehicle and token are shared, camera and codec are the tile's own. */
  base: StreamRequestMessage;
  url: string;
  lostAfterMs: number;
  /** The tile was tapped: make its camera the large one. */
  onSelect(camera: string): void;
  /** The server refused the tile's request (e.g. CAMERA_NOT_AVAILABLE). */
  onRefused?(camera: string, error: ErrorMessage): void;
}

export class CameraTile {
  readonly element: HTMLElement;
  #camera: string;
  readonly #opts: CameraTileOptions;
  readonly #request: StreamRequestMessage;
  readonly #painter: TilePainter;
  readonly #tracker = new StatsTracker('jpeg/createImageBitmap');
  readonly #clock = new ClockEstimator();
  readonly #liveness: Liveness;
  readonly #pipeline: FramePipeline;
  readonly #client: StreamClient;
  readonly #name: HTMLElement;
  readonly #title: HTMLElement;
  readonly #detail: HTMLElement;
  #maxFrameAgeMs = DEFAULT_MAX_FRAME_AGE_MS;
  #running = false;
  #rect: Rect = { x: 0, y: 0, w: 0, h: 0 };

  constructor(doc: Document, opts: CameraTileOptions) {
    this.#opts = opts;
    this.#camera = opts.camera;
    this.#request = { ...opts.base, camera: opts.camera, codec: 'jpeg' };
    const el = doc.createElement('div');
    el.className = 'tile';
    el.tabIndex = 0;
    el.setAttribute('role', 'button');
    const canvas = doc.createElement('canvas');
    this.#name = doc.createElement('span');
    this.#name.className = 'tile-name';
    this.#title = doc.createElement('span');
    this.#title.className = 'tile-status';
    this.#detail = doc.createElement('span');
    this.#detail.className = 'tile-detail';
    el.append(canvas, this.#name, this.#title, this.#detail);
    this.element = el;
    this.#label();
    el.addEventListener('click', () => this.#opts.onSelect(this.#camera));
    el.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        ev.stopPropagation();
        this.#opts.onSelect(this.#camera);
      }
    });
    this.#painter = new TilePainter(canvas);
    this.#liveness = new Liveness({
      lostAfterMs: opts.lostAfterMs,
      onChange: (view) => this.#show(view),
      onTick: () => this.#tracker.tick(),
    });
    this.#pipeline = new FramePipeline({
      decoder: new JpegDecoder(),
      renderer: this.#painter,
      stats: this.#tracker,
      onPainted: () => this.#liveness.painted(),
      onNotFresh: (ageMs) => this.#liveness.notFresh(ageMs),
      ageOf: (frame) => frameAgeMs(frame.captureUs, nowUs(), this.#clock.estimate(nowUs())),
      maxAgeMs: () => this.#maxFrameAgeMs,
      onProblem: (reason) => {
        this.#tracker.stats.lastError = reason;
      },
    });
    this.#client = new StreamClient(
      { url: opts.url, request: this.#request },
      {
        open: () => {
          this.#clock.reset();
          this.#tracker.resetSequence();
          this.#liveness.linkUp();
        },
        accepted: (msg) => {
          if (typeof msg.maxFrameAgeMs === 'number' && msg.maxFrameAgeMs > 0) this.#maxFrameAgeMs = msg.maxFrameAgeMs;
          this.#liveness.accepted();
        },
        serverError: (msg) => {
          this.#tracker.stats.lastError = `${msg.code}: ${msg.message}`;
          this.#liveness.refused(msg);
          this.#opts.onRefused?.(this.#camera, msg);
        },
        status: (msg) => this.#status(msg),
        clock: (sample) => this.#clock.add(sample),
        frame: (frame) => this.#pipeline.push(frame),
        badMessage: (reason) => {
          this.#tracker.stats.lastError = reason;
        },
        closed: () => {
          this.#pipeline.invalidate();
          this.#liveness.linkDown();
        },
      },
    );
    this.#liveness.setIdle(true);
    this.#liveness.start();
  }

  get camera(): string {
    return this.#camera;
  }

  get info(): TileInfo {
    const v = this.#liveness.view;
    const s = this.#tracker.stats;
    return { camera: this.#camera, state: v.state, reason: v.reason, detail: v.detail, framesPainted: s.framesPainted, fps: s.fps, staleFrames: s.staleFrames, lastError: s.lastError, rect: { ...this.#rect } };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#tracker.resetSequence();
    this.#liveness.setIdle(false);
    this.#client.start();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#client.stop();
    this.#pipeline.invalidate();
    this.#painter.clear();
    this.#liveness.setIdle(true);
  }

  /** Shows another camera in this tile (after a swap with the large view): a new stream request. */
  setCamera(camera: string): void {
    if (camera === this.#camera) return;
    const running = this.#running;
    this.stop();
    this.#camera = camera;
    this.#request.camera = camera;
    this.#label();
    if (running) this.start();
  }

  setRect(r: Rect): void {
    this.#rect = r;
    const st = this.element.style;
    st.left = `${r.x}px`;
    st.top = `${r.y}px`;
    st.width = `${r.w}px`;
    st.height = `${r.h}px`;
  }

  destroy(): void {
    this.stop();
    this.#liveness.stop();
    this.element.remove();
  }

  #label(): void {
    this.element.dataset.camera = this.#camera;
    this.element.setAttribute('aria-label', `${this.#camera} camera: tap to show it large`);
    this.#name.textContent = this.#camera.toUpperCase();
  }

  #show(view: LivenessView): void {
    this.element.dataset.state = view.state;
    this.element.dataset.reason = view.reason;
    this.#title.textContent = statusTitle(view);
    this.#detail.textContent = view.state === 'live' ? '' : view.detail;
    this.#painter.setDimmed(view.state !== 'live');
  }

  #status(msg: StatusMessage): void {
    const reason = interruptionOf(msg.event);
    if (!reason) return;
    this.#pipeline.invalidate();
    this.#liveness.streamInterrupted(reason, msg.message || msg.event);
  }
}
