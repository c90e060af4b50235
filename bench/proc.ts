/**
 * CPU and memory of other processes, read from /proc so the bench can measure
 * a server from outside it: user+system time from /proc/<pid>/stat, resident
 * memory from /proc/<pid>/status (VmRSS). A server's own process and the
 * processes it spawned (service children, their encoders) are metered
 * separately, so the cost of fan-out is not hidden inside the cost of capture.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { summarize, type Stat } from './stat.js';

let clkTck: number | undefined;
/** Clock ticks per second of the utime/stime fields (almost always 100). */
export function clockTicks(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

interface StatFields {
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** stime alone (kernel time: on loopback, most of a send's cost). */
  sysTicks: number;
}

function readStat(pid: number): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), sysTicks: Number(f[12]) };
}

/** CPU seconds (user + system) a process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  const s = readStat(pid);
  return s && s.ticks / clockTicks();
}

/** Resident set size in bytes; undefined once the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Every live process below `root` (children, grandchildren...). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (!s) continue;
    const list = children.get(s.ppid);
    if (list) list.push(Number(name));
    else children.set(s.ppid, [Number(name)]);
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

export interface ProcUsage {
  /** Mean CPU over the window, percent of one core. */
  cpuPercent: number;
  /** The kernel's share of cpuPercent (system time). */
  cpuSysPercent: number;
  /** CPU percent of one core per sampling interval. */
  cpuSamples: Stat | null;
  /** Resident memory, MB, sampled. */
  rssMB: Stat | null;
  rssStartMB: number | null;
  rssEndMB: number | null;
  cpuSeconds: number;
}

export interface MeterResult {
  seconds: number;
  /** The process itself. */
  main: ProcUsage;
  /** Everything it spawned, summed (service children, encoders). */
  children: ProcUsage & { pids: number[] };
}

interface Track {
  ticks: Map<number, number>;
  sysTicks: Map<number, number>;
  sysUsed: number;
  cpuSamples: number[];
  rss: number[];
  used: number;
}

const MB = 1024 * 1024;

/**
 * Samples a process tree every `intervalMs` from start() to stop(). CPU per
 * pid is accumulated as deltas, so a child that starts or exits mid-window is
 * counted for the time it ran.
 */
export class ProcMeter {
  readonly pid: number;
  /** The processes counted as `main`, summed (a fleet of viewer processes); their descendants are `children`. */
  readonly #mainPids: readonly number[];
  #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #t0 = 0;
  #tLast = 0;
  #main: Track = { ticks: new Map(), sysTicks: new Map(), sysUsed: 0, cpuSamples: [], rss: [], used: 0 };
  #kids: Track = { ticks: new Map(), sysTicks: new Map(), sysUsed: 0, cpuSamples: [], rss: [], used: 0 };
  #kidPids = new Set<number>();

  constructor(pid: number | readonly number[], intervalMs = 1000) {
    this.#mainPids = typeof pid === 'number' ? [pid] : [...pid];
    this.pid = this.#mainPids[0] ?? -1;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#t0 = this.#tLast = performance.now();
    this.#sample(false);
    this.#timer = setInterval(() => this.#sample(true), this.#intervalMs);
  }

  /** Per-pid tick deltas since the last sample, summed; new pids start from their current count. */
  #advance(track: Track, pids: number[], record: boolean, dt: number): void {
    let delta = 0;
    let sysDelta = 0;
    let rss = 0;
    const seen = new Map<number, number>();
    const seenSys = new Map<number, number>();
    for (const pid of pids) {
      const s = readStat(pid);
      if (!s) continue;
      const prev = track.ticks.get(pid);
      if (prev !== undefined) delta += s.ticks - prev;
      const prevSys = track.sysTicks.get(pid);
      if (prevSys !== undefined) sysDelta += s.sysTicks - prevSys;
      seen.set(pid, s.ticks);
      seenSys.set(pid, s.sysTicks);
      rss += rssBytes(pid) ?? 0;
    }
    track.ticks = seen;
    track.sysTicks = seenSys;
    track.sysUsed += sysDelta / clockTicks();
    const used = delta / clockTicks();
    track.used += used;
    // A sliver of an interval (the one stop() closes) would be all quantization noise at 10 ms per tick.
    if (record && dt >= (0.5 * this.#intervalMs) / 1000) {
      track.cpuSamples.push((100 * used) / dt);
      track.rss.push(rss / MB);
    } else if (!record) track.rss.push(rss / MB);
  }

  #sample(record: boolean): void {
    const now = performance.now();
    const dt = (now - this.#tLast) / 1000;
    this.#tLast = now;
    const kids = this.#mainPids.flatMap((p) => descendants(p));
    for (const k of kids) this.#kidPids.add(k);
    this.#advance(this.#main, [...this.#mainPids], record, dt);
    this.#advance(this.#kids, kids, record, dt);
  }

  stop(): MeterResult {
    clearInterval(this.#timer);
    this.#sample(true);
    const seconds = (this.#tLast - this.#t0) / 1000;
    const usage = (t: Track): ProcUsage => ({
      cpuPercent: seconds > 0 ? Math.round((10000 * t.used) / seconds) / 100 : 0,
      cpuSysPercent: seconds > 0 ? Math.round((10000 * t.sysUsed) / seconds) / 100 : 0,
      cpuSamples: summarize(t.cpuSamples, '% of one core'),
      rssMB: summarize(t.rss, 'MB'),
      rssStartMB: t.rss.length > 0 ? Math.round(t.rss[0]! * 10) / 10 : null,
      rssEndMB: t.rss.length > 0 ? Math.round(t.rss[t.rss.length - 1]! * 10) / 10 : null,
      cpuSeconds: Math.round(t.used * 1000) / 1000,
    });
    return { seconds: Math.round(seconds * 1000) / 1000, main: usage(this.#main), children: { ...usage(this.#kids), pids: [...this.#kidPids] } };
  }
}

/** The whole machine's CPU ticks so far (/proc/stat): busy (all but idle and iowait) and total, summed over cores. */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((s, x) => s + x, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/** Machine CPU busy between two readings, in % of one core (2 busy cores = 200), like every other CPU figure of the bench. */
export function machineBusyPercent(a: { busy: number; total: number }, b: { busy: number; total: number }, cores: number): number {
  const dt = b.total - a.total;
  return dt > 0 ? Math.round((10000 * cores * (b.busy - a.busy)) / dt) / 100 : 0;
}
