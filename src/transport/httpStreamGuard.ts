/**
 * The life of one HTTP streaming response (/stream.mjpg, /stream.h264).
 *
 * Leaving: the client may go at any moment, also while its stream is still
 * opening; the guard listens from the start, so whatever joins later is
 * removed at once if the client is already gone (nothing is left behind).
 *
 * Stalling: a plain HTTP client cannot be pinged, so a reader that stopped
 * reading shows only as a socket that does not drain. When bytes wait in the
 * response for STALL_MS with none flushed meanwhile, the response is
 * destroyed: the same 2 s rule as the WebSocket path (docs/protocol.md §6.5).
 * What it can still read then is what sits in kernel buffers, bounded by the
 * consumer's queue and maxBufferedBytes, then the close.
 */
import type { ServerResponse } from 'node:http';

export const STALL_MS = 2_000;
const CHECK_EVERY_MS = 250;

export class HttpStreamGuard {
  #res: ServerResponse;
  #gone = false;
  #leave: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastProgress = performance.now();
  #stallMs: number;
  /** Called once when a stalled reader is cut off (for the log). */
  onStall: (() => void) | undefined;

  constructor(res: ServerResponse, stallMs = STALL_MS) {
    this.#res = res;
    this.#stallMs = stallMs;
    res.once('close', () => {
      this.#gone = true;
      clearInterval(this.#timer);
      const leave = this.#leave;
      this.#leave = undefined;
      leave?.();
    });
  }

  /** The client has gone (or the response was destroyed). */
  get gone(): boolean {
    return this.#gone;
  }

  /** Runs `leave` when the response closes, at once if it already has; starts watching for a stall. */
  bind(leave: () => void): void {
    if (this.#gone) return leave();
    this.#leave = leave;
    this.#timer = setInterval(() => this.#check(), CHECK_EVERY_MS);
    this.#timer.unref();
  }

  /** Call before writing a frame. */
  writing(): void {
    if (this.#res.writableLength === 0) this.#lastProgress = performance.now();
  }

  /** Call when a write was flushed to the socket. */
  flushed(): void {
    this.#lastProgress = performance.now();
  }

  #check(): void {
    if (this.#res.writableLength === 0 || performance.now() - this.#lastProgress < this.#stallMs) return;
    clearInterval(this.#timer);
    this.onStall?.();
    this.#res.destroy();
  }
}
