/**
 * Picks the Source implementation for a camera's `source` setting, and the
 * transcoder that turns a source's frames into another codec.
 */
import type { CameraConfig, VehicleConfig } from '../config/types.js';
import type { CodecName } from '../wire/frame.js';
import { FfmpegSource } from './ffmpeg/FfmpegSource.js';
import { FfmpegTranscoder } from './ffmpeg/FfmpegTranscoder.js';
import { parseSourceSpec } from './ffmpeg/sourceSpec.js';
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
