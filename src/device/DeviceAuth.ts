/**
 * Authenticates target devices and decides what each may do (docs/security.md,
 * "Roles" and "Credentials"). A device is identified by a verified TLS client
 * certificate's common name, by a token (stored as a salted scrypt hash, or
 * still in plain text with a warning), or, when the config allows, as the
 * anonymous loopback demo (`local`). Its role's rights decide every action;
 * a role's policy is evaluated on the vehicle's signals.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConfigError } from '../config/loadConfig.js';
import type { RevcamConfig, RoleRights } from '../config/types.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import { clientFrom, TrustedProxies, type ClientContext } from './clientContext.js';
import { policyProblem, type VehicleSignalLookup } from './policy.js';
import { TokenCache } from './tokenCache.js';
import { parseTokenHash, verifyTokenAsync, type ParsedTokenHash } from './tokenHash.js';

export { tokenFrom } from './clientContext.js';

/** What a device asks to do; its role's rights decide (docs/security.md). */
export type Action =
  | { kind: 'stream'; service: string; camera: string; vehicle?: string }
  | { kind: 'readSignals' }
  /** On the vehicle named (undefined: the embedded default's own, which names none). */
  | { kind: 'writeSignals'; vehicle?: string | undefined }
  | { kind: 'calibrate' }
  /** The recorder's clips of a vehicle: under the role's policy, like a stream. */
  | { kind: 'reviewEvents'; vehicle?: string | undefined }
  /** A manual trigger, or locking a clip, on a vehicle. */
  | { kind: 'record'; vehicle?: string | undefined }
  | { kind: 'admin' };

export interface Device {
  id: string;
  /** A role of `auth.roles`; `local` for the anonymous loopback demo. */
  role: string;
  anonymous: boolean;
  /** The client's address (the forwarded client behind a trusted proxy), for logs and audit. */
  address?: string;
}

