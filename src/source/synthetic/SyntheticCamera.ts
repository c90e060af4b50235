/**
 * The embedded default camera: renders a scene and JPEG-encodes it with sharp,
 * no camera or ffmpeg needed.
 *
 * Timing: frame slots are start + n·interval (drift-free). A slot that comes
 * while the previous frame is still encoding is skipped, never queued, so at
 * most one encode is in flight and a slow machine gets a lower frame rate,
 * not a growing latency. captureUs is taken when the frame's content is
 * rendered, which is this camera's capture instant.
 */
import sharp from 'sharp';
import type { CameraConfig, VehicleConfig } from '../../config/types.js';
import { nowUs, type CodecName } from '../../wire/frame.js';
import type { Source, SourceFrame, SourceListener } from '../Source.js';
import { createScene, type Scene } from './scene.js';
import { SourceEmitter } from '../SourceEmitter.js';

export interface SyntheticCameraOptions {
  camera: CameraConfig;
  vehicle: VehicleConfig;
  /** The camera's id, burnt into the frame stamp. */
  name?: string;
}

export class SyntheticCamera extends SourceEmitter implements Source {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly codec: CodecName = 'jpeg';
  /** The scene, exposed so callers and tests can render a raw frame without encoding. */
  readonly scene: Scene;

  private readonly intervalMs: number;
  private readonly quality: number;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private startMs = 0;
  private lastSlot = -1;
  private frameNo = 0;
  private inFlight: Promise<void> | undefined;
  private failing = false;

  constructor(options: SyntheticCameraOptions) {
    super();
    const { camera } = options;
    if (!(camera.fps > 0)) throw new Error(`synthetic camera: fps must be positive, got ${camera.fps}`);
    this.width = camera.width;
    this.height = camera.height;
    this.fps = camera.fps;
    this.intervalMs = 1000 / camera.fps;
    this.quality = camera.jpegQuality;
    // The static background is rendered here, before start(), so the first frame is not delayed by it.
    this.scene = createScene(camera, options.vehicle, options.name);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.startMs = performance.now();
    this.lastSlot = 0;
    // First frame now, not one interval from now.
    if (!this.inFlight) this.produce();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Once stop() resolves no frame is emitted: the in-flight one checks `running` before emitting.
    await this.inFlight;
  }


  /** Renders the frame for `timeUs` and encodes it; what each slot does, exposed for the bench. */
  async encode(timeUs: number, frameNo: number): Promise<Buffer> {
    const raw = this.scene.render(timeUs, frameNo);
    // No Huffman optimisation (a second pass over the picture): half the encode time (~8 → ~4 ms
    // at 1280x720 here) for ~12 % more bytes. The encode is on every frame's capture-to-screen path.
    return sharp(raw, { raw: { width: this.width, height: this.height, channels: 3 } })
      .jpeg({ quality: this.quality, mozjpeg: false, chromaSubsampling: '4:2:0', optimiseCoding: false })
      .toBuffer();
  }

  private schedule(): void {
    if (!this.running) return;
    const now = performance.now();
    // The next slot strictly after the last one served and not already past.
    const slot = Math.max(this.lastSlot + 1, Math.floor((now - this.startMs) / this.intervalMs) + 1);
    this.lastSlot = slot;
    this.timer = setTimeout(this.onSlot, Math.max(0, this.startMs + slot * this.intervalMs - now));
  }

  private readonly onSlot = (): void => {
    this.timer = undefined;
    if (!this.running) return;
    if (!this.inFlight) this.produce(); // else: skip this slot
    this.schedule();
  };

  private produce(): void {
    const captureUs = nowUs();
    const frameNo = this.frameNo++;
    const job = this.encode(captureUs, frameNo).then(
      (data) => {
        if (!this.running) return;
        if (this.failing) {
          this.failing = false;
          this.emitListenerSafe('restored');
        }
        const frame: SourceFrame = { codec: 'jpeg', keyframe: true, captureUs, width: this.width, height: this.height, data };
        this.emitListenerSafe('frame', frame);
      },
      (err: unknown) => {
        if (!this.running || this.failing) return;
        this.failing = true;
        this.emitListenerSafe('lost', `synthetic camera: encode failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    const tracked: Promise<void> = job.finally(() => {
      if (this.inFlight === tracked) this.inFlight = undefined;
    });
    this.inFlight = tracked;
  }

  /** A throwing listener is a bug in the listener: surface it as an uncaught error, not as an encode failure. */
  private emitListenerSafe<E extends keyof SourceListener>(event: E, ...args: Parameters<SourceListener[E]>): void {
    try {
      this.emitSource(event, ...args);
    } catch (err) {
      setImmediate(() => {
        throw err;
      });
    }
  }
}
