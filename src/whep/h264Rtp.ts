/**
 * H.264 access unit (Annex B) → RTP payloads, RFC 6184 packetization-mode 1:
 * a NAL unit that fits goes alone (single NAL unit packet, §5.6), a larger
 * one is cut into FU-A fragments (§5.8). No re-encoding, no reordering.
 *
 * Why not werift's own H.264 packetizer: it is internal to its file-playback
 * module (not exported) and takes length-prefixed (AVCC) samples; revcam's
 * frames are Annex B, already split by src/wire/h264.ts.
 */
import { NalType, nalUnits } from '../wire/h264.js';

/** Payload bytes per packet: with RTP, extension and SRTP headers well under a 1280-byte path MTU (werift uses the same). */
export const MAX_RTP_PAYLOAD = 1200;

const FU_A = 28;

export interface RtpPayload {
  payload: Buffer;
  /** Set on the last packet of the access unit (RFC 6184 §5.1). */
  marker: boolean;
}

/** Delimiters and filler carry nothing for the decoder: not sent. */
const skipped = (type: number) => type === NalType.aud || type === NalType.filler;

export function packetizeAccessUnit(au: Buffer, maxPayload = MAX_RTP_PAYLOAD): RtpPayload[] {
  const out: RtpPayload[] = [];
  for (const n of nalUnits(au)) {
    if (skipped(n.type)) continue;
    const nal = au.subarray(n.start, n.end);
    if (nal.length <= maxPayload) {
      out.push({ payload: nal, marker: false });
      continue;
    }
    // FU indicator: the NAL header's F and NRI bits with type 28; FU header: S, E, the NAL type.
    const indicator = (nal[0]! & 0xe0) | FU_A;
    const body = nal.subarray(1);
    const chunk = maxPayload - 2;
    for (let off = 0; off < body.length; off += chunk) {
      const part = body.subarray(off, Math.min(body.length, off + chunk));
      const header = (off === 0 ? 0x80 : 0) | (off + part.length >= body.length ? 0x40 : 0) | n.type;
      const payload = Buffer.allocUnsafe(2 + part.length);
      payload[0] = indicator;
      payload[1] = header;
      part.copy(payload, 2);
      out.push({ payload, marker: false });
    }
  }
  const last = out.at(-1);
  if (last) last.marker = true;
  return out;
}
