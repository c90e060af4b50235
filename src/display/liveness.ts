/**
 * The watchdog that decides what the screen may claim. The picture is live
 * only while fresh frames (younger than the age limit) keep being painted:
 * a frame that arrives too old makes it DELAYED at once; no fresh paint for
 * `lostAfterMs`, a closed socket, or a SOURCE_LOST/SERVICE_RESTARTING/
 * STREAM_ENDED status all mean SIGNAL LOST. Frames painted while there is no
 * clock estimate (their age is unknown) never make it LIVE either. A timer
 * checks staleness, so it fires even when no event arrives at all (a hung
 * service sends nothing).
 */
import type { ErrorMessage, StreamEvent } from '../wire/messages.js';

/** `idle`: nothing is asked of the screen (not in reverse); the stream is stopped on purpose. */
export type DisplayState = 'idle' | 'connecting' | 'live' | 'delayed' | 'lost' | 'error';

/**
 * Why the picture is not live; `stale` = frames stopped with the link still
 * up, `delayed` = frames keep arriving but older than the limit, `clock` =
 * frames arrive but their age is unknown (no clock estimate).
 */
export type LostReason = 'none' | 'stale' | 'delayed' | 'clock' | 'link' | 'source' | 'restarting' | 'ended';

export type InterruptionReason = Exclude<LostReason, 'none' | 'stale' | 'delayed' | 'clock' | 'link'>;

/**
 * The server status events that mean frames have stopped, and the reason each
 * shows; undefined for the others (SOURCE_RESTORED, VIEWER_TOO_SLOW: frames
 * arriving again is what makes a picture live). One table for every view.
 */
export function interruptionOf(event: StreamEvent): InterruptionReason | undefined {
  switch (event) {
    case 'SOURCE_LOST':
    case 'SERVICE_LOST':
      return 'source';
    case 'SERVICE_RESTARTING':
      return 'restarting';
    case 'STREAM_ENDED':
      return 'ended';
    default:
      return undefined;
  }
}

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
  /** The monotonic clock, ms (tests pass their own). */
  now?(): number;
}

export class Liveness {
  readonly #opts: LivenessOptions;
  /** Last paint of a frame known to be younger than the limit. */
  #lastPaintMs: number | undefined;
  /** First too-old (or unknown-age) frame since the last fresh paint, and the newest one. */
  #badSinceMs: number | undefined;
  #lastBad: { atMs: number; ageMs: number | null } | undefined;
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

  #now(): number {
    return this.#opts.now ? this.#opts.now() : performance.now();
  }

  get view(): LivenessView {
    return this.#view;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.check();
      this.#opts.onTick?.();
    }, this.#opts.checkEveryMs ?? 50);
    this.#evaluate(true);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Re-evaluates against the clock now (the timer does this every `checkEveryMs`). */
  check(): void {
    this.#evaluate();
  }

  /**
   * Idle (true): the stream was stopped on purpose, nothing is stale. Leaving
   * idle starts afresh: CONNECTING until the first new frame is painted.
   */
  setIdle(idle: boolean): void {
    if (this.#idle === idle) return;
    this.#idle = idle;
    this.#lastPaintMs = undefined;
    this.#clearBad();
    this.#linkUp = false;
    this.#everConnected = false;
    this.#event = undefined;
    this.#error = undefined;
    this.#evaluate();
  }

  /** A frame younger than the limit was painted. */
  painted(): void {
    this.#lastPaintMs = this.#now();
    this.#clearBad();
    // A frame painted after a loss event means the source is back.
    this.#event = undefined;
    this.#evaluate();
  }

  /**
   * A frame arrived that may not be shown as live: older than the limit
   * (`ageMs`), or of unknown age (null: no clock estimate).
   */
  notFresh(ageMs: number | null): void {
    const now = this.#now();
    this.#badSinceMs ??= now;
    this.#lastBad = { atMs: now, ageMs };
    this.#evaluate();
  }

  #clearBad(): void {
    this.#badSinceMs = undefined;
    this.#lastBad = undefined;
  }

  linkUp(): void {
    this.#linkUp = true;
    this.#everConnected = true;
    this.#evaluate();
  }

  linkDown(): void {
    this.#linkUp = false;
    this.#clearBad();
    this.#evaluate();
  }

  /** A server status event that means frames have stopped. */
  streamInterrupted(reason: InterruptionReason, message: string): void {
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
    const now = this.#now();
    const bad = this.#lastBad;
    // Frames of unknown age: not live, not lost either while they keep coming (an old server without a clock).
    if (bad && bad.ageMs === null && now - bad.atMs <= this.#opts.lostAfterMs && this.#linkUp && !this.#event) {
      return { state: 'delayed', reason: 'clock', detail: 'CLOCK ? — no clock estimate from the server: the picture’s age is unknown' };
    }
    // The last moment the screen was known good, or the first it was known not to be.
    const since = this.#lastPaintMs ?? this.#badSinceMs;
    if (since === undefined) {
      return { state: 'connecting', reason: 'none', detail: connectingDetail(this.#linkUp, this.#everConnected) };
    }
    if (!this.#linkUp) return { state: 'lost', reason: 'link', detail: 'connection lost — reconnecting…' };
    if (this.#event) return { state: 'lost', reason: this.#event.reason, detail: this.#event.message };
    const lateDetail = bad?.ageMs != null ? `the video arrives ${Math.round(bad.ageMs)} ms late` : '';
    if (now - since > this.#opts.lostAfterMs) {
      // Too-old frames still arriving say why; otherwise nothing arrives at all.
      if (bad && now - bad.atMs <= this.#opts.lostAfterMs) return { state: 'lost', reason: 'delayed', detail: lateDetail };
      return { state: 'lost', reason: 'stale', detail: 'no new image from the camera' };
    }
    if (this.#badSinceMs !== undefined) return { state: 'delayed', reason: 'delayed', detail: lateDetail };
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
