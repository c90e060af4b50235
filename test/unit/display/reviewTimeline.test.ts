/** review/timeline.ts: the timeline row and overlay the review page shows for a video time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Timeline, TimelineRow } from '../../../src/display/review/types.js';
import { nearestRowIndex, TimelineCursor } from '../../../src/display/review/timeline.js';
import type { Overlay } from '../../../src/wire/overlay.js';

const overlay = (width: number): Overlay => ({ width, height: 720, rails: [[], []], bands: [] });
const row = (tMs: number, extra: Partial<TimelineRow> = {}): TimelineRow => ({
  tMs, currentGear: -1, selectedGear: -1, speedKmh: 0, steeringDeg: 0, sensors: {}, nearestM: 5, decelerationMps2: 0, reversing: true, ...extra,
});

test('nearestRowIndex: the nearest row of the grid, ties to the earlier, clamped at both ends', () => {
  const rows = [4, 104, 204, 304].map((tMs) => ({ tMs }));
  assert.equal(nearestRowIndex([], 10), -1);
  assert.equal(nearestRowIndex(rows, -50), 0);
  assert.equal(nearestRowIndex(rows, 0), 0);
  assert.equal(nearestRowIndex(rows, 53), 0);
  assert.equal(nearestRowIndex(rows, 54), 0, 'a tie goes to the earlier row');
  assert.equal(nearestRowIndex(rows, 55), 1);
  assert.equal(nearestRowIndex(rows, 104), 1);
  assert.equal(nearestRowIndex(rows, 290), 3);
  assert.equal(nearestRowIndex(rows, 10_000), 3);
  // Against a linear scan, on an irregular grid.
  const odd = [0, 7, 100, 101, 250, 600].map((tMs) => ({ tMs }));
  for (let t = -10; t <= 700; t += 0.5) {
    const best = odd.reduce((b, r, i) => (Math.abs(r.tMs - t) < Math.abs(odd[b]!.tMs - t) ? i : b), 0);
    assert.equal(odd[nearestRowIndex(odd, t)]!.tMs, odd[best]!.tMs, `t=${t}`);
  }
});

test('TimelineCursor: the row at a video time (seconds) and the overlay in force there', () => {
  const a = overlay(1280);
  const b = overlay(640);
  const timeline: Timeline = {
    version: 1, id: 'x', hz: 10, startUs: 0, geometry: null,
    rows: [row(0, { overlay: a }), row(100), row(200, { nearestM: 0.22, triggers: ['sensor'], overlay: b }), row(300, { nearestM: 0.22 })],
  };
  const c = new TimelineCursor(timeline);
  assert.deepEqual([c.at(0)!.index, c.at(0)!.overlay], [0, a]);
  assert.deepEqual([c.at(0.12)!.index, c.at(0.12)!.overlay], [1, a], 'a row without an overlay has the one before in force');
  assert.deepEqual([c.at(0.19)!.index, c.at(0.19)!.row.nearestM, c.at(0.19)!.overlay], [2, 0.22, b]);
  assert.deepEqual([c.at(5)!.index, c.at(5)!.overlay], [3, b]);
  assert.equal(new TimelineCursor({ ...timeline, rows: [] }).at(1), undefined);
  assert.equal(new TimelineCursor({ ...timeline, rows: [row(0)] }).at(0)!.overlay, undefined, 'no overlay recorded: none drawn');
});
