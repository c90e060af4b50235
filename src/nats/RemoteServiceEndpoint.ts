/**
 * A service instance another host announces on NATS, as the StreamHub sees
 * it (ServiceEndpoint). open = a request to the host's `open` endpoint, a
 * subscription to the stream's frames subject, and a lease renewed every
 * second by repeating the open; close = unsubscribe and release. The gateway
 * subscribes once per stream and its Stream fans the frames out to its own
 * viewers with the usual rules. An H.264 open also asks for the host's cached
 * group of pictures, so the gateway's first viewer starts at once.
 *
 * A renewal that fails (host gone, bus down) tells the stream's viewers
 * SERVICE_LOST at once; one that succeeds again tells them SOURCE_RESTORED,
 * and frames resume on the same subscription. The renewal period (500 ms)
 * bounds how late a SIGKILLed host is noticed (its renewal gets "no
 * responders" at once); the gateway's own disconnection from the bus is
 * told at once (busLost) and a reconnection renews at once (renewNow).
 */
import { randomBytes } from 'node:crypto';
import { PermissionViolationError, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { ServiceConfig } from '../config/types.js';
import { ERROR_CODES, RevcamError } from '../errors/RevcamError.js';
import { TypedEmitter } from '../events/TypedEmitter.js';
import type { InstanceState, ServiceEndpoint, ServiceEndpointEvents } from '../host/ServiceEndpoint.js';
import type { Logger } from '../log/logger.js';
import type { OpenedCamera, ServiceManifest } from '../service/types.js';
import { DEFAULT_GOP_MAX_BYTES, DEFAULT_GOP_MAX_FRAMES } from '../stream/Stream.js';
import { decodeHeader, type CodecName } from '../wire/frame.js';
import type { ErrorCode, StreamEvent } from '../wire/messages.js';
import { subjects, type ControlReply, type OpenRequest, type StateMessage, type StatusEventMessage } from './subjects.js';

/** How a gateway sees a discovered service (from its micro-service metadata). */
export interface RemoteServiceInfo {
  vehicle: string;
  /** The instance id on its host. */
  instance: string;
  /** Subject prefix of its endpoints and streams. */
  prefix: string;
  manifest: ServiceManifest;
  /** The host's standby (shown; the gateway's own subscriptions are always on demand). */
  standby: ServiceConfig['standby'];
  cameraInfo: Record<string, { width: number; height: number; fps: number }>;
}

export interface RemoteEndpointOptions {
  nc: NatsConnection;
  info: RemoteServiceInfo;
  /** This gateway's id: the name of its leases. */
  gateway: string;
  log: Logger;
  renewMs?: number;
  /** How long an open may take (the host may have to start the service first). */
  openTimeoutMs?: number;
  /** How long a lease renewal may take before the viewers are told SERVICE_LOST. */
  renewTimeoutMs?: number;
}

interface Opened {
  camera: string;
  codec: CodecName;
  opened?: OpenedCamera;
  opening?: Promise<OpenedCamera>;
  frames?: Subscription;
  /** H.264 while the first open is in flight: live frames wait here (bounded) until the cached group is in. */
  held?: Buffer[];
  /** The server refused the frames subscription (NATS permissions). */
  refused?: Error;
  renew?: NodeJS.Timeout;
  /** Renewals sent, and the newest one that has been answered (or failed): an older answer changes nothing. */
  renewals?: number;
  answered?: number;
  lost?: boolean;
}

/** Live frames held while the first H.264 open is in flight (a second at 30 fps). */
const MAX_HELD_FRAMES = 30;

interface GroupCollector {
  token: string;
  frames: Buffer[];
  bytes: number;
  /** More than a stream would cache: dropped, the stream waits for a keyframe. */
  overflow: boolean;
  sub: Subscription;
}

/** Lease renewal period: a host that vanished is noticed within this (plus a round trip). The host's lease is 3.5 s. */
export const RENEW_MS = 500;

const STATES: readonly string[] = ['stopped', 'starting', 'running', 'backoff', 'failed', 'stopping'];

export class RemoteServiceEndpoint extends TypedEmitter<ServiceEndpointEvents> implements ServiceEndpoint {
  readonly id: string;
  readonly manifest: ServiceManifest;
  readonly location = 'remote' as const;
  readonly vehicle: string;
  readonly cameraInfo: Readonly<Record<string, { width: number; height: number; fps: number }>>;
  /** The gateway's subscription is on demand whatever the host's standby: a hot remote stream is not held here. */
  readonly config = { standby: 'cold' as const };
  readonly hostStandby: ServiceConfig['standby'];
  restarts = 0;
  consecutiveFailures = 0;
  lastError: string | undefined;
  #state: InstanceState = 'running';
  #opts: RemoteEndpointOptions;
  #open = new Map<string, Opened>();
  #control: Subscription[] = [];
  #disposed = false;

  constructor(opts: RemoteEndpointOptions) {
    super();
    this.#opts = opts;
    const { info } = opts;
    this.id = `${info.vehicle}/${info.instance}`;
    this.vehicle = info.vehicle;
    this.manifest = info.manifest;
    this.cameraInfo = info.cameraInfo;
    this.hostStandby = info.standby;
    const { nc, log } = opts;
    this.#control.push(
      nc.subscribe(subjects.anyStatus(info.prefix), {
        callback: (err, msg) => {
          if (err) return;
          const camera = msg.subject.split('.').at(-2) ?? '';
          try {
            const s = msg.json<StatusEventMessage>();
            this.emit('status', camera, s.event as StreamEvent, s.message);
          } catch (e) {
            log.warn({ err: e, subject: msg.subject }, 'bad status message on the bus');
          }
        },
      }),
      nc.subscribe(subjects.state(info.prefix), {
        callback: (err, msg) => {
          if (err) return;
          try {
            const s = msg.json<StateMessage>();
            if (s.restarts > this.restarts) this.emit('restart');
            this.restarts = s.restarts;
            this.consecutiveFailures = s.consecutiveFailures;
            this.lastError = s.lastError;
            this.#setState(s.state);
          } catch (e) {
            log.warn({ err: e, subject: msg.subject }, 'bad state message on the bus');
          }
        },
      }),
    );
  }

  get state(): InstanceState {
    return this.#state;
  }

  #setState(s: string | undefined): void {
    if (!s || !STATES.includes(s) || s === this.#state) return;
    this.#state = s as InstanceState;
    this.emit('state', this.#state);
  }

  async open(camera: string, codec: CodecName): Promise<OpenedCamera> {
    if (this.#disposed) throw new RevcamError('SERVICE_NOT_FOUND', `service ${this.id} has left the bus`);
    const key = `${camera}/${codec}`;
    let o = this.#open.get(key);
    if (o?.opened) return o.opened;
    if (!o) this.#open.set(key, (o = { camera, codec }));
    const entry = o;
    entry.opening ??= (async () => {
      let group: GroupCollector | undefined;
      try {
        // Subscribe before asking, so the first frame the host publishes is not missed.
        if (codec === 'h264' && !entry.frames) {
          group = this.#collectGroup(camera, codec);
          entry.held = [];
        }
        entry.frames ??= this.#subscribeFrames(entry);
        const { opened, group: sent } = await this.#request('open', camera, codec, this.#opts.openTimeoutMs ?? 10_000, group?.token);
        // A refused subscription comes back before the flush's PONG: fail now rather than stream nothing.
        await this.#opts.nc.flush().catch(() => {});
        if (entry.refused) throw forbidden(this.id, entry.refused);
        if (group) this.#startLive(entry, group, sent ?? 0);
        entry.opened = opened;
        entry.renew ??= setInterval(() => void this.#renew(entry), this.#opts.renewMs ?? RENEW_MS);
        entry.renew.unref();
        return opened;
      } catch (err) {
        if (this.#open.get(key) === entry && !entry.opened) this.#forget(key, entry);
        throw err;
      } finally {
        group?.sub.unsubscribe();
        entry.held = undefined;
        entry.opening = undefined;
      }
    })();
    return entry.opening;
  }

  #subscribeFrames(opening: Opened): Subscription {
    const { nc, info, log } = this.#opts;
    const { camera, codec } = opening;
    return nc.subscribe(subjects.frames(info.prefix, camera, codec), {
      callback: (err, msg) => {
        if (err) {
          if (err instanceof PermissionViolationError) opening.refused = err;
          return log.warn({ err, service: this.id }, 'frame subscription error');
        }
        // Frames flowing again are the surest sign the host is back: the viewers hear so before the frame.
        const entry = this.#open.get(`${camera}/${codec}`);
        if (entry?.lost) this.#restored(entry, 'frames arrive again');
        // A copy the stream may rewrite in place (sequence number), detached from the client's read buffer.
        const wire = Buffer.from(msg.data);
        if (!opening.held) return this.emit('frame', camera, wire);
        // Oldest out: a longer wait than this is a cold start, and the stream then waits for a keyframe anyway.
        if (opening.held.push(wire) > MAX_HELD_FRAMES) opening.held.shift();
      },
    });
  }

  /** Subscribes to a group subject of our own for one open: the host sends its cached H.264 group there before replying. */
  #collectGroup(camera: string, codec: CodecName): GroupCollector {
    const { nc, info } = this.#opts;
    const token = randomBytes(9).toString('base64url');
    const collector: GroupCollector = { token, frames: [], bytes: 0, overflow: false, sub: undefined as unknown as Subscription };
    collector.sub = nc.subscribe(subjects.group(info.prefix, camera, codec, token), {
      callback: (err, msg) => {
        if (err || collector.overflow) return;
        collector.bytes += msg.data.length;
        if (collector.frames.length >= DEFAULT_GOP_MAX_FRAMES || collector.bytes > DEFAULT_GOP_MAX_BYTES) {
          collector.overflow = true;
          collector.frames = [];
          return;
        }
        collector.frames.push(Buffer.from(msg.data));
      },
    });
    return collector;
  }

  /**
   * The open is answered: hands the stream the cached group (when all of it
   * came), then the live frames held meanwhile that are newer than the group,
   * and from now on every frame as it arrives.
   */
  #startLive(entry: Opened, group: GroupCollector, sent: number): void {
    const held = entry.held ?? [];
    entry.held = undefined;
    let after = -1;
    if (sent > 0 && !group.overflow && group.frames.length === sent) {
      after = decodeHeader(group.frames.at(-1)!).captureUs;
      this.emit('group', entry.camera, entry.codec, group.frames);
    }
    for (const wire of held) if (decodeHeader(wire).captureUs > after) this.emit('frame', entry.camera, wire);
  }

  /** This gateway lost its NATS connection: every open stream's viewers are told now, not at the next renewal. */
  busLost(): void {
    for (const entry of this.#open.values()) this.#lost(entry, 'the gateway lost its connection to the NATS bus');
  }

  /** This gateway is back on the bus: renew every lease now (SOURCE_RESTORED as soon as the host answers). */
  renewNow(): void {
    for (const entry of this.#open.values()) if (entry.opened) void this.#renew(entry);
  }

  #restored(entry: Opened, why: string): void {
    if (!entry.lost || this.#open.get(`${entry.camera}/${entry.codec}`) !== entry) return;
    entry.lost = false;
    this.#opts.log.info({ service: this.id, camera: entry.camera }, `remote service is back: ${why}`);
    this.emit('status', entry.camera, 'SOURCE_RESTORED', `service ${this.id} is back (${why})`);
  }

  #lost(entry: Opened, why: string): void {
    if (entry.lost || this.#disposed || !entry.opened || this.#open.get(`${entry.camera}/${entry.codec}`) !== entry) return;
    entry.lost = true;
    this.lastError = why;
    this.emit('status', entry.camera, 'SERVICE_LOST', `service ${this.id} does not answer (${why})`);
  }

  /**
   * Renews the lease by repeating the open; tells the viewers when the host
   * stops or starts answering. One renewal per tick even while older ones
   * wait (at most renewTimeoutMs / renewMs of them): a host killed with a
   * renewal in flight is noticed by the next one ("no responders" at once),
   * not at the older one's timeout. The newest answer wins.
   */
  async #renew(entry: Opened): Promise<void> {
    const mine = (entry.renewals = (entry.renewals ?? 0) + 1);
    const newest = () => {
      if (mine <= (entry.answered ?? 0)) return false;
      entry.answered = mine;
      return true;
    };
    try {
      await this.#request('open', entry.camera, entry.codec, this.#opts.renewTimeoutMs ?? 2_000);
      if (newest()) this.#restored(entry, 'it answers again');
    } catch (err) {
      if (!newest()) return;
      if (!entry.lost) this.#opts.log.warn({ err, service: this.id, camera: entry.camera }, 'remote service did not renew the lease');
      this.#lost(entry, (err as Error).message);
    }
  }

  async #request(op: 'open' | 'close', camera: string, codec: CodecName, timeoutMs: number, group?: string): Promise<{ opened: OpenedCamera; group?: number }> {
    const { nc, info, gateway } = this.#opts;
    const body: OpenRequest = { camera, codec, gateway, ...(group !== undefined && { group }) };
    const subject = op === 'open' ? subjects.open(info.prefix) : subjects.close(info.prefix);
    let reply: ControlReply;
    try {
      const msg = await nc.request(subject, JSON.stringify(body), { timeout: timeoutMs });
      reply = msg.json<ControlReply>();
    } catch (err) {
      // The client rejects a request the server refused to publish at once, wrapped in a RequestError.
      const refused = [err, (err as Error).cause].find((e) => e instanceof PermissionViolationError) as Error | undefined;
      if (refused) throw forbidden(this.id, refused);
      throw new RevcamError('SERVICE_FAILED', `service ${this.id} did not answer ${op}: ${(err as Error).message}`, { cause: err });
    }
    if (!reply.ok) {
      const code: ErrorCode = (ERROR_CODES as readonly string[]).includes(reply.code) ? (reply.code as ErrorCode) : 'SERVICE_FAILED';
      throw new RevcamError(code, reply.message);
    }
    this.#setState(reply.state);
    return { opened: reply.opened ?? { width: 0, height: 0, fps: this.cameraInfo[camera]?.fps ?? 30 }, ...(reply.group !== undefined && { group: reply.group }) };
  }

  async close(camera: string, codec: CodecName): Promise<void> {
    const key = `${camera}/${codec}`;
    const entry = this.#open.get(key);
    if (!entry) return;
    this.#forget(key, entry);
    if (this.#disposed) return;
    try {
      await this.#request('close', camera, codec, 2_000);
    } catch (err) {
      // The lease expires on the host by itself.
      this.#opts.log.debug({ err, service: this.id }, 'remote close failed');
    }
  }

  #forget(key: string, entry: Opened): void {
    clearInterval(entry.renew);
    entry.frames?.unsubscribe();
    this.#open.delete(key);
  }

  /** The service left the bus: stops every subscription and renewal (the host lets the leases expire). */
  dispose(): void {
    this.#disposed = true;
    for (const [key, entry] of this.#open) this.#forget(key, entry);
    for (const s of this.#control.splice(0)) s.unsubscribe();
  }
}

/** The NATS server refused this gateway a subject of the service (its user's permissions). */
function forbidden(id: string, err: Error): RevcamError {
  return new RevcamError('FORBIDDEN', `this gateway's NATS user may not watch ${id} (${err.message})`, { cause: err });
}
