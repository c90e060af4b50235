/**
 * Authenticates target devices before any frame leaves. Tokens are compared
 * as SHA-256 digests in constant time. Loopback clients may be let in
 * anonymously when the config says so (the embedded demo's default).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { DeviceConfig, RevcamConfig } from '../config/types.js';
import { RevcamError } from '../errors/RevcamError.js';

export interface Device {
  id: string;
  /** A role of `auth.roles`; `local` for the anonymous loopback demo. */
  role: string;
  anonymous: boolean;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export class DeviceAuth {
  #devices: { device: Device; digest: Buffer }[];
  #anonymousLoopback: boolean;

  constructor(auth: Pick<RevcamConfig['auth'], 'anonymousLoopback' | 'devices'>) {
    this.#anonymousLoopback = auth.anonymousLoopback;
    this.#devices = auth.devices.flatMap((d: DeviceConfig) => (d.token ? [{ device: { id: d.id, role: d.role, anonymous: false }, digest: digest(d.token) }] : []));
  }

  /** Returns the device or throws UNAUTHORIZED. A wrong token is refused even from loopback. */
  authenticate(token: string | undefined, remoteAddress: string | undefined): Device {
    if (token !== undefined && token !== '') {
      const d = digest(token);
      let found: Device | undefined;
      for (const entry of this.#devices) if (timingSafeEqual(entry.digest, d)) found = entry.device;
      if (found) return found;
      throw new RevcamError('UNAUTHORIZED', 'unknown device token');
    }
    if (this.#anonymousLoopback && isLoopback(remoteAddress)) return { id: 'local', role: 'local', anonymous: true };
    throw new RevcamError('UNAUTHORIZED', 'a device token is required');
  }
}

/** The token a request carries: `Authorization: Bearer`, else `?token=`. */
export function tokenFrom(headers: Record<string, string | string[] | undefined>, url: URL): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  return url.searchParams.get('token') ?? undefined;
}
