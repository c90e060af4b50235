/**
 * Keeps one service's child process alive: spawns it, waits for `ready`,
 * pings it to detect a hang, counts each child that ends unasked as one
 * failure and spawns exactly one restart after the backoff of
 * restartBackoff.ts, and stops it on request. What the service does with its
 * child (cameras, signals) is ServiceInstance's business, reached through
 * SupervisorHooks.
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
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { StreamEvent } from '../wire/messages.js';
import { FRAME_PIPE_FD, FrameRecordParser, type ChildMessage, type ParentMessage } from './childProtocol.js';
import { backoffDelay, DEFAULT_STABLE_AFTER_MS, waitingState, type RestartBackoff } from './restartBackoff.js';
import type { InstanceState } from './ServiceEndpoint.js';
import { ServiceChannel } from './ServiceChannel.js';
import { forkServiceChild } from './spareHost.js';

/** What the child reports with every pong, summed over the children the instance has had. */
export interface ServiceTelemetry {
  framesOut: number;
  framesDropped: number;
  /** Resident memory of the current child; 0 when none runs. */
  rssBytes: number;
}

export interface ChildSupervisorOptions {
  id: string;
  log: Logger;
  /** Ping period and how many missed pongs mean "hung". */
  pingIntervalMs?: number | undefined;
  missedPongsForHang?: number | undefined;
  /** A start that does not report ready within this time counts as a failure. */
  startTimeoutMs?: number | undefined;
  /** Running this long resets the consecutive-failure count (default DEFAULT_STABLE_AFTER_MS). */
  stableAfterMs?: number | undefined;
  /** Where a new child comes from: the spare service host when there is one (ServiceHost), else a fresh fork. */
  spawnChild?: (() => ChildProcess) | undefined;
  /** Read at each failure: a live reload may have changed it. */
  restart: () => RestartBackoff;
  /** Built at each spawn, so a reload's cameras and vehicle reach the next child. */
  init: () => ParentMessage;
}

/** Where the supervisor hands over to the service it runs. */
export interface SupervisorHooks {
  /** Whether the service should run with no start waiting for it (a camera is wanted, or it is warm or hot). */
  wanted(): boolean;
  /** A child just became ready and the instance is running: what every new child must get first. */
  onRunning(): void;
  /** The child ended unasked (`reason`: lastError); a restart may follow. */
  onLost(reason: string): void;
  /** A scheduled restart is running and its waiters are served. */
  onRestarted(): void;
  onState(state: InstanceState): void;
  /** A restart after a failure is being spawned. */
  onRestart(): void;
  onFrame(camera: string, wire: Buffer): void;
  onStatus(camera: string, event: StreamEvent, message: string): void;
}

export class ChildSupervisor {
  readonly channel: ServiceChannel;
  #opts: ChildSupervisorOptions;
  #hooks: SupervisorHooks;
  #state: InstanceState = 'stopped';
  #child: ChildProcess | undefined;
  #starting: Promise<void> | undefined;
  /** Set by close(): the host is shutting down, and nothing may spawn a child again. */
  #closed = false;
  /** Callers of start() during backoff: settled by the scheduled restart, never by an early spawn. */
  #waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  #stableTimer: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #missedPongs = 0;
  #failures = 0;
  #telemetryBase = { framesOut: 0, framesDropped: 0 };
  #telemetryChild = { framesOut: 0, framesDropped: 0, rssBytes: 0 };
  restarts = 0;
  lastError: string | undefined;

  constructor(opts: ChildSupervisorOptions, hooks: SupervisorHooks) {
    this.#opts = opts;
    this.#hooks = hooks;
    this.channel = new ServiceChannel(opts.log, opts.id);
  }

