/**
 * Real media for the source tests: clips made by ffmpeg in the test, a real
 * RTSP server (GStreamer's gst-rtsp-server, test/fixtures/rtsp), and ffmpeg
 * as an independent decoder to check what revcam sends. No mocks.
 */
import { spawn, spawnSync } from 'node:child_process';
import { freePort } from '../../helpers/natsServer.js';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { AccessUnitSplitter } from '../../../src/codec/h264/AccessUnitSplitter.js';
import { JpegSplitter } from '../../../src/codec/jpeg/JpegSplitter.js';
import { isVcl, nalUnits, NalType } from '../../../src/wire/h264.js';
import { requireCommand } from '../../helpers/requireCommand.js';
import { ROOT } from '../../helpers/server.js';

export const RTSP_SERVER = join(ROOT, 'test/fixtures/rtsp/rtsp_server.py');

/** Runs a command to completion; rejects with its stderr when it fails. */
export function run(cmd: string, args: string[], input?: Buffer): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    p.stdin.on('error', () => {});
    p.stdin.end(input);
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve({ stdout: Buffer.concat(out), stderr: err }) : reject(new Error(`${cmd} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`))));
  });
}

export interface ClipOptions {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  /** Encoder and its options, e.g. ['-c:v', 'libx264', ...]. Default: low-latency x264, 2 slices per picture. */
  codec?: string[];
  /** Extra filter after the test pattern, e.g. noise to make big frames. */
  filter?: string;
}

export const x264Clip = (gop: number, extra: string[] = []) => ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(gop), '-bf', '0', '-x264-params', 'slices=2', ...extra];

/** Makes a test clip with ffmpeg (a moving test pattern). */
export async function makeClip(path: string, o: ClipOptions): Promise<string> {
  const src = `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}${o.filter ? `,${o.filter}` : ''}`;
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', src, '-t', String(o.seconds), ...(o.codec ?? x264Clip(o.fps)), path]);
  return path;
}

/** The access units of an H.264 clip, as the file holds them (Annex-B, parameter sets in front of keyframes). */
export async function clipAccessUnits(path: string): Promise<Buffer[]> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', path, '-map', '0:v:0', '-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264', 'pipe:1']);
  const aus: Buffer[] = [];
  const s = new AccessUnitSplitter((au) => aus.push(au.data));
  s.push(stdout);
  s.flush();
  return aus;
}

/** The JPEG images of an MJPEG clip, byte for byte. */
export async function clipJpegs(path: string): Promise<Buffer[]> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', path, '-map', '0:v:0', '-c:v', 'copy', '-f', 'mjpeg', 'pipe:1']);
  const images: Buffer[] = [];
  new JpegSplitter((img) => images.push(img.data)).push(stdout);
  return images;
}

/** The slice NAL units of an access unit: the coded picture, which passthrough must leave untouched. */
export function slices(au: Uint8Array): Buffer[] {
  return nalUnits(au)
    .filter((n) => isVcl(n.type))
    .map((n) => Buffer.from(au.subarray(n.start, n.end)));
}

export function nalTypes(au: Uint8Array): number[] {
  return nalUnits(au).map((n) => n.type);
}

export const hasParameterSets = (au: Uint8Array) => nalTypes(au).includes(NalType.sps) && nalTypes(au).includes(NalType.pps);

/**
 * Decodes access units with ffmpeg, strictly: any decode error fails it.
 * Resolves with the number of pictures decoded.
 */
export async function decodeH264(aus: Uint8Array[]): Promise<number> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-xerror', '-err_detect', 'explode', '-f', 'h264', '-i', 'pipe:0', '-f', 'framemd5', 'pipe:1'], Buffer.concat(aus));
  return stdout
    .toString()
    .split('\n')
    .filter((l) => l && !l.startsWith('#')).length;
}

/** The child processes of `pid` with their command names. */
export function children(pid: number): Array<{ pid: number; comm: string }> {
  const r = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length === 2)
    .map(([p, comm]) => ({ pid: Number(p), comm: comm! }));
}

// Outside the ephemeral port range, as the NATS tests' servers: see test/helpers/natsServer.ts.
export { freePort };

export interface RtspServer {
  url: string;
  stop(): Promise<void>;
}

/** The RTSP server's Python and GStreamer modules are present (Debian: see test/fixtures/rtsp/rtsp_server.py). */
export function requireRtspServer(t: TestContext): boolean {
  if (!requireCommand(t, '/usr/bin/python3')) return false;
  const check = [
    'import gi',
    "gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0')",
    'from gi.repository import Gst, GstRtspServer',
    'Gst.init(None)',
    "assert all(Gst.ElementFactory.find(e) for e in ['videotestsrc', 'x264enc', 'h264parse', 'rtph264pay', 'matroskademux', 'qtdemux'])",
  ].join('\n');
  const ok = spawnSync('/usr/bin/python3', ['-c', check], { stdio: 'ignore' }).status === 0;
  if (ok) return true;
  const reason =
    'gst-rtsp-server for Python is not installed: apt-get install gir1.2-gst-rtsp-server-1.0 python3-gst-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly';
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  process.stderr.write(`\n!!! SKIPPED: ${reason}\n\n`);
  t.skip(reason);
  return false;
}

/** Starts test/fixtures/rtsp/rtsp_server.py and waits until it accepts connections. */
export async function startRtspServer(args: string[]): Promise<RtspServer> {
  const port = await freePort();
  const p = spawn('/usr/bin/python3', [RTSP_SERVER, '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    p.once('exit', (code) => reject(new Error(`rtsp server exited ${code}: ${err}`)));
  });
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  return {
    url,
    async stop() {
      p.kill('SIGKILL');
      await exited;
    },
  };
}
