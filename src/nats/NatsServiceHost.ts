/**
 * The host side of revcam on NATS: announces each local service instance as
 * a NATS micro-service (@nats-io/services) with `open` and `close`
 * endpoints, and publishes the frames of each camera stream a gateway has
 * leased, once, on that stream's subject however many gateways consume it.
 *
 * Interest-based: `open` is a lease the gateway renews (every 0.5 s); the
 * host holds the local stream (StreamHub.holdOn) while any gateway's lease is
 * alive, and releases it when the last one expires or is closed, so a gateway
 * that dies releases the camera by itself. A gateway opening an H.264 stream
 * gets the cached group of pictures first, on its own subject, so its first
 * viewer does not wait for the next keyframe. A hot service keeps capturing
 * (the hub never closes hot cameras) but publishes only while leased.
 *
 * Off the bus (nats-server restarting, link down) the host publishes no
 * frames (the client would only buffer stale ones) and expires no lease (no
 * gateway can renew): on reconnection every lease gets a fresh leaseMs, the
 * client resubscribes the micro-services' endpoints by itself, and the
 * gateways' renewals find the stream still open.
 *
 * Frames larger than the server's max_payload are refused (logged once per
 * stream and counted), not split: a 720p JPEG is ~50–100 kB against a 1 MiB
 * default (docs/distributed.md).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { Svcm, type Service, type ServiceMsg } from '@nats-io/services';
import { RevcamError } from '../errors/RevcamError.js';
import type { ServiceHost } from '../host/ServiceHost.js';
import type { ServiceInstance } from '../host/ServiceInstance.js';
import type { Logger } from '../log/logger.js';
import type { StreamHub } from '../stream/StreamHub.js';
import { CODEC_NAMES, Codec, type CodecName } from '../wire/frame.js';
import { GROUP_TOKEN, instanceToken, PROTOCOL, subjects, type ControlReply, type OpenRequest, type StateMessage } from './subjects.js';

/** A gateway's lease lasts this long after its last open (it renews every 0.5 s). */
export const LEASE_MS = 3_500;
const SWEEP_MS = 500;

const codecById = new Map<number, CodecName>(Object.entries(Codec).map(([n, id]) => [id, n as CodecName]));

interface Leased {
  instance: ServiceInstance;
  camera: string;
  codec: CodecName;
  subject: string;
  /** Gateway id → when its lease expires. */
  holders: Map<string, number>;
  /** Releases the local hold on the stream; set once the hold is taken. */
  release?: () => void;
  holding?: Promise<void>;
  /** Frames refused for exceeding max_payload (logged once per stream). */
  oversize: number;
}

export interface NatsServiceHostOptions {
  nc: NatsConnection;
  host: ServiceHost;
  hub: StreamHub;
  vehicle: string;
  log: Logger;
  leaseMs?: number;
}

export class NatsServiceHost {
  #opts: NatsServiceHostOptions;
  #services: Service[] = [];
  #leases = new Map<string, Leased>();
  #sweep: NodeJS.Timeout | undefined;
  #off: Array<() => void> = [];
  #busUp = true;
  #stopped = false;
  /** Frames published, for the log and tests. */
  published = 0;

  constructor(opts: NatsServiceHostOptions) {
    this.#opts = opts;
  }

