/**
 * The vehicle-signal trigger rules, evaluated on SignalSample batches as the
 * SignalBus delivers them (only changed values, in any order within a batch).
 * Every rule is edge-triggered with a re-arm condition, so a condition that
 * lasts (a sensor below the threshold for 3 s) is one trigger, not one per
 * sample. Pure: no clock, no I/O; times are the samples' own timestamps.
 */
import { VSS, type SignalSample } from '../wire/signals.js';
import type { TriggerKind } from './Manifest.js';

export interface TriggerRuleOptions {
  /** Nearest rear sensor below this many metres while reversing; null = off. Default 0.3. */
  sensorBelowM?: number | null;
  /** Deceleration (from Speed over time) at or above this many m/s² while reversing; null = off. Default 4. */
  decelerationMps2?: number | null;
  /** Vehicle.Private.Revcam.Impact going 0 → 1, in any gear. Default true. */
  impact?: boolean;
  /** Every manoeuvre from entering reverse to leaving it. Default false. */
  manoeuvre?: boolean;
}

export interface SignalTrigger {
  kind: TriggerKind;
  atUs: number;
  detail: Record<string, number | string>;
}

/** A sensor must come back this far above the threshold to re-arm (noise at the threshold is not a new event). */
export const SENSOR_REARM_M = 0.05;
/** Deceleration is the speed drop over this window (sample-and-hold), so one noisy sample is not a crash. */
export const DECEL_WINDOW_US = 200_000;

const SENSOR_PATHS = Object.entries(VSS.rearSensor) as Array<[string, string]>;

export class TriggerRules {
  readonly sensorBelowM: number | null;
  readonly decelerationMps2: number | null;
  readonly impact: boolean;
  readonly manoeuvre: boolean;
  #currentGear: number | undefined;
  #selectedGear: number | undefined;
  #sensors = new Map<string, number>();
  #speeds: Array<[number, number]> = []; // [timestampUs, km/h], oldest first: the window plus the value in effect at its start
  #steering: number | undefined;
  #impact = 0;
  #sensorArmed = true;
  #decelArmed = true;
  #wasReversing = false;
  /** The newest deceleration measured, m/s² (positive = slowing), or undefined before two speed samples. */
  deceleration: number | undefined;

  constructor(o: TriggerRuleOptions = {}) {
    this.sensorBelowM = o.sensorBelowM === undefined ? 0.3 : o.sensorBelowM;
    this.decelerationMps2 = o.decelerationMps2 === undefined ? 4 : o.decelerationMps2;
    this.impact = o.impact ?? true;
    this.manoeuvre = o.manoeuvre ?? false;
  }

  /** Reverse: CurrentGear negative, or SelectedGear R (negative) — either is enough (docs/signals.md). */
  get reversing(): boolean {
    return (this.#currentGear ?? 0) < 0 || (this.#selectedGear ?? 0) < 0;
  }

  /** The nearest rear sensor distance and its zone, or undefined when none has reported. */
  get nearest(): { m: number; zone: string } | undefined {
    let best: { m: number; zone: string } | undefined;
    for (const [zone, m] of this.#sensors) if (!best || m < best.m) best = { m, zone };
    return best;
  }

  /** Applies a batch; returns the triggers it fired, in time order. */
  evaluate(samples: readonly SignalSample[]): SignalTrigger[] {
    const out: SignalTrigger[] = [];
    const sorted = [...samples].sort((a, b) => a.timestampUs - b.timestampUs);
    for (const s of sorted) {
      const v = typeof s.value === 'boolean' ? (s.value ? 1 : 0) : Number(s.value);
      if (!Number.isFinite(v)) continue;
      this.#apply(s.path, v, s.timestampUs, out);
    }
    return out;
  }

  #apply(path: string, v: number, t: number, out: SignalTrigger[]): void {
    if (path === VSS.gear) this.#currentGear = v;
    else if (path === VSS.selectedGear) this.#selectedGear = v;
    else if (path === VSS.speed) this.#speed(t, v, out);
    else if (path === VSS.steeringWheelAngle) this.#steering = v;
    else if (path === VSS.impact) {
      if (this.impact && v >= 1 && this.#impact < 1) out.push({ kind: 'impact', atUs: t, detail: {} });
      this.#impact = v;
    } else {
      const zone = SENSOR_PATHS.find(([, p]) => p === path)?.[0];
      if (zone !== undefined) this.#sensors.set(zone, v);
    }
    this.#reverseEdges(t, out);
    this.#sensorRule(t, out);
  }

  #reverseEdges(t: number, out: SignalTrigger[]): void {
    const rev = this.reversing;
    if (rev === this.#wasReversing) return;
    this.#wasReversing = rev;
    if (rev && this.manoeuvre) out.push({ kind: 'manoeuvre', atUs: t, detail: { phase: 'enter-reverse' } });
    if (!rev) {
      // Leaving reverse re-arms everything: the next manoeuvre is a new story.
      this.#sensorArmed = true;
      this.#decelArmed = true;
    }
  }

  #sensorRule(t: number, out: SignalTrigger[]): void {
    if (this.sensorBelowM === null) return;
    const near = this.nearest;
    if (!near) return;
    if (this.#sensorArmed && this.reversing && near.m < this.sensorBelowM) {
      this.#sensorArmed = false;
      out.push({ kind: 'sensor', atUs: t, detail: { nearestM: near.m, zone: near.zone, thresholdM: this.sensorBelowM } });
    } else if (!this.#sensorArmed && near.m >= this.sensorBelowM + SENSOR_REARM_M) {
      this.#sensorArmed = true;
    }
  }

  #speed(t: number, kmh: number, out: SignalTrigger[]): void {
    // The bus sends changes only, so a speed holds until the next sample: the
    // value in effect DECEL_WINDOW_US ago is the newest sample at or before then.
    this.#speeds.push([t, kmh]);
    while (this.#speeds.length >= 2 && this.#speeds[1]![0] <= t - DECEL_WINDOW_US) this.#speeds.shift();
    const ref = this.#speeds[0]!;
    if (ref[0] > t - DECEL_WINDOW_US) return; // no value known that long ago
    const mps2 = (ref[1] - kmh) / 3.6 / (DECEL_WINDOW_US / 1e6);
    this.deceleration = mps2;
    const limit = this.decelerationMps2;
    if (limit === null) return;
    if (this.#decelArmed && this.reversing && mps2 >= limit) {
      this.#decelArmed = false;
      out.push({ kind: 'deceleration', atUs: t, detail: { decelerationMps2: Math.round(mps2 * 100) / 100, thresholdMps2: limit } });
    } else if (!this.#decelArmed && mps2 < limit / 2) {
      this.#decelArmed = true;
    }
  }

  /** Current values for the signal timeline. */
  values(): { currentGear?: number; selectedGear?: number; speedKmh?: number; steeringDeg?: number; sensors: Record<string, number>; impact: number } {
    const last = this.#speeds[this.#speeds.length - 1];
    return {
      ...(this.#currentGear !== undefined ? { currentGear: this.#currentGear } : {}),
      ...(this.#selectedGear !== undefined ? { selectedGear: this.#selectedGear } : {}),
      ...(last ? { speedKmh: last[1] } : {}),
      ...(this.#steering !== undefined ? { steeringDeg: this.#steering } : {}),
      sensors: Object.fromEntries(this.#sensors),
      impact: this.#impact,
    };
  }
}
