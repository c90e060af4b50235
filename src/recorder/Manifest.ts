/**
 * A clip's manifest: the JSON beside its mp4. It is written before the first
 * fragment (state `recording`), rewritten as fragments close and completed at
 * close, always atomically (temp file, fsync, rename, fsync of the folder),
 * so a reader never sees half a manifest and a power cut leaves the old or
 * the new one, never neither.
 */
import { open, rename, readFile } from 'node:fs/promises';
import path from 'node:path';

export type ClipState = 'recording' | 'complete' | 'truncated';
export type TriggerKind = 'sensor' | 'deceleration' | 'impact' | 'manoeuvre' | 'manual' | 'fleet';

export interface ClipTrigger {
  kind: TriggerKind;
  /** Who asked, for manual and fleet triggers (a device id, a fleet operator). */
  by?: string;
  /** Capture time of the trigger, microseconds since the epoch (the frames' clock). */
  atUs: number;
  /** The same instant as ISO 8601 UTC with milliseconds. */
  at: string;
  /** Milliseconds from the clip's first frame, rounded to the millisecond. */
  offsetMs: number;
  /** What the rule saw: e.g. `{ nearestM: 0.22, sensor: 'innerLeft' }` or `{ decelerationMps2: 5.1 }`. */
  detail?: Record<string, number | string | boolean>;
}

export interface ClipManifest {
  /** Bumped when the layout changes incompatibly. */
  version: 1;
  id: string;
  vehicle?: string;
  service: string;
  camera: string;
  state: ClipState;
  /** Why it ended: `post` (post-roll done), `max` (maxSeconds cap), `closed` (recorder closed), `full` (free-space floor), `error`, `power-cut` (found at recovery). */
  endReason?: 'post' | 'max' | 'closed' | 'full' | 'error' | 'power-cut';
  /** Capture time of the clip's first frame (a keyframe), µs since the epoch, and as ISO. */
  startUs: number;
  start: string;
  /** Capture time of the last frame written so far (at close: the last frame), µs and ISO. */
  endUs: number;
  end: string;
  /** Planned end: the newest trigger + postSeconds, capped at start + maxSeconds. */
  plannedEndUs: number;
  durationMs: number;
  /** RFC 6381 codec string from the SPS, e.g. `avc1.42C01E`. */
  codec: string;
  width: number;
  height: number;
  /** Frames and fragments (groups of pictures) durably in the mp4. */
  frames: number;
  fragments: number;
  /** Size of the mp4 in bytes (durable part while recording). */
  bytes: number;
  /** SHA-256 of the mp4 (hex), set at close and at recovery. */
  sha256?: string;
  triggers: ClipTrigger[];
  /** Triggers merged into this clip but not listed (the list is capped). */
  triggersDropped: number;
  /** Milliseconds from the first frame where the stream had a gap (discontinuity flag or a sequence jump). */
  gapsMs: number[];
  locked: boolean;
  shipped: boolean;
  /** File name of the signal timeline sidecar (same folder): the timeline and the host's guideline geometry. */
  signals: string;
}

let tmpCounter = 0;

/** Writes `data` to `file` atomically and durably: tmp + fsync + rename + fsync(dir). */
export async function writeJsonAtomic(file: string, data: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.${++tmpCounter}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(data, null, 1));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await syncDir(path.dirname(file));
}

/** fsync of a folder makes a rename or unlink in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export async function readManifest(file: string): Promise<ClipManifest> {
  const m = JSON.parse(await readFile(file, 'utf8')) as ClipManifest;
  if (m === null || typeof m !== 'object' || m.version !== 1 || typeof m.id !== 'string') throw new Error(`${file}: not a clip manifest`);
  return m;
}

export function isoOfUs(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}
