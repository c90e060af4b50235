/**
 * Switches the picture's view: keys 1/2/3 (wide, dewarp, top) and `v` (next),
 * and a button for touch screens that steps through them. The button names
 * the view shown; where WebGL2 is missing it says the view is wide only.
 * A choice made here wins over the service's recommended view until the
 * rear view ends (renderer.ts).
 */
import type { Renderer } from './renderer.js';
import { VIEWS, type ViewKind } from './viewProjection.js';

const KEYS: Record<string, ViewKind> = { '1': 'wide', '2': 'dewarp', '3': 'top' };

export class ViewSwitch {
  readonly #button: HTMLElement;
  readonly #renderer: Renderer;
  readonly #changed: () => void;

  constructor(button: HTMLElement, renderer: Renderer, changed: () => void) {
    this.#button = button;
    this.#renderer = renderer;
    this.#changed = changed;
    button.addEventListener('click', () => this.next());
    this.#label();
  }

  set(view: ViewKind): void {
    this.#renderer.setView(view);
    this.#label();
    this.#changed();
  }

  /** Relabels the button after the renderer's choice was reset. */
  refresh(): void {
    this.#label();
  }

  next(): void {
    const i = VIEWS.indexOf(this.#renderer.info.shown);
    this.set(VIEWS[(i + 1) % VIEWS.length]!);
  }

  bindKeys(target: Window): void {
    target.addEventListener('keydown', (ev) => {
      if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.repeat) return;
      const view = KEYS[ev.key];
      if (view) this.set(view);
      else if (ev.key.toLowerCase() === 'v') this.next();
    });
  }

  #label(): void {
    const info = this.#renderer.info;
    this.#button.textContent = info.path === 'webgl2' ? `VIEW: ${info.shown.toUpperCase()}` : 'VIEW: WIDE (no WebGL2)';
  }
}
