/** Case 11 (WHEP): W1 reads the largest WHEP viewer count, W2/W3 the Chromium latencies; per-viewer cost is relative to 1 viewer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { perViewer, slope } from '../../../bench/cases/whep.js';
import { evaluateTargets } from '../../../bench/targets.js';
import type { Part } from '../../../bench/results.js';
import { summarize } from '../../../bench/stat.js';

const byId = (ts: ReturnType<typeof evaluateTargets>) => new Map(ts.map((t) => [t.id, t]));
const run = (n: number, min: number, lost = 0): Part => ({
  name: `whep h264 × ${n}`,
  status: 'ok',
  data: { viewers: n, fps: summarize([min, 30], 'fps'), lost, packets: 10_000 - lost, server: { cpuPercent: 55 }, viewersProcess: { cpuPercent: 80 }, machineBusyPercent: 150, cores: 2 },
});

test('W1 is judged on the slowest viewer at the largest WHEP count, W2 on the WHEP p99, W3 on its difference to the WebSocket display', () => {
  const lat: Part = { name: 'chromium capture → decoded h264 × 1', status: 'ok', data: { whepDecodedMs: summarize([10, 20, 150], 'ms'), wsDecodedMs: summarize([5, 10, 100], 'ms') } };
  const t = byId(evaluateTargets({ firstFrame: [], rows: [], stalled: [], peerLate: undefined, whep: [lat, run(1, 30), run(50, 28.5), run(10, 30)] }));
  assert.equal(t.get('W1')?.met, false);
  assert.match(t.get('W1')!.measured!, /^28\.5 fps .*server 55 % of a core, the werift clients 80 %, the machine 150 % of 2 × 100 % busy/);
  const lossy = byId(evaluateTargets({ firstFrame: [], rows: [], stalled: [], peerLate: undefined, whep: [run(1, 30), run(50, 30, 11)] }));
  assert.equal(lossy.get('W1')?.met, false, '11 of 10,000 packets lost is over 0.1 %');
  const fine = byId(evaluateTargets({ firstFrame: [], rows: [], stalled: [], peerLate: undefined, whep: [run(1, 30), run(50, 29.5, 10)] }));
  assert.equal(fine.get('W1')?.met, true, '10 of 10,000 is 0.1 %');
  assert.equal(t.get('W2')?.met, true);
  assert.equal(t.get('W3')?.met, false, '150 ms is more than one frame above 100 ms');
  const none = byId(evaluateTargets({ firstFrame: [], rows: [], stalled: [], peerLate: undefined }));
  assert.equal(none.get('W1')?.met, null, 'no case 11: not measured');
  assert.equal(none.get('W4')?.met, null);
});

test('W4 and W5 judge the per-viewer fits: CPU ≤ 0.3 % of a core, RSS (after a full GC) ≤ 1 MB', () => {
  const per = (cpu: number, rssKB: number): Part => ({ name: 'per viewer whep', status: 'ok', data: { cpuPercentPerViewerFit: cpu, rssKBPerViewerFit: 1200, rssKBPerViewerMarginal: rssKB } });
  const a = byId(evaluateTargets({ firstFrame: [], rows: [], stalled: [], peerLate: undefined, whep: [per(0.85, 700)] }));
  assert.equal(a.get('W4')?.met, false);
  assert.equal(a.get('W5')?.met, true);
  assert.match(a.get('W5')!.measured!, /^0\.68 MB \(fit over every count 1\.17 MB/);
  const b = byId(evaluateTargets({ firstFrame: [], rows: [], stalled: [], peerLate: undefined, whep: [per(0.3, 1100)] }));
  assert.equal(b.get('W4')?.met, true);
  assert.equal(b.get('W5')?.met, false);
});

test('per-viewer CPU is (CPU at N − CPU at 1) / (N − 1), and the fit a least-squares slope; per-viewer RSS from the RSS after a full GC, not the median while streaming', () => {
  const usage = (cpu: number, rss: number) => ({ cpuPercent: cpu, cpuSysPercent: 0, cpuSamples: null, rssMB: summarize([rss], 'MB'), rssStartMB: rss, rssEndMB: rss, cpuSeconds: 0 });
  // The median while streaming holds young garbage (here 10 MB more at every count but one): only the after-GC figure is the viewers'.
  const r = (viewers: number, cpu: number, rss: number) => ({ transport: 'whep' as const, viewers, server: usage(cpu, rss + (viewers === 1 ? 0 : 10)), children: usage(0, 0), viewersProcess: usage(0, 0), fps: null, latencyMs: null, mbPerSecond: 0, lost: 0, rssAfterGcMB: rss, machineBusyPercent: 0, cores: 2 });
  const p = perViewer([r(50, 61, 149), r(1, 12, 100), r(10, 21, 109)]);
  assert.deepEqual(p.cpuPercentPerViewer, { at10: 1, at50: 1 });
  assert.equal(p.cpuPercentPerViewerFit, 1);
  assert.deepEqual(p.rssKBPerViewer, { at10: 1024, at50: 1024 });
  assert.equal(p.rssKBPerViewerFit, 1024);
  assert.equal(p.rssKBPerViewerMarginal, 1024, '(149 − 109) MB over 40 viewers');
  assert.equal(slope([{ x: 1, y: 3 }]), null, 'one count: no slope');
});
