/**
 * The numbers the HUD shows and tests read as `window.revcamStats`: painted
 * fps over the last second, capture-to-paint latency (last and p95 over the
 * last 100 paints), sequence gaps, resolution. One plain object, updated in
 * place, so it serialises as is.
 */
import { nowUs, type FrameHeader } from '../wire/frame.js';
import type { Overlay } from '../wire/overlay.js';
import type { DisplayState } from './liveness.js';
import type { ViewInfo } from './renderer.js';

export interface RevcamStats {
  state: DisplayState;
  /** Frames painted during the last second. */
  fps: number;
  /** Capture-to-paint latency of the last painted frame, ms. */
  latencyMs: number | null;
  /** 95th percentile of the last `LATENCY_WINDOW` latencies, ms. */
  latencyP95Ms: number | null;
  codec: string;
  /** Codec and decoder path, e.g. `jpeg/createImageBitmap`. */
  decoder: string;
  width: number;
  height: number;
  /** Sequence number of the last painted frame. */
  seq: number | null;
  /** Frames missing from the sequence (lost before they reached the page). */
  dropped: number;
  /** How long the last decode took, ms (explains decodeSkipped). */
  decodeMs: number | null;
  /** Frames that waited for the decoder and were replaced by a newer one (latest wins). */
  decodeSkipped: number;
  framesReceived: number;
  framesPainted: number;
  /** Sockets opened so far; above 1 means the page reconnected. */
  connects: number;
  /** Service instance serving the stream, from the accepted message. */
  instance: string | null;
  /** The vehicle shown: the page's ?vehicle=, then the one the accepted stream names. */
  vehicle: string | null;
  lastStatus: string | null;
  lastError: string | null;
  /** What gear following asks for: `rear`, `none`, or `rear` by fallback/`follow=0` (see viewReason). */
  view: 'rear' | 'none';
  viewReason: string;
  /** The /api/signals link: `up`, `down` (retrying) or `connecting`. */
  signalsLink: 'connecting' | 'up' | 'down';
  /** The age limit in force (from `accepted`), ms. */
  maxFrameAgeMs: number;
  /** The most the last checked frame can be old (capture to now, server clock), ms; null without a clock estimate. */
  frameAgeMs: number | null;
  /** Frames refused for being older than the limit (decoded when H.264 needs them, never painted). */
  staleFrames: number;
  /** The oldest refused frame, ms. */
  staleMaxAgeMs: number | null;
  /** The oldest painted frame by the same measure, ms: never above maxFrameAgeMs. */
  paintedAgeMaxMs: number | null;
  /** The largest capture-to-paint latency (local clock, like latencyMs) of any painted frame, ms. */
  latencyMaxMs: number | null;
  /** The server clock estimate: offset (server − display), its uncertainty and the round trip it came from; null: CLOCK ?. */
  clock: { offsetMs: number; boundMs: number; rttMs: number } | null;
  /** The camera in the large view. */
  camera: string;
  /** What the last painted overlay showed: trajectory steering angle, sensor zones with an arc, stale signals. */
  guidelines: { steeringDeg: number | null; sensors: string[]; stale: string[] } | null;
  /** The picture's view (wide, dewarp, top), the render path and the per-view draw cost (renderer.ts); the renderer's own object. */
  display: ViewInfo | null;
}

const LATENCY_WINDOW = 100;
const FPS_WINDOW_MS = 1000;

export class StatsTracker {
  readonly stats: RevcamStats;
  readonly #latencies: number[] = [];
  readonly #paintTimes: number[] = [];
  #lastReceivedSeq: number | undefined;

  constructor(decoder: string) {
    this.stats = {
      state: 'connecting',
      fps: 0,
      latencyMs: null,
      latencyP95Ms: null,
      codec: decoder.split('/')[0] ?? decoder,
      decoder,
      width: 0,
      height: 0,
      seq: null,
      dropped: 0,
      decodeMs: null,
      decodeSkipped: 0,
      framesReceived: 0,
      framesPainted: 0,
      connects: 0,
      instance: null,
      vehicle: null,
      lastStatus: null,
      lastError: null,
      view: 'none',
      viewReason: 'deciding',
      signalsLink: 'connecting',
      guidelines: null,
      display: null,
      maxFrameAgeMs: 0,
      frameAgeMs: null,
      staleFrames: 0,
      staleMaxAgeMs: null,
      paintedAgeMaxMs: null,
      latencyMaxMs: null,
      clock: null,
      camera: '',
    };
  }

  received(h: FrameHeader): void {
    this.stats.framesReceived++;
    const prev = this.#lastReceivedSeq;
    // A discontinuity (source restart, new stream) starts counting afresh.
    if (prev !== undefined && !h.discontinuity) {
      const gap = (h.seq - prev - 1) >>> 0;
      // A huge "gap" is a reordering or a sequence reset, not ~4 billion drops.
      if (gap > 0 && gap < 0x80000000) this.stats.dropped += gap;
    }
    this.#lastReceivedSeq = h.seq;
  }

  /** After a reconnect the server's numbering is unrelated to the old one. */
  resetSequence(): void {
    this.#lastReceivedSeq = undefined;
  }

  /** A frame refused for its age. */
  stale(ageMs: number): void {
    this.stats.staleFrames++;
    this.stats.frameAgeMs = round1(ageMs);
    this.stats.staleMaxAgeMs = round1(Math.max(this.stats.staleMaxAgeMs ?? 0, ageMs));
  }

  /**
   * `ageMs`: the frame's age by the clock estimate, null when there is none;
   * `paintUs`: when the paint began (the age was checked), so the time the
   * drawing itself takes is not counted as the frame's.
   */
  painted(h: FrameHeader, width: number, height: number, decodeMs: number, ageMs: number | null, paintUs = nowUs()): void {
    const now = performance.now();
    this.stats.decodeMs = round1(decodeMs);
    const latency = (paintUs - h.captureUs) / 1000;
    this.stats.latencyMaxMs = round1(Math.max(this.stats.latencyMaxMs ?? -Infinity, latency));
    this.stats.frameAgeMs = ageMs === null ? null : round1(ageMs);
    if (ageMs !== null) this.stats.paintedAgeMaxMs = round1(Math.max(this.stats.paintedAgeMaxMs ?? -Infinity, ageMs));
    this.stats.framesPainted++;
    this.stats.seq = h.seq;
    this.stats.width = width;
    this.stats.height = height;
    this.stats.latencyMs = round1(latency);
    this.#latencies.push(latency);
    if (this.#latencies.length > LATENCY_WINDOW) this.#latencies.shift();
    this.#paintTimes.push(now);
    this.#refreshFps(now);
  }

  /** Records what the overlay painted with a frame showed. */
  overlayPainted(o: Overlay | undefined): void {
    this.stats.guidelines = o
      ? { steeringDeg: o.trajectory?.steeringDeg ?? null, sensors: (o.sensors ?? []).map((a) => a.zone), stale: o.staleSignals ?? [] }
      : null;
  }

  /** Called on the watchdog tick so fps decays to 0 when frames stop. */
  tick(): void {
    this.#refreshFps(performance.now());
    this.stats.latencyP95Ms = this.#latencies.length ? round1(percentile(this.#latencies, 0.95)) : null;
  }

  #refreshFps(now: number): void {
    while (this.#paintTimes.length && now - this.#paintTimes[0]! > FPS_WINDOW_MS) this.#paintTimes.shift();
    this.stats.fps = this.#paintTimes.length;
  }
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
