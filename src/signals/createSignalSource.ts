/** Picks the signal source the config names (`signals.source`). */
import type { SignalsConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { SignalBus } from './SignalBus.js';
import type { SignalSource } from './SignalSource.js';
import { SimulatorSource } from './SimulatorSource.js';

export interface SignalSourceOptions {
  /** Where relative DBC/log paths are resolved from (default: cwd). */
  baseDir?: string;
  log?: Logger;
  /** The candump executable for a live CAN interface (default `candump`). */
  candump?: string;
}

/** Builds (does not start) the source; call start() after the bus has its subscribers. */
export async function createSignalSource(config: Readonly<SignalsConfig>, bus: SignalBus, opts: SignalSourceOptions = {}): Promise<SignalSource> {
  // The CAN stack (a DBC parser) loads only when a CAN source is configured.
  if (config.source === 'can') return (await import('./can/CanSource.js')).createCanSource(config.can, bus, opts);
  // No vehicle of its own (a fleet gateway): nothing is published, so every policy on it fails closed.
  if (config.source === 'none') return { kind: 'none', start: async () => {}, stop: async () => {} };
  return new SimulatorSource(bus, { republishMs: config.simulator.republishMs, initialGear: config.simulator.initialGear, drive: config.drive, ...(opts.log && { log: opts.log }) });
}
