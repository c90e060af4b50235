/**
 * A recorded vehicle: announces the reversing service on NATS exactly as
 * `revcam host` does — the very NatsServiceHost (services framework
 * metadata, open/close endpoints, leases, one publish per frame) — but its
 * "camera" replays wire frames recorded once from the synthetic camera, with
 * a fresh capture time and sequence number in each header, at the camera's
 * rate. No render, no encode, no service process: what the bus and a gateway
 * pay per vehicle, without the cost of making pictures.
 *
 * NatsServiceHost is given a stand-in ServiceHost (one instance) and
 * StreamHub (holdOn starts the replay, its release stops it); it uses no
 * other part of them.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { TypedEmitter } from '../../src/events/TypedEmitter.js';
import type { ServiceHost } from '../../src/host/ServiceHost.js';
import type { InstanceState, ServiceEndpointEvents } from '../../src/host/ServiceEndpoint.js';
import { createLogger } from '../../src/log/logger.js';
import { NatsServiceHost } from '../../src/nats/NatsServiceHost.js';
import { manifest as reversingManifest } from '../../src/services/reversing/manifest.js';
import type { OpenedCamera } from '../../src/service/types.js';
import type { StreamHub } from '../../src/stream/StreamHub.js';
import { decodeHeader, nowUs, type CodecName } from '../../src/wire/frame.js';

/** The replayed reversing service: the fields and events NatsServiceHost reads from a ServiceInstance. */
class RecordedInstance extends TypedEmitter<ServiceEndpointEvents> {
  readonly id = 'reversing';
  readonly manifest = { ...reversingManifest, codecs: ['jpeg'] as CodecName[] };
  readonly config = { standby: 'warm' as const };
  readonly cameraInfo: Record<string, OpenedCamera>;
  readonly state: InstanceState = 'running';
  readonly restarts = 0;
  readonly consecutiveFailures = 0;
  readonly lastError: string | undefined = undefined;

  constructor(camera: OpenedCamera) {
    super();
    this.cameraInfo = { rear: camera };
  }

  async open(camera: string): Promise<OpenedCamera> {
    return this.cameraInfo[camera]!;
  }

  async close(): Promise<void> {}

  /** One frame from the replay, as a service's frame reaches its ServiceInstance. */
  frame(wire: Buffer): void {
    this.emit('frame', 'rear', wire);
  }
}

/** Replays the recorded frames on `instance` at `fps` from a random phase; a tick that comes too late is skipped, as a camera drops. */
class Replay {
  skipped = 0;
  #timer: NodeJS.Timeout | undefined;
  #seq = 0;
  #n = 0;

  constructor(
    private readonly instance: RecordedInstance,
    private readonly frames: readonly Buffer[],
    private readonly fps: number,
  ) {}

  start(): void {
    const interval = 1000 / this.fps;
    const t0 = performance.now() + Math.random() * interval;
    let k = 0;
    const tick = (): void => {
      const buf = Buffer.from(this.frames[this.#n++ % this.frames.length]!);
      buf.writeUInt32LE(this.#seq++ >>> 0, 8);
      buf.writeBigUInt64LE(BigInt(Math.round(nowUs())), 12);
      this.instance.frame(buf);
      // The next slot on the camera's clock; slots already past are dropped, as a camera that falls behind drops frames.
      const due = Math.max(k + 1, Math.floor((performance.now() - t0) / interval) + 1);
      if (due > k + 1) this.skipped += due - k - 1;
      k = due;
      this.#timer = setTimeout(tick, Math.max(0, t0 + k * interval - performance.now()));
    };
    this.#timer = setTimeout(tick, Math.max(0, t0 - performance.now()));
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

export interface RecordedVehicleStats {
  vehicle: string;
  published: number;
  skipped: number;
  leased: number;
}

export class RecordedVehicle {
  #nc: NatsConnection | undefined;
  #host: NatsServiceHost | undefined;
  #instance: RecordedInstance;
  #replay: Replay;
  #holds = 0;

  constructor(
    readonly vehicle: string,
    frames: readonly Buffer[],
    readonly fps = 30,
  ) {
    const h = decodeHeader(frames[0]!);
    this.#instance = new RecordedInstance({ width: h.width, height: h.height, fps });
    this.#replay = new Replay(this.#instance, frames, fps);
  }

  /** Its own NATS connection, its service announced. */
  async start(natsUrl: string): Promise<void> {
    this.#nc = await connect({ servers: natsUrl, name: `revcam bench recorded ${this.vehicle}`, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    const services = { instances: () => [this.#instance] } as unknown as ServiceHost;
    const hub = { holdOn: async () => this.#hold() } as unknown as StreamHub;
    this.#host = new NatsServiceHost({ nc: this.#nc, host: services, hub, vehicle: this.vehicle, log: createLogger('warn') });
    await this.#host.start();
  }

  /** The first gateway's lease starts the replay; the last release stops it (NatsServiceHost holds once per stream). */
  #hold(): () => void {
    if (this.#holds++ === 0) this.#replay.start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#holds === 0) this.#replay.stop();
    };
  }

  stats(): RecordedVehicleStats {
    return { vehicle: this.vehicle, published: this.#host?.published ?? 0, skipped: this.#replay.skipped, leased: this.#host?.leased().length ?? 0 };
  }

  async stop(): Promise<void> {
    this.#replay.stop();
    await this.#host?.stop();
    await this.#nc?.drain().catch(() => this.#nc?.close());
  }
}
