/**
 * What to delete to make room (docs/recorder.md, "Retention"). Pure: it
 * sees the clips and the numbers and returns the victims, or says that only
 * locked clips (and the one being written) are left.
 *
 * Order: clips already shipped, oldest first; then clips not shipped, oldest
 * first. Never a locked clip, never the clip being written.
 */

export interface RetainedClip {
  id: string;
  startUs: number;
  /** Bytes on disk: mp4, manifest and timeline. */
  bytes: number;
  locked: boolean;
  shipped: boolean;
}

export interface RoomRequest {
  clips: readonly RetainedClip[];
  /** Ids that must not be deleted (the open clip). */
  keep: ReadonlySet<string>;
  /** Bytes the recordings use now, and the quota. */
  usedBytes: number;
  maxBytes: number;
  /** Free bytes on the file system now, and the floor. */
  freeBytes: number;
  minFreeBytes: number;
  /** Bytes about to be written (the estimated size of a new clip; 0 to only get back under the limits). */
  needBytes: number;
}

export type RoomPlan = { ok: true; victims: RetainedClip[] } | { ok: false; victims: RetainedClip[]; shortBytes: number };

export function deletionOrder(clips: readonly RetainedClip[], keep: ReadonlySet<string>): RetainedClip[] {
  return clips
    .filter((c) => !c.locked && !keep.has(c.id))
    .sort((a, b) => Number(b.shipped) - Number(a.shipped) || a.startUs - b.startUs || (a.id < b.id ? -1 : 1));
}

/** Victims, in deletion order, that bring both limits back with `needBytes` to spare. */
export function planRoom(r: RoomRequest): RoomPlan {
  const short = (freed: number) => Math.max(r.usedBytes - freed + r.needBytes - r.maxBytes, r.minFreeBytes - (r.freeBytes + freed - r.needBytes), 0);
  const victims: RetainedClip[] = [];
  let freed = 0;
  for (const c of deletionOrder(r.clips, r.keep)) {
    if (short(freed) === 0) break;
    victims.push(c);
    freed += c.bytes;
  }
  const left = short(freed);
  return left === 0 ? { ok: true, victims } : { ok: false, victims, shortBytes: left };
}
