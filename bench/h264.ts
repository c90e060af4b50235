/**
 * Just enough H.264 for the bench: split an Annex-B stream into NAL units and
 * access units, and carry a capture timestamp through any remuxer inside a
 * user-data-unregistered SEI (payload type 5), which RTMP and FLV pass through
 * untouched. The timestamp is ASCII decimal, so the SEI never contains the
 * 00 00 0x byte patterns that would need emulation prevention.
 */

/** Our SEI's UUID (no zero bytes, so no emulation prevention is ever needed). */
export const STAMP_UUID = Buffer.from('revcam-bench-ts!', 'ascii');
export const NAL = { slice: 1, idr: 5, sei: 6, sps: 7, pps: 8, aud: 9 } as const;

const START = Buffer.from([0, 0, 0, 1]);

/** NAL units of an Annex-B byte stream, without their start codes. */
export function splitNals(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < buf.length) {
    if (buf[i] === 0 && buf[i + 1] === 0 && (buf[i + 2] === 1 || (buf[i + 2] === 0 && buf[i + 3] === 1))) {
      const codeLen = buf[i + 2] === 1 ? 3 : 4;
      if (start >= 0) out.push(buf.subarray(start, i));
      start = i + codeLen;
      i += codeLen;
    } else i++;
  }
  if (start >= 0 && start < buf.length) out.push(buf.subarray(start));
  // A zero byte before a 4-byte start code belongs to trailing_zero_8bits, not the NAL.
  return out.map((n) => {
    let end = n.length;
    while (end > 1 && n[end - 1] === 0) end--;
    return n.subarray(0, end);
  });
}

export const nalType = (nal: Uint8Array): number => (nal[0] ?? 0) & 0x1f;

export interface AccessUnit {
  /** NAL units in order, access unit delimiters removed. */
  nals: Buffer[];
  keyframe: boolean;
}

/** Groups NAL units into access units: a new one starts at an AUD, or at SPS/PPS/SEI/slice after a slice. */
export function accessUnits(nals: Buffer[]): AccessUnit[] {
  const out: AccessUnit[] = [];
  let cur: Buffer[] = [];
  let sawSlice = false;
  const flush = (): void => {
    if (cur.length > 0 && cur.some((n) => nalType(n) === NAL.slice || nalType(n) === NAL.idr)) {
      out.push({ nals: cur, keyframe: cur.some((n) => nalType(n) === NAL.idr) });
    }
    cur = [];
    sawSlice = false;
  };
  for (const n of nals) {
    const t = nalType(n);
    if (t === NAL.aud) {
      flush();
      continue;
    }
    const isSlice = t === NAL.slice || t === NAL.idr;
    // first_mb_in_slice == 0 (first bit of the slice header set) starts a new picture.
    if (sawSlice && (!isSlice || ((n[1] ?? 0) & 0x80) !== 0)) flush();
    cur.push(n);
    if (isSlice) sawSlice = true;
  }
  flush();
  return out;
}

/** The SEI NAL unit (no start code) carrying `captureUs`. */
export function stampSei(captureUs: number): Buffer {
  const digits = Buffer.from(String(Math.round(captureUs)).padStart(16, '0'), 'ascii');
  const size = STAMP_UUID.length + digits.length; // 32 < 255: one size byte
  return Buffer.concat([Buffer.from([NAL.sei, 5, size]), STAMP_UUID, digits, Buffer.from([0x80])]);
}

/** The capture time from our SEI, or undefined when `nal` is not one. */
export function readStamp(nal: Uint8Array): number | undefined {
  if (nal.length < 3 + 32 || nalType(nal) !== NAL.sei || nal[1] !== 5 || nal[2] !== 32) return undefined;
  for (let i = 0; i < 16; i++) if (nal[3 + i] !== STAMP_UUID[i]) return undefined;
  let v = 0;
  for (let i = 0; i < 16; i++) {
    const d = (nal[19 + i] ?? 0) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return v;
}

/** Annex-B bytes of the given NAL units. */
export function annexB(nals: readonly Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const n of nals) parts.push(START, n);
  return Buffer.concat(parts);
}

/** An access unit delimiter (primary_pic_type 7: any slice type). */
export const AUD = Buffer.from([NAL.aud, 0xf0]);

/** The first stamp found in an Annex-B access unit. */
export function stampOfAnnexB(au: Buffer): number | undefined {
  for (const n of splitNals(au)) {
    const s = readStamp(n);
    if (s !== undefined) return s;
  }
  return undefined;
}
