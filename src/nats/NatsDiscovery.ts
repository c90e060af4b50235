/**
 * The gateway side of discovery: polls the NATS services framework
 * (`$SRV.PING`, and `$SRV.INFO` for a service seen for the first time) every
 * second, adds a RemoteServiceEndpoint to the hub for each revcam service
 * instance on the bus, and removes one whose host has not answered for
 * `forgetAfterMs` (3 s): its viewers get SERVICE_LOST and stay connected,
 * and resume when a host announces the same vehicle/instance again.
 *
 * Silence while this gateway is itself off the bus says nothing about the
 * hosts: nothing is forgotten while disconnected, and every host gets a
 * fresh forgetAfterMs from the reconnection (a nats-server restart keeps
 * the instances, and their viewers resume with SOURCE_RESTORED).
 *
 * A vehicle this gateway's NATS user may not watch (docs/distributed.md
 * "Permissions") still answers discovery pings, but the server refuses a
 * subscription to its subjects: the gateway tries one before adding the
 * service, and hides the service if refused (a request for it gets
 * SERVICE_NOT_FOUND, as for a vehicle that is not there), trying again
 * after `recheckDeniedMs` in case the server's permissions were reloaded.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { Svcm, type ServiceIdentity, type ServiceInfo } from '@nats-io/services';
import type { ServiceConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { StreamHub } from '../stream/StreamHub.js';
import { CODEC_NAMES, type CodecName } from '../wire/frame.js';
import { RemoteServiceEndpoint, type RemoteServiceInfo } from './RemoteServiceEndpoint.js';
import { instanceToken, PROTOCOL, subjects } from './subjects.js';

export interface NatsDiscoveryOptions {
  nc: NatsConnection;
  hub: StreamHub;
  gateway: string;
  log: Logger;
  pollMs?: number;
  forgetAfterMs?: number;
  /** How long a service this gateway may not watch stays hidden before it is tried again. */
  recheckDeniedMs?: number;
  /** Services to leave out (this process's own, which the hub already has as local instances). */
  skip?: (vehicle: string, instance: string) => boolean;
  /** Told when the first service of a vehicle is discovered (true) and when its last one leaves (false). */
  onVehicle?: (vehicle: string, present: boolean) => void;
}

interface Known {
  endpoint: RemoteServiceEndpoint;
  natsId: string;
  lastSeen: number;
}

const NAME = /^[a-z][a-z0-9-]{0,63}$/;

export class NatsDiscovery {
  #opts: NatsDiscoveryOptions;
  #known = new Map<string, Known>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #stopped = false;
  #busUp = true;
  /** Services this gateway's NATS user may not watch, or with unusable metadata, by key: ignored until then. */
  #denied = new Map<string, number>();

  constructor(opts: NatsDiscoveryOptions) {
    this.#opts = opts;
  }

  /** Polls at once (so services present at start are known by the time this resolves) and then every pollMs. */
  async start(): Promise<void> {
    this.#watchBus();
    await this.poll();
    this.#timer = setInterval(() => void this.poll(), this.#opts.pollMs ?? 1_000);
    this.#timer.unref();
  }

