/**
 * What one WHEP packet costs the server, and where it goes (issue 19 §1):
 * a fresh `revcam serve` per viewer count (the bench clip as the rear
 * camera, as in case 11), N werift WHEP viewers in their own process
 * (bench/whepViewers.ts), the server's CPU from /proc over a window, the
 * packets the viewers received (+ lost) in that window, and, for the largest
 * count, a --cpu-prof of the server cut into the per-packet stages.
 *
 * Not the bench (no targets, no results file): a tool for docs/whep.md
 * "Per-packet cost".
 *
 * Run: npm run build && node dist/bench/whepProfile.js [--viewers 1,10] [--seconds 15] [--warmup 5] [--prof DIR]
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runProbe } from '../src/cli/probe.js';
import { ProcMeter, type ProcUsage } from './proc.js';
import type { Profile } from './profileTop.js';
import { startRevcamServer } from './revcamServer.js';
import { revcamServerOptions } from './systems.js';
import { progress, sleep } from './util.js';
import { WhepFleet } from './whepFleet.js';

/** The stages of a packet, first match walking up from the sampled frame (the deepest attribution wins). */
const STAGES: { stage: string; fn?: RegExp; url?: RegExp }[] = [
  { stage: 'gc', fn: /^\(garbage collector\)$/ },
  // werift is one bundle (lib/index.mjs): its stages are told by function name.
  { stage: 'send (UDP)', url: /node:dgram|node:internal\/dgram/ },
  { stage: 'send (UDP)', fn: /^(send|sendData|canSendApplicationData|sendto|sendRaw)$/, url: /index\.mjs|whep\/srtp\/|WhepSession/ },
  { stage: 'SRTP auth tag (HMAC-SHA1)', fn: /[Hh]mac|AuthTag$|^(hash|hmacSha1|tag)$/ },
  { stage: 'SRTP encryption (AES)', fn: /[Cc]ipher|setAAD|^final$|^update$|InitializationVector|generateCounter|keystream|xor|encryptRtp$/i },
  { stage: 'RTP header + extensions', fn: /serialize|AbsSendTime|SdesMid|ntpTime|_RtpHeader|RtpHeader|_RtpPacket|[Ee]xtension|writeHeader/ },
  { stage: 'buffers (concat, copies)', fn: /^(concat|copy|allocUnsafe|alloc|from|subarray|slice|_copy|_copyActual|allocate|createUnsafeBuffer|FastBuffer)$/ },
  { stage: 'SRTP context (ROC, state)', fn: /^(encrypt|updateRolloverCount|getSrtpSsrcState)$/, url: /index\.mjs/ },
  { stage: 'werift sender (history, BWE, stats, RTCP)', fn: /^(sendRtp|rtpPacketSent|runRtcp|milliTime|uint16Add|uint32Add)$/, url: /index\.mjs/ },
  { stage: 'packetization (shared per frame)', url: /whep\/(h264Rtp|sharedFrame|absCaptureTime)\.js|wire\/h264\.js/ },
  { stage: 'revcam WHEP session', url: /whep\/(WhepSession|rtpTimeline|srtp\/)/ },
  { stage: 'promises, ticks (async per packet)', fn: /^(runMicrotasks|processTicksAndRejections|afterDns)$/ },
  { stage: 'frame in (camera, hub, consumers)', url: /dist\/src\/(stream|consumer|host|wire|codec|source|events|services)\// },
  { stage: 'werift receive, ICE, timers (rest of werift)', url: /index\.mjs/ },
];

export function stagesOf(p: Profile, fromS = -Infinity, toS = Infinity): { totalMs: number; stages: [string, number][]; other: [string, number][] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cache = new Map<number, string>();
  const classify = (id: number): string => {
    const hit = cache.get(id);
    if (hit) return hit;
    let out = 'other (idle excluded)';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)!.callFrame;
      const rule = STAGES.find((r) => (!r.fn || r.fn.test(cf.functionName)) && (!r.url || r.url.test(cf.url)));
      if (rule) {
        out = rule.stage;
        break;
      }
    }
    cache.set(id, out);
    return out;
  };
  const ms = new Map<string, number>();
  const other = new Map<string, number>();
  let t = 0;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < fromS * 1e6 || t > toS * 1e6) continue;
    const node = byId.get(p.samples[i]!)!;
    if (node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)') continue;
    const d = (p.timeDeltas[i] ?? 0) / 1000;
    const stage = classify(p.samples[i]!);
    ms.set(stage, (ms.get(stage) ?? 0) + d);
    if (stage.startsWith('other')) {
      const k = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
      other.set(k, (other.get(k) ?? 0) + d);
    }
    total += d;
  }
  return { totalMs: total, stages: [...ms].sort((a, b) => b[1] - a[1]), other: [...other].sort((a, b) => b[1] - a[1]).slice(0, 12) };
}

interface Run {
  viewers: number;
  server: ProcUsage;
  packets: number;
  lost: number;
  seconds: number;
  fpsMin: number | null;
  /** RSS after a full GC at the window's end, every viewer on, MB. */
  rssAfterGcMB: number | null;
  profile?: string;
  window?: [number, number];
}

