/**
 * The `can` signal source: frames from a candump log (replayed in real time)
 * or a live SocketCAN interface, decoded through the DBC, published on the
 * bus. A value outside its VSS range marks that signal invalid rather than
 * passing a broken sensor's reading on.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SignalsConfig } from '../../config/types.js';
import type { Logger } from '../../log/logger.js';
import type { SignalBus } from '../SignalBus.js';
import type { SignalSource } from '../SignalSource.js';
import type { CanFrame } from './candump.js';
import { CandumpLive } from './CandumpLive.js';
import { CandumpReplay } from './CandumpReplay.js';
import { DbcDecoder } from './DbcDecoder.js';

export interface FrameFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface CanSourceOptions {
  /** Where relative paths in the config are resolved from (default: cwd). */
  baseDir?: string;
  log?: Logger;
  /** The candump executable for a live interface (default `candump`). */
  candump?: string;
}

export class CanSource implements SignalSource {
  readonly kind = 'can' as const;
  readonly decoder: DbcDecoder;
  readonly feed: FrameFeed;
  #bus: SignalBus;
  #log: Logger | undefined;
  #rejectedLogged = 0;

  /** `makeFeed` receives the frame handler; createCanSource picks a log replay or a live interface. */
  constructor(bus: SignalBus, decoder: DbcDecoder, makeFeed: (onFrame: (frame: CanFrame, live: boolean) => void) => FrameFeed, log?: Logger) {
    this.#bus = bus;
    this.decoder = decoder;
    this.#log = log;
    this.feed = makeFeed((frame, live) => this.handleFrame(frame, live));
  }

  /** Decode one frame and publish its samples; live frames keep their kernel timestamps, replayed ones are stamped now. */
  handleFrame(frame: CanFrame, live = false): void {
    const samples = this.decoder.decode(frame, live ? Math.round(frame.timestampS * 1e6) : undefined);
    if (samples.length === 0) return;
    const { rejected } = this.#bus.publish(samples);
    if (rejected.length > 0 && this.#rejectedLogged++ < 10) this.#log?.warn({ id: frame.id, rejected }, 'CAN frame decoded to invalid signal values');
  }

  start(): Promise<void> {
    return this.feed.start();
  }

  stop(): Promise<void> {
    return this.feed.stop();
  }
}

/** Builds the CAN source the config describes: live `interface` when named, else the `log` replay. */
export async function createCanSource(config: SignalsConfig['can'], bus: SignalBus, opts: CanSourceOptions = {}): Promise<CanSource> {
  const base = opts.baseDir ?? process.cwd();
  const dbcPath = resolve(base, config.dbc);
  let text: string;
  try {
    text = await readFile(dbcPath, 'utf8');
  } catch (err) {
    throw new Error(`cannot read DBC ${dbcPath}: ${(err as Error).message}`);
  }
  const decoder = new DbcDecoder(text, config.map);
  const { log } = opts;
  const iface = config.interface;
  if (iface !== null) {
    return new CanSource(bus, decoder, (onFrame) => new CandumpLive({ iface, onFrame: (f) => onFrame(f, true), candump: opts.candump, log }), log);
  }
  if (config.log === null) throw new Error('signals.can needs an `interface` (live SocketCAN) or a `log` (candump file) to read');
  const file = resolve(base, config.log);
  return new CanSource(bus, decoder, (onFrame) => new CandumpReplay({ file, onFrame: (f) => onFrame(f, false), loop: config.loop, speed: config.speed, log }), log);
}
