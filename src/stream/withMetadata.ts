/**
 * Splicing a stream's metadata in force into one frame (docs/protocol.md §5):
 * the first frame a late viewer gets, and the frame after one a slow viewer
 * lost that carried metadata. Server side only (Buffer).
 */
import { decodeHeader } from '../wire/frame.js';

/** A copy of a frame with `meta` spliced in (it had none): the server's late-viewer and lost-metadata splices, never per frame. */
export function withMetadata(wire: Buffer, meta: Buffer): Buffer {
  const h = decodeHeader(wire);
  const out = Buffer.allocUnsafe(wire.length + meta.length);
  wire.copy(out, 0, 0, h.headerLength);
  out.writeUInt32LE(meta.length, 24);
  meta.copy(out, h.headerLength);
  wire.copy(out, h.headerLength + meta.length, h.headerLength);
  return out;
}
