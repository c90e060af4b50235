/**
 * The simulator's control panel: a small side panel (toggled with `c`) with
 * gear buttons, a steering slider, speed and the four rear sensor distances.
 * Changes go to POST /api/signals (signalPoster.ts); the values the server
 * sends back on /api/signals move the controls, so a scripted drive or
 * another client shows here too. A control the user is holding is not moved.
 */
import { gearLetter, SENSOR_MAX_M as NO_OBSTACLE_M, VSS, type GearLetter, type SignalSample } from '../wire/signals.js';
import type { SignalPoster } from './signalPoster.js';

type Zone = keyof typeof VSS.rearSensor;
const ZONES: ReadonlyArray<[Zone, string]> = [
  ['outerLeft', 'outer left'],
  ['innerLeft', 'inner left'],
  ['innerRight', 'inner right'],
  ['outerRight', 'outer right'],
];
const GEARS: readonly GearLetter[] = ['P', 'R', 'N', 'D'];
const SENSOR_MIN_M = 0.2;
const SENSOR_MAX_M = 3;

export class ControlPanel {
  readonly #el: HTMLElement;
  readonly #poster: SignalPoster;
  readonly #gearButtons = new Map<GearLetter, HTMLButtonElement>();
  readonly #steer: HTMLInputElement;
  readonly #steerOut: HTMLOutputElement;
  readonly #speed: HTMLInputElement;
  readonly #sensors = new Map<Zone, { range: HTMLInputElement; none: HTMLInputElement; out: HTMLOutputElement }>();
  readonly #status: HTMLElement;
  readonly #values = new Map<string, SignalSample>();

  constructor(el: HTMLElement, poster: SignalPoster, visible: boolean) {
    this.#el = el;
    this.#poster = poster;
    el.hidden = !visible;
    const doc = el.ownerDocument;
    const make = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, parent: HTMLElement = el): HTMLElementTagNameMap[K] =>
      parent.appendChild(Object.assign(doc.createElement(tag), props));

    make('h2', { textContent: 'Vehicle (simulator)' });
    const gears = make('div', { className: 'gears' });
    for (const g of GEARS) {
      const b = make('button', { type: 'button', textContent: g, title: `gear ${g}` }, gears);
      b.dataset.gear = g;
      b.addEventListener('click', () => this.#poster.send({ gear: g }));
      this.#gearButtons.set(g, b);
    }

    const steerRow = make('label', { className: 'row' });
    steerRow.append('Steering ');
    this.#steerOut = make('output', {}, steerRow);
    // The slider reads left to right like the wheel: left end = turned left = positive VSS angle.
    this.#steer = make('input', { type: 'range', min: '-540', max: '540', step: '1', value: '0', id: 'ctl-steering' });
    this.#steer.addEventListener('input', () => {
      const deg = -Number(this.#steer.value);
      this.#showSteering(deg);
      this.#poster.send({ steeringDeg: deg });
    });
    this.#steer.addEventListener('dblclick', () => {
      this.#steer.value = '0';
      this.#showSteering(0);
      this.#poster.send({ steeringDeg: 0 });
    });
    this.#showSteering(0);

    const speedRow = make('label', { className: 'row' });
    speedRow.append('Speed km/h ');
    this.#speed = make('input', { type: 'number', min: '0', max: '250', step: '1', value: '0', id: 'ctl-speed' }, speedRow);
    this.#speed.addEventListener('change', () => {
      const v = Number(this.#speed.value);
      if (Number.isFinite(v) && v >= 0) this.#poster.send({ speedKmh: v });
    });

    make('h3', { textContent: 'Rear sensors (m)' });
    for (const [zone, label] of ZONES) {
      const row = make('div', { className: 'sensor' });
      make('span', { textContent: label }, row);
      const out = make('output', {}, row);
      const noneLabel = make('label', { className: 'none' }, row);
      const none = make('input', { type: 'checkbox', checked: true, id: `ctl-${zone}-none` }, noneLabel);
      noneLabel.append('none');
      const range = make('input', { type: 'range', min: String(SENSOR_MIN_M), max: String(SENSOR_MAX_M), step: '0.05', value: String(SENSOR_MAX_M), id: `ctl-${zone}` }, row);
      range.addEventListener('input', () => {
        none.checked = false;
        out.textContent = Number(range.value).toFixed(2);
        this.#poster.send({ sensors: { [zone]: Number(range.value) } });
      });
      none.addEventListener('change', () => {
        out.textContent = none.checked ? '—' : Number(range.value).toFixed(2);
        // The sensors' own convention: the full range means nothing seen.
        this.#poster.send({ sensors: { [zone]: none.checked ? NO_OBSTACLE_M : Number(range.value) } });
      });
      out.textContent = '—';
      this.#sensors.set(zone, { range, none, out });
    }
    this.#status = make('p', { className: 'status' });
    // The recorder's clips (docs/recorder.md, "Review"), with this page's token if it has one.
    const token = new URLSearchParams(doc.defaultView?.location.search ?? '').get('token');
    make('a', { id: 'review-link', className: 'review-link', href: token ? `/review?token=${encodeURIComponent(token)}` : '/review', textContent: 'Recorded events →' });
    make('p', { className: 'hint', textContent: 'press c to hide' });
  }

  get visible(): boolean {
    return !this.#el.hidden;
  }

  toggle(): void {
    this.#el.hidden = !this.#el.hidden;
  }

  /** Listens for the `c` key (without modifiers, not while typing in a field). */
  bindKey(target: Window): void {
    target.addEventListener('keydown', (ev) => {
      if (ev.key.toLowerCase() !== 'c' || ev.ctrlKey || ev.altKey || ev.metaKey || ev.repeat) return;
      const t = ev.target as HTMLElement | null;
      if (t && t.tagName === 'INPUT' && (t as HTMLInputElement).type === 'number') return;
      this.toggle();
    });
  }

  /** The result of the last POST, or null when it succeeded. */
  showResult(error: string | null): void {
    this.#status.textContent = error ?? '';
    this.#status.classList.toggle('error', error !== null);
  }

  /** Values from /api/signals; `full` replaces all known values. */
  update(samples: readonly SignalSample[], full: boolean): void {
    if (full) this.#values.clear();
    for (const s of samples) this.#values.set(s.path, s);
    const num = (path: string): number | undefined => {
      const v = this.#values.get(path)?.value;
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    };
    const gear = gearLetter(num(VSS.gear), num(VSS.selectedGear));
    for (const [g, b] of this.#gearButtons) b.classList.toggle('active', g === gear);
    const active = this.#el.ownerDocument.activeElement;
    const steering = num(VSS.steeringWheelAngle);
    if (steering !== undefined && active !== this.#steer) {
      this.#steer.value = String(-steering);
      this.#showSteering(steering);
    }
    const speed = num(VSS.speed);
    if (speed !== undefined && active !== this.#speed) this.#speed.value = String(Math.round(speed));
    for (const [zone, c] of this.#sensors) {
      const d = num(VSS.rearSensor[zone]);
      if (d === undefined || active === c.range || active === c.none) continue;
      const none = d > SENSOR_MAX_M;
      c.none.checked = none;
      if (!none) c.range.value = String(d);
      c.out.textContent = none ? '—' : d.toFixed(2);
    }
  }

  #showSteering(deg: number): void {
    const side = deg > 0 ? ' left' : deg < 0 ? ' right' : '';
    this.#steerOut.textContent = `${Math.abs(deg).toFixed(0)}°${side}`;
  }
}
