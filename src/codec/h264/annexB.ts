/**
 * Conversions between the two ways H.264 NAL units are framed: Annex-B
 * (start codes, what revcam sends) and length-prefixed "AVCC" (what FLV and
 * MP4 carry), plus the AVCDecoderConfigurationRecord that holds SPS and PPS.
 */
import { NalType, nalUnits } from '../../wire/h264.js';

export const START_CODE = Buffer.from([0, 0, 0, 1]);

/** Joins NAL units (no start codes) into one Annex-B buffer with 4-byte start codes. */
export function joinAnnexB(nals: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const n of nals) size += 4 + n.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const n of nals) {
    START_CODE.copy(out, o);
    out.set(n, o + 4);
    o += 4 + n.length;
  }
  return out;
}

/** The NAL units of an Annex-B buffer as views (no start codes). */
export function splitAnnexB(buf: Uint8Array): Uint8Array[] {
  return nalUnits(buf).map((n) => buf.subarray(n.start, n.end));
}

/** Splits a length-prefixed buffer; undefined when the lengths do not tile it exactly. */
export function splitAvcc(buf: Uint8Array, lengthSize: number): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < buf.length) {
    if (o + lengthSize > buf.length) return undefined;
    let len = 0;
    for (let i = 0; i < lengthSize; i++) len = len * 256 + buf[o + i]!;
    o += lengthSize;
    if (len === 0 || o + len > buf.length) return undefined;
    out.push(buf.subarray(o, o + len));
    o += len;
  }
  return out;
}

/** Length-prefixes NAL units with 4-byte big-endian lengths. */
export function joinAvcc(nals: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const n of nals) size += 4 + n.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const n of nals) {
    out.writeUInt32BE(n.length, o);
    out.set(n, o + 4);
    o += 4 + n.length;
  }
  return out;
}

export interface DecoderConfig {
  lengthSize: number;
  sps: Uint8Array[];
  pps: Uint8Array[];
}

/** Parses an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1). */
export function parseDecoderConfig(rec: Uint8Array): DecoderConfig {
  if (rec.length < 7 || rec[0] !== 1) throw new Error('not an AVCDecoderConfigurationRecord');
  const lengthSize = (rec[4]! & 3) + 1;
  let o = 6; // after lengthSizeMinusOne (byte 4) and numOfSequenceParameterSets (byte 5)
  const read = (count: number): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if (o + 2 > rec.length) throw new Error('truncated AVCDecoderConfigurationRecord');
      const len = (rec[o]! << 8) | rec[o + 1]!;
      o += 2;
      if (o + len > rec.length) throw new Error('truncated AVCDecoderConfigurationRecord');
      out.push(rec.subarray(o, o + len));
      o += len;
    }
    return out;
  };
  const sps = read(rec[5]! & 0x1f);
  if (o >= rec.length) throw new Error('truncated AVCDecoderConfigurationRecord');
  const ppsCount = rec[o++]!;
  const pps = read(ppsCount);
  return { lengthSize, sps, pps };
}

/** Builds an AVCDecoderConfigurationRecord with 4-byte NAL lengths from one SPS and one PPS. */
export function buildDecoderConfig(sps: Uint8Array, pps: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(11 + sps.length + pps.length);
  out[0] = 1;
  out[1] = sps[1]!;
  out[2] = sps[2]!;
  out[3] = sps[3]!;
  out[4] = 0xfc | 3; // lengthSizeMinusOne = 3
  out[5] = 0xe0 | 1; // one SPS
  out.writeUInt16BE(sps.length, 6);
  out.set(sps, 8);
  out[8 + sps.length] = 1; // one PPS
  out.writeUInt16BE(pps.length, 9 + sps.length);
  out.set(pps, 11 + sps.length);
  return out;
}

/**
 * Makes a keyframe self-contained: when the IDR access unit lacks SPS or PPS
 * (cameras often send them only out of band), the known ones are put in
 * front of its first slice (after an access unit delimiter, which must stay
 * first). The unit's own NAL units are kept byte for byte.
 */
export function withParameterSets(nals: readonly Uint8Array[], sps: Uint8Array | undefined, pps: Uint8Array | undefined): Uint8Array[] {
  const has = (t: number) => nals.some((n) => (n[0]! & 0x1f) === t);
  const add: Uint8Array[] = [];
  if (sps && !has(NalType.sps)) add.push(sps);
  if (pps && !has(NalType.pps)) add.push(pps);
  if (add.length === 0) return [...nals];
  const at = nals.length > 0 && (nals[0]![0]! & 0x1f) === NalType.aud ? 1 : 0;
  return [...nals.slice(0, at), ...add, ...nals.slice(at)];
}
