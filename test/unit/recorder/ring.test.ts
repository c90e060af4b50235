/**
 * The pre-roll ring holds whole groups covering preSeconds plus one group,
 * and never more than its hard byte cap, even at a mad bitrate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GopRing, type RingFrame } from '../../../src/recorder/GopRing.js';

const frame = (i: number, bytes: number, gop = 30): RingFrame => ({ seq: i, captureUs: i * 33_333, keyframe: i % gop === 0, gap: false, width: 1, height: 1, payload: new Uint8Array(0), bytes });

test('covers preSeconds plus at most one group, and the bound formula holds', () => {
  const ring = new GopRing(2, 1e9);
  for (let i = 0; i < 600; i++) {
    ring.push(frame(i, 1000));
    const span = ring.spanUs!;
    if (i >= 90) assert.ok(span.to - span.from >= 2e6, 'reaches back preSeconds');
    assert.ok(span.to - span.from <= 2e6 + 30 * 33_333, 'not more than one extra group');
    assert.ok(ring.bytes <= (2 + 1) * 30 * 1000 + 1000, 'bytes ≤ (pre + G) · rate + one frame');
  }
  const from = ring.framesFrom(599 * 33_333 - 2e6);
  assert.ok(from[0]!.keyframe && from[0]!.captureUs <= 599 * 33_333 - 2e6);
});

test('a mad bitrate is capped: whole oldest groups go first, a lone oversize group is skipped to the next keyframe', () => {
  const ring = new GopRing(10, 100_000);
  for (let i = 0; i < 300; i++) {
    ring.push(frame(i, 20_000));
    assert.ok(ring.bytes <= 100_000, `ring at ${ring.bytes}`);
    const all = ring.framesFrom(-Infinity);
    if (all.length) assert.ok(all[0]!.keyframe, 'starts at a keyframe');
  }
  assert.ok(ring.droppedForBytes > 0 && ring.skipped > 0);
});
