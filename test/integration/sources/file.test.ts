/**
 * `file:` sources with real clips that ffmpeg makes here: H.264 and MJPEG are
 * passed through byte for byte, other codecs are encoded once, the clip plays
 * in real time and loops, and a killed ffmpeg is restarted with the viewers
 * told (lost, then restored).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CAMERA } from '../../../src/config/defaults.js';
import type { CameraConfig } from '../../../src/config/types.js';
import { FfmpegSource } from '../../../src/source/ffmpeg/FfmpegSource.js';
import type { SourceFrame } from '../../../src/source/Source.js';
import { hasCommand, requireCommand } from '../../helpers/requireCommand.js';
import { clipAccessUnits, clipJpegs, decodeH264, hasParameterSets, makeClip, slices, x264Clip } from './media.js';

const dir = mkdtempSync(join(tmpdir(), 'revcam-file-'));
const clips: Record<string, string> = {};
before(async () => {
  if (!hasCommand('ffmpeg')) return;
  // One second at 30 fps, a keyframe every 10 frames, two slices per picture.
  clips.h264 = await makeClip(join(dir, 'rear.mp4'), { width: 320, height: 240, fps: 30, seconds: 1, codec: x264Clip(10) });
  clips.mjpeg = await makeClip(join(dir, 'rear.mkv'), { width: 320, height: 240, fps: 30, seconds: 1, codec: ['-c:v', 'mjpeg', '-q:v', '5'] });
  clips.mpeg4 = await makeClip(join(dir, 'rear.avi'), { width: 320, height: 240, fps: 30, seconds: 1, codec: ['-c:v', 'mpeg4'] });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const camera = (path: string, over: Partial<CameraConfig> = {}): CameraConfig => ({ ...DEFAULT_CAMERA, source: `file:${path}`, width: 320, height: 240, ...over });

/** Starts a source and collects its frames until `n` arrived. */
async function collect(src: FfmpegSource, n: number, timeoutMs = 20_000): Promise<SourceFrame[]> {
  const frames: SourceFrame[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${frames.length} of ${n} frames`)), timeoutMs);
    src.on('frame', (f) => {
      frames.push(f);
      if (frames.length === n) {
        clearTimeout(timer);
        resolve();
      }
    });
    src.start().catch(reject);
  });
  await src.stop();
  return frames;
}

test('an H.264 clip plays in real time and loops, its pictures passed through byte for byte', async (t) => {
  if (!requireCommand(t, 'ffmpeg')) return;
  const file = await clipAccessUnits(clips.h264!);
  assert.equal(file.length, 30);
  const src = new FfmpegSource({ camera: camera(clips.h264!), spec: { kind: 'file', path: clips.h264! } });
  const frames = await collect(src, 45);
  assert.deepEqual([src.codec, src.input?.codec, src.width, src.height], ['h264', 'h264', 320, 240], 'copied, not re-encoded');
  frames.forEach((f, i) => {
    assert.equal(f.codec, 'h264');
    assert.deepEqual(slices(f.data), slices(file[i % 30]!), `frame ${i}: the clip's slices, unchanged`);
    assert.equal(f.keyframe, i % 10 === 0, `frame ${i} keyframe flag`);
    if (f.keyframe) assert.ok(hasParameterSets(f.data), `keyframe ${i} carries SPS and PPS`);
  });
  // 44 intervals of 1/30 s: a clip read as fast as possible would take a small fraction of that.
  const spanMs = (frames.at(-1)!.captureUs - frames[0]!.captureUs) / 1000;
  assert.ok(spanMs >= 1000, `played in real time (-re): 45 frames over ${spanMs.toFixed(0)} ms`);
  assert.ok(frames.every((f, i) => i === 0 || f.captureUs >= frames[i - 1]!.captureUs), 'capture times never go backwards');
  assert.equal(await decodeH264(frames.map((f) => f.data)), 45, 'ffmpeg decodes every frame');
});

test('an MJPEG clip is passed through as JPEG, image for image', async (t) => {
  if (!requireCommand(t, 'ffmpeg')) return;
  const file = await clipJpegs(clips.mjpeg!);
  const src = new FfmpegSource({ camera: camera(clips.mjpeg!), spec: { kind: 'file', path: clips.mjpeg! }, encodeTo: 'h264' });
  const frames = await collect(src, 10);
  assert.equal(src.codec, 'jpeg', 'MJPEG is delivered as JPEG even when H.264 was asked for: no re-encode');
  frames.forEach((f, i) => {
    assert.deepEqual(Buffer.from(f.data), file[i], `image ${i}`);
    assert.deepEqual([f.width, f.height, f.keyframe], [320, 240, true]);
  });
});

test('a clip in another codec is encoded once, to the codec the first viewer asked for', async (t) => {
  if (!requireCommand(t, 'ffmpeg')) return;
  for (const encodeTo of ['h264', 'jpeg'] as const) {
    const src = new FfmpegSource({ camera: camera(clips.mpeg4!), spec: { kind: 'file', path: clips.mpeg4! }, encodeTo });
    const frames = await collect(src, 12);
    assert.deepEqual([src.input?.codec, src.codec], ['mpeg4', encodeTo]);
    assert.ok(frames.every((f) => f.codec === encodeTo && f.width === 320 && f.height === 240));
    if (encodeTo === 'h264') {
      assert.ok(frames[0]!.keyframe && hasParameterSets(frames[0]!.data), 'the encode starts with a self-contained keyframe');
      assert.equal(await decodeH264(frames.map((f) => f.data)), 12);
    } else assert.ok(frames.every((f) => f.data[0] === 0xff && f.data[1] === 0xd8));
  }
});

test('a missing file fails to start, naming the path', async (t) => {
  if (!requireCommand(t, 'ffmpeg')) return;
  const path = join(dir, 'nope.mp4');
  const src = new FfmpegSource({ camera: camera(path), spec: { kind: 'file', path } });
  await assert.rejects(src.start(), new RegExp(`${path}.*does not exist`));
});

test('a killed ffmpeg is noticed at once, reported lost, restarted, and reported restored with frames', async (t) => {
  if (!requireCommand(t, 'ffmpeg')) return;
  const src = new FfmpegSource({ camera: camera(clips.h264!), spec: { kind: 'file', path: clips.h264! }, backoff: { initialMs: 50, maxMs: 500 } });
  const events: string[] = [];
  let after = 0;
  src.on('lost', (why) => events.push(`lost: ${why}`));
  src.on('restored', () => events.push('restored'));
  src.on('frame', (f) => {
    if (events.includes('restored')) {
      if (after++ === 0) events.push(`first frame after: ${f.keyframe ? 'keyframe' : 'delta'}`);
    }
  });
  await collect(new FfmpegSource({ camera: camera(clips.h264!), spec: { kind: 'file', path: clips.h264! } }), 1); // warm the file cache
  await src.start();
  await until(() => src.pid !== undefined);
  const first = src.pid!;
  await new Promise((r) => setTimeout(r, 300));
  process.kill(first, 'SIGKILL');
  await until(() => after >= 5);
  const second = src.pid;
  await src.stop();
  assert.match(events[0]!, /^lost: file:.*ffmpeg exited \(SIGKILL\)/);
  assert.deepEqual(events.slice(1), ['restored', 'first frame after: keyframe']);
  assert.ok(second && second !== first, 'a new ffmpeg process delivers the frames');
});

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
