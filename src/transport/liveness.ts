/**
 * Liveness of WebSocket viewers (docs/performance.md, F1 and F10): is a
 * viewer reading what we send? A pong comes back only once the viewer has
 * read everything sent before its ping, so "a ping unanswered for longer
 * than gateAfterMs" means the viewer is behind: its frames then wait
 * (bounded, newest wins, in its Consumer) instead of filling kernel buffers
 * with seconds of video it would replay when it reads again. A viewer silent
 * for deadAfterMs is disconnected: what still sits in its socket is the past,
 * and a display that reconnects starts from a live frame.
 *
 * Cost (F10): the ping rides on a frame write (`duePing()` → the transport
 * appends a 2-byte ping frame to the frame it writes anyway), so a viewer
 * that gets frames costs no write of its own for liveness; one timer per
 * transport (not one per viewer) catches the silent and pings viewers that
 * got no frame to carry it (an idle stream, a viewer whose frames wait),
 * sweepLateMs after the ping fell due.
 */

export interface LivenessOptions {
  /** A viewer is pinged at most this often. */
  pingEveryMs: number;
  /** A ping unanswered this long closes the viewer's gate. */
  gateAfterMs: number;
  /** A ping unanswered this long ends the viewer. */
  deadAfterMs: number;
  /**
   * The sweep sends a ping of its own only this long after it fell due, so a
   * viewer that gets frames has one carry it (F10). Without it a sweep period
   * of half pingEveryMs lands on the due time and, once it has pinged a
   * viewer, keeps winning the race with the frames: a write of its own.
   */
  sweepLateMs?: number;
}

/** The transport's values: a short stall leaves at most gateAfterMs + pingEveryMs of video in the socket. */
export const LIVENESS: LivenessOptions = { pingEveryMs: 300, gateAfterMs: 400, deadAfterMs: 2_000, sweepLateMs: 100 };

/** What the liveness sweep does with a viewer. */
export interface LivenessPeer {
  /** Sends a ping on its own (no frame carried one). */
  ping(): void;
  /** The viewer did not answer within deadAfterMs. */
  dead(): void;
}

/** One viewer's ping state; `now` is injectable so the rules are testable without waiting. */
export class ViewerLiveness {
  #opts: LivenessOptions;
  #now: () => number;
  #sentAt = -Infinity;
  #awaiting = false;
  /** Disconnected for not answering pings. */
  dead = false;

  constructor(opts: LivenessOptions = LIVENESS, now: () => number = () => performance.now()) {
    this.#opts = opts;
    this.#now = now;
  }

  /** The viewer reads: frames may be written. */
  get open(): boolean {
    return !this.#awaiting || this.#now() - this.#sentAt < this.#opts.gateAfterMs;
  }

  get awaiting(): boolean {
    return this.#awaiting;
  }

  /** Called for each frame about to be written: true when this write should carry a ping (and it then counts as sent). */
  duePing(): boolean {
    if (this.#awaiting) return false;
    const now = this.#now();
    if (now - this.#sentAt < this.#opts.pingEveryMs) return false;
    this.#awaiting = true;
    this.#sentAt = now;
    return true;
  }

  /** A pong arrived: everything sent before the ping has been read. */
  pong(): void {
    this.#awaiting = false;
  }

  /** The sweep: 'dead' after deadAfterMs without a pong, 'ping' when a ping is due and no frame carried it. */
  check(): 'dead' | 'ping' | undefined {
    if (this.dead) return undefined;
    const now = this.#now();
    if (this.#awaiting) {
      if (now - this.#sentAt <= this.#opts.deadAfterMs) return undefined;
      this.dead = true;
      return 'dead';
    }
    if (now - this.#sentAt < this.#opts.pingEveryMs + (this.#opts.sweepLateMs ?? 0)) return undefined;
    this.#awaiting = true;
    this.#sentAt = now;
    return 'ping';
  }
}

/** One timer for every viewer of a transport. */
export class LivenessSweep {
  #peers = new Map<ViewerLiveness, LivenessPeer>();
  #timer: NodeJS.Timeout | undefined;
  #everyMs: number;

  constructor(everyMs: number = LIVENESS.pingEveryMs / 2) {
    this.#everyMs = everyMs;
  }

  add(state: ViewerLiveness, peer: LivenessPeer): void {
    this.#peers.set(state, peer);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.sweep(), this.#everyMs);
      this.#timer.unref();
    }
  }

  remove(state: ViewerLiveness): void {
    this.#peers.delete(state);
    if (this.#peers.size === 0) this.stop();
  }

  get size(): number {
    return this.#peers.size;
  }

  sweep(): void {
    for (const [state, peer] of this.#peers) {
      const what = state.check();
      if (what === 'ping') peer.ping();
      else if (what === 'dead') {
        this.#peers.delete(state);
        peer.dead();
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
