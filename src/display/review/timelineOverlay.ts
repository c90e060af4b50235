/**
 * Over the <video>: the guidelines the driver saw (drawOverlay, the live
 * display's own painter) on a canvas the size of the player, placed on the
 * picture as the video element letterboxes it (object-fit: contain), and the
 * HUD: gear, speed and nearest distance from the timeline row shown.
 */
import { letterbox } from '../letterbox.js';
import { drawOverlay } from '../overlayPainter.js';
import { gearLetter } from '../../wire/signals.js';
import type { ReviewTrigger } from './types.js';
import type { TimelineCursor } from './timeline.js';

/** What was last drawn, for the page's state (window.revcamReview) and the tests. */
export interface HudState {
  /** Video time the row was chosen for, seconds. */
  t: number;
  rowTMs: number | null;
  gear: string | null;
  speedKmh: number | null;
  nearestM: number | null;
  /** An overlay was drawn on the picture. */
  overlay: boolean;
  /** The displayed picture's rect in CSS pixels of the player. */
  rect: { x: number; y: number; w: number; h: number } | null;
}

/** How close to a trigger (s) the HUD names it. */
const TRIGGER_WINDOW_S = 0.15;

const fmt = (v: number | null, digits: number, unit: string): string => (v === null || !Number.isFinite(v) ? '—' : `${v.toFixed(digits)} ${unit}`);

export class TimelineOverlay {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #gear: HTMLElement;
  readonly #speed: HTMLElement;
  readonly #nearest: HTMLElement;
  readonly #trigger: HTMLElement;
  #cursor: TimelineCursor | undefined;
  #triggers: readonly ReviewTrigger[] = [];
  state: HudState = { t: 0, rowTMs: null, gear: null, speedKmh: null, nearestM: null, overlay: false, rect: null };

  constructor(canvas: HTMLCanvasElement, hud: HTMLElement) {
    this.#canvas = canvas;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    this.#ctx = ctx;
    const doc = hud.ownerDocument;
    const line = (label: string, id: string): HTMLElement => {
      const row = hud.appendChild(doc.createElement('div'));
      row.append(`${label} `);
      return row.appendChild(Object.assign(doc.createElement('output'), { id }));
    };
    this.#gear = line('gear', 'hud-gear');
    this.#speed = line('speed', 'hud-speed');
    this.#nearest = line('nearest', 'hud-nearest');
    this.#trigger = hud.appendChild(Object.assign(doc.createElement('div'), { id: 'hud-trigger', className: 'trigger' }));
  }

  /** The shown clip's timeline (undefined while none is loaded). */
  setTimeline(cursor: TimelineCursor | undefined): void {
    this.#cursor = cursor;
  }

  /** The shown clip's triggers: the HUD names one while the time is near it. */
  setTriggers(triggers: readonly ReviewTrigger[]): void {
    this.#triggers = triggers;
  }

  /** Draws the overlay and the HUD for video time `t` (seconds). */
  render(video: HTMLVideoElement, t: number): void {
    const canvas = this.#canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const cssW = canvas.clientWidth;
    const cssH = canvas.clientHeight;
    const w = Math.round(cssW * dpr);
    const h = Math.round(cssH * dpr);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = this.#ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);

    const point = this.#cursor?.at(t);
    const rect = video.videoWidth > 0 ? letterbox(video.videoWidth, video.videoHeight, cssW, cssH) : null;
    let drawn = false;
    if (point?.overlay && rect && rect.w > 0) {
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      drawOverlay(ctx, point.overlay, rect);
      drawn = true;
    }
    const row = point?.row;
    const gear = row ? (gearLetter(row.currentGear ?? undefined, row.selectedGear ?? undefined) ?? null) : null;
    this.state = { t, rowTMs: row?.tMs ?? null, gear, speedKmh: row?.speedKmh ?? null, nearestM: row?.nearestM ?? null, overlay: drawn, rect };
    this.#gear.textContent = gear ?? '—';
    this.#speed.textContent = fmt(row?.speedKmh ?? null, 1, 'km/h');
    this.#nearest.textContent = fmt(row?.nearestM ?? null, 2, 'm');
    this.#nearest.classList.toggle('near', row?.nearestM != null && row.nearestM < 0.5);
    const near = this.#triggers.filter((tr) => Math.abs(tr.offsetMs / 1000 - t) <= TRIGGER_WINDOW_S);
    this.#trigger.textContent = near.map((tr) => `▲ ${tr.kind.toUpperCase()}${describe(tr)}`).join('  ');
  }
}

function describe(tr: ReviewTrigger): string {
  const d = tr.detail;
  if (!d) return tr.by ? ` by ${tr.by}` : '';
  if (typeof d.nearestM === 'number') return ` ${d.nearestM.toFixed(2)} m`;
  if (typeof d.decelerationMps2 === 'number') return ` ${d.decelerationMps2.toFixed(1)} m/s²`;
  return '';
}
