/**
 * `revcam probe`: a headless target device. It asks for a stream over the
 * WebSocket transport exactly as a display does, receives N frames and reports
 * what a driver would feel: time to first frame, the age of that first frame,
 * capture-to-receive latency, frame rate and drops. The bench reuses runProbe.
 *
 * Like the display it never counts an old picture as received: it keeps a
 * clock exchange with the server (src/wire/clock.ts) and a frame older than
 * the limit (the server's `display.maxFrameAgeMs` from `accepted`, or
 * --max-age-ms) is counted in `staleFrames`, not in `frames`.
 */
import WebSocket from 'ws';
import { ERROR_CODES } from '../errors/RevcamError.js';
import { CLOCK_EXCHANGE_EVERY_MS, ClockEstimator, DEFAULT_MAX_FRAME_AGE_MS, frameAgeMs } from '../wire/clock.js';
import { CODEC_NAMES, decodeFrame, nowUs, type CodecName, type DecodedFrame } from '../wire/frame.js';
import {
  isClockAnswer,
  isServerMessage,
  type ClockRequestMessage,
  type AcceptedMessage,
  type ErrorCode,
  type StatusMessage,
  type StreamRequestMessage,
} from '../wire/messages.js';
import { percentiles, type Percentiles } from './stats.js';
import { parseCommandArgs, UsageError } from './usage.js';

export interface ProbeOptions {
  /** Server base (http://host:port, ws://host:port) or the full ws://host:port/api/stream URL. */
  url: string;
  /** Frames to receive before closing; default 30. */
  frames?: number;
  service?: string;
  /** Which vehicle's service, on a gateway that sees several (docs/distributed.md). */
  vehicle?: string;
  camera?: string;
  codec?: CodecName;
  /** Sent in the request's `token` field. */
  token?: string;
  maxWidth?: number;
  maxFps?: number;
  /** Give up when no fresh frame arrives for this long (the first one included); default 10000. */
  timeoutMs?: number;
  /** Frames older than this are stale; default: the server's limit from `accepted`, else 200. */
  maxFrameAgeMs?: number;
  /**
   * Called for every decoded frame, stale ones included, with its
   * performance.now() receive time and its age (the bench uses it).
   */
  onFrame?: (frame: DecodedFrame, receivedMs: number, age: FrameAge) => void;
  signal?: AbortSignal;
}

/** A frame's age at receipt, ms (by the clock estimate, or the local clock without one), and whether it was over the limit. */
export interface FrameAge {
  ageMs: number;
  stale: boolean;
}

/** Why a probe stopped early or what went wrong on the way: a server ErrorCode or a client-side one. */
export type ProbeErrorCode =
  | ErrorCode
  | 'TIMEOUT'
  | 'CONNECT_FAILED'
  | 'CLOSED'
  | 'STREAM_ENDED'
  | 'BAD_FRAME'
  | 'BAD_MESSAGE'
  | 'ABORTED';

export interface ProbeError {
  code: ProbeErrorCode;
  message: string;
}

export interface ProbeResult {
  /** True when every requested frame arrived and nothing was malformed. */
  ok: boolean;
  /** The reason the probe stopped before receiving every frame; null when it did not. */
  error: ProbeError | null;
  /** Every problem seen, the fatal one included. */
  errors: ProbeError[];
  url: string;
  service: string;
  camera: string;
  /** From the `accepted` message; null when the request was not accepted. */
  version: string | null;
  instance: string | null;
  streamId: string | null;
  requestedFrames: number;
  /** Fresh frames received: stale ones are not counted here. */
  frames: number;
  /** Frames older than maxFrameAgeMs on arrival: received, but a display must not show them. */
  staleFrames: number;
  /** The oldest frame seen, stale or not, ms (catch-up frames aside); null before any. */
  maxAgeMs: number | null;
  /** The age limit applied, ms. */
  maxFrameAgeMs: number;
  /** The server clock estimate at the end (offset = server − probe); null: no estimate, ages were taken on the local clock. */
  clock: { offsetMs: number; boundMs: number; rttMs: number } | null;
  fps: number | null;
  /** Request sent to first whole frame received, ms. */
  ttffMs: number | null;
  /** Capture-to-receive latency of the first fresh frame, ms: how old the first image shown would be. */
  firstFrameAgeMs: number | null;
  latencyMs: Percentiles | null;
  /** Frames lost in sequence gaps. */
  dropped: number;
  discontinuities: number;
  keyframes: number;
  /** H.264 keyframe-cache frames a late viewer decodes but does not show; not in frames, ttff or latency. */
  catchUpFrames: number;
  /** Binary message bytes received (headers, metadata and payloads). */
  bytes: number;
  codec: CodecName | null;
  width: number | null;
  height: number | null;
  statuses: StatusMessage[];
}

