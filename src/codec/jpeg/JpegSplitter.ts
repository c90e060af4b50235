/**
 * Streaming JPEG splitter: bytes in (chunks cut anywhere), whole JPEG images
 * out, each the moment its EOI marker arrives. It walks the marker segments
 * by their lengths rather than searching for FF D9, so an EOI inside an
 * embedded thumbnail or a table cannot end a frame early, and it reads the
 * picture size from the SOF segment on the way.
 */
import { nowUs } from '../../wire/frame.js';

export interface JpegImage {
  /** SOI to EOI inclusive, exactly as it was in the stream. */
  data: Buffer;
  width: number;
  height: number;
  /** Arrival of the SOI byte, microseconds. */
  arrivalUs: number;
}

type State = 'seek' | 'segments' | 'entropy';

/** Start-of-frame markers (C0-CF except DHT C4, JPG C8, DAC CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

export class JpegSplitter {
  readonly #onImage: (img: JpegImage) => void;
  readonly #maxBytes: number;
  #buf: Buffer = Buffer.alloc(0);
  #state: State = 'seek';
  /** Parse position in #buf. */
  #pos = 0;
  #width = 0;
  #height = 0;
  #arrival = 0;
  /** Where the newest chunk starts in #buf, its arrival, and the arrival of the bytes before it. */
  #chunkStart = 0;
  #chunkArrival = 0;
  #oldArrival = 0;
  /** Images abandoned because they were malformed or too large. */
  dropped = 0;

  constructor(onImage: (img: JpegImage) => void, opts: { maxImageBytes?: number } = {}) {
    this.#onImage = onImage;
    this.#maxBytes = opts.maxImageBytes ?? 32 * 1024 * 1024;
  }

  push(chunk: Uint8Array, arrivalUs = nowUs()): void {
    if (chunk.length === 0) return;
    if (this.#buf.length === 0) this.#oldArrival = arrivalUs;
    this.#chunkStart = this.#buf.length;
    this.#chunkArrival = arrivalUs;
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length) : Buffer.concat([this.#buf, chunk]);
    this.#parse();
    if (this.#state !== 'seek' && this.#buf.length > this.#maxBytes) {
      this.#abandon(1);
      this.#parse();
    }
  }

  #parse(): void {
    for (;;) {
      if (this.#state === 'seek') {
        const buf = this.#buf;
        const soi = findSoi(buf, this.#pos);
        if (soi < 0) {
          // Keep a trailing FF: it may be half of the next SOI.
          this.#drop(buf.length > 0 && buf[buf.length - 1] === 0xff ? buf.length - 1 : buf.length);
          return;
        }
        this.#drop(soi);
        this.#arrival = this.#chunkStart === 0 ? this.#chunkArrival : this.#oldArrival;
        this.#state = 'segments';
        this.#pos = 2;
        this.#width = 0;
        this.#height = 0;
        continue;
      }
      if (this.#state === 'segments') {
        const b = this.#buf;
        let p = this.#pos;
        if (p + 2 > b.length) return;
        if (b[p] !== 0xff) {
          this.#abandon(p);
          continue;
        }
        const m = b[p + 1]!;
        if (m === 0xff) {
          this.#pos = p + 1; // fill byte
          continue;
        }
        if (m === 0xd9) {
          const data = Buffer.from(b.subarray(0, p + 2));
          this.#drop(p + 2);
          this.#state = 'seek';
          this.#pos = 0;
          this.#onImage({ data, width: this.#width, height: this.#height, arrivalUs: this.#arrival });
          continue;
        }
        if (m === 0xd8) {
          this.#abandon(p); // a new image before this one ended
          continue;
        }
        if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) {
          this.#pos = p + 2;
          continue;
        }
        if (p + 4 > b.length) return;
        const len = b.readUInt16BE(p + 2);
        if (len < 2) {
          this.#abandon(p);
          continue;
        }
        if (isSof(m)) {
          if (p + 9 > b.length) return;
          this.#height = b.readUInt16BE(p + 5);
          this.#width = b.readUInt16BE(p + 7);
        }
        p += 2 + len;
        if (p > b.length) return; // wait for the rest of the segment
        this.#pos = p;
        if (m === 0xda) this.#state = 'entropy';
        continue;
      }
      // entropy-coded data: FF 00 is a stuffed FF, FF D0-D7 a restart marker, FF FF fill; any other FF xx ends it.
      const b = this.#buf;
      let p = this.#pos;
      for (;;) {
        const ff = b.indexOf(0xff, p);
        if (ff < 0 || ff + 1 >= b.length) {
          this.#pos = ff < 0 ? b.length : ff;
          return;
        }
        const m = b[ff + 1]!;
        if (m === 0x00 || (m >= 0xd0 && m <= 0xd7)) {
          p = ff + 2;
          continue;
        }
        if (m === 0xff) {
          p = ff + 1;
          continue;
        }
        this.#pos = ff;
        this.#state = 'segments';
        break;
      }
    }
  }

  /** Forgets the first n bytes of the buffer. */
  #drop(n: number): void {
    if (n <= 0) return;
    this.#buf = this.#buf.subarray(n);
    if (n >= this.#chunkStart) this.#oldArrival = this.#chunkArrival;
    this.#chunkStart = Math.max(0, this.#chunkStart - n);
    this.#pos = Math.max(0, this.#pos - n);
  }

  /** Gives up on a malformed image and looks for the next SOI after `from`. */
  #abandon(from: number): void {
    this.dropped++;
    this.#drop(Math.max(1, from));
    this.#state = 'seek';
    this.#pos = 0;
  }
}

function findSoi(buf: Buffer, from: number): number {
  let i = buf.indexOf(0xff, from);
  while (i >= 0 && i + 1 < buf.length) {
    if (buf[i + 1] === 0xd8) return i;
    i = buf.indexOf(0xff, i + 1);
  }
  return -1;
}
