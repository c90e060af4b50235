/**
 * Owns every Stream and wires service instances to them: frames from an
 * instance go to the stream of (instance, camera, codec); a request opens the
 * camera once, however many viewers follow. When a cold service's last viewer
 * leaves, the camera is closed (a cold service later idles out); hot-standby
 * cameras stay open so reverse gear gets a live frame at once (what each
 * standby means is src/host/StandbyPolicy.ts).
 *
 * Instances are ServiceEndpoints: local children from the ServiceHost at
 * construction, and remote ones (NATS) added and removed at runtime. A
 * removed endpoint's streams tell their viewers SERVICE_LOST and stay open;
 * when an endpoint of the same id returns, they are re-opened and resume.
 */
import { SessionLog, type EndReason } from '../audit/SessionLog.js';
import type { RevcamConfig } from '../config/types.js';
import { Consumer, type ConsumerSink } from '../consumer/Consumer.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Device } from '../device/DeviceAuth.js';
import type { ServiceHost } from '../host/ServiceHost.js';
import type { ServiceInstance } from '../host/ServiceInstance.js';
import type { InstanceState, ServiceEndpoint } from '../host/ServiceEndpoint.js';
import { keepsStreamsOpen, warmStandby } from '../host/StandbyPolicy.js';
import type { Logger } from '../log/logger.js';
import type { Metrics, ViewerTotals } from '../metrics/Metrics.js';
import type { MatchRequest } from '../registry/Registry.js';
import { Registry } from '../registry/Registry.js';
import { admitViewer, type ViewerSlot } from '../limits/viewerLimits.js';
import type { CodecName } from '../wire/frame.js';
import { Codec } from '../wire/frame.js';
import type { StreamEvent } from '../wire/messages.js';
import { Stream } from './Stream.js';

export interface Subscription {
  stream: Stream;
  consumer: Consumer;
  instance: ServiceEndpoint;
  version: string;
  viewer: ViewerInfo;
}

/** Who is watching and how: limits, priorities, policies and the audit log are per viewer. */
export interface ViewerInfo {
  /** `ws`, `mjpeg`, `h264-http`, `overlay-burner`, … */
  transport: string;
  /** Its `address` (the forwarded client behind a trusted proxy) goes to the audit log. */
  device: Device;
  /** The vehicle whose stream it watches (set by the hub at subscribe; undefined in the embedded default): role policies read its signals. */
  vehicle?: string | undefined;
}

/** What a viewer watches, for a decision to end it (a live reload re-checks rights on it). */
export interface WatchedStream {
  service: string;
  camera: string;
}

/** The platform itself as a viewer (an overlay burner feeding MJPEG viewers): never shed, never limited per device. */
export const SYSTEM_DEVICE: Device = { id: 'system', role: 'system', anonymous: false };

/** A place taken under `limits`, from admission (before the camera opens) to the viewer leaving. */
interface Slot extends ViewerSlot {
  consumer?: Consumer;
}

/** A viewer's place under the limits, for viewers the hub does not add itself (overlay taps). */
export interface ViewerTicket {
  /** The viewer is live: from now on it may be shed (its consumer gets 'end'). */
  attach(consumer: Consumer): void;
  release(): void;
}

interface Totals {
  sent: number;
  dropped: number;
  bytes: number;
}

/** How often a stream left open by a removed endpoint is re-opened on its returning successor before giving up. */
const REOPEN_ATTEMPTS = 30;

/** How long a new viewer of a stream without frames waits for the first one before `accepted` goes without it. */
const FIRST_FRAME_WAIT_MS = 2_000;

const codecById = new Map<number, CodecName>(Object.entries(Codec).map(([n, id]) => [id, n as CodecName]));
const streamKey = (instance: string, camera: string, codec: CodecName) => `${instance}/${camera}/${codec}`;

/** A viewer the platform ended ends for that reason, whatever its transport saw next. */
export function endReasonOf(consumer: Consumer): EndReason | undefined {
  const code = consumer.endedBy?.code;
  return code === undefined ? undefined : code === 'CAPACITY_EXCEEDED' ? 'capacity' : code === 'FORBIDDEN' ? 'forbidden' : 'error';
}

