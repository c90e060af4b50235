/**
 * Decides whether the screen shows the rear view: what /api/signals' view
 * says while that link is up; the rear view whenever the link is down or
 * silent (a missing signal must never hide the image); always the rear view
 * with `follow=0`.
 */
import type { ViewMessage } from '../wire/signals.js';

export interface ViewDecision {
  view: 'rear' | 'none';
  reason: string;
}

export interface GearFollowerOptions {
  follow: boolean;
  /** With no view from the server this long after start, show the rear view anyway. */
  fallbackAfterMs?: number;
  onChange(decision: ViewDecision): void;
}

export class GearFollower {
  readonly #opts: GearFollowerOptions;
  #decision: ViewDecision | undefined;
  #fallbackTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: GearFollowerOptions) {
    this.#opts = opts;
  }

  get decision(): ViewDecision | undefined {
    return this.#decision;
  }

  start(): void {
    if (!this.#opts.follow) {
      this.#set({ view: 'rear', reason: 'follow=0' });
      return;
    }
    // Wait briefly for the server's view so the page does not flash the stream on and off.
    this.#fallbackTimer = setTimeout(() => this.#fallback('no view from server'), this.#opts.fallbackAfterMs ?? 1000);
  }

  view(msg: ViewMessage): void {
    if (!this.#opts.follow) return;
    clearTimeout(this.#fallbackTimer);
    this.#set({ view: msg.view, reason: msg.reason || msg.view });
  }

  linkDown(): void {
    if (!this.#opts.follow) return;
    clearTimeout(this.#fallbackTimer);
    this.#fallback('signals unavailable');
  }

  /** Shows the rear view because nothing says otherwise; `why` is for the HUD. */
  #fallback(why: string): void {
    this.#set({ view: 'rear', reason: why });
  }

  #set(d: ViewDecision): void {
    const prev = this.#decision;
    this.#decision = d;
    if (prev?.view !== d.view || prev.reason !== d.reason) this.#opts.onChange(d);
  }
}