const DEFAULTS = { frames: 30, service: 'reversing', camera: 'rear', codec: 'jpeg' as CodecName, timeoutMs: 10_000 };

/** Exit codes of `revcam probe`. */
export const ProbeExit = { ok: 0, failed: 1, rejected: 2, usage: 64 } as const;

/** Maps a server base URL to its stream endpoint: http→ws, https→wss, path `/api/stream`. */
export function streamUrl(base: string): string {
  const u = new URL(base);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new TypeError(`unsupported URL scheme ${u.protocol}`);
  if (!u.pathname.endsWith('/api/stream')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/stream`;
  return u.href;
}

/** The number of frames skipped between two sequence numbers; a backwards jump (restart) counts none. */
export function seqGap(prev: number, seq: number): number {
  const delta = (seq - prev) >>> 0;
  return delta >= 1 && delta < 0x8000_0000 ? delta - 1 : 0;
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Requests one stream, receives `frames` frames (or fails), closes the socket and reports. */
export async function runProbe(opts: ProbeOptions): Promise<ProbeResult> {
  const o = { ...DEFAULTS, ...opts };
  if (!Number.isInteger(o.frames) || o.frames < 1) throw new RangeError(`frames must be a positive integer, got ${o.frames}`);
  if (!(o.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${o.timeoutMs}`);
  const url = streamUrl(o.url);
  const request: StreamRequestMessage = { type: 'request', service: o.service, camera: o.camera, codec: o.codec };
  if (o.vehicle !== undefined) request.vehicle = o.vehicle;
  if (o.maxWidth !== undefined) request.maxWidth = o.maxWidth;
  if (o.maxFps !== undefined) request.maxFps = o.maxFps;
  if (o.token !== undefined) request.token = o.token;

  const latencies: number[] = [];
  const statuses: StatusMessage[] = [];
  const errors: ProbeError[] = [];
  let accepted: AcceptedMessage | null = null;
  let sentMs = Number.NaN;
  let firstMs = Number.NaN;
  let lastMs = Number.NaN;
  let prevSeq: number | null = null;
  let last: DecodedFrame | null = null;
  let count = 0;
  let dropped = 0;
  let discontinuities = 0;
  let keyframes = 0;
  let catchUpFrames = 0;
  let bytes = 0;
  let staleFrames = 0;
  let maxAgeMs: number | null = null;
  const clock = new ClockEstimator();
  let requestSentUs = Number.NaN;
  const ageLimit = (): number => o.maxFrameAgeMs ?? accepted?.maxFrameAgeMs ?? DEFAULT_MAX_FRAME_AGE_MS;
  const clockNow = () => {
    const e = clock.estimate(nowUs());
    return e && { offsetMs: round3(e.offsetUs / 1000), boundMs: round3(e.boundUs / 1000), rttMs: round3(e.rttUs / 1000) };
  };

  const build = (error: ProbeError | null): ProbeResult => ({
    ok: error === null && errors.length === 0,
    error,
    errors,
    url,
    service: accepted?.service ?? o.service,
    camera: accepted?.camera ?? o.camera,
    version: accepted?.version ?? null,
    instance: accepted?.instance ?? null,
    streamId: accepted?.streamId ?? null,
    requestedFrames: o.frames,
    frames: count,
    staleFrames,
    maxAgeMs: maxAgeMs === null ? null : round3(maxAgeMs),
    maxFrameAgeMs: ageLimit(),
    clock: clockNow(),
    fps: count >= 2 && lastMs > firstMs ? round3(((count - 1) * 1000) / (lastMs - firstMs)) : null,
    ttffMs: count > 0 ? round3(firstMs - sentMs) : null,
    firstFrameAgeMs: count > 0 ? round3(latencies[0]!) : null,
    latencyMs: count > 0 ? (Object.fromEntries(Object.entries(percentiles(latencies)).map(([k, v]) => [k, round3(v)])) as unknown as Percentiles) : null,
    dropped,
    discontinuities,
    keyframes,
    catchUpFrames,
    bytes,
    codec: last?.codec ?? null,
    width: last?.width ?? null,
    height: last?.height ?? null,
    statuses,
  });

  return new Promise<ProbeResult>((resolve) => {
    const ws = new WebSocket(url, { handshakeTimeout: o.timeoutMs });
    let done = false;
    let opened = false;
    let timer: NodeJS.Timeout | undefined;
    let clockTimer: NodeJS.Timeout | undefined;

    const stop = (error: ProbeError | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(clockTimer);
      o.signal?.removeEventListener('abort', onAbort);
      if (error) errors.push(error);
      void closeSocket(ws).then(() => resolve(build(error)));
    };
    // An inactivity deadline: re-armed by every frame, so long probes are not cut short.
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const what = count === 0 ? (accepted ? 'no fresh frame' : opened ? 'no answer to the request' : 'no connection') : 'no further fresh frame';
        const stale = staleFrames > 0 ? `; ${staleFrames} stale frames older than ${ageLimit()} ms not counted` : '';
        stop({ code: 'TIMEOUT', message: `${what} within ${o.timeoutMs} ms (received ${count} of ${o.frames} frames${stale})` });
      }, o.timeoutMs);
    };
    const onAbort = (): void => stop({ code: 'ABORTED', message: 'probe aborted' });

    ws.on('open', () => {
      opened = true;
      requestSentUs = nowUs();
      ws.send(JSON.stringify(request));
      sentMs = performance.now();
    });

    ws.on('message', (data, isBinary) => {
      const receivedUs = nowUs();
      if (done) return;
      if (isBinary) return onFrame(toBytes(data));
      let msg: unknown;
      try {
        msg = JSON.parse(toBytes(data).toString());
      } catch {
        errors.push({ code: 'BAD_MESSAGE', message: 'text message is not JSON' });
        return;
      }
      if (!isServerMessage(msg)) {
        errors.push({ code: 'BAD_MESSAGE', message: 'text message has no type' });
        return;
      }
      if (msg.type === 'accepted') {
        accepted = msg;
        if (typeof msg.serverTimeUs === 'number') {
          clock.add({ t0: requestSentUs, t1: msg.requestReceivedUs ?? msg.serverTimeUs, t2: msg.serverTimeUs, t3: receivedUs });
          // A server that tells its clock answers `clock` (an older one would refuse it): keep measuring.
          const exchange = (): void => {
            if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'clock', t0: nowUs() } satisfies ClockRequestMessage));
          };
          exchange();
          clearInterval(clockTimer);
          clockTimer = setInterval(exchange, CLOCK_EXCHANGE_EVERY_MS);
        }
      } else if (msg.type === 'clock') {
        if (isClockAnswer(msg)) clock.add({ t0: msg.t0, t1: msg.t1, t2: msg.t2, t3: receivedUs });
        else errors.push({ code: 'BAD_MESSAGE', message: 'malformed clock message' });
      } else if (msg.type === 'error') stop({ code: msg.code, message: msg.message });
      else if (msg.type === 'status') {
        statuses.push(msg);
        if (msg.event === 'STREAM_ENDED') stop({ code: 'STREAM_ENDED', message: `stream ended after ${count} of ${o.frames} frames: ${msg.message}` });
      }
      // Other message types are ignored (docs/protocol.md §3): newer servers may say more.
    });

    const onFrame = (buf: Uint8Array): void => {
      const receivedMs = performance.now();
      const receivedUs = nowUs();
      let f: DecodedFrame;
      try {
        f = decodeFrame(buf);
      } catch (err) {
        errors.push({ code: 'BAD_FRAME', message: (err as Error).message });
        return;
      }
      if (!accepted && count === 0 && catchUpFrames === 0) errors.push({ code: 'BAD_MESSAGE', message: 'frame arrived before the accepted message' });
      bytes += buf.byteLength;
      if (f.catchUp) {
        // Decoded by a display, never shown: what the driver sees starts at the first live frame.
        catchUpFrames += 1;
        prevSeq = f.seq;
        if (f.keyframe) keyframes += 1;
        o.onFrame?.(f, receivedMs, { ageMs: (receivedUs - f.captureUs) / 1000, stale: false });
        return arm();
      }
      // Against the server's clock when there is an estimate, else the local one (assumed synchronised).
      const ageMs = frameAgeMs(f.captureUs, receivedUs, clock.estimate(receivedUs)) ?? (receivedUs - f.captureUs) / 1000;
      maxAgeMs = Math.max(maxAgeMs ?? -Infinity, ageMs);
      if (ageMs > ageLimit()) {
        // Received, but the past: not a frame a driver may be shown. The deadline is not re-armed.
        staleFrames += 1;
        if (prevSeq !== null) dropped += seqGap(prevSeq, f.seq);
        prevSeq = f.seq;
        try {
          o.onFrame?.(f, receivedMs, { ageMs, stale: true });
        } catch (err) {
          errors.push({ code: 'BAD_FRAME', message: `onFrame threw: ${(err as Error).message}` });
        }
        return;
      }
      count += 1;
      latencies.push((receivedUs - f.captureUs) / 1000);
      if (count === 1) firstMs = receivedMs;
      lastMs = receivedMs;
      if (prevSeq !== null) dropped += seqGap(prevSeq, f.seq);
      prevSeq = f.seq;
      if (f.keyframe) keyframes += 1;
      if (f.discontinuity) discontinuities += 1;
      last = f;
      try {
        o.onFrame?.(f, receivedMs, { ageMs, stale: false });
      } catch (err) {
        errors.push({ code: 'BAD_FRAME', message: `onFrame threw: ${(err as Error).message}` });
      }
      if (count >= o.frames) stop(null);
      else arm();
    };

    ws.on('error', (err) => stop({ code: opened ? 'CLOSED' : 'CONNECT_FAILED', message: `${url}: ${err.message}` }));
    ws.on('close', (code, reason) => {
      const why = reason.length > 0 ? ` ${reason.toString()}` : '';
      stop({ code: 'CLOSED', message: `server closed the connection (${code}${why}) after ${count} of ${o.frames} frames` });
    });

    // Listeners first: aborting a socket that is still connecting emits `error`.
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort);
    arm();
  });
}

