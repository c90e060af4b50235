/**
 * WebSocket at /api/signals: displays get the current signal values on
 * connect (`full: true`), then the changes, coalesced to at most
 * `maxMessagesPerSecond` per client, and the app's view commands at once.
 * A client whose socket backs up gets nothing more queued: its pending
 * changes are dropped and it is sent one fresh snapshot when it drains,
 * so a slow display costs bounded memory and never delays the others.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { SignalBus } from '../signals/SignalBus.js';
import type { ErrorMessage } from '../wire/messages.js';
import type { SignalSample, SignalsServerMessage, ViewMessage } from '../wire/signals.js';
import { SIGNALS_PATH } from './signalsHttp.js';

export { SIGNALS_PATH };

export interface SignalsWsDeps {
  bus: SignalBus;
  auth: DeviceAuth;
  log?: Logger;
  /** Per client (default 30). */
  maxMessagesPerSecond?: number;
  /** A client with more than this many bytes unsent is skipped until it drains (default 64 KiB). */
  maxBufferedBytes?: number;
}

/** What the transport needs of a socket: a `ws` WebSocket, or a stand-in in tests. */
export interface SignalsSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  on(event: 'message' | 'close' | 'error', listener: () => void): unknown;
  terminate(): void;
}

interface Client {
  ws: SignalsSocket;
  /** Latest unsent value per path: bounded by the number of known paths. */
  pending: Map<string, SignalSample>;
  /** Backlog was dropped: the next message must be a full snapshot. */
  needFull: boolean;
  pendingView: ViewMessage | undefined;
  lastSentMs: number;
  timer: NodeJS.Timeout | undefined;
}

export class SignalsWsTransport {
  readonly wss: WebSocketServer;
  #deps: SignalsWsDeps;
  #clients = new Set<Client>();
  #unsubscribe: () => void;
  #lastView: ViewMessage | undefined;
  #minIntervalMs: number;
  #maxBuffered: number;
  /** Snapshots sent to clients that had fallen behind; for tests and metrics. */
  skipped = 0;

  constructor(deps: SignalsWsDeps) {
    this.#deps = deps;
    this.#minIntervalMs = 1000 / (deps.maxMessagesPerSecond ?? 30);
    this.#maxBuffered = deps.maxBufferedBytes ?? 64 * 1024;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
    this.#unsubscribe = deps.bus.subscribe((changed) => {
      for (const c of this.#clients) {
        for (const s of changed) c.pending.set(s.path, s);
        this.#schedule(c);
      }
    });
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Authenticates from `Authorization: Bearer` or `?token=` before upgrading; refuses with HTTP 401 otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    void this.#upgrade(req, socket, head);
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    // Until ws takes the socket, its errors are ours (a new token is checked asynchronously).
    const onError = () => socket.destroy();
    socket.on('error', onError);
    try {
      const { auth } = this.#deps;
      auth.authorize(await auth.fromRequest(req, url), { kind: 'readSignals' });
    } catch (err) {
      const e = RevcamError.from(err);
      const body = JSON.stringify({ error: { code: e.code, message: e.message } });
      socket.end(
        `HTTP/1.1 ${e.status} ${e.code === 'UNAUTHORIZED' ? 'Unauthorized' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    if (socket.destroyed) return;
    socket.off('error', onError);
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => this.addClient(ws));
  }

  /** Sends a view command to every connected display now, and to each one that connects later. */
  broadcastView(msg: ViewMessage): void {
    this.#lastView = msg;
    for (const c of this.#clients) {
      if (this.#backedUp(c)) {
        c.pendingView = msg;
        this.#schedule(c);
      } else this.#send(c, msg);
    }
  }

  close(): void {
    this.#unsubscribe();
    const clients = [...this.#clients];
    this.#clients.clear();
    for (const c of clients) {
      clearTimeout(c.timer);
      c.ws.terminate();
    }
    this.wss.close();
  }

  /** Starts serving an open, authenticated socket: snapshot, last view, then changes. */
  addClient(ws: SignalsSocket): void {
    const c: Client = { ws, pending: new Map(), needFull: false, pendingView: undefined, lastSentMs: Date.now(), timer: undefined };
    this.#clients.add(c);
    this.#send(c, { type: 'signals', samples: this.#deps.bus.snapshot(), full: true });
    if (this.#lastView) this.#send(c, this.#lastView);
    ws.on('message', () => {
      const m: ErrorMessage = { type: 'error', code: 'BAD_REQUEST', message: `${SIGNALS_PATH} only sends; set values with POST ${SIGNALS_PATH}` };
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearTimeout(c.timer);
      this.#clients.delete(c);
    });
  }

  #backedUp(c: Client): boolean {
    return c.ws.bufferedAmount > this.#maxBuffered;
  }

  #send(c: Client, m: SignalsServerMessage): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    c.ws.send(JSON.stringify(m));
    c.lastSentMs = Date.now();
  }

  #schedule(c: Client): void {
    if (c.timer) return;
    const delay = Math.max(0, c.lastSentMs + this.#minIntervalMs - Date.now());
    c.timer = setTimeout(() => {
      c.timer = undefined;
      this.#flush(c);
    }, delay);
  }

  #flush(c: Client): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (this.#backedUp(c)) {
      // Drop the backlog (memory stays bounded) and try again later with a snapshot.
      if (!c.needFull) this.skipped++;
      c.needFull = true;
      c.pending.clear();
      c.lastSentMs = Date.now();
      this.#schedule(c);
      return;
    }
    if (c.pendingView) {
      this.#send(c, c.pendingView);
      c.pendingView = undefined;
    }
    if (c.needFull) {
      c.needFull = false;
      c.pending.clear();
      this.#send(c, { type: 'signals', samples: this.#deps.bus.snapshot(), full: true });
    } else if (c.pending.size > 0) {
      const samples = [...c.pending.values()];
      c.pending.clear();
      this.#send(c, { type: 'signals', samples });
    }
  }
}
