/**
 * The vehicle-signal bus: the latest value of each known VSS path, with its
 * timestamp, validation and change subscriptions. Transport-free on purpose:
 * HTTP, WebSocket, CAN and NATS (src/nats) sit around it, never inside it.
 */
import { RevcamError } from '../errors/RevcamError.js';
import { signalSpec, VSS, type SignalSample } from '../wire/signals.js';
import { sampleProblem, type SampleInput } from './validateSample.js';

export type { SampleInput };

/** The paths whose absence or age the displays must be told about. */
export const WATCHED_PATHS: readonly string[] = [
  VSS.gear,
  VSS.steeringWheelAngle,
  VSS.rearSensor.outerLeft,
  VSS.rearSensor.innerLeft,
  VSS.rearSensor.innerRight,
  VSS.rearSensor.outerRight,
];

export type SignalListener = (changed: SignalSample[]) => void;

export interface SignalBusOptions {
  /** A watched value older than this (by the bus's clock when it arrived) is stale. */
  staleAfterMs: number;
  /** Paths reported by staleness() when missing, old or invalid (default WATCHED_PATHS). */
  watched?: readonly string[];
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  /** Called with whatever a listener throws; the other listeners still run. */
  onListenerError?: (err: unknown) => void;
}

export interface SignalHealth {
  path: string;
  state: 'ok' | 'missing' | 'stale' | 'invalid';
  /** Why it is invalid, or how old it is. */
  detail?: string;
}

interface Entry {
  sample: SignalSample | undefined;
  /** Bus clock when the value (or the invalidation) arrived. */
  receivedMs: number;
  invalid?: string;
}

export interface PublishResult {
  applied: SignalSample[];
  rejected: { path: string; reason: string }[];
}

export class SignalBus {
  readonly staleAfterMs: number;
  readonly watched: readonly string[];
  #entries = new Map<string, Entry>();
  #listeners = new Set<SignalListener>();
  #sampleListeners = new Set<SignalListener>();
  #clock: () => number;
  #onListenerError: (err: unknown) => void;
  /** Listener exceptions caught so far (they are also reported through onListenerError). */
  listenerErrors = 0;

  constructor(opts: SignalBusOptions) {
    this.staleAfterMs = opts.staleAfterMs;
    this.watched = opts.watched ?? WATCHED_PATHS;
    this.#clock = opts.clock ?? Date.now;
    this.#onListenerError = opts.onListenerError ?? (() => {});
  }

  /**
   * Sets values all-or-nothing: if any sample is unknown or out of range,
   * throws SIGNAL_INVALID naming it and applies none. Returns the samples as
   * stored (timestamps filled in).
   */
  set(samples: readonly SampleInput[]): SignalSample[] {
    const nowMs = this.#clock();
    samples.forEach((s, i) => {
      const problem = sampleProblem(s, nowMs * 1000);
      if (problem) throw new RevcamError('SIGNAL_INVALID', `samples[${i}]: ${problem}`);
    });
    return this.#apply(samples, nowMs);
  }

  /**
   * The source side: applies every good sample; a known path with a bad value
   * is marked invalid (a faulty sensor), an unknown path is only reported.
   */
  publish(samples: readonly SampleInput[]): PublishResult {
    const nowMs = this.#clock();
    const good: SampleInput[] = [];
    const rejected: PublishResult['rejected'] = [];
    for (const s of samples) {
      const problem = sampleProblem(s, nowMs * 1000);
      if (!problem) good.push(s);
      else {
        rejected.push({ path: String(s?.path), reason: problem });
        if (signalSpec(s?.path)) this.invalidate(s.path, problem);
      }
    }
    return { applied: this.#apply(good, nowMs), rejected };
  }

  /** Marks a path's value as not to be trusted until a good value arrives. */
  invalidate(path: string, reason: string): void {
    this.#entries.set(path, { sample: undefined, receivedMs: this.#clock(), invalid: reason });
  }

  /** The latest valid value, however old; undefined when missing or invalid. */
  get(path: string): SignalSample | undefined {
    return this.#entries.get(path)?.sample;
  }

  /** The latest valid value if it arrived within staleAfterMs; undefined when missing, invalid or stale (what a safety rule may trust). */
  fresh(path: string, nowMs: number = this.#clock()): SignalSample | undefined {
    const e = this.#entries.get(path);
    return e?.sample !== undefined && nowMs - e.receivedMs <= this.staleAfterMs ? e.sample : undefined;
  }

  /** Every valid value, in arrival order of first appearance. */
  snapshot(): SignalSample[] {
    const out: SignalSample[] = [];
    for (const e of this.#entries.values()) if (e.sample) out.push(e.sample);
    return out;
  }

  /**
   * Listener gets the samples that changed (value, or back from missing/stale/invalid).
   * With `everySample`, it gets every accepted sample, unchanged values too: for
   * consumers that judge freshness by timestamp themselves (the services).
   * Returns unsubscribe.
   */
  subscribe(listener: SignalListener, opts: { everySample?: boolean } = {}): () => void {
    const set = opts.everySample ? this.#sampleListeners : this.#listeners;
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** Watched paths that are missing, older than staleAfterMs, or invalid, in watched order. */
  staleness(nowMs: number = this.#clock()): string[] {
    return this.health(nowMs)
      .filter((h) => h.state !== 'ok')
      .map((h) => h.path);
  }

  health(nowMs: number = this.#clock()): SignalHealth[] {
    return this.watched.map((path): SignalHealth => {
      const e = this.#entries.get(path);
      if (!e) return { path, state: 'missing' };
      if (e.invalid !== undefined) return { path, state: 'invalid', detail: e.invalid };
      const age = nowMs - e.receivedMs;
      return age > this.staleAfterMs ? { path, state: 'stale', detail: `${age} ms old` } : { path, state: 'ok' };
    });
  }

  #apply(samples: readonly SampleInput[], nowMs: number): SignalSample[] {
    const changed = new Map<string, SignalSample>();
    const stored: SignalSample[] = [];
    for (const s of samples) {
      const sample: SignalSample = { path: s.path, value: s.value, timestampUs: s.timestampUs ?? nowMs * 1000 };
      const prev = this.#entries.get(s.path);
      const wasUsable = prev?.sample !== undefined && nowMs - prev.receivedMs <= this.staleAfterMs;
      this.#entries.set(s.path, { sample, receivedMs: nowMs });
      stored.push(sample);
      // Within one batch the last sample of a path is the one listeners see.
      if (changed.has(s.path) || !wasUsable || prev?.sample?.value !== sample.value) changed.set(s.path, sample);
    }
    if (changed.size > 0) this.#notify(this.#listeners, [...changed.values()]);
    if (stored.length > 0) this.#notify(this.#sampleListeners, stored);
    return stored;
  }

  #notify(listeners: Set<SignalListener>, changed: SignalSample[]): void {
    for (const fn of [...listeners]) {
      try {
        fn(changed);
      } catch (err) {
        this.listenerErrors++;
        try {
          this.#onListenerError(err);
        } catch {
          // A broken error reporter must not unwind into a signal source either.
        }
      }
    }
  }
}