export class StreamHub {
  readonly registry = new Registry();
  #streams = new Map<string, Stream>();
  #viewerSeq = 0;
  /** Totals of viewers that have left, per stream and transport, so counters never go backwards. */
  #retired = new Map<string, Totals>();
  #viewerOf = new WeakMap<Consumer, ViewerInfo>();
  /** Called with each new viewer once it is added (the policy watch re-checks it: its request may have raced a signal change). */
  onViewerAdded: ((sub: Pick<Subscription, 'viewer' | 'consumer'>) => void) | undefined;
  /** Streams kept open without viewers (reverse gear engaged before any display asked). */
  #holds = new Map<string, number>();
  /** Every viewer's place under config.limits. */
  #slots = new Set<Slot>();
  #slotOf = new WeakMap<Consumer, Slot>();
  /** Where each released stream's sequence numbers left off: a stream reopened after an idle stop continues them. */
  #nextSeq = new Map<string, number>();
  /** Every viewer's session, for the audit log and /api/sessions. */
  readonly sessions: SessionLog;
  /** Every instance streams can come from, local and remote, by id. */
  #endpoints = new Map<string, ServiceEndpoint>();
  /** How to take each endpoint's listeners off again when it is removed. */
  #detach = new Map<string, () => void>();

  constructor(
    private readonly host: ServiceHost,
    private config: Readonly<RevcamConfig>,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.sessions = new SessionLog(log);
    for (const instance of host.instances()) this.addEndpoint(instance);
    metrics.setViewerTotalsSource(() => this.viewerTotals());
  }

  /**
   * Live reload: limits, viewer queue settings and role priorities of the new config count for the
   * viewers admitted from now on; viewers already admitted keep their place.
   */
  useConfig(config: Readonly<RevcamConfig>): void {
    this.config = config;
  }

  /** Every instance the hub can stream from, local and remote. */
  endpoints(): ServiceEndpoint[] {
    return [...this.#endpoints.values()];
  }

  endpoint(id: string): ServiceEndpoint | undefined {
    return this.#endpoints.get(id);
  }

  /**
   * Makes an instance matchable. If streams of an endpoint with the same id
   * were left open when it went (removeEndpoint), they are re-opened on this
   * one and their viewers resume on the same connection.
   */
  addEndpoint(instance: ServiceEndpoint): void {
    if (this.#endpoints.has(instance.id)) this.removeEndpoint(instance.id, 'replaced');
    this.#endpoints.set(instance.id, instance);
    this.#register(instance);
    const onFrame = (camera: string, wire: Buffer) => {
      const codec = codecById.get(wire[3] ?? 0);
      const stream = codec && this.#streams.get(streamKey(instance.id, camera, codec));
      if (!stream) return; // a frame for a stream nobody holds any more
      try {
        stream.push(wire);
      } catch (err) {
        this.log.error({ err, stream: stream.id }, 'bad frame from service; dropped');
      }
    };
    const onGroup = (camera: string, codec: CodecName, frames: Buffer[]) => {
      const stream = this.#streams.get(streamKey(instance.id, camera, codec));
      try {
        if (stream && !stream.seedGroup(frames)) this.log.debug({ stream: stream.id }, 'cached group from the host not used (frames already flowing)');
      } catch (err) {
        this.log.error({ err, stream: stream?.id }, 'bad cached group from the host; dropped');
      }
    };
    const onStatus = (camera: string, event: StreamEvent, message: string) => {
      for (const s of this.#streams.values()) if (s.instanceId === instance.id && s.camera === camera) s.status(event, message);
    };
    const onState = (state: InstanceState) => {
      this.metrics.serviceUp.set({ service: instance.id }, state === 'running' ? 1 : 0);
      // A viewer that leaves while its service has failed ends for that reason, not its own.
      this.sessions.hint((r) => r.instance === instance.id, state === 'failed' ? 'service failed' : undefined);
    };
    const onRestart = () => this.metrics.serviceRestarts.inc({ service: instance.id });
    instance.on('frame', onFrame);
    instance.on('group', onGroup);
    instance.on('status', onStatus);
    instance.on('state', onState);
    instance.on('restart', onRestart);
    this.#detach.set(instance.id, () => {
      instance.off('frame', onFrame);
      instance.off('group', onGroup);
      instance.off('status', onStatus);
      instance.off('state', onState);
      instance.off('restart', onRestart);
    });
    this.#resume(instance);
  }

  /** The instance as requests see it: its cameras (as it has them now), codecs, health and load. */
  #register(instance: ServiceEndpoint): void {
    const cameraInfo = instance.cameraInfo;
    this.registry.register({
      id: instance.id,
      name: instance.manifest.name,
      version: instance.manifest.version,
      kind: instance.manifest.kind,
      cameras: Object.keys(cameraInfo),
      codecs: instance.manifest.codecs,
      cameraInfo,
      location: instance.location,
      vehicle: instance.vehicle,
      health: () => (instance.state === 'stopping' ? 'stopped' : instance.state),
      viewers: () => this.viewersOf(instance.id),
    });
  }

