/**
 * What every H.264 client needs to read a revcam H.264 payload: one access
 * unit in Annex-B form (start code + NAL unit, repeated). Shared by the
 * server, the CLI probe and the browser display, so it is pure: no Node or
 * DOM imports, only Uint8Array.
 *
 * A keyframe access unit carries its parameter sets (SPS, PPS) before the IDR
 * slices, so a decoder can start from it alone (docs/protocol.md, H.264).
 */

/** NAL unit types (ITU-T H.264 table 7-1) that revcam looks at. */
export const NalType = {
  slice: 1,
  sliceA: 2,
  idr: 5,
  sei: 6,
  sps: 7,
  pps: 8,
  aud: 9,
  endOfSequence: 10,
  endOfStream: 11,
  filler: 12,
} as const;

/** One NAL unit inside an Annex-B buffer: [start, end) excludes the start code. */
export interface NalSpan {
  type: number;
  /** Offset of the NAL header byte. */
  start: number;
  /** Offset just past the NAL unit (before the next start code or at the end). */
  end: number;
  /** Offset of the start code in front of it (3 or 4 bytes before `start`). */
  codeStart: number;
}

/** Offset of the first 00 00 01 at or after `from`, or -1. */
export function findStartCode(buf: Uint8Array, from = 0): number {
  for (let i = from; i + 2 < buf.length; i++) {
    // Skip ahead fast: a start code needs buf[i+2] === 1 and two zeros before it.
    const b2 = buf[i + 2]!;
    if (b2 > 1) {
      i += 2;
      continue;
    }
    if (b2 === 1 && buf[i] === 0 && buf[i + 1] === 0) return i;
  }
  return -1;
}

/** The NAL units of an Annex-B buffer, in order. Trailing zero bytes belong to no NAL. */
export function nalUnits(buf: Uint8Array): NalSpan[] {
  const out: NalSpan[] = [];
  let sc = findStartCode(buf, 0);
  while (sc >= 0) {
    const codeStart = sc > 0 && buf[sc - 1] === 0 ? sc - 1 : sc;
    const start = sc + 3;
    const next = findStartCode(buf, start);
    let end = next < 0 ? buf.length : next;
    // Zero bytes before the next start code are trailing_zero_8bits / the 4-byte code's first zero.
    while (end > start && buf[end - 1] === 0) end--;
    if (start < end) out.push({ type: buf[start]! & 0x1f, start, end, codeStart });
    sc = next;
  }
  return out;
}

/** True for slice NAL units (coded picture data). */
export function isVcl(type: number): boolean {
  return type >= 1 && type <= 5;
}

/** True when the access unit holds an IDR picture, the point a decoder can start from. */
export function hasIdr(au: Uint8Array): boolean {
  return nalUnits(au).some((n) => n.type === NalType.idr);
}

/** The first SPS and PPS NAL units (header byte included) of an access unit, if any. */
export function parameterSets(au: Uint8Array): { sps?: Uint8Array; pps?: Uint8Array } {
  const out: { sps?: Uint8Array; pps?: Uint8Array } = {};
  for (const n of nalUnits(au)) {
    if (n.type === NalType.sps && !out.sps) out.sps = au.subarray(n.start, n.end);
    else if (n.type === NalType.pps && !out.pps) out.pps = au.subarray(n.start, n.end);
  }
  return out;
}

const hex2 = (x: number): string => x.toString(16).padStart(2, '0').toUpperCase();

/**
 * The RFC 6381 codec string (`avc1.PPCCLL`) of an SPS NAL unit (header byte
 * included): profile_idc, the constraint flags byte and level_idc, which are
 * the three bytes after the header. Emulation prevention cannot touch them
 * (profile_idc and level_idc are never zero).
 */
export function avcCodecString(sps: Uint8Array): string {
  if (sps.length < 4 || (sps[0]! & 0x1f) !== NalType.sps) throw new Error('not an SPS NAL unit');
  return `avc1.${hex2(sps[1]!)}${hex2(sps[2]!)}${hex2(sps[3]!)}`;
}
