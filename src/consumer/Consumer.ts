/**
 * One viewer's bounded queue. The stream hands every frame to every consumer
 * without waiting; the consumer keeps at most `queueFrames` frames in flight
 * or pending, and when full it drops the oldest pending frame (latest frame
 * wins), counts the drop, and reports "too slow" once per episode, not per
 * frame. Memory per viewer is therefore bounded by queueFrames × frame size.
 */
import { TypedEmitter } from '../events/TypedEmitter.js';

/** The narrow interface a consumer needs from its transport. */
export interface ConsumerSink {
  /** Writes one message; `done` fires when the transport has taken it (socket flushed or failed). */
  write(message: Buffer, done: (err?: Error) => void): void;
  /** Bytes the transport still buffers for this viewer. */
  bufferedBytes(): number;
}

export interface ConsumerOptions {
  id: string;
  sink: ConsumerSink;
  /** Frames in flight + pending before dropping. */
  queueFrames: number;
  /** Above this many buffered bytes the viewer counts as backed up even with free slots. */
  maxBufferedBytes: number;
}

export type ConsumerEvents = {
  /** The viewer started losing frames (once per episode). */
  slow: [dropped: number];
  error: [err: Error];
};

export class Consumer extends TypedEmitter<ConsumerEvents> {
  readonly id: string;
  #sink: ConsumerSink;
  #queueFrames: number;
  #maxBuffered: number;
  #inFlight = 0;
  #pending: Buffer[] = [];
  #slow = false;
  #closed = false;
  sent = 0;
  dropped = 0;
  sentBytes = 0;

  constructor(opts: ConsumerOptions) {
    super();
    this.id = opts.id;
    this.#sink = opts.sink;
    this.#queueFrames = opts.queueFrames;
    this.#maxBuffered = opts.maxBufferedBytes;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Frames currently held for this viewer (in flight + pending): never above queueFrames. */
  get queued(): number {
    return this.#inFlight + this.#pending.length;
  }

  /** Offers a frame; never blocks and never grows beyond the bound. Returns false if a frame was dropped. */
  push(message: Buffer): boolean {
    if (this.#closed) return false;
    let dropped = false;
    if (this.#inFlight + this.#pending.length >= this.#queueFrames) {
      if (this.#pending.length > 0) this.#pending.shift();
      else return this.#drop(); // everything is in flight: the new frame itself is the one lost
      dropped = this.#drop();
    }
    this.#pending.push(message);
    this.#flush();
    return !dropped;
  }

  #drop(): false {
    this.dropped++;
    if (!this.#slow) {
      this.#slow = true;
      this.emit('slow', this.dropped);
    }
    return false;
  }

  #flush(): void {
    while (this.#pending.length > 0 && (this.#inFlight === 0 || this.#sink.bufferedBytes() < this.#maxBuffered) && this.#inFlight < this.#queueFrames) {
      const msg = this.#pending.shift() as Buffer;
      this.#inFlight++;
      this.#sink.write(msg, (err) => this.#written(msg.length, err));
    }
  }

  #written(bytes: number, err?: Error): void {
    this.#inFlight--;
    if (err) {
      if (!this.#closed) this.emit('error', err);
      return;
    }
    this.sent++;
    this.sentBytes += bytes;
    // Keeping up again once the queue drains: a later drop opens a new "too slow" episode.
    if (this.#inFlight === 0 && this.#pending.length === 0) this.#slow = false;
    this.#flush();
  }

  close(): void {
    this.#closed = true;
    this.#pending = [];
  }
}
