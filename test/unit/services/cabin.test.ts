import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import { checkManifest } from '../../../src/service/manifest.js';
import cabin from '../../../src/services/cabin/index.js';
import { manifest } from '../../../src/services/cabin/manifest.js';
import { fakeContext, until } from './fakeContext.js';

test('the cabin manifest is valid and offers the cabin camera', () => {
  const m = checkManifest(manifest, 'builtin:cabin');
  assert.deepEqual([m.name, m.kind, m.cameras, m.codecs], ['cabin-view', 'cabin-view', ['cabin'], ['jpeg', 'h264']]);
});

test('cabin-view emits cabin frames without an overlay and stops on close', async () => {
  const camera = DEFAULT_CONFIG.cameras.cabin!;
  const ctx = fakeContext(manifest, { cabin: camera });
  const logic = await cabin(ctx);
  assert.deepEqual(await logic.openCamera('cabin', 'jpeg'), { width: camera.width, height: camera.height, fps: camera.fps });
  await until(() => ctx.frames.length >= 2);
  assert.ok(ctx.frames.every((f) => f.camera === 'cabin' && f.meta === undefined));
  await assert.rejects(logic.openCamera('rear', 'jpeg'), { code: 'CAMERA_NOT_AVAILABLE' });
  await logic.closeCamera('cabin', 'jpeg');
  const n = ctx.frames.length;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(ctx.frames.length, n);
});
