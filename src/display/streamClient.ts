/**
 * The display's end of /api/stream: sends the request, parses control
 * messages and binary frames, and reconnects by itself with a capped
 * exponential backoff so a restarted server is picked up within ~2 s.
 * It also keeps the clock exchange going (`accepted` is the first sample;
 * then a `clock` request at once and every second, docs/protocol.md §3.5)
 * and hands each sample on.
 */
import { CLOCK_EXCHANGE_EVERY_MS, type ClockSample } from '../wire/clock.js';
import { decodeFrame, nowUs, type DecodedFrame } from '../wire/frame.js';
import { isClockAnswer, isServerMessage, type AcceptedMessage, type ClockRequestMessage, type ErrorMessage, type StatusMessage, type StreamRequestMessage } from '../wire/messages.js';

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
  /** One clock exchange (a `clock` answer, or the request and its `accepted`). */
  clock(sample: ClockSample): void;
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
  #clockTimer: ReturnType<typeof setInterval> | undefined;
  /** When the request left (client clock, µs): `accepted` answers it. */
  #requestSentUs = 0;

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
    clearInterval(this.#clockTimer);
    this.#ws?.close();
    this.#ws = undefined;
  }

  #connect(): void {
    const ws = new WebSocket(this.#opts.url);
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    ws.onopen = () => {
      this.#connects++;
      this.#requestSentUs = nowUs();
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
      clearInterval(this.#clockTimer);
      if (this.#stopped) return;
      const delay = this.#backoffMs;
      this.#backoffMs = Math.min(this.#backoffMs * 2, this.#opts.maxBackoffMs);
      this.#retryTimer = setTimeout(() => this.#connect(), delay);
      this.#on.closed(delay);
    };
  }

  #startClockExchange(): void {
    const ws = this.#ws;
    const exchange = (): void => {
      if (ws && ws === this.#ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'clock', t0: nowUs() } satisfies ClockRequestMessage));
    };
    exchange();
    clearInterval(this.#clockTimer);
    this.#clockTimer = setInterval(exchange, CLOCK_EXCHANGE_EVERY_MS);
  }

  #onMessage(data: unknown): void {
    const receivedUs = nowUs();
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
        if (typeof msg.serverTimeUs === 'number') {
          this.#on.clock({ t0: this.#requestSentUs, t1: msg.requestReceivedUs ?? msg.serverTimeUs, t2: msg.serverTimeUs, t3: receivedUs });
          // A server that tells its clock answers `clock`: keep measuring (an older one would refuse it).
          this.#startClockExchange();
        }
        this.#on.accepted(msg);
        break;
      case 'clock':
        if (isClockAnswer(msg)) this.#on.clock({ t0: msg.t0, t1: msg.t1, t2: msg.t2, t3: receivedUs });
        else this.#on.badMessage('malformed clock message');
        break;
      case 'error':
        this.#on.serverError(msg);
        break;
      case 'status':
        this.#on.status(msg);
        break;
      default:
        // Newer servers may say more: ignored, as docs/protocol.md asks.
        break;
    }
  }
}
