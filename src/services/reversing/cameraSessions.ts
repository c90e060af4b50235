/**
 * Service logic shared by the built-in camera services: one Source per open
 * camera, shared by every codec opened on it, started once and released when
 * the last codec closes. Frames go to the platform as they come; the overlay
 * rides as metadata on the first frame of each codec after an open and after
 * each change.
 *
 * Codec variants: the codec the source delivers goes out as is (an H.264 or
 * MJPEG camera's own bitstream, untouched). Each other codec asked for gets
 * one transcoder fed from the source, started with its first viewer and
 * stopped with its last, so every variant is encoded at most once however
 * many viewers watch it.
 *
 * Spare encoders (`h264.spareEncoder`, on by default): while no viewer of a
 * camera's H.264 is there, an idle encoder process waits for the first, so
 * reverse gear does not wait for ffmpeg to start. It is replaced when the
 * encoder that took it stops, and killed when the service stops.
 */
import type { CameraConfig, VehicleConfig } from '../../config/types.js';
import { RevcamError } from '../../errors/RevcamError.js';
import type { OpenedCamera, ServiceContext, ServiceLogic } from '../../service/types.js';
import { createSource, createTranscoder, knownSourceCodec, spawnSpareTranscoder, type CreateSourceOptions, type Transcoder } from '../../source/createSource.js';
import type { SpareProcess } from '../../source/ffmpeg/SpareProcess.js';
import type { Source, SourceFrame } from '../../source/Source.js';
import type { CodecName } from '../../wire/frame.js';
import type { Overlay } from '../../wire/overlay.js';

export interface CameraSessionsOptions {
  /** The overlay a camera shows, computed when it opens; none when absent or undefined. */
  overlayFor?: (camera: CameraConfig, vehicle: VehicleConfig) => Overlay | undefined;
  /** Where sources come from; replaceable for tests. */
  createSource?: (camera: CameraConfig, vehicle: VehicleConfig, opts?: CreateSourceOptions) => Source;
  /** Where codec variants come from; replaceable for tests. */
  createTranscoder?: (from: CodecName, to: CodecName, camera: CameraConfig, name: string, spare?: SpareProcess) => Transcoder;
  /** Where spare encoders come from; replaceable for tests. */
  spawnSpare?: (from: CodecName, to: CodecName, camera: CameraConfig) => SpareProcess;
}

/** The codec a spare encoder is kept for: what a display's reverse view may ask for and costs an encoder start. */
const SPARE_CODEC: CodecName = 'h264';

interface Session {
  source: Source;
  codecs: Set<CodecName>;
  /** Codecs other than the source's, each with its one encoder. */
  transcoders: Map<CodecName, Transcoder>;
  overlay: Overlay | undefined;
  /** Codecs whose next frame carries the overlay. */
  overlayDue: Set<CodecName>;
  started: Promise<void>;
  /** The source was lost: encoders restart fresh (keyframe first) when it is back. */
  resetEncoders: boolean;
  detach(): void;
}

export class CameraSessions implements ServiceLogic {
  private readonly sessions = new Map<string, Session>();
  /** Idle encoders to SPARE_CODEC, by camera, for its next first viewer. */
  private readonly spares = new Map<string, SpareProcess>();
  private stopped = false;

  constructor(private readonly ctx: ServiceContext, private readonly options: CameraSessionsOptions = {}) {
    for (const camera of Object.keys(ctx.cameras)) this.spawnSpare(camera);
  }

  async openCamera(camera: string, codec: CodecName): Promise<OpenedCamera> {
    const config = this.config(camera);
    const { name, codecs } = this.ctx.manifest;
    if (!codecs.includes(codec)) {
      throw new RevcamError('CODEC_UNSUPPORTED', `${name}: codec '${codec}' is not offered (offers ${codecs.join(', ')})`);
    }
    let s = this.sessions.get(camera);
    if (!s) {
      s = this.attach(camera, config, codec);
      this.sessions.set(camera, s);
    }
    s.codecs.add(codec);
    s.overlayDue.add(codec);
    try {
      await s.started;
      await this.variant(camera, config, s, codec);
    } catch (err) {
      if (this.sessions.get(camera) === s && s.codecs.delete(codec) && s.codecs.size === 0) {
        this.sessions.delete(camera);
        await this.release(camera, s);
      }
      throw new RevcamError('SERVICE_FAILED', `${name}: camera '${camera}' did not start in ${codec}: ${(err as Error).message}`, { cause: err });
    }
    return { width: s.source.width, height: s.source.height, fps: s.source.fps };
  }

