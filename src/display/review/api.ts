/**
 * The review page's view of /api/events (docs/recorder.md, "Review"): the
 * list, one manifest, the signal timeline, the lock, and the clip's URL.
 * The page's `?token=` (if any) rides on every request, the <video>'s too,
 * since a media element cannot send headers.
 */
import type { ReviewClip, Timeline } from './types.js';

export type { ClipState, ReviewClip, ReviewTrigger, Timeline, TimelineRow } from './types.js';

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
