/**
 * One supervised service: a child process running the module its manifest
 * names. It starts on demand (or at boot for warm standby), is pinged for
 * liveness, is restarted with exponential backoff when it dies or hangs, and
 * re-opens the cameras it had open so viewers resume on the same connection.
 *
 * Supervision rule (docs/architecture.md "Supervision"): every child that
 * ends without being asked to (crash, kill, hang, failed start) is exactly one
 * failure and is followed by exactly one restart, spawned
 * min(maxDelayMs, initialDelayMs · 2^(n−1)) after its exit, n being the
 * consecutive failures so far. From the FAILURE_THRESHOLD-th consecutive
 * failure the instance is `failed` while it is down (new requests get
 * SERVICE_FAILED) but keeps retrying on the same schedule; a child that has
 * run for stableAfterMs resets the count. Requests that arrive during
 * backoff never spawn early: they wait for the scheduled restart.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { CalibrationConfig, CameraConfig, ServiceConfig, VehicleConfig } from '../config/types.js';
import { ERROR_CODES, RevcamError } from '../errors/RevcamError.js';
import { TypedEmitter } from '../events/TypedEmitter.js';
import type { Logger } from '../log/logger.js';
import type { OpenedCamera, ServiceManifest } from '../service/types.js';
import type { CodecName } from '../wire/frame.js';
import type { SignalSample } from '../wire/signals.js';
import { FRAME_PIPE_FD, FrameRecordParser, recordPrefix, type ChildMessage, type ParentMessage } from './childProtocol.js';
import type { InstanceState, ServiceEndpoint, ServiceEndpointEvents } from './ServiceEndpoint.js';
import { forkServiceChild } from './spareHost.js';

export type { InstanceState } from './ServiceEndpoint.js';

/** Consecutive failures after which an instance counts as `failed` while it is down. */
export const FAILURE_THRESHOLD = 5;
/** A child that has run this long without failing resets the consecutive-failure count. */
export const DEFAULT_STABLE_AFTER_MS = 10_000;

/** What the child reports with every pong, summed over the children the instance has had. */
export interface ServiceTelemetry {
  framesOut: number;
  framesDropped: number;
  /** Resident memory of the current child; 0 when none runs. */
  rssBytes: number;
}

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

interface Wanted {
  camera: string;
  codec: CodecName;
  opened?: OpenedCamera | undefined;
  /** The open in flight in the current child, shared by a new request and the re-open after a restart. */
  opening?: Promise<OpenedCamera> | undefined;
  /** Open when the child died: its viewers are owed SOURCE_RESTORED. */
  lost?: boolean;
}

const openKey = (camera: string, codec: CodecName) => `${camera}/${codec}`;

