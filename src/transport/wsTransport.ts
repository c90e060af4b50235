/**
 * WebSocket transport at /api/stream. The device sends one JSON
 * StreamRequest; it gets `accepted` or `error`, then binary frames in the
 * shared wire format. Every failure is a coded error message; only this
 * connection is affected.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { EndReason } from '../audit/SessionLog.js';
import type { ConsumerSink } from '../consumer/Consumer.js';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/Metrics.js';
import { parseStreamRequest } from '../request/StreamRequest.js';
import type { StreamHub, Subscription } from '../stream/StreamHub.js';
import { LivenessSweep, ViewerLiveness } from './liveness.js';
import { prebuiltBinaryFrame, prebuiltBinaryFrameWithPing } from './prebuiltFrame.js';
import { DEFAULT_MAX_FRAME_AGE_MS } from '../wire/clock.js';
import { nowUs } from '../wire/frame.js';
import { isClockRequest, MAX_CONTROL_MESSAGE_BYTES, type AcceptedMessage, type ClockMessage, type ServerMessage, type StreamEvent } from '../wire/messages.js';
import { streamAction } from '../device/streamAction.js';

export const STREAM_PATH = '/api/stream';

/** Close codes (RFC 6455 private range) so a client can tell why without parsing text. */
export const CloseCode = { goingAway: 1001, policy: 1008, tooBig: 1009, tryAgainLater: 1013, requestTimeout: 4008, unresponsive: 4009 } as const;

/** How long a shutdown waits for viewers to answer the close frame before dropping them. */
const SHUTDOWN_CLOSE_WAIT_MS = 500;

/** A client that does not read gets no clock answers once this much waits in its socket: memory stays bounded. */
const CLOCK_MAX_BUFFERED_BYTES = 64 * 1024;

export interface WsTransportDeps {
  hub: StreamHub;
  auth: DeviceAuth;
  metrics: Metrics;
  log: Logger;
  /** How long a connection may stay silent before its request. */
  requestTimeoutMs?: number;
  /** Sent to displays in `accepted` (config `display`). */
  display?: { maxFrameAgeMs: number };
}

export class WsTransport {
  readonly wss: WebSocketServer;
  #deps: WsTransportDeps;
  /** Connections that have a stream (they are owed STREAM_ENDED on shutdown). */
  #viewers = new Set<WebSocket>();
  #closing = false;
  /** Pings and catches silent viewers, one timer for all (src/transport/liveness.ts). */
  #liveness = new LivenessSweep();

  constructor(deps: WsTransportDeps) {
    this.#deps = deps;
    // maxPayload a little above the control limit: the handler answers MESSAGE_TOO_LARGE itself,
    // and ws closes anything far bigger before buffering it.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CONTROL_MESSAGE_BYTES * 4, perMessageDeflate: false });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, req, socket));
  }

