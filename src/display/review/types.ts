/**
 * The shapes the review page reads from /api/events: the part of a clip's
 * manifest it uses and the signal timeline sidecar. Types only (the unit
 * tests compile them for Node too).
 */
import type { Overlay } from '../../wire/overlay.js';

export type ClipState = 'recording' | 'complete' | 'truncated';

/** A trigger as the manifest lists it (src/recorder/Manifest.ts, ClipTrigger). */
export interface ReviewTrigger {
  kind: string;
  by?: string;
  atUs: number;
  at: string;
  /** Milliseconds from the clip's first frame: where a player seeks to. */
  offsetMs: number;
  detail?: Record<string, number | string | boolean>;
}

/** The part of a clip's manifest (ClipManifest) the page uses. */
export interface ReviewClip {
  id: string;
  vehicle?: string;
  service: string;
  camera: string;
  state: ClipState;
  endReason?: string;
  startUs: number;
  start: string;
  end: string;
  durationMs: number;
  width: number;
  height: number;
  frames: number;
  bytes: number;
  triggers: ReviewTrigger[];
  triggersDropped: number;
  locked: boolean;
  shipped: boolean;
}

/** One row of the signal timeline sidecar (src/recorder/SignalTimeline.ts, written by Clip.ts). */
export interface TimelineRow {
  /** Milliseconds from the clip's first frame: the video's clock. */
  tMs: number;
  currentGear: number | null;
  selectedGear: number | null;
  speedKmh: number | null;
  steeringDeg: number | null;
  sensors: Record<string, number>;
  nearestM: number | null;
  decelerationMps2: number | null;
  reversing: boolean;
  triggers?: string[];
  /** The guidelines the driver saw, from this row on (set where it changed and on the first row). */
  overlay?: Overlay;
}

export interface Timeline {
  version: number;
  id: string;
  hz: number;
  startUs: number;
  geometry: unknown;
  rows: TimelineRow[];
}

/**
 * Where a player seeks to show a trigger's frame: its offset, which the
 * manifest rounds to the millisecond, plus the half millisecond that rounding
 * may have taken off. Seeking to the rounded value alone can land just before
 * the frame at the trigger and show the one before it.
 */
export const triggerSeekS = (offsetMs: number): number => (offsetMs + 0.5) / 1000;
