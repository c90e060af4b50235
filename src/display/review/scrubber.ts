/**
 * The bar under the video: the clip's limits (its first and last frame,
 * with their capture times), a mark for each trigger at its offsetMs, and
 * the playhead. A click on the bar seeks there; a click on a mark seeks to
 * that trigger exactly.
 */
import { triggerSeekS, type ReviewClip, type ReviewTrigger } from './types.js';

const clock = (iso: string): string => iso.slice(11, 23); // HH:MM:SS.mmm UTC, as the manifest has it

export class Scrubber {
  readonly #el: HTMLElement;
  readonly #track: HTMLElement;
  readonly #head: HTMLElement;
  readonly #startLabel: HTMLElement;
  readonly #endLabel: HTMLElement;
  readonly #onSeek: (seconds: number) => void;
  #marks: HTMLElement[] = [];
  #durationS = 0;

  constructor(el: HTMLElement, onSeek: (seconds: number) => void) {
    this.#el = el;
    this.#onSeek = onSeek;
    const doc = el.ownerDocument;
    const make = (tag: string, className: string, parent: HTMLElement = el): HTMLElement => parent.appendChild(Object.assign(doc.createElement(tag), { className }));
    this.#track = make('div', 'track');
    this.#track.id = 'scrubber-track';
    make('div', 'limit start', this.#track).title = 'first frame';
    make('div', 'limit end', this.#track).title = 'last frame';
    this.#head = make('div', 'head', this.#track);
    const labels = make('div', 'labels');
    this.#startLabel = make('span', 'start', labels);
    this.#endLabel = make('span', 'end', labels);
    this.#track.addEventListener('click', (ev) => {
      if ((ev.target as HTMLElement).classList.contains('mark') || this.#durationS <= 0) return;
      const r = this.#track.getBoundingClientRect();
      this.#onSeek(Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width)) * this.#durationS);
    });
  }

  /** Shows `clip`; `durationS` is the bar's full length (the clip's, or the video's if longer). */
  setClip(clip: ReviewClip | undefined, durationS: number): void {
    for (const m of this.#marks) m.remove();
    this.#marks = [];
    this.#durationS = durationS;
    this.#el.hidden = clip === undefined;
    if (!clip) return;
    this.#startLabel.textContent = `${clock(clip.start)} · 0.0 s`;
    this.#endLabel.textContent = `${(clip.durationMs / 1000).toFixed(1)} s · ${clock(clip.end)}${clip.state === 'recording' ? ' (recording)' : ''}`;
    clip.triggers.forEach((tr, i) => this.#marks.push(this.#mark(tr, i)));
    this.#layoutMarks(clip.triggers);
  }

  #mark(tr: ReviewTrigger, i: number): HTMLElement {
    const doc = this.#el.ownerDocument;
    const b = this.#track.appendChild(Object.assign(doc.createElement('button'), { type: 'button', className: `mark ${tr.kind}` }));
    b.dataset.offsetMs = String(tr.offsetMs);
    b.dataset.index = String(i);
    b.title = `${tr.kind}${tr.by ? ` by ${tr.by}` : ''} at ${(tr.offsetMs / 1000).toFixed(3)} s (${clock(tr.at)})`;
    b.setAttribute('aria-label', `seek to trigger ${i + 1}: ${b.title}`);
    b.addEventListener('click', () => this.#onSeek(triggerSeekS(tr.offsetMs)));
    return b;
  }

  #layoutMarks(triggers: readonly ReviewTrigger[]): void {
    this.#marks.forEach((m, i) => {
      m.style.left = `${this.#percent(triggers[i]!.offsetMs / 1000)}%`;
    });
  }

  #percent(seconds: number): number {
    return this.#durationS > 0 ? Math.min(100, Math.max(0, (seconds / this.#durationS) * 100)) : 0;
  }

  /** Moves the playhead. */
  setTime(seconds: number): void {
    this.#head.style.left = `${this.#percent(seconds)}%`;
  }
}
