/**
 * Mirrors the liveness state into the DOM: `body[data-state]` (and
 * `data-reason`) for styling and tests, and the visible #status text.
 */
import type { LivenessView } from './liveness.js';

const TITLES: Record<LivenessView['state'], string> = {
  idle: 'Not in reverse',
  connecting: 'CONNECTING',
  live: 'LIVE',
  delayed: 'DELAYED',
  lost: 'SIGNAL LOST',
  error: 'NO VIDEO',
};

export class StatusView {
  readonly #body: HTMLElement;
  readonly #title: HTMLElement;
  readonly #detail: HTMLElement;

  constructor(doc: Document) {
    this.#body = doc.body;
    this.#title = requireElement(doc, 'status-title');
    this.#detail = requireElement(doc, 'status-detail');
  }

  show(view: LivenessView): void {
    this.#body.dataset.state = view.state;
    this.#body.dataset.reason = view.reason;
    this.#title.textContent = statusTitle(view);
    this.#detail.textContent = view.detail;
  }
}

/** The big status text for a liveness view (the large view's banner, a tile's label). */
export function statusTitle(view: LivenessView): string {
  return view.reason === 'clock' ? 'CLOCK ?' : TITLES[view.state];
}

export function requireElement(doc: Document, id: string): HTMLElement {
  const el = doc.getElementById(id);
  if (!el) throw new Error(`page is missing #${id}`);
  return el;
}
