/**
 * Service logic shared by the built-in camera services: one Source per open
 * camera, shared by every codec opened on it, started once and released when
 * the last codec closes. Frames go to the platform as they come; the overlay
 * rides as metadata on the first frame after an open and after each change.
 */
import type { CameraConfig, VehicleConfig } from '../../config/types.js';
import { RevcamError } from '../../errors/RevcamError.js';
import type { OpenedCamera, ServiceContext, ServiceLogic } from '../../service/types.js';
import { createSource } from '../../source/createSource.js';
import type { Source, SourceFrame } from '../../source/Source.js';
import type { CodecName } from '../../wire/frame.js';
import type { Overlay } from '../../wire/overlay.js';

export interface CameraSessionsOptions {
  /** The overlay a camera shows, computed when it opens; none when absent or undefined. */
  overlayFor?: (camera: CameraConfig, vehicle: VehicleConfig) => Overlay | undefined;
  /** Where sources come from; replaceable for tests. */
  createSource?: (camera: CameraConfig, vehicle: VehicleConfig) => Source;
}

interface Session {
  source: Source;
  codecs: Set<CodecName>;
  overlay: Overlay | undefined;
  /** The next frame carries the overlay. */
  sendOverlay: boolean;
  started: Promise<void>;
  detach(): void;
}

export class CameraSessions implements ServiceLogic {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly ctx: ServiceContext, private readonly options: CameraSessionsOptions = {}) {}

  async openCamera(camera: string, codec: CodecName): Promise<OpenedCamera> {
    const config = this.config(camera);
    const { name, codecs } = this.ctx.manifest;
    if (!codecs.includes(codec)) {
      throw new RevcamError('CODEC_UNSUPPORTED', `${name}: codec '${codec}' is not offered (offers ${codecs.join(', ')})`);
    }
    let s = this.sessions.get(camera);
    if (!s) {
      s = this.attach(camera, config);
      this.sessions.set(camera, s);
    }
    s.codecs.add(codec);
    s.sendOverlay = true;
    try {
      await s.started;
    } catch (err) {
      if (this.sessions.get(camera) === s) {
        this.sessions.delete(camera);
        s.detach();
      }
      throw new RevcamError('SERVICE_FAILED', `${name}: camera '${camera}' did not start: ${(err as Error).message}`, { cause: err });
    }
    return { width: s.source.width, height: s.source.height, fps: s.source.fps };
  }

  async closeCamera(camera: string, codec: CodecName): Promise<void> {
    this.config(camera);
    const s = this.sessions.get(camera);
    if (!s || !s.codecs.delete(codec) || s.codecs.size > 0) return;
    this.sessions.delete(camera);
    await this.release(camera, s);
  }

  async stop(): Promise<void> {
    const all = [...this.sessions];
    this.sessions.clear();
    await Promise.all(all.map(([camera, s]) => this.release(camera, s)));
  }

  /** Replaces a camera's overlay; the next frame carries it. */
  setOverlay(camera: string, overlay: Overlay | undefined): void {
    const s = this.sessions.get(camera);
    if (!s) return;
    s.overlay = overlay;
    s.sendOverlay = true;
  }

  private config(camera: string): CameraConfig {
    const config = Object.hasOwn(this.ctx.cameras, camera) ? this.ctx.cameras[camera] : undefined;
    if (!config) {
      const { name } = this.ctx.manifest;
      throw new RevcamError('CAMERA_NOT_AVAILABLE', `${name}: no camera '${camera}' (has ${Object.keys(this.ctx.cameras).join(', ') || 'none'})`);
    }
    return config;
  }

  private attach(camera: string, config: CameraConfig): Session {
    const { ctx } = this;
    const source = (this.options.createSource ?? createSource)(config, ctx.vehicle);
    const s: Session = {
      source,
      codecs: new Set(),
      overlay: this.options.overlayFor?.(config, ctx.vehicle),
      sendOverlay: true,
      started: Promise.resolve(),
      detach: () => {
        source.off('frame', onFrame).off('lost', onLost).off('restored', onRestored);
      },
    };
    const onFrame = (frame: SourceFrame): void => {
      if (!s.codecs.has(frame.codec)) return;
      if (s.sendOverlay && s.overlay) {
        s.sendOverlay = false;
        ctx.emitFrame(camera, frame, { overlay: s.overlay });
      } else {
        s.sendOverlay = false;
        ctx.emitFrame(camera, frame);
      }
    };
    const onLost = (reason: string): void => ctx.emitStatus(camera, 'SOURCE_LOST', reason);
    const onRestored = (): void => ctx.emitStatus(camera, 'SOURCE_RESTORED', `camera '${camera}' delivers frames again`);
    source.on('frame', onFrame).on('lost', onLost).on('restored', onRestored);
    s.started = source.start();
    ctx.log('info', 'camera opened', { camera, source: config.source, width: source.width, height: source.height, fps: source.fps });
    return s;
  }

  private async release(camera: string, s: Session): Promise<void> {
    s.detach();
    await s.source.stop();
    this.ctx.log('info', 'camera released', { camera });
  }
}
