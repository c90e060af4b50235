/**
 * The cabin scene: rear window, a bench and two front-seat silhouettes, and an
 * air freshener swinging from the roof. Just different enough from the rear
 * scene that a second service visibly shows something else.
 */
import type { CameraConfig } from '../../config/types.js';
import { createRaster, fillPolygon, fillRect, fillVerticalGradient, strokePolyline, type RGB, type Raster, type Vec2 } from './raster.js';
import type { Scene } from './scene.js';
import { drawStamp } from './stamp.js';

export const SWING_PERIOD_S = 2;

export class CabinScene implements Scene {
  readonly width: number;
  readonly height: number;
  private readonly background: Raster;
  private readonly frame: Raster;

  /** `background`: the static part as drawn before for this camera (sceneCache.ts); drawn here when absent. */
  constructor(private readonly camera: CameraConfig, background?: Buffer) {
    this.width = camera.width;
    this.height = camera.height;
    this.background = createRaster(this.width, this.height);
    this.frame = createRaster(this.width, this.height);
    if (background?.length === this.background.data.length) background.copy(this.background.data);
    else this.drawStatic(this.background);
  }

  /** The static part, as sceneCache.ts keeps it. */
  get staticImage(): Buffer {
    return this.background.data;
  }

  render(timeUs: number, frameNo: number): Buffer {
    const f = this.frame;
    this.background.data.copy(f.data);
    // The swing angle comes from the capture instant, so consecutive frames differ.
    const angle = 0.45 * Math.sin((2 * Math.PI * (timeUs / 1e6)) / SWING_PERIOD_S);
    const [w, h] = [this.width, this.height];
    const pivot: Vec2 = [0.5 * w, 0.02 * h];
    const len = 0.3 * h;
    const end: Vec2 = [pivot[0] + Math.sin(angle) * len, pivot[1] + Math.cos(angle) * len];
    strokePolyline(f, this.pts([pivot, end]), Math.max(2, w / 400), [220, 220, 220]);
    const s = 0.05 * h;
    fillPolygon(f, this.pts([[end[0], end[1]], [end[0] + s, end[1] + 2 * s], [end[0] - s, end[1] + 2 * s]]), [40, 190, 90]);
    drawStamp(f, 'CABIN', frameNo, timeUs);
    return f.data;
  }

  /** Scene x in [0, width] mirrored when the camera mirrors. */
  private pts(p: readonly Vec2[]): Vec2[] {
    return this.camera.mirror ? p.map(([x, y]) => [this.width - x, y] as Vec2) : [...p];
  }

  private drawStatic(r: Raster): void {
    const [w, h] = [this.width, this.height];
    fillVerticalGradient(r, 0, h, [48, 50, 58], [22, 22, 26]);
    // Rear window.
    fillPolygon(r, this.pts([[0.22 * w, 0.12 * h], [0.78 * w, 0.12 * h], [0.84 * w, 0.4 * h], [0.16 * w, 0.4 * h]]), [150, 180, 210]);
    // Rear bench.
    fillRect(r, Math.round(0.12 * w), Math.round(0.45 * h), Math.round(0.88 * w), Math.round(0.7 * h), [70, 66, 62]);
    // Two front seats: back rest and head rest, the driver's a little larger.
    this.seat(r, 0.3, 0.17, [92, 60, 48]);
    this.seat(r, 0.7, 0.15, [84, 84, 92]);
  }

  private seat(r: Raster, cxFrac: number, halfFrac: number, color: RGB): void {
    const [w, h] = [this.width, this.height];
    const cx = cxFrac * w, hw = halfFrac * w;
    fillPolygon(r, this.pts([[cx - hw, h], [cx - hw * 0.85, 0.5 * h], [cx + hw * 0.85, 0.5 * h], [cx + hw, h]]), color);
    fillPolygon(r, this.pts([[cx - hw * 0.4, 0.5 * h], [cx - hw * 0.45, 0.33 * h], [cx + hw * 0.45, 0.33 * h], [cx + hw * 0.4, 0.5 * h]]), color);
  }
}
