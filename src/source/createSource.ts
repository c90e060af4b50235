/**
 * Picks the Source implementation for a camera's `source` setting, and the
 * transcoder that turns a source's frames into another codec.
 */
import type { CameraConfig, VehicleConfig } from '../config/types.js';
import type { CodecName } from '../wire/frame.js';
import { FfmpegSource } from './ffmpeg/FfmpegSource.js';
import { FfmpegTranscoder } from './ffmpeg/FfmpegTranscoder.js';
import { probeAhead } from './ffmpeg/probe.js';
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

export function createTranscoder(from: CodecName, to: CodecName, camera: CameraConfig, name: string): Transcoder {
  return new FfmpegTranscoder({ from, to, camera, name });
}

/**
 * What a service can do for its cameras before any opens (at its start): the
 * synthetic scenes' backgrounds, the file and RTSP inputs' probes. Reverse
 * gear then waits for neither.
 */
export function prewarmSources(cameras: Readonly<Record<string, CameraConfig>>, vehicle: VehicleConfig): void {
  prewarmScenes(cameras, vehicle);
  for (const camera of Object.values(cameras)) {
    const spec = parseSourceSpec(camera.source);
    if (spec.kind === 'file' || spec.kind === 'rtsp') probeAhead(spec, camera);
  }
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
