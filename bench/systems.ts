/**
 * One measured run: a server (revcam, the floor or the peer) in its own
 * process, N viewers in the viewer process, a warm-up, then a window in which
 * the server's CPU and RSS are metered from /proc while every viewer counts
 * frames and capture-to-receive latency.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProbe } from '../src/cli/probe.js';
import { encodeFrame, type CodecName } from '../src/wire/frame.js';
import { RpcChild } from './child.js';
import { ensureClip, ensureClipMp4, loadClip } from './clip.js';
import { hasCommand } from './tools.js';
import { Fleet, type FlvTarget, type RevcamTarget } from './fleet.js';
import { packFrames, type FloorCommand, type FloorMode } from './floor.js';
import { annexB } from './h264.js';
import type { BenchOptions } from './options.js';
import { startPeer } from './peerSystem.js';
import { ProcMeter, type ProcUsage } from './proc.js';
import { SkipError, type Status } from './results.js';
import { startRevcamServer, type RevcamServerOptions } from './revcamServer.js';
import type { Stat } from './stat.js';
import { FPS, progress, sleep } from './util.js';

export type SystemName = 'revcam' | 'floor' | 'floor-prebuilt' | 'peer';

export interface RunRow {
  system: SystemName;
  codec: CodecName;
  viewers: number;
  status: Status;
  skipped?: string;
  error?: string;
  seconds?: number;
  /** The process that fans out: revcam's server, the floor, node-media-server. */
  server?: ProcUsage;
  /** What the server spawned (revcam's service children and their encoders). */
  children?: ProcUsage;
  /** ffmpeg publishing to the peer. */
  publisher?: ProcUsage;
  /** The viewer process (it shares the machine's cores with the server: context for latency). */
  viewersProcess?: ProcUsage;
  latencyMs?: Stat | null;
  fps?: Stat | null;
  mbPerSecond?: number;
  /** Frames lost in sequence gaps, all viewers. */
  gaps?: number;
  viewerErrors?: string[];
}

/**
 * The rear camera for a codec. JPEG: the built-in synthetic camera (rendered
 * and encoded in the service). H.264: the bench clip played as a camera
 * (`file:`, copied through, never re-encoded), the very bytes the peer gets.
 */
export function revcamCamera(codec: CodecName): Record<string, unknown> {
  if (codec === 'jpeg') return {};
  if (!hasCommand('ffmpeg')) throw new SkipError('ffmpeg is not installed (apt-get install ffmpeg): no H.264 input');
  return { source: `file:${ensureClipMp4()}` };
}

/**
 * Hot standby opens the camera in the service's first codec (JPEG): with an
 * H.264 camera that starts a JPEG transcoder nobody watches (docs/performance.md,
 * finding F6), so H.264 runs use warm standby: the camera opens in H.264 for
 * the reverse-gear hold or the first viewer.
 */
export function revcamServerOptions(opts: Pick<BenchOptions, 'cpuProfDir'>, codec: CodecName, standby: RevcamServerOptions['standby']): RevcamServerOptions {
  const level = codec === 'h264' && standby === 'hot' ? 'warm' : standby;
  return { standby: level, codec, camera: revcamCamera(codec), ...(opts.cpuProfDir && { cpuProfDir: opts.cpuProfDir }) };
}

interface Window {
  server: ProcUsage;
  children: ProcUsage;
  extra?: ProcUsage;
  viewersProcess: ProcUsage;
  seconds: number;
  latencyMs: Stat | null;
  fps: Stat | null;
  mbPerSecond: number;
  gaps: number;
  viewerErrors: string[];
}

/** Connects N viewers, warms up, and measures one window. */
export async function measure(opts: BenchOptions, target: RevcamTarget | FlvTarget, n: number, serverPid: number, extraPid?: number): Promise<Window> {
  const fleet = new Fleet();
  try {
    await fleet.connect(target, n);
    await sleep(opts.warmupSeconds * 1000);
    const meter = new ProcMeter(serverPid);
    const extra = extraPid === undefined ? undefined : new ProcMeter(extraPid);
    const viewers = new ProcMeter(fleet.pid);
    meter.start();
    extra?.start();
    viewers.start();
    await fleet.mark();
    await sleep(opts.seconds * 1000);
    const c = await fleet.collect();
    const m = meter.stop();
    const e = extra?.stop();
    const v = viewers.stop();
    return {
      server: m.main,
      children: m.children,
      ...(e && { extra: e.main }),
      viewersProcess: v.main,
      seconds: c.seconds,
      latencyMs: c.latencyMs,
      fps: c.fps,
      mbPerSecond: Math.round(c.bytesPerSecond / 1e4) / 100,
      gaps: c.viewers.reduce((s, v) => s + v.gaps, 0),
      viewerErrors: [...new Set(c.viewers.flatMap((v) => v.errors))].slice(0, 5),
    };
  } finally {
    await fleet.close();
  }
}

