/**
 * The send side of SRTP for one RTP stream, AES_CM_128_HMAC_SHA1_80
 * (RFC 3711), made for many packets a second per viewer:
 *
 * - **One AES object per session.** The AES-CM keystream is AES-ECB of the
 *   counter blocks (§4.1.1): the counter blocks of a whole frame's packets
 *   are written into one reused buffer and encrypted by the session's one
 *   `aes-128-ecb` cipher in one call, instead of a new `aes-128-ctr` cipher
 *   per packet.
 * - **HMAC-SHA1 in two one-shot hashes.** Each packet is laid out behind the
 *   64-byte HMAC inner pad (K XOR ipad), so the inner hash is one
 *   `crypto.hash('sha1', …)` over pad‖header‖ciphertext‖ROC, and the outer
 *   one a hash of the session's (K XOR opad)‖inner buffer: no Hmac object per
 *   packet. (Node < 20.12 has no `crypto.hash`: `createHmac` then.)
 * - **Everything in place.** The counter blocks go into one buffer shared by
 *   every session (counterBlocks). A frame's packets are written into one buffer
 *   (pad, header with its extensions, ciphertext, tag), taken from a small
 *   per-session pool and given back once the last packet is on the socket;
 *   the packets handed out are views of it.
 *
 * The packet index (ROC ‖ SEQ, §3.3.1) is the caller's: a sender knows it
 * exactly (it counts its own packets), so no estimation is needed, and a
 * retransmission is protected with the index it was first sent with.
 */
import * as crypto from 'node:crypto';
import type { RtpPayload } from '../h264Rtp.js';
import { AUTH_TAG_BYTES, deriveSrtpKeys } from './kdf.js';

export interface RtpStreamParams {
  ssrc: number;
  payloadType: number;
  /** One-byte RTP header extensions (RFC 8285), in this order, each with its payload length (1-16). */
  extensions: readonly { id: number; length: number }[];
}

export interface ProtectedPackets {
  /** The SRTP packets, views of one buffer: send them as they are. */
  packets: Buffer[];
  /** Gives the buffer back to the session's pool: call once every packet is on the socket (or dropped). */
  release(): void;
}

