/** Where the bus's values come from: the simulator, CAN, or none (a gateway: its vehicles' signals arrive over the bus) (docs/signals.md). */
import type { SignalSample } from '../wire/signals.js';
import type { DriveName } from './drives.js';
import type { SampleInput } from './validateSample.js';

export interface SignalSource {
  readonly kind: 'simulator' | 'can' | 'none';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Present when clients may set values (POST /api/signals); absent when the vehicle is the source. */
  readonly input?: SignalInput;
}

/** Client-set values: the simulator's manual controls. */
export interface SignalInput {
  /** All-or-nothing, like SignalBus.set; stops a running drive (the person at the controls wins). */
  set(samples: readonly SampleInput[]): SignalSample[];
  /** Starts (or restarts) a scripted drive; null stops the running one. */
  drive(name: DriveName | null): void;
  readonly currentDrive: DriveName | null;
}
