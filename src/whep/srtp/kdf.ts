/**
 * SRTP key derivation, RFC 3711 §4.3, for AES_CM_128_HMAC_SHA1_80 with a key
 * derivation rate of 0 (what DTLS-SRTP uses, RFC 5764 §4.1.2): each session
 * key is the AES-CM keystream (§4.3.3) of the master key at
 * IV = (label << 48 XOR master salt) << 16, cut to its length.
 */
import { createCipheriv } from 'node:crypto';

export const MASTER_KEY_BYTES = 16;
export const MASTER_SALT_BYTES = 14;
export const AUTH_KEY_BYTES = 20;
/** HMAC-SHA1 truncated to 80 bits (RFC 3711 §4.2.1, the _80 profile). */
export const AUTH_TAG_BYTES = 10;

/** Labels of RFC 3711 §4.3.1 (SRTP) and §4.3.2 (SRTCP). */
export const Label = { rtpEncryption: 0, rtpAuth: 1, rtpSalt: 2, rtcpEncryption: 3, rtcpAuth: 4, rtcpSalt: 5 } as const;

/** The AES-CM keystream (RFC 3711 §4.1.1) of `key` from the 16-byte counter `iv`: `bytes` long, blocks iv, iv+1, … (the low 16 bits count). */
export function aesCmKeystream(key: Buffer, iv: Buffer, bytes: number): Buffer {
  const blocks = Math.ceil(bytes / 16);
  if (blocks > 0x10000 - iv.readUInt16BE(14)) throw new RangeError('the AES-CM block counter would wrap (2^16 blocks at most)');
  const input = Buffer.alloc(blocks * 16);
  for (let j = 0; j < blocks; j++) {
    iv.copy(input, j * 16);
    input.writeUInt16BE(iv.readUInt16BE(14) + j, j * 16 + 14);
  }
  const ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return ecb.update(input).subarray(0, bytes);
}

/** One session key of RFC 3711 §4.3.1 (key derivation rate 0, so r = 0). */
export function deriveKey(masterKey: Buffer, masterSalt: Buffer, label: number, bytes: number): Buffer {
  if (masterKey.length !== MASTER_KEY_BYTES) throw new RangeError(`SRTP master key: ${MASTER_KEY_BYTES} bytes expected, got ${masterKey.length}`);
  if (masterSalt.length !== MASTER_SALT_BYTES) throw new RangeError(`SRTP master salt: ${MASTER_SALT_BYTES} bytes expected, got ${masterSalt.length}`);
  // x = key_id XOR master_salt, key_id = label || r (48 bits of r = 0): the label lands on byte 7 of the 14.
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0);
  iv[7]! ^= label;
  return aesCmKeystream(masterKey, iv, bytes);
}

export interface SrtpSessionKeys {
  /** k_e: AES-128 key of the payloads. */
  encryptionKey: Buffer;
  /** k_s: 112-bit salt of the counter blocks. */
  salt: Buffer;
  /** k_a: 160-bit HMAC-SHA1 key. */
  authKey: Buffer;
}

/** The SRTP (not SRTCP) session keys of a master key and salt. */
export function deriveSrtpKeys(masterKey: Buffer, masterSalt: Buffer): SrtpSessionKeys {
  return {
    encryptionKey: deriveKey(masterKey, masterSalt, Label.rtpEncryption, 16),
    salt: deriveKey(masterKey, masterSalt, Label.rtpSalt, MASTER_SALT_BYTES),
    authKey: deriveKey(masterKey, masterSalt, Label.rtpAuth, AUTH_KEY_BYTES),
  };
}
