/**
 * The control channel to a service child (childProtocol.ts): messages out,
 * requests matched to their replies by id, each with its own timeout. Kept
 * apart from the process supervision (ChildSupervisor), as mediasoup keeps
 * its Channel apart from its Worker: this knows nothing of spawning or
 * restarts, only of the child it is attached to now.
 *
 * One channel lives as long as its instance and is attached to each child in
 * turn, so request ids never repeat across restarts.
 */
import type { Logger } from '../log/logger.js';
import type { ChildMessage, ParentMessage } from './childProtocol.js';

/** What the channel needs of a child process (a ChildProcess is one; tests pass a fake). */
export interface ChannelPort {
  readonly connected: boolean;
  send(message: ParentMessage, callback: (err: Error | null) => void): boolean;
}

/** A request as sent before its id is given (distributes over the union). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type ChannelRequest = WithoutId<Extract<ParentMessage, { op: 'open' | 'close' | 'call' }>>;

export class ServiceChannel {
  #port: ChannelPort | undefined;
  #lastId = 0;
  #pending = new Map<number, { resolve: (m: ChildMessage) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly log: Logger,
    private readonly service: string,
  ) {}

  /** From now on messages go to this child. */
  attach(port: ChannelPort): void {
    this.#port = port;
  }

  /** The child is gone: every request still waiting is rejected, and later messages are dropped. */
  detach(reason = new Error('service exited')): void {
    this.#port = undefined;
    for (const r of this.#pending.values()) r.reject(reason);
    this.#pending.clear();
  }

  /** A fresh id, for messages that are answered but not awaited (pings). */
  nextId(): number {
    return ++this.#lastId;
  }

  /** Sends to the child if it is still there; a child dying mid-send is not an error of the gateway. */
  post(msg: ParentMessage): void {
    const port = this.#port;
    if (!port?.connected) return;
    try {
      port.send(msg, (err) => {
        if (err) this.log.debug({ err, service: this.service }, 'message to service lost');
      });
    } catch (err) {
      this.log.debug({ err, service: this.service }, 'message to service lost');
    }
  }

  /** Sends a request and resolves with its reply; rejects on timeout or when the child exits first. */
  request(msg: ChannelRequest, timeoutMs = 10_000): Promise<ChildMessage> {
    const id = this.nextId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${msg.op} timed out`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.post({ ...msg, id } as ParentMessage);
    });
  }

  /** Settles the request a `reply` answers. False for any other message (the caller handles it). */
  receive(m: ChildMessage): boolean {
    if (m.op !== 'reply') return false;
    const r = this.#pending.get(m.id);
    this.#pending.delete(m.id);
    r?.resolve(m);
    return true;
  }
}