  async closeCamera(camera: string, codec: CodecName): Promise<void> {
    this.config(camera);
    const s = this.sessions.get(camera);
    if (!s || !s.codecs.delete(codec)) return;
    const t = s.transcoders.get(codec);
    if (t) {
      s.transcoders.delete(codec);
      await t.stop();
      this.spawnSpare(camera);
    }
    if (s.codecs.size > 0) return;
    this.sessions.delete(camera);
    await this.release(camera, s);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.sessions];
    const spares = [...this.spares.values()];
    this.sessions.clear();
    this.spares.clear();
    await Promise.all([...all.map(([camera, s]) => this.release(camera, s)), ...spares.map((p) => p.kill())]);
  }

  /** Spawns a spare encoder for a camera unless it has one, or configured off, or the service stopped. */
  private spawnSpare(camera: string): void {
    const config = Object.hasOwn(this.ctx.cameras, camera) ? this.ctx.cameras[camera] : undefined;
    const from = config && knownSourceCodec(config);
    if (this.stopped || !config || config.h264.spareEncoder === false || !from || from === SPARE_CODEC) return;
    if (!this.ctx.manifest.codecs.includes(SPARE_CODEC) || this.spares.has(camera)) return;
    this.spares.set(camera, (this.options.spawnSpare ?? spawnSpareTranscoder)(from, SPARE_CODEC, config));
  }

  /** Replaces a camera's overlay; the next frame of each codec carries it. */
  setOverlay(camera: string, overlay: Overlay | undefined): void {
    const s = this.sessions.get(camera);
    if (!s) return;
    s.overlay = overlay;
    for (const c of s.codecs) s.overlayDue.add(c);
  }

  private config(camera: string): CameraConfig {
    const config = Object.hasOwn(this.ctx.cameras, camera) ? this.ctx.cameras[camera] : undefined;
    if (!config) {
      const { name } = this.ctx.manifest;
      throw new RevcamError('CAMERA_NOT_AVAILABLE', `${name}: no camera '${camera}' (has ${Object.keys(this.ctx.cameras).join(', ') || 'none'})`);
    }
    return config;
  }

  /** Starts the encoder for `codec` unless the source delivers it itself or one runs already. */
  private async variant(camera: string, config: CameraConfig, s: Session, codec: CodecName): Promise<void> {
    if (codec === s.source.codec || s.transcoders.has(codec)) return;
    // The spare is handed over whole (the transcoder's runner takes its process at start, if it still runs).
    const spare = codec === SPARE_CODEC && knownSourceCodec(config) === s.source.codec ? this.spares.get(camera) : undefined;
    if (spare) this.spares.delete(camera);
    const t = (this.options.createTranscoder ?? createTranscoder)(s.source.codec, codec, config, `camera '${camera}'`, spare);
    s.transcoders.set(codec, t);
    t.on('frame', (frame) => this.emit(camera, s, frame));
    // An encoder that dies is restarted by its runner; the camera itself is fine, so viewers are not told.
    t.on('lost', (reason) => this.ctx.log('warn', 'encoder restarting', { camera, codec, reason }));
    try {
      await t.start();
    } catch (err) {
      if (s.transcoders.get(codec) === t) s.transcoders.delete(codec);
      throw err;
    }
    this.ctx.log('info', 'encoder started', { camera, from: s.source.codec, to: codec, spare: spare !== undefined });
  }

  private emit(camera: string, s: Session, frame: SourceFrame): void {
    if (!s.codecs.has(frame.codec)) return;
    const due = s.overlayDue.delete(frame.codec);
    if (due && s.overlay) this.ctx.emitFrame(camera, frame, { overlay: s.overlay });
    else this.ctx.emitFrame(camera, frame);
  }

  private attach(camera: string, config: CameraConfig, codec: CodecName): Session {
    const { ctx } = this;
    const source = (this.options.createSource ?? createSource)(config, ctx.vehicle, { codec, name: camera });
    const s: Session = {
      source,
      codecs: new Set(),
      transcoders: new Map(),
      overlay: this.options.overlayFor?.(config, ctx.vehicle),
      overlayDue: new Set(),
      started: Promise.resolve(),
      resetEncoders: false,
      detach: () => {
        source.off('frame', onFrame).off('lost', onLost).off('restored', onRestored);
      },
    };
    const onFrame = (frame: SourceFrame): void => {
      if (s.resetEncoders) {
        s.resetEncoders = false;
        for (const t of s.transcoders.values()) t.reset();
      }
      this.emit(camera, s, frame);
      for (const t of s.transcoders.values()) t.feed(frame);
    };
    const onLost = (reason: string): void => {
      s.resetEncoders = true;
      ctx.emitStatus(camera, 'SOURCE_LOST', reason);
    };
    const onRestored = (): void => ctx.emitStatus(camera, 'SOURCE_RESTORED', `camera '${camera}' delivers frames again`);
    source.on('frame', onFrame).on('lost', onLost).on('restored', onRestored);
    s.started = source.start();
    ctx.log('info', 'camera opened', { camera, source: config.source, width: source.width, height: source.height, fps: source.fps });
    return s;
  }

  private async release(camera: string, s: Session): Promise<void> {
    s.detach();
    const encoders = [...s.transcoders.values()];
    s.transcoders.clear();
    await Promise.all([s.source.stop(), ...encoders.map((t) => t.stop())]);
    if (encoders.length > 0) this.spawnSpare(camera);
    this.ctx.log('info', 'camera released', { camera });
  }
}
