/**
 * `npm run soak -- --viewers 200 --minutes 10` (or `--seconds 60`): runs
 * revcam as a child process (`revcam serve`, as a user would) under churn
 * (bench/soak/churn.ts) and checks that nothing is left behind and the
 * live view never suffered. Phases:
 *
 *   warm-up  churn at full load (default: 10 % of the run, 10–60 s), so the
 *            gateway's heap, buffers and encoders reach their working size;
 *   settle   churn stopped, every client gone, wait (default 15 s: longer
 *            than a cold service's idle stop and the stalled-reader timeout);
 *   baseline RSS, open fds (/proc/PID/fd) and child processes of the gateway;
 *   run      churn for the duration;
 *   settle   as above; then the end figures.
 *
 * Baseline and end are taken in the same state (idle but for the monitor),
 * so a difference is what the run left behind, not the cost of load.
 * Checks (exit 1 if any fails): end RSS ≤ baseline + 10 %; end fds ≤
 * baseline fds; end child processes ≤ baseline; no viewer left in
 * /api/services but the monitor; the monitor viewer (its own process, one
 * WebSocket JPEG viewer of the rear camera) got ≥ 29 frames in every whole
 * second of the run and its settle; the gateway never died.
 * The report goes to stdout and bench/results/soak-latest.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BENCH_DIR, ROOT } from '../child.js';
import { descendants, rssBytes } from '../proc.js';
import { startRevcamServer } from '../revcamServer.js';
import { Churn } from './churn.js';

const USAGE = `usage: npm run soak -- [--viewers N] [--minutes M | --seconds S] [--warmup S] [--settle S] [--min-fps F] [--out FILE]
  --viewers   concurrent churn clients (default 200)
  --minutes   length of the measured run (default 10); --seconds for short runs
  --warmup    seconds of churn before the baseline (default 10 % of the run, 10..60)
  --settle    seconds to wait after churn before measuring (default 15)
  --min-fps   the monitor viewer's floor in every second (default 29)
  --out       the JSON report (default bench/results/soak-latest.json)
example: npm run soak -- --viewers 50 --seconds 60`;

interface Figures {
  rssBytes: number;
  fds: number;
  processes: number;
  /** Viewers in /api/services, the monitor included. */
  viewers: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function options() {
  const { values } = parseArgs({
    options: {
      viewers: { type: 'string', default: '200' },
      minutes: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      settle: { type: 'string', default: '15' },
      'min-fps': { type: 'string', default: '29' },
      out: { type: 'string', default: resolve(ROOT, 'bench/results/soak-latest.json') },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min} (got ${v})`);
    return n;
  };
  const seconds = values.seconds !== undefined ? num('seconds', values.seconds, 1) : num('minutes', values.minutes ?? '10', 0.02) * 60;
  return {
    viewers: Math.floor(num('viewers', values.viewers, 1)),
    seconds,
    warmupS: values.warmup !== undefined ? num('warmup', values.warmup, 0) : Math.min(60, Math.max(10, seconds * 0.1)),
    settleS: num('settle', values.settle, 0),
    minFps: num('min-fps', values['min-fps'], 0),
    out: values.out,
  };
}

function fds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** GET a JSON endpoint on a fresh connection (no keep-alive socket of ours stays open on the server). */
function getJson<T>(url: string): Promise<T> {
  return new Promise((res, rej) => {
    const req = request(url, { agent: false, headers: { Connection: 'close' } }, (r) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => {
        try {
          res(JSON.parse(body) as T);
        } catch (err) {
          rej(err as Error);
        }
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}

async function figures(url: string, pid: number): Promise<Figures> {
  const s = await getJson<{ services: { viewers: number }[] }>(`${url}/api/services`);
  // Measure after the request's own connection has closed.
  await sleep(200);
  return { rssBytes: rssBytes(pid) ?? -1, fds: fds(pid), processes: descendants(pid).length, viewers: s.services.reduce((n, x) => n + x.viewers, 0) };
}

async function main(): Promise<number> {
  const o = options();
  const log = (msg: string) => process.stderr.write(`soak: ${msg}\n`);
  const server = await startRevcamServer({
    standby: 'hot',
    codec: 'jpeg',
    extra: {
      cameras: {
        rear: { source: 'synthetic', width: 1280, height: 720, fps: 30, scene: 'rear' },
        cabin: { source: 'synthetic', width: 640, height: 360, fps: 15, scene: 'cabin', mirror: false },
      },
      services: [
        { manifest: 'builtin:reversing', standby: 'hot', idleStopMs: 2000 },
        { manifest: 'builtin:cabin', standby: 'cold', idleStopMs: 2000 },
      ],
    },
  });
  const { url, pid } = server;
  log(`revcam pid ${pid} at ${url}; ${o.viewers} viewers, warm-up ${o.warmupS} s, run ${o.seconds} s, settle ${o.settleS} s`);

  let died: string | undefined;
  const watch = setInterval(() => {
    if (!died && rssBytes(pid) === undefined) died = new Date().toISOString();
  }, 500);

  // The monitor, in its own process.
  const seconds: { t: number; fps: number }[] = [];
  const monitorEvents: unknown[] = [];
  const monitor = spawn(process.execPath, [resolve(BENCH_DIR, 'soak/monitor.js'), url, 'reversing', 'rear'], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: monitor.stdout! }).on('line', (line) => {
    const m = JSON.parse(line) as { t?: number; fps?: number; accepted?: boolean };
    if (m.t !== undefined && m.accepted) seconds.push({ t: m.t, fps: m.fps ?? 0 });
    else if (m.t === undefined) monitorEvents.push(m);
  });
  let monitorExit: number | null | undefined;
  monitor.on('exit', (code) => (monitorExit = code));

  const peak = { rssBytes: 0, fds: 0 };
  const sample = setInterval(() => {
    peak.rssBytes = Math.max(peak.rssBytes, rssBytes(pid) ?? 0);
    peak.fds = Math.max(peak.fds, fds(pid));
  }, 1000);

  const churnFor = async (s: number): Promise<Churn> => {
    const churn = new Churn(url);
    churn.start(o.viewers);
    await sleep(s * 1000);
    await churn.stop();
    return churn;
  };

  log('warm-up');
  const warm = await churnFor(o.warmupS);
  await sleep(o.settleS * 1000);
  const baseline = await figures(url, pid);
  log(`baseline ${JSON.stringify(baseline)}; run`);
  const runStart = Date.now();
  const run = await churnFor(o.seconds);
  const runEnd = Date.now();
  log('settle');
  await sleep(o.settleS * 1000);
  const settleEnd = Date.now();
  const end = died ? { rssBytes: -1, fds: -1, processes: -1, viewers: -1 } : await figures(url, pid).catch(() => ({ rssBytes: -1, fds: -1, processes: -1, viewers: -1 }));
  clearInterval(sample);
  clearInterval(watch);
  const monitorAlive = monitorExit === undefined;
  monitor.kill('SIGTERM');

  // Whole seconds from the run's start to the settle's end (a tick at t covers the second before t).
  const window = seconds.filter((s) => s.t - 1000 >= runStart && s.t <= settleEnd);
  const expected = Math.floor((settleEnd - runStart) / 1000) - 1;
  const fpsMin = window.length ? Math.min(...window.map((s) => s.fps)) : 0;
  const worst = window.find((s) => s.fps === fpsMin);
  const rssLimit = Math.round(baseline.rssBytes * 1.1);
  const checks = {
    gatewayAlive: { ok: !died, detail: died ? `died at ${died}` : 'alive throughout' },
    rss: { ok: end.rssBytes > 0 && end.rssBytes <= rssLimit, detail: `end ${mb(end.rssBytes)} MB vs baseline ${mb(baseline.rssBytes)} MB (limit ${mb(rssLimit)} MB, ${pct(end.rssBytes, baseline.rssBytes)})` },
    fds: { ok: end.fds >= 0 && end.fds <= baseline.fds, detail: `end ${end.fds} vs baseline ${baseline.fds}` },
    childProcesses: { ok: end.processes >= 0 && end.processes <= baseline.processes, detail: `end ${end.processes} vs baseline ${baseline.processes}` },
    viewersLeft: { ok: end.viewers === (monitorAlive ? 1 : 0), detail: `${end.viewers - (monitorAlive ? 1 : 0)} viewers left besides the monitor` },
    monitorFps: {
      ok: monitorAlive && window.length >= expected - 1 && fpsMin >= o.minFps,
      detail: `min ${fpsMin} fps over ${window.length} s (expected ≥ ${o.minFps} in each of ~${expected} s)${worst ? ` at ${new Date(worst.t).toISOString()}` : ''}${monitorAlive ? '' : '; monitor disconnected'}`,
    },
  };
  const ok = Object.values(checks).every((c) => c.ok);
  const report = {
    ok,
    at: new Date().toISOString(),
    options: { viewers: o.viewers, seconds: o.seconds, warmupS: o.warmupS, settleS: o.settleS, minFps: o.minFps },
    definitions: {
      baseline: 'gateway figures after a full-load warm-up followed by the settle period (idle but for the monitor viewer)',
      end: 'the same figures after the run followed by the same settle period',
      rss: 'VmRSS of the gateway process (/proc/PID/status); check: end ≤ baseline × 1.10',
      fds: 'entries in /proc/PID/fd of the gateway; check: end ≤ baseline',
      processes: "the gateway's descendant processes (services, encoders); check: end ≤ baseline",
      monitorFps: 'frames the monitor viewer received in each whole wall-clock second from the run start to the settle end',
    },
    gateway: { pid, url },
    phases: { runStart: new Date(runStart).toISOString(), runEnd: new Date(runEnd).toISOString(), settleEnd: new Date(settleEnd).toISOString() },
    baseline,
    end,
    peak,
    monitor: { minFps: fpsMin, seconds: window.length, below: window.filter((s) => s.fps < o.minFps).length, perSecond: window.map((s) => s.fps), events: monitorEvents.slice(0, 20) },
    churn: { warmUp: warm.tally, run: run.tally },
    checks,
  };
  mkdirSync(resolve(o.out, '..'), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
  const { perSecond: _omit, ...monitorSummary } = report.monitor;
  console.log(JSON.stringify({ ...report, monitor: monitorSummary }, null, 2));
  log(`${ok ? 'PASS' : 'FAIL'}: ${Object.entries(checks).map(([k, c]) => `${k} ${c.ok ? 'ok' : 'FAILED'} (${c.detail})`).join('; ')}; report in ${o.out}`);
  await server.stop();
  return ok ? 0 : 1;
}

const mb = (b: number) => (b / 1048576).toFixed(1);
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)} %`;

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`soak: ${(err as Error).message}`);
    process.exit(2);
  },
);
