/**
 * The viewer process: many viewers of one server, in a process of their own
 * so the server's CPU is measured alone. Driven by the bench over IPC
 * (bench/fleet.ts); every command gets one reply.
 *
 * Viewers: revcam WebSocket viewers (/api/stream, the wire format of
 * src/wire/frame.ts) and HTTP-FLV viewers of the peer (bench/flv.ts). The
 * display emulation for gear → first frame lives here too (bench/display.ts).
 */
import http from 'node:http';
import WebSocket from 'ws';
import { runProbe, streamUrl, type ProbeOptions } from '../src/cli/probe.js';
import { decodeHeader, FrameFlag, nowUs, type CodecName } from '../src/wire/frame.js';
import { DisplayClient } from './display.js';
import { FlvReader } from './flv.js';
import { readStamp } from './h264.js';
import { summarize, type Stat } from './stat.js';
import { Tally, type ResumeReport, type ViewerReport } from './viewerTally.js';

/** The catch-up flag of H.264 frames replayed from the keyframe cache, when the wire format has it. */
export const CATCH_UP_FLAG: number = (FrameFlag as Record<string, number>).catchUp ?? 0;

export type ViewerCommand =
  | { op: 'connect'; kind: 'revcam'; url: string; codec: CodecName; service: string; camera: string; vehicle?: string; count: number }
  | { op: 'connect'; kind: 'flv'; url: string; count: number }
  | { op: 'mark' }
  | { op: 'collect'; exclude?: number[]; samples?: boolean }
  | { op: 'pause'; index: number }
  | { op: 'resume'; index: number; liveThresholdMs: number }
  | { op: 'resumeReport'; index: number }
  | { op: 'closeAll' }
  | { op: 'late'; options: Omit<ProbeOptions, 'onFrame' | 'signal'>; liveThresholdMs: number }
  | { op: 'lateFlv'; url: string; liveThresholdMs: number; timeoutMs: number }
  | { op: 'display'; url: string }
  | { op: 'reverse'; url: string; codec: CodecName; service: string; camera: string; timeoutMs: number }
  | { op: 'forward'; url: string; timeoutMs: number }
  | { op: 'displayClose' };

export interface Collected {
  seconds: number;
  viewers: ViewerReport[];
  /** Capture → fully received, every frame of every included viewer, ms. */
  latencyMs: Stat | null;
  /** Received frames per second, one sample per included viewer. */
  fps: Stat | null;
  bytesPerSecond: number;
  /** Every latency sample of the included viewers, when asked for (to pool several windows). */
  latencySamples?: number[];
  /** The capture time (µs) of each of latencySamples, in the same order. */
  captureSamples?: number[];
}

export interface LateResult {
  /** Request to the first frame received, ms. */
  ttffMs: number | null;
  firstAgeMs: number | null;
  /** Request to the first frame that is painted (H.264: not a catch-up frame), ms. */
  firstPaintedMs: number | null;
  firstPaintedAgeMs: number | null;
  /** Request to the first frame no older than the live threshold, ms. */
  firstLiveMs: number | null;
  /** Frames received before the first painted one (decoded, not shown). */
  catchUpFrames: number;
  error: string | null;
}

interface Viewer {
  tally: Tally;
  pause(): void;
  resume(): void;
  close(): void;
}

const viewers: Viewer[] = [];
let windowStartMs = 0;
let display: DisplayClient | undefined;