async function run(n: number, seconds: number, warmup: number, profDir: string | undefined): Promise<Run> {
  // The profile starts with the process: the window is taken from just before it is spawned.
  const started = performance.now();
  const server = await startRevcamServer({ ...revcamServerOptions({ cpuProfDir: null }, 'h264', 'hot'), gcHook: true, ...(profDir && { cpuProfDir: profDir }) });
  const fleet = new WhepFleet();
  try {
    const probe = await runProbe({ url: server.url, codec: 'h264', frames: 2, timeoutMs: 15_000 });
    if (probe.error) throw new Error(probe.error.message);
    progress(`whep × ${n}: connecting`);
    await fleet.connect(server.url, n);
    await sleep(warmup * 1000);
    const meter = new ProcMeter(server.pid);
    meter.start();
    const from = (performance.now() - started) / 1000;
    await fleet.mark();
    await sleep(seconds * 1000);
    const m = meter.stop();
    const c = await fleet.collect();
    const to = (performance.now() - started) / 1000;
    const rssAfterGcMB = await server.rssAfterGcMB();
    return { viewers: n, server: m.main, packets: c.packets, lost: c.lost, seconds: c.seconds, fpsMin: c.fps?.min ?? null, rssAfterGcMB, window: [Math.round(from * 10) / 10, Math.round(to * 10) / 10] };
  } finally {
    await fleet.close();
    await server.stop();
  }
}

function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

function printStages(file: string, window: [number, number], pps: number): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const s = stagesOf(p, window[0], window[1]);
  const packets = pps * (window[1] - window[0]);
  process.stdout.write(`\n${file}: busy ${Math.round(s.totalMs)} ms sampled in ${window[0]}:${window[1]} s, ${Math.round(packets)} packets sent\n`);
  for (const [stage, ms] of s.stages) process.stdout.write(`${((100 * ms) / s.totalMs).toFixed(1).padStart(6)} %  ${((1000 * ms) / packets).toFixed(2).padStart(7)} µs/packet  ${stage}\n`);
  process.stdout.write(`(µs/packet: the server's busy time per packet sent, its baseline (the camera's frames in) included)\n  other: ${s.other.map(([k, ms]) => `${k} ${Math.round(ms)} ms`).join(', ')}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { viewers: { type: 'string', default: '1,10' }, seconds: { type: 'string', default: '15' }, warmup: { type: 'string', default: '5' }, prof: { type: 'string' }, profile: { type: 'string' }, window: { type: 'string' }, pps: { type: 'string' } } });
  if (values.profile) {
    // Re-read a profile taken before: --profile FILE --window FROM:TO --pps PACKETS_PER_SECOND.
    const [a, b] = (values.window ?? '0:1e9').split(':').map(Number);
    return printStages(values.profile, [a!, b!], Number(values.pps));
  }
  const counts = values.viewers!.split(',').map(Number);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const runs: Run[] = [];
  for (const n of counts) {
    const profDir = values.prof && n === Math.max(...counts) ? values.prof : undefined;
    if (profDir) mkdirSync(profDir, { recursive: true });
    const r = await run(n, seconds, warmup, profDir);
    if (profDir) r.profile = newestProfile(profDir);
    runs.push(r);
    const pps = (r.packets + r.lost) / r.seconds;
    progress(`whep × ${n}: server ${r.server.cpuPercent} % of a core (sys ${r.server.cpuSysPercent} %), RSS ${r.server.rssMB?.median} MB (${r.rssAfterGcMB} MB after a full GC), ${Math.round(pps)} packets/s sent, ${r.lost} lost, min fps ${r.fpsMin}`);
  }
  const one = runs.find((r) => r.viewers === Math.min(...counts))!;
  for (const r of runs) {
    if (r === one) continue;
    const dCpu = (r.server.cpuPercent - one.server.cpuPercent) / 100; // cores
    const dPps = (r.packets + r.lost) / r.seconds - (one.packets + one.lost) / one.seconds;
    const perViewer = (r.server.cpuPercent - one.server.cpuPercent) / (r.viewers - one.viewers);
    // After a full GC on both sides: young garbage (the per-frame buffers) is no one's.
    const rssPerViewer = r.rssAfterGcMB !== null && one.rssAfterGcMB !== null ? ((r.rssAfterGcMB - one.rssAfterGcMB) * 1024) / (r.viewers - one.viewers) : null;
    process.stdout.write(
      `${one.viewers} → ${r.viewers} viewers: ${((dCpu * 1e6) / dPps).toFixed(1)} µs of server CPU per extra packet (${Math.round(dPps)} packets/s more), ` +
        `${perViewer.toFixed(2)} % of a core and ${rssPerViewer === null ? '?' : Math.round(rssPerViewer)} kB RSS per extra viewer\n`,
    );
    if (r.profile && r.window) printStages(r.profile, r.window, (r.packets + r.lost) / r.seconds);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