/** A request as sent before its id is given (distributes over the union). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export class ServiceInstance extends TypedEmitter<ServiceInstanceEvents> implements ServiceEndpoint {
  readonly id: string;
  readonly manifest: ServiceManifest;
  readonly location = 'local' as const;
  readonly vehicle: string | undefined;
  #cameraInfo: Readonly<Record<string, { width: number; height: number; fps: number }>> = {};
  #opts: ServiceInstanceOptions;
  #state: InstanceState = 'stopped';
  #child: ChildProcess | undefined;
  #starting: Promise<void> | undefined;
  /** Set by shutdown(): the host is shutting down, and nothing may spawn a child again. */
  #closed = false;
  #requestId = 0;
  #replies = new Map<number, { resolve: (m: ChildMessage) => void; reject: (e: Error) => void }>();
  /** Cameras that should be open; re-opened after a restart. */
  #wanted = new Map<string, Wanted>();
  /** Callers of start() during backoff: settled by the scheduled restart, never by an early spawn. */
  #waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  #stableTimer: NodeJS.Timeout | undefined;
  #telemetryBase = { framesOut: 0, framesDropped: 0 };
  #telemetryChild = { framesOut: 0, framesDropped: 0, rssBytes: 0 };
  #restartTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #missedPongs = 0;
  #failures = 0;
  /** Latest value per subscribed path: the snapshot a (re)started child gets first. */
  #signals = new Map<string, SignalSample>();
  #signalsDirty = new Set<string>();
  #signalTimer: NodeJS.Timeout | undefined;
  /** Calibrations solved since boot, per camera: sent after every (re)start, as the signals snapshot is. */
  #calibrations = new Map<string, CalibrationConfig>();
  restarts = 0;
  /** Failed starts or crashes since the service last ran stably. */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  lastError: string | undefined;

  constructor(opts: ServiceInstanceOptions) {
    super();
    this.#opts = opts;
    this.id = opts.id;
    this.manifest = opts.manifest;
    this.vehicle = opts.vehicleId;
    this.#setCameraInfo();
  }

  /** The cameras of its manifest that the config defines, with their output size and rate. */
  get cameraInfo(): Readonly<Record<string, { width: number; height: number; fps: number }>> {
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
    for (const camera of this.#calibrations.keys()) {
      if (JSON.stringify(before[camera]?.calibration) !== JSON.stringify(change.cameras[camera]?.calibration)) this.#calibrations.delete(camera);
    }
    this.#opts = { ...this.#opts, service: change.service, cameras: change.cameras, vehicle: change.vehicle };
    this.#setCameraInfo();
    if (this.#state === 'running') {
      this.#post({ op: 'settings', cameras: change.cameras, vehicle: change.vehicle });
      for (const [camera, calibration] of this.#calibrations) this.#post({ op: 'calibration', camera, calibration });
      this.#armIdleStop(); // a service made cold with nothing open stops after idleStopMs
    }
  }

  get state(): InstanceState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get config(): ServiceConfig {
    return this.#opts.service;
  }

  openCameras(): string[] {
    return [...this.#wanted.keys()];
  }

  #setState(s: InstanceState): void {
    if (s === this.#state) return;
    this.#state = s;
    clearTimeout(this.#stableTimer);
    if (s === 'running') {
      this.#stableTimer = setTimeout(() => (this.#failures = 0), this.#opts.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS);
      this.#stableTimer.unref();
    }
    this.emit('state', s);
  }

  /** Frames out, frames dropped (summed over every child) and the current child's RSS. */
  get telemetry(): ServiceTelemetry {
    return {
      framesOut: this.#telemetryBase.framesOut + this.#telemetryChild.framesOut,
      framesDropped: this.#telemetryBase.framesDropped + this.#telemetryChild.framesDropped,
      rssBytes: this.#child ? this.#telemetryChild.rssBytes : 0,
    };
  }

  /**
   * Starts the child if it is not running; resolves once the module is loaded.
   * During backoff it waits for the scheduled restart; when `failed` it rejects at once.
   */
  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new RevcamError('SERVICE_FAILED', `service ${this.id} is shut down`));
    if (this.#state === 'running') return Promise.resolve();
    if (this.#starting) return this.#starting;
    if (this.#state === 'failed') {
      return Promise.reject(new RevcamError('SERVICE_FAILED', `service ${this.id} failed ${this.#failures} times in a row (${this.lastError ?? 'unknown'}); retrying`));
    }
    if (this.#state === 'backoff') return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    return this.#startNow();
  }

  #startNow(): Promise<void> {
    this.#starting = this.#spawn().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  #spawn(): Promise<void> {
    this.#setState('starting');
    const { log } = this.#opts;
    const child = this.#opts.spawnChild?.() ?? forkServiceChild({ env: { REVCAM_SERVICE: this.id } });
    this.#child = child;
    this.#telemetryChild = { framesOut: 0, framesDropped: 0, rssBytes: 0 };
    // A dying child makes IPC writes and pipe reads fail (EPIPE, ECONNRESET): its exit is what counts,
    // and an unhandled 'error' here would take the whole gateway down.
    child.on('error', (err) => log.warn({ err, service: this.id, pid: child.pid }, 'service child channel error'));
    for (const pipe of child.stdio) pipe?.on('error', (err: Error) => log.warn({ err, service: this.id, pid: child.pid }, 'service child pipe error'));
    const parser = new FrameRecordParser((camera, wire) => this.emit('frame', camera, wire));
    (child.stdio[FRAME_PIPE_FD] as Readable).on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        log.error({ err, service: this.id }, 'corrupt frame pipe; killing service');
        child.kill('SIGKILL');
      }
    });
    child.on('message', (m) => this.#onMessage(m as ChildMessage));
    child.on('exit', (code, signal) => this.#onExit(child, code, signal));

    return new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => fail(new Error('service did not become ready in time')), this.#opts.startTimeoutMs ?? 10_000);
      const onMsg = (m: ChildMessage) => {
        if (m.op === 'ready') done();
        else if (m.op === 'initFailed') fail(new Error(m.message));
      };
      const onExit = () => fail(new Error(this.lastError ?? 'service exited during start'));
      const exited = () => child.exitCode !== null || child.signalCode !== null;
      const cleanup = () => {
        clearTimeout(timeout);
        child.off('message', onMsg);
        child.off('exit', onExit);
      };
      const done = () => {
        cleanup();
        // stop() came while the child was loading: it has been told to stop, and its exit settles this start.
        if (this.#state === 'stopping') return fail(new Error('stopped while starting'));
        this.#setState('running');
        this.#startPinging();
        if (this.#signals.size > 0) this.#post({ op: 'signals', samples: [...this.#signals.values()] });
        this.#signalsDirty.clear();
        for (const [camera, calibration] of this.#calibrations) this.#post({ op: 'calibration', camera, calibration });
        log.info({ service: this.id, pid: child.pid }, 'service running');
        resolve();
      };
      const fail = (err: Error) => {
        cleanup();
        this.lastError = err.message;
        const error = new RevcamError('SERVICE_FAILED', `service ${this.id} failed to start: ${err.message}`, { cause: err });
        // Settle only once the child is gone, so nobody can spawn a second child beside it.
        if (exited()) return reject(error);
        child.once('exit', () => reject(error));
        child.kill('SIGKILL');
      };
      child.on('message', onMsg);
      child.once('exit', onExit);
      this.#post({
        op: 'init',
        service: this.id,
        manifest: this.manifest,
        moduleUrl: this.#opts.moduleUrl,
        cameras: this.#opts.cameras,
        vehicle: this.#opts.vehicle,
        ...(this.#opts.settings !== undefined && { settings: this.#opts.settings }),
      });
    });
  }

  /** Whether the manifest subscribed to this VSS path (exact, or a prefix ending in `.`). */
  wantsSignal(path: string): boolean {
    return (this.manifest.signals ?? []).some((p) => p === path || (p.endsWith('.') && path.startsWith(p)));
  }

  /**
   * Forwards signal samples the service subscribed to, coalesced so a
   * 100 Hz CAN bus costs the child at most one message per ~16 ms.
   */
  deliverSignals(samples: readonly SignalSample[]): void {
    for (const s of samples) {
      if (!this.wantsSignal(s.path)) continue;
      this.#signals.set(s.path, s);
      this.#signalsDirty.add(s.path);
    }
    if (this.#signalsDirty.size === 0 || this.#signalTimer || this.#state !== 'running') return;
    this.#signalTimer = setTimeout(() => {
      this.#signalTimer = undefined;
      const batch = [...this.#signalsDirty].map((p) => this.#signals.get(p) as SignalSample);
      this.#signalsDirty.clear();
      this.#post({ op: 'signals', samples: batch });
    }, 16);
  }

  /**
   * Applies a new calibration of one of this service's cameras to the running
   * child at once and to every later (re)start. False when the service has no such camera.
   */
  setCalibration(camera: string, calibration: CalibrationConfig): boolean {
    if (!Object.hasOwn(this.#opts.cameras, camera)) return false;
    this.#calibrations.set(camera, calibration);
    if (this.#state === 'running') this.#post({ op: 'calibration', camera, calibration });
    return true;
  }

  /** Sends to the child if it is still there; a child dying mid-send is not an error of the gateway. */
  #post(msg: ParentMessage): void {
    const child = this.#child;
    if (!child?.connected) return;
    try {
      child.send(msg, (err) => {
        if (err) this.#opts.log.debug({ err, service: this.id }, 'message to service lost');
      });
    } catch (err) {
      this.#opts.log.debug({ err, service: this.id }, 'message to service lost');
    }
  }

  /**
   * Calls one of the service's own operations (ServiceLogic.call) in the
   * running child and returns its result. Throws RevcamError: the service's
   * own code when it threw a coded error, SERVICE_FAILED when it is not
   * running or does not answer.
   */
  async call(method: string, args: unknown, timeoutMs = 5_000): Promise<unknown> {
    if (this.#state !== 'running') throw new RevcamError('SERVICE_FAILED', `service ${this.id} is ${this.#state}`);
    let reply: ChildMessage;
    try {
      reply = await this.#request({ op: 'call', method, args }, timeoutMs);
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
    const pipe = this.#state === 'running' ? (this.#child?.stdio[FRAME_PIPE_FD] as Writable | null | undefined) : undefined;
    if (!pipe?.writable) return false;
    pipe.cork();
    pipe.write(recordPrefix(stream, wire.length));
    pipe.write(wire, done);
    pipe.uncork();
    return true;
  }

  /** Bytes written to the child's frame pipe it has not taken yet (a recorded stream's consumer reads it). */
  get frameInputBacklog(): number {
    return (this.#child?.stdio[FRAME_PIPE_FD] as Writable | null | undefined)?.writableLength ?? 0;
  }

  #request(msg: WithoutId<Extract<ParentMessage, { op: 'open' | 'close' | 'call' }>>, timeoutMs = 10_000): Promise<ChildMessage> {
    const id = ++this.#requestId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        reject(new Error(`${msg.op} timed out`));
      }, timeoutMs);
      this.#replies.set(id, {
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.#post({ ...msg, id } as ParentMessage);
    });
  }

  #onMessage(m: ChildMessage): void {
    switch (m.op) {
      case 'reply': {
        const r = this.#replies.get(m.id);
        this.#replies.delete(m.id);
        r?.resolve(m);
        return;
      }
      case 'pong':
        this.#missedPongs = 0;
        this.#telemetryChild = { framesOut: m.framesOut, framesDropped: m.framesDropped, rssBytes: m.rssBytes };
        return;
      case 'status':
        this.emit('status', m.camera, m.event, m.message);
        return;
      case 'log':
        this.#opts.log[m.level]({ service: this.id, ...m.data }, m.msg);
        return;
      default:
        return;
    }
  }

  /** Opens a camera in a codec, starting the service if needed. Throws RevcamError. */
  async open(camera: string, codec: CodecName): Promise<OpenedCamera> {
    const key = openKey(camera, codec);
    clearTimeout(this.#idleTimer);
    const existing = this.#wanted.get(key);
    if (existing?.opened && this.#state === 'running') return existing.opened;
    const w: Wanted = existing ?? { camera, codec };
    this.#wanted.set(key, w);
    try {
      await this.start();
      return await this.#openEntry(w);
    } catch (err) {
      // Keep an entry that viewers from before a crash still wait on: the restart re-opens it.
      if (!w.lost && this.#wanted.get(key) === w) this.#wanted.delete(key);
      if (err instanceof RevcamError) throw err;
      throw new RevcamError('SERVICE_FAILED', `service ${this.id} could not open ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Opens a wanted camera in the current child once, however many callers ask at the same time. */
  #openEntry(w: Wanted): Promise<OpenedCamera> {
    if (w.opened && this.#state === 'running') return Promise.resolve(w.opened);
    w.opening ??= this.#openInChild(w.camera, w.codec).finally(() => (w.opening = undefined));
    return w.opening;
  }

  async #openInChild(camera: string, codec: CodecName): Promise<OpenedCamera> {
    const reply = await this.#request({ op: 'open', camera, codec });
    if (reply.op !== 'reply' || !reply.ok) throw new Error(reply.op === 'reply' && !reply.ok ? reply.message : 'bad reply');
    if (!reply.opened) throw new Error('open reply without camera info');
    const w = this.#wanted.get(openKey(camera, codec));
    if (w) w.opened = reply.opened;
    return reply.opened;
  }

  async close(camera: string, codec: CodecName): Promise<void> {
    if (!this.#wanted.delete(openKey(camera, codec))) return;
    if (this.#state !== 'running') return;
    try {
      await this.#request({ op: 'close', camera, codec });
    } catch (err) {
      // A service that is being stopped or restarted closes everything anyway.
      if (this.#state === 'running') this.#opts.log.warn({ err, service: this.id }, 'close failed');
    }
    this.#armIdleStop();
  }

  /** A cold service with nothing open stops after idleStopMs; warm and hot ones keep running. */
  #armIdleStop(): void {
    clearTimeout(this.#idleTimer);
    if (this.#wanted.size > 0 || this.#opts.service.standby !== 'cold') return;
    this.#idleTimer = setTimeout(() => {
      if (this.#wanted.size === 0 && this.#state === 'running') void this.stop();
    }, this.#opts.service.idleStopMs);
    this.#idleTimer.unref();
  }

  #startPinging(): void {
    const every = this.#opts.pingIntervalMs ?? 1000;
    const limit = this.#opts.missedPongsForHang ?? 3;
    this.#missedPongs = 0;
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => {
      if (++this.#missedPongs > limit) {
        this.#opts.log.error({ service: this.id, pid: this.pid }, 'service hung; killing it');
        this.lastError = 'hung (no answer to ping)';
        this.#child?.kill('SIGKILL');
        return;
      }
      this.#post({ op: 'ping', id: ++this.#requestId });
    }, every);
    this.#pingTimer.unref();
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    clearInterval(this.#pingTimer);
    for (const r of this.#replies.values()) r.reject(new Error('service exited'));
    this.#replies.clear();
    const wasStopping = this.#state === 'stopping';
    const wasRunning = this.#state === 'running';
    this.#telemetryBase.framesOut += this.#telemetryChild.framesOut;
    this.#telemetryBase.framesDropped += this.#telemetryChild.framesDropped;
    this.#telemetryChild = { framesOut: 0, framesDropped: 0, rssBytes: 0 };
    if (wasStopping) {
      this.#setState('stopped');
      return;
    }
    // The one place a failure is counted: one child gone = one failure = one restart.
    this.lastError = this.lastError ?? `exited with ${signal ?? code}`;
    this.#failures++;
    this.#opts.log.error({ service: this.id, code, signal, consecutiveFailures: this.#failures }, 'service exited');
    for (const w of this.#wanted.values()) {
      if (w.opened || w.lost) {
        w.lost = true;
        this.emit('status', w.camera, 'SERVICE_RESTARTING', `service ${this.id} stopped (${this.lastError}); restarting`);
      }
      w.opened = undefined;
    }
    if (wasRunning || this.#wanted.size > 0 || this.#opts.service.standby !== 'cold') this.#scheduleRestart();
    else this.#setState('stopped');
  }

  /** The wait before restart number n of a series: initialDelayMs doubled per consecutive failure, capped. */
  static backoffDelay(restart: { initialDelayMs: number; maxDelayMs: number }, consecutiveFailures: number): number {
    return Math.min(restart.maxDelayMs, restart.initialDelayMs * 2 ** Math.max(0, consecutiveFailures - 1));
  }

  #scheduleRestart(): void {
    clearTimeout(this.#restartTimer);
    if (this.#closed) return this.#setState('stopped');
    const delay = ServiceInstance.backoffDelay(this.#opts.service.restart, this.#failures);
    this.#setState(this.#failures >= FAILURE_THRESHOLD ? 'failed' : 'backoff');
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      const waiters = this.#waiters.splice(0);
      if (this.#wanted.size === 0 && this.#opts.service.standby === 'cold' && waiters.length === 0) {
        this.#setState('stopped'); // nobody is waiting for it any more
        return;
      }
      this.restarts++;
      this.emit('restart');
      this.#startNow().then(
        () => {
          for (const w of waiters) w.resolve();
          void this.#reopen();
        },
        (err: Error) => {
          // #onExit has already counted this failure and scheduled the next restart.
          this.#opts.log.error({ err, service: this.id }, 'restart failed');
          for (const w of waiters) w.reject(err);
        },
      );
    }, delay);
    this.#restartTimer.unref();
  }

  /** Re-opens every wanted camera in the new child; viewers of those that were open are told they are back. */
  async #reopen(): Promise<void> {
    this.lastError = undefined;
    await Promise.all(
      [...this.#wanted.values()].map(async (w) => {
        try {
          await this.#openEntry(w);
          if (w.lost && this.#wanted.has(openKey(w.camera, w.codec))) {
            w.lost = false;
            this.emit('status', w.camera, 'SOURCE_RESTORED', `service ${this.id} restarted`);
          }
        } catch (err) {
          this.#opts.log.error({ err, service: this.id, camera: w.camera }, 'reopen after restart failed');
        }
      }),
    );
  }

  /** Stops the child gracefully (SIGKILL after a grace period) and forgets open cameras. */
  /**
   * Stops the child for good: a request, restart or recorder feed that comes
   * later (a shutdown races them all) is refused instead of spawning a child
   * nobody will stop, which would keep the process alive.
   */
  shutdown(graceMs = 2000): Promise<void> {
    this.#closed = true;
    return this.stop(graceMs);
  }

  async stop(graceMs = 2000): Promise<void> {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#signalTimer);
    clearTimeout(this.#stableTimer);
    this.#signalTimer = undefined;
    this.#wanted.clear();
    for (const w of this.#waiters.splice(0)) w.reject(new RevcamError('SERVICE_FAILED', `service ${this.id} is stopping`));
    const child = this.#child;
    if (!child) {
      this.#setState('stopped');
      return;
    }
    this.#setState('stopping');
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => (clearTimeout(kill), resolve()));
      if (child.connected) this.#post({ op: 'stop' });
      else child.kill('SIGKILL');
    });
  }
}