function connectRevcam(url: string, codec: CodecName, service: string, camera: string, index: number, vehicle?: string): Promise<Viewer> {
  const tally = new Tally(index);
  let ws: WebSocket;
  let closed = false;
  const v: Viewer = {
    tally,
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    close: () => {
      closed = true;
      ws.terminate();
    },
  };
  /**
   * One connection. A viewer the server dropped while it was stalled
   * (unresponsive) reconnects as a display does (retrying every 100 ms) while
   * its resume is being measured: its first live frame is on the new connection.
   */
  const open = (onAccepted: () => void, onRefused: (err: Error) => void): void => {
    ws = new WebSocket(streamUrl(url), { perMessageDeflate: false, skipUTF8Validation: true, maxPayload: 256 * 1024 * 1024 });
    const me = ws;
    const timer = setTimeout(() => onRefused(new Error(`viewer ${index}: no answer within 15 s`)), 15_000);
    me.on('open', () => me.send(JSON.stringify({ type: 'request', service, camera, codec, ...(vehicle !== undefined && { vehicle }) })));
    me.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) {
        const m = JSON.parse(data.toString()) as { type: string; code?: string; message?: string; event?: string };
        if (m.type === 'accepted') {
          clearTimeout(timer);
          onAccepted();
        } else if (m.type === 'error') {
          clearTimeout(timer);
          onRefused(Object.assign(new Error(`${m.code}: ${m.message}`), { code: m.code }));
        }
        return;
      }
      try {
        const h = decodeHeader(data);
        tally.frame(h.captureUs, data.length, h.seq);
      } catch (err) {
        tally.errors.push((err as Error).message);
      }
    });
    me.on('error', (err) => {
      clearTimeout(timer);
      tally.errors.push(err.message);
      onRefused(err);
    });
    me.on('close', () => {
      clearTimeout(timer);
      if (!closed && me === ws && tally.awaitingLive) {
        tally.reconnecting();
        const retry = () => setTimeout(() => !closed && open(() => {}, retry), 100);
        retry();
      }
    });
  };
  return new Promise((resolve, reject) => open(() => resolve(v), reject));
}

