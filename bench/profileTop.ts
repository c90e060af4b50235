/**
 * Summarizes a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR`): self
 * time per function and per source file, heaviest first, so the hot path can
 * be read without a flame-graph viewer.
 * Run: node dist/bench/profileTop.js FILE.cpuprofile [N] [FROM:TO]
 * FROM:TO (seconds since the profile started, either side may be empty)
 * keeps only the samples in that window, e.g. the bench's measuring window
 * without start-up and the viewers joining. Self time per function, then
 * total (self + callees) for the project's own functions.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  name: string;
  selfMs: number;
  percent: number;
}

const short = (url: string): string => url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/').replace(/^node:/, 'node:');

/** A window of the profile, in seconds since it started; either end may be open. */
export interface ProfileWindow {
  fromS?: number;
  toS?: number;
}

/** "FROM:TO" → window; throws on anything else. */
export function parseWindow(raw: string): ProfileWindow {
  const m = /^(\d+(?:\.\d+)?)?:(\d+(?:\.\d+)?)?$/.exec(raw);
  if (!m) throw new Error(`window: expected FROM:TO in seconds (either may be empty), got "${raw}"`);
  return { ...(m[1] !== undefined && { fromS: Number(m[1]) }), ...(m[2] !== undefined && { toS: Number(m[2]) }) };
}

export function summarizeProfile(p: Profile, top = 25, window: ProfileWindow = {}): { totalMs: number; durationS: number; functions: ProfileLine[]; files: ProfileLine[]; inclusive: ProfileLine[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const from = (window.fromS ?? -Infinity) * 1e6;
  const to = (window.toS ?? Infinity) * 1e6;
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  // Total time of the project's own functions: a node's self time counts for every distinct project function on its stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, number>();
  for (const [id, ms] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)!.callFrame;
      if (!cf.url.includes('/dist/src/')) continue;
      const name = `${cf.functionName || '(anonymous)'} ${short(cf.url)}:${cf.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      incl.set(name, (incl.get(name) ?? 0) + ms);
    }
  }
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, ms] of self) {
    const cf = byId.get(id)!.callFrame;
    const where = cf.url ? short(cf.url) : '(native)';
    const name = `${cf.functionName || '(anonymous)'} ${where}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    fn.set(name, (fn.get(name) ?? 0) + ms);
    file.set(where, (file.get(where) ?? 0) + ms);
  }
  const lines = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, selfMs: Math.round(ms * 10) / 10, percent: Math.round((1000 * ms) / total) / 10 }));
  return { totalMs: Math.round(total), durationS: Math.round((p.endTime - p.startTime) / 1e5) / 10, functions: lines(fn), files: lines(file), inclusive: lines(incl) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, n, win] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profileTop.js FILE.cpuprofile [N] [FROM:TO seconds]\n');
    process.exit(64);
  }
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(n ?? 25), win ? parseWindow(win) : {});
  process.stdout.write(`${file}: ${s.durationS} s long, ${s.totalMs} ms sampled${win ? ` in ${win} s` : ''}\n\nself time by function\n`);
  for (const l of s.functions) process.stdout.write(`${l.percent.toFixed(1).padStart(6)} %  ${l.selfMs.toFixed(1).padStart(9)} ms  ${l.name}\n`);
  process.stdout.write('\nself time by file\n');
  for (const l of s.files) process.stdout.write(`${l.percent.toFixed(1).padStart(6)} %  ${l.selfMs.toFixed(1).padStart(9)} ms  ${l.name}\n`);
  process.stdout.write('\ntotal time (self + callees) of the project\'s functions\n');
  for (const l of s.inclusive) process.stdout.write(`${l.percent.toFixed(1).padStart(6)} %  ${l.selfMs.toFixed(1).padStart(9)} ms  ${l.name}\n`);
}
