import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSource } from '../../../src/source/createSource.js';
import { SyntheticCamera } from '../../../src/source/synthetic/SyntheticCamera.js';
import { smallCamera, vehicle } from './fixtures.js';

test('createSource builds the synthetic camera with the configured size and rate', () => {
  const s = createSource(smallCamera({ fps: 15 }), vehicle);
  assert.ok(s instanceof SyntheticCamera);
  assert.deepEqual([s.width, s.height, s.fps, s.codec], [640, 360, 15, 'jpeg']);
});

test('createSource refuses sources it does not implement yet, naming them', () => {
  assert.throws(() => createSource(smallCamera({ source: 'v4l2:/dev/video0' }), vehicle), /unsupported camera source 'v4l2:\/dev\/video0'/);
});
