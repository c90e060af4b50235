/**
 * Summarizes a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR`): self
 * time per function and per source file, heaviest first, so the hot path can
 * be read without a flame-graph viewer.
 * Run: node dist/bench/profileTop.js FILE.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
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

export function summarizeProfile(p: Profile, top = 25): { totalMs: number; functions: ProfileLine[]; files: ProfileLine[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
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
  return { totalMs: Math.round(total), functions: lines(fn), files: lines(file) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profileTop.js FILE.cpuprofile [N]\n');
    process.exit(64);
  }
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(n ?? 25));
  process.stdout.write(`${file}: ${s.totalMs} ms sampled\n\nself time by function\n`);
  for (const l of s.functions) process.stdout.write(`${l.percent.toFixed(1).padStart(6)} %  ${l.selfMs.toFixed(1).padStart(9)} ms  ${l.name}\n`);
  process.stdout.write('\nself time by file\n');
  for (const l of s.files) process.stdout.write(`${l.percent.toFixed(1).padStart(6)} %  ${l.selfMs.toFixed(1).padStart(9)} ms  ${l.name}\n`);
}