function row(system: SystemName, codec: CodecName, viewers: number, w: Window): RunRow {
  return {
    system,
    codec,
    viewers,
    status: 'ok',
    seconds: w.seconds,
    server: w.server,
    children: w.children,
    ...(w.extra && { publisher: w.extra }),
    viewersProcess: w.viewersProcess,
    latencyMs: w.latencyMs,
    fps: w.fps,
    mbPerSecond: w.mbPerSecond,
    gaps: w.gaps,
    viewerErrors: w.viewerErrors,
  };
}

/** Frames the floor replays: recorded from revcam when it serves the codec, else the bench clip in revcam's wire format. */
/** The frames from the first keyframe up to (not including) the last one: whole groups; all of them if there are not two keyframes. */
export function wholeGroups<T>(frames: T[], keyframe: boolean[]): T[] {
  const first = keyframe.indexOf(true);
  const last = keyframe.lastIndexOf(true);
  return first >= 0 && last > first ? frames.slice(first, last) : frames;
}

export async function floorFrames(url: string | undefined, codec: CodecName): Promise<Uint8Array[]> {
  if (url) {
    const frames: Uint8Array[] = [];
    const keys: boolean[] = [];
    // H.264: whole groups only (keyframe to before the next keyframe), so the floor replays the
    // stream's own mix of keyframes and P-frames, byte for byte the rate revcam sends. 30 frames
    // from a late viewer's catch-up burst held two keyframes: 13 % more bytes than the stream.
    const r = await runProbe({
      url,
      codec,
      frames: codec === 'h264' ? 100 : 30,
      timeoutMs: 8000,
      onFrame: (f) => {
        frames.push(encodeFrame({ ...f, catchUp: false } as typeof f));
        keys.push(f.keyframe);
      },
    });
    if (r.ok) return codec === 'h264' ? wholeGroups(frames, keys) : frames;
  }
  if (codec === 'jpeg') throw new SkipError('no JPEG frames to replay');
  const aus = loadClip(ensureClip()).slice(0, 60);
  return aus.map((au, i) => encodeFrame({ version: 1, codec: 'h264', keyframe: au.keyframe, discontinuity: false, seq: i, captureUs: 0, width: 1280, height: 720, payload: annexB(au.nals) }));
}

export async function runRevcam(opts: BenchOptions, codec: CodecName, n: number, onServer?: (url: string) => Promise<void>): Promise<RunRow> {
  const server = await startRevcamServer(revcamServerOptions(opts, codec, 'hot'));
  try {
    // A single probe first: a codec revcam does not serve yet is refused here (CODEC_UNSUPPORTED → skipped).
    const probe = await runProbe({ url: server.url, codec, frames: 2, timeoutMs: 10_000 });
    if (probe.error) throw Object.assign(new Error(probe.error.message), { code: probe.error.code });
    await onServer?.(server.url);
    progress(`revcam ${codec} × ${n} viewers`);
    return row('revcam', codec, n, await measure(opts, { kind: 'revcam', url: server.url, codec }, n, server.pid));
  } finally {
    await server.stop();
  }
}

export async function runFloor(opts: BenchOptions, codec: CodecName, n: number, frames: readonly Uint8Array[], mode: FloorMode = 'ws-send'): Promise<RunRow> {
  const file = join(tmpdir(), `revcam-bench-floor-${process.pid}-${codec}.bin`);
  writeFileSync(file, packFrames(frames));
  const floor = new RpcChild<FloorCommand>('floor.js');
  try {
    const { url } = await floor.call<{ url: string }>({ op: 'start', framesFile: file, fps: FPS, mode });
    const system = mode === 'prebuilt' ? 'floor-prebuilt' : 'floor';
    progress(`${system} ${codec} × ${n} viewers`);
    return row(system, codec, n, await measure(opts, { kind: 'revcam', url, codec }, n, floor.pid));
  } finally {
    await floor.close();
    rmSync(file, { force: true });
  }
}

/** Waits until the peer's stream is live end to end (ffmpeg connected, frames flowing). */
export async function peerReady(url: string, timeoutMs = 20_000): Promise<void> {
  const fleet = new Fleet();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await fleet.lateFlv(url, Infinity, 500);
      if (r.ttffMs !== null) return;
      if (Date.now() > deadline) throw new Error(`peer stream not live within ${timeoutMs} ms: ${r.error}`);
      await sleep(200);
    }
  } finally {
    await fleet.close();
  }
}

export async function runPeer(opts: BenchOptions, n: number): Promise<RunRow & { version?: string }> {
  const peer = await startPeer();
  try {
    await peerReady(peer.flvUrl);
    progress(`peer (node-media-server ${peer.version}) h264 × ${n} viewers`);
    return { ...row('peer', 'h264', n, await measure(opts, { kind: 'flv', url: peer.flvUrl }, n, peer.pid, peer.publisherPid)), version: peer.version };
  } finally {
    await peer.stop();
  }
}