  /** Registers one micro-service per local instance. */
  async start(): Promise<void> {
    const { nc, host, vehicle } = this.#opts;
    const svcm = new Svcm(nc);
    for (const instance of host.instances()) {
      const prefix = subjects.prefix(vehicle, instanceToken(instance.id));
      const m = instance.manifest;
      const service = await svcm.add({
        name: m.name,
        version: m.version,
        description: `revcam ${m.kind} service ${instance.id} of vehicle ${vehicle}`,
        metadata: {
          protocol: PROTOCOL,
          vehicle,
          instance: instance.id,
          subject: prefix,
          kind: m.kind,
          cameras: Object.keys(instance.cameraInfo).join(','),
          codecs: m.codecs.join(','),
          standby: instance.config.standby,
          camera_info: JSON.stringify(instance.cameraInfo),
        },
      });
      this.#services.push(service);
      const group = service.addGroup(prefix);
      group.addEndpoint('open', { handler: (err, msg) => (err ? this.#opts.log.warn({ err }, 'nats open endpoint error') : void this.#onOpen(instance, prefix, msg)) });
      group.addEndpoint('close', { handler: (err, msg) => (err ? this.#opts.log.warn({ err }, 'nats close endpoint error') : this.#onClose(instance, msg)) });
      this.#listen(instance, prefix);
    }
    this.#sweep = setInterval(() => this.#expire(), SWEEP_MS);
    this.#sweep.unref();
    this.#watchBus();
  }

  #watchBus(): void {
    void (async () => {
      // Ends when the connection closes.
      for await (const s of this.#opts.nc.status()) {
        if (this.#stopped) break;
        if (s.type === 'disconnect') this.#busUp = false;
        else if (s.type === 'reconnect') {
          this.#busUp = true;
          const until = Date.now() + (this.#opts.leaseMs ?? LEASE_MS);
          for (const leased of this.#leases.values()) for (const gateway of leased.holders.keys()) leased.holders.set(gateway, until);
        }
      }
    })().catch(() => {});
  }

  #listen(instance: ServiceInstance, prefix: string): void {
    const { nc, log } = this.#opts;
    const onFrame = (camera: string, wire: Buffer) => {
      const codec = codecById.get(wire[3] ?? 0);
      const leased = codec && this.#leases.get(leaseKey(instance.id, camera, codec));
      if (!leased || leased.holders.size === 0) return; // nobody on the bus watches: nothing is published
      if (!this.#busUp) return; // not buffered for a bus that is down: stale by the time it is back
      const max = nc.info?.max_payload ?? Number.POSITIVE_INFINITY;
      if (wire.length > max) {
        if (leased.oversize++ === 0) log.error({ subject: leased.subject, bytes: wire.length, maxPayload: max }, 'frame larger than the NATS server max_payload: not published (raise max_payload, or lower the camera size/quality)');
        return;
      }
      nc.publish(leased.subject, wire);
      this.published++;
    };
    const onStatus = (camera: string, event: string, message: string) => {
      nc.publish(subjects.status(prefix, camera), JSON.stringify({ event, message }));
    };
    const onState = () => nc.publish(subjects.state(prefix), JSON.stringify(stateOf(instance)));
    instance.on('frame', onFrame);
    instance.on('status', onStatus);
    instance.on('state', onState);
    this.#off.push(() => {
      instance.off('frame', onFrame);
      instance.off('status', onStatus);
      instance.off('state', onState);
    });
  }

  async #onOpen(instance: ServiceInstance, prefix: string, msg: ServiceMsg): Promise<void> {
    let gateway = '';
    let key = '';
    try {
      const req = parseRequest(msg);
      gateway = req.gateway;
      if (!(req.camera in instance.cameraInfo)) {
        throw new RevcamError('CAMERA_NOT_AVAILABLE', `service "${instance.manifest.name}" has no camera "${req.camera}" (it has: ${Object.keys(instance.cameraInfo).join(', ')})`);
      }
      if (!instance.manifest.codecs.includes(req.codec)) {
        throw new RevcamError('CODEC_UNSUPPORTED', `service "${instance.manifest.name}" cannot deliver ${req.codec} (it offers: ${instance.manifest.codecs.join(', ')})`);
      }
      key = leaseKey(instance.id, req.camera, req.codec);
      let leased = this.#leases.get(key);
      if (!leased) {
        leased = { instance, camera: req.camera, codec: req.codec, subject: subjects.frames(prefix, req.camera, req.codec), holders: new Map(), oversize: 0 };
        this.#leases.set(key, leased);
      }
      const isNew = !leased.holders.has(gateway);
      leased.holders.set(gateway, Date.now() + (this.#opts.leaseMs ?? LEASE_MS));
      if (isNew) this.#opts.log.info({ stream: key, gateway }, 'gateway leased a stream');
      await this.#hold(key, leased);
      const opened = await instance.open(req.camera, req.codec); // already open: answers at once
      const group = req.group === undefined ? undefined : this.#sendGroup(instance, prefix, req.camera, req.codec, req.group);
      // After the group: the gateway gets it before this reply (one connection, in order).
      respond(msg, { ok: true, opened, state: instance.state, ...(group !== undefined && { group }) });
    } catch (err) {
      const leased = key ? this.#leases.get(key) : undefined;
      if (leased && gateway) leased.holders.delete(gateway);
      if (leased?.holders.size === 0) this.#drop(key, leased);
      const e = RevcamError.from(err);
      if (e.code === 'INTERNAL') this.#opts.log.error({ err }, 'nats open failed');
      respond(msg, { ok: false, code: e.code, message: e.message }, e.status);
    }
  }

  /**
   * H.264: publishes the stream's cached group (keyframe first) to the
   * opening gateway's own group subject; returns how many frames were sent,
   * 0 when there is none (cold start) or a frame would exceed max_payload.
   */
  #sendGroup(instance: ServiceInstance, prefix: string, camera: string, codec: CodecName, token: string): number {
    if (codec !== 'h264') return 0;
    const { nc, hub } = this.#opts;
    const frames = hub.cachedGroup(instance.id, camera, codec);
    const max = nc.info?.max_payload ?? Number.POSITIVE_INFINITY;
    if (frames.length === 0 || frames.some((f) => f.length > max)) return 0;
    const subject = subjects.group(prefix, camera, codec, token);
    for (const f of frames) nc.publish(subject, f);
    return frames.length;
  }

  /** Holds the local stream once per leased stream, however many gateways lease it. */
  #hold(key: string, leased: Leased): Promise<void> {
    if (leased.release) return Promise.resolve();
    leased.holding ??= this.#opts.hub.holdOn(leased.instance.id, leased.camera, leased.codec).then(
      (release) => {
        leased.holding = undefined;
        // Every lease went while the camera was opening.
        if (this.#leases.get(key) !== leased) release();
        else leased.release = release;
      },
      (err: unknown) => {
        leased.holding = undefined;
        throw err;
      },
    );
    return leased.holding;
  }

  #onClose(instance: ServiceInstance, msg: ServiceMsg): void {
    try {
      const req = parseRequest(msg);
      const key = leaseKey(instance.id, req.camera, req.codec);
      const leased = this.#leases.get(key);
      if (leased?.holders.delete(req.gateway)) this.#opts.log.info({ stream: key, gateway: req.gateway }, 'gateway released a stream');
      if (leased && leased.holders.size === 0) this.#drop(key, leased);
      respond(msg, { ok: true });
    } catch (err) {
      const e = RevcamError.from(err);
      respond(msg, { ok: false, code: e.code, message: e.message }, e.status);
    }
  }

  #expire(): void {
    if (!this.#busUp) return;
    const now = Date.now();
    for (const [key, leased] of this.#leases) {
      for (const [gateway, until] of leased.holders) {
        if (until < now) {
          leased.holders.delete(gateway);
          this.#opts.log.warn({ stream: key, gateway }, 'gateway lease expired (gateway gone?)');
        }
      }
      if (leased.holders.size === 0) this.#drop(key, leased);
    }
  }

  #drop(key: string, leased: Leased): void {
    if (this.#leases.get(key) !== leased) return;
    this.#leases.delete(key);
    leased.release?.();
  }

  /** Streams with a live lease, for logs and tests. */
  leased(): string[] {
    return [...this.#leases.keys()];
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweep);
    for (const off of this.#off.splice(0)) off();
    for (const [key, leased] of this.#leases) this.#drop(key, leased);
    await Promise.all(this.#services.splice(0).map((s) => s.stop().catch(() => null)));
  }
}

const leaseKey = (instance: string, camera: string, codec: CodecName) => `${instance}/${camera}/${codec}`;

function stateOf(i: ServiceInstance): StateMessage {
  return { state: i.state, restarts: i.restarts, consecutiveFailures: i.consecutiveFailures, lastError: i.lastError };
}

function parseRequest(msg: ServiceMsg): OpenRequest {
  let raw: unknown;
  try {
    raw = msg.json();
  } catch {
    throw new RevcamError('BAD_REQUEST', 'the request is not JSON');
  }
  const r = raw as Partial<OpenRequest> | null;
  const name = /^[a-z][a-z0-9-]{0,63}$/;
  if (!r || typeof r.camera !== 'string' || !name.test(r.camera)) throw new RevcamError('BAD_REQUEST', 'camera: a camera name is required');
  if (typeof r.codec !== 'string' || !(CODEC_NAMES as readonly string[]).includes(r.codec)) throw new RevcamError('BAD_REQUEST', `codec: one of ${CODEC_NAMES.join(', ')}`);
  if (typeof r.gateway !== 'string' || r.gateway === '' || r.gateway.length > 128) throw new RevcamError('BAD_REQUEST', 'gateway: the gateway id is required');
  if (r.group !== undefined && (typeof r.group !== 'string' || !GROUP_TOKEN.test(r.group))) throw new RevcamError('BAD_REQUEST', 'group: one subject token (letters, digits, - and _)');
  return { camera: r.camera, codec: r.codec as CodecName, gateway: r.gateway, ...(r.group !== undefined && { group: r.group }) };
}

function respond(msg: ServiceMsg, reply: ControlReply, status?: number): void {
  const body = JSON.stringify(reply);
  if (reply.ok) msg.respond(body);
  else msg.respondError(status ?? 500, `${reply.code}: ${reply.message}`, body);
}
