/**
 * Picks the Source implementation for a camera's `source` setting, and the
 * transcoder that turns a source's frames into another codec.
 */
import type { CameraConfig, VehicleConfig } from '../config/types.js';
import type { CodecName } from '../wire/frame.js';
import { FfmpegSource } from './ffmpeg/FfmpegSource.js';
import { FfmpegTranscoder } from './ffmpeg/FfmpegTranscoder.js';
import { probeAhead } from './ffmpeg/probe.js';
import { mpjpegPart, transcodeArgs } from './ffmpeg/ffmpegArgs.js';
import { SpareProcess } from './ffmpeg/SpareProcess.js';
import { parseSourceSpec } from './ffmpeg/sourceSpec.js';
import { prewarmScenes } from './synthetic/scene.js';
import type { Source, SourceFrame } from './Source.js';
import { SyntheticCamera } from './synthetic/SyntheticCamera.js';

export interface CreateSourceOptions {
  /** The codec of the first viewer: what a source that must encode anyway encodes to. */
  codec?: CodecName;
  /** The camera's id (a synthetic camera burns it into its stamp). */
  name?: string;
}

/** A source of one codec fed with the frames of another. */
export interface Transcoder extends Source {
  feed(frame: SourceFrame): void;
  /** Starts a fresh encode whose first frame is a keyframe (after the camera was lost). */
  reset(): void;
}

export function createSource(camera: CameraConfig, vehicle: VehicleConfig, opts: CreateSourceOptions = {}): Source {
  const spec = parseSourceSpec(camera.source);
  if (spec.kind === 'synthetic') return new SyntheticCamera({ camera, vehicle, ...(opts.name !== undefined && { name: opts.name }) });
  return new FfmpegSource({ camera, spec, ...(opts.codec && { encodeTo: opts.codec }) });
}

export function createTranscoder(from: CodecName, to: CodecName, camera: CameraConfig, name: string, spare?: SpareProcess): Transcoder {
  return new FfmpegTranscoder({ from, to, camera, name, ...(spare && { spare }) });
}

/**
 * The codec a camera's frames come in before any viewer asked, when that is
 * known without starting it (a synthetic camera renders JPEG); undefined
 * otherwise (an ffmpeg input encodes to its first viewer's codec itself).
 */
export function knownSourceCodec(camera: CameraConfig): CodecName | undefined {
  return parseSourceSpec(camera.source).kind === 'synthetic' ? 'jpeg' : undefined;
}

/**
 * An idle encoder from `from` to `to` for a camera, spawned now for the
 * codec's first viewer to take (see SpareProcess.ts). JPEG in: primed with a
 * black picture of the camera's size, so its decoder, scaler and encoder are
 * set up before the first real picture arrives.
 */
export function spawnSpareTranscoder(from: CodecName, to: CodecName, camera: CameraConfig): SpareProcess {
  return new SpareProcess(transcodeArgs(from, to, camera), from === 'jpeg' ? blackJpeg(camera).then(mpjpegPart) : undefined);
}

async function blackJpeg(camera: CameraConfig): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  return sharp({ create: { width: camera.width, height: camera.height, channels: 3, background: '#000' } }).jpeg({ quality: 50 }).toBuffer();
}

/**
 * What a service can do for its cameras before any opens (at its start): the
 * synthetic scenes' backgrounds, the file and RTSP inputs' probes. Reverse
 * gear then waits for neither. One camera per event-loop turn, in config
 * order, after the caller's turn: a service is ready without waiting for
 * four backgrounds, and an open arriving meanwhile (reverse gear at boot) is
 * served between two of them rather than behind all of them.
 */
export function prewarmSources(cameras: Readonly<Record<string, CameraConfig>>, vehicle: VehicleConfig): void {
  const queue = Object.entries(cameras);
  const next = () => {
    const entry = queue.shift();
    if (!entry) return;
    const [name, camera] = entry;
    prewarmScenes({ [name]: camera }, vehicle);
    const spec = parseSourceSpec(camera.source);
    if (spec.kind === 'file' || spec.kind === 'rtsp') probeAhead(spec, camera);
    setImmediate(next).unref();
  };
  setImmediate(next).unref();
}

/**
 * Loads and exercises the camera layer once (sharp's JPEG encoder on a tiny
 * picture: its threads and codecs come up), for a spare service host
 * waiting for its service (src/host/spareHost.ts).
 */
export async function warmCameraLayer(): Promise<void> {
  const { default: sharp } = await import('sharp');
  await sharp(Buffer.alloc(16 * 16 * 3), { raw: { width: 16, height: 16, channels: 3 } }).jpeg().toBuffer();
}
