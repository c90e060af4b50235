/**
 * Case 12, the reversing-event recorder (issue 16, docs/recorder.md). The
 * rear camera is the bench clip (H.264 720p30, passed through, no encode)
 * with one WebSocket H.264 viewer in every run, so the only difference a
 * run with the recorder makes is the recorder.
 *
 * - CPU: alternated pairs of fresh servers, without and with the recorder; in
 *   the run with it a manual trigger keeps a clip being written (muxed and
 *   fsynced) through the whole window. The recorder's cost is its own
 *   process's CPU plus what the server's main process spent more than without
 *   it (feeding it frames), median of the pairs. The window opens once the
 *   trigger's pre-roll is written: that one-off (10 s of video muxed at once)
 *   is reported on its own, in CPU milliseconds per trigger.
 * - Memory: what the recorder process holds (JS heap + buffers) over what it
 *   held before its first frame, both read after a full GC (GET
 *   /api/events/stats; --expose-gc and the SIGUSR2 GC hook), beside the
 *   ring's bytes and the RSS growth.
 * - Trigger → listed in GET /api/events, and the end of the post window →
 *   the clip closed and `ffprobe -v error` clean, on a server with short clips.
 * - Upload: clips shipped by the host's EvidenceShipper to a JetStream hub
 *   through a leaf node on loopback, SHA-256 read back, in MB/s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from '../fleet.js';
import type { BenchOptions } from '../options.js';
import { descendants, ProcMeter } from '../proc.js';
import { part, type Part } from '../results.js';
import { startRevcamServer, type RevcamServer } from '../revcamServer.js';
import { summarize } from '../stat.js';
import { revcamServerOptions } from '../systems.js';
import { hasCommand } from '../tools.js';
import { progress, sleep } from '../util.js';
import { shipThroughLeaf } from './recorderUpload.js';

const r2 = (x: number) => Math.round(x * 100) / 100;
/** Seconds after a trigger in which the clip's pre-roll is muxed and written (it takes well under one here). */
const PRE_ROLL_FLUSH_S = 2;
const MB = 1024 * 1024;

/** The recorder part of a server's config: its own state folder, triggers off but for the ones the bench makes. */
function recorderExtra(stateDir: string, clip: { preSeconds: number; postSeconds: number; maxSeconds: number }): Record<string, unknown> {
  return {
    stateDir,
    services: [
      { manifest: 'builtin:reversing', standby: 'warm', idleStopMs: 10_000 },
      { manifest: 'builtin:recorder', standby: 'warm' },
    ],
    recorder: { ...clip, triggers: { sensorBelowM: null, decelerationMps2: null, impact: false, manoeuvre: false } },
  };
}

async function startServer(opts: BenchOptions, extra?: Record<string, unknown>): Promise<RevcamServer> {
  const o = revcamServerOptions(opts, 'h264', 'warm');
  // --expose-gc and the GC hook in both runs of a pair (the recorder's memory is read after a GC), so the two differ only by the recorder.
  return startRevcamServer({ ...o, gcHook: true, ...(extra && { extra }) });
}

/** The recorder's process among the server's descendants (the service child started with REVCAM_SERVICE=recorder). */
function recorderPid(serverPid: number): number | undefined {
  return descendants(serverPid).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes('REVCAM_SERVICE=recorder');
    } catch {
      return false;
    }
  });
}

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T };
}

interface Stats {
  ringBytes: number;
  framesIn: number;
  gaps: number;
  memory: { rssBytes: number; rssAtStartBytes: number; heapUsedBytes: number; arrayBuffersBytes: number; heapUsedAtStartBytes: number; arrayBuffersAtStartBytes: number };
}

