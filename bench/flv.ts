/**
 * A minimal FLV reader for the peer's HTTP-FLV viewers: it splits the byte
 * stream into tags and, for each H.264 video tag, hands out its NAL units
 * (AVCC, 4-byte lengths) so a viewer can count frames, see keyframes, and
 * find the capture stamp the bench put in an SEI.
 */

export interface FlvVideoFrame {
  keyframe: boolean;
  /** FLV tag timestamp, ms. */
  timestampMs: number;
  nals: Uint8Array[];
  /** Bytes of the whole tag, header included. */
  tagBytes: number;
}

const FLV_HEADER = 9;
const TAG_HEADER = 11;

export class FlvReader {
  #buf: Buffer = Buffer.alloc(0);
  #headerDone = false;
  #nalLengthSize = 4;
  constructor(private readonly onVideo: (f: FlvVideoFrame) => void) {}

  push(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    let off = 0;
    const b = this.#buf;
    if (!this.#headerDone) {
      if (b.length < FLV_HEADER + 4) return;
      if (b.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV stream');
      off = b.readUInt32BE(5) + 4; // header, then PreviousTagSize0
      this.#headerDone = true;
    }
    while (b.length - off >= TAG_HEADER) {
      const type = b[off]! & 0x1f;
      const size = b.readUIntBE(off + 1, 3);
      const total = TAG_HEADER + size + 4;
      if (b.length - off < total) break;
      const ts = (b.readUIntBE(off + 4, 3) | (b[off + 7]! << 24)) >>> 0;
      if (type === 9) this.#video(b.subarray(off + TAG_HEADER, off + TAG_HEADER + size), ts, total);
      off += total;
    }
    this.#buf = off >= b.length ? Buffer.alloc(0) : b.subarray(off);
  }

  #video(d: Buffer, timestampMs: number, tagBytes: number): void {
    if (d.length < 5) return;
    const frameType = d[0]! >> 4;
    if ((d[0]! & 0x80) !== 0) {
      // Enhanced RTMP (ex header): the fourcc follows; packet type in the low nibble.
      const packetType = d[0]! & 0x0f;
      const fourcc = d.toString('latin1', 1, 5);
      if (fourcc !== 'avc1') return;
      if (packetType === 0) return this.#config(d.subarray(5));
      const body = packetType === 1 ? d.subarray(8) : packetType === 3 ? d.subarray(5) : undefined;
      if (body) this.onVideo({ keyframe: (frameType & 0x7) === 1, timestampMs, nals: this.#nals(body), tagBytes });
      return;
    }
    if ((d[0]! & 0x0f) !== 7) return; // not AVC
    if (d[1] === 0) return this.#config(d.subarray(5));
    if (d[1] !== 1) return;
    this.onVideo({ keyframe: frameType === 1, timestampMs, nals: this.#nals(d.subarray(5)), tagBytes });
  }

  #config(avcc: Buffer): void {
    if (avcc.length >= 5) this.#nalLengthSize = (avcc[4]! & 0x03) + 1;
  }

  #nals(body: Buffer): Uint8Array[] {
    const out: Uint8Array[] = [];
    const n = this.#nalLengthSize;
    let off = 0;
    while (off + n <= body.length) {
      const len = body.readUIntBE(off, n);
      off += n;
      if (off + len > body.length) break;
      out.push(body.subarray(off, off + len));
      off += len;
    }
    return out;
  }
}
