/**
 * The review page's view of /api/events (docs/recorder.md, "Review"): the
 * list, one manifest, the signal timeline, the lock, and the clip's URL.
 * The page's `?token=` (if any) rides on every request, the <video>'s too,
 * since a media element cannot send headers.
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

export class EventsApi {
  readonly #token: string | null;

  constructor(token: string | null) {
    this.#token = token;
  }

  /** A URL of the API, with the page's token. */
  url(path: string): string {
    return this.#token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(this.#token)}` : path;
  }

  mp4Url(id: string): string {
    return this.url(`/api/events/${encodeURIComponent(id)}.mp4`);
  }

  async list(): Promise<ReviewClip[]> {
    return (await this.#json<{ events: ReviewClip[] }>('GET', '/api/events')).events;
  }

  get(id: string): Promise<ReviewClip> {
    return this.#json('GET', `/api/events/${encodeURIComponent(id)}`);
  }

  signals(id: string): Promise<Timeline> {
    return this.#json('GET', `/api/events/${encodeURIComponent(id)}/signals`);
  }

  lock(id: string): Promise<ReviewClip> {
    return this.#json('POST', `/api/events/${encodeURIComponent(id)}/lock`);
  }

  async #json<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    const res = await fetch(this.url(path), { method, cache: 'no-store' });
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    if (!res.ok) throw new Error(body?.error?.message ? `${body.error.code ?? res.status}: ${body.error.message}` : `${method} ${path}: HTTP ${res.status}`);
    return body as T;
  }
}
