/**
 * One supervised service, as the hub, the registry and the app see it: a
 * facade over three parts, one job each.
 *
 * - ChildSupervisor.ts: the child process: spawn, ready, ping for hangs,
 *   restart after the backoff of restartBackoff.ts, stop.
 * - ServiceChannel.ts: request/reply to the child over IPC.
 * - WantedCameras.ts and ServiceInputs.ts: the service's own state, kept
 *   across children: the cameras to (re)open, the idle stop, signals,
 *   calibrations and the recorded frames it is fed.
 *
 * The supervision rule itself is in ChildSupervisor.ts and
 * docs/architecture.md "Supervision".
 */
import type { ChildProcess } from 'node:child_process';
import type { CalibrationConfig, CameraConfig, ServiceConfig, VehicleConfig } from '../config/types.js';
import { ERROR_CODES, RevcamError } from '../errors/RevcamError.js';
import { TypedEmitter } from '../events/TypedEmitter.js';
import type { Logger } from '../log/logger.js';
import type { OpenedCamera, ServiceManifest } from '../service/types.js';
import type { CodecName } from '../wire/frame.js';
import type { SignalSample } from '../wire/signals.js';
import { ChildSupervisor, type ServiceTelemetry } from './ChildSupervisor.js';
import { backoffDelay, type RestartBackoff } from './restartBackoff.js';
import type { ChildMessage } from './childProtocol.js';
import type { InstanceState, ServiceEndpoint, ServiceEndpointEvents } from './ServiceEndpoint.js';
import { ServiceInputs } from './ServiceInputs.js';
import { WantedCameras } from './WantedCameras.js';

export type { InstanceState } from './ServiceEndpoint.js';
export type { ServiceTelemetry } from './ChildSupervisor.js';
export { DEFAULT_STABLE_AFTER_MS, FAILURE_THRESHOLD } from './restartBackoff.js';

export interface ServiceInstanceOptions {
  id: string;
  manifest: ServiceManifest;
  moduleUrl: string;
  service: ServiceConfig;
  cameras: Record<string, CameraConfig>;
  vehicle: VehicleConfig;
  /** The vehicle's name on a bus (`revcam host --vehicle`); none in the embedded default. */
  vehicleId?: string | undefined;
  log: Logger;
  /** Ping period and how many missed pongs mean "hung". */
  pingIntervalMs?: number;
  missedPongsForHang?: number;
  /** A start that does not report ready within this time counts as a failure. */
  startTimeoutMs?: number;
  /** Running this long resets the consecutive-failure count (default DEFAULT_STABLE_AFTER_MS). */
  stableAfterMs?: number;
  /** Where a new child comes from: the spare service host when there is one (ServiceHost), else a fresh fork. */
  spawnChild?: () => ChildProcess;
  /** The service kind's own config section, handed to the child at init (ServiceContext.settings). */
  settings?: unknown;
}

export type ServiceInstanceEvents = ServiceEndpointEvents;

type CameraInfo = Readonly<Record<string, { width: number; height: number; fps: number }>>;

export class ServiceInstance extends TypedEmitter<ServiceInstanceEvents> implements ServiceEndpoint {
  readonly id: string;
  readonly manifest: ServiceManifest;
  readonly location = 'local' as const;
  readonly vehicle: string | undefined;
  #cameraInfo: CameraInfo = {};
  #opts: ServiceInstanceOptions;
  #supervisor: ChildSupervisor;
  #cameras: WantedCameras;
  #inputs: ServiceInputs;

  /** The wait before restart number n of a series (restartBackoff.ts; kept here for the tests and docs that name it). */
  static backoffDelay(restart: RestartBackoff, consecutiveFailures: number): number {
    return backoffDelay(restart, consecutiveFailures);
  }

