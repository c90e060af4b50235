import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSource } from '../../../src/source/createSource.js';
import { FfmpegSource } from '../../../src/source/ffmpeg/FfmpegSource.js';
import { SyntheticCamera } from '../../../src/source/synthetic/SyntheticCamera.js';
import { smallCamera, vehicle } from './fixtures.js';

test('createSource builds the synthetic camera with the configured size and rate', () => {
  const s = createSource(smallCamera({ fps: 15 }), vehicle);
  assert.ok(s instanceof SyntheticCamera);
  assert.deepEqual([s.width, s.height, s.fps, s.codec], [640, 360, 15, 'jpeg']);
});

test('createSource builds an ffmpeg source for v4l2, rtsp and file sources without starting anything', () => {
  for (const source of ['v4l2:/dev/video0', 'rtsp://127.0.0.1:8554/rear', 'file:clip.mp4']) {
    const s = createSource(smallCamera({ source }), vehicle, { codec: 'h264' });
    assert.ok(s instanceof FfmpegSource, source);
    assert.equal(s.pid, undefined, `${source}: no process before start()`);
  }
});

test('createSource refuses sources it does not know, naming them', () => {
  assert.throws(() => createSource(smallCamera({ source: 'http://cam/video' }), vehicle), /unsupported camera source 'http:\/\/cam\/video'/);
  assert.throws(() => createSource(smallCamera({ source: 'v4l2:video0' }), vehicle), /expected v4l2:\/dev\/videoN/);
});