  #onConnection(ws: WebSocket, req: IncomingMessage, socket: Duplex): void {
    const { hub, auth, metrics, log } = this.#deps;
    const url = new URL(req.url ?? '/', 'http://x');
    let sub: Subscription | undefined;
    let requested = false;
    /** Why the server ended this viewer, when it did (for the audit log). */
    let ending: EndReason | undefined;
    const gate = new ViewerLiveness();
    const send = (m: ServerMessage) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
    const fail = (err: unknown, close: boolean, closeCode?: number) => {
      const e = RevcamError.from(err);
      if (e.code === 'INTERNAL') log.error({ err }, 'stream request failed');
      metrics.requests.inc({ outcome: e.code });
      send(e.toMessage());
      if (close) ws.close(closeCode ?? (e.code === 'MESSAGE_TOO_LARGE' ? CloseCode.tooBig : e.code === 'CAPACITY_EXCEEDED' ? CloseCode.tryAgainLater : CloseCode.policy), e.code);
    };
    const timer = setTimeout(() => fail(new RevcamError('BAD_REQUEST', 'no stream request received in time'), true, CloseCode.requestTimeout), this.#deps.requestTimeoutMs ?? 10_000);

    ws.on('message', (data: RawData, isBinary: boolean) => {
      const receivedUs = nowUs();
      if (isBinary) return fail(new RevcamError('BAD_REQUEST', 'devices send JSON text messages only'), !sub);
      // Clock exchanges are answered at once, before or after the request (docs/protocol.md §3.5).
      const clock = clockRequest(data);
      if (clock === 'bad') return fail(new RevcamError('BAD_REQUEST', 'a clock message needs t0, a non-negative number of microseconds'), false);
      if (clock) {
        if (socket.writableLength <= CLOCK_MAX_BUFFERED_BYTES) send({ type: 'clock', t0: clock.t0, t1: receivedUs, t2: nowUs() } satisfies ClockMessage);
        return;
      }
      if (requested) return fail(new RevcamError('BAD_REQUEST', 'one stream request per connection'), false);
      requested = true;
      clearTimeout(timer);
      void (async () => {
        try {
          const request = parseStreamRequest(data.toString());
          const device = await auth.fromRequest(req, url, request.token);
          auth.authorize(device, streamAction(hub.registry, request));
          const s = await hub.subscribe(request, wsSink(ws, socket, gate), { transport: 'ws', device }, (sub) => ws.send(JSON.stringify(acceptedMessage(sub, this.#deps.display?.maxFrameAgeMs, receivedUs))));
          if (ws.readyState !== ws.OPEN) return hub.unsubscribe(s);
          sub = s;
          this.#viewers.add(ws);
          metrics.requests.inc({ outcome: 'accepted' });
          log.info({ device: device.id, address: device.address, stream: s.stream.id, viewer: s.consumer.id }, 'viewer joined');
          s.stream.on('status', onStatus);
          s.consumer.on('slow', () => send({ type: 'status', event: 'VIEWER_TOO_SLOW', message: 'frames are being dropped for this viewer' }));
          s.consumer.on('error', () => ws.terminate());
          // Ended from outside. Shed under a viewer limit: the stream ran and ends (status, 1013, try later).
          // A role policy that stopped holding: a refusal like any other (error FORBIDDEN, 1008).
          s.consumer.on('end', (reason) => {
            if (reason.code === 'CAPACITY_EXCEEDED') {
              send({ type: 'status', event: 'STREAM_ENDED', message: `${reason.code}: ${reason.message}` });
              ws.close(CloseCode.tryAgainLater, reason.code);
            } else {
              send(reason.toMessage());
              ws.close(CloseCode.policy, reason.code);
            }
          });
          ws.on('pong', () => {
            gate.pong();
            s.consumer.kick();
          });
          // The consumer's fast-path writes have no callback: the socket's drain is what frees frames held for a full buffer.
          socket.on('drain', () => s.consumer.kick());
          this.#liveness.add(gate, {
            ping: () => ws.ping(),
            dead: () => {
              ws.close(CloseCode.unresponsive, 'viewer unresponsive');
              ws.terminate();
            },
          });
        } catch (err) {
          fail(err, true);
        }
      })();
    });
    const onStatus = (event: StreamEvent, message: string) => send({ type: 'status', event, message });
    ws.on('error', () => {
      ending ??= 'error'; // a protocol error from the client (a failed write is the client going away)
      ws.terminate();
    });
    ws.on('close', () => {
      this.#viewers.delete(ws);
      clearTimeout(timer);
      this.#liveness.remove(gate);
      if (sub) {
        sub.stream.off('status', onStatus);
        hub.unsubscribe(sub, this.#closing ? 'server shutdown' : gate.dead ? 'unresponsive' : (ending ?? 'client closed'));
        log.info({ stream: sub.stream.id, viewer: sub.consumer.id, sent: sub.consumer.sent, dropped: sub.consumer.dropped }, 'viewer left');
      }
    });
  }

  /**
   * Shutdown: every viewer gets `status STREAM_ENDED` and a close 1001 (going
   * away); a connection that has not asked for a stream gets the close only.
   * Resolves when all have closed, dropping those that do not answer in time.
   */
  async close(): Promise<void> {
    this.#closing = true;
    const clients = [...this.wss.clients];
    const closed = clients.map((ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()))));
    for (const ws of clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (this.#viewers.has(ws)) ws.send(JSON.stringify({ type: 'status', event: 'STREAM_ENDED', message: 'revcam is shutting down' } satisfies ServerMessage));
      ws.close(CloseCode.goingAway, 'server shutting down');
    }
    const wait = setTimeout(() => {
      for (const ws of clients) ws.terminate();
    }, SHUTDOWN_CLOSE_WAIT_MS);
    await Promise.all(closed);
    clearTimeout(wait);
    this.#liveness.stop();
    this.wss.close();
  }
}

/** A `clock` request's t0; 'bad' for a malformed clock message; undefined for any other message. */
function clockRequest(data: RawData): { t0: number } | 'bad' | undefined {
  const size = Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
  if (size > MAX_CONTROL_MESSAGE_BYTES) return undefined;
  let msg: unknown;
  try {
    msg = JSON.parse(data.toString());
  } catch {
    return undefined;
  }
  if (typeof msg !== 'object' || msg === null || (msg as { type?: unknown }).type !== 'clock') return undefined;
  return isClockRequest(msg) ? { t0: msg.t0 } : 'bad';
}

/** `requestReceivedUs`: when the request arrived (server clock), so `accepted` is a whole clock sample. */
export function acceptedMessage(s: Subscription, maxFrameAgeMs = DEFAULT_MAX_FRAME_AGE_MS, requestReceivedUs?: number): AcceptedMessage {
  const sentUs = nowUs();
  return {
    type: 'accepted',
    streamId: s.stream.id,
    service: s.instance.manifest.name,
    version: s.version,
    instance: s.instance.id,
    ...(s.instance.vehicle !== undefined && { vehicle: s.instance.vehicle }),
    camera: s.stream.camera,
    codec: s.stream.codec,
    width: s.stream.width,
    height: s.stream.height,
    fps: s.stream.fps,
    ...(s.stream.overlay && { overlay: s.stream.overlay }),
    maxFrameAgeMs,
    requestReceivedUs: requestReceivedUs ?? sentUs,
    serverTimeUs: sentUs,
  };
}

/**
 * Frames go straight to the TCP socket as prebuilt WebSocket frames (one
 * buffer shared by every viewer); control messages still go through ws.
 * Both write synchronously (no permessage-deflate), so they never interleave
 * inside a frame. When the viewer is due a liveness ping, the frame's buffer
 * with a ping appended goes instead: the ping costs no write of its own.
 * A viewer that keeps up gets writeNow: no completion callback per write.
 */
function wsSink(ws: WebSocket, socket: Duplex, gate: ViewerLiveness): ConsumerSink {
  const frame = (message: Buffer) => (gate.duePing() ? prebuiltBinaryFrameWithPing(message) : prebuiltBinaryFrame(message));
  return {
    writable: () => gate.open,
    write: (message, done) => {
      if (ws.readyState !== ws.OPEN) return done(new Error('viewer socket is closing'));
      socket.write(frame(message), done);
    },
    writeNow: (message) => {
      if (ws.readyState !== ws.OPEN) return false;
      socket.write(frame(message));
      return true;
    },
    bufferedBytes: () => socket.writableLength,
  };
}
