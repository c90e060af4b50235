/**
 * The bench's H.264 input: a clip encoded once by ffmpeg (libx264, the
 * documented low-latency settings: ultrafast, zerolatency, no B-frames, a
 * keyframe every second, 4 Mb/s) and paced out in real time, one access unit
 * per frame slot, each carrying its capture stamp in an SEI (bench/h264.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { nowUs } from '../src/wire/frame.js';
import { accessUnits, annexB, AUD, nalType, NAL, splitNals, stampSei, type AccessUnit } from './h264.js';

export interface ClipSpec {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  kbps: number;
}

export const DEFAULT_CLIP: ClipSpec = { width: 1280, height: 720, fps: 30, seconds: 10, kbps: 4000 };

/** Encodes the clip once (cached in the temp dir by its parameters); returns its path. */
export function ensureClip(spec: ClipSpec = DEFAULT_CLIP): string {
  const dir = join(tmpdir(), 'revcam-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `clip-${spec.width}x${spec.height}-${spec.fps}-${spec.seconds}s-${spec.kbps}k.h264`);
  if (existsSync(file)) return file;
  const gop = Math.round(spec.fps);
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`,
    '-t', String(spec.seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0',
    '-b:v', `${spec.kbps}k`, '-maxrate', `${spec.kbps}k`, '-bufsize', `${Math.round(spec.kbps / 2)}k`,
    '-x264-params', 'aud=1:repeat-headers=1',
    '-f', 'h264', `${file}.part`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  execFileSync('mv', [`${file}.part`, file]);
  return file;
}

/** The same clip in an MP4 (stream copy, no re-encode), for revcam's `file:` camera source, which plays it as a camera. */
export function ensureClipMp4(spec: ClipSpec = DEFAULT_CLIP): string {
  const h264 = ensureClip(spec);
  const file = h264.replace(/\.h264$/, '.mp4');
  if (existsSync(file)) return file;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'h264', '-framerate', String(spec.fps), '-i', h264, '-c:v', 'copy', '-movflags', '+faststart', '-f', 'mp4', `${file}.part`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  execFileSync('mv', [`${file}.part`, file]);
  return file;
}

export function loadClip(file: string): AccessUnit[] {
  const aus = accessUnits(splitNals(readFileSync(file)));
  if (aus.length === 0 || !aus[0]!.keyframe) throw new Error(`${file}: no access units, or not starting with a keyframe`);
  return aus;
}

/** One access unit as Annex-B with the stamp SEI just before its first slice. */
export function stampedAccessUnit(au: AccessUnit, captureUs: number): Buffer {
  const nals: Buffer[] = [];
  let stamped = false;
  for (const n of au.nals) {
    const t = nalType(n);
    if (!stamped && (t === NAL.slice || t === NAL.idr)) {
      nals.push(stampSei(captureUs));
      stamped = true;
    }
    nals.push(n);
  }
  return annexB(nals);
}

/**
 * Writes the clip's access units to `out` in real time, looping. Each unit is
 * followed by the next one's delimiter, so a parser downstream (ffmpeg's)
 * knows the unit is complete at once instead of waiting for the next frame.
 */
export class Pacer {
  #timer: NodeJS.Timeout | undefined;
  #n = 0;
  #t0 = 0;
  #stopped = false;
  /** Frames not written because the consumer was not draining (it is never buffered for). */
  skipped = 0;

  constructor(
    private readonly aus: AccessUnit[],
    private readonly fps: number,
    private readonly out: Writable,
  ) {}

  start(): void {
    this.#t0 = performance.now();
    this.out.write(annexB([AUD]));
    this.#tick();
  }

  #tick = (): void => {
    if (this.#stopped) return;
    const au = this.aus[this.#n % this.aus.length]!;
    // Skipping would break the reference chain: a stalled consumer gets frames late, which the latency shows.
    this.out.write(Buffer.concat([stampedAccessUnit(au, nowUs()), annexB([AUD])]));
    this.#n++;
    this.#timer = setTimeout(this.#tick, Math.max(0, this.#t0 + (this.#n * 1000) / this.fps - performance.now()));
  };

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
