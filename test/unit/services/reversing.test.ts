import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { staticOverlay } from '../../../src/geometry/guidelines.js';
import { checkManifest } from '../../../src/service/manifest.js';
import reversing from '../../../src/services/reversing/index.js';
import { manifest } from '../../../src/services/reversing/manifest.js';
import { smallCamera, vehicle } from '../source/fixtures.js';
import { fakeContext, until } from './fakeContext.js';

const rear = smallCamera({ fps: 30 });

test('the reversing manifest is valid and offers the rear camera in jpeg', () => {
  const m = checkManifest(manifest, 'builtin:reversing');
  assert.deepEqual([m.name, m.kind, m.cameras, m.codecs, m.module], ['reversing', 'reversing', ['rear'], ['jpeg'], './index.js']);
});

test('reversing emits rear frames; the first carries the guideline overlay, later ones do not; close stops them', async () => {
  const ctx = fakeContext(manifest, { rear });
  const logic = await reversing(ctx);
  const opened = await logic.openCamera('rear', 'jpeg');
  assert.deepEqual(opened, { width: 640, height: 360, fps: 30 });
  await until(() => ctx.frames.length >= 4);

  assert.ok(ctx.frames.every((f) => f.camera === 'rear' && f.frame.codec === 'jpeg' && f.frame.width === 640));
  const first = ctx.frames[0]!;
  assert.equal(first.meta?.overlay?.bands.length, 3);
  assert.deepEqual(first.meta.overlay, staticOverlay(rear.calibration, { width: 640, height: 360, mirror: rear.mirror }, vehicle));
  for (const later of ctx.frames.slice(1)) assert.equal(later.meta, undefined);

  await logic.closeCamera('rear', 'jpeg');
  const atClose = ctx.frames.length;
  await sleep(200);
  assert.equal(ctx.frames.length, atClose, 'no frames after closeCamera');

  // Opening again sends the overlay again with the first frame.
  await logic.openCamera('rear', 'jpeg');
  await until(() => ctx.frames.length > atClose + 1);
  assert.ok(ctx.frames[atClose]!.meta?.overlay);
  assert.equal(ctx.frames[atClose + 1]!.meta, undefined);
  await logic.stop();
  const atStop = ctx.frames.length;
  await sleep(200);
  assert.equal(ctx.frames.length, atStop, 'no frames after stop');
});

test('reversing refuses unknown cameras and codecs with coded errors', async () => {
  const logic = await reversing(fakeContext(manifest, { rear }));
  await assert.rejects(logic.openCamera('front', 'jpeg'), (err: Error & { code?: string }) =>
    err.code === 'CAMERA_NOT_AVAILABLE' && /no camera 'front'/.test(err.message));
  await assert.rejects(logic.closeCamera('front', 'jpeg'), { code: 'CAMERA_NOT_AVAILABLE' });
  await assert.rejects(logic.openCamera('rear', 'h264'), { code: 'CODEC_UNSUPPORTED' });
  // Closing a camera that is not open is harmless.
  await logic.closeCamera('rear', 'jpeg');
  await logic.stop();
});
