import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { projectGround } from '../../../src/geometry/cameraModel.js';
import type { SourceFrame } from '../../../src/source/Source.js';
import { SyntheticCamera } from '../../../src/source/synthetic/SyntheticCamera.js';
import { CONE } from '../../../src/source/synthetic/rearScene.js';
import { nowUs } from '../../../src/wire/frame.js';
import { smallCamera, vehicle } from './fixtures.js';

async function collect(cam: SyntheticCamera, ms: number): Promise<{ frames: SourceFrame[]; t0: number; t1: number }> {
  const frames: SourceFrame[] = [];
  const onFrame = (f: SourceFrame): void => void frames.push(f);
  cam.on('frame', onFrame);
  const t0 = nowUs();
  await cam.start();
  await sleep(ms);
  await cam.stop();
  const t1 = nowUs();
  cam.off('frame', onFrame);
  return { frames, t0, t1 };
}

test('frames arrive at roughly the configured rate, as valid JPEGs with honest capture times', async () => {
  const camera = smallCamera({ fps: 30 });
  const cam = new SyntheticCamera({ camera, vehicle });
  const { frames, t0, t1 } = await collect(cam, 1000);
  assert.ok(frames.length >= 10, `only ${frames.length} frames in 1 s at 30 fps`);
  // Drift-free slots, skipped rather than queued: never more frames than slots.
  assert.ok(frames.length <= 32, `${frames.length} frames in 1 s at 30 fps`);
  let prev = 0;
  for (const f of frames) {
    assert.equal(f.codec, 'jpeg');
    assert.equal(f.keyframe, true);
    assert.equal(f.width, 640);
    assert.equal(f.height, 360);
    assert.ok(f.captureUs > prev, 'captureUs strictly increasing');
    assert.ok(f.captureUs >= t0 && f.captureUs <= t1, 'captureUs within the run');
    prev = f.captureUs;
    assert.deepEqual([...f.data.subarray(0, 2)], [0xff, 0xd8]);
    assert.deepEqual([...f.data.subarray(-2)], [0xff, 0xd9]);
  }
  const meta = await sharp(frames[0]!.data).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.equal(meta.width, 640);
  assert.equal(meta.height, 360);
  for (let i = 1; i < frames.length; i++) {
    assert.ok(!Buffer.from(frames[i]!.data).equals(frames[i - 1]!.data), `frame ${i} repeats frame ${i - 1}`);
  }
});

test('the first frame comes at once, not one interval after start', async () => {
  // At 0.5 fps the first slot-driven frame would come 2 s after start.
  const cam = new SyntheticCamera({ camera: smallCamera({ fps: 0.5 }), vehicle });
  const { frames } = await collect(cam, 1500);
  assert.equal(frames.length, 1);
});

test('stop() stops frames; start and stop are idempotent; a stopped camera restarts', async () => {
  const cam = new SyntheticCamera({ camera: smallCamera({ fps: 30 }), vehicle });
  let count = 0;
  cam.on('frame', () => count++);
  await cam.start();
  await cam.start();
  await sleep(200);
  await cam.stop();
  await cam.stop();
  const atStop = count;
  assert.ok(atStop > 0);
  await sleep(200);
  assert.equal(count, atStop, 'no frame after stop() resolved');
  await cam.start();
  await sleep(200);
  await cam.stop();
  assert.ok(count > atStop, 'frames again after restart');
});

test('off() removes a listener', async () => {
  const cam = new SyntheticCamera({ camera: smallCamera({ fps: 30 }), vehicle });
  let count = 0;
  const listener = (): void => void count++;
  cam.on('frame', listener).off('frame', listener);
  await collect(cam, 150);
  assert.equal(count, 0);
});

/** Orange (cone) pixels of a decoded frame, and their mean x. */
async function orange(jpeg: Uint8Array): Promise<{ left: number; right: number; meanX: number }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  let left = 0, right = 0, sumX = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const o = (y * info.width + x) * info.channels;
      const [r, g, b] = [data[o]!, data[o + 1]!, data[o + 2]!];
      if (r > 200 && g > 60 && g < 160 && b < 80) {
        if (x < info.width / 2) left++;
        else right++;
        sumX += x;
      }
    }
  }
  return { left, right, meanX: sumX / Math.max(1, left + right) };
}

test('mirroring: the cone on the vehicle right shows on the image left, or right when mirrored', async () => {
  // At t = 4 s the block is at its farthest, clear of the cone.
  const timeUs = 4e6;
  for (const mirror of [false, true]) {
    const camera = smallCamera({ mirror });
    const cam = new SyntheticCamera({ camera, vehicle });
    const o = await orange(await cam.encode(timeUs, 0));
    const [big, small] = mirror ? [o.right, o.left] : [o.left, o.right];
    assert.ok(big > 100, `mirror=${mirror}: ${big} cone pixels on the expected side`);
    assert.ok(small < big / 10, `mirror=${mirror}: ${small} cone pixels on the wrong side`);
    const expected = projectGround(camera.calibration, { ...camera, mirror }, CONE.lateralM, CONE.behindM, CONE.heightM / 3)!;
    assert.ok(Math.abs(o.meanX - expected[0]) < 20, `cone at x=${o.meanX}, projection says ${expected[0]}`);
  }
});
