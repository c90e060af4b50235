/**
 * The embedded default source: values set by clients (POST /api/signals) or
 * by a scripted drive, re-published every `republishMs` so that a value
 * nobody changes does not go stale while the simulator is alive.
 */
import type { Logger } from '../log/logger.js';
import type { SignalSample } from '../wire/signals.js';
import { DRIVES, driveStateAt, type DriveName } from './drives.js';
import type { SignalBus } from './SignalBus.js';
import type { SignalInput, SignalSource } from './SignalSource.js';
import type { SampleInput } from './validateSample.js';
import { vehicleInputSamples, type VehicleInput } from './vehicleInput.js';

export interface SimulatorOptions {
  republishMs: number;
  /** The gear at start (default P). */
  initialGear?: VehicleInput['gear'];
  /** A drive to play from start(), on a loop. */
  drive?: DriveName | null;
  log?: Logger;
  /** Milliseconds; injectable for tests. */
  clock?: () => number;
}

/** Parked, wheel straight, nothing behind: what the simulator shows before anyone touches it. */
export const PARKED: VehicleInput = { gear: 'P', steeringDeg: 0, speedKmh: 0, sensors: { outerLeft: 5, innerLeft: 5, innerRight: 5, outerRight: 5 } };

export class SimulatorSource implements SignalSource, SignalInput {
  readonly kind = 'simulator' as const;
  readonly input: SignalInput = this;
  #bus: SignalBus;
  #opts: SimulatorOptions;
  #clock: () => number;
  #timer: NodeJS.Timeout | undefined;
  #drive: { name: DriveName; startedMs: number } | undefined;

  constructor(bus: SignalBus, opts: SimulatorOptions) {
    this.#bus = bus;
    this.#opts = opts;
    this.#clock = opts.clock ?? Date.now;
  }

  get currentDrive(): DriveName | null {
    return this.#drive?.name ?? null;
  }

  async start(): Promise<void> {
    if (this.#timer) return;
    if (this.#opts.drive) this.drive(this.#opts.drive);
    else this.#bus.set(vehicleInputSamples({ ...PARKED, gear: this.#opts.initialGear ?? 'P' }));
    this.#timer = setInterval(() => this.tick(), this.#opts.republishMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#drive = undefined;
  }

  set(samples: readonly SampleInput[]): SignalSample[] {
    const applied = this.#bus.set(samples);
    if (this.#drive) {
      this.#opts.log?.info({ drive: this.#drive.name }, 'manual signal input: scripted drive stopped');
      this.#drive = undefined;
    }
    return applied;
  }

  drive(name: DriveName | null): void {
    this.#drive = name ? { name, startedMs: this.#clock() } : undefined;
    this.#opts.log?.info({ drive: name }, name ? 'scripted drive started' : 'scripted drive stopped');
    this.tick();
  }

  /** One step: the drive's state now, or the current values again with fresh timestamps. */
  tick(): void {
    if (this.#drive) {
      const state = driveStateAt(DRIVES[this.#drive.name], (this.#clock() - this.#drive.startedMs) / 1000);
      this.#bus.publish(vehicleInputSamples(state));
      return;
    }
    this.#bus.publish(this.#bus.snapshot().map(({ path, value }) => ({ path, value })));
  }
}
