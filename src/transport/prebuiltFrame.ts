/**
 * A frame's WebSocket message, built once and written to every viewer's
 * socket as one buffer: one copy per frame instead of a header allocation,
 * a cork and a two-buffer writev per viewer per frame (docs/performance.md,
 * finding F3). Server-to-client frames are unmasked (RFC 6455 §5.1), so the
 * bytes are the same for every viewer.
 *
 * A variant with an empty ping frame after the message lets the liveness
 * ping ride on a frame write (F10): no write of its own per viewer.
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

/** An unmasked ping control frame with no payload (RFC 6455 §5.5.2): FIN + opcode 0x9, length 0. */
export const PING_FRAME: Buffer = Buffer.from([0x89, 0x00]);

/** Both variants share one allocation: [header | message | ping]; the plain frame is a view without the ping. */
interface Built {
  plain: Buffer;
  withPing: Buffer;
}

const built = new WeakMap<Buffer, Built>();

function build(message: Buffer): Built {
  let b = built.get(message);
  if (!b) {
    const head = binaryFrameHeader(message.length);
    const all = Buffer.allocUnsafe(head.length + message.length + PING_FRAME.length);
    head.copy(all, 0);
    message.copy(all, head.length);
    PING_FRAME.copy(all, head.length + message.length);
    b = { plain: all.subarray(0, all.length - PING_FRAME.length), withPing: all };
    built.set(message, b);
  }
  return b;
}

/** The whole WebSocket frame for a wire message; the same Buffer for every caller while the message lives. */
export function prebuiltBinaryFrame(message: Buffer): Buffer {
  return build(message).plain;
}

/** The same frame followed by an empty ping, in one buffer (shared like prebuiltBinaryFrame). */
export function prebuiltBinaryFrameWithPing(message: Buffer): Buffer {
  return build(message).withPing;
}
