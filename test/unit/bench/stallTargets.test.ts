/** Case 4: T11 and T12 are the medians of the alternated pairs (stalled run − the same run without a stall). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stallPartName } from '../../../bench/cases/stalled.js';
import { evaluateTargets } from '../../../bench/targets.js';
import type { Part } from '../../../bench/results.js';
import { summarize } from '../../../bench/stat.js';

const byId = (ts: ReturnType<typeof evaluateTargets>) => new Map(ts.map((t) => [t.id, t]));
const run = (pair: number, stalled: boolean, growthMB: number, minFps: number): Part => ({
  name: stallPartName(pair, stalled),
  status: 'ok',
  data: { stalled, rssGrowthMB: growthMB, othersFps: summarize([minFps, 30], 'fps') },
});
const judge = (stalled: Part[]) => byId(evaluateTargets({ firstFrame: [], rows: [], stalled, peerLate: undefined }));

test('T11 is the median of the pairs’ differences: one pair whose fresh heap grew more does not decide it', () => {
  // Differences 1.5, 9.0, 2.0 MB: median 2.0 (met); the single second pair alone would fail.
  const t = judge([run(1, false, 20, 30), run(1, true, 21.5, 29.9), run(2, false, 18, 30), run(2, true, 27, 29.5), run(3, false, 19, 29.9), run(3, true, 21, 29.8)]);
  assert.equal(t.get('T11')?.met, true);
  assert.match(t.get('T11')!.measured!, /^2 MB, median of 3 pair\(s\): 1\.5, 9, 2 MB/);
  assert.equal(t.get('T12')?.met, true, 'fps deltas 0.1, 0.5, 0.1: median 0.1');
  const bad = judge([run(1, false, 20, 30), run(1, true, 27, 27), run(2, false, 20, 30), run(2, true, 28, 28.5)]);
  assert.equal(bad.get('T11')?.met, false, 'median of 7 and 8 MB');
  assert.equal(bad.get('T12')?.met, false, 'median of 3 and 1.5 fps');
});

test('a pair with a failed run is left out; no pairs: not measured', () => {
  const failed: Part = { name: stallPartName(2, true), status: 'failed', error: 'boom' };
  const t = judge([run(1, false, 20, 30), run(1, true, 22, 30), run(2, false, 20, 30), failed]);
  assert.match(t.get('T11')!.measured!, /median of 1 pair/);
  assert.equal(judge([]).get('T11')?.met, null);
  assert.equal(judge([]).get('T12')?.met, null);
});

test('T11 uses the growth measured after a forced GC when the run has it, not the sampled maximum', () => {
  const gcRun = (pair: number, stalled: boolean, sampled: number, afterGc: number): Part => ({
    name: stallPartName(pair, stalled),
    status: 'ok',
    data: { stalled, rssGrowthMB: sampled, rssGrowthAfterGcMB: afterGc, othersFps: summarize([30, 30], 'fps') },
  });
  // Sampled: 20 → 29 (9 MB, not met); after GC: 1 → 2 (1 MB, met).
  const t = judge([gcRun(1, false, 20, 1), gcRun(1, true, 29, 2)]);
  assert.equal(t.get('T11')?.met, true);
  assert.match(t.get('T11')!.measured!, /^1 MB/);
});
