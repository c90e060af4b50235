/**
 * Drives a Recorder with generated frames on a fake clock (helper, not a test).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Recorder, type RecorderOptions } from '../../../src/recorder/Recorder.js';
import { accessUnits, captureUsOf, wireFrame } from './h264Fixture.js';

export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'revcam-rec-'));
}

export class Harness {
  nowUs = captureUsOf(0);
  next = 0;
  readonly aus = accessUnits(10);
  constructor(readonly rec: Recorder) {}

  static async open(o: Partial<RecorderOptions> & { dir?: string } = {}): Promise<Harness> {
    const box: { h?: Harness } = {};
    const rec = await Recorder.open({ dir: o.dir ?? tempDir(), maxBytes: 1e9, minFreeBytes: 0, tickMs: 0, clock: () => box.h!.nowUs, ...o });
    box.h = new Harness(rec);
    return box.h;
  }

  /** Pushes frames up to and including number `last`, moving the clock with them. */
  pushTo(last: number): void {
    for (; this.next <= last; this.next++) {
      this.nowUs = captureUsOf(this.next);
      this.rec.pushFrame(wireFrame(this.aus, this.next));
    }
  }
}

export interface Packet {
  pts: number;
  key: boolean;
}

/** The mp4's video packets as ffprobe reads them (pts in seconds). */
export function probePackets(file: string): Packet[] {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pts, flags] = l.split(',');
      return { pts: Number(pts), key: (flags ?? '').includes('K') };
    });
}

/** What `ffprobe -v error` prints about the file (nothing when it is sound). */
export function probeErrors(file: string): string {
  const r = spawnSync('ffprobe', ['-v', 'error', file], { encoding: 'utf8' });
  return (r.stderr + (r.status === 0 ? '' : `exit ${r.status}`)).trim();
}

/** Decodes every frame; returns the count and ffmpeg's complaints. */
export function decodeCount(file: string): { frames: number; errors: string } {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return { frames: Number(r.stdout.trim()), errors: r.stderr.trim() };
}

export function closed(rec: Recorder, id: string): Promise<import('../../../src/recorder/Manifest.js').ClipManifest> {
  return new Promise((resolve) => {
    const on = (m: import('../../../src/recorder/Manifest.js').ClipManifest, phase: string) => {
      if (m.id === id && phase === 'closed') {
        rec.off('clip', on);
        resolve(m);
      }
    };
    rec.on('clip', on);
  });
}
