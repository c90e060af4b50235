/**
 * Streaming FLV demuxer for one H.264 video track, the framing revcam asks
 * ffmpeg for. Every FLV tag holds exactly one access unit and says how long
 * it is, so a unit is handed out the moment its last byte arrives; a bare
 * Annex-B stream would reveal the end of a unit only when the next one
 * starts, a whole frame interval later.
 *
 * Out come Annex-B access units. The NAL units are the encoder's or the
 * camera's, byte for byte; only their framing changes (4-byte start codes
 * instead of length prefixes), and a keyframe lacking SPS/PPS gets the ones
 * last seen put in front so every keyframe can start a decoder.
 */
import { nowUs } from '../../wire/frame.js';
import { NalType } from '../../wire/h264.js';
import { joinAnnexB, parseDecoderConfig, splitAnnexB, splitAvcc, withParameterSets } from '../h264/annexB.js';
import { parseSps } from '../h264/sps.js';

export interface FlvAccessUnit {
  /** Annex-B, 4-byte start codes. */
  data: Buffer;
  /** Holds an IDR picture (and so, after withParameterSets, everything needed to start decoding). */
  keyframe: boolean;
  /** Arrival of the tag's first byte, microseconds (wire/frame.ts nowUs()). */
  arrivalUs: number;
  /** Picture size from the SPS in force; 0 until one was seen. */
  width: number;
  height: number;
}

const TAG_HEADER = 11;
const FILE_HEADER = 9;
const CODEC_AVC = 7;
const MAX_TAG_BYTES = 16 * 1024 * 1024;

export class FlvFormatError extends Error {}

export class FlvH264Reader {
  readonly #onUnit: (au: FlvAccessUnit) => void;
  #buf: Buffer = Buffer.alloc(0);
  /** Arrival time of #buf[0] and of the bytes from #newFrom on. */
  #oldArrival = 0;
  #newFrom = 0;
  #newArrival = 0;
  #headerDone = false;
  #lengthSize = 0;
  #sps: Uint8Array | undefined;
  #pps: Uint8Array | undefined;
  #spsKey = '';
  width = 0;
  height = 0;
  codecString = '';

  constructor(onUnit: (au: FlvAccessUnit) => void) {
    this.#onUnit = onUnit;
  }

  push(chunk: Uint8Array, arrivalUs = nowUs()): void {
    if (chunk.length === 0) return;
    if (this.#buf.length === 0) {
      this.#buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      this.#oldArrival = arrivalUs;
      this.#newFrom = 0;
    } else {
      this.#newFrom = this.#buf.length;
      this.#buf = Buffer.concat([this.#buf, chunk]);
    }
    this.#newArrival = arrivalUs;
    let o = 0;
    const buf = this.#buf;
    if (!this.#headerDone) {
      if (buf.length < FILE_HEADER + 4) return this.#keep(0);
      if (buf[0] !== 0x46 || buf[1] !== 0x4c || buf[2] !== 0x56) throw new FlvFormatError('not an FLV stream');
      o = buf.readUInt32BE(5) + 4; // header, then PreviousTagSize0
      this.#headerDone = true;
    }
    while (buf.length - o >= TAG_HEADER) {
      const type = buf[o]! & 0x1f;
      const size = buf.readUIntBE(o + 1, 3);
      if (size > MAX_TAG_BYTES) throw new FlvFormatError(`FLV tag of ${size} bytes is out of bounds`);
      if (buf.length - o < TAG_HEADER + size + 4) break;
      const arrival = o < this.#newFrom ? this.#oldArrival : this.#newArrival;
      if (type === 9) this.#video(buf.subarray(o + TAG_HEADER, o + TAG_HEADER + size), arrival);
      o += TAG_HEADER + size + 4;
    }
    this.#keep(o);
  }

  #keep(from: number): void {
    if (from >= this.#buf.length) {
      this.#buf = Buffer.alloc(0);
      return;
    }
    if (from >= this.#newFrom) this.#oldArrival = this.#newArrival;
    this.#buf = this.#buf.subarray(from);
    this.#newFrom = 0;
  }

  #video(tag: Buffer, arrivalUs: number): void {
    if (tag.length < 5 || (tag[0]! & 0x0f) !== CODEC_AVC) return;
    const packetType = tag[1]!;
    const body = tag.subarray(5);
    if (packetType === 0) {
      if (body.length === 0) return;
      const cfg = parseDecoderConfig(body);
      this.#lengthSize = cfg.lengthSize;
      if (cfg.sps[0]) this.#setSps(cfg.sps[0]);
      if (cfg.pps[0]) this.#pps = cfg.pps[0];
      return;
    }
    if (packetType !== 1 || body.length === 0) return;
    // ffmpeg leaves Annex-B in the tag when the stream had no extradata; length prefixes otherwise.
    const avcc = this.#lengthSize ? splitAvcc(body, this.#lengthSize) : undefined;
    const nals = avcc ?? splitAnnexB(body);
    let keyframe = false;
    for (const n of nals) {
      const t = n[0]! & 0x1f;
      if (t === NalType.idr) keyframe = true;
      else if (t === NalType.sps) this.#setSps(n);
      else if (t === NalType.pps) this.#pps = n;
    }
    if (nals.length === 0) return;
    const units = keyframe ? withParameterSets(nals, this.#sps, this.#pps) : nals;
    this.#onUnit({ data: joinAnnexB(units), keyframe, arrivalUs, width: this.width, height: this.height });
  }

  #setSps(sps: Uint8Array): void {
    const key = Buffer.from(sps).toString('base64');
    this.#sps = Buffer.from(sps);
    if (key === this.#spsKey) return;
    this.#spsKey = key;
    try {
      const info = parseSps(sps);
      this.width = info.width;
      this.height = info.height;
      this.codecString = info.codec;
    } catch {
      // An SPS we cannot read still decodes; the size stays as it was.
    }
  }
}
