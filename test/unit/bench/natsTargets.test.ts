/** The NATS targets of the bench (issue 9) read the right parts: T14 from the paired per-frame figure, T15/T16 from every viewer's fps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTargets } from '../../../bench/targets.js';
import type { Part } from '../../../bench/results.js';
import { summarize } from '../../../bench/stat.js';

const ms = (xs: number[]) => summarize(xs, 'ms');
const fps = (xs: number[]) => summarize(xs, 'fps');

function bus(codec: string, addedPerFrame: number[], fpsOver2: number[]): Part[] {
  return [
    { name: `bus ${codec} × 1`, status: 'ok', data: { latencyMs: ms([10, 11, 500]) } },
    { name: `local ${codec} × 1`, status: 'ok', data: { latencyMs: ms([9, 10, 11]) } },
    { name: `bus − local ${codec}, paired`, status: 'ok', data: { addedMs: ms(addedPerFrame) } },
    { name: `bus − local ${codec} × 1`, status: 'ok', data: { addedP50Ms: 1, addedP95Ms: 2, addedP99Ms: 489 } },
    { name: `bus ${codec} × 50 (2 gateways)`, status: 'ok', data: { viewers: 50, fps: fps(fpsOver2) } },
  ];
}

const byId = (ts: ReturnType<typeof evaluateTargets>) => new Map(ts.map((t) => [t.id, t]));

test('T14 is judged on the paired per-frame figure, not on the separate runs, and T15 on the slowest viewer', () => {
  const t = byId(evaluateTargets({ firstFrame: [], rows: [], stalled: [], peerLate: undefined, natsBus: [...bus('jpeg', [1, 1.5, 2, 2.5], [29.9, 30]), ...bus('h264', [1, 2, 3, 9], [28.5, 30])] }));
  assert.equal(t.get('T14-jpeg')?.met, true, t.get('T14-jpeg')?.measured ?? '');
  assert.match(t.get('T14-jpeg')!.measured!, /^2\.5 ms/);
  assert.equal(t.get('T14-h264')?.met, false);
  assert.equal(t.get('T15-jpeg')?.met, true);
  assert.equal(t.get('T15-h264')?.met, false);
  assert.equal(t.get('T16')?.met, null, 'no fleet run: not measured');
});

test('T16 reads the 20-vehicle step of the fleet and nothing else', () => {
  const step = (n: number, min: number): Part => ({ name: `fleet ${n} watched × 5`, status: 'ok', data: { vehiclesWatched: n, viewers: n * 5, fps: fps([min, 30]) } });
  const t = byId(evaluateTargets({ firstFrame: [], rows: [], stalled: [], peerLate: undefined, natsFleet: [step(10, 30), step(20, 29.5), step(40, 12)] }));
  assert.equal(t.get('T16')?.met, true);
  assert.match(t.get('T16')!.measured!, /29\.5 fps \(100 viewers\)/);
  assert.equal(t.get('T14-jpeg')?.met, null);
});
