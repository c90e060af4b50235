/**
 * One measuring window of the NATS cases: viewers spread over several
 * targets (gateways, vehicles), several processes metered from /proc at once
 * (host, nats-server, gateways...), and the bytes through nats-server from
 * its /varz counters.
 */
import { runProbe } from '../../src/cli/probe.js';
import type { CodecName } from '../../src/wire/frame.js';
import { Fleet, type RevcamTarget } from '../fleet.js';
import type { BenchOptions } from '../options.js';
import { cpus } from 'node:os';
import { machineBusyPercent, machineTicks, ProcMeter, type ProcUsage } from '../proc.js';
import type { Stat } from '../stat.js';
import { sleep } from '../util.js';
import type { Collected } from '../viewers.js';
import { busRates, varz } from './natsServer.js';

export interface ViewerGroup {
  target: RevcamTarget;
  count: number;
  /** Label of the group in the results (a gateway, a vehicle). */
  label: string;
}

export interface NatsWindow {
  seconds: number;
  latencyMs: Stat | null;
  fps: Stat | null;
  /** Minimum fps per group. */
  groupFpsMin: Record<string, number>;
  gaps: number;
  viewerErrors: string[];
  /** Each metered process alone, and what it spawned (the host's service process). */
  cpu: Record<string, ProcUsage>;
  children: Record<string, ProcUsage>;
  viewersProcess: ProcUsage;
  /** Through nats-server in the window. */
  bus: ReturnType<typeof busRates> | null;
  mbPerSecondToViewers: number;
  /**
   * The whole machine's CPU in the window (% of one core; 100 × cores is all
   * of it) and the part of it no metered process used: other work sharing the
   * cores (on a shared machine, other jobs).
   */
  machine: { cpuPercent: number; capacityPercent: number; othersPercent: number };
  /** Every latency sample, when asked for. */
  latencySamples?: number[];
}

/** Waits until `url` serves the stream (a gateway has discovered the host and the host has opened the camera). */
export async function waitForStream(url: string, codec: CodecName, vehicle: string | undefined, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await runProbe({ url, codec, frames: 2, timeoutMs: 5_000, ...(vehicle !== undefined && { vehicle }) });
    if (!r.error) return;
    last = `${r.error.code}: ${r.error.message}`;
    await sleep(300);
  }
  throw new Error(`no ${codec} stream at ${url}${vehicle ? ` for ${vehicle}` : ''} within ${timeoutMs / 1000} s: ${last}`);
}

export async function measureWindow(opts: Pick<BenchOptions, 'warmupSeconds' | 'seconds'>, groups: ViewerGroup[], pids: Record<string, number>, monitorUrl?: string, samples = false, hooks: { atStart?: () => Promise<void>; atEnd?: () => Promise<void> } = {}): Promise<NatsWindow> {
  const fleet = new Fleet();
  try {
    const labels: string[] = [];
    for (const g of groups) {
      await fleet.connect(g.target, g.count);
      for (let i = 0; i < g.count; i++) labels.push(g.label);
    }
    await sleep(opts.warmupSeconds * 1000);
    const meters = Object.entries(pids).map(([name, pid]) => [name, new ProcMeter(pid)] as const);
    const viewers = new ProcMeter(fleet.pid);
    for (const [, m] of meters) m.start();
    viewers.start();
    const v0 = monitorUrl ? await varz(monitorUrl) : undefined;
    const m0 = machineTicks();
    await hooks.atStart?.();
    await fleet.mark();
    await sleep(opts.seconds * 1000);
    const c: Collected = await fleet.collect(undefined, samples);
    await hooks.atEnd?.();
    const m1 = machineTicks();
    const v1 = monitorUrl ? await varz(monitorUrl) : undefined;
    const cpu: Record<string, ProcUsage> = {};
    const children: Record<string, ProcUsage> = {};
    for (const [name, m] of meters) {
      const r = m.stop();
      cpu[name] = r.main;
      if (r.children.pids.length > 0) children[name] = r.children;
    }
    const viewersUsage = viewers.stop().main;
    const cores = cpus().length;
    const machineCpu = machineBusyPercent(m0, m1, cores);
    const ours = Object.values(cpu).reduce((sum, u) => sum + u.cpuPercent, 0) + Object.values(children).reduce((sum, u) => sum + u.cpuPercent, 0) + viewersUsage.cpuPercent;
    const groupFpsMin: Record<string, number> = {};
    for (const v of c.viewers) {
      const label = labels[v.index] ?? '?';
      groupFpsMin[label] = Math.min(groupFpsMin[label] ?? Infinity, v.fps);
    }
    return {
      seconds: c.seconds,
      latencyMs: c.latencyMs,
      fps: c.fps,
      groupFpsMin,
      gaps: c.viewers.reduce((s, v) => s + v.gaps, 0),
      viewerErrors: [...new Set(c.viewers.flatMap((v) => v.errors))].slice(0, 5),
      cpu,
      children,
      viewersProcess: viewersUsage,
      machine: { cpuPercent: machineCpu, capacityPercent: 100 * cores, othersPercent: Math.max(0, Math.round((machineCpu - ours) * 100) / 100) },
      bus: v0 && v1 ? busRates(v0, v1, c.seconds) : null,
      mbPerSecondToViewers: Math.round(c.bytesPerSecond / 1e4) / 100,
      ...(c.latencySamples && { latencySamples: c.latencySamples }),
    };
  } finally {
    await fleet.close();
  }
}

