/**
 * The gateway side of vehicle signals on NATS: for each vehicle discovery
 * finds, one subscription to `revcam.v1.<vehicle>.vss.>` feeding that
 * vehicle's own SignalBus (src/app/VehicleSignals.ts), made when its first
 * service is discovered and dropped when its last one leaves. Never a
 * wildcard over vehicles, so NATS permissions per vehicle keep working.
 * A message that is not a good sample is logged (at most every few seconds
 * per vehicle, with a count) and dropped: never applied, never a crash.
 * A device's POST for the vehicle is forwarded to its host's `signals.set`.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { SignalsForward } from '../app/VehicleSignals.js';
import { ERROR_CODES, RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { SignalBus } from '../signals/SignalBus.js';
import type { SignalsForwardReply } from '../transport/signalsHttp.js';
import { decodeSignal } from './signalMessages.js';
import { subjects } from './subjects.js';

/** Where a vehicle's signals go (VehicleSignals.addRemote). */
export interface RemoteSignalsSink {
  addRemote(vehicle: string, forward: SignalsForward): { bus: SignalBus; remove(): void };
}

export interface NatsVehicleSignalsOptions {
  nc: NatsConnection;
  sink: RemoteSignalsSink;
  log: Logger;
  /** How long a forwarded POST may wait for the host (default 5 s). */
  forwardTimeoutMs?: number;
  /** At most one "bad signal message" warning per vehicle this often (default 5 s). */
  warnEveryMs?: number;
}

interface Followed {
  sub: Subscription;
  remove(): void;
}

/** Bad messages of one vehicle since the last warning. */
interface BadCount {
  bad: number;
  lastWarnMs: number;
}

export class NatsVehicleSignals {
  #opts: NatsVehicleSignalsOptions;
  #vehicles = new Map<string, Followed>();
  /** Samples applied and messages dropped, for tests and logs. */
  applied = 0;
  dropped = 0;

  constructor(opts: NatsVehicleSignalsOptions) {
    this.#opts = opts;
  }

  /** Starts following a vehicle's signals (idempotent). */
  add(vehicle: string): void {
    if (this.#vehicles.has(vehicle)) return;
    const { nc, sink, log } = this.#opts;
    const { bus, remove } = sink.addRemote(vehicle, (body) => this.#forward(vehicle, body));
    const count: BadCount = { bad: 0, lastWarnMs: 0 };
    const sub = nc.subscribe(subjects.vssAll(vehicle), {
      callback: (err, msg) => {
        if (err) return void log.warn({ err, vehicle }, 'signal subscription error');
        this.#onSample(vehicle, bus, count, msg);
      },
    });
    this.#vehicles.set(vehicle, { sub, remove });
    log.info({ vehicle }, 'following vehicle signals');
  }

  /** Stops following a vehicle: its subscription goes, and its displays with it. */
  remove(vehicle: string): void {
    const f = this.#vehicles.get(vehicle);
    if (!f) return;
    this.#vehicles.delete(vehicle);
    f.sub.unsubscribe();
    f.remove();
    this.#opts.log.info({ vehicle }, 'stopped following vehicle signals');
  }

  vehicles(): string[] {
    return [...this.#vehicles.keys()];
  }

  #onSample(vehicle: string, bus: SignalBus, f: BadCount, msg: Msg): void {
    const decoded = decodeSignal(vehicle, msg.subject, msg.data, Date.now() * 1000);
    if ('problem' in decoded) {
      this.dropped++;
      f.bad++;
      const now = Date.now();
      if (now - f.lastWarnMs >= (this.#opts.warnEveryMs ?? 5_000)) {
        this.#opts.log.warn({ vehicle, subject: msg.subject.slice(0, 200), problem: decoded.problem, dropped: f.bad }, 'bad signal message on the bus dropped');
        f.bad = 0;
        f.lastWarnMs = now;
      }
      return;
    }
    bus.publish([decoded.sample]);
    this.applied++;
  }

  async #forward(vehicle: string, body: unknown): Promise<SignalsForwardReply> {
    let reply: SignalsForwardReply;
    try {
      const msg = await this.#opts.nc.request(subjects.signalsSet(vehicle), JSON.stringify(body), { timeout: this.#opts.forwardTimeoutMs ?? 5_000 });
      reply = msg.json<SignalsForwardReply>();
    } catch (err) {
      throw new RevcamError('SERVICE_FAILED', `vehicle ${vehicle} did not answer the signals request on the bus: ${(err as Error).message}`, { cause: err });
    }
    if (reply?.ok === true && Array.isArray(reply.samples)) return reply;
    if (reply?.ok === false && typeof reply.message === 'string') {
      const known = (ERROR_CODES as readonly string[]).includes(reply.code);
      const status = Number.isInteger(reply.status) && reply.status >= 400 && reply.status <= 599 ? reply.status : 502;
      return known ? { ...reply, status } : { ok: false, code: 'SERVICE_FAILED', message: reply.message, status: 503 };
    }
    throw new RevcamError('SERVICE_FAILED', `vehicle ${vehicle} answered the signals request with something unreadable`);
  }

  stop(): void {
    for (const v of [...this.#vehicles.keys()]) this.remove(v);
  }
}
