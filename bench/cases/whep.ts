/**
 * Case 11, WHEP (issue 11 §3): what a WebRTC viewer costs and sees, beside
 * the WebSocket H.264 path, on the same input (the bench clip played as the
 * rear camera, the H.264 rows of cases 2 and 3).
 *
 * 1. Capture → decoded in Chromium, one viewer at a time: WHEP (abs-capture-time
 *    against requestVideoFrameCallback) and the display page over WebSocket
 *    (its own capture → paint figure), bench/whepLatency.ts.
 * 2. Fan-out: a fresh `revcam serve` per run, N viewers in a separate process
 *    (werift WHEP clients, bench/whepViewers.ts, or the WebSocket viewers of
 *    cases 2-3), the server's CPU and RSS metered from /proc, every viewer's
 *    fps, packets lost, capture → received. Per viewer: (CPU at N − CPU at 1)
 *    / (N − 1), and the least-squares slope over all counts.
 */
import type { BenchOptions } from '../options.js';
import { Fleet } from '../fleet.js';
import { cpus } from 'node:os';
import { machineBusyPercent, machineTicks, ProcMeter, type ProcUsage } from '../proc.js';
import { part, type Part } from '../results.js';
import { startRevcamServer, type RevcamServer } from '../revcamServer.js';
import type { Stat } from '../stat.js';
import { revcamServerOptions } from '../systems.js';
import { progress, sleep } from '../util.js';
import { browserLatency } from '../whepLatency.js';
import { WhepFleet } from '../whepFleet.js';
import { runProbe } from '../../src/cli/probe.js';

export type WhepTransport = 'ws' | 'whep';

interface FanoutRun {
  transport: WhepTransport;
  viewers: number;
  server: ProcUsage;
  children: ProcUsage;
  viewersProcess: ProcUsage;
  fps: Stat | null;
  /** Capture → whole frame received (WebSocket message; WHEP: the frame's last RTP packet). */
  latencyMs: Stat | null;
  mbPerSecond: number;
  /** WebSocket: frames missing from the sequence; WHEP: RTP packets missing. */
  lost: number;
  packets?: number;
  answerMs?: Stat | null;
  /** WHEP: offers made again after a failed DTLS handshake (werift's client, bench/whepViewers.ts). */
  retries?: number;
  /** WHEP: viewers that got no frame in the window. */
  silentViewers?: number;
  /** The server's RSS after a full GC at the window's end, every viewer still on, MB. */
  rssAfterGcMB: number | null;
  /** The whole machine's CPU over the window, % of one core (cores × 100 is all of it): a verdict on a busy machine says so. */
  machineBusyPercent: number;
  cores: number;
  viewerErrors?: string[];
}

async function startH264Server(opts: BenchOptions): Promise<RevcamServer> {
  // The GC hook: a viewer's memory is read after a full GC, so garbage not yet collected is counted for no one.
  const server = await startRevcamServer({ ...revcamServerOptions(opts, 'h264', 'hot'), gcHook: true });
  // The camera opens on the first viewer (warm standby): a probe first, so every run starts from a running stream.
  const probe = await runProbe({ url: server.url, codec: 'h264', frames: 2, timeoutMs: 15_000 });
  if (probe.error) {
    await server.stop();
    throw Object.assign(new Error(probe.error.message), { code: probe.error.code });
  }
  return server;
}

async function fanoutRun(opts: BenchOptions, transport: WhepTransport, n: number): Promise<FanoutRun> {
  const server = await startH264Server(opts);
  const fleet = transport === 'ws' ? new Fleet() : new WhepFleet();
  try {
    progress(`${transport} h264 × ${n} viewers`);
    if (fleet instanceof Fleet) await fleet.connect({ kind: 'revcam', url: server.url, codec: 'h264' }, n);
    else await fleet.connect(server.url, n);
    await sleep(opts.warmupSeconds * 1000);
    const meter = new ProcMeter(server.pid);
    const viewers = new ProcMeter(fleet instanceof Fleet ? fleet.pid : fleet.pids);
    meter.start();
    viewers.start();
    const machine0 = machineTicks();
    await fleet.mark();
    await sleep(opts.seconds * 1000);
    const m = meter.stop();
    const v = viewers.stop();
    const cores = cpus().length;
    const machine = machineBusyPercent(machine0, machineTicks(), cores);
    const base = { transport, viewers: n, server: m.main, children: m.children, viewersProcess: v.main, machineBusyPercent: machine, cores, rssAfterGcMB: await server.rssAfterGcMB() };
    if (fleet instanceof Fleet) {
      const c = await fleet.collect();
      return { ...base, fps: c.fps, latencyMs: c.latencyMs, mbPerSecond: Math.round(c.bytesPerSecond / 1e4) / 100, lost: c.viewers.reduce((s, x) => s + x.gaps, 0), viewerErrors: [...new Set(c.viewers.flatMap((x) => x.errors))].slice(0, 5) };
    }
    const c = await fleet.collect();
    const silent = c.viewers.filter((v) => v.frames === 0).map((v) => `viewer ${v.index}: ${v.state}${v.stateChanges.length ? ` (${v.stateChanges.join(', ')} ms after the window opened)` : ''}`);
    // The server's side of it: its warnings (a session it ended, a viewer it found too slow), newest last.
    if (silent.length > 0) for (const line of server.stderrTail().split('\n').filter((l) => l.includes('"level":40') || l.includes('"level":50')).slice(-4)) silent.push(`server: ${line.slice(0, 300)}`);
    return { ...base, fps: c.fps, latencyMs: c.latencyMs, mbPerSecond: Math.round(c.bytesPerSecond / 1e4) / 100, lost: c.lost, packets: c.packets, answerMs: c.answerMs, retries: c.retries, silentViewers: c.silentViewers, ...(silent.length > 0 && { viewerErrors: silent.slice(0, 8) }) };
  } finally {
    await fleet.close();
    await server.stop();
  }
}

