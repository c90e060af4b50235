/**
 * The host side of vehicle signals on NATS: every sample the host's signal
 * bus accepts is published on `revcam.v1.<vehicle>.vss.<path>` (the
 * simulator re-publishes every value each `republishMs`, CAN at its frame
 * rate, so samples keep flowing while the source does and a gateway's
 * staleness means what it means locally). And `revcam.v1.<vehicle>.signals.set`
 * takes a device's POST /api/signals forwarded by a gateway: checked again
 * here (anybody with publish rights could send it) and applied to the
 * simulator exactly as a local POST; a CAN source refuses it as locally.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { SignalBus } from '../signals/SignalBus.js';
import type { SignalSource } from '../signals/SignalSource.js';
import { applySignalsPost, postRefusal } from '../transport/signalsHttp.js';
import { encodeSignal, type SignalsSetReply } from './signalMessages.js';
import { subjects } from './subjects.js';

export interface NatsSignalPublisherOptions {
  nc: NatsConnection;
  vehicle: string;
  bus: SignalBus;
  source: Pick<SignalSource, 'kind' | 'input'>;
  log: Logger;
}

export class NatsSignalPublisher {
  #opts: NatsSignalPublisherOptions;
  #unsubscribe: (() => void) | undefined;
  #setSub: Subscription | undefined;
  /** Samples published, for logs and tests. */
  published = 0;

  constructor(opts: NatsSignalPublisherOptions) {
    this.#opts = opts;
  }

  start(): void {
    const { nc, vehicle, bus } = this.#opts;
    const publish = (samples: readonly { path: string; value: unknown; timestampUs: number }[]) => {
      for (const s of samples) {
        if (typeof s.value !== 'number') continue; // the catalogue is numbers only
        nc.publish(subjects.vss(vehicle, s.path), encodeSignal({ value: s.value, timestampUs: s.timestampUs }));
        this.published++;
      }
    };
    // Every accepted sample, unchanged values too: a gateway judges staleness by arrival, as the host does.
    this.#unsubscribe = bus.subscribe(publish, { everySample: true });
    publish(bus.snapshot());
    this.#setSub = nc.subscribe(subjects.signalsSet(vehicle), { callback: (err, msg) => (err ? this.#opts.log.warn({ err }, 'signals set subscription error') : this.#onSet(msg)) });
  }

  #onSet(msg: Msg): void {
    const { source, log } = this.#opts;
    let reply: SignalsSetReply;
    const refused = postRefusal(source);
    if (refused) reply = { ok: false, code: 'BAD_REQUEST', message: refused, status: 405 };
    else {
      try {
        let body: unknown;
        try {
          body = msg.json();
        } catch {
          throw new RevcamError('BAD_REQUEST', 'the body is not valid JSON');
        }
        reply = { ok: true, ...applySignalsPost(source.input!, body) };
        log.info({ samples: reply.samples.length, drive: reply.drive }, 'signals set through the bus');
      } catch (err) {
        const e = RevcamError.from(err);
        if (e.code === 'INTERNAL') log.error({ err }, 'signals set through the bus failed');
        reply = { ok: false, code: e.code, message: e.message, status: e.status };
      }
    }
    if (msg.reply) msg.respond(JSON.stringify(reply));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#setSub?.unsubscribe();
    this.#setSub = undefined;
  }
}
