/**
 * The abs-capture-time RTP header extension
 * (http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time): the
 * capture time of the frame as a 64-bit NTP timestamp (UQ32.32 seconds since
 * 1900), the short 8-byte form without the clock-offset estimate. A receiver
 * that negotiated it (Chromium: RTCRtpTransceiver.setHeaderExtensionsToNegotiate)
 * exposes it as `captureTime` in requestVideoFrameCallback metadata and in
 * getSynchronizationSources(), so it can tell a frame's age.
 */

/** Seconds from 1900-01-01 (NTP epoch) to 1970-01-01 (Unix epoch). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

export function absCaptureTime(captureUs: number): Buffer {
  const seconds = Math.floor(captureUs / 1e6);
  const fraction = Math.floor(((captureUs - seconds * 1e6) / 1e6) * 2 ** 32);
  const out = Buffer.allocUnsafe(8);
  out.writeUInt32BE((seconds + NTP_UNIX_OFFSET_S) >>> 0, 0);
  out.writeUInt32BE(Math.min(fraction, 0xffffffff) >>> 0, 4);
  return out;
}

/** The inverse, for tests and tools: microseconds since the Unix epoch. */
export function captureUsOf(ext: Uint8Array): number {
  const v = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  return (v.getUint32(0) - NTP_UNIX_OFFSET_S) * 1e6 + (v.getUint32(4) / 2 ** 32) * 1e6;
}
