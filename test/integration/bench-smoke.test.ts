/**
 * The bench's CI smoke: a short run (--quick, few viewers, 1 s windows)
 * must produce well-formed results. No timing is asserted here: numbers
 * belong to the bench, not to tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../helpers/server.js';
import { requireNatsServer } from '../helpers/natsServer.js';
import { requireCommand } from '../helpers/requireCommand.js';

interface RunOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: string[]): Promise<RunOutput> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'dist/bench/run.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const STAT_KEYS = ['n', 'min', 'median', 'p95', 'p99', 'max'] as const;

function isStatLike(x: unknown): x is Record<string, number> & { unit: string } {
  return typeof x === 'object' && x !== null && STAT_KEYS.every((k) => k in x) && 'unit' in x;
}

/** Every distribution anywhere in the results is ordered and counted. */
function checkStats(x: unknown, path: string): number {
  if (Array.isArray(x)) return x.reduce((n: number, v, i) => n + checkStats(v, `${path}[${i}]`), 0);
  if (typeof x !== 'object' || x === null) return 0;
  if (isStatLike(x)) {
    for (const k of STAT_KEYS) assert.equal(typeof x[k], 'number', `${path}.${k} is a number`);
    assert.ok(Number.isInteger(x.n) && x.n >= 1, `${path}.n is a positive count`);
    assert.ok(x.min <= x.median && x.median <= x.p95 && x.p95 <= x.p99 && x.p99 <= x.max, `${path} is ordered: ${JSON.stringify(x)}`);
    assert.equal(typeof x.unit, 'string');
    return 1;
  }
  return Object.entries(x).reduce((n, [k, v]) => n + checkStats(v, `${path}.${k}`), 0);
}

test('npm run bench -- --quick produces well-formed results', { timeout: 170_000 }, async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'revcam-bench-smoke-')), 'results.json');
  // The NATS cases (8, 9) have their own, smaller smoke below.
  const r = await runBench(['--quick', '--cases', '1,2,3,4,5,6,7', '--viewers', '1', '--seconds', '1', '--stall-seconds', '1', '--iterations', '1', '--out', out]);
  assert.equal(r.code, 0, `bench exited ${r.code}\n${r.stderr.slice(-3000)}`);

  const res = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  assert.equal(res.schema, 'revcam-bench/1');
  const machine = res.machine as Record<string, unknown>;
  assert.equal(typeof machine.cpuModel, 'string');
  assert.ok(Number.isInteger(machine.cores) && (machine.cores as number) >= 1);
  assert.match(machine.node as string, /^v\d+\./);
  assert.equal(typeof machine.kernel, 'string');

  const cases = res.cases as { id: number; name: string; status: string; parts: { name: string; status: string; skipped?: string; error?: string; data?: unknown }[] }[];
  assert.deepEqual(
    cases.map((c) => c.id),
    [1, 2, 3, 4, 5, 6, 7],
    'every case is reported',
  );
  for (const c of cases) {
    assert.ok(['ok', 'partial', 'skipped'].includes(c.status), `case ${c.id} status ${c.status}: ${JSON.stringify(c.parts.find((p) => p.status === 'failed'))}`);
    assert.ok(c.parts.length > 0, `case ${c.id} has parts`);
    for (const p of c.parts) {
      assert.ok(['ok', 'skipped'].includes(p.status), `case ${c.id} part ${p.name}: ${p.status} ${p.error ?? ''}`);
      if (p.status === 'skipped') assert.ok(typeof p.skipped === 'string' && p.skipped.length > 0, `skipped part ${p.name} says why`);
      else assert.equal(typeof p.data, 'object');
    }
  }
  // The parts that need nothing unfinished always run: JPEG fan-out, the floor, the boundary.
  const latency = cases.find((c) => c.id === 2)!;
  const jpeg1 = latency.parts.find((p) => p.name === 'revcam jpeg × 1');
  assert.equal(jpeg1?.status, 'ok');
  const d = jpeg1!.data as { viewers: number; fps: { n: number }; server: { cpuPercent: number; rssMB: { n: number } } };
  assert.equal(d.viewers, 1);
  assert.equal(d.fps.n, 1, 'one fps sample per viewer');
  assert.ok(d.server.cpuPercent >= 0 && d.server.rssMB.n >= 1);
  assert.ok(checkStats(res.cases, 'cases') > 10, 'the results carry distributions');

  const targets = res.targets as { id: string; met: boolean | null; measured: string | null }[];
  assert.ok(targets.length >= 10);
  for (const t of targets) {
    assert.ok(t.met === null || typeof t.met === 'boolean');
    assert.equal(t.met === null, t.measured === null, `target ${t.id}: measured iff judged`);
  }
  assert.match(r.stdout, /^revcam bench — /);
  assert.match(r.stdout, /Targets \(issues 5, 9[,)]/);
});

