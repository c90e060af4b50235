/**
 * Finds the timeline row for a video time. Rows are samples of the signals
 * on a fixed grid (10 Hz) of the video's clock, each holding the values as
 * they stood at its `tMs`; the row shown for time t is the nearest one, so
 * the HUD is at most half a period (50 ms) off the picture, early or late.
 * The overlay in force is the last one set at or before that row.
 */
import type { Overlay } from '../../wire/overlay.js';
import type { Timeline, TimelineRow } from './types.js';

export interface TimelinePoint {
  index: number;
  row: TimelineRow;
  overlay: Overlay | undefined;
}

/** Index of the row nearest `tMs` in rows sorted by tMs (-1 when there are none); ties go to the earlier row. */
export function nearestRowIndex(rows: readonly { tMs: number }[], tMs: number): number {
  if (rows.length === 0) return -1;
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    // The first row at or after tMs.
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.tMs < tMs) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && tMs - rows[lo - 1]!.tMs <= rows[lo]!.tMs - tMs) return lo - 1;
  return lo;
}

export class TimelineCursor {
  readonly timeline: Timeline;
  /** The overlay in force at each row. */
  readonly #overlays: Array<Overlay | undefined>;

  constructor(timeline: Timeline) {
    this.timeline = timeline;
    let inForce: Overlay | undefined;
    this.#overlays = timeline.rows.map((r) => (inForce = r.overlay ?? inForce));
  }

  /** The row shown at `seconds` of video time, or undefined for an empty timeline. */
  at(seconds: number): TimelinePoint | undefined {
    const index = nearestRowIndex(this.timeline.rows, seconds * 1000);
    if (index < 0) return undefined;
    return { index, row: this.timeline.rows[index]!, overlay: this.#overlays[index] };
  }
}