function connectFlv(url: string, index: number): Promise<Viewer> {
  const tally = new Tally(index);
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode} from ${url}`));
        return;
      }
      const reader = new FlvReader((f) => {
        let stamp: number | undefined;
        for (const n of f.nals) if ((stamp = readStamp(n)) !== undefined) break;
        tally.frame(stamp, f.tagBytes);
      });
      res.on('data', (chunk: Buffer) => {
        try {
          reader.push(chunk);
        } catch (err) {
          tally.errors.push((err as Error).message);
          req.destroy();
        }
      });
      res.on('error', (err) => tally.errors.push(err.message));
      resolve({ tally, pause: () => res.pause(), resume: () => res.resume(), close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

function collect(exclude: number[] = [], samples = false): Collected {
  const seconds = (performance.now() - windowStartMs) / 1000;
  const reports: ViewerReport[] = [];
  const lat: number[] = [];
  const fps: number[] = [];
  let bytes = 0;
  const caps: number[] = [];
  for (const v of viewers) {
    const t = v.tally;
    t.stopMeasuring();
    const l = summarize(t.latencies, 'ms');
    reports.push({
      index: t.index,
      frames: t.frames,
      bytes: t.bytes,
      fps: Math.round((t.frames / seconds) * 100) / 100,
      gaps: t.gaps,
      latencyP50: l?.median ?? null,
      latencyP99: l?.p99 ?? null,
      errors: t.errors.slice(0, 5),
    });
    if (exclude.includes(t.index)) continue;
    for (const x of t.latencies) lat.push(x);
    if (samples) for (const x of t.captures) caps.push(x);
    fps.push(t.frames / seconds);
    bytes += t.bytes;
  }
  return { seconds: Math.round(seconds * 1000) / 1000, viewers: reports, latencyMs: summarize(lat, 'ms'), fps: summarize(fps, 'fps'), bytesPerSecond: Math.round(bytes / seconds), ...(samples && { latencySamples: lat, captureSamples: caps }) };
}

/** A late HTTP-FLV viewer: what the peer shows first, and how old it is. */
function lateFlv(url: string, liveThresholdMs: number, timeoutMs: number): Promise<LateResult> {
  const t0 = performance.now();
  const out: LateResult = { ttffMs: null, firstAgeMs: null, firstPaintedMs: null, firstPaintedAgeMs: null, firstLiveMs: null, catchUpFrames: 0, error: null };
  return new Promise((resolve) => {
    let req: http.ClientRequest | undefined = undefined;
    const done = (error?: string) => {
      clearTimeout(timer);
      if (error) out.error = error;
      req?.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => done(`no live frame within ${timeoutMs} ms`), timeoutMs);
    req = http.get(url, { agent: false }, (res) => {
      const reader = new FlvReader((f) => {
        const ms = performance.now() - t0;
        let stamp: number | undefined;
        for (const n of f.nals) if ((stamp = readStamp(n)) !== undefined) break;
        const age = stamp === undefined ? null : (nowUs() - stamp) / 1000;
        if (out.ttffMs === null) {
          out.ttffMs = ms;
          out.firstAgeMs = age;
          // An FLV player paints what it decodes: the cached GOP is shown as it arrives.
          out.firstPaintedMs = ms;
          out.firstPaintedAgeMs = age;
        }
        if (age !== null && age <= liveThresholdMs) {
          out.firstLiveMs = ms;
          done();
        }
      });
      res.on('data', (c: Buffer) => reader.push(c));
    });
    req.on('error', (err) => done(err.message));
  });
}

/** A late revcam viewer via the CLI probe; for H.264 the first painted frame is the first that is not catch-up. */
async function lateRevcam(options: Omit<ProbeOptions, 'onFrame' | 'signal'>, liveThresholdMs: number): Promise<LateResult> {
  let firstRecv: number | undefined;
  let painted: { recv: number; age: number } | undefined;
  let live: number | undefined;
  let catchUp = 0;
  const r = await runProbe({
    ...options,
    onFrame: (f, receivedMs) => {
      const age = (nowUs() - f.captureUs) / 1000;
      firstRecv ??= receivedMs;
      const isCatchUp = (f as unknown as { catchUp?: boolean }).catchUp === true;
      if (isCatchUp) catchUp++;
      else painted ??= { recv: receivedMs, age };
      if (!isCatchUp && age <= liveThresholdMs) live ??= receivedMs;
    },
  });
  const at = (recv: number | undefined) => (recv === undefined || r.ttffMs === null || firstRecv === undefined ? null : r.ttffMs + (recv - firstRecv));
  return {
    ttffMs: r.ttffMs,
    firstAgeMs: r.firstFrameAgeMs,
    firstPaintedMs: at(painted?.recv),
    firstPaintedAgeMs: painted?.age ?? null,
    firstLiveMs: at(live),
    catchUpFrames: catchUp,
    error: r.error ? `${r.error.code}: ${r.error.message}` : null,
  };
}

async function handle(cmd: ViewerCommand): Promise<unknown> {
  switch (cmd.op) {
    case 'connect': {
      const base = viewers.length;
      const made = await Promise.allSettled(
        Array.from({ length: cmd.count }, (_, i) =>
          cmd.kind === 'revcam' ? connectRevcam(cmd.url, cmd.codec, cmd.service, cmd.camera, base + i, cmd.vehicle) : connectFlv(cmd.url, base + i),
        ),
      );
      const failed = made.filter((m): m is PromiseRejectedResult => m.status === 'rejected');
      for (const m of made) if (m.status === 'fulfilled') viewers.push(m.value);
      if (failed.length > 0) {
        const first = failed[0]!.reason as Error & { code?: string };
        throw Object.assign(new Error(`${failed.length} of ${cmd.count} viewers failed: ${first.message}`), { code: first.code });
      }
      return { connected: viewers.length };
    }
    case 'mark':
      windowStartMs = performance.now();
      for (const v of viewers) v.tally.mark();
      return {};
    case 'collect':
      return collect(cmd.exclude, cmd.samples);
    case 'pause':
      viewers[cmd.index]?.pause();
      return {};
    case 'resume': {
      const v = viewers[cmd.index];
      v?.tally.resumed(cmd.liveThresholdMs);
      v?.resume();
      return {};
    }
    case 'resumeReport':
      return (viewers[cmd.index]?.tally.resumeReport ?? null) satisfies ResumeReport | null;
    case 'closeAll':
      for (const v of viewers.splice(0)) v.close();
      return {};
    case 'late':
      return lateRevcam(cmd.options, cmd.liveThresholdMs);
    case 'lateFlv':
      return lateFlv(cmd.url, cmd.liveThresholdMs, cmd.timeoutMs);
    case 'display':
      display?.close();
      display = await DisplayClient.connect(cmd.url, CATCH_UP_FLAG);
      return {};
    case 'reverse':
      if (!display) throw new Error('no display connected');
      return display.reverse(cmd);
    case 'forward':
      if (!display) throw new Error('no display connected');
      return display.forward(cmd.url, cmd.timeoutMs);
    case 'displayClose':
      display?.close();
      display = undefined;
      return {};
  }
}

process.on('message', (msg: { id: number; cmd: ViewerCommand }) => {
  handle(msg.cmd).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: Error & { code?: string }) => process.send?.({ id: msg.id, ok: false, error: err.message, code: err.code }),
  );
});
process.on('disconnect', () => process.exit(0));