/** Mean CPU % of one core of every metered process in a window, flat (for the table). */
export function cpuPercents(w: NatsWindow): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, u] of Object.entries(w.cpu)) out[k] = u.cpuPercent;
  for (const [k, u] of Object.entries(w.children)) out[`${k} children`] = u.cpuPercent;
  out.viewers = w.viewersProcess.cpuPercent;
  return out;
}

export interface PairedWindow {
  /** Frames both viewers got (matched by capture time). */
  frames: number;
  /** Per frame: the bus viewer's latency − the local viewer's, ms. */
  addedMs: number[];
  busLatencyMs: number[];
  localLatencyMs: number[];
  machine: NatsWindow['machine'];
}

/**
 * One viewer on the local path and one through the bus, of the same camera
 * (a `revcam serve --nats` is host and local server at once), in one window:
 * each frame's two latencies are paired by its capture time, so the camera's
 * render/encode and most of the machine's jitter are common to both and
 * cancel, and what remains is what the bus adds to that frame.
 */
export async function measurePaired(opts: Pick<BenchOptions, 'warmupSeconds' | 'seconds'>, local: RevcamTarget, bus: RevcamTarget, pids: Record<string, number>): Promise<PairedWindow> {
  const fleet = new Fleet();
  try {
    await fleet.connect(local, 1);
    await fleet.connect(bus, 1);
    await sleep(opts.warmupSeconds * 1000);
    const cores = cpus().length;
    const meters = Object.values(pids).map((pid) => new ProcMeter(pid));
    const viewers = new ProcMeter(fleet.pid);
    for (const m of meters) m.start();
    viewers.start();
    const m0 = machineTicks();
    await fleet.mark();
    await sleep(opts.seconds * 1000);
    const l = await fleet.collect([1], true);
    const b = await fleet.collect([0], true);
    const m1 = machineTicks();
    const ours = meters.reduce((s, m) => {
      const r = m.stop();
      return s + r.main.cpuPercent + r.children.cpuPercent;
    }, 0) + viewers.stop().main.cpuPercent;
    const localAt = new Map<number, number>();
    (l.captureSamples ?? []).forEach((c, i) => localAt.set(c, l.latencySamples![i]!));
    const addedMs: number[] = [];
    const busLatencyMs: number[] = [];
    const localLatencyMs: number[] = [];
    (b.captureSamples ?? []).forEach((c, i) => {
      const lo = localAt.get(c);
      if (lo === undefined) return;
      const bu = b.latencySamples![i]!;
      addedMs.push(bu - lo);
      busLatencyMs.push(bu);
      localLatencyMs.push(lo);
    });
    const machineCpu = machineBusyPercent(m0, m1, cores);
    return { frames: addedMs.length, addedMs, busLatencyMs, localLatencyMs, machine: { cpuPercent: machineCpu, capacityPercent: 100 * cores, othersPercent: Math.max(0, Math.round((machineCpu - ours) * 100) / 100) } };
  } finally {
    await fleet.close();
  }
}
