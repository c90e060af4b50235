/**
 * A frame's WebSocket message, built once and written to every viewer's
 * socket as one buffer: one copy per frame instead of a header allocation,
 * a cork and a two-buffer writev per viewer per frame (docs/performance.md,
 * finding F3). Server-to-client frames are unmasked (RFC 6455 §5.1), so the
 * bytes are the same for every viewer.
 */

/** The RFC 6455 §5.2 header of one final, unmasked binary frame of `length` bytes. */
export function binaryFrameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x82, length]);
  if (length < 0x10000) {
    const h = Buffer.allocUnsafe(4);
    h[0] = 0x82;
    h[1] = 126;
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.allocUnsafe(10);
  h[0] = 0x82;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

const built = new WeakMap<Buffer, Buffer>();

/** The whole WebSocket frame for a wire message; the same Buffer for every caller while the message lives. */
export function prebuiltBinaryFrame(message: Buffer): Buffer {
  let frame = built.get(message);
  if (!frame) {
    frame = Buffer.concat([binaryFrameHeader(message.length), message]);
    built.set(message, frame);
  }
  return frame;
}
