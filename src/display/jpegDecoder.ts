/**
 * JPEG payload → ImageBitmap via the browser's decoder (off the main thread
 * in Chromium). At most one decode runs at a time: a frame that arrives while
 * the previous one is still decoding is skipped, so a slow decoder shows
 * fewer but always current frames instead of an ever older backlog.
 */
export class JpegDecoder {
  /** Codec and decoder path, as shown in the HUD. */
  readonly path = 'jpeg/createImageBitmap';
  #busy = false;
  #skipped = 0;

  /** Frames skipped because a decode was still running. */
  get skipped(): number {
    return this.#skipped;
  }

  /** Starts a decode, or returns undefined (and counts a skip) when one is already running. */
  decode(payload: Uint8Array): Promise<ImageBitmap> | undefined {
    if (this.#busy) {
      this.#skipped++;
      return undefined;
    }
    this.#busy = true;
    // The payload is a view into the socket message; Blob copies just those bytes.
    const blob = new Blob([payload as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
    return createImageBitmap(blob).finally(() => {
      this.#busy = false;
    });
  }
}
