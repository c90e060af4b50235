/**
 * The recorder end to end on signals: a sustained sensor condition is one
 * clip with one trigger, a manoeuvre clip follows the reverse gear, gaps are
 * noted, a stalled stream still closes its clip, and the review operations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { RevcamError } from '../../../src/errors/RevcamError.js';
import type { FrameMeta } from '../../../src/wire/overlay.js';
import { VSS } from '../../../src/wire/signals.js';
import { captureUsOf, FRAME_US, wireFrame } from './h264Fixture.js';
import { closed, Harness } from './recorderHarness.js';

test('a sensor below the threshold across 90 batches while reversing is one clip with one sensor trigger', { timeout: 30_000 }, async () => {
  const h = await Harness.open({ preSeconds: 1, postSeconds: 1 });
  const starts: string[] = [];
  h.rec.on('clip', (m, phase) => phase === 'started' && starts.push(m.id));
  h.rec.onSignals([{ path: VSS.gear, value: -1, timestampUs: captureUsOf(0) }]);
  for (let i = 0; i < 200; i++) {
    h.pushTo(i);
    if (i >= 60 && i < 150) h.rec.onSignals([{ path: VSS.rearSensor.innerRight, value: 0.25 - (i % 2) * 0.01, timestampUs: captureUsOf(i) }]);
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(h.rec.stats.triggers, 1);
  await h.rec.close();
  const [m] = h.rec.list();
  assert.equal(h.rec.list().length, 1);
  assert.equal(m!.triggers.length, 1);
  assert.equal(m!.triggers[0]!.kind, 'sensor');
  assert.equal(m!.triggers[0]!.atUs, captureUsOf(60));
  assert.equal(m!.triggers[0]!.detail?.zone, 'innerRight');
  assert.deepEqual(h.rec.list({ trigger: 'sensor' }).map((x) => x.id), [m!.id]);
  assert.deepEqual(h.rec.list({ trigger: 'impact' }), []);
});

test('a manoeuvre clip runs from entering reverse (minus the pre-roll) to leaving it plus the post-roll', { timeout: 30_000 }, async () => {
  const h = await Harness.open({ preSeconds: 1, postSeconds: 1, maxSeconds: 60, triggers: { manoeuvre: true, sensorBelowM: null } });
  h.pushTo(60);
  h.rec.onSignals([{ path: VSS.gear, value: -1, timestampUs: captureUsOf(60) }]);
  const id = h.rec.recordingId!;
  assert.ok(id);
  const done = closed(h.rec, id);
  h.pushTo(400); // 11 s in reverse: far beyond postSeconds
  h.rec.onSignals([{ path: VSS.gear, value: 1, timestampUs: captureUsOf(400) }]);
  h.pushTo(500);
  const m = await done;
  assert.equal(m.startUs, captureUsOf(30));
  assert.ok(m.endUs >= captureUsOf(400) + 1e6 - FRAME_US && m.endUs <= captureUsOf(400) + 1e6, `ends ${m.endUs - captureUsOf(400)} µs after leaving R`);
  assert.equal(m.triggers[0]!.kind, 'manoeuvre');
  await h.rec.close();
});

test('a sequence jump is noted in gapsMs; a stalled stream still closes its clip on tick()', { timeout: 30_000 }, async () => {
  const h = await Harness.open({ preSeconds: 1, postSeconds: 2 });
  h.pushTo(60);
  const { clipId } = h.rec.trigger({ kind: 'manual' });
  h.pushTo(70);
  h.next = 75; // frames 71–74 lost upstream
  h.pushTo(89);
  h.next = 90;
  h.rec.pushFrame(wireFrame(h.aus, 90, { discontinuity: true }));
  h.next = 91;
  const done = closed(h.rec, clipId);
  h.nowUs = captureUsOf(60) + 2e6 + 2.5e6; // the camera stopped; time went on
  h.rec.tick();
  const m = await done;
  assert.equal(m.gapsMs.length, 2);
  assert.equal(m.gapsMs[0], Math.round((captureUsOf(75) - m.startUs) / 1000));
  assert.equal(m.state, 'complete');
  await h.rec.close();
});

test('review: lock protects from remove, remove deletes the files, markShipped is saved, catch-up and JPEG frames are ignored', { timeout: 30_000 }, async () => {
  const h = await Harness.open({ preSeconds: 1, postSeconds: 1 });
  h.pushTo(60);
  h.rec.pushFrame(wireFrame(h.aus, 61, { catchUp: true }));
  assert.equal(h.rec.stats.framesIgnored, 1);
  const { clipId } = h.rec.trigger({ kind: 'fleet', by: 'ops-7' });
  const done = closed(h.rec, clipId);
  h.pushTo(200);
  await done;
  assert.equal((await h.rec.lock(clipId)).locked, true);
  await assert.rejects(h.rec.remove(clipId), (e: unknown) => e instanceof RevcamError && e.code === 'FORBIDDEN');
  await h.rec.lock(clipId, false);
  assert.equal((await h.rec.markShipped(clipId)).shipped, true);
  const file = h.rec.mp4Path(clipId);
  const reopened = await Harness.open({ dir: h.rec.dir });
  assert.equal(reopened.rec.get(clipId).shipped, true, 'saved to the manifest');
  await reopened.rec.close();
  await h.rec.remove(clipId);
  assert.equal(existsSync(file), false);
  assert.equal(existsSync(file.replace(/\.mp4$/, '.json')), false);
  assert.throws(() => h.rec.get(clipId), (e: unknown) => e instanceof RevcamError && e.code === 'NOT_FOUND');
  await h.rec.close();
});

test('a recorder started mid-stream learns the overlay in force from the catch-up frame that carries it', { timeout: 30_000 }, async () => {
  const h = await Harness.open({ preSeconds: 1, postSeconds: 1 });
  const overlay = { guidelines: 'as the driver saw them' };
  // A late viewer's first frame: catch-up, with the stream's metadata; the live frames after it carry none.
  h.rec.pushFrame(wireFrame(h.aus, 0, { catchUp: true, meta: { overlay } as unknown as FrameMeta }));
  h.next = 1;
  h.pushTo(90);
  const { clipId } = h.rec.trigger({ kind: 'manual' });
  const done = closed(h.rec, clipId);
  h.pushTo(150);
  await done;
  const side = JSON.parse(readFileSync(await h.rec.signalsPath(clipId), 'utf8')) as { rows: Array<{ overlay?: unknown }> };
  assert.deepEqual(side.rows[0]?.overlay, overlay, 'the first row carries the overlay in force');
  assert.equal(h.rec.stats.framesIgnored, 1, 'the catch-up frame itself is not recorded');
  await h.rec.close();
});
