/**
 * A service instance as the StreamHub and the Registry see it, wherever it
 * runs: a supervised child process on this machine (ServiceInstance) or a
 * service announced by another host on NATS (src/nats/RemoteServiceEndpoint).
 * The hub opens and closes cameras and listens to frames and health; how the
 * frames get here is the endpoint's business.
 */
import type { ServiceConfig } from '../config/types.js';
import type { OpenedCamera, ServiceManifest } from '../service/types.js';
import type { CodecName } from '../wire/frame.js';
import type { StreamEvent } from '../wire/messages.js';

export type InstanceState = 'stopped' | 'starting' | 'running' | 'backoff' | 'failed' | 'stopping';

export type ServiceEndpointEvents = {
  /** One wire frame (src/wire/frame.ts) for a camera; the buffer is the receiver's to modify. */
  frame: [camera: string, wireFrame: Buffer];
  /**
   * H.264 from a remote host: the group of pictures it had cached when this
   * gateway opened the stream (keyframe first), before any live frame of it.
   */
  group: [camera: string, codec: CodecName, frames: Buffer[]];
  status: [camera: string, event: StreamEvent, message: string];
  state: [state: InstanceState];
  /** A restart after a failure is being spawned (once per failure). */
  restart: [];
};

type Listener<A extends unknown[]> = (...args: A) => void;

export interface ServiceEndpoint {
  /** Unique in this process: the local instance id, or `<vehicle>/<instance>` for a remote one. */
  readonly id: string;
  readonly manifest: ServiceManifest;
  readonly state: InstanceState;
  /** Where it runs, for /api/services and the registry's preference for local instances. */
  readonly location: 'local' | 'remote';
  /** The vehicle it belongs to; undefined for the embedded default, which names none. */
  readonly vehicle: string | undefined;
  /** `standby` decides whether the hub keeps its streams open without viewers (`hot`). */
  readonly config: Pick<ServiceConfig, 'standby'>;
  /** Output size and rate of each camera it can open (only cameras it can actually open). */
  readonly cameraInfo: Readonly<Record<string, { width: number; height: number; fps: number }>>;
  readonly restarts: number;
  readonly consecutiveFailures: number;
  readonly lastError: string | undefined;
  /** Opens a camera in a codec (idempotent per camera/codec). Throws RevcamError. */
  open(camera: string, codec: CodecName): Promise<OpenedCamera>;
  close(camera: string, codec: CodecName): Promise<void>;
  on<K extends keyof ServiceEndpointEvents>(event: K, fn: Listener<ServiceEndpointEvents[K]>): unknown;
  off<K extends keyof ServiceEndpointEvents>(event: K, fn: Listener<ServiceEndpointEvents[K]>): unknown;
}