/** Closes politely, then forcibly if the peer does not answer the close. */
function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 1000);
    ws.once('close', () => {
      clearTimeout(force);
      resolve();
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'probe done');
  });
}

export const PROBE_USAGE = `usage: revcam probe <url> [options]

  <url>               server base, e.g. http://127.0.0.1:8080 or ws://host:port
  --frames N          frames to receive (default ${DEFAULTS.frames})
  --service NAME      service to ask for (default ${DEFAULTS.service})
  --vehicle NAME      vehicle whose service (a gateway on NATS; default: the only one)
  --camera ID         camera to ask for (default ${DEFAULTS.camera})
  --codec C           ${CODEC_NAMES.join(' | ')} (default ${DEFAULTS.codec})
  --token T           device token
  --max-width PX      ask for at most this width
  --max-fps N         ask for at most this frame rate
  --timeout-ms MS     fail when no fresh frame arrives for this long (default ${DEFAULTS.timeoutMs})
  --max-age-ms MS     frames older than this are stale, not counted (default: the server's, else ${DEFAULT_MAX_FRAME_AGE_MS})
  --json              print one JSON object instead of a table

exit codes: 0 ok, 1 timeout / connection / malformed data, 2 refused by the server, 64 usage

example:
  revcam probe http://127.0.0.1:8080 --frames 300 --codec h264 --json
`;

