/**
 * The display's end of /api/signals: the server sends the current view and
 * signal values on connect, then every change. Reconnects by itself with a
 * capped exponential backoff, like the stream client.
 */
import type { SignalsMessage, SignalsServerMessage, ViewMessage } from '../wire/signals.js';

export interface SignalsClientOptions {
  url: string;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface SignalsClientEvents {
  open(): void;
  view(msg: ViewMessage): void;
  signals(msg: SignalsMessage): void;
  /** A message that could not be understood; the link stays up. */
  badMessage(reason: string): void;
  /** The socket closed or never opened; a reconnect is scheduled in `retryInMs`. */
  closed(retryInMs: number): void;
}

export class SignalsClient {
  readonly #opts: Required<SignalsClientOptions>;
  readonly #on: SignalsClientEvents;
  #ws: WebSocket | undefined;
  #backoffMs: number;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: SignalsClientOptions, on: SignalsClientEvents) {
    this.#opts = { minBackoffMs: 200, maxBackoffMs: 5000, ...opts };
    this.#on = on;
    this.#backoffMs = this.#opts.minBackoffMs;
  }

  start(): void {
    const ws = new WebSocket(this.#opts.url);
    this.#ws = ws;
    ws.onopen = () => this.#on.open();
    ws.onmessage = (ev: MessageEvent) => {
      if (this.#ws !== ws) return;
      // Hearing from the server proves the path works: the next outage retries fast again.
      this.#backoffMs = this.#opts.minBackoffMs;
      this.#onMessage(ev.data);
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      const delay = this.#backoffMs;
      this.#backoffMs = Math.min(this.#backoffMs * 2, this.#opts.maxBackoffMs);
      this.#retryTimer = setTimeout(() => this.start(), delay);
      this.#on.closed(delay);
    };
  }

  stop(): void {
    clearTimeout(this.#retryTimer);
    const ws = this.#ws;
    this.#ws = undefined;
    ws?.close();
  }

  #onMessage(data: unknown): void {
    let msg: SignalsServerMessage;
    try {
      msg = JSON.parse(String(data)) as SignalsServerMessage;
    } catch {
      this.#on.badMessage('signals message is not JSON');
      return;
    }
    if (msg?.type === 'view' && (msg.view === 'rear' || msg.view === 'none')) {
      this.#on.view({ ...msg, stale: Array.isArray(msg.stale) ? msg.stale.filter((p) => typeof p === 'string') : [] });
    } else if (msg?.type === 'signals' && Array.isArray(msg.samples)) {
      this.#on.signals(msg);
    } else {
      this.#on.badMessage(`unknown signals message ${JSON.stringify((msg as { type?: unknown } | null)?.type)}`);
    }
  }
}
