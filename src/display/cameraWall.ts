/**
 * Several cameras on one screen (docs/display.md, "Several cameras"): the
 * large view (the page's #stage: every view, the guidelines, the HUD) and
 * the other cameras as tiles (cameraTile.ts), placed by layout.ts for the
 * window's size and laid out again when it changes. A tile's camera becomes
 * the large one when it is tapped: the two swap places and each asks for
 * its new camera with a stream request of its own.
 *
 * Tiles stream only while the large view does (the rear view is up), and
 * not at all in the `single` layout: a camera nobody sees is never asked
 * for, so it captures and encodes nothing.
 */
import type { ErrorMessage, StreamRequestMessage } from '../wire/messages.js';
import { CameraTile, type TileInfo } from './cameraTile.js';
import { computeLayout, type Layout, type LayoutKind } from './layout.js';

export interface CameraWallOptions {
  stage: HTMLElement;
  /** Where the tiles go (over the page, positioned absolutely). */
  container: HTMLElement;
  /** Every camera shown, the large one among them. */
  cameras: string[];
  main: string;
  layout: LayoutKind;
  /** The large view's request: tiles share its service, vehicle and token. */
  base: StreamRequestMessage;
  url: string;
  lostAfterMs: number;
  /** The camera list is the page's default, not the device's choice: a camera the service does not have is left out. */
  defaulted: boolean;
  /** The large view must show `camera` now. */
  onMainChange(camera: string): void;
}

export class CameraWall {
  readonly #o: CameraWallOptions;
  readonly #doc: Document;
  #main: string;
  #tiles: CameraTile[] = [];
  #running = false;
  #layout: Layout | undefined;

  constructor(doc: Document, opts: CameraWallOptions) {
    this.#doc = doc;
    this.#o = opts;
    this.#main = opts.main;
    if (opts.layout !== 'single') {
      for (const camera of opts.cameras) if (camera !== opts.main) this.#add(camera);
    }
    this.relayout();
    window.addEventListener('resize', () => this.relayout());
  }

  get main(): string {
    return this.#main;
  }

  get layout(): Layout | undefined {
    return this.#layout;
  }

  tiles(): TileInfo[] {
    return this.#tiles.map((t) => t.info);
  }

  start(): void {
    this.#running = true;
    for (const t of this.#tiles) t.start();
  }

  stop(): void {
    this.#running = false;
    for (const t of this.#tiles) t.stop();
  }

  relayout(): void {
    const n = this.#tiles.length + 1;
    const layout = computeLayout({ width: window.innerWidth, height: window.innerHeight }, n, this.#o.layout);
    this.#layout = layout;
    const st = this.#o.stage.style;
    st.left = `${layout.main.x}px`;
    st.top = `${layout.main.y}px`;
    st.width = `${layout.main.w}px`;
    st.height = `${layout.main.h}px`;
    this.#doc.body.dataset.layout = layout.arrangement;
    this.#tiles.forEach((t, i) => t.setRect(layout.tiles[i] ?? { x: 0, y: 0, w: 0, h: 0 }));
  }

  #add(camera: string): void {
    const tile = new CameraTile(this.#doc, {
      camera,
      base: this.#o.base,
      url: this.#o.url,
      lostAfterMs: this.#o.lostAfterMs,
      onSelect: (c) => this.#select(c),
      onRefused: (c, err) => this.#refused(c, err),
    });
    this.#tiles.push(tile);
    this.#o.container.append(tile.element);
    if (this.#running) tile.start();
  }

  /** A tile was tapped: its camera and the large one swap places. */
  #select(camera: string): void {
    const tile = this.#tiles.find((t) => t.camera === camera);
    if (!tile || camera === this.#main) return;
    const old = this.#main;
    this.#main = camera;
    tile.setCamera(old);
    this.#o.onMainChange(camera);
  }

  /** The default list named a camera this service lacks (e.g. a config with only `rear`): the tile goes. */
  #refused(camera: string, err: ErrorMessage): void {
    if (!this.#o.defaulted || err.code !== 'CAMERA_NOT_AVAILABLE') return;
    const i = this.#tiles.findIndex((t) => t.camera === camera);
    if (i < 0) return;
    const [tile] = this.#tiles.splice(i, 1);
    tile!.destroy();
    this.relayout();
  }
}