test('the boot case, tiny: a real revcam serve booted in reverse paints on a waiting display, with the server\'s boot marks', { timeout: 120_000 }, async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'revcam-bench-smoke-')), 'results.json');
  const r = await runBench(['--quick', '--cases', '10', '--iterations', '1', '--out', out]);
  assert.equal(r.code, 0, `bench exited ${r.code}\n${r.stderr.slice(-3000)}`);
  const res = JSON.parse(readFileSync(out, 'utf8')) as { cases: { id: number; status: string; parts: { name: string; status: string; data?: Record<string, { n?: number; median?: number } | number> }[] }[]; targets: { id: string; measured: string | null }[] };
  const boot = res.cases.find((c) => c.id === 10)!;
  assert.equal(boot.status, 'ok', JSON.stringify(boot));
  const d = boot.parts[0]!.data!;
  for (const k of ['spawnToNodeStartMs', 'spawnToConfigMs', 'spawnToListeningMs', 'spawnToServiceReadyMs', 'spawnToCameraOpenMs', 'spawnToFirstFrameAtGatewayMs', 'spawnToFirstPaintedMs']) {
    assert.equal((d[k] as { n: number }).n, 1, `${k} measured`);
  }
  const at = (k: string) => (d[k] as { median: number }).median;
  assert.ok(at('spawnToNodeStartMs') < at('spawnToConfigMs') && at('spawnToConfigMs') <= at('spawnToListeningMs'), 'node, config, listening in order');
  // Two processes' clocks (performance.timeOrigin each, rounded to 0.1 ms): 1 ms of slack for reading them.
  assert.ok(at('spawnToFirstFrameAtGatewayMs') <= at('spawnToFirstPaintedMs') + 1, `at the gateway (${at('spawnToFirstFrameAtGatewayMs')} ms) before painted (${at('spawnToFirstPaintedMs')} ms)`);
  assert.ok(res.targets.find((t) => t.id === 'T-boot')?.measured, 'T-boot is judged');
});

test('the bench refuses an unknown case with a usage error', async () => {
  const r = await runBench(['--cases', '99']);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /no case 99/);
});

test('the NATS fleet case, tiny: recorded vehicles announced on a real nats-server reach viewers through a gateway', { timeout: 120_000 }, async (t) => {
  if (!requireNatsServer(t)) return;
  const out = join(mkdtempSync(join(tmpdir(), 'revcam-bench-smoke-')), 'results.json');
  const r = await runBench(['--quick', '--cases', '9', '--vehicles', '1', '--per-vehicle', '1', '--seconds', '1', '--out', out]);
  assert.equal(r.code, 0, `bench exited ${r.code}\n${r.stderr.slice(-3000)}`);
  const res = JSON.parse(readFileSync(out, 'utf8')) as { cases: { id: number; status: string; parts: { name: string; status: string; error?: string; data?: Record<string, unknown> }[] }[]; targets: { id: string }[] };
  assert.deepEqual(res.cases.map((c) => c.id), [9]);
  const c = res.cases[0]!;
  assert.equal(c.status, 'ok', JSON.stringify(c.parts.find((p) => p.status !== 'ok')));
  const step = c.parts.find((p) => p.name === 'fleet 1 watched × 1');
  assert.ok(step?.data, 'the one-vehicle step ran');
  // Frames crossed the bus: the viewer counted some, and nats-server saw them come in.
  assert.ok((step.data.fps as { min: number }).min > 0, 'the viewer got frames from the recorded vehicle');
  assert.ok((step.data.bus as { inMsgsPerS: number }).inMsgsPerS > 0);
  assert.ok(c.parts.some((p) => p.name === 'fleet knee'));
  assert.ok(checkStats(res.cases, 'cases') >= 2);
  assert.ok(res.targets.some((t) => t.id === 'T16'));
  assert.match(r.stdout, /knee on this machine/);
});

test('the WHEP case, tiny: werift WHEP viewers get the camera as RTP, Chromium decodes it over WHEP and over the WebSocket display', { timeout: 240_000 }, async (t) => {
  if (!requireCommand(t, 'ffmpeg') || !requireCommand(t, 'chromium')) return;
  const out = join(mkdtempSync(join(tmpdir(), 'revcam-bench-smoke-')), 'results.json');
  const r = await runBench(['--quick', '--cases', '11', '--whep-viewers', '1,2', '--seconds', '1', '--out', out]);
  assert.equal(r.code, 0, `bench exited ${r.code}\n${r.stderr.slice(-3000)}`);
  const res = JSON.parse(readFileSync(out, 'utf8')) as { cases: { id: number; status: string; parts: { name: string; status: string; error?: string; data?: Record<string, unknown> }[] }[]; targets: { id: string; met: boolean | null }[] };
  assert.deepEqual(res.cases.map((c) => c.id), [11]);
  const c = res.cases[0]!;
  assert.equal(c.status, 'ok', JSON.stringify(c.parts.find((p) => p.status !== 'ok')));
  const whep = c.parts.find((p) => p.name === 'whep h264 × 2')?.data;
  assert.ok(whep, 'two WHEP viewers ran');
  // Real RTP arrived at both werift viewers (ICE, DTLS, SRTP done), with capture times from abs-capture-time.
  assert.ok((whep.fps as { min: number }).min > 0 && (whep.packets as number) > 0, JSON.stringify(whep.fps));
  assert.ok((whep.latencyMs as { n: number } | null)?.n, 'abs-capture-time gave capture → received');
  const chromium = c.parts.find((p) => p.name.startsWith('chromium'))?.data;
  assert.ok((chromium?.whepDecodedMs as { n: number } | null)?.n, 'Chromium decoded frames over WHEP with their capture time');
  assert.ok((chromium?.wsDecodedMs as { n: number } | null)?.n, 'the display painted frames over WebSocket');
  assert.ok(c.parts.some((p) => p.name === 'per viewer whep') && c.parts.some((p) => p.name === 'per viewer ws'));
  assert.ok(checkStats(res.cases, 'cases') >= 6);
  for (const id of ['W1', 'W2', 'W3']) assert.notEqual(res.targets.find((x) => x.id === id)?.met, null, `target ${id} judged`);
});