  get state(): InstanceState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Failed starts or crashes since the service last ran stably. */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** The current child's frame pipe, parent → child (recorded streams); undefined when none runs. */
  get framePipe(): Writable | undefined {
    return (this.#child?.stdio[FRAME_PIPE_FD] as Writable | null | undefined) ?? undefined;
  }

  /** Frames out, frames dropped (summed over every child) and the current child's RSS. */
  get telemetry(): ServiceTelemetry {
    return {
      framesOut: this.#telemetryBase.framesOut + this.#telemetryChild.framesOut,
      framesDropped: this.#telemetryBase.framesDropped + this.#telemetryChild.framesDropped,
      rssBytes: this.#child ? this.#telemetryChild.rssBytes : 0,
    };
  }

  /** For good: a later start() is refused and no restart is scheduled (the caller then stops). */
  close(): void {
    this.#closed = true;
  }

  #setState(s: InstanceState): void {
    if (s === this.#state) return;
    this.#state = s;
    clearTimeout(this.#stableTimer);
    if (s === 'running') {
      this.#stableTimer = setTimeout(() => (this.#failures = 0), this.#opts.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS);
      this.#stableTimer.unref();
    }
    this.#hooks.onState(s);
  }

  /**
   * Starts the child if it is not running; resolves once the module is loaded.
   * During backoff it waits for the scheduled restart; when `failed` it rejects at once.
   */
  start(): Promise<void> {
    const { id } = this.#opts;
    if (this.#closed) return Promise.reject(new RevcamError('SERVICE_FAILED', `service ${id} is shut down`));
    if (this.#state === 'running') return Promise.resolve();
    if (this.#starting) return this.#starting;
    if (this.#state === 'failed') {
      return Promise.reject(new RevcamError('SERVICE_FAILED', `service ${id} failed ${this.#failures} times in a row (${this.lastError ?? 'unknown'}); retrying`));
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
    const { log, id } = this.#opts;
    const child = this.#opts.spawnChild?.() ?? forkServiceChild({ env: { REVCAM_SERVICE: id } });
    this.#child = child;
    this.channel.attach(child);
    this.#telemetryChild = { framesOut: 0, framesDropped: 0, rssBytes: 0 };
    // A dying child makes IPC writes and pipe reads fail (EPIPE, ECONNRESET): its exit is what counts,
    // and an unhandled 'error' here would take the whole gateway down.
    child.on('error', (err) => log.warn({ err, service: id, pid: child.pid }, 'service child channel error'));
    for (const pipe of child.stdio) pipe?.on('error', (err: Error) => log.warn({ err, service: id, pid: child.pid }, 'service child pipe error'));
    const parser = new FrameRecordParser((camera, wire) => this.#hooks.onFrame(camera, wire));
    (child.stdio[FRAME_PIPE_FD] as Readable).on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        log.error({ err, service: id }, 'corrupt frame pipe; killing service');
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
        this.#hooks.onRunning();
        log.info({ service: id, pid: child.pid }, 'service running');
        resolve();
      };
      const fail = (err: Error) => {
        cleanup();
        this.lastError = err.message;
        const error = new RevcamError('SERVICE_FAILED', `service ${id} failed to start: ${err.message}`, { cause: err });
        // Settle only once the child is gone, so nobody can spawn a second child beside it.
        if (exited()) return reject(error);
        child.once('exit', () => reject(error));
        child.kill('SIGKILL');
      };
      child.on('message', onMsg);
      child.once('exit', onExit);
      this.channel.post(this.#opts.init());
    });
  }

  #onMessage(m: ChildMessage): void {
    if (this.channel.receive(m)) return;
    switch (m.op) {
      case 'pong':
        this.#missedPongs = 0;
        this.#telemetryChild = { framesOut: m.framesOut, framesDropped: m.framesDropped, rssBytes: m.rssBytes };
        return;
      case 'status':
        this.#hooks.onStatus(m.camera, m.event, m.message);
        return;
      case 'log':
        this.#opts.log[m.level]({ service: this.#opts.id, ...m.data }, m.msg);
        return;
      default:
        return;
    }
  }

  /** A child that misses more than missedPongsForHang pings in a row is hung: killed, and so restarted. */
  #startPinging(): void {
    const every = this.#opts.pingIntervalMs ?? 1000;
    const limit = this.#opts.missedPongsForHang ?? 3;
    this.#missedPongs = 0;
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => {
      if (++this.#missedPongs > limit) {
        this.#opts.log.error({ service: this.#opts.id, pid: this.pid }, 'service hung; killing it');
        this.lastError = 'hung (no answer to ping)';
        this.#child?.kill('SIGKILL');
        return;
      }
      this.channel.post({ op: 'ping', id: this.channel.nextId() });
    }, every);
    this.#pingTimer.unref();
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    clearInterval(this.#pingTimer);
    this.channel.detach();
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
    this.#opts.log.error({ service: this.#opts.id, code, signal, consecutiveFailures: this.#failures }, 'service exited');
    this.#hooks.onLost(this.lastError);
    if (wasRunning || this.#hooks.wanted()) this.#scheduleRestart();
    else this.#setState('stopped');
  }

  #scheduleRestart(): void {
    clearTimeout(this.#restartTimer);
    if (this.#closed) return this.#setState('stopped');
    const delay = backoffDelay(this.#opts.restart(), this.#failures);
    this.#setState(waitingState(this.#failures));
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      const waiters = this.#waiters.splice(0);
      if (!this.#hooks.wanted() && waiters.length === 0) {
        this.#setState('stopped'); // nobody is waiting for it any more
        return;
      }
      this.restarts++;
      this.#hooks.onRestart();
      this.#startNow().then(
        () => {
          for (const w of waiters) w.resolve();
          this.lastError = undefined;
          this.#hooks.onRestarted();
        },
        (err: Error) => {
          // #onExit has already counted this failure and scheduled the next restart.
          this.#opts.log.error({ err, service: this.#opts.id }, 'restart failed');
          for (const w of waiters) w.reject(err);
        },
      );
    }, delay);
    this.#restartTimer.unref();
  }

  /** Stops the child gracefully (SIGKILL after graceMs); a restart pending or waited for is called off. */
  async stop(graceMs = 2000): Promise<void> {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#stableTimer);
    for (const w of this.#waiters.splice(0)) w.reject(new RevcamError('SERVICE_FAILED', `service ${this.#opts.id} is stopping`));
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
      if (child.connected) this.channel.post({ op: 'stop' });
      else child.kill('SIGKILL');
    });
  }
}
