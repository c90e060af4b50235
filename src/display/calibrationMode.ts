/**
 * The installer's calibration mode (`?calibrate=1&camera=…`, docs/calibration.md):
 * the markers of the mats this camera sees as draggable handles over the
 * picture, placed first where the calibration in force says they should
 * appear; the installer drags each onto its marker and presses Solve, which
 * asks /api/calibration for the solved mount without applying it and shows
 * it with its residual and, on a surround-view car, each seam's misalignment
 * in cm, or the refusal; Save then applies it. Handles live in image pixels
 * (the stream's, mirrored as it is), so they stay on their markers when the
 * window is resized.
 */
import { letterbox } from './letterbox.js';

interface MatPixel {
  id: string;
  u: number;
  v: number;
}

interface HandlePoint extends MatPixel {
  lateralM: number;
  behindM: number;
}

interface CalibrationGet {
  cameras: Record<string, { image: { width: number; height: number; mirror: boolean }; matPixels: Array<MatPixel | null>; handles: HandlePoint[]; calibration: { mount: Record<string, number> } }>;
  mat: { points: Array<{ id: string; lateralM: number; behindM: number }> };
  configFile: string | null;
}

export interface CalibrationModeOptions {
  stage: HTMLElement;
  canvas: HTMLCanvasElement;
  camera: string;
  token?: string | undefined;
}

interface Handle {
  id: string;
  ground: { lateralM: number; behindM: number };
  u: number;
  v: number;
  el: HTMLElement;
}

const HANDLE_PX = 22;

function style(el: HTMLElement, css: Partial<CSSStyleDeclaration>): HTMLElement {
  Object.assign(el.style, css);
  return el;
}

interface Seam {
  camera: string;
  markers: number;
  rmsCm: number | null;
  maxCm: number | null;
}

interface CalibrationAnswer {
  error?: { code: string; message: string };
  mount?: Record<string, number>;
  rmsPx?: number;
  maxPx?: number;
  residual?: { rmsCm: number; maxCm: number };
  seams?: Seam[];
  persisted?: { file: string } | null;
}

const seamLine = (s: Seam): string =>
  s.maxCm === null ? `seam with ${s.camera}: not measured (calibrate ${s.camera} with the corner mats too)` : `seam with ${s.camera}: ${s.maxCm.toFixed(1)} cm max, ${s.rmsCm!.toFixed(1)} cm RMS over ${s.markers} markers`;

const fmt = (m: Record<string, number>): string =>
  `height ${m.heightM!.toFixed(3)} m, pitch ${m.pitchDeg!.toFixed(2)}°, yaw ${m.yawDeg!.toFixed(2)}°, roll ${m.rollDeg!.toFixed(2)}°, lateral ${m.lateralM!.toFixed(3)} m, longitudinal ${m.longitudinalM!.toFixed(3)} m`;

export class CalibrationMode {
  readonly #o: CalibrationModeOptions;
  readonly #layer: HTMLElement;
  readonly #panel: HTMLElement;
  readonly #result: HTMLElement;
  readonly #save: HTMLButtonElement;
  #handles: Handle[] = [];
  /** The points of the last solve that passed, which Save applies. */
  #previewed: string | null = null;
  #image = { width: 1, height: 1 };

