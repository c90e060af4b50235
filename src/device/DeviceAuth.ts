/**
 * Authenticates target devices before any frame leaves. Tokens are compared
 * as SHA-256 digests in constant time. Loopback clients may be let in
 * anonymously when the config says so (the embedded demo's default).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DeviceConfig, RevcamConfig } from '../config/types.js';
import { RevcamError } from '../errors/RevcamError.js';
import { clientFrom, TrustedProxies } from './clientContext.js';

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
  /** The client's address (the forwarded client behind a trusted proxy), for logs and audit. */
  address?: string;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export class DeviceAuth {
  #devices: { device: Device; digest: Buffer }[];
  #anonymousLoopback: boolean;
  #byCommonName: Map<string, Device>;
  #proxies: TrustedProxies;

  /** `trustProxy`: peers whose `X-Forwarded-For` is believed (server.trustProxy). */
  constructor(auth: Pick<RevcamConfig['auth'], 'anonymousLoopback' | 'devices'>, opts: { trustProxy?: readonly string[] } = {}) {
    this.#anonymousLoopback = auth.anonymousLoopback;
    this.#proxies = new TrustedProxies(opts.trustProxy ?? []);
    this.#byCommonName = new Map(auth.devices.flatMap((d) => (d.certCommonName ? [[d.certCommonName, { id: d.id, role: d.role, anonymous: false }] as const] : [])));
    this.#devices = auth.devices.flatMap((d: DeviceConfig) => (d.token ? [{ device: { id: d.id, role: d.role, anonymous: false }, digest: digest(d.token) }] : []));
  }

  /** The device behind an HTTP request or upgrade; `token` (from a message body) wins over headers. Throws UNAUTHORIZED. */
  fromRequest(req: IncomingMessage, url: URL, token?: string): Device {
    const client = clientFrom(req, url, token, this.#proxies);
    const device = this.authenticate(client.token, client.forwarded ? undefined : client.address, client.certCommonName);
    return client.address === undefined ? device : { ...device, address: client.address };
  }

  /** Throws FORBIDDEN unless the device's role allows the action. */
  authorize(_device: Device, _action: Action): void {
    // Roles with rights arrive with docs/security.md; until then every authenticated device may do everything.
  }

  /**
   * Returns the device or throws UNAUTHORIZED. A wrong token is refused even from loopback.
   * `certCommonName` is the CN of a client certificate the server's CA verified (mTLS).
   */
  authenticate(token: string | undefined, remoteAddress: string | undefined, certCommonName?: string): Device {
    if (token !== undefined && token !== '') {
      const d = digest(token);
      let found: Device | undefined;
      for (const entry of this.#devices) if (timingSafeEqual(entry.digest, d)) found = entry.device;
      if (found) return found;
      throw new RevcamError('UNAUTHORIZED', 'unknown device token');
    }
    const byCert = certCommonName === undefined ? undefined : this.#byCommonName.get(certCommonName);
    if (byCert) return byCert;
    if (this.#anonymousLoopback && isLoopback(remoteAddress)) return { id: 'local', role: 'local', anonymous: true };
    throw new RevcamError('UNAUTHORIZED', 'a device token is required');
  }
}