  constructor(opts: ServiceInstanceOptions) {
    super();
    this.#opts = opts;
    this.id = opts.id;
    this.manifest = opts.manifest;
    this.vehicle = opts.vehicleId;
    this.#setCameraInfo();
    const { id, log } = opts;
    this.#supervisor = new ChildSupervisor(
      {
        id,
        log,
        pingIntervalMs: opts.pingIntervalMs,
        missedPongsForHang: opts.missedPongsForHang,
        startTimeoutMs: opts.startTimeoutMs,
        stableAfterMs: opts.stableAfterMs,
        spawnChild: opts.spawnChild,
        restart: () => this.#opts.service.restart,
        init: () => ({
          op: 'init',
          service: this.id,
          manifest: this.manifest,
          moduleUrl: this.#opts.moduleUrl,
          cameras: this.#opts.cameras,
          vehicle: this.#opts.vehicle,
          ...(this.#opts.settings !== undefined && { settings: this.#opts.settings }),
        }),
      },
      {
        // A viewer service (the recorder: manifest `records`) is wanted for as long as it runs, whatever its
        // standby: a crash restarts it, or evidence recording would stop until the next boot.
        wanted: () => this.#cameras.keepRunning() || (this.manifest.records?.length ?? 0) > 0,
        onRunning: () => this.#inputs.sendSnapshot(),
        onLost: (reason) => this.#cameras.markLost(reason),
        onRestarted: () => void this.#cameras.reopen(),
        onState: (s) => this.emit('state', s),
        onRestart: () => this.emit('restart'),
        onFrame: (camera, wire) => this.emit('frame', camera, wire),
        onStatus: (camera, event, message) => this.emit('status', camera, event, message),
      },
    );
    this.#cameras = new WantedCameras({
      id,
      log,
      supervisor: this.#supervisor,
      config: () => this.#opts.service,
      stop: () => this.stop(),
      status: (camera, event, message) => this.emit('status', camera, event, message),
    });
    this.#inputs = new ServiceInputs(this.#supervisor, opts.manifest.signals ?? [], opts.manifest.recordsBatchMs);
  }

  /** The cameras of its manifest that the config defines, with their output size and rate. */
  get cameraInfo(): CameraInfo {
    return this.#cameraInfo;
  }

  #setCameraInfo(): void {
    const info: Record<string, { width: number; height: number; fps: number }> = {};
    for (const cam of this.#opts.manifest.cameras) {
      const c = this.#opts.cameras[cam];
      if (c) info[cam] = { width: c.width, height: c.height, fps: c.fps };
    }
    this.#cameraInfo = info;
  }

  /**
   * Live reload (src/app/reload): the service's settings (standby, idle stop, restart backoff), its
   * cameras and the vehicle, from now on. A running child gets the cameras and vehicle at once (its
   * guidelines follow); an open camera keeps its source until it next opens. The caller has closed the
   * cameras that are gone first (StreamHub.dropCameras). An installer calibration of a camera whose
   * configured calibration changed gives way to the config's.
   */
  reconfigure(change: { service: ServiceConfig; cameras: Record<string, CameraConfig>; vehicle: VehicleConfig }): void {
    const before = this.#opts.cameras;
    this.#opts = { ...this.#opts, service: change.service, cameras: change.cameras, vehicle: change.vehicle };
    this.#setCameraInfo();
    this.#inputs.reconfigure(before, change.cameras, change.vehicle);
    if (this.state === 'running') this.#cameras.armIdleStop(); // a service made cold with nothing open stops after idleStopMs
  }

  get state(): InstanceState {
    return this.#supervisor.state;
  }

  get pid(): number | undefined {
    return this.#supervisor.pid;
  }

  get config(): ServiceConfig {
    return this.#opts.service;
  }

  get restarts(): number {
    return this.#supervisor.restarts;
  }

  /** Failed starts or crashes since the service last ran stably. */
  get consecutiveFailures(): number {
    return this.#supervisor.consecutiveFailures;
  }

  get lastError(): string | undefined {
    return this.#supervisor.lastError;
  }

  /** Frames out, frames dropped (summed over every child) and the current child's RSS. */
  get telemetry(): ServiceTelemetry {
    return this.#supervisor.telemetry;
  }

  openCameras(): string[] {
    return this.#cameras.keys();
  }

  /**
   * Starts the child if it is not running; resolves once the module is loaded.
   * During backoff it waits for the scheduled restart; when `failed` it rejects at once.
   */
  start(): Promise<void> {
    return this.#supervisor.start();
  }

  /** Whether the manifest subscribed to this VSS path (exact, or a prefix ending in `.`). */
  wantsSignal(path: string): boolean {
    return this.#inputs.wantsSignal(path);
  }

  /**
   * Forwards signal samples the service subscribed to, coalesced so a
   * 100 Hz CAN bus costs the child at most one message per ~16 ms.
   */
  deliverSignals(samples: readonly SignalSample[]): void {
    this.#inputs.deliverSignals(samples);
  }

  /**
   * Applies a new calibration of one of this service's cameras to the running
   * child at once and to every later (re)start. False when the service has no such camera.
   */
  setCalibration(camera: string, calibration: CalibrationConfig): boolean {
    if (!Object.hasOwn(this.#opts.cameras, camera)) return false;
    this.#inputs.setCalibration(camera, calibration);
    return true;
  }

  /**
   * Calls one of the service's own operations (ServiceLogic.call) in the
   * running child and returns its result. Throws RevcamError: the service's
   * own code when it threw a coded error, SERVICE_FAILED when it is not
   * running or does not answer.
   */
  async call(method: string, args: unknown, timeoutMs = 5_000): Promise<unknown> {
    if (this.state !== 'running') throw new RevcamError('SERVICE_FAILED', `service ${this.id} is ${this.state}`);
    let reply: ChildMessage;
    try {
      reply = await this.#supervisor.channel.request({ op: 'call', method, args }, timeoutMs);
    } catch (err) {
      throw new RevcamError('SERVICE_FAILED', `service ${this.id}: ${method} got no answer (${(err as Error).message})`, { cause: err });
    }
    if (reply.op !== 'reply') throw new RevcamError('SERVICE_FAILED', `service ${this.id}: bad reply to ${method}`);
    if (reply.ok) return reply.result;
    const code = (ERROR_CODES as string[]).includes(reply.code ?? '') ? (reply.code as RevcamError['code']) : 'SERVICE_FAILED';
    throw new RevcamError(code, reply.message);
  }

  /**
   * Hands the running child a frame of a stream it records (manifest
   * `records`) on the frame pipe, parent → child; `done` once written.
   * False (and `done` not called) when no child runs.
   */
  writeFrame(stream: string, wire: Buffer, done: (err?: Error | null) => void): boolean {
    return this.#inputs.writeFrame(stream, wire, done);
  }

  /** Bytes written to the child's frame pipe it has not taken yet (a recorded stream's consumer reads it). */
  get frameInputBacklog(): number {
    return this.#inputs.frameInputBacklog;
  }

  /** Recorded frames a batch may hold (the manifest's recordsBatchMs): ConsumerSink.holdsFrames of the recording viewer. */
  get recordsHeldFrames(): number {
    return this.#inputs.heldFrames;
  }

  /** Opens a camera in a codec, starting the service if needed. Throws RevcamError. */
  open(camera: string, codec: CodecName): Promise<OpenedCamera> {
    return this.#cameras.open(camera, codec);
  }

  close(camera: string, codec: CodecName): Promise<void> {
    return this.#cameras.close(camera, codec);
  }

  /**
   * Stops the child for good: a request, restart or recorder feed that comes
   * later (a shutdown races them all) is refused instead of spawning a child
   * nobody will stop, which would keep the process alive.
   */
  shutdown(graceMs = 2000): Promise<void> {
    this.#supervisor.close();
    return this.stop(graceMs);
  }

  /** Stops the child gracefully (SIGKILL after a grace period) and forgets open cameras. */
  stop(graceMs = 2000): Promise<void> {
    this.#cameras.forget();
    this.#inputs.stop();
    return this.#supervisor.stop(graceMs);
  }
}