  constructor(o: CalibrationModeOptions) {
    this.#o = o;
    this.#layer = style(document.createElement('div'), { position: 'absolute', inset: '0', pointerEvents: 'none', zIndex: '5' });
    this.#layer.id = 'calibration-handles';
    this.#panel = style(document.createElement('section'), {
      // Top left, under the camera's own stamp (the status, LIVE, DELAYED…, at the top right must stay visible),
      // or bottom left when handles lie under it there (#placePanel).
      position: 'absolute', top: '76px', left: '8px', zIndex: '6', maxWidth: '26em', padding: '8px 10px',
      background: 'rgba(0,0,0,0.75)', color: '#eee', font: '13px/1.4 system-ui, sans-serif', borderRadius: '6px',
    });
    this.#panel.id = 'calibration-panel';
    this.#panel.setAttribute('aria-label', 'installer calibration');
    const title = document.createElement('strong');
    title.textContent = `Calibration: ${o.camera}`;
    const help = document.createElement('p');
    help.textContent = 'Drag each handle onto the centre of its magenta marker, then Solve; check the figures, then Save.';
    help.style.margin = '4px 0';
    const solve = document.createElement('button');
    solve.id = 'calibration-solve';
    solve.textContent = 'Solve';
    solve.addEventListener('click', () => void this.solve());
    this.#save = document.createElement('button');
    this.#save.id = 'calibration-save';
    this.#save.textContent = 'Save';
    this.#save.disabled = true;
    this.#save.style.marginLeft = '6px';
    this.#save.addEventListener('click', () => void this.save());
    const reset = document.createElement('button');
    reset.textContent = 'Reset handles';
    reset.style.marginLeft = '6px';
    reset.addEventListener('click', () => void this.load());
    this.#result = document.createElement('pre');
    this.#result.id = 'calibration-result';
    style(this.#result, { whiteSpace: 'pre-wrap', margin: '6px 0 0', font: '12px/1.4 ui-monospace, monospace' });
    this.#panel.append(title, help, solve, this.#save, reset, this.#result);
    o.stage.append(this.#layer, this.#panel);
    new ResizeObserver(() => this.#place()).observe(o.canvas);
    // The panel grows with its answer: it must not come to cover a handle.
    new ResizeObserver(() => this.#placePanel()).observe(this.#panel);
  }

  #headers(json: boolean): Record<string, string> {
    return { ...(json && { 'content-type': 'application/json' }), ...(this.#o.token && { authorization: `Bearer ${this.#o.token}` }) };
  }

  /** Fetches the mat and the predicted marker positions and (re)places the handles there. */
  async load(): Promise<void> {
    const res = await fetch('/api/calibration', { headers: this.#headers(false) });
    if (!res.ok) return this.#say(`GET /api/calibration: ${res.status}`);
    const body = (await res.json()) as CalibrationGet;
    const cam = body.cameras[this.#o.camera];
    if (!cam) return this.#say(`no camera '${this.#o.camera}'`);
    this.#image = cam.image;
    for (const h of this.#handles) h.el.remove();
    this.#handles = [];
    // The markers this camera sees; a camera whose calibration in force is far off sees too few: then the rear mat's,
    // a point it cannot place starting at the image centre for the installer to drag.
    const points: HandlePoint[] = cam.handles.length >= 4
      ? cam.handles
      : body.mat.points.map((p, i) => ({ ...p, ...(cam.matPixels[i] ?? { u: cam.image.width / 2, v: cam.image.height / 2 }) }));
    for (const p of points) this.#handles.push({ id: p.id, ground: { lateralM: p.lateralM, behindM: p.behindM }, u: p.u, v: p.v, el: this.#handleElement(p.id) });
    this.#place();
    this.#say(`in force: ${fmt(cam.calibration.mount)}${body.configFile ? `\nfile: ${body.configFile}` : '\n(no config file: a result is applied in memory only)'}`);
  }

  #handleElement(id: string): HTMLElement {
    const el = style(document.createElement('div'), {
      position: 'absolute', width: `${HANDLE_PX}px`, height: `${HANDLE_PX}px`, marginLeft: `${-HANDLE_PX / 2}px`, marginTop: `${-HANDLE_PX / 2}px`,
      border: '2px solid #0ff', borderRadius: '50%', boxSizing: 'border-box', pointerEvents: 'auto', cursor: 'grab', touchAction: 'none',
      background: 'radial-gradient(circle, #0ff 0 2px, transparent 3px)',
    });
    el.className = 'calibration-handle';
    el.dataset.id = id;
    const label = style(document.createElement('span'), { position: 'absolute', left: `${HANDLE_PX}px`, top: '-4px', color: '#0ff', font: 'bold 12px system-ui, sans-serif', textShadow: '0 0 3px #000' });
    label.textContent = id;
    el.append(label);
    el.addEventListener('pointerdown', (e) => {
      el.setPointerCapture(e.pointerId);
      el.style.cursor = 'grabbing';
    });
    el.addEventListener('pointermove', (e) => {
      if (!el.hasPointerCapture(e.pointerId)) return;
      const h = this.#handles.find((x) => x.el === el);
      if (h) this.#moveTo(h, e.clientX, e.clientY);
    });
    el.addEventListener('pointerup', (e) => {
      el.releasePointerCapture(e.pointerId);
      el.style.cursor = 'grab';
    });
    this.#layer.append(el);
    return el;
  }

  /** Where the image sits on the page (the renderer letterboxes it into the canvas). */
  #imageRect(): { x: number; y: number; scale: number } {
    const c = this.#o.canvas.getBoundingClientRect();
    const s = this.#o.stage.getBoundingClientRect();
    const r = letterbox(this.#image.width, this.#image.height, c.width, c.height);
    return { x: c.left - s.left + r.x, y: c.top - s.top + r.y, scale: r.w / this.#image.width };
  }

  #moveTo(h: Handle, clientX: number, clientY: number): void {
    const r = this.#imageRect();
    const s = this.#o.stage.getBoundingClientRect();
    h.u = Math.min(this.#image.width, Math.max(0, (clientX - s.left - r.x) / r.scale));
    h.v = Math.min(this.#image.height, Math.max(0, (clientY - s.top - r.y) / r.scale));
    this.#placeOne(h, r);
  }

  #place(): void {
    const r = this.#imageRect();
    for (const h of this.#handles) this.#placeOne(h, r);
    this.#placePanel();
  }

  /** Top left, unless a handle would lie under the panel there and not at the bottom left (a mirror camera's markers sit at its picture's sides). */
  #placePanel(): void {
    const stage = this.#o.stage.getBoundingClientRect();
    const { width, height } = this.#panel.getBoundingClientRect();
    const r = this.#imageRect();
    const covered = (top: number): boolean =>
      this.#handles.some((h) => {
        const x = r.x + h.u * r.scale, y = r.y + h.v * r.scale;
        return x >= 8 - HANDLE_PX && x <= 8 + width + HANDLE_PX && y >= top - HANDLE_PX && y <= top + height + HANDLE_PX;
      });
    const bottom = Math.max(76, stage.height - height - 8);
    const top = covered(76) && !covered(bottom) ? bottom : 76;
    if (this.#panel.style.top !== `${top}px`) this.#panel.style.top = `${top}px`;
  }

  #placeOne(h: Handle, r: { x: number; y: number; scale: number }): void {
    h.el.style.left = `${r.x + h.u * r.scale}px`;
    h.el.style.top = `${r.y + h.v * r.scale}px`;
  }

  #points(): string {
    return JSON.stringify(this.#handles.map((h) => ({ ground: h.ground, pixel: { u: h.u, v: h.v } })));
  }

  async #post(apply: boolean, points: string): Promise<CalibrationAnswer | null> {
    try {
      const res = await fetch('/api/calibration', { method: 'POST', headers: this.#headers(true), body: `{"camera":${JSON.stringify(this.#o.camera)},"apply":${apply},"points":${points}}` });
      const body = (await res.json()) as CalibrationAnswer;
      if (res.ok && body.mount) return body;
      this.#panel.dataset.outcome = 'refused';
      this.#say(`REFUSED ${body.error?.code ?? res.status}\n${body.error?.message ?? ''}`);
    } catch (err) {
      this.#say(`POST /api/calibration failed: ${(err as Error).message}`);
    }
    return null;
  }

  /** Solves the handles without applying: shows the mount, its residual and seams in cm, or the refusal. */
  async solve(): Promise<void> {
    this.#save.disabled = true;
    this.#previewed = null;
    this.#say('solving…');
    const points = this.#points();
    const body = await this.#post(false, points);
    if (!body) return;
    this.#previewed = points;
    this.#save.disabled = false;
    this.#panel.dataset.outcome = 'solved';
    const seams = (body.seams ?? []).map(seamLine).join('\n');
    this.#say(`SOLVED (not saved): ${fmt(body.mount!)}\nreprojection ${body.rmsPx!.toFixed(2)} px RMS, ${body.maxPx!.toFixed(2)} px max\non the ground ${body.residual!.rmsCm.toFixed(1)} cm RMS, ${body.residual!.maxCm.toFixed(1)} cm max${seams ? `\n${seams}` : ''}`);
  }

  /** Applies what the last Solve showed (the same handles, solved again by the server). */
  async save(): Promise<void> {
    // Handles moved after Solve are solved anew, not saved unseen.
    if (this.#previewed === null || this.#previewed !== this.#points()) return this.solve();
    this.#save.disabled = true;
    const body = await this.#post(true, this.#previewed);
    this.#previewed = null;
    if (!body) return;
    this.#panel.dataset.outcome = 'saved';
    this.#say(`SAVED: ${fmt(body.mount!)}\n${body.persisted ? `written to ${body.persisted.file} (backup .bak)` : 'applied in memory only (no config file)'}`);
  }

  #say(text: string): void {
    this.#result.textContent = text;
  }
}

/** Turns calibration mode on for this page. */
export function startCalibrationMode(o: CalibrationModeOptions): CalibrationMode {
  const mode = new CalibrationMode(o);
  void mode.load();
  return mode;
}