/** Least-squares slope of y over x (CPU % per viewer); null with fewer than two distinct counts. */
export function slope(points: { x: number; y: number }[]): number | null {
  if (new Set(points.map((p) => p.x)).size < 2) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return num / den;
}

const r2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
/** (RSS after GC at the largest count − at the one before) / their difference, kB; null with fewer than three counts. */
function marginalRss(sorted: FanoutRun[]): number | null {
  const [a, b] = sorted.slice(-2);
  if (sorted.length < 3 || !a || !b || a.rssAfterGcMB === null || b.rssAfterGcMB === null) return null;
  return r2(((b.rssAfterGcMB - a.rssAfterGcMB) * 1024) / (b.viewers - a.viewers));
}
const fitOrNull = (points: { x: number; y: number }[]): number | null => (points.length >= 2 ? slope(points) : null);

/** Per-viewer server cost of one transport from its runs. */
export function perViewer(runs: FanoutRun[]): Record<string, unknown> {
  const sorted = [...runs].sort((a, b) => a.viewers - b.viewers);
  const one = sorted.find((r) => r.viewers === 1);
  const steps: Record<string, number | null> = {};
  const rss: Record<string, number | null> = {};
  for (const r of sorted) {
    if (!one || r.viewers === 1) continue;
    steps[`at${r.viewers}`] = r2((r.server.cpuPercent - one.server.cpuPercent) / (r.viewers - 1));
    const a = r.rssAfterGcMB;
    const b = one.rssAfterGcMB;
    rss[`at${r.viewers}`] = a === null || b === null ? null : r2(((a - b) * 1024) / (r.viewers - 1));
  }
  return {
    cpuPercentPerViewer: steps,
    cpuPercentPerViewerFit: r2(slope(sorted.map((r) => ({ x: r.viewers, y: r.server.cpuPercent })))),
    /** From the RSS after a full GC at each count (the median while streaming is in rssMBAt). */
    rssKBPerViewer: rss,
    /** Least-squares slope of the RSS after a full GC over every count, kB per viewer. */
    rssKBPerViewerFit: r2(fitOrNull(sorted.flatMap((r) => (r.rssAfterGcMB === null ? [] : [{ x: r.viewers, y: r.rssAfterGcMB * 1024 }])))),
    /**
     * What one more viewer adds between the two largest counts (10 → 50), after a full GC: the first viewers
     * also grow the process once (V8's young generation grows with the allocation rate: 31 MB from 1 to 10
     * viewers, 17 MB with --max-semi-space-size=2), which is the process's, not a viewer's.
     */
    rssKBPerViewerMarginal: marginalRss(sorted),
    cpuPercentAt: Object.fromEntries(sorted.map((r) => [String(r.viewers), r.server.cpuPercent])),
    rssMBAt: Object.fromEntries(sorted.map((r) => [String(r.viewers), r.server.rssMB?.median ?? null])),
    rssAfterGcMBAt: Object.fromEntries(sorted.map((r) => [String(r.viewers), r.rssAfterGcMB])),
  };
}

function runPart(r: FanoutRun): Part {
  const { transport, viewers, ...data } = r;
  return { name: `${transport} h264 × ${viewers}`, status: 'ok', data: { transport, viewers, ...data } };
}

export async function runWhep(opts: BenchOptions): Promise<Part[]> {
  const parts: Part[] = [];
  parts.push(
    await part('chromium capture → decoded h264 × 1', async () => {
      const server = await startH264Server(opts);
      try {
        progress('whep: capture → decoded in Chromium, WebSocket display then WHEP');
        const l = await browserLatency(server.url, opts.quick ? 1 : 2, opts.warmupSeconds * 1000, opts.seconds * 1000);
        return {
          whepDecodedMs: l.whep.decodedMs,
          wsDecodedMs: l.ws.decodedMs,
          whepDisplayMs: l.whep.displayMs,
          whepReceivedMs: l.whep.receivedMs,
          whep: { ...l.whep, decodedMs: undefined, displayMs: undefined, receivedMs: undefined },
          ws: { ...l.ws, decodedMs: undefined },
        };
      } finally {
        await server.stop();
      }
    }),
  );
  const runs: Record<WhepTransport, FanoutRun[]> = { ws: [], whep: [] };
  for (const n of opts.whepViewers) {
    for (const transport of ['ws', 'whep'] as const) {
      const p = await part(`${transport} h264 × ${n}`, async () => {
        const r = await fanoutRun(opts, transport, n);
        runs[transport].push(r);
        return runPart(r).data!;
      });
      parts.push(p);
    }
  }
  for (const transport of ['ws', 'whep'] as const) {
    if (runs[transport].length >= 2) parts.push({ name: `per viewer ${transport}`, status: 'ok', data: perViewer(runs[transport]) });
  }
  return parts;
}
