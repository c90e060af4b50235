/**
 * The heads-up display of stream numbers, toggled with the `h` key. It only
 * formats what StatsTracker measured; it measures nothing itself.
 */
import type { TileInfo } from './cameraTile.js';
import type { RevcamStats } from './stats.js';

export class Hud {
  readonly #el: HTMLElement;
  readonly #stats: RevcamStats;
  /** The camera tiles, when the page shows several cameras. */
  tiles: (() => TileInfo[]) | undefined;
  /** More lines at the end (the surround view's). */
  extra: (() => string[]) | undefined;

  constructor(el: HTMLElement, stats: RevcamStats, visible: boolean) {
    this.#el = el;
    this.#stats = stats;
    this.#el.hidden = !visible;
    this.update();
  }

  get visible(): boolean {
    return !this.#el.hidden;
  }

  toggle(): void {
    this.#el.hidden = !this.#el.hidden;
    this.update();
  }

  /** Listens for the `h` key (without modifiers) on `target`. */
  bindKey(target: Window): void {
    target.addEventListener('keydown', (ev) => {
      if (ev.key.toLowerCase() !== 'h' || ev.ctrlKey || ev.altKey || ev.metaKey || ev.repeat) return;
      this.toggle();
    });
  }

  /** Redraws the numbers; a no-op while hidden. */
  update(): void {
    if (this.#el.hidden) return;
    const s = this.#stats;
    const ms = (x: number | null): string => (x === null ? '—' : `${x.toFixed(1)} ms`);
    this.#el.textContent = [
      `state      ${s.state}`,
      `fps        ${s.fps}`,
      `latency    ${ms(s.latencyMs)}  p95 ${ms(s.latencyP95Ms)}`,
      `age        ${ms(s.frameAgeMs)} (limit ${s.maxFrameAgeMs} ms)  stale ${s.staleFrames}${s.staleMaxAgeMs === null ? '' : `, oldest ${ms(s.staleMaxAgeMs)}`}`,
      s.clock
        ? `clock      offset ${s.clock.offsetMs >= 0 ? '+' : ''}${ms(s.clock.offsetMs)} ±${ms(s.clock.boundMs)}  rtt ${ms(s.clock.rttMs)}`
        : 'clock      ?  (no estimate: frame ages unknown)',
      `decoder    ${s.decoder}  ${ms(s.decodeMs)}`,
      `resolution ${s.width}x${s.height}`,
      `seq        ${s.seq ?? '—'}`,
      `dropped    ${s.dropped}  decode-skipped ${s.decodeSkipped}`,
      `connects   ${s.connects}`,
      `vehicle    ${s.vehicle ?? '—'}`,
      `camera     ${s.camera || '—'}${this.#tileLine()}`,
      `instance   ${s.instance ?? '—'}`,
      `view       ${s.view} (${s.viewReason})  signals ${s.signalsLink}`,
      ...displayLines(s),
      ...(this.extra?.() ?? []),
    ].join('\n');
  }

  #tileLine(): string {
    const tiles = this.tiles?.() ?? [];
    return tiles.length === 0 ? '' : `  tiles ${tiles.map((t) => `${t.camera} ${t.state} ${t.fps} fps`).join(', ')}`;
  }
}

/** The picture's view and what drawing it costs (renderer.ts). */
function displayLines(s: RevcamStats): string[] {
  const d = s.display;
  if (!d) return [];
  const c = d.cost[d.shown];
  const cost = !c
    ? '—'
    : d.shown === 'wide'
      ? `2D drawImage ${c.meanMs.toFixed(2)} ms`
      : `shader ${c.lastMs.toFixed(2)} ms (mean ${c.meanMs.toFixed(2)}, max ${c.maxMs.toFixed(2)}) upload ${c.uploadMeanMs?.toFixed(2) ?? '—'} [${d.path === 'webgl2' ? 'sampled every 10th frame' : ''}]`;
  const why = d.driverChose ? 'driver' : d.recommended && d.recommended === d.shown ? 'recommended' : 'default';
  return [`screen     ${d.shown} (${why})${d.requested !== d.shown && why !== 'recommended' ? ` asked ${d.requested}` : ''}  ${d.path}  ${cost}`, ...(d.note ? [`           ${d.note}`] : [])];
}
