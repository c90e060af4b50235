/**
 * The pre-roll: a bounded in-memory ring of whole groups of pictures (a
 * keyframe and the frames after it, as Stream caches one). It keeps the
 * newest group that starts at or before `newest − preSeconds` and every
 * group after it, so a clip can start at the keyframe at or before any
 * instant in the last `preSeconds`; and never more than `maxBytes`, dropping
 * the oldest whole group first (a group alone over the cap is dropped too, and
 * frames are skipped until the next keyframe: memory is bounded by design).
 *
 * Bound: ringBytes ≤ min(maxBytes, (preSeconds + G) · bitrate/8 + one frame),
 * G the group length in seconds (docs/recorder.md, "Memory bound").
 */

export interface RingFrame {
  seq: number;
  captureUs: number;
  keyframe: boolean;
  /** The frame came after a gap (discontinuity flag or a sequence jump). */
  gap: boolean;
  width: number;
  height: number;
  /** One H.264 Annex-B access unit (a view into the wire frame). */
  payload: Uint8Array;
  /** Bytes this frame costs the ring (the wire frame's length). */
  bytes: number;
}

interface Group {
  frames: RingFrame[];
  bytes: number;
}

export class GopRing {
  readonly #preUs: number;
  readonly #maxBytes: number;
  #groups: Group[] = [];
  #bytes = 0;
  /** Frames skipped because their group was dropped (waiting for a keyframe). */
  skipped = 0;
  /** Whole groups dropped because of the byte cap (not because they aged out). */
  droppedForBytes = 0;

  constructor(preSeconds: number, maxBytes: number) {
    this.#preUs = preSeconds * 1e6;
    this.#maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get groups(): number {
    return this.#groups.length;
  }

  /** Capture time of the oldest and newest frames held, or undefined when empty. */
  get spanUs(): { from: number; to: number } | undefined {
    const held = this.#groups.filter((g) => g.frames.length > 0);
    const first = held[0]?.frames[0];
    const lastGroup = held[held.length - 1];
    const last = lastGroup?.frames[lastGroup.frames.length - 1];
    return first && last ? { from: first.captureUs, to: last.captureUs } : undefined;
  }

  push(f: RingFrame): void {
    let group = this.#groups[this.#groups.length - 1];
    if (f.keyframe) {
      if (group && group.frames.length === 0) this.#groups.pop(); // the skip marker has done its job
      group = { frames: [], bytes: 0 };
      this.#groups.push(group);
    } else if (!group || group.frames.length === 0) {
      this.skipped++;
      return;
    }
    group.frames.push(f);
    group.bytes += f.bytes;
    this.#bytes += f.bytes;
    this.#trim(f.captureUs);
  }

  #trim(newestUs: number): void {
    // Age: the second-oldest group alone already reaches back far enough.
    while (this.#groups.length >= 2 && (this.#groups[1]!.frames[0]?.captureUs ?? Infinity) <= newestUs - this.#preUs) this.#dropOldest();
    while (this.#bytes > this.#maxBytes && this.#groups.length > 0) {
      this.droppedForBytes++;
      if (this.#groups.length === 1) {
        // One group over the cap: forget it, keep an empty marker so the rest of it is skipped.
        const g = this.#groups[0]!;
        this.#bytes -= g.bytes;
        g.frames = [];
        g.bytes = 0;
        return;
      }
      this.#dropOldest();
    }
  }

  #dropOldest(): void {
    const g = this.#groups.shift()!;
    this.#bytes -= g.bytes;
  }

  /** Frames from the newest keyframe at or before `fromUs` (or the oldest held) to the newest, oldest first. */
  framesFrom(fromUs: number): RingFrame[] {
    let start = 0;
    for (let i = 0; i < this.#groups.length; i++) {
      const first = this.#groups[i]!.frames[0];
      if (first && first.captureUs <= fromUs) start = i;
    }
    const out: RingFrame[] = [];
    for (const g of this.#groups.slice(start)) out.push(...g.frames);
    return out;
  }

  clear(): void {
    this.#groups = [];
    this.#bytes = 0;
  }
}
