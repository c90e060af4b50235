/**
 * JPEG payload → ImageBitmap via the browser's decoder (off the main thread
 * in Chromium). One decode runs at a time and at most one frame waits behind
 * it: a newer frame replaces the waiting one (latest wins), which is then
 * skipped. So a slow decoder never builds a backlog, yet a frame that arrives
 * during a decode is shown as soon as the decode ends instead of being
 * dropped and leaving the screen a frame behind until the next arrival.
 */

/** A decoded image and how long its own decode took (waiting not included). */
export interface Decoded {
  bitmap: ImageBitmap;
  decodeMs: number;
}

interface Waiting {
  payload: Uint8Array;
  resolve(d: Decoded | null): void;
  reject(err: unknown): void;
}

export class JpegDecoder {
  /** Codec and decoder path, as shown in the HUD. */
  readonly path = 'jpeg/createImageBitmap';
  #busy = false;
  #waiting: Waiting | undefined;
  #skipped = 0;

  /** Frames skipped because a newer one replaced them while they waited. */
  get skipped(): number {
    return this.#skipped;
  }

  /**
   * Decodes now, or after the running decode; resolves null when a newer
   * frame replaced this one before its turn came.
   */
  decode(payload: Uint8Array): Promise<Decoded | null> {
    if (!this.#busy) return this.#run(payload);
    return new Promise((resolve, reject) => {
      this.#supersede();
      this.#waiting = { payload, resolve, reject };
    });
  }

  /** Skips the waiting frame, if any (a loss or reconnect makes it worthless). */
  dropWaiting(): void {
    this.#supersede();
  }

  #supersede(): void {
    if (!this.#waiting) return;
    this.#waiting.resolve(null);
    this.#waiting = undefined;
    this.#skipped++;
  }

  #run(payload: Uint8Array): Promise<Decoded> {
    this.#busy = true;
    const start = performance.now();
    // The payload is a view into the socket message; Blob copies just those bytes.
    const blob = new Blob([payload as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
    return createImageBitmap(blob)
      .then((bitmap) => ({ bitmap, decodeMs: performance.now() - start }))
      .finally(() => {
        this.#busy = false;
        const next = this.#waiting;
        this.#waiting = undefined;
        if (next) this.#run(next.payload).then(next.resolve, next.reject);
      });
  }
}
