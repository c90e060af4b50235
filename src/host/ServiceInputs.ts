/**
 * What the parent hands a service child besides requests: the vehicle
 * signals it subscribed to (coalesced), the calibrations solved since boot,
 * and the frames of the streams it records. Signals and calibrations are
 * kept here so that every new child gets them first, after a restart too.
 */
import type { CalibrationConfig, CameraConfig, VehicleConfig } from '../config/types.js';
import type { SignalSample } from '../wire/signals.js';
import type { ChildSupervisor } from './ChildSupervisor.js';
import type { Writable } from 'node:stream';
import { recordPrefix } from './childProtocol.js';

/** At most one signals message per this many ms: a 100 Hz CAN bus must not cost the child 100 messages a second. */
const SIGNAL_COALESCE_MS = 16;
/** The highest camera rate a recorded stream is sized for: a batch of `recordsBatchMs` holds at most this many frames a second. */
const MAX_RECORDED_FPS = 60;

export class ServiceInputs {
  /** Latest value per subscribed path: the snapshot a (re)started child gets first. */
  #signals = new Map<string, SignalSample>();
  #signalsDirty = new Set<string>();
  #signalTimer: NodeJS.Timeout | undefined;
  /** Calibrations solved since boot, per camera: sent after every (re)start, as the signals snapshot is. */
  #calibrations = new Map<string, CalibrationConfig>();
  /** The frame pipe corked for the batch being gathered, and the timer that hands it over. */
  #batchPipe: Writable | undefined;
  #batchTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly supervisor: ChildSupervisor,
    /** The manifest's subscriptions: exact VSS paths, or prefixes ending in `.`. */
    private readonly subscriptions: readonly string[],
    /** The manifest's recordsBatchMs: recorded frames are handed over this often (0: each at once). */
    private readonly batchMs = 0,
  ) {}

  /** Frames a batch may hold (ConsumerSink.holdsFrames): the recording viewer's queue is that much longer. */
  get heldFrames(): number {
    return Math.ceil((this.batchMs / 1000) * MAX_RECORDED_FPS);
  }

  /** Whether the manifest subscribed to this VSS path (exact, or a prefix ending in `.`). */
  wantsSignal(path: string): boolean {
    return this.subscriptions.some((p) => p === path || (p.endsWith('.') && path.startsWith(p)));
  }

  deliverSignals(samples: readonly SignalSample[]): void {
    for (const s of samples) {
      if (!this.wantsSignal(s.path)) continue;
      this.#signals.set(s.path, s);
      this.#signalsDirty.add(s.path);
    }
    if (this.#signalsDirty.size === 0 || this.#signalTimer || this.supervisor.state !== 'running') return;
    this.#signalTimer = setTimeout(() => {
      this.#signalTimer = undefined;
      const batch = [...this.#signalsDirty].map((p) => this.#signals.get(p) as SignalSample);
      this.#signalsDirty.clear();
      this.supervisor.channel.post({ op: 'signals', samples: batch });
    }, SIGNAL_COALESCE_MS);
  }

  /** Keeps a camera's calibration for every later child, and gives it to the running one at once. */
  setCalibration(camera: string, calibration: CalibrationConfig): void {
    this.#calibrations.set(camera, calibration);
    if (this.supervisor.state === 'running') this.supervisor.channel.post({ op: 'calibration', camera, calibration });
  }

  /** A child is ready: it gets the latest signals and every calibration before anything else. */
  sendSnapshot(): void {
    const { channel } = this.supervisor;
    if (this.#signals.size > 0) channel.post({ op: 'signals', samples: [...this.#signals.values()] });
    this.#signalsDirty.clear();
    for (const [camera, calibration] of this.#calibrations) channel.post({ op: 'calibration', camera, calibration });
  }

  /**
   * Live reload: a kept calibration of a camera whose configured one changed gives way to the config's;
   * a running child gets the new cameras and vehicle, then the calibrations kept.
   */
  reconfigure(before: Record<string, CameraConfig>, cameras: Record<string, CameraConfig>, vehicle: VehicleConfig): void {
    for (const camera of this.#calibrations.keys()) {
      if (JSON.stringify(before[camera]?.calibration) !== JSON.stringify(cameras[camera]?.calibration)) this.#calibrations.delete(camera);
    }
    if (this.supervisor.state !== 'running') return;
    this.supervisor.channel.post({ op: 'settings', cameras, vehicle });
    for (const [camera, calibration] of this.#calibrations) this.supervisor.channel.post({ op: 'calibration', camera, calibration });
  }

  /**
   * One recorded frame on the frame pipe, parent → child; false (and `done`
   * not called) when no child runs. With a batch time the pipe stays corked
   * until the batch is handed over in one write; `done` fires then, so the
   * frames held count against the viewer's bounds as frames in flight.
   */
  writeFrame(stream: string, wire: Buffer, done: (err?: Error | null) => void): boolean {
    const pipe = this.supervisor.state === 'running' ? this.supervisor.framePipe : undefined;
    if (!pipe?.writable) return false;
    if (this.#batchPipe !== pipe) {
      this.#handOver();
      pipe.cork();
      if (this.batchMs > 0) {
        this.#batchPipe = pipe;
        this.#batchTimer = setTimeout(() => this.#handOver(), this.batchMs);
      }
    }
    pipe.write(recordPrefix(stream, wire.length));
    pipe.write(wire, done);
    if (this.batchMs <= 0) pipe.uncork();
    return true;
  }

  #handOver(): void {
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    const pipe = this.#batchPipe;
    this.#batchPipe = undefined;
    pipe?.uncork();
  }

  /** Bytes written to the child's frame pipe it has not taken yet. */
  get frameInputBacklog(): number {
    return this.supervisor.framePipe?.writableLength ?? 0;
  }

  /** The service is stopping: a pending signals batch is dropped (the next child gets the snapshot). */
  stop(): void {
    clearTimeout(this.#signalTimer);
    this.#signalTimer = undefined;
    this.#handOver();
  }
}
