/**
 * One camera of the surround view: its own stream request, clock estimate,
 * age rule and liveness watchdog (as a camera tile has, cameraTile.ts), so a
 * lost camera is marked on its own region while the other three stay live.
 * It keeps the newest fresh picture, with its capture time (server clock) and
 * the camera model its overlay brings (`ground`), for the stitching shader.
 *
 * `usable()` is the rule the surround view paints by: the camera's picture is
 * used only while its liveness says LIVE *and* the picture is younger than
 * the age limit now. The second check runs at every draw and on a 20 ms timer
 * (surroundView.ts), so a camera that simply stops (a hung process sends no
 * event) is marked lost once its last picture is older than
 * `display.maxFrameAgeMs`, not only after the watchdog's 200 ms without a paint.
 */
import { ClockEstimator, DEFAULT_MAX_FRAME_AGE_MS, frameAgeMs } from '../../wire/clock.js';
import { nowUs, type DecodedFrame } from '../../wire/frame.js';
import type { ErrorMessage, StatusMessage, StreamRequestMessage } from '../../wire/messages.js';
import type { Overlay, OverlayGround } from '../../wire/overlay.js';
import { overlayFromAccepted } from '../frameMeta.js';
import { FramePipeline } from '../framePipeline.js';
import { JpegDecoder } from '../jpegDecoder.js';
import { interruptionOf, Liveness } from '../liveness.js';
import type { SurroundFeedInfo } from './surroundInfo.js';
import { StatsTracker } from '../stats.js';
import { StreamClient } from '../streamClient.js';

export interface SurroundFeedOptions {
  camera: string;
  /** The page's request: service, vehicle and token are shared; camera and codec are the feed's own. */
  base: StreamRequestMessage;
  url: string;
  lostAfterMs: number;
  /** A new fresh picture is ready (upload it and draw). */
  onPicture(feed: SurroundFeed): void;
  /** The feed's liveness changed (draw the hatching or take it away at once). */
  onState(feed: SurroundFeed): void;
  onRefused?(feed: SurroundFeed, error: ErrorMessage): void;
}

export class SurroundFeed {
  readonly camera: string;
  readonly #opts: SurroundFeedOptions;
  readonly #tracker = new StatsTracker('jpeg/createImageBitmap');
  readonly #clock = new ClockEstimator();
  readonly #liveness: Liveness;
  readonly #pipeline: FramePipeline;
  readonly #client: StreamClient;
  #maxFrameAgeMs = DEFAULT_MAX_FRAME_AGE_MS;
  #running = false;
  /** The newest fresh picture, until the shader has taken it (the view uploads it, then closes it). */
  #pending: ImageBitmap | undefined;
  #captureUs: number | null = null;
  #ground: OverlayGround | undefined;
  #overlay: Overlay | undefined;

  constructor(opts: SurroundFeedOptions) {
    this.#opts = opts;
    this.camera = opts.camera;
    this.#liveness = new Liveness({
      lostAfterMs: opts.lostAfterMs,
      onChange: () => this.#opts.onState(this),
      onTick: () => this.#tracker.tick(),
    });
    this.#pipeline = new FramePipeline({
      decoder: new JpegDecoder(),
      renderer: { paint: (image, overlay, frame) => this.#paint(image, overlay, frame) },
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
      { url: opts.url, request: { ...opts.base, camera: opts.camera, codec: 'jpeg' } },
      {
        open: () => {
          this.#clock.reset();
          this.#tracker.resetSequence();
          this.#liveness.linkUp();
        },
        accepted: (msg) => {
          if (typeof msg.maxFrameAgeMs === 'number' && msg.maxFrameAgeMs > 0) this.#maxFrameAgeMs = msg.maxFrameAgeMs;
          const overlay = overlayFromAccepted(msg.overlay);
          if (overlay) this.#overlay = overlay;
          if (overlay?.ground) this.#ground = overlay.ground;
          this.#liveness.accepted();
        },
        serverError: (msg) => {
          this.#tracker.stats.lastError = `${msg.code}: ${msg.message}`;
          this.#liveness.refused(msg);
          this.#opts.onRefused?.(this, msg);
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

  /** The camera model and what of it may be used (from the overlay), once the service has sent it. */
  get ground(): OverlayGround | undefined {
    return this.#ground;
  }

  /** The overlay in force (the rear camera's guidelines, drawn on the ground by the view). */
  get overlay(): Overlay | undefined {
    return this.#overlay;
  }

  get maxFrameAgeMs(): number {
    return this.#maxFrameAgeMs;
  }

  /** The picture's age now, ms (upper bound), or null. */
  ageMs(): number | null {
    return this.#captureUs === null ? null : frameAgeMs(this.#captureUs, nowUs(), this.#clock.estimate(nowUs()));
  }

  /** May the surround paint this camera's picture now (see the header)? */
  usable(): boolean {
    if (this.#liveness.view.state !== 'live' || this.#captureUs === null) return false;
    const age = this.ageMs();
    return age !== null && age <= this.#maxFrameAgeMs;
  }

  /** Hands the newest picture to the caller (who must close it), once. */
  takePicture(): ImageBitmap | undefined {
    const p = this.#pending;
    this.#pending = undefined;
    return p;
  }

  get info(): SurroundFeedInfo {
    const v = this.#liveness.view;
    const s = this.#tracker.stats;
    const usable = this.usable();
    const state = v.state === 'live' && !usable ? 'lost' : v.state;
    const detail = v.state === 'live' && !usable ? `the newest picture is older than ${this.#maxFrameAgeMs} ms` : v.detail;
    return { camera: this.camera, state, reason: v.state === 'live' && !usable ? 'stale' : v.reason, detail, framesPainted: s.framesPainted, fps: s.fps, captureUs: this.#captureUs, ageMs: this.ageMs(), lastError: s.lastError };
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
    this.#pending?.close();
    this.#pending = undefined;
    this.#captureUs = null;
    this.#liveness.setIdle(true);
  }

  destroy(): void {
    this.stop();
    this.#liveness.stop();
  }

  #paint(image: ImageBitmap, overlay: Overlay | undefined, frame: DecodedFrame): void {
    // Latest wins: a picture the shader has not taken yet is replaced (bounded: one bitmap per camera).
    this.#pending?.close();
    this.#pending = image;
    this.#captureUs = frame.captureUs;
    if (overlay) this.#overlay = overlay;
    if (overlay?.ground) this.#ground = overlay.ground;
    this.#opts.onPicture(this);
  }

  #status(msg: StatusMessage): void {
    const reason = interruptionOf(msg.event);
    if (!reason) return;
    this.#pipeline.invalidate();
    this.#liveness.streamInterrupted(reason, msg.message || msg.event);
  }
}
