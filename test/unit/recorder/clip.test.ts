/**
 * Clips from real H.264: frame-accurate pre-roll, post-roll, merging, the
 * maxSeconds cap, a trigger storm, the manifest and the signal timeline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { requireCommand } from '../../helpers/requireCommand.js';
import { VSS } from '../../../src/wire/signals.js';
import { captureUsOf, FRAME_US, GOP } from './h264Fixture.js';
import { closed, decodeCount, Harness, probeErrors, probePackets } from './recorderHarness.js';

test('a trigger at T gives a clip from the keyframe at or before T−pre to T+post, every frame, no gap, sound mp4', { timeout: 60_000 }, async (t) => {
  if (!requireCommand(t, 'ffmpeg') || !requireCommand(t, 'ffprobe')) return;
  const h = await Harness.open({ preSeconds: 3, postSeconds: 2, geometry: { guidelines: [[0, 0.5, 1.5]] } });
  const started: string[] = [];
  h.rec.on('clip', (m, phase) => phase === 'started' && started.push(m.id));
  h.rec.onSignals([{ path: VSS.gear, value: -1, timestampUs: captureUsOf(0) }, { path: VSS.speed, value: 4, timestampUs: captureUsOf(0) }]);
  h.pushTo(155);
  const T = captureUsOf(155);
  const { clipId, merged } = h.rec.trigger({ kind: 'manual', by: 'head-unit-1' });
  assert.equal(merged, false);
  const done = closed(h.rec, clipId);
  h.pushTo(300);
  const m = await done;

  // Start: the keyframe at or before T − 3 s is frame 60 (keyframes every 30 frames); end: T + 2 s is frame 215.
  const first = 60;
  const last = 215;
  assert.equal(m.startUs, captureUsOf(first));
  assert.ok(T - 3e6 - m.startUs <= GOP * FRAME_US, 'at most one group before T − pre');
  assert.equal(m.endUs, captureUsOf(last));
  assert.equal(m.state, 'complete');
  assert.equal(m.endReason, 'post');
  assert.equal(m.frames, last - first + 1);
  assert.equal(m.codec.slice(0, 5), 'avc1.');
  assert.deepEqual([m.width, m.height], [320, 180]);
  assert.equal(m.triggers.length, 1);
  assert.equal(m.triggers[0]!.atUs, T);
  assert.equal(m.triggers[0]!.offsetMs, Math.round((T - m.startUs) / 1000));
  assert.equal(m.triggers[0]!.by, 'head-unit-1');
  assert.match(m.sha256 ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(started, [clipId], 'listed the moment it started');

  const file = h.rec.mp4Path(clipId);
  assert.equal(probeErrors(file), '');
  const packets = probePackets(file);
  assert.equal(packets.length, last - first + 1);
  assert.equal(packets[0]!.pts, 0);
  assert.ok(packets[0]!.key);
  for (let i = 1; i < packets.length; i++) {
    const d = packets[i]!.pts - packets[i - 1]!.pts;
    assert.ok(Math.abs(d - FRAME_US / 1e6) < 0.002, `gap at packet ${i}: ${d}s`);
  }
  assert.equal(packets.filter((p) => p.key).length, 6, 'one keyframe per group: frames 60, 90, …, 210');
  const dec = decodeCount(file);
  assert.equal(dec.frames, last - first + 1);
  assert.equal(dec.errors, '');

  // The signal timeline: 10 Hz from the first frame, with the trigger marked and the geometry.
  const side = JSON.parse(readFileSync(file.replace(/\.mp4$/, '.signals.json'), 'utf8'));
  assert.deepEqual(side.geometry, { guidelines: [[0, 0.5, 1.5]] });
  const rows = side.rows as Array<{ tMs: number; currentGear: number; speedKmh: number; reversing: boolean; triggers?: string[] }>;
  assert.ok(rows[0]!.tMs >= 0 && rows[0]!.tMs < 100, `first row at ${rows[0]!.tMs} ms`);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.tMs - rows[i - 1]!.tMs <= 100, 'at least 10 Hz');
  assert.ok(rows[rows.length - 1]!.tMs >= m.durationMs - 100, 'covers the whole clip');
  assert.equal(rows[0]!.currentGear, -1);
  assert.equal(rows[0]!.reversing, true);
  const marked = rows.find((r) => r.triggers?.includes('manual'));
  assert.ok(marked && Math.abs(marked.tMs - m.triggers[0]!.offsetMs) <= 100, 'trigger marked on the timeline');
  await h.rec.close();
});

test('a trigger inside the post window extends the clip; the maxSeconds cap ends it; one clip lists every trigger', { timeout: 60_000 }, async (t) => {
  if (!requireCommand(t, 'ffprobe')) return;
  const h = await Harness.open({ preSeconds: 2, postSeconds: 2, maxSeconds: 6 });
  h.pushTo(100);
  const a = h.rec.trigger({ kind: 'manual' }); // start: keyframe 30 (≤ frame 40); cap at frame 30 + 180 = 210
  const done = closed(h.rec, a.clipId);
  h.pushTo(150);
  const b = h.rec.trigger({ kind: 'fleet', by: 'ops' });
  assert.deepEqual(b, { clipId: a.clipId, merged: true });
  h.pushTo(200);
  const c = h.rec.trigger({ kind: 'manual' });
  assert.deepEqual(c, { clipId: a.clipId, merged: true });
  h.pushTo(400);
  const m = await done;
  assert.equal(m.startUs, captureUsOf(30));
  assert.equal(m.endReason, 'max');
  assert.ok(m.endUs <= m.startUs + 6e6, 'never past maxSeconds');
  assert.equal(m.endUs, captureUsOf(210));
  assert.deepEqual(m.triggers.map((x) => x.kind), ['manual', 'fleet', 'manual']);
  assert.equal(probeErrors(h.rec.mp4Path(a.clipId)), '');
  assert.equal(probePackets(h.rec.mp4Path(a.clipId)).length, 181);
  assert.equal(h.rec.list().length, 1);
  await h.rec.close();
});

test('a storm of 1,000 triggers in one second is one clip with a capped trigger list and triggersDropped', { timeout: 60_000 }, async () => {
  const h = await Harness.open({ preSeconds: 1, postSeconds: 1 });
  h.pushTo(60);
  const ids = new Set<string>();
  for (let i = 0; i < 1000; i++) ids.add(h.rec.trigger({ kind: 'manual', atUs: captureUsOf(60) + i * 1000 }).clipId);
  assert.equal(ids.size, 1);
  const [id] = ids;
  const done = closed(h.rec, id!);
  h.pushTo(200);
  const m = await done;
  assert.equal(m.triggers.length + m.triggersDropped, 1000);
  assert.ok(m.triggers.length <= 50);
  assert.equal(m.triggersDropped, 1000 - m.triggers.length);
  assert.equal(h.rec.list().length, 1);
  await h.rec.close();
});

test('while recording: the manifest on disk lists the triggers, the timeline grows in a journal, a review gets the rows so far; at close the journal becomes the sidecar', { timeout: 60_000 }, async (t) => {
  if (!requireCommand(t, 'ffmpeg')) return;
  const h = await Harness.open({ preSeconds: 1, postSeconds: 5 });
  h.pushTo(60);
  const { clipId } = h.rec.trigger({ kind: 'manual', by: 'first' });
  h.pushTo(90);
  h.rec.trigger({ kind: 'manual', by: 'second' }); // merged: listed on disk with the next fragment
  h.pushTo(150);
  const dir = h.rec.dir;
  const until = async (what: string, ok: () => boolean) => {
    const check = () => {
      try {
        return ok();
      } catch {
        return false; // not written yet
      }
    };
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check(), what);
  };
  await until('both triggers in the manifest on disk', () => {
    const onDisk = JSON.parse(readFileSync(`${dir}/${clipId}.json`, 'utf8')) as { state: string; triggers: Array<{ by: string }> };
    return onDisk.state === 'recording' && onDisk.triggers.map((x) => x.by).join() === 'first,second';
  });
  await until('journal rows', () => existsSync(`${dir}/${clipId}.signals.jsonl`) && readFileSync(`${dir}/${clipId}.signals.jsonl`, 'utf8').split('\n').length > 5);
  // Listed once its first manifest write has returned (the file is visible a moment before).
  await until('the clip listed', () => h.rec.list().some((m) => m.id === clipId));
  const sidecar = await h.rec.signalsPath(clipId);
  const partial = JSON.parse(readFileSync(sidecar, 'utf8')) as { rows: Array<{ tMs: number }> };
  assert.ok(partial.rows.length >= 25 && partial.rows.at(-1)!.tMs >= 2_500, `rows so far: ${partial.rows.length}`);
  const done = closed(h.rec, clipId);
  h.pushTo(400);
  const m = await done;
  assert.ok(!existsSync(`${dir}/${clipId}.signals.jsonl`), 'the journal is gone at close');
  const side = JSON.parse(readFileSync(sidecar, 'utf8')) as { rows: Array<{ tMs: number }> };
  assert.ok(side.rows.at(-1)!.tMs >= m.durationMs - 100, 'the sidecar covers the whole clip');
  await h.rec.close();
});