/** Packet indexes are 48 bits (ROC ‖ SEQ). */
export const MAX_INDEX = 2 ** 48 - 1;
const PAD = 64;
const POOL_MAX_BUFFERS = 2;
const POOL_MAX_BYTES = 64 * 1024;
const hashOnce = (crypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;

const align4 = (n: number) => (n + 3) & ~3;

/**
 * The counter blocks of the frame being protected, shared by every session:
 * protect() fills and encrypts them in one synchronous call, so one buffer
 * (as large as the largest frame's payload) serves all, instead of one per
 * viewer (a keyframe's worth each: ~100 kB at 4 Mb/s).
 */
let counterBlocks = Buffer.alloc(0);

export class SrtpSender {
  readonly headerLength: number;
  #ecb: crypto.Cipher;
  #salt: [number, number, number, number];
  #ssrc: number;
  #authKey: Buffer;
  #ipad = Buffer.alloc(PAD);
  /** (K XOR opad) ‖ room for the inner hash. */
  #opad = Buffer.alloc(PAD + 20);
  #header: Buffer;
  /** Where each extension's value goes in the header. */
  #extOffsets: number[];
  #extLengths: number[];
  #pool: Buffer[] = [];

  constructor(masterKey: Buffer, masterSalt: Buffer, params: RtpStreamParams) {
    const keys = deriveSrtpKeys(masterKey, masterSalt);
    this.#ecb = crypto.createCipheriv('aes-128-ecb', keys.encryptionKey, null).setAutoPadding(false);
    const s = keys.salt;
    this.#salt = [s.readUInt32BE(0), s.readUInt32BE(4), s.readUInt32BE(8), s.readUInt16BE(12)];
    this.#ssrc = params.ssrc >>> 0;
    this.#authKey = keys.authKey;
    for (let i = 0; i < PAD; i++) {
      const k = i < keys.authKey.length ? keys.authKey[i]! : 0;
      this.#ipad[i] = k ^ 0x36;
      this.#opad[i] = k ^ 0x5c;
    }
    // The header: V=2, X when there are extensions, no CSRC; PT; SEQ and M per packet; timestamp per frame; SSRC.
    const ext = params.extensions;
    for (const e of ext) if (e.id < 1 || e.id > 14 || e.length < 1 || e.length > 16) throw new RangeError(`one-byte header extension: id 1-14 and 1-16 bytes, got id ${e.id}, ${e.length} bytes`);
    const extBytes = ext.length === 0 ? 0 : 4 + align4(ext.reduce((n, e) => n + 1 + e.length, 0));
    this.headerLength = 12 + extBytes;
    this.#header = Buffer.alloc(this.headerLength);
    this.#header[0] = ext.length === 0 ? 0x80 : 0x90;
    this.#header[1] = params.payloadType & 0x7f;
    this.#header.writeUInt32BE(this.#ssrc, 8);
    this.#extOffsets = [];
    this.#extLengths = [];
    if (ext.length > 0) {
      this.#header.writeUInt16BE(0xbede, 12);
      this.#header.writeUInt16BE((extBytes - 4) / 4, 14);
      let at = 16;
      for (const e of ext) {
        this.#header[at] = (e.id << 4) | (e.length - 1);
        this.#extOffsets.push(at + 1);
        this.#extLengths.push(e.length);
        at += 1 + e.length;
      }
    }
  }

  /**
   * Protects one access unit's payloads (or one payload sent again): packet
   * i gets index `firstIndex + i` (SEQ its low 16 bits, ROC the rest), the
   * RTP `timestamp`, and the extensions' values (in the constructor's order,
   * each of its length).
   */
  protect(payloads: readonly RtpPayload[], firstIndex: number, timestamp: number, extValues: readonly Uint8Array[]): ProtectedPackets {
    if (!Number.isSafeInteger(firstIndex) || firstIndex < 0 || firstIndex + payloads.length - 1 > MAX_INDEX) throw new RangeError(`SRTP packet index out of range: ${firstIndex}`);
    const hdr = this.#header;
    hdr.writeUInt32BE(timestamp >>> 0, 4);
    for (let e = 0; e < this.#extOffsets.length; e++) {
      const v = extValues[e];
      if (!v || v.length !== this.#extLengths[e]) throw new RangeError(`header extension ${e}: ${this.#extLengths[e]} bytes expected`);
      hdr.set(v, this.#extOffsets[e]);
    }
    // Sizes: the frame buffer (pad, header, payload, tag per packet, 4-aligned) and the counter blocks.
    const hl = this.headerLength;
    let size = 0;
    let blocks = 0;
    for (const p of payloads) {
      size += align4(PAD + hl + p.payload.length + AUTH_TAG_BYTES);
      blocks += Math.ceil(p.payload.length / 16);
    }
    if (counterBlocks.length < blocks * 16) counterBlocks = Buffer.alloc(Math.max(blocks * 16, 2 * counterBlocks.length));
    const cb = new DataView(counterBlocks.buffer, counterBlocks.byteOffset, blocks * 16);
    const [s0, s1, s2, s3] = this.#salt;
    let at = 0;
    for (let i = 0; i < payloads.length; i++) {
      const index = firstIndex + i;
      const w1 = (s1 ^ this.#ssrc) >>> 0;
      const w2 = (s2 ^ Math.floor(index / 0x10000)) >>> 0;
      const hi = ((s3 ^ (index & 0xffff)) << 16) >>> 0;
      const n = Math.ceil(payloads[i]!.payload.length / 16);
      for (let j = 0; j < n; j++, at += 16) {
        cb.setUint32(at, s0);
        cb.setUint32(at + 4, w1);
        cb.setUint32(at + 8, w2);
        cb.setUint32(at + 12, (hi | j) >>> 0);
      }
    }
    const ks = this.#ecb.update(counterBlocks.subarray(0, blocks * 16));
    const buf = this.#take(size);
    const aligned = (ks.byteOffset & 3) === 0 && (buf.byteOffset & 3) === 0;
    const b32 = aligned ? new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2) : undefined;
    const k32 = aligned ? new Int32Array(ks.buffer, ks.byteOffset, ks.length >> 2) : undefined;
    const packets: Buffer[] = [];
    let r = 0;
    let k = 0;
    for (let i = 0; i < payloads.length; i++) {
      const { payload, marker } = payloads[i]!;
      const index = firstIndex + i;
      const len = payload.length;
      this.#ipad.copy(buf, r);
      const h = r + PAD;
      hdr.copy(buf, h);
      buf[h + 1] = (marker ? 0x80 : 0) | hdr[1]!;
      buf.writeUInt16BE(index & 0xffff, h + 2);
      const p = h + hl;
      payload.copy(buf, p);
      // Encrypt in place: payload XOR keystream, by 32-bit words where both are aligned, then the tail.
      let x = 0;
      if (b32 && k32) {
        const words = len >> 2;
        const pw = p >> 2;
        const kw = k >> 2;
        for (let w = 0; w < words; w++) b32[pw + w] ^= k32[kw + w]!;
        x = words << 2;
      }
      for (; x < len; x++) buf[p + x] ^= ks[k + x]!;
      // Authenticate header ‖ ciphertext ‖ ROC (§4.2), the ROC written where the tag goes.
      const t = p + len;
      buf.writeUInt32BE(Math.floor(index / 0x10000) >>> 0, t);
      this.#tag(buf, r, t);
      packets.push(buf.subarray(h, t + AUTH_TAG_BYTES));
      r += align4(PAD + hl + len + AUTH_TAG_BYTES);
      k += Math.ceil(len / 16) * 16;
    }
    let released = false;
    return {
      packets,
      release: () => {
        if (released) return;
        released = true;
        if (buf.length <= POOL_MAX_BYTES && this.#pool.length < POOL_MAX_BUFFERS) this.#pool.push(buf);
      },
    };
  }

  /** HMAC-SHA1-80 of buf[r + PAD, t + 4) into buf[t, t + 10); buf[r, r + PAD) holds K XOR ipad. */
  #tag(buf: Buffer, r: number, t: number): void {
    if (hashOnce) {
      const inner = hashOnce('sha1', buf.subarray(r, t + 4), 'buffer');
      inner.copy(this.#opad, PAD);
      hashOnce('sha1', this.#opad, 'buffer').copy(buf, t, 0, AUTH_TAG_BYTES);
    } else {
      crypto.createHmac('sha1', this.#authKey).update(buf.subarray(r + PAD, t + 4)).digest().copy(buf, t, 0, AUTH_TAG_BYTES);
    }
  }

  #take(size: number): Buffer {
    const i = this.#pool.findIndex((b) => b.length >= size);
    if (i >= 0) return this.#pool.splice(i, 1)[0]!;
    // Small frames get a poolable buffer with room to spare; a keyframe's is its own size and goes with it.
    return Buffer.allocUnsafeSlow(size <= POOL_MAX_BYTES ? Math.min(POOL_MAX_BYTES, Math.max(size, 16 * 1024) * 2) : size);
  }
}