  /** Live reload: an instance's cameras changed; requests see the new set from now on (viewers of removed ones: dropCameras). */
  refreshEndpoint(instance: ServiceEndpoint): void {
    if (this.#endpoints.get(instance.id) === instance) this.#register(instance);
  }

  /**
   * Live reload: ends every viewer of these cameras of an instance (all of them when `cameras` is
   * undefined) with `reason`, and closes their streams and the instance's cameras at once, held ones
   * too. Other streams are not touched. Returns how many viewers ended.
   */
  dropCameras(instanceId: string, cameras: readonly string[] | undefined, reason: RevcamError): number {
    let n = 0;
    for (const s of [...this.#streams.values()]) {
      if (s.instanceId !== instanceId || (cameras && !cameras.includes(s.camera))) continue;
      for (const c of [...s.consumers()]) {
        if (c.closed) continue;
        c.end(reason);
        n++;
      }
      this.#streams.delete(s.id);
      this.#holds.delete(s.id);
      s.close();
      void this.#endpoints.get(instanceId)?.close(s.camera, s.codec);
    }
    return n;
  }

  /** Live reload: a removed service. Its viewers end with `reason`, its streams close, and nothing matches it any more. */
  retireEndpoint(id: string, reason: RevcamError): number {
    const n = this.dropCameras(id, undefined, reason);
    if (!this.#endpoints.delete(id)) return n;
    this.registry.unregister(id);
    this.#detach.get(id)?.();
    this.#detach.delete(id);
    this.metrics.serviceUp.set({ service: id }, 0);
    return n;
  }

  /**
   * Takes an instance out of matching (its host went away). Its streams stay
   * open with their viewers, who are told SERVICE_LOST; they resume if an
   * endpoint with the same id is added again, or end when their viewers leave.
   */
  removeEndpoint(id: string, reason = 'its host is gone'): void {
    if (!this.#endpoints.delete(id)) return;
    this.registry.unregister(id);
    this.#detach.get(id)?.();
    this.#detach.delete(id);
    this.metrics.serviceUp.set({ service: id }, 0);
    for (const s of this.#streams.values()) if (s.instanceId === id) s.status('SERVICE_LOST', `service ${id} is unreachable (${reason}); waiting for it to return`);
  }

  /** Re-opens the streams a returning endpoint's predecessor left open. */
  #resume(instance: ServiceEndpoint): void {
    for (const s of this.#streams.values()) if (s.instanceId === instance.id) this.#reopen(instance, s, 0);
  }

  /** One re-open attempt; a failed one is retried every second (a host just back may still be starting the service). */
  #reopen(instance: ServiceEndpoint, s: Stream, attempt: number): void {
    const current = () => this.#endpoints.get(instance.id) === instance && this.#streams.get(s.id) === s;
    instance.open(s.camera, s.codec).then(
      () => {
        if (current()) s.status('SOURCE_RESTORED', `service ${instance.id} is back`);
        else void instance.close(s.camera, s.codec); // its viewers left meanwhile
      },
      (err: unknown) => {
        this.log.error({ err, stream: s.id, attempt }, 'could not re-open a stream on a returning service');
        if (current() && attempt < REOPEN_ATTEMPTS) setTimeout(() => current() && this.#reopen(instance, s, attempt + 1), 1_000).unref();
      },
    );
  }

  viewersOf(instanceId: string): number {
    let n = 0;
    for (const s of this.#streams.values()) if (s.instanceId === instanceId) n += s.viewers;
    return n;
  }

  streams(): Stream[] {
    return [...this.#streams.values()];
  }

  /** Starts warm and hot services at boot; hot ones also open their cameras (in the reverse codec for the rear view). */
  async warmUp(): Promise<void> {
    for (const instance of this.host.instances()) await this.warm(instance);
  }

  /** Starts one warm or hot instance (hot: its cameras open too); a cold one is left alone. Never rejects. What standby means: src/host/StandbyPolicy.ts. */
  warm(instance: ServiceInstance): Promise<void> {
    return warmStandby({
      instance,
      cameras: () => this.registry.get(instance.id)?.cameras ?? [],
      reverse: () => this.config.reverse,
      openStream: (camera, codec) => this.#openStream(instance, camera, codec),
      log: this.log,
    });
  }

  async #openStream(instance: ServiceEndpoint, camera: string, codec: CodecName): Promise<Stream> {
    const key = streamKey(instance.id, camera, codec);
    let stream = this.#streams.get(key);
    if (!stream) {
      const fps = instance.cameraInfo[camera]?.fps ?? this.config.cameras[camera]?.fps ?? 30;
      stream = new Stream({ id: key, instanceId: instance.id, camera, codec, fps, firstSeq: this.#nextSeq.get(key) ?? 0 });
      stream.onListenerError = (err) => this.log.error({ err, stream: key }, 'stream listener failed');
      this.#streams.set(key, stream);
      const s = stream;
      s.on('frame', () => this.metrics.framesIn.inc({ stream: key }));
      s.on('idle', () => void this.#release(s));
    }
    try {
      const opened = await instance.open(camera, codec);
      stream.fps = opened.fps;
      stream.width ||= opened.width;
      stream.height ||= opened.height;
    } catch (err) {
      if (stream.viewers === 0) this.#streams.delete(key);
      throw err;
    }
    return stream;
  }

  /**
   * Opens the stream a request would get and keeps it open, viewers or not,
   * until the returned release function is called. Reverse gear uses this so
   * the camera is capturing by the time the display's request arrives.
   */
  async hold(req: MatchRequest): Promise<() => void> {
    return this.holdOn(this.registry.match(req).id, req.camera, req.codec);
  }

  /** H.264: the group a late viewer of this stream would get now (a NATS host sends it to a gateway opening the stream); empty when none. */
  cachedGroup(instanceId: string, camera: string, codec: CodecName): readonly Buffer[] {
    return this.#streams.get(streamKey(instanceId, camera, codec))?.cachedGroup() ?? [];
  }

  /** hold() on a given instance (a NATS host holds the streams remote gateways lease). */
  async holdOn(instanceId: string, camera: string, codec: CodecName): Promise<() => void> {
    const instance = this.#endpoints.get(instanceId);
    if (!instance) throw new RevcamError('SERVICE_NOT_FOUND', `no instance ${instanceId}`);
    const stream = await this.#openStream(instance, camera, codec);
    this.#holds.set(stream.id, (this.#holds.get(stream.id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.#holds.get(stream.id) ?? 1) - 1;
      if (n > 0) this.#holds.set(stream.id, n);
      else this.#holds.delete(stream.id);
      if (n <= 0 && stream.viewers === 0) void this.#release(stream);
    };
  }

  async #release(stream: Stream): Promise<void> {
    // The endpoint of the moment: a stream may outlive the endpoint it was opened on (removeEndpoint).
    const instance = this.#endpoints.get(stream.instanceId);
    if (keepsStreamsOpen(instance) || this.#holds.has(stream.id)) return;
    if (this.#streams.get(stream.id) !== stream) return;
    this.#streams.delete(stream.id);
    this.#nextSeq.set(stream.id, stream.nextSeq);
    stream.close();
    await instance?.close(stream.camera, stream.codec);
  }

  /**
   * Matches the request, opens (or joins) the stream, and adds the viewer.
   * `beforeFirstFrame` runs before the viewer can receive anything (the transport's `accepted`).
   * Throws RevcamError.
   */
  async subscribe(req: MatchRequest, sink: ConsumerSink, asked: ViewerInfo, beforeFirstFrame?: (sub: Subscription) => void): Promise<Subscription> {
    const match = this.registry.match(req);
    const instance = this.#endpoints.get(match.id);
    if (!instance) throw new RevcamError('SERVICE_NOT_FOUND', `instance ${match.id} is gone`);
    const viewer: ViewerInfo = { ...asked, vehicle: instance.vehicle };
    // Limits are checked before the camera opens: a refused viewer costs nothing.
    const ticket = this.admit(viewer, streamKey(instance.id, req.camera, req.codec));
    let stream: Stream;
    try {
      stream = await this.#openStream(instance, req.camera, req.codec);
    } catch (err) {
      ticket.release();
      throw err;
    }
    const consumer = new Consumer({
      id: `v${++this.#viewerSeq}`,
      sink,
      queueFrames: this.config.stream.viewerQueueFrames,
      maxBufferedBytes: this.config.stream.viewerMaxBufferedBytes,
      metaInForce: () => stream.metadata,
    });
    this.#viewerOf.set(consumer, viewer);
    consumer.on('slow', (dropped) => this.log.warn({ stream: stream.id, viewer: consumer.id, dropped }, 'viewer too slow; dropping frames'));
    const sub = { stream, consumer, instance, version: match.version, viewer };
    ticket.attach(consumer);
    const join = () => {
      beforeFirstFrame?.(sub);
      this.openSession(consumer, viewer, instance, sub.stream.camera, sub.stream.codec);
      sub.stream.add(consumer);
      this.onViewerAdded?.(sub);
    };
    // A stream just opened has no frame yet, so neither its overlay nor its real size: the viewer
    // joins at the first frame (so `accepted` carries them, docs/protocol.md §3.2), or after a short wait without.
    try {
      const joined = await new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => {
          cancel();
          resolve(false);
        }, FIRST_FRAME_WAIT_MS);
        const cancel = stream.beforeFirstFrame(() => {
          clearTimeout(timer);
          try {
            join();
            resolve(true);
          } catch (err) {
            reject(err as Error);
          }
        });
      });
      if (!joined) {
        // Released meanwhile (its other viewers left): open it again rather than join a closed stream.
        if (this.#streams.get(stream.id) !== stream) sub.stream = stream = await this.#openStream(instance, req.camera, req.codec);
        join();
      }
    } catch (err) {
      ticket.release();
      throw err;
    }
    return sub;
  }

  /**
   * Takes a viewer's place under config.limits or throws CAPACITY_EXCEEDED.
   * When the total is reached and a lower-priority viewer is live, that one
   * is ended (its consumer emits 'end') and the new one takes its place.
   */
  admit(viewer: ViewerInfo, stream: string): ViewerTicket {
    const { device } = viewer;
    const slot: Slot = {
      deviceId: device.id,
      anonymous: device.anonymous,
      exempt: device === SYSTEM_DEVICE,
      priority: this.config.auth.roles[device.role]?.priority ?? 0,
      stream,
      sheddable: false,
    };
    const decision = admitViewer(this.config.limits, [...this.#slots], slot);
    if (!decision.admit) throw new RevcamError('CAPACITY_EXCEEDED', decision.reason);
    if (decision.shed) {
      const shed = decision.shed;
      this.#slots.delete(shed);
      this.log.warn({ shed: shed.consumer?.id, device: shed.deviceId, for: device.id }, 'viewer shed for a higher-priority one');
      shed.consumer?.end(new RevcamError('CAPACITY_EXCEEDED', `the viewer limit is reached and a higher-priority device (${device.role}) took this place`));
    }
    this.#slots.add(slot);
    return {
      attach: (consumer) => {
        slot.consumer = consumer;
        slot.sheddable = true;
        this.#slotOf.set(consumer, slot);
      },
      release: () => void this.#slots.delete(slot),
    };
  }

  /** Ends every viewer `reasonFor` gives a reason (Consumer.end: its transport tells it the reason and closes). Returns how many. */
  endViewers(reasonFor: (viewer: ViewerInfo, watching: WatchedStream) => RevcamError | undefined): number {
    let n = 0;
    for (const s of this.#streams.values()) {
      const watching: WatchedStream = { service: this.#endpoints.get(s.instanceId)?.manifest.name ?? s.instanceId.split('#')[0]!, camera: s.camera };
      for (const c of [...s.consumers()]) {
        const viewer = this.#viewerOf.get(c);
        const reason = viewer && !c.closed ? reasonFor(viewer, watching) : undefined;
        if (reason) {
          c.end(reason);
          n++;
        }
      }
    }
    return n;
  }

  /** Starts the audit record of a viewer (the hub's own, and the overlay taps'). */
  openSession(consumer: Consumer, viewer: ViewerInfo, instance: ServiceEndpoint, camera: string, codec: CodecName): void {
    const { device } = viewer;
    this.sessions.open(
      { id: consumer.id, device: device.id, role: device.role, address: device.address ?? null, vehicle: instance.vehicle ?? null, service: instance.manifest.name, instance: instance.id, camera, codec, transport: viewer.transport, start: new Date().toISOString() },
      () => ({ frames: consumer.sent, bytes: consumer.sentBytes, dropped: consumer.dropped }),
    );
  }

  /** Removes the viewer; `reason` (default `client closed`) goes to the audit log. */
  unsubscribe(sub: Subscription, reason?: EndReason): void {
    this.sessions.end(sub.consumer.id, endReasonOf(sub.consumer) ?? reason);
    const slot = this.#slotOf.get(sub.consumer);
    if (slot) this.#slots.delete(slot);
    const key = `${sub.stream.id}|${sub.viewer.transport}`;
    const t = this.#retired.get(key) ?? { sent: 0, dropped: 0, bytes: 0 };
    t.sent += sub.consumer.sent;
    t.dropped += sub.consumer.dropped;
    t.bytes += sub.consumer.sentBytes;
    this.#retired.set(key, t);
    sub.stream.remove(sub.consumer);
  }

  /** Live viewers' counts plus those of viewers that left, per stream and transport. */
  viewerTotals(): ViewerTotals[] {
    const out = new Map<string, ViewerTotals>();
    const get = (stream: string, transport: string) => {
      const k = `${stream}|${transport}`;
      let t = out.get(k);
      if (!t) out.set(k, (t = { stream, transport, viewers: 0, sent: 0, dropped: 0, bytes: 0 }));
      return t;
    };
    for (const [k, r] of this.#retired) {
      const [stream = '', transport = ''] = k.split('|');
      Object.assign(get(stream, transport), r);
    }
    for (const s of this.#streams.values()) {
      for (const c of s.consumers()) {
        const t = get(s.id, this.#viewerOf.get(c)?.transport ?? 'unknown');
        t.viewers++;
        t.sent += c.sent;
        t.dropped += c.dropped;
        t.bytes += c.sentBytes;
      }
    }
    return [...out.values()];
  }

  async close(): Promise<void> {
    this.sessions.endAll('server shutdown');
    for (const s of this.#streams.values()) s.close();
    this.#streams.clear();
  }
}
