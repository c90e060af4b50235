/**
 * The peer as a whole: node-media-server (bench/peer.ts) in its own process,
 * ffmpeg publishing to it over RTMP, and the bench pacing the clip into
 * ffmpeg in real time with a capture stamp in each access unit. ffmpeg
 * copies the H.264 (no re-encode) with its documented low-delay flags; each
 * access unit is closed at once by the next one's delimiter, so ffmpeg's
 * parser adds no frame of delay. Viewers read HTTP-FLV.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcChild } from './child.js';
import { ensureClip, loadClip, Pacer } from './clip.js';
import { hasCommand } from './tools.js';
import type { PeerCommand } from './peer.js';
import { stopProcess } from './revcamServer.js';
import { SkipError } from './results.js';
import { freePort, FPS, sleep } from './util.js';
import { FlvReader } from './flv.js';
import { readStamp } from './h264.js';
import { nowUs } from '../src/wire/frame.js';
import { summarize, type Stat } from './stat.js';

export interface PeerSystem {
  /** HTTP-FLV URL viewers read. */
  flvUrl: string;
  /** node-media-server's pid (the fan-out server). */
  pid: number;
  /** ffmpeg's pid (the publisher). */
  publisherPid: number;
  version: string;
  stop(): Promise<void>;
}

/** ffmpeg reading the paced Annex-B on stdin and remuxing it, untouched, to FLV with its low-delay flags. */
function publisherArgs(): string[] {
  return [
    '-hide_banner', '-loglevel', 'error',
    '-fflags', '+nobuffer+genpts', '-flags', 'low_delay', '-probesize', '32768', '-analyzeduration', '0',
    '-f', 'h264', '-framerate', String(FPS), '-i', 'pipe:0',
    '-c:v', 'copy', '-f', 'flv', '-flvflags', 'no_duration_filesize', '-flush_packets', '1',
  ];
}

/**
 * The publisher hop alone: the same ffmpeg remux writing FLV to a pipe the
 * bench reads, stamp → FLV tag out. It is part of the peer's measured
 * latency (RTMP needs a publisher) and not of revcam's (whose stamp is taken
 * after its own ffmpeg), so it is reported beside the peer's latency.
 */
export async function measurePublisherHop(seconds: number): Promise<Stat | null> {
  if (!hasCommand('ffmpeg')) throw new SkipError('ffmpeg is not installed (apt-get install ffmpeg)');
  const aus = loadClip(ensureClip());
  const ff = spawn('ffmpeg', [...publisherArgs(), 'pipe:1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  ff.stdin!.on('error', () => {});
  const samples: number[] = [];
  let measuring = false;
  const reader = new FlvReader((f) => {
    for (const n of f.nals) {
      const stamp = readStamp(n);
      if (stamp !== undefined && measuring) samples.push((nowUs() - stamp) / 1000);
    }
  });
  ff.stdout!.on('data', (c: Buffer) => reader.push(c));
  const pacer = new Pacer(aus, FPS, ff.stdin!);
  pacer.start();
  await sleep(1500); // ffmpeg's start-up (probing) is not the steady state
  measuring = true;
  await sleep(seconds * 1000);
  pacer.stop();
  await stopProcess(ff, 200);
  return summarize(samples, 'ms');
}

export async function startPeer(): Promise<PeerSystem> {
  if (!hasCommand('ffmpeg')) throw new SkipError('ffmpeg is not installed (apt-get install ffmpeg)');
  const aus = loadClip(ensureClip());
  const [rtmpPort, httpPort] = [await freePort(), await freePort()];
  const peer = new RpcChild<PeerCommand>('peer.js', { quiet: true });
  let ffmpeg: ChildProcess | undefined;
  let pacer: Pacer | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'revcam-bench-nms-'));
  const stop = async (): Promise<void> => {
    pacer?.stop();
    if (ffmpeg) await stopProcess(ffmpeg, 200); // a bench publisher: no trailer worth waiting for
    await peer.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const { version } = await peer.call<{ version: string }>({ op: 'start', rtmpPort, httpPort, dataDir });
    ffmpeg = spawn('ffmpeg', [...publisherArgs(), '-tcp_nodelay', '1', `rtmp://127.0.0.1:${rtmpPort}/live/bench`], { stdio: ['pipe', 'ignore', 'inherit'] });
    ffmpeg.stdin!.on('error', () => {});
    pacer = new Pacer(aus, FPS, ffmpeg.stdin!);
    pacer.start();
    return { flvUrl: `http://127.0.0.1:${httpPort}/live/bench.flv`, pid: peer.pid, publisherPid: ffmpeg.pid!, version, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
