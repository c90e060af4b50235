/**
 * The revcam frame wire format, shared by the server, the CLI probe and the
 * browser display. Pure: no Node or DOM imports, only DataView/Uint8Array.
 *
 * Layout (little-endian), documented for third parties in docs/protocol.md:
 *
 *   off size field
 *    0   2   magic "RC" (0x52 0x43)
 *    2   1   protocol version (1)
 *    3   1   codec (1 = jpeg, 2 = h264)
 *    4   1   flags (bit0 keyframe, bit1 discontinuity, bit2 catch-up)
 *    5   1   reserved, 0
 *    6   2   header length in bytes (32 for version 1)
 *    8   4   sequence number (uint32, per stream, wraps)
 *   12   8   capture time, microseconds since the Unix epoch (uint64)
 *   20   2   width in pixels
 *   22   2   height in pixels
 *   24   4   metadata length M (bytes of UTF-8 JSON, 0 = none)
 *   28   4   payload length P
 *   32   M   metadata JSON
 * 32+M   P   payload (one JPEG image or one H.264 Annex-B access unit)
 */

export const FRAME_MAGIC = 0x4352; // "RC" read as little-endian uint16
export const PROTOCOL_VERSION = 1;
export const HEADER_LENGTH = 32;

export const Codec = { jpeg: 1, h264: 2 } as const;
export type CodecName = keyof typeof Codec;
export const CODEC_NAMES: readonly CodecName[] = ['jpeg', 'h264'];

/** catchUp: an H.264 frame from the cached group of pictures a late viewer gets at once: decode it, do not paint it. */
export const FrameFlag = { keyframe: 1, discontinuity: 2, catchUp: 4 } as const;

/** A decoded frame header plus views of its metadata and payload. */
export interface FrameHeader {
  version: number;
  codec: CodecName;
  keyframe: boolean;
  /** Set on the first frame after a gap the receiver must know about (drops, source restart). */
  discontinuity: boolean;
  /** Sent only to bring a new viewer's decoder up to date (H.264): decode, do not paint. Absent means false. */
  catchUp?: boolean;
  seq: number;
  /** Capture time in microseconds since the Unix epoch. */
  captureUs: number;
  width: number;
  height: number;
}

export interface DecodedFrame extends FrameHeader {
  /** Parsed metadata JSON, or undefined when the frame carries none. */
  meta: unknown;
  /** A view into the message buffer: no copy. */
  payload: Uint8Array;
}

export interface FrameInput extends FrameHeader {
  meta?: unknown;
  /** Pre-encoded metadata JSON bytes; wins over `meta` so a producer can encode once. */
  metaBytes?: Uint8Array;
  payload: Uint8Array;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export class FrameFormatError extends Error {
  readonly code = 'BAD_FRAME';
}

function codecId(name: CodecName): number {
  const id = Codec[name];
  if (id === undefined) throw new FrameFormatError(`unknown codec ${String(name)}`);
  return id;
}

function codecName(id: number): CodecName {
  for (const name of CODEC_NAMES) if (Codec[name] === id) return name;
  throw new FrameFormatError(`unknown codec id ${id}`);
}

/** Encodes metadata once so many frames (or a re-send to a late viewer) can reuse the bytes. */
export function encodeMeta(meta: unknown): Uint8Array {
  return meta === undefined ? new Uint8Array(0) : textEncoder.encode(JSON.stringify(meta));
}

/** Writes the 32-byte header into `out` at `offset`. */
export function writeHeader(out: Uint8Array, offset: number, h: FrameHeader, metaLength: number, payloadLength: number): void {
  const v = new DataView(out.buffer, out.byteOffset + offset, HEADER_LENGTH);
  v.setUint16(0, FRAME_MAGIC, true);
  v.setUint8(2, PROTOCOL_VERSION);
  v.setUint8(3, codecId(h.codec));
  v.setUint8(4, (h.keyframe ? FrameFlag.keyframe : 0) | (h.discontinuity ? FrameFlag.discontinuity : 0) | (h.catchUp ? FrameFlag.catchUp : 0));
  v.setUint8(5, 0);
  v.setUint16(6, HEADER_LENGTH, true);
  v.setUint32(8, h.seq >>> 0, true);
  v.setBigUint64(12, BigInt(Math.round(h.captureUs)), true);
  v.setUint16(20, h.width, true);
  v.setUint16(22, h.height, true);
  v.setUint32(24, metaLength, true);
  v.setUint32(28, payloadLength, true);
}

/** Builds one complete frame message (header + metadata + payload) in a single allocation. */
export function encodeFrame(f: FrameInput): Uint8Array {
  const meta = f.metaBytes ?? encodeMeta(f.meta);
  const out = new Uint8Array(HEADER_LENGTH + meta.byteLength + f.payload.byteLength);
  writeHeader(out, 0, f, meta.byteLength, f.payload.byteLength);
  out.set(meta, HEADER_LENGTH);
  out.set(f.payload, HEADER_LENGTH + meta.byteLength);
  return out;
}

/** Reads only the fixed header; cheap enough for the server's hot path. */
export function decodeHeader(buf: Uint8Array): FrameHeader & { metaLength: number; payloadLength: number; headerLength: number } {
  if (buf.byteLength < HEADER_LENGTH) throw new FrameFormatError(`frame too short: ${buf.byteLength} bytes`);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (v.getUint16(0, true) !== FRAME_MAGIC) throw new FrameFormatError('bad magic');
  const version = v.getUint8(2);
  if (version !== PROTOCOL_VERSION) throw new FrameFormatError(`unsupported protocol version ${version}`);
  const headerLength = v.getUint16(6, true);
  if (headerLength < HEADER_LENGTH) throw new FrameFormatError(`bad header length ${headerLength}`);
  const flags = v.getUint8(4);
  const metaLength = v.getUint32(24, true);
  const payloadLength = v.getUint32(28, true);
  if (headerLength + metaLength + payloadLength !== buf.byteLength) {
    throw new FrameFormatError(`length mismatch: header says ${headerLength + metaLength + payloadLength}, message has ${buf.byteLength}`);
  }
  return {
    version,
    codec: codecName(v.getUint8(3)),
    keyframe: (flags & FrameFlag.keyframe) !== 0,
    discontinuity: (flags & FrameFlag.discontinuity) !== 0,
    catchUp: (flags & FrameFlag.catchUp) !== 0,
    seq: v.getUint32(8, true),
    captureUs: Number(v.getBigUint64(12, true)),
    width: v.getUint16(20, true),
    height: v.getUint16(22, true),
    metaLength,
    payloadLength,
    headerLength,
  };
}

/** Decodes a whole frame message. The payload is a view, not a copy. */
export function decodeFrame(buf: Uint8Array): DecodedFrame {
  const h = decodeHeader(buf);
  const metaStart = buf.byteOffset + h.headerLength;
  const meta = h.metaLength > 0 ? JSON.parse(textDecoder.decode(new Uint8Array(buf.buffer, metaStart, h.metaLength))) : undefined;
  const payload = new Uint8Array(buf.buffer, metaStart + h.metaLength, h.payloadLength);
  const { metaLength: _m, payloadLength: _p, headerLength: _h, ...header } = h;
  return { ...header, meta, payload };
}

/** Wall-clock microseconds since the epoch, the timebase of `captureUs` on every side. */
export function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}
