/**
 * One codec variant of a camera: an ffmpeg process fed with the camera's
 * frames on stdin that delivers them in another codec (JPEG → H.264 for the
 * synthetic camera or an MJPEG webcam; H.264 → JPEG for an H.264 camera's
 * JPEG viewers). One per camera and codec, however many viewers.
 *
 * Each output frame keeps the capture time of the input frame it came from
 * (the encoders here emit one picture per input picture, in order). When the
 * encoder falls behind, input frames are dropped rather than queued, so the
 * variant's delay stays bounded; H.264 input is then resumed at a keyframe.
 */
import type { CameraConfig } from '../../config/types.js';
import { FlvH264Writer } from '../../codec/flv/FlvH264Writer.js';
import { nowUs, type CodecName } from '../../wire/frame.js';
import type { SourceFrame } from '../Source.js';
import type { Transcoder } from '../createSource.js';
import { mpjpegPart, transcodeArgs } from './ffmpegArgs.js';
import { FfmpegRunner } from './FfmpegRunner.js';
import type { SpareProcess } from './SpareProcess.js';
import { SourceEmitter } from '../SourceEmitter.js';

export interface FfmpegTranscoderOptions {
  from: CodecName;
  to: CodecName;
  camera: CameraConfig;
  /** For messages, e.g. `camera 'rear'`. */
  name: string;
  /** An encoder process spawned ahead with `transcodeArgs(from, to, camera, { spare: true })`, taken by start(). */
  spare?: SpareProcess;
}

/** Input frames inside ffmpeg (written, not yet out) at which new input is dropped. */
const MAX_IN_FLIGHT = 5;

export class FfmpegTranscoder extends SourceEmitter implements Transcoder {
  readonly codec: CodecName;
  readonly from: CodecName;
  #width: number;
  #height: number;
  readonly fps: number;
  readonly #runner: FfmpegRunner;
  #writer = new FlvH264Writer();
  #needKeyframe = true;
  /** Capture times of the frames inside ffmpeg, oldest first. */
  #captures: number[] = [];
  /** No live picture has come out of this process yet. */
  #warming = true;
  /** The process was a spare, started long before its first picture: that picture is live, kept. */
  #keepFirst = false;
  /** The process was a primed spare: its first output picture is the priming one, dropped. */
  #primeDue = false;
  fed = 0;
  droppedIn = 0;

  constructor(opts: FfmpegTranscoderOptions) {
    super();
    this.from = opts.from;
    this.codec = opts.to;
    this.#width = opts.camera.width;
    this.#height = opts.camera.height;
    this.fps = opts.camera.fps;
    this.#runner = new FfmpegRunner({
      name: `${opts.name} ${opts.from}→${opts.to} encoder`,
      args: () => transcodeArgs(opts.from, opts.to, opts.camera),
      output: opts.to,
      stdin: true,
      stallWatch: 'whenFed',
      pendingInput: () => this.#captures.length,
      stallTimeoutMs: opts.camera.stallTimeoutMs,
      backoff: { initialMs: 50, maxMs: 2000 },
      ...(opts.spare && { spare: () => opts.spare!.take() }),
    });
    this.#runner.on('spawned', (_pid, spare, primed) => {
      this.#writer = new FlvH264Writer();
      this.#needKeyframe = true;
      this.#captures = [];
      this.#warming = true;
      this.#keepFirst = spare;
      this.#primeDue = primed;
    });
    this.#runner.on('frame', (f) => {
      if (this.#primeDue) {
        this.#primeDue = false; // the spare's priming picture (SpareProcess.ts): written before any real one
        return;
      }
      const captureUs = this.#captures.shift() ?? f.arrivalUs;
      // A viewer's first picture must be live, but ffmpeg takes a few hundred ms to start, and
      // what was fed meanwhile comes out old. JPEG in: only one picture is fed until ffmpeg
      // answers, and it is thrown away; the next is fed fresh (and made a keyframe, see
      // transcodeArgs). H.264 in cannot skip pictures (they refer to each other): old JPEG
      // pictures out are dropped instead. A spare process had started long before: its first
      // real picture is as fresh as any and a keyframe (see transcodeArgs), so it is kept.
      if (this.#warming) {
        if (this.from === 'jpeg') {
          this.#warming = false;
          if (!this.#keepFirst) return;
        } else {
          if (nowUs() - captureUs > (2 * 1e6) / this.fps) return;
          this.#warming = false;
        }
      }
      if (f.width && f.height) {
        this.#width = f.width;
        this.#height = f.height;
      }
      const frame: SourceFrame = { codec: this.codec, keyframe: f.keyframe, captureUs, width: this.#width, height: this.#height, data: f.data };
      this.emitSource('frame', frame);
    });
    this.#runner.on('lost', (reason) => this.emitSource('lost', reason));
    this.#runner.on('restored', () => this.emitSource('restored'));
  }

  get width(): number {
    return this.#width;
  }
  get height(): number {
    return this.#height;
  }
  get pid(): number | undefined {
    return this.#runner.pid;
  }

  start(): Promise<void> {
    return this.#runner.start();
  }

  stop(): Promise<void> {
    return this.#runner.stop();
  }

  /** Starts a fresh encode (its first frame a keyframe), e.g. after the camera came back. */
  reset(): void {
    this.#runner.restartNow();
  }

  feed(frame: SourceFrame): void {
    if (!this.#runner.running || frame.codec !== this.from) return;
    const limit = this.#warming && this.from === 'jpeg' ? 1 : MAX_IN_FLIGHT;
    if (this.#captures.length >= limit) {
      this.droppedIn++;
      if (this.from === 'h264') this.#needKeyframe = true;
      return;
    }
    let bytes: Buffer;
    if (this.from === 'h264') {
      if (this.#needKeyframe && !frame.keyframe) return;
      const parts = this.#writer.write(frame.data, frame.keyframe, frame.captureUs / 1000);
      if (parts.length === 0) return;
      this.#needKeyframe = false;
      bytes = Buffer.concat(parts);
    } else {
      bytes = mpjpegPart(frame.data);
    }
    if (this.#runner.write(bytes)) {
      this.#captures.push(frame.captureUs);
      this.fed++;
    }
  }

}
