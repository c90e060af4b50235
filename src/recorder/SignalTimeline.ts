/**
 * Vehicle signals on the video's clock: a snapshot of every value the
 * recorder cares about on a fixed grid (default 10 Hz) of capture time,
 * sample-and-hold between bus updates (the bus sends changes only). A
 * bounded ring keeps the pre-roll's share, so a clip's timeline starts at its
 * first frame like its video does.
 */
import type { TriggerKind } from './Manifest.js';

export interface SignalRow {
  /** Capture-clock time, µs since the epoch (the clip rewrites it to ms from its first frame). */
  tUs: number;
  currentGear: number | null;
  selectedGear: number | null;
  speedKmh: number | null;
  steeringDeg: number | null;
  /** Every rear sensor distance by zone (outerLeft, innerLeft, innerRight, outerRight), metres. */
  sensors: Record<string, number>;
  nearestM: number | null;
  /** Positive = slowing, m/s², over the trigger rule's window. */
  decelerationMps2: number | null;
  reversing: boolean;
  /** Triggers that fired since the previous row. */
  triggers?: TriggerKind[];
  /**
   * The guideline overlay the driver saw (the frames' metadata, src/wire/overlay.ts),
   * from this row on: set only where it changed, and on a clip's first row.
   */
  overlay?: unknown;
}

export type RowValues = Omit<SignalRow, 'tUs' | 'triggers' | 'overlay'>;

export class SignalTimeline {
  readonly periodUs: number;
  readonly #keepUs: number;
  #rows: SignalRow[] = [];
  #nextUs: number | undefined;
  #pending: Array<{ kind: TriggerKind; atUs: number }> = [];

  /** `keepSeconds`: how far back the ring reaches (the pre-roll plus one group, with margin). */
  constructor(hz: number, keepSeconds: number) {
    this.periodUs = Math.round(1e6 / hz);
    this.#keepUs = keepSeconds * 1e6;
  }

  get length(): number {
    return this.#rows.length;
  }

  markTrigger(kind: TriggerKind, atUs: number): void {
    if (this.#pending.length < 64) this.#pending.push({ kind, atUs }); // a storm marks the row once per kind anyway
  }

  /**
   * Advances the grid to `nowUs` (a frame's capture time) with the current
   * values; returns the rows added. A jump of more than the ring's reach adds
   * rows only for the part the ring keeps.
   */
  advance(nowUs: number, valuesNow: () => RowValues): SignalRow[] {
    if (this.#nextUs === undefined || nowUs - this.#nextUs > this.#keepUs) {
      this.#nextUs = Math.floor(nowUs / this.periodUs) * this.periodUs; // start now: never invent a past
    }
    const added: SignalRow[] = [];
    let values: RowValues | undefined;
    while (this.#nextUs <= nowUs) {
      values ??= valuesNow();
      const t = this.#nextUs;
      const row: SignalRow = { tUs: t, ...values, sensors: { ...values.sensors } };
      const due = this.#pending.filter((p) => p.atUs <= t);
      if (due.length > 0) {
        row.triggers = [...new Set(due.map((p) => p.kind))];
        this.#pending = this.#pending.filter((p) => p.atUs > t);
      }
      this.#rows.push(row);
      added.push(row);
      this.#nextUs += this.periodUs;
    }
    while (this.#rows.length > 0 && this.#rows[0]!.tUs < nowUs - this.#keepUs) this.#rows.shift();
    return added;
  }

  /**
   * Rows at or after `fromUs`, oldest first; the first carries the overlay in
   * force at its time (`current` when no row of the ring set one).
   */
  since(fromUs: number, current?: unknown): SignalRow[] {
    let inForce = current;
    const out: SignalRow[] = [];
    for (const r of this.#rows) {
      if (r.tUs < fromUs) {
        if (r.overlay !== undefined) inForce = r.overlay;
        continue;
      }
      out.push(out.length === 0 && r.overlay === undefined && inForce !== undefined ? { ...r, overlay: inForce } : r);
    }
    return out;
  }
}
