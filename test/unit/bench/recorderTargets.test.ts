/** Case 12: R1 is the median of the pairs' (own + main's extra) CPU; R4 the worst pair's memory over the ring. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTargets } from '../../../bench/targets.js';
import type { Part } from '../../../bench/results.js';
import { summarize } from '../../../bench/stat.js';

const byId = (parts: Part[]) => new Map(evaluateTargets({ firstFrame: [], rows: [], stalled: [], peerLate: undefined, recorder: parts }).map((t) => [t.id, t]));
const without = (i: number, main: number): Part => ({ name: `recorder cpu without, pair ${i}`, status: 'ok', data: { mainCpuPercent: main } });
const withIt = (i: number, main: number, own: number, heldMB: number, ringMB: number): Part => ({
  name: `recorder cpu with, pair ${i}`,
  status: 'ok',
  data: { mainCpuPercent: main, recorderCpuPercent: own, recorderHeldMB: heldMB, recorderRssOverStartMB: heldMB + 4, ringMB, ringOnly: { recorderCpuPercent: own / 2, mainCpuPercent: main }, triggerBurst: { recorderCpuMs: 300, mainCpuMs: 50, seconds: 2 } },
});

test('R1 is the median over the pairs of the recorder process plus what the main process spent more', () => {
  // Costs 1.5 + 0.2, 1.4 − 0.1, 4.0 + 1.0: median 1.7 (met), though one pair alone would fail.
  const t = byId([without(1, 2.0), withIt(1, 2.2, 1.5, 6, 5), without(2, 2.1), withIt(2, 2.0, 1.4, 6, 5), without(3, 2.0), withIt(3, 3.0, 4.0, 6, 5)]);
  assert.equal(t.get('R1')?.met, true);
  assert.match(t.get('R1')!.measured!, /^1\.70 %/);
  // The trigger's one-off beside it: 300 ms in 2 s less the ring's own rate (0.75 % of a core = 15 ms in 2 s) in the median pair.
  assert.match(t.get('R1')!.measured!, /pre-roll flush: 285 CPU ms once/);
  const bad = byId([without(1, 2.0), withIt(1, 2.5, 2.0, 6, 5)]);
  assert.equal(bad.get('R1')?.met, false, '2.0 + 0.5 = 2.5 %');
});

test('R4 is judged on the worst pair: held memory over the ring', () => {
  const t = byId([without(1, 2), withIt(1, 2, 1, 9, 5), without(2, 2), withIt(2, 2, 1, 11, 5)]);
  assert.equal(t.get('R4')?.met, false, 'the second pair holds ring + 6 MB');
  assert.match(t.get('R4')!.measured!, /^ring \+ 6\.0 MB/);
});

test('R2 and R3 are the worst trigger; a clip ffprobe refuses fails R3', () => {
  const timing = (clean: number): Part => ({ name: 'recorder trigger and close', status: 'ok', data: { triggers: 3, ffprobeClean: clean, listedMs: summarize([10, 20, 120], 'ms'), closedAfterPostMs: summarize([30, 40, 50], 'ms') } });
  const t = byId([timing(3)]);
  assert.equal(t.get('R2')?.met, false, 'one trigger listed after 120 ms');
  assert.equal(t.get('R3')?.met, true);
  assert.equal(byId([timing(2)]).get('R3')?.met, false);
});
