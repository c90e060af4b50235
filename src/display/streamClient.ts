/**
 * The display's end of /api/stream: sends the request, parses control
 * messages and binary frames, and reconnects by itself with a capped
 * exponential backoff so a restarted server is picked up within ~2 s.
 */
import { decodeFrame, type DecodedFrame } from '../wire/frame.js';
import { isServerMessage, type AcceptedMessage, type ErrorMessage, type StatusMessage, type StreamRequestMessage } from '../wire/messages.js';

export interface StreamClientOptions {
  url: string;
  request: StreamRequestMessage;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface StreamClientEvents {
  /** The socket is open and the request has been sent. */
  open(): void;
  accepted(msg: AcceptedMessage): void;
  serverError(msg: ErrorMessage): void;
  status(msg: StatusMessage): void;
  frame(frame: DecodedFrame): void;
  /** A frame or message that could not be parsed; the stream goes on. */
  badMessage(reason: string): void;
  /** The socket is gone; a reconnect is scheduled in `retryInMs`. */
  closed(retryInMs: number): void;
}

export class StreamClient {
  readonly #opts: Required<StreamClientOptions>;
  readonly #on: StreamClientEvents;
  #ws: WebSocket | undefined;
  #backoffMs: number;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #connects = 0;

  constructor(opts: StreamClientOptions, on: StreamClientEvents) {
    this.#opts = { minBackoffMs: 100, maxBackoffMs: 2000, ...opts };
    this.#on = on;
    this.#backoffMs = this.#opts.minBackoffMs;
  }

  /** How many times a socket has been opened (1 = no reconnect yet). */
  get connects(): number {
    return this.#connects;
  }

  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#ws?.close();
    this.#ws = undefined;
  }

  #connect(): void {
    const ws = new WebSocket(this.#opts.url);
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    ws.onopen = () => {
      this.#connects++;
      ws.send(JSON.stringify(this.#opts.request));
      this.#on.open();
    };
    // A stopped socket may still deliver a message while it closes: ignore it.
    ws.onmessage = (ev: MessageEvent) => {
      if (this.#ws === ws) this.#onMessage(ev.data);
    };
    // Errors are always followed by close; reconnecting is handled there once.
    ws.onerror = () => {};
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      if (this.#stopped) return;
      const delay = this.#backoffMs;
      this.#backoffMs = Math.min(this.#backoffMs * 2, this.#opts.maxBackoffMs);
      this.#retryTimer = setTimeout(() => this.#connect(), delay);
      this.#on.closed(delay);
    };
  }

  #onMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      let frame: DecodedFrame;
      try {
        frame = decodeFrame(new Uint8Array(data));
      } catch (err) {
        this.#on.badMessage(`bad frame: ${(err as Error).message}`);
        return;
      }
      this.#on.frame(frame);
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(String(data));
    } catch {
      this.#on.badMessage('control message is not JSON');
      return;
    }
    if (!isServerMessage(msg)) {
      this.#on.badMessage('control message has no type');
      return;
    }
    switch (msg.type) {
      case 'accepted':
        // A served request proves the path works: the next outage retries fast again.
        this.#backoffMs = this.#opts.minBackoffMs;
        this.#on.accepted(msg);
        break;
      case 'error':
        this.#on.serverError(msg);
        break;
      case 'status':
        this.#on.status(msg);
        break;
      default:
        this.#on.badMessage(`unknown control message type ${(msg as { type: string }).type}`);
    }
  }
}