function positiveNumber(name: string, raw: string | undefined, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
  return n;
}

/** Parses `revcam probe` arguments (those after `probe`) into ProbeOptions plus the output mode. */
export function parseProbeArgs(argv: string[]): { options: ProbeOptions; json: boolean } | { help: true } {
  const { values: v, positionals } = parseCommandArgs('probe', {
    args: argv,
    allowPositionals: true,
    options: {
      frames: { type: 'string' },
      json: { type: 'boolean' },
      service: { type: 'string' },
      vehicle: { type: 'string' },
      camera: { type: 'string' },
      codec: { type: 'string' },
      token: { type: 'string' },
      'max-width': { type: 'string' },
      'max-fps': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'max-age-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) return { help: true };
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing <url>' : `unexpected argument ${positionals[1]}`);
  const url = positionals[0]!;
  try {
    streamUrl(url);
  } catch (err) {
    throw new UsageError(`bad <url> ${url}: ${(err as Error).message}`);
  }
  if (v.codec !== undefined && !(CODEC_NAMES as readonly string[]).includes(v.codec)) {
    throw new UsageError(`--codec must be one of ${CODEC_NAMES.join(', ')}, got ${v.codec}`);
  }
  const options: ProbeOptions = { url };
  const frames = positiveNumber('frames', v.frames, true);
  const timeoutMs = positiveNumber('timeout-ms', v['timeout-ms'], false);
  const maxWidth = positiveNumber('max-width', v['max-width'], true);
  const maxFps = positiveNumber('max-fps', v['max-fps'], false);
  const maxAge = positiveNumber('max-age-ms', v['max-age-ms'], false);
  if (maxAge !== undefined) options.maxFrameAgeMs = maxAge;
  if (frames !== undefined) options.frames = frames;
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  if (maxWidth !== undefined) options.maxWidth = maxWidth;
  if (maxFps !== undefined) options.maxFps = maxFps;
  if (v.service !== undefined) options.service = v.service;
  if (v.vehicle !== undefined) options.vehicle = v.vehicle;
  if (v.camera !== undefined) options.camera = v.camera;
  if (v.codec !== undefined) options.codec = v.codec as CodecName;
  if (v.token !== undefined) options.token = v.token;
  return { options, json: v.json === true };
}

/** The exit code a result maps to: a refusal by the server (an `error` message) is 2. */
export function probeExitCode(r: ProbeResult): number {
  if (r.error && (ERROR_CODES as readonly string[]).includes(r.error.code)) return ProbeExit.rejected;
  return r.ok ? ProbeExit.ok : ProbeExit.failed;
}

const ms = (x: number | null): string => (x === null ? '-' : `${x.toFixed(1)} ms`);

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The short human-readable report. */
export function formatProbeTable(r: ProbeResult): string {
  const row = (k: string, v: string): string => `  ${k.padEnd(12)} ${v}\n`;
  const l = r.latencyMs;
  let out = `revcam probe ${r.url}\n`;
  out += row('service', `${r.service}${r.version ? ` ${r.version}` : ''}${r.instance ? ` (instance ${r.instance})` : ''}, camera ${r.camera}`);
  out += row('stream', r.codec ? `${r.codec} ${r.width}x${r.height}` : '-');
  out += row('frames', `${r.frames} of ${r.requestedFrames}, dropped ${r.dropped}`);
  out += row('fps', r.fps === null ? '-' : r.fps.toFixed(2));
  out += row('ttff', ms(r.ttffMs));
  out += row('first age', ms(r.firstFrameAgeMs));
  out += row('stale', `${r.staleFrames} older than ${r.maxFrameAgeMs} ms (not counted), oldest seen ${ms(r.maxAgeMs)}`);
  out += row('clock', r.clock ? `offset ${r.clock.offsetMs.toFixed(2)} ms ±${r.clock.boundMs.toFixed(2)}, rtt ${r.clock.rttMs.toFixed(2)} ms` : '? (no estimate: ages on the local clock)');
  out += row('latency', l ? `min ${l.min.toFixed(1)}  p50 ${l.p50.toFixed(1)}  p95 ${l.p95.toFixed(1)}  p99 ${l.p99.toFixed(1)}  max ${l.max.toFixed(1)} ms` : '-');
  out += row('bytes', formatBytes(r.bytes));
  for (const s of r.statuses) out += row('status', `${s.event}: ${s.message}`);
  return out;
}

export interface ProbeIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** `revcam probe <url> [options]`; returns the process exit code. */
export async function probeCommand(argv: string[], io: ProbeIo = process): Promise<number> {
  let parsed;
  try {
    parsed = parseProbeArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`revcam: probe: ${err.message} (revcam probe --help)\n`);
    return ProbeExit.usage;
  }
  if ('help' in parsed) {
    io.stdout.write(PROBE_USAGE);
    return ProbeExit.ok;
  }
  const result = await runProbe(parsed.options);
  if (parsed.json) io.stdout.write(`${JSON.stringify(result)}\n`);
  else io.stdout.write(formatProbeTable(result));
  for (const e of result.errors) io.stderr.write(`revcam probe: ${e.code}: ${e.message}\n`);
  return probeExitCode(result);
}
