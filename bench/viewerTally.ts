/**
 * What one viewer measured: frames, bytes and capture-to-receive latency in
 * the measuring window, sequence gaps, and how it came back after a pause.
 */
import { DEFAULT_MAX_FRAME_AGE_MS } from '../src/wire/clock.js';
import { nowUs } from '../src/wire/frame.js';

export interface ResumeReport {
  /** Resume to the first frame received, ms. */
  firstAfterMs: number | null;
  /** Age (now - capture) of the first frame received after resuming, ms. */
  firstAgeMs: number | null;
  /** Frames older than the live threshold received after resuming, before the first live one. */
  backlogFrames: number;
  /** Resume to the first frame no older than the live threshold, ms. */
  liveAfterMs: number | null;
  liveThresholdMs: number;
  /**
   * Age of the first frame after resuming that a display would show: the
   * display and the probe skip frames older than the age limit
   * (display.maxFrameAgeMs, docs/display.md), ms.
   */
  firstShownAgeMs: number | null;
  /** Frames received after resuming that a display would skip as too old, before that one. */
  skippedOldFrames: number;
  frameAgeLimitMs: number;
  /** Resume to that first frame a display accepts as live, ms. */
  shownAfterMs: number | null;
  /** The server had dropped the viewer (unresponsive): it reconnected, and its live frames came on the new connection. */
  reconnected: boolean;
}

export interface ViewerReport {
  index: number;
  frames: number;
  bytes: number;
  fps: number;
  /** Frames lost in sequence gaps in the window (revcam viewers only). */
  gaps: number;
  latencyP50: number | null;
  latencyP99: number | null;
  errors: string[];
}

export class Tally {
  frames = 0;
  bytes = 0;
  gaps = 0;
  latencies: number[] = [];
  /** The capture time of each latency sample, µs (to pair the same frame seen by two viewers). */
  captures: number[] = [];
  errors: string[] = [];
  #measuring = false;
  #lastSeq: number | undefined;
  #resumeAtMs: number | undefined;
  #resume: ResumeReport | undefined;
  #liveMs = 67;

  constructor(readonly index: number) {}

  /** Starts a fresh measuring window. */
  mark(): void {
    this.frames = 0;
    this.bytes = 0;
    this.gaps = 0;
    this.latencies = [];
    this.captures = [];
    this.#measuring = true;
  }

  stopMeasuring(): void {
    this.#measuring = false;
  }

  resumed(liveThresholdMs: number): void {
    this.#resumeAtMs = performance.now();
    this.#liveMs = liveThresholdMs;
    this.#resume = { firstAfterMs: null, firstAgeMs: null, backlogFrames: 0, liveAfterMs: null, liveThresholdMs, firstShownAgeMs: null, skippedOldFrames: 0, frameAgeLimitMs: DEFAULT_MAX_FRAME_AGE_MS, shownAfterMs: null, reconnected: false };
  }

  /** Resumed, and no frame accepted as live yet: a dropped connection is to be replaced. */
  get awaitingLive(): boolean {
    return this.#resume !== undefined && this.#resume.firstShownAgeMs === null;
  }

  reconnecting(): void {
    if (this.#resume) this.#resume.reconnected = true;
    this.#lastSeq = undefined;
  }

  get resumeReport(): ResumeReport | undefined {
    return this.#resume;
  }

  /** One whole frame received; captureUs undefined when the frame carried no stamp. */
  frame(captureUs: number | undefined, bytes: number, seq?: number): void {
    const nowMs = performance.now();
    const age = captureUs === undefined ? undefined : (nowUs() - captureUs) / 1000;
    if (seq !== undefined) {
      if (this.#lastSeq !== undefined && this.#measuring) {
        const d = (seq - this.#lastSeq) >>> 0;
        if (d > 1 && d < 0x8000_0000) this.gaps += d - 1;
      }
      this.#lastSeq = seq;
    }
    const r = this.#resume;
    if (r && this.#resumeAtMs !== undefined && age !== undefined && r.liveAfterMs === null) {
      if (r.firstAfterMs === null) {
        r.firstAfterMs = nowMs - this.#resumeAtMs;
        r.firstAgeMs = age;
      }
      if (r.firstShownAgeMs === null) {
        if (age <= r.frameAgeLimitMs) {
          r.firstShownAgeMs = age;
          r.shownAfterMs = nowMs - this.#resumeAtMs;
        } else r.skippedOldFrames++;
      }
      if (age <= this.#liveMs) r.liveAfterMs = nowMs - this.#resumeAtMs;
      else r.backlogFrames++;
    }
    if (!this.#measuring) return;
    this.frames++;
    this.bytes += bytes;
    if (age !== undefined) {
      this.latencies.push(age);
      this.captures.push(captureUs!);
    }
  }
}
