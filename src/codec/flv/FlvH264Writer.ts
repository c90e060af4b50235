/**
 * Writes Annex-B access units as an FLV stream, the input framing revcam
 * feeds an ffmpeg transcoder with: ffmpeg's FLV demuxer hands each tag to the
 * decoder as soon as it is read, where its raw H.264 parser would hold every
 * picture back until the next one began.
 */
import { NalType } from '../../wire/h264.js';
import { buildDecoderConfig, joinAvcc, splitAnnexB } from '../h264/annexB.js';

const FILE_HEADER = Buffer.from([0x46, 0x4c, 0x56, 1, 0x01, 0, 0, 0, 9, 0, 0, 0, 0]);

export class FlvH264Writer {
  #headerWritten = false;
  #configKey = '';
  #t0 = -1;
  #lastTs = -1;

  /** The bytes for one access unit: file header and decoder config first when due. Empty until the first keyframe. */
  write(au: Uint8Array, keyframe: boolean, timeMs: number): Buffer[] {
    const nals = splitAnnexB(au);
    const out: Buffer[] = [];
    if (!this.#headerWritten) {
      if (!keyframe) return out;
      out.push(FILE_HEADER);
      this.#headerWritten = true;
      this.#t0 = timeMs;
    }
    // Strictly increasing: two frames that arrived together must not share a timestamp (encoders reject that).
    const ts = Math.max(this.#lastTs + 1, Math.round(timeMs - this.#t0));
    this.#lastTs = ts;
    if (keyframe) {
      const sps = nals.find((n) => (n[0]! & 0x1f) === NalType.sps);
      const pps = nals.find((n) => (n[0]! & 0x1f) === NalType.pps);
      if (sps && pps) {
        const config = buildDecoderConfig(sps, pps);
        const key = config.toString('base64');
        if (key !== this.#configKey) {
          this.#configKey = key;
          out.push(tag(Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), config]), ts));
        }
      }
    }
    const body = joinAvcc(nals.filter((n) => (n[0]! & 0x1f) !== NalType.aud));
    out.push(tag(Buffer.concat([Buffer.from([keyframe ? 0x17 : 0x27, 1, 0, 0, 0]), body]), ts));
    return out;
  }
}

/** One video tag followed by its PreviousTagSize. */
function tag(data: Buffer, tsMs: number): Buffer {
  const out = Buffer.allocUnsafe(11 + data.length + 4);
  out[0] = 9;
  out.writeUIntBE(data.length, 1, 3);
  out.writeUIntBE(tsMs & 0xffffff, 4, 3);
  out[7] = (tsMs >>> 24) & 0xff;
  out.writeUIntBE(0, 8, 3);
  data.copy(out, 11);
  out.writeUInt32BE(11 + data.length, 11 + data.length);
  return out;
}
