/**
 * A real V4L2 capture, where this machine has a camera. CI machines have
 * none: there the test skips and says so (the device options are covered by
 * test/unit/source/ffmpeg/ffmpegArgs.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { DEFAULT_CAMERA } from '../../../src/config/defaults.js';
import { FfmpegSource } from '../../../src/source/ffmpeg/FfmpegSource.js';
import type { SourceFrame } from '../../../src/source/Source.js';
import { requireCommand } from '../../helpers/requireCommand.js';

const devices = readdirSync('/dev').filter((d) => /^video\d+$/.test(d)).map((d) => `/dev/${d}`);
const device = process.env.REVCAM_TEST_V4L2 ?? devices[0];
const SKIP = device ? false : 'no V4L2 device (/dev/video*) on this machine: CI has no camera; set REVCAM_TEST_V4L2=/dev/videoN to pick one';
if (SKIP) process.stderr.write(`\n!!! SKIPPED: ${SKIP}\n\n`);

test('a V4L2 camera delivers frames through ffmpeg', { skip: SKIP }, async (t) => {
  if (!requireCommand(t, 'ffmpeg')) return;
  // The driver's default format and a size nearly every UVC camera offers.
  const fmt = process.env.REVCAM_TEST_V4L2_FORMAT ?? 'auto';
  const camera = { ...DEFAULT_CAMERA, source: `v4l2:${device}`, width: 640, height: 480, fps: 30, v4l2: { inputFormat: fmt } };
  const src = new FfmpegSource({ camera, spec: { kind: 'v4l2', device: device! }, encodeTo: 'jpeg' });
  const frames: SourceFrame[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${frames.length} frames from ${device}`)), 15_000);
    src.on('frame', (f) => frames.push(f) === 10 && (clearTimeout(timer), resolve()));
    src.on('lost', (why) => (clearTimeout(timer), reject(new Error(why))));
    src.start().catch(reject);
  });
  await src.stop();
  assert.ok(frames.every((f) => f.codec === src.codec && f.width > 0 && f.height > 0));
  if (src.codec === 'jpeg') assert.ok(frames.every((f) => f.data[0] === 0xff && f.data[1] === 0xd8));
});
