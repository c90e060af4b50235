/**
 * RTP timestamps (90 kHz, RFC 6184 §5.1) from the frames' capture times, so
 * a receiver's playout follows the camera's clock, not the network's.
 *
 * A burst of frames sent at once (a new viewer's cached group, or the group
 * re-sent after a picture loss) must not be played at the pace of their
 * capture: they are past already. Their timestamps are squeezed into the
 * ticks just before the newest one, so the receiver decodes them in order and
 * shows the newest at once, never a second of the past. Timestamps only ever
 * go forward.
 */
const TICKS_PER_US = 90_000 / 1e6;

export class RtpTimeline {
  /** Random start (RFC 3550 §5.1); kept unwrapped here, wrapped to 32 bits on the wire. */
  #base = Math.floor(Math.random() * 2 ** 31);
  #firstUs: number | undefined;
  #last = -1;

  #natural(captureUs: number): number {
    this.#firstUs ??= captureUs;
    return this.#base + Math.round((captureUs - this.#firstUs) * TICKS_PER_US);
  }

  /** The timestamp of a live frame. */
  next(captureUs: number): number {
    this.#last = Math.max(this.#natural(captureUs), this.#last + 1);
    return this.#last >>> 0;
  }

  /** Timestamps for a burst of `count` frames whose newest was captured at `newestUs`. */
  burst(count: number, newestUs: number): number[] {
    const start = Math.max(this.#last + 1, this.#natural(newestUs) - (count - 1));
    const out = Array.from({ length: count }, (_, i) => (start + i) >>> 0);
    this.#last = start + count - 1;
    return out;
  }
}
