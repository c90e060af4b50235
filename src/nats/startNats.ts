/**
 * Puts a revcam process on a NATS bus: as a host (announce the local
 * services, publish leased streams), as a gateway (discover remote services
 * and stream them to this process's devices), or both. Loaded only by
 * dynamic import when `--nats` is given: the embedded path never imports it.
 */
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NatsConfig } from '../config/types.js';
import type { ServiceHost } from '../host/ServiceHost.js';
import type { Logger } from '../log/logger.js';
import type { StreamHub } from '../stream/StreamHub.js';
import { natsAuthOptions } from './connectOptions.js';
import { NatsDiscovery } from './NatsDiscovery.js';
import { NatsServiceHost } from './NatsServiceHost.js';
import { NatsSignalPublisher, type NatsSignalPublisherOptions } from './NatsSignalPublisher.js';
import { NatsVehicleSignals, type RemoteSignalsSink } from './NatsVehicleSignals.js';
import { EvidenceShipper } from './EvidenceShipper.js';
import { FleetEvents } from './FleetEvents.js';
import { DEFAULT_CONFIG } from '../config/defaults.js';
import type { EventsBackend } from '../transport/eventsHttp.js';

export interface NatsOptions {
  /** nats://host:port (several separated by commas). */
  url: string;
  /** Credentials and TLS (the config's `nats` section; its url is ignored here). */
  config?: NatsConfig;
  log: Logger;
  /** Announce these local services as vehicle `vehicle`. */
  host?: {
    vehicle: string;
    services: ServiceHost;
    hub: StreamHub;
    signals?: Pick<NatsSignalPublisherOptions, 'bus' | 'source'>;
    /** The recordings folder (stateDir/recorder.dir): with a recorder among the services, its finished clips are shipped to JetStream. */
    recordingsDir?: string;
  };
  /**
   * Discover remote services into this hub, and follow each discovered vehicle's signals into `signals`;
   * with `eventsCacheDir`, /api/events of vehicles on the bus reads the fleet's JetStream (`fleetEvents`).
   */
  gateway?: { hub: StreamHub; signals?: RemoteSignalsSink; eventsCacheDir?: string };
}

export interface NatsAttachment {
  nc: NatsConnection;
  serviceHost: NatsServiceHost | undefined;
  discovery: NatsDiscovery | undefined;
  /** The host's evidence shipper (a host with a recorder). */
  shipper: EvidenceShipper | undefined;
  /** A gateway's /api/events for a vehicle on the bus (the fleet's JetStream). */
  fleetEvents: ((vehicle: string) => EventsBackend) | undefined;
  close(): Promise<void>;
}

/** The inbox prefix of a vehicle's host: `_INBOX_<vehicle>` (examples/nats/permissions.conf grants `_INBOX_<vehicle>.>`). */
export const hostInboxPrefix = (vehicle: string): string => `_INBOX_${vehicle}`;

export async function startNats(opts: NatsOptions): Promise<NatsAttachment> {
  const { log } = opts;
  const roles = [opts.host && `host ${opts.host.vehicle}`, opts.gateway && 'gateway'].filter(Boolean).join(' + ');
  const auth = opts.config ? natsAuthOptions(opts.config) : {};
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: opts.url.split(',').map((s) => s.trim()),
      name: `revcam ${roles}`,
      // A vehicle bus comes and goes: keep trying, quickly.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // A host's replies (JetStream acks, read-back) come to inboxes of its own vehicle, so its
      // NATS user may subscribe to those alone, never to every client's `_INBOX.>`.
      ...(opts.host && { inboxPrefix: hostInboxPrefix(opts.host.vehicle) }),
      ...auth,
    });
  } catch (err) {
    // One line for the CLI (a wrong password, no server, a TLS mismatch); never the credentials.
    throw new Error(`cannot connect to NATS at ${opts.url}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  log.info({ server: nc.getServer(), maxPayload: nc.info?.max_payload }, `connected to NATS as ${roles}`);
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') log.warn({ server: nc.getServer() }, `NATS ${s.type}`);
    }
  })().catch(() => {});
  let serviceHost: NatsServiceHost | undefined;
  let discovery: NatsDiscovery | undefined;
  let publisher: NatsSignalPublisher | undefined;
  let vehicleSignals: NatsVehicleSignals | undefined;
  let shipper: EvidenceShipper | undefined;
  let fleet: FleetEvents | undefined;
  const evidence = opts.config?.evidence ?? DEFAULT_CONFIG.nats.evidence;
  try {
    if (opts.host?.signals) {
      publisher = new NatsSignalPublisher({ nc, vehicle: opts.host.vehicle, ...opts.host.signals, log });
      publisher.start();
    }
    const sink = opts.gateway?.signals;
    if (sink) vehicleSignals = new NatsVehicleSignals({ nc, sink, log });
    if (opts.host) {
      serviceHost = new NatsServiceHost({ nc, host: opts.host.services, hub: opts.host.hub, vehicle: opts.host.vehicle, log });
      await serviceHost.start();
      const recorder = opts.host.services.instances().find((i) => i.manifest.kind === 'recorder');
      if (recorder && opts.host.recordingsDir !== undefined) {
        shipper = new EvidenceShipper({ nc, vehicle: opts.host.vehicle, config: evidence, dir: opts.host.recordingsDir, recorder, log });
        shipper.start();
      }
    }
    if (opts.gateway?.eventsCacheDir !== undefined) fleet = new FleetEvents({ nc, config: evidence, cacheDir: opts.gateway.eventsCacheDir, log });
    if (opts.gateway) {
      const own = opts.host;
      const followed = vehicleSignals;
      discovery = new NatsDiscovery({
        nc,
        hub: opts.gateway.hub,
        gateway: `gw-${randomUUID().slice(0, 8)}`,
        log,
        // Our own services are local instances already: do not add them again as remote.
        ...(own && { skip: (vehicle: string, instance: string) => vehicle === own.vehicle && own.services.get(instance) !== undefined }),
        // Our own vehicle's signals are the local ones.
        ...(followed && { onVehicle: (vehicle: string, present: boolean) => (vehicle === own?.vehicle ? undefined : present ? followed.add(vehicle) : followed.remove(vehicle)) }),
      });
      await discovery.start();
    }
  } catch (err) {
    await shipper?.stop();
    vehicleSignals?.stop();
    publisher?.stop();
    await nc.close().catch(() => {});
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    nc,
    serviceHost,
    discovery,
    shipper,
    fleetEvents: fleet && ((vehicle: string) => fleet.backend(vehicle)),
    close() {
      closing ??= (async () => {
        await shipper?.stop();
        discovery?.stop();
        vehicleSignals?.stop();
        publisher?.stop();
        await serviceHost?.stop();
        await nc.drain().catch(() => nc.close());
      })();
      return closing;
    },
  };
}
