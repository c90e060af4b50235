/**
 * Retention with three times the quota written: the newest evidence stays,
 * the folder ends under quota, locked clips survive, and when only locked
 * clips are left a new event is refused with RECORDER_FULL, counted, never a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { RevcamError } from '../../../src/errors/RevcamError.js';
import { deletionOrder, planRoom } from '../../../src/recorder/Retention.js';
import { closed, Harness } from './recorderHarness.js';

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
}

test('deletion order: shipped oldest first, then unshipped oldest first; never locked or kept', () => {
  const c = (id: string, startUs: number, shipped: boolean, locked = false) => ({ id, startUs, bytes: 10, shipped, locked });
  const order = deletionOrder([c('a', 1, false), c('b', 2, true), c('c', 3, true), c('d', 0, false, true), c('e', 4, false)], new Set(['e']));
  assert.deepEqual(order.map((x) => x.id), ['b', 'c', 'a']);
  const plan = planRoom({ clips: [c('d', 0, false, true)], keep: new Set(), usedBytes: 100, maxBytes: 50, freeBytes: 1e9, minFreeBytes: 0, needBytes: 0 });
  assert.equal(plan.ok, false);
});

test('three times the quota: newest kept, folder under quota, locked survive; all locked refuses with RECORDER_FULL', { timeout: 120_000 }, async () => {
  // One clip of 1 s pre + 1 s post at this bitrate is ~0.2–0.3 MB; the quota holds about three.
  const h = await Harness.open({ preSeconds: 1, postSeconds: 1, maxBytes: 1_000_000 });
  const ids: string[] = [];
  let frame = 60;
  h.pushTo(frame);
  const clip = async () => {
    const { clipId } = h.rec.trigger({ kind: 'manual' });
    const done = closed(h.rec, clipId);
    frame += 90;
    h.pushTo(frame);
    await done;
    ids.push(clipId);
    return clipId;
  };
  const locked = await clip();
  await h.rec.lock(locked);
  let written = 0;
  while (written < 3_000_000) {
    await clip();
    written += h.rec.get(ids[ids.length - 1]!).bytes;
  }
  await h.rec.close().then(() => {}); // wait for deletions
  const listed = h.rec.list().map((m) => m.id);
  assert.ok(listed.includes(ids[ids.length - 1]!), 'the newest clip is kept');
  assert.ok(listed.includes(locked), 'the locked clip survives');
  assert.ok(listed.length < ids.length, 'old clips were deleted');
  assert.ok(folderBytes(h.rec.dir) <= 1_000_000, `folder ${folderBytes(h.rec.dir)} bytes over quota`);
  assert.ok(h.rec.stats.clipsDeleted > 0);

  // Now lock everything and ask again: refused, counted, reported, the recorder still works.
  const h2 = await Harness.open({ dir: h.rec.dir, preSeconds: 1, postSeconds: 1, maxBytes: 1_000_000 });
  for (const m of h2.rec.list()) await h2.rec.lock(m.id);
  let fullEvents = 0;
  h2.rec.on('full', () => fullEvents++);
  h2.pushTo(120);
  assert.throws(() => h2.rec.trigger({ kind: 'manual' }), (e: unknown) => e instanceof RevcamError && e.code === 'RECORDER_FULL' && e.status === 507);
  assert.equal(h2.rec.stats.refusedFull, 1);
  assert.equal(fullEvents, 1);
  const before = h2.rec.list().length;
  h2.pushTo(300);
  assert.equal(h2.rec.list().length, before, 'no locked clip was deleted');
  await h2.rec.close();
});
