/**
 * Authenticates target devices before any frame leaves. Tokens are compared
 * as SHA-256 digests in constant time. Loopback clients may be let in
 * anonymously when the config says so (the embedded demo's default).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DeviceConfig, RevcamConfig } from '../config/types.js';
import { RevcamError } from '../errors/RevcamError.js';
import { clientFrom } from './clientContext.js';

export { tokenFrom } from './clientContext.js';

/** What a device asks to do; its role's rights decide (docs/security.md). */
export type Action =
  | { kind: 'stream'; service: string; camera: string; vehicle?: string }
  | { kind: 'readSignals' }
  | { kind: 'writeSignals' }
  | { kind: 'calibrate' }
  | { kind: 'admin' };

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

  /** The device behind an HTTP request or upgrade; `token` (from a message body) wins over headers. Throws UNAUTHORIZED. */
  fromRequest(req: IncomingMessage, url: URL, token?: string): Device {
    const client = clientFrom(req, url, token);
    return this.authenticate(client.token, client.forwarded ? undefined : client.address);
  }

  /** Throws FORBIDDEN unless the device's role allows the action. */
  authorize(_device: Device, _action: Action): void {
    // Roles with rights arrive with docs/security.md; until then every authenticated device may do everything.
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