export interface DeviceAuthOptions {
  /**
   * The latest fresh signals of a vehicle (undefined: this process's own), for
   * role policies (parked, consent). Without it a policy never holds.
   */
  signals?: VehicleSignalLookup;
  /** Where the plain-token warning goes (once per device, at construction). */
  log?: Pick<Logger, 'warn'>;
  /** Tokens verified against the scrypt hashes per second beyond the cache (default 4, burst 8). */
  hashChecksPerSecond?: number;
  /** Milliseconds since the epoch, for the cache and the budget; injectable for tests. */
  clock?: () => number;
  /** Peers whose `X-Forwarded-For` is believed (server.trustProxy). */
  trustProxy?: readonly string[];
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const matches = (list: readonly string[], name: string | undefined) => name === undefined || list.includes('*') || list.includes(name);

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export class DeviceAuth {
  #plain: { device: Device; digest: Buffer }[] = [];
  #hashed: { device: Device; hash: ParsedTokenHash }[] = [];
  #byCertName = new Map<string, Device>();
  #anonymousLoopback: boolean;
  #roles: Record<string, RoleRights>;
  #signals: VehicleSignalLookup;
  #cache: TokenCache<Device>;
  /** Verifications under way, by token digest: 200 viewers arriving with one new token share one scrypt. */
  #verifying = new Map<string, Promise<Device | null>>();
  #proxies: TrustedProxies;

  #opts: DeviceAuthOptions;
  /** Bumped by replace(): a token verification begun before it must not fill the new cache. */
  #generation = 0;

  constructor(auth: RevcamConfig['auth'], opts: DeviceAuthOptions = {}) {
    this.#opts = opts;
    this.#signals = opts.signals ?? (() => () => undefined);
    this.#cache = this.#newCache();
    this.#anonymousLoopback = auth.anonymousLoopback;
    this.#roles = auth.roles;
    this.#proxies = new TrustedProxies(opts.trustProxy ?? []);
    this.#load(auth);
  }

  /**
   * Live reload (src/app/reload): the devices, roles, anonymous loopback and trusted proxies of a new
   * config, all at once. Every cached token verification is forgotten, so a revoked token is refused
   * from the next request on. Throws ConfigError (and changes nothing) for a bad tokenHash or proxy.
   */
  replace(auth: RevcamConfig['auth'], trustProxy: readonly string[]): void {
    const next = new DeviceAuth(auth, { ...this.#opts, trustProxy, log: undefined });
    // Warned once per device at start-up; a reload warns only for a device whose plain token is new.
    const known = new Set(this.#plain.map((e) => e.digest.toString('base64')));
    for (const d of auth.devices) {
      if (d.token !== undefined && !known.has(digest(d.token).toString('base64'))) this.#opts.log?.warn({ device: d.id }, `device "${d.id}" has its token in plain text; store a tokenHash instead (revcam token --device ${d.id} --role ${d.role})`);
    }
    this.#plain = next.#plain;
    this.#hashed = next.#hashed;
    this.#byCertName = next.#byCertName;
    this.#anonymousLoopback = next.#anonymousLoopback;
    this.#roles = next.#roles;
    this.#proxies = next.#proxies;
    this.#cache = this.#newCache();
    this.#verifying.clear();
    this.#generation++;
  }

  /** The role's rights now (undefined: no such role). */
  rightsOf(role: string): RoleRights | undefined {
    return Object.hasOwn(this.#roles, role) ? this.#roles[role] : undefined;
  }

  get anonymousLoopback(): boolean {
    return this.#anonymousLoopback;
  }

  #newCache(): TokenCache<Device> {
    return new TokenCache({ checksPerSecond: this.#opts.hashChecksPerSecond ?? 4, ...(this.#opts.clock && { clock: this.#opts.clock }) });
  }

  #load(auth: RevcamConfig['auth']): void {
    auth.devices.forEach((d, i) => {
      const device: Device = { id: d.id, role: d.role, anonymous: false };
      if (d.tokenHash !== undefined) {
        try {
          this.#hashed.push({ device, hash: parseTokenHash(d.tokenHash) });
        } catch (err) {
          throw new ConfigError(`invalid config: /auth/devices/${i}/tokenHash: ${(err as Error).message} (make one with \`revcam token\`)`);
        }
      }
      if (d.token !== undefined) {
        this.#plain.push({ device, digest: digest(d.token) });
        // Name the device, never the token.
        this.#opts.log?.warn({ device: d.id }, `device "${d.id}" has its token in plain text; store a tokenHash instead (revcam token --device ${d.id} --role ${d.role})`);
      }
      if (d.certCommonName !== undefined) this.#byCertName.set(d.certCommonName, device);
    });
  }

  /** The device behind an HTTP request or upgrade; `token` (from a message body) wins over headers. Rejects with UNAUTHORIZED. */
  async fromRequest(req: IncomingMessage, url: URL, token?: string): Promise<Device> {
    const client = clientFrom(req, url, token, this.#proxies);
    const device = await this.authenticate(client);
    // The address (the forwarded client behind a trusted proxy) is for logs and the audit.
    return client.address === undefined ? device : { ...device, address: client.address };
  }

  /**
   * Returns the device or throws UNAUTHORIZED. A verified certificate whose
   * common name is a device's identifies it (a token presented as well must
   * be the same device's). A wrong token is refused even from loopback; a
   * forwarded request is never loopback. Asynchronous because a token not
   * seen before is checked with scrypt off the event loop.
   */
  async authenticate(client: ClientContext): Promise<Device> {
    const byCert = client.certCommonName !== undefined ? this.#byCertName.get(client.certCommonName) : undefined;
    const byToken = client.token !== undefined && client.token !== '' ? await this.#byToken(client.token) : undefined;
    if (byCert) {
      if (byToken && byToken.id !== byCert.id) throw new RevcamError('UNAUTHORIZED', 'the token and the client certificate name different devices');
      return byCert;
    }
    if (byToken) return byToken;
    if (this.#anonymousLoopback && !client.forwarded && isLoopback(client.address)) return { id: 'local', role: 'local', anonymous: true };
    throw new RevcamError('UNAUTHORIZED', 'a device token is required');
  }

  /** Throws FORBIDDEN, naming the role and the missing right, unless the device's role allows the action. */
  authorize(device: Device, action: Action): void {
    const rights = Object.hasOwn(this.#roles, device.role) ? this.#roles[device.role] : undefined;
    if (!rights) throw new RevcamError('FORBIDDEN', `role "${device.role}" has no rights`);
    if (action.kind !== 'stream') {
      if (!rights[action.kind]) throw new RevcamError('FORBIDDEN', `role "${device.role}" lacks the ${action.kind} right`);
      // Rights over a vehicle's signals apply to the role's own vehicles only.
      const vehicle = 'vehicle' in action ? action.vehicle : undefined;
      if (!matches(rights.vehicles ?? rights.stream.vehicles, vehicle)) throw new RevcamError('FORBIDDEN', `role "${device.role}" may not ${action.kind} for vehicle "${vehicle}"`);
      // A clip is what the camera saw: whoever may watch it only under a policy reviews it only under that policy.
      if (action.kind === 'reviewEvents') {
        const problem = this.streamPolicyProblem(device.role, vehicle);
        if (problem) throw new RevcamError('FORBIDDEN', `role "${device.role}" may review events ${problem}`);
      }
      return;
    }
    const { services, cameras, vehicles } = rights.stream;
    if (!matches(services, action.service)) throw new RevcamError('FORBIDDEN', `role "${device.role}" may not stream service "${action.service}"`);
    if (!matches(cameras, action.camera)) throw new RevcamError('FORBIDDEN', `role "${device.role}" may not stream camera "${action.camera}"`);
    if (!matches(vehicles, action.vehicle)) throw new RevcamError('FORBIDDEN', `role "${device.role}" may not stream vehicle "${action.vehicle}"`);
    const problem = this.streamPolicyProblem(device.role, action.vehicle);
    if (problem) throw new RevcamError('FORBIDDEN', `role "${device.role}" may stream ${problem}`);
  }

  /**
   * Why the role's stream policy does not hold on the current signals of the
   * vehicle streamed (undefined: this process's own); undefined when it holds
   * (or the role has none).
   */
  streamPolicyProblem(role: string, vehicle?: string): string | undefined {
    const rights = Object.hasOwn(this.#roles, role) ? this.#roles[role] : undefined;
    const problem = policyProblem(rights?.policy ?? null, this.#signals(vehicle));
    return problem === undefined || vehicle === undefined ? problem : `${problem} (vehicle "${vehicle}")`;
  }

  /** Roles whose streaming depends on a policy: their open streams are re-checked when signals change. */
  policyRoles(): string[] {
    return Object.entries(this.#roles)
      .filter(([, r]) => r.policy && (r.policy.parked || r.policy.consent))
      .map(([name]) => name);
  }

  /** The device a token belongs to; throws UNAUTHORIZED for an unknown token, CAPACITY_EXCEEDED past the hash budget. */
  async #byToken(token: string): Promise<Device> {
    const d = digest(token);
    let found: Device | undefined;
    // Every entry is compared, so the time does not say which (or whether one) matched.
    for (const entry of this.#plain) if (timingSafeEqual(entry.digest, d)) found = entry.device;
    if (found) return found;
    const cached = this.#hashed.length === 0 ? null : this.#cache.get(d);
    if (cached === null) throw new RevcamError('UNAUTHORIZED', 'unknown device token');
    if (cached) return cached;
    const key = d.toString('base64');
    let verifying = this.#verifying.get(key);
    if (!verifying) {
      if (!this.#cache.spend()) throw new RevcamError('CAPACITY_EXCEEDED', 'too many new device tokens to verify; retry in a second');
      verifying = this.#verify(token, d);
      this.#verifying.set(key, verifying);
      const done = () => void this.#verifying.delete(key);
      verifying.then(done, done);
    }
    const device = await verifying;
    if (!device) throw new RevcamError('UNAUTHORIZED', 'unknown device token');
    return device;
  }

  async #verify(token: string, d: Buffer): Promise<Device | null> {
    let found: Device | null = null;
    const generation = this.#generation;
    const hashed = this.#hashed;
    // Every hash is tried, for the same reason as above.
    for (const entry of hashed) if (await verifyTokenAsync(token, entry.hash)) found = entry.device;
    // Devices replaced meanwhile (a reload): this answer is of the old devices, so it counts for nobody.
    if (generation !== this.#generation) return null;
    this.#cache.set(d, found);
    return found;
  }
}
