/**
 * One frame made ready for RTP once, for every WHEP session that sends it:
 * its header decoded, its access unit cut into RFC 6184 payloads, its
 * abs-capture-time encoded. The Stream hands every viewer the same Buffer
 * (live frames and its cached group alike), so a WeakMap keyed by that Buffer
 * shares the work and the FU-A copies among sessions and lets them go with
 * the frame. What stays per session is what must: the RTP header (sequence
 * number, timestamp, SSRC) and werift's SRTP protection and send.
 */
import { decodeHeader, type FrameHeader } from '../wire/frame.js';
import { absCaptureTime } from './absCaptureTime.js';
import { packetizeAccessUnit, type RtpPayload } from './h264Rtp.js';

export interface SharedFrame {
  header: FrameHeader;
  /** The access unit's RTP payloads, the marker on the last; read-only (shared). */
  payloads: readonly RtpPayload[];
  /** The capture time as the abs-capture-time extension's 8 bytes; read-only (shared). */
  absCaptureTime: Buffer;
}

const frames = new WeakMap<Buffer, SharedFrame>();

export function sharedFrame(wire: Buffer): SharedFrame {
  let f = frames.get(wire);
  if (!f) {
    const h = decodeHeader(wire);
    const au = wire.subarray(h.headerLength + h.metaLength);
    f = { header: h, payloads: packetizeAccessUnit(au), absCaptureTime: absCaptureTime(h.captureUs) };
    frames.set(wire, f);
  }
  return f;
}
