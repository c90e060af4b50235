/**
 * Device tokens stored as salted scrypt hashes (node:crypto), in a
 * self-describing string: `scrypt$N=16384,r=8,p=1$<salt b64>$<hash b64>`.
 * The parameters travel with the hash, so they can be raised later without
 * invalidating stored credentials.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Bytes of entropy in a token `revcam token` makes. */
export const TOKEN_BYTES = 32;

export interface ParsedTokenHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** A new random device token: 32 bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export function hashToken(token: string, params: { N: number; r: number; p: number } = SCRYPT_DEFAULTS): string {
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(token, salt, KEY_BYTES, { ...params, maxmem: maxmem(params) });
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Parses a stored hash; throws Error naming what is wrong (never echoing the hash). */
export function parseTokenHash(stored: string): ParsedTokenHash {
  const parts = stored.split('$');
  if (parts.length !== 4 || parts[0] !== 'scrypt') throw new Error('expected scrypt$N=..,r=..,p=..$<salt>$<hash>');
  const params = new Map((parts[1] ?? '').split(',').map((kv) => kv.split('=') as [string, string]));
  const num = (k: string, max: number) => {
    const v = Number(params.get(k));
    if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`scrypt parameter ${k} must be an integer 1..${max}`);
    return v;
  };
  const N = num('N', 1 << 20);
  if ((N & (N - 1)) !== 0 || N < 2) throw new Error('scrypt parameter N must be a power of two');
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const hash = Buffer.from(parts[3] ?? '', 'base64');
  if (salt.length < 8) throw new Error('salt must be at least 8 bytes');
  if (hash.length < 16 || hash.length > 128) throw new Error('hash must be 16..128 bytes');
  return { N, r: num('r', 32), p: num('p', 16), salt, hash };
}

/** Whether `token` matches the parsed hash; the comparison is constant-time. Blocks for the whole scrypt: CLI and tests only. */
export function verifyToken(token: string, h: ParsedTokenHash): boolean {
  const got = scryptSync(token, h.salt, h.hash.length, { N: h.N, r: h.r, p: h.p, maxmem: maxmem(h) });
  return timingSafeEqual(got, h.hash);
}

/** verifyToken on libuv's thread pool: scrypt takes tens of milliseconds (more on a busy CPU), which the event loop serving video must not. */
export function verifyTokenAsync(token: string, h: ParsedTokenHash): Promise<boolean> {
  const opts: ScryptOptions = { N: h.N, r: h.r, p: h.p, maxmem: maxmem(h) };
  return new Promise((resolve, reject) => {
    scrypt(token, h.salt, h.hash.length, opts, (err, got) => (err ? reject(err) : resolve(timingSafeEqual(got, h.hash))));
  });
}

/** scrypt needs 128·N·r bytes (plus slack); Node's default cap (32 MiB) is too small for some valid parameters. */
const maxmem = (p: { N: number; r: number }) => 256 * p.N * p.r + 1024 * 1024;
