/**
 * Review operations take ids from outside: malformed or traversal ids are
 * refused before any path is built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RevcamError } from '../../../src/errors/RevcamError.js';
import { clipPath, isClipId, newClipId } from '../../../src/recorder/ClipId.js';
import { Harness } from './recorderHarness.js';

const hostile = ['../etc/passwd', '..', '20261207T064512Z-rear-3f9a/../../x', '20261207T064512Z-rear-3f9a.json', '/tmp/x', '20261207T064512Z-REAR-3f9a', '20261207T064512Z-rear-3f9a\0', '', '%2e%2e', 'constructor'];

test('generated ids match the pattern; hostile ids do not', () => {
  const id = newClipId(Date.UTC(2026, 11, 7, 6, 45, 12) * 1000, 'rear');
  assert.match(id, /^20261207T064512Z-rear-[0-9a-f]{4}$/);
  assert.ok(isClipId(id));
  for (const bad of hostile) assert.equal(isClipId(bad), false, bad);
  assert.throws(() => clipPath('/tmp/rec', '../x', 'mp4'), (e: unknown) => e instanceof RevcamError && e.code === 'BAD_REQUEST');
});

test('get, lock, remove and mp4Path refuse traversal ids with BAD_REQUEST and unknown ids with NOT_FOUND', async () => {
  const h = await Harness.open();
  for (const bad of hostile) {
    const isBad = (e: unknown) => e instanceof RevcamError && e.code === 'BAD_REQUEST';
    assert.throws(() => h.rec.get(bad), isBad, bad);
    assert.throws(() => h.rec.mp4Path(bad), isBad, bad);
    await assert.rejects(h.rec.lock(bad), isBad, bad);
    await assert.rejects(h.rec.remove(bad), isBad, bad);
  }
  assert.throws(() => h.rec.get('20261207T064512Z-rear-3f9a'), (e: unknown) => e instanceof RevcamError && e.code === 'NOT_FOUND');
  await h.rec.close();
});