/** One run of a CPU pair: one H.264 viewer, a window of opts.seconds; with the recorder, a clip written through it. */
async function cpuRun(opts: BenchOptions, withRecorder: boolean, stateDir: string): Promise<Record<string, unknown>> {
  const seconds = opts.seconds;
  const server = await startServer(opts, withRecorder ? recorderExtra(stateDir, { preSeconds: 10, postSeconds: seconds + 30, maxSeconds: seconds + 60 }) : undefined);
  const fleet = new Fleet();
  try {
    await fleet.connect({ kind: 'revcam', url: server.url, codec: 'h264' }, 1);
    // The recorder comes up a second after boot; its ring then fills for preSeconds before the window.
    await sleep(Math.max(opts.warmupSeconds, withRecorder ? (opts.quick ? 3 : 12) : 2) * 1000);
    let recPid: number | undefined;
    let trigger: { id: string } | undefined;
    let ringOnly: { recorderCpuPercent: number; mainCpuPercent: number } | undefined;
    let triggerBurst: { recorderCpuMs: number; mainCpuMs: number; seconds: number } | undefined;
    if (withRecorder) {
      recPid = recorderPid(server.pid);
      if (recPid === undefined) throw new Error('the recorder process did not start');
      // What the vehicle pays all the time: the ring filling, no clip (reported; R1 is judged on the window below).
      const main = new ProcMeter(server.pid, 500);
      const own = new ProcMeter(recPid, 500);
      main.start();
      own.start();
      await sleep(seconds * 1000);
      ringOnly = { recorderCpuPercent: own.stop().main.cpuPercent, mainCpuPercent: main.stop().main.cpuPercent };
      const burstMain = new ProcMeter(server.pid, 500);
      const burstOwn = new ProcMeter(recPid, 500);
      burstMain.start();
      burstOwn.start();
      trigger = (await getJson<{ id: string }>(`${server.url}/api/events`, { method: 'POST' })).body;
      await sleep(PRE_ROLL_FLUSH_S * 1000);
      const bo = burstOwn.stop();
      const bm = burstMain.stop();
      // What the first seconds cost beyond the steady rate of the ring alone: the pre-roll muxed and written.
      triggerBurst = { recorderCpuMs: Math.round(bo.main.cpuSeconds * 1000), mainCpuMs: Math.round(bm.main.cpuSeconds * 1000), seconds: bo.seconds };
    }
    const meter = new ProcMeter(server.pid, 500);
    const rec = recPid === undefined ? undefined : new ProcMeter(recPid, 500);
    meter.start();
    rec?.start();
    await fleet.mark();
    await sleep(seconds * 1000);
    const viewers = await fleet.collect();
    const m = meter.stop();
    const r = rec?.stop();
    if (recPid !== undefined) {
      // Memory held, not garbage waiting for a collection: a full GC in the recorder first (the baseline was taken after one).
      process.kill(recPid, 'SIGUSR2');
      await sleep(300);
    }
    const stats = withRecorder ? (await getJson<Stats>(`${server.url}/api/events/stats`)).body : undefined;
    return {
      recorder: withRecorder,
      seconds: m.seconds,
      mainCpuPercent: m.main.cpuPercent,
      childrenCpuPercent: m.children.cpuPercent,
      viewerFps: viewers.fps,
      ...(r && { recorderCpuPercent: r.main.cpuPercent, recorderCpuSamples: r.main.cpuSamples, recorderRssMB: r.main.rssMB }),
      ...(trigger && { clip: trigger.id }),
      ...(ringOnly && { ringOnly }),
      ...(triggerBurst && { triggerBurst }),
      ...(stats && {
        ringMB: r2(stats.ringBytes / MB),
        framesIn: stats.framesIn,
        gaps: stats.gaps,
        recorderRssOverStartMB: r2((stats.memory.rssBytes - stats.memory.rssAtStartBytes) / MB),
        recorderHeldMB: r2((stats.memory.heapUsedBytes - stats.memory.heapUsedAtStartBytes + stats.memory.arrayBuffersBytes - stats.memory.arrayBuffersAtStartBytes) / MB),
        recorderRssMBNow: r2(stats.memory.rssBytes / MB),
        recorderArrayBuffersMB: r2(stats.memory.arrayBuffersBytes / MB),
        recorderHeapUsedMB: r2(stats.memory.heapUsedBytes / MB),
      }),
    };
  } finally {
    await fleet.close();
    await server.stop();
  }
}

