/**
 * The watchdog that decides what the screen may claim. The picture is live
 * only while frames keep being painted: no paint for `lostAfterMs`, a closed
 * socket, or a SOURCE_LOST/SERVICE_RESTARTING/STREAM_ENDED status all mean
 * SIGNAL LOST at once. A timer checks staleness, so it fires even when no
 * event arrives at all (a hung service sends nothing).
 */
import type { ErrorMessage } from '../wire/messages.js';

/** `idle`: nothing is asked of the screen (not in reverse); the stream is stopped on purpose. */
export type DisplayState = 'idle' | 'connecting' | 'live' | 'lost' | 'error';

/** Why the picture is not live; `stale` = frames stopped with the link still up. */
export type LostReason = 'none' | 'stale' | 'link' | 'source' | 'restarting' | 'ended';

export interface LivenessView {
  state: DisplayState;
  reason: LostReason;
  /** Human-readable detail under the big status text. */
  detail: string;
}

export interface LivenessOptions {
  lostAfterMs: number;
  /** How often staleness is checked. */
  checkEveryMs?: number;
  onChange(view: LivenessView): void;
  /** Called on every check, after the state was updated (the HUD hangs off it). */
  onTick?(): void;
}

export class Liveness {
  readonly #opts: LivenessOptions;
  #lastPaintMs: number | undefined;
  #linkUp = false;
  #everConnected = false;
  #event: { reason: LostReason; message: string } | undefined;
  #error: ErrorMessage | undefined;
  #idle = false;
  #view: LivenessView = { state: 'connecting', reason: 'none', detail: 'connecting…' };
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: LivenessOptions) {
    this.#opts = opts;
  }

  get view(): LivenessView {
    return this.#view;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#evaluate();
      this.#opts.onTick?.();
    }, this.#opts.checkEveryMs ?? 50);
    this.#evaluate(true);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /**
   * Idle (true): the stream was stopped on purpose, nothing is stale. Leaving
   * idle starts afresh: CONNECTING until the first new frame is painted.
   */
  setIdle(idle: boolean): void {
    if (this.#idle === idle) return;
    this.#idle = idle;
    this.#lastPaintMs = undefined;
    this.#linkUp = false;
    this.#everConnected = false;
    this.#event = undefined;
    this.#error = undefined;
    this.#evaluate();
  }

  painted(): void {
    this.#lastPaintMs = performance.now();
    // A frame painted after a loss event means the source is back.
    this.#event = undefined;
    this.#evaluate();
  }

  linkUp(): void {
    this.#linkUp = true;
    this.#everConnected = true;
    this.#evaluate();
  }

  linkDown(): void {
    this.#linkUp = false;
    this.#evaluate();
  }

  /** A server status event that means frames have stopped. */
  streamInterrupted(reason: Exclude<LostReason, 'none' | 'stale' | 'link'>, message: string): void {
    this.#event = { reason, message };
    this.#evaluate();
  }

  /** The server refused the request; shown until a request is accepted. */
  refused(error: ErrorMessage): void {
    this.#error = error;
    this.#evaluate();
  }

  accepted(): void {
    this.#error = undefined;
    this.#evaluate();
  }

  #compute(): LivenessView {
    if (this.#idle) return { state: 'idle', reason: 'none', detail: 'the rear view appears when reverse is engaged' };
    if (this.#error) return { state: 'error', reason: 'none', detail: `${this.#error.code}: ${this.#error.message}` };
    if (this.#lastPaintMs === undefined) {
      return { state: 'connecting', reason: 'none', detail: connectingDetail(this.#linkUp, this.#everConnected) };
    }
    if (!this.#linkUp) return { state: 'lost', reason: 'link', detail: 'connection lost — reconnecting…' };
    if (this.#event) return { state: 'lost', reason: this.#event.reason, detail: this.#event.message };
    if (performance.now() - this.#lastPaintMs > this.#opts.lostAfterMs) {
      return { state: 'lost', reason: 'stale', detail: 'no new image from the camera' };
    }
    return { state: 'live', reason: 'none', detail: '' };
  }

  #evaluate(force = false): void {
    const next = this.#compute();
    const prev = this.#view;
    if (!force && next.state === prev.state && next.reason === prev.reason && next.detail === prev.detail) return;
    this.#view = next;
    this.#opts.onChange(next);
  }
}

function connectingDetail(linkUp: boolean, everConnected: boolean): string {
  if (linkUp) return 'waiting for the first image…';
  return everConnected ? 'reconnecting…' : 'connecting…';
}
