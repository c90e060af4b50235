/**
 * Turns CAN frames into VSS samples through a DBC file, with the candied
 * library doing the DBC parsing and the bit extraction (signedness, byte
 * order, factor, offset, min/max). The mapping says which DBC signals
 * become which VSS paths, and how to scale them into VSS units.
 */
import { Can, Dbc } from 'candied';
import type { CanSignalMapping } from '../../config/types.js';
import type { SampleInput } from '../validateSample.js';
import type { CanFrame } from './candump.js';

type DbcSignal = Parameters<Can['decodeSignal']>[1];

interface Bound {
  signal: DbcSignal;
  path: string;
  scale: number;
  /** Decimal places of factor x scale: the decoded value is rounded to them (0.1 * 3 must be 0.3, not 0.30000000000000004). */
  decimals: number;
}

interface BoundMessage {
  name: string;
  dlc: number;
  signals: Bound[];
}

export class DbcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DbcError';
  }
}

function decimalsOf(x: number): number {
  for (let d = 0; d <= 12; d++) if (Math.abs(Number(x.toFixed(d)) - x) < 1e-12 * Math.max(1, Math.abs(x))) return d;
  return 12;
}

/** DBC ids carry bit 31 for extended frames. */
const keyOf = (id: number, extended: boolean) => `${extended ? 'x' : 's'}${id}`;

export class DbcDecoder {
  #can = new Can();
  #byId = new Map<string, BoundMessage>();
  /** Frames seen, by outcome; for logs and tests. */
  readonly stats = { decoded: 0, unknownId: 0, badLength: 0, skipped: 0 };

  constructor(dbcText: string, map: readonly CanSignalMapping[]) {
    const dbc = new Dbc();
    let data: ReturnType<Dbc['load']>;
    try {
      data = dbc.load(dbcText, true);
    } catch (err) {
      throw new DbcError(`cannot parse the DBC: ${(err as Error).message}`);
    }
    if (dbc.errors.size > 0) {
      const lines = [...dbc.errors.keys()].slice(0, 5).join(', ');
      throw new DbcError(`the DBC has syntax errors at line(s) ${lines}`);
    }
    this.#can.database = data;
    for (const m of map) {
      const [msgName, sigName] = m.signal.split('.') as [string, string];
      const msg = data.messages.get(msgName);
      if (!msg) throw new DbcError(`the DBC has no message ${msgName} (for ${m.signal}); it has ${[...data.messages.keys()].join(', ')}`);
      const signal = msg.signals.get(sigName);
      if (!signal) throw new DbcError(`message ${msgName} has no signal ${sigName}; it has ${[...msg.signals.keys()].join(', ')}`);
      const extended = msg.id > 0x7ff;
      const key = keyOf(msg.id & 0x1fffffff, extended);
      let bound = this.#byId.get(key);
      if (!bound) this.#byId.set(key, (bound = { name: msg.name, dlc: msg.dlc, signals: [] }));
      bound.signals.push({ signal, path: m.path, scale: m.scale, decimals: decimalsOf(signal.factor * m.scale) });
    }
  }

  /** The CAN ids (with extended flag) the mapping listens to. */
  get ids(): { id: number; extended: boolean; message: string }[] {
    return [...this.#byId.entries()].map(([k, v]) => ({ id: Number(k.slice(1)), extended: k[0] === 'x', message: v.name }));
  }

  /**
   * The mapped samples a frame carries; empty for ids the mapping does not
   * use, remote/error/FD frames, and frames shorter than the DBC's DLC.
   */
  decode(frame: CanFrame, timestampUs?: number): SampleInput[] {
    if (frame.rtr || frame.error || frame.fd) {
      this.stats.skipped++;
      return [];
    }
    const msg = this.#byId.get(keyOf(frame.id, frame.extended));
    if (!msg) {
      this.stats.unknownId++;
      return [];
    }
    if (frame.data.length < msg.dlc) {
      this.stats.badLength++;
      return [];
    }
    const payload = frame.data.slice(0, msg.dlc);
    this.stats.decoded++;
    return msg.signals.map((b) => {
      const v = this.#can.decodeSignal(payload, b.signal).value * b.scale;
      return { path: b.path, value: Number(v.toFixed(b.decimals)), ...(timestampUs !== undefined && { timestampUs }) };
    });
  }
}