/** Trigger → listed, and post end → closed + ffprobe clean, `n` times on one server with 2 s + 1 s clips. */
async function timingRun(opts: BenchOptions, stateDir: string): Promise<Record<string, unknown>> {
  const post = 1;
  const server = await startServer(opts, recorderExtra(stateDir, { preSeconds: 2, postSeconds: post, maxSeconds: 10 }));
  const n = opts.quick ? 2 : Math.max(10, opts.iterations);
  const listed: number[] = [];
  const closedAfterPost: number[] = [];
  const probeErrors: string[] = [];
  try {
    await sleep(4_000); // the recorder up and its ring filled
    for (let i = 0; i < n; i++) {
      progress(`recorder: trigger ${i + 1}/${n}`);
      const t0 = performance.now();
      const { status, body } = await getJson<{ id: string; merged: boolean }>(`${server.url}/api/events`, { method: 'POST' });
      if (status !== 201) throw new Error(`POST /api/events: ${status} ${JSON.stringify(body)}`);
      for (;;) {
        const { body: list } = await getJson<{ events: { id: string }[] }>(`${server.url}/api/events`);
        if (list.events.some((e) => e.id === body.id)) break;
        if (performance.now() - t0 > 5_000) throw new Error(`${body.id} not listed within 5 s`);
      }
      listed.push(performance.now() - t0);
      // The clip ends post seconds after the trigger's frame: closed once a frame past that end arrives.
      const end = t0 + post * 1000;
      for (;;) {
        const { body: m } = await getJson<{ state: string }>(`${server.url}/api/events/${body.id}`);
        if (m.state !== 'recording') break;
        if (performance.now() - end > 10_000) throw new Error(`${body.id} not closed 10 s after its end`);
        await sleep(10);
      }
      closedAfterPost.push(performance.now() - end);
      const probe = spawnSync('ffprobe', ['-v', 'error', join(stateDir, 'recordings', `${body.id}.mp4`)], { encoding: 'utf8' });
      if (probe.status !== 0 || probe.stderr.trim() !== '') probeErrors.push(`${body.id}: ${probe.status} ${probe.stderr.trim().slice(0, 200)}`);
      await sleep(300); // past the post window: the next trigger opens a new clip
    }
    return { triggers: n, listedMs: summarize(listed, 'ms'), closedAfterPostMs: summarize(closedAfterPost, 'ms'), ffprobeClean: n - probeErrors.length, probeErrors };
  } finally {
    await server.stop();
  }
}

export async function runRecorder(opts: BenchOptions): Promise<Part[]> {
  const parts: Part[] = [];
  if (!hasCommand('ffmpeg') || !hasCommand('ffprobe')) {
    parts.push(await part('recorder', () => Promise.reject(new Error('ffmpeg/ffprobe are not installed (apt-get install ffmpeg)'))));
    return parts;
  }
  const dir = mkdtempSync(join(tmpdir(), 'revcam-bench-recorder-'));
  try {
    const pairs = opts.quick ? 1 : 3;
    for (let i = 1; i <= pairs; i++) {
      progress(`recorder: CPU pair ${i}/${pairs}, without`);
      parts.push(await part(`recorder cpu without, pair ${i}`, () => cpuRun(opts, false, join(dir, `without-${i}`))));
      progress(`recorder: CPU pair ${i}/${pairs}, with (a clip written through the window)`);
      parts.push(await part(`recorder cpu with, pair ${i}`, () => cpuRun(opts, true, join(dir, `with-${i}`))));
    }
    parts.push(await part('recorder trigger and close', () => timingRun(opts, join(dir, 'timing'))));
    // The longest clip recorded above (a CPU run's: pre-roll and the window), shipped in copies to a hub's JetStream through a leaf node.
    parts.push(
      await part('recorder upload through a leaf node', async () => {
        const found = readdirSync(dir)
          .map((d) => join(dir, d, 'recordings'))
          .filter((d) => existsSync(d))
          .flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.mp4')).map((f) => join(d, f)));
        if (found.length === 0) throw new Error('no clip to ship');
        const biggest = found.map((path) => ({ path, size: statSync(path).size })).sort((a, b) => b.size - a.size)[0]!;
        return shipThroughLeaf({ source: biggest.path, dir: join(dir, 'ship'), copies: opts.quick ? 2 : 8 });
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return parts;
}