  #watchBus(): void {
    void (async () => {
      // Ends when the connection closes.
      for await (const s of this.#opts.nc.status()) {
        if (this.#stopped) break;
        if (s.type === 'disconnect') {
          this.#busUp = false;
          for (const k of this.#known.values()) k.endpoint.busLost();
        } else if (s.type === 'reconnect') {
          this.#busUp = true;
          const now = Date.now();
          for (const k of this.#known.values()) {
            k.lastSeen = Math.max(k.lastSeen, now);
            k.endpoint.renewNow();
          }
          void this.poll();
        }
      }
    })().catch(() => {});
  }

  /** One round: who answers now; new ones are added, silent ones forgotten after forgetAfterMs. */
  async poll(): Promise<void> {
    if (this.#polling || this.#stopped) return;
    this.#polling = true;
    const started = Date.now();
    try {
      const client = new Svcm(this.#opts.nc).client({ strategy: 'stall', maxWait: 700, stall: 200 });
      const seen: ServiceIdentity[] = [];
      try {
        for await (const s of await client.ping()) seen.push(s);
      } catch (err) {
        // No responders (nobody on the bus) or the connection is down: nobody answered this round.
        this.#opts.log.debug({ err }, 'service ping got no answers');
      }
      for (const s of seen) await this.#seen(s, started, client);
      // Off the bus (or back only since this round started): nobody could answer, so nobody is forgotten.
      if (!this.#busUp) return;
      for (const [key, k] of this.#known) {
        if (started - k.lastSeen <= (this.#opts.forgetAfterMs ?? 3_000)) continue;
        this.#known.delete(key);
        this.#opts.log.warn({ service: key }, 'remote service left the bus');
        this.#opts.hub.removeEndpoint(key, 'its host stopped answering on the bus');
        k.endpoint.dispose();
        this.#vehicleLeft(k.endpoint.vehicle);
      }
    } finally {
      this.#polling = false;
    }
  }

  async #seen(s: ServiceIdentity, now: number, client: ReturnType<Svcm['client']>): Promise<void> {
    const md = s.metadata ?? {};
    if (md.protocol !== PROTOCOL) return;
    const vehicle = md.vehicle ?? '';
    const instance = md.instance ?? '';
    if (!NAME.test(vehicle) || instance === '') return;
    if (this.#opts.skip?.(vehicle, instance)) return;
    const key = `${vehicle}/${instance}`;
    const known = this.#known.get(key);
    if (known) {
      // A host restarted within forgetAfterMs answers under a new id: the same instance to the viewers.
      known.lastSeen = now;
      known.natsId = s.id;
      return;
    }
    if ((this.#denied.get(key) ?? 0) > now) return;
    let info: ServiceInfo | undefined;
    try {
      for await (const i of await client.info(s.name, s.id)) info ??= i;
    } catch (err) {
      this.#opts.log.debug({ err, service: key }, 'service info got no answer');
    }
    const remote = info && toRemoteInfo(info);
    if (!remote) {
      // Asked again (and logged) once a recheck period, not every round.
      if (!this.#denied.has(key)) this.#opts.log.warn({ service: key, natsId: s.id }, 'revcam service with unusable metadata ignored');
      this.#denied.set(key, now + (this.#opts.recheckDeniedMs ?? 60_000));
      return;
    }
    if (this.#stopped || !(await this.#mayWatch(key, remote.prefix))) return;
    const endpoint = new RemoteServiceEndpoint({ nc: this.#opts.nc, info: remote, gateway: this.#opts.gateway, log: this.#opts.log });
    const firstOfVehicle = !this.#hasVehicle(vehicle);
    this.#known.set(key, { endpoint, natsId: s.id, lastSeen: now });
    if (firstOfVehicle) this.#opts.onVehicle?.(vehicle, true);
    this.#opts.log.info({ service: key, version: remote.manifest.version, cameras: Object.keys(remote.cameraInfo) }, 'remote service discovered');
    this.#opts.hub.addEndpoint(endpoint);
  }

  /**
   * Whether the server lets this gateway subscribe to the service's subjects:
   * a refused subscription comes back as a permission error before the
   * flush's PONG. Unknown (connection down): false, and asked again next round.
   */
  async #mayWatch(key: string, prefix: string): Promise<boolean> {
    const { nc, log } = this.#opts;
    let refused: Error | undefined;
    const probe = nc.subscribe(subjects.state(prefix), { callback: (err) => void (refused ??= err ?? undefined) });
    try {
      await nc.flush();
    } catch {
      return false;
    } finally {
      if (!probe.isClosed()) probe.unsubscribe();
    }
    if (!refused) return true;
    const again = !this.#denied.has(key);
    this.#denied.set(key, Date.now() + (this.#opts.recheckDeniedMs ?? 60_000));
    if (again) log.warn({ service: key, subject: subjects.state(prefix), reason: refused.message }, 'remote service hidden: this gateway may not subscribe to its subjects (NATS permissions)');
    return false;
  }

  #hasVehicle(vehicle: string): boolean {
    for (const k of this.#known.values()) if (k.endpoint.vehicle === vehicle) return true;
    return false;
  }

  #vehicleLeft(vehicle: string): void {
    if (!this.#hasVehicle(vehicle)) this.#opts.onVehicle?.(vehicle, false);
  }

  /** Remote services known now, by `<vehicle>/<instance>`. */
  known(): string[] {
    return [...this.#known.keys()];
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const [key, k] of this.#known) {
      this.#opts.hub.removeEndpoint(key, 'the gateway is stopping');
      k.endpoint.dispose();
    }
    const vehicles = new Set([...this.#known.values()].map((k) => k.endpoint.vehicle));
    this.#known.clear();
    for (const v of vehicles) this.#opts.onVehicle?.(v, false);
  }
}

/** The metadata a host announces (NatsServiceHost), checked: a foreign or broken service is ignored. */
function toRemoteInfo(info: ServiceInfo): RemoteServiceInfo | undefined {
  const md = info.metadata ?? {};
  const vehicle = md.vehicle ?? '';
  const prefix = md.subject ?? '';
  const codecs = (md.codecs ?? '').split(',').filter((c): c is CodecName => (CODEC_NAMES as readonly string[]).includes(c));
  let cameraInfo: RemoteServiceInfo['cameraInfo'];
  try {
    cameraInfo = JSON.parse(md.camera_info ?? '{}') as RemoteServiceInfo['cameraInfo'];
  } catch {
    return undefined;
  }
  const cameras = Object.keys(cameraInfo).filter((c) => NAME.test(c));
  // The prefix must be the one the layout gives this vehicle and instance: NATS permissions are granted
  // on subjects, and a host allowed veh-a's subjects must not show up as another vehicle.
  const instance = md.instance ?? info.name;
  if (!NAME.test(vehicle) || prefix !== subjects.prefix(vehicle, instanceToken(instance)) || codecs.length === 0 || !NAME.test(info.name)) return undefined;
  const standby = (['cold', 'warm', 'hot'] as const).find((s) => s === md.standby) ?? 'cold';
  return {
    vehicle,
    instance,
    prefix,
    standby: standby as ServiceConfig['standby'],
    cameraInfo,
    manifest: { name: info.name, version: info.version, kind: md.kind ?? info.name, cameras, codecs, module: `nats:${prefix}` },
  };
}
