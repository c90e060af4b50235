/**
 * Real H.264 for the recorder's tests: ffmpeg encodes a test pattern
 * (320×180, 30 fps, a keyframe every 30 frames, no B-frames), the project's
 * AccessUnitSplitter cuts it into access units, and encodeFrame wraps each in
 * a revcam wire frame with a synthetic capture time, so tests drive time
 * themselves instead of waiting for it.
 */
import { spawnSync } from 'node:child_process';
import { AccessUnitSplitter, type AccessUnit } from '../../../src/codec/h264/AccessUnitSplitter.js';
import { encodeFrame } from '../../../src/wire/frame.js';
import type { FrameMeta } from '../../../src/wire/overlay.js';

export const FPS = 30;
export const GOP = 30;
export const FRAME_US = 1e6 / FPS;
/** Capture time of frame 0: 2026-12-07T06:45:00Z. */
export const T0_US = Date.UTC(2026, 11, 7, 6, 45, 0) * 1000;

const cache = new Map<number, AccessUnit[]>();

/** `seconds` of access units (cached per process: encoding is the slow part). */
export function accessUnits(seconds: number): AccessUnit[] {
  const hit = cache.get(seconds);
  if (hit) return hit;
  const r = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=${FPS}`, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(GOP), '-keyint_min', String(GOP), '-sc_threshold', '0', '-bf', '0', '-f', 'h264', '-'],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr.toString()}`);
  const aus: AccessUnit[] = [];
  const splitter = new AccessUnitSplitter((au) => aus.push(au));
  splitter.push(r.stdout, 0);
  splitter.flush();
  cache.set(seconds, aus);
  return aus;
}

/** Wire frame number `i` (looping over the encoded units, so any length of stream is available). */
export function wireFrame(aus: AccessUnit[], i: number, opts: { t0Us?: number; seq?: number; catchUp?: boolean; discontinuity?: boolean; meta?: FrameMeta } = {}): Buffer {
  const au = aus[i % aus.length]!;
  const f = encodeFrame({
    version: 1,
    codec: 'h264',
    keyframe: au.keyframe,
    discontinuity: opts.discontinuity ?? false,
    catchUp: opts.catchUp ?? false,
    seq: opts.seq ?? i,
    captureUs: (opts.t0Us ?? T0_US) + Math.round(i * FRAME_US),
    width: 320,
    height: 180,
    payload: au.data,
    ...(opts.meta && { meta: opts.meta }),
  });
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

export function captureUsOf(i: number, t0Us = T0_US): number {
  return t0Us + Math.round(i * FRAME_US);
}
