/**
 * The server's clock as seen from a client, estimated NTP-style, and the age
 * of a frame measured against it. Shared by the display and the CLI probe.
 * Pure: no Node or DOM imports.
 *
 * One exchange (docs/protocol.md §3.5): the client notes t0 (its clock) and
 * sends `clock`; the server notes t1 on receipt and t2 on sending its answer
 * (its clock); the client notes t3 on receipt. With θ = server − client:
 *
 *   offset θ̂ = ((t1 − t0) + (t2 − t3)) / 2     round trip δ = (t3 − t0) − (t2 − t1)
 *
 * Whatever the split of δ between the two directions, the true θ lies in
 * [θ̂ − δ/2, θ̂ + δ/2]. A sample taken while the network or either side was
 * busy has a large δ, so of the recent samples the one with the smallest
 * uncertainty wins (minimum-RTT filter). The uncertainty also grows with the
 * sample's age, by the worst drift two quartz clocks have (`driftPpm`).
 */

export interface ClockSample {
  /** Client clock when the request left, µs. */
  t0: number;
  /** Server clock when the request arrived, µs. */
  t1: number;
  /** Server clock when the answer left, µs. */
  t2: number;
  /** Client clock when the answer arrived, µs. */
  t3: number;
}

export interface ClockEstimate {
  /** Server clock minus client clock, µs (the midpoint estimate). */
  offsetUs: number;
  /** Round trip of the sample used, µs (server time excluded). */
  rttUs: number;
  /** Half-width of the interval the true offset lies in: rtt/2 plus drift since the sample, µs. */
  boundUs: number;
}

export interface ClockEstimatorOptions {
  /** Samples kept; the best of them is used. Default 8 (8 s at one exchange a second). */
  window?: number;
  /** A sample older than this is forgotten; with none left there is no estimate. Default 60 s. */
  maxSampleAgeMs?: number;
  /** Assumed worst relative drift of the two clocks, parts per million. Default 100. */
  driftPpm?: number;
}

interface Kept {
  offsetUs: number;
  rttUs: number;
  /** Client clock at t3. */
  atUs: number;
}

export class ClockEstimator {
  readonly #window: number;
  readonly #maxAgeUs: number;
  readonly #drift: number;
  #samples: Kept[] = [];

  constructor(opts: ClockEstimatorOptions = {}) {
    this.#window = opts.window ?? 8;
    this.#maxAgeUs = (opts.maxSampleAgeMs ?? 60_000) * 1000;
    this.#drift = (opts.driftPpm ?? 100) / 1e6;
  }

  /** Adds one exchange; false (and ignored) when its times are impossible or not numbers. */
  add(s: ClockSample): boolean {
    const { t0, t1, t2, t3 } = s;
    if (![t0, t1, t2, t3].every(Number.isFinite)) return false;
    const rttUs = t3 - t0 - (t2 - t1);
    if (t3 < t0 || t2 < t1 || rttUs < 0) return false;
    this.#samples.push({ offsetUs: (t1 - t0 + (t2 - t3)) / 2, rttUs, atUs: t3 });
    if (this.#samples.length > this.#window) this.#samples.shift();
    return true;
  }

  /** Forgets every sample (e.g. a reconnect to another server). */
  reset(): void {
    this.#samples = [];
  }

  /** The best current estimate, or null when there is no recent sample. */
  estimate(nowUs: number): ClockEstimate | null {
    let best: ClockEstimate | null = null;
    for (const s of this.#samples) {
      const age = Math.max(0, nowUs - s.atUs);
      if (age > this.#maxAgeUs) continue;
      const boundUs = s.rttUs / 2 + age * this.#drift;
      if (!best || boundUs < best.boundUs) best = { offsetUs: s.offsetUs, rttUs: s.rttUs, boundUs };
    }
    return best;
  }
}

/**
 * The most a frame can be old, ms: its capture time against the client's
 * clock now, corrected by the offset and the offset's whole uncertainty, so
 * a frame is never taken for younger than it may be. Without an estimate the
 * age is unknown (null).
 */
export function frameAgeMs(captureUs: number, clientNowUs: number, clock: ClockEstimate | null): number | null {
  if (!clock) return null;
  return (clientNowUs + clock.offsetUs + clock.boundUs - captureUs) / 1000;
}

/** The default of `display.maxFrameAgeMs`: the UN R46 camera-monitor latency limit. */
export const DEFAULT_MAX_FRAME_AGE_MS = 200;

/** How often clients send `clock` (the display and the probe). */
export const CLOCK_EXCHANGE_EVERY_MS = 1000;
