/**
 * A real camera (V4L2 device, RTSP camera or a clip played as one) captured
 * by a supervised ffmpeg process. H.264 and MJPEG from the camera are copied
 * through untouched; anything else is encoded once, to the codec the first
 * viewer asked for. Capture time is when a frame's first byte reaches
 * revcam: the earliest instant revcam can vouch for.
 */
import { access, constants } from 'node:fs/promises';
import type { CameraConfig } from '../../config/types.js';
import type { CodecName } from '../../wire/frame.js';
import type { Source, SourceFrame } from '../Source.js';
import { captureArgs, passthroughCodec, v4l2InputCodec, type InputInfo } from './ffmpegArgs.js';
import { FfmpegRunner } from './FfmpegRunner.js';
import { probeAhead, probeInput, takeProbeAhead } from './probe.js';
import { describeSource, type SourceSpec } from './sourceSpec.js';
import { SourceEmitter } from '../SourceEmitter.js';

export type RealSourceSpec = Exclude<SourceSpec, { kind: 'synthetic' }>;

export interface FfmpegSourceOptions {
  camera: CameraConfig;
  spec: RealSourceSpec;
  /** The codec to encode to when the camera's own codec cannot be passed through. */
  encodeTo?: CodecName;
  /** Replaceable for tests of the device path. */
  probe?: (spec: RealSourceSpec, camera: CameraConfig) => Promise<InputInfo>;
  backoff?: { initialMs: number; maxMs: number };
}

export class FfmpegSource extends SourceEmitter implements Source {
  #width: number;
  #height: number;
  #fps: number;
  #codec: CodecName;
  readonly #opts: FfmpegSourceOptions;
  #runner: FfmpegRunner | undefined;
  #stopped = false;
  /** What the input carries, once known. */
  input: InputInfo | undefined;

  constructor(opts: FfmpegSourceOptions) {
    super();
    this.#opts = opts;
    const { camera } = opts;
    this.#width = camera.width;
    this.#height = camera.height;
    this.#fps = camera.fps;
    this.#codec = opts.spec.kind === 'v4l2' ? (passthroughCodec(v4l2InputCodec(camera.v4l2.inputFormat)) ?? opts.encodeTo ?? 'jpeg') : (opts.encodeTo ?? 'jpeg');
  }

  get width(): number {
    return this.#width;
  }
  get height(): number {
    return this.#height;
  }
  get fps(): number {
    return this.#fps;
  }
  /** The codec this source delivers; final once start() resolved (an RTSP camera's is learnt by probing). */
  get codec(): CodecName {
    return this.#codec;
  }

  /** The running ffmpeg's pid (tests kill it to simulate a camera failure). */
  get pid(): number | undefined {
    return this.#runner?.pid;
  }

  get description(): string {
    return describeSource(this.#opts.spec);
  }

  async start(): Promise<void> {
    if (this.#runner?.running) return;
    this.#stopped = false;
    const { camera, spec } = this.#opts;
    if (spec.kind !== 'rtsp') {
      const path = spec.kind === 'v4l2' ? spec.device : spec.path;
      try {
        await access(path, constants.R_OK);
      } catch {
        throw new Error(`${this.description}: ${path} does not exist or cannot be read`);
      }
    }
    const input =
      spec.kind === 'v4l2'
        ? { codec: v4l2InputCodec(camera.v4l2.inputFormat), width: camera.width, height: camera.height, fps: camera.fps }
        : await (this.#opts.probe ?? ((s: RealSourceSpec, c: CameraConfig) => takeProbeAhead(s, c) ?? probeInput(s, c)))(spec, camera).catch((err: Error) => {
            throw new Error(`${this.description}: ${err.message}`);
          });
    if (this.#stopped) return;
    this.input = input;
    this.#codec = passthroughCodec(input.codec) ?? this.#opts.encodeTo ?? 'jpeg';
    this.#width = input.width;
    this.#height = input.height;
    this.#fps = input.fps;
    const codec = this.#codec;
    const runner = new FfmpegRunner({
      name: this.description,
      args: () => captureArgs(spec, camera, input, codec),
      output: codec,
      stallTimeoutMs: camera.stallTimeoutMs,
      ...(this.#opts.backoff && { backoff: this.#opts.backoff }),
    });
    runner.on('frame', (f) => {
      if (f.width && f.height) {
        this.#width = f.width;
        this.#height = f.height;
      }
      const frame: SourceFrame = { codec, keyframe: f.keyframe, captureUs: f.arrivalUs, width: this.#width, height: this.#height, data: f.data };
      this.emitSource('frame', frame);
    });
    runner.on('lost', (reason) => this.emitSource('lost', reason));
    runner.on('restored', () => this.emitSource('restored'));
    this.#runner = runner;
    await runner.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#runner?.stop();
    // The next open (the next reverse) finds its probe made, and made after this one: a replaced camera is seen.
    const { spec, camera } = this.#opts;
    if (spec.kind !== 'v4l2' && !this.#opts.probe && this.#runner) probeAhead(spec, camera);
  }

}
