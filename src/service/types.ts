/**
 * The contract between the platform and a micro-service's loaded logic.
 * A service module's default export is a ServiceFactory; it runs inside an
 * isolated child process (see src/host) and never sees sockets or viewers.
 */
import type { CalibrationConfig, CameraConfig, VehicleConfig } from '../config/types.js';
import type { SourceFrame } from '../source/Source.js';
import type { CodecName } from '../wire/frame.js';
import type { FrameMeta } from '../wire/overlay.js';
import type { StreamEvent } from '../wire/messages.js';
import type { SignalSample } from '../wire/signals.js';

/** A service's manifest: who it is and what it can deliver. Validated on load. */
export interface ServiceManifest {
  /** Lower-case name devices ask for, e.g. `reversing`. */
  name: string;
  /** Semver. */
  version: string;
  /** What the service does, e.g. `reversing`, `cabin-view`. */
  kind: string;
  /** Camera ids (keys of config.cameras) the service can open. */
  cameras: string[];
  codecs: CodecName[];
  /** Module path, relative to the manifest, whose default export is a ServiceFactory. */
  module: string;
  /** VSS paths (or prefixes ending in `.`) the service wants delivered to onSignals. */
  signals?: string[];
  /**
   * Streams this service is a viewer of, `service/camera` (H.264), e.g.
   * `reversing/rear` for the recorder: the platform subscribes to each while
   * the service runs and hands it every frame (onFrame) under the stream's
   * bounded-queue rules. It adds no capture and no encode.
   */
  records?: string[];
  /**
   * How long the platform may hold the recorded streams' frames to hand them
   * over together (default 0: each at once). A recorder needs no latency, and
   * one wakeup per batch costs its process far less than one per frame.
   */
  recordsBatchMs?: number;
}

export interface OpenedCamera {
  width: number;
  height: number;
  fps: number;
}

export interface ServiceContext {
  manifest: ServiceManifest;
  /** Only the cameras this service may use. */
  cameras: Readonly<Record<string, CameraConfig>>;
  vehicle: Readonly<VehicleConfig>;
  /** The service kind's own config section (the recorder's `recorder` settings), when the platform has one for it. */
  settings?: unknown;
  /** Hands one encoded frame to the platform; `meta` only when it changed. */
  emitFrame(camera: string, frame: SourceFrame, meta?: FrameMeta): void;
  /** Tells the viewers of a camera about its health; the connection stays open. */
  emitStatus(camera: string, event: StreamEvent, message: string): void;
  log(level: 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>): void;
}

export interface ServiceLogic {
  /** Opens the camera (idempotent) and starts emitting frames in `codec`. */
  openCamera(camera: string, codec: CodecName): Promise<OpenedCamera>;
  /** Stops emitting `codec` for the camera; releases the device when nothing is left open. */
  closeCamera(camera: string, codec: CodecName): Promise<void>;
  /** Releases everything; the process exits after it resolves. */
  stop(): Promise<void>;
  /**
   * Vehicle signals the manifest subscribed to (`signals`), coalesced: at most
   * one call per frame interval with the latest value per path. The whole
   * current snapshot arrives first after every (re)start.
   */
  onSignals?(samples: SignalSample[]): void;
  /**
   * The context's `cameras` or `vehicle` were replaced (a live reload of the config): geometry drawn
   * from now on uses them, and a camera added is opened from them. An open camera may keep its source.
   */
  onSettings?(): void;
  /**
   * The camera's calibration as the installer last solved it (docs/calibration.md),
   * in place of `cameras[camera].calibration`: geometry drawn from now on uses it.
   * Delivered again after every (re)start. The camera's source is not touched.
   */
  onCalibration?(camera: string, calibration: CalibrationConfig): void;
  /** A frame of a stream the manifest `records` (`service/camera`): a revcam wire frame, H.264. */
  onFrame?(stream: string, wire: Buffer): void;
  /**
   * The service's own operations, called by the platform (the recorder's
   * trigger, lock, delete). The result must be JSON; a thrown RevcamError
   * keeps its code on the way back.
   */
  call?(method: string, args: unknown): Promise<unknown>;
}

export type ServiceFactory = (ctx: ServiceContext) => ServiceLogic | Promise<ServiceLogic>;
