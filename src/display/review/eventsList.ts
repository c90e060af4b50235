/**
 * The list of clips, newest first (the API's order): for each, its start
 * time, length, triggers with their offsets, state and lock. One is
 * selected; a click selects another.
 */
import type { ReviewClip } from './types.js';

const when = (iso: string): string => iso.replace('T', ' ').slice(0, 19);

export class EventsList {
  readonly #el: HTMLElement;
  readonly #onSelect: (id: string) => void;
  #selected: string | undefined;

  constructor(el: HTMLElement, onSelect: (id: string) => void) {
    this.#el = el;
    this.#onSelect = onSelect;
  }

  select(id: string | undefined): void {
    this.#selected = id;
    for (const li of this.#el.querySelectorAll<HTMLElement>('li[data-id]')) {
      if (li.dataset.id === id) li.setAttribute('aria-current', 'true');
      else li.removeAttribute('aria-current');
    }
  }

  render(clips: readonly ReviewClip[]): void {
    const doc = this.#el.ownerDocument;
    const make = <K extends keyof HTMLElementTagNameMap>(tag: K, parent: HTMLElement, props: Record<string, unknown> = {}): HTMLElementTagNameMap[K] =>
      parent.appendChild(Object.assign(doc.createElement(tag), props));
    this.#el.replaceChildren();
    if (clips.length === 0) {
      make('li', this.#el, { className: 'empty', textContent: 'No events recorded yet.' });
      return;
    }
    for (const c of clips) {
      const li = make('li', this.#el);
      li.dataset.id = c.id;
      li.dataset.state = c.state;
      const b = make('button', li, { type: 'button' });
      const head = make('div', b, { className: 'head' });
      make('time', head, { className: 'when', dateTime: c.start, textContent: `${when(c.start)} UTC` });
      make('span', head, { className: 'length', textContent: `${(c.durationMs / 1000).toFixed(1)} s` });
      const tags = make('div', b, { className: 'tags' });
      make('span', tags, { className: `state ${c.state}`, textContent: c.state });
      if (c.locked) make('span', tags, { className: 'locked', textContent: '🔒 locked', title: 'never deleted automatically' });
      if (c.shipped) make('span', tags, { className: 'shipped', textContent: 'shipped' });
      const triggers = make('div', b, { className: 'triggers' });
      for (const t of c.triggers) make('span', triggers, { className: `trigger ${t.kind}`, textContent: `${t.kind} @${(t.offsetMs / 1000).toFixed(1)} s` });
      if (c.triggersDropped > 0) make('span', triggers, { className: 'trigger dropped', textContent: `+${c.triggersDropped}` });
      make('div', b, { className: 'id', textContent: c.id });
      b.addEventListener('click', () => this.#onSelect(c.id));
    }
    this.select(this.#selected);
  }
}
