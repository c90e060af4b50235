/**
 * One viewer's bounded queue. The stream hands every frame to every consumer
 * without waiting; the consumer keeps at most `queueFrames` frames in flight
 * or pending, and when full it drops the oldest pending frame (latest frame
 * wins), counts the drop, and reports "too slow" once per episode, not per
 * frame. Memory per viewer is therefore bounded by queueFrames × frame size.
 *
 * H.264 cannot lose a frame in the middle: every later frame up to the next
 * keyframe refers to it. With `resumeAtKeyframe` a full queue instead drops
 * what is pending and everything after it until the next keyframe, so the
 * viewer's decoder is never fed a broken reference chain.
 *
 * A late H.264 viewer's catch-up burst (the cached frames since the last
 * keyframe, pushed with pushCatchUp) is outside the bound: the stream caps it,
 * and counting it would make the live frames behind it overflow at once.
 */
import type { RevcamError } from '../errors/RevcamError.js';
import { TypedEmitter } from '../events/TypedEmitter.js';
import { FrameFlag, HEADER_LENGTH } from '../wire/frame.js';
import { withMetadata } from '../stream/withMetadata.js';

/** The narrow interface a consumer needs from its transport. */
export interface ConsumerSink {
  /** Writes one message; `done` fires when the transport has taken it (socket flushed or failed). */
  write(message: Buffer, done: (err?: Error | null) => void): void;
  /** Bytes the transport still buffers for this viewer. */
  bufferedBytes(): number;
  /**
   * False while the viewer is known not to be reading (e.g. a ping unanswered):
   * frames then wait here, bounded and latest-wins, instead of piling up in
   * kernel buffers the consumer cannot see. Call Consumer.kick() when it turns true.
   */
  writable?(): boolean;
  /**
   * The fast path (docs/performance.md, issue 11): writes at once, with no
   * completion callback. The consumer calls it only when nothing is queued
   * here or in flight and bufferedBytes() is 0, the common case of a viewer
   * that keeps up, so the per-write closure, callback and bookkeeping go.
   * False: the transport no longer takes frames (as a write's error).
   * A sink with it must report bufferedBytes() 0 only once every write has
   * been taken, and call Consumer.kick() when its buffer drains.
   */
  writeNow?(message: Buffer): boolean;
  /**
   * Frames the transport holds before it takes them (a sink that hands
   * frames over in batches, e.g. to a recording service): the in-flight
   * limit is raised by this many, so a batch is not mistaken for a slow
   * viewer. The byte bound (maxBufferedBytes) still holds.
   */
  holdsFrames?: number;
}

export interface ConsumerOptions {
  id: string;
  sink: ConsumerSink;
  /** Frames in flight + pending before dropping. */
  queueFrames: number;
  /** Above this many buffered bytes the viewer counts as backed up even with free slots. */
  maxBufferedBytes: number;
  /** Messages are wire frames of an inter-coded stream: after a drop, resume only at a keyframe. */
  resumeAtKeyframe?: boolean;
  /**
   * The stream's metadata in force (the guidelines, the sensor arcs). Given, a
   * dropped frame that carried metadata does not take it with it: the next
   * frame this viewer is sent carries the metadata in force instead
   * (docs/protocol.md §5). Without this a slow viewer kept drawing an
   * obstacle where it was before the lost frame.
   */
  metaInForce?: () => Buffer | undefined;
}

export type ConsumerEvents = {
  /** The viewer started losing frames (once per episode). */
  slow: [dropped: number];
  error: [err: Error];
  /** The platform ends this viewer (e.g. its role's policy stopped holding): the transport tells it why and closes. */
  end: [reason: RevcamError];
};

interface Queued {
  message: Buffer;
  /** A catch-up frame: outside the queueFrames bound. */
  burst: boolean;
}

/** The keyframe flag of a wire frame (src/wire/frame.ts, byte 4). */
const isKeyframe = (message: Buffer): boolean => ((message[4] ?? 0) & FrameFlag.keyframe) !== 0;
/** A wire frame carries metadata (metaLength, bytes 24-27). */
const hasMetadata = (message: Buffer): boolean => message.length >= HEADER_LENGTH && message.readUInt32LE(24) > 0;

export class Consumer extends TypedEmitter<ConsumerEvents> {
  readonly id: string;
  #sink: ConsumerSink;
  #queueFrames: number;
  #maxBuffered: number;
  #resumeAtKeyframe: boolean;
  #inFlight = 0;
  /** A writeNow the transport could not take at once is still buffered (counted in #inFlight; no callback tells when it is done). */
  #untracked = false;
  /** Catch-up frames pending or in flight. */
  #burst = 0;
  #pending: Queued[] = [];
  #slow = false;
  #awaitingKeyframe = false;
  #closed = false;
  readonly #metaInForce: (() => Buffer | undefined) | undefined;
  /** A frame that carried metadata was dropped: the next frame sent carries the metadata in force. */
  #owesMeta = false;
  sent = 0;
  dropped = 0;
  /** Why the platform ended this viewer (Consumer.end), for the audit log. */
  endedBy: RevcamError | undefined;
  sentBytes = 0;

  constructor(opts: ConsumerOptions) {
    super();
    this.id = opts.id;
    this.#sink = opts.sink;
    this.#queueFrames = opts.queueFrames + (opts.sink.holdsFrames ?? 0);
    this.#maxBuffered = opts.maxBufferedBytes;
    this.#resumeAtKeyframe = opts.resumeAtKeyframe ?? false;
    this.#metaInForce = opts.metaInForce;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get resumeAtKeyframe(): boolean {
    return this.#resumeAtKeyframe;
  }

  /** Turns keyframe resume on: the stream does it for its H.264 viewers. */
  useKeyframeResume(): void {
    this.#resumeAtKeyframe = true;
  }

  /** Frames currently held for this viewer (in flight + pending), catch-up frames included. */
  get queued(): number {
    return this.#inFlight + this.#pending.length;
  }

  /** Live frames held: never above queueFrames. */
  get queuedLive(): number {
    return this.queued - this.#burst;
  }

  /** Waiting for a keyframe after dropping frames of an inter-coded stream. */
  get awaitingKeyframe(): boolean {
    return this.#awaitingKeyframe;
  }

  /** Offers a frame; never blocks and never grows beyond the bound. Returns false if a frame was dropped. */
  push(message: Buffer): boolean {
    if (this.#closed) return false;
    if (this.#awaitingKeyframe) {
      if (!isKeyframe(message)) {
        this.dropped++; // part of the episode already reported
        this.#lost(message);
        return false;
      }
      this.#awaitingKeyframe = false;
    }
    this.#settle();
    if (this.#inFlight === 0 && this.#pending.length === 0) {
      message = this.#withOwedMeta(message);
      if (this.#writeNow(message)) return true;
    }
    let dropped = false;
    if (this.queuedLive >= this.#queueFrames) {
      if (this.#resumeAtKeyframe) return this.#overflowInterCoded(message);
      const oldest = this.#pending.findIndex((q) => !q.burst);
      if (oldest < 0) {
        this.#lost(message);
        return this.#drop(); // everything is in flight: the new frame itself is the one lost
      }
      this.#lost(this.#pending.splice(oldest, 1)[0]!.message);
      dropped = this.#drop();
    }
    this.#pending.push({ message, burst: false });
    this.#flush();
    return !dropped;
  }

  /** Queues a late viewer's catch-up frames ahead of anything live; they do not count against the bound. */
  pushCatchUp(messages: readonly Buffer[]): void {
    if (this.#closed) return;
    for (const message of messages) this.#pending.push({ message, burst: true });
    this.#burst += messages.length;
    this.#flush();
  }

  /**
   * A full queue of an inter-coded stream: the pending frames are useless
   * once a frame after them is lost, so they go too, and the viewer waits for
   * the next keyframe (this one, if it is a keyframe and a slot is free).
   */
  #overflowInterCoded(message: Buffer): false {
    for (const q of this.#pending) {
      if (q.burst) this.#burst--;
      this.#lost(q.message);
    }
    this.dropped += this.#pending.length;
    this.#pending = [];
    this.#reportSlow();
    if (isKeyframe(message) && this.#inFlight < this.#queueFrames) {
      this.#pending.push({ message, burst: false });
      this.#flush();
      return false;
    }
    this.#awaitingKeyframe = true;
    this.#lost(message);
    return this.#drop();
  }

  /** A frame this viewer will not get: if it carried metadata, the next frame sent carries the metadata in force. */
  #lost(message: Buffer): void {
    if (this.#metaInForce && hasMetadata(message)) this.#owesMeta = true;
  }

  /** The frame to send: `message`, or a copy carrying the metadata in force when a lost frame took metadata with it. */
  #withOwedMeta(message: Buffer): Buffer {
    if (!this.#owesMeta) return message;
    this.#owesMeta = false;
    // A frame with metadata of its own carries the newest already.
    const meta = hasMetadata(message) ? undefined : this.#metaInForce?.();
    return meta ? withMetadata(message, meta) : message;
  }

  #drop(): false {
    this.dropped++;
    this.#reportSlow();
    return false;
  }

  #reportSlow(): void {
    if (this.#slow) return;
    this.#slow = true;
    this.emit('slow', this.dropped);
  }

  /** The transport can take frames again: send what is pending (the newest frames). */
  kick(): void {
    if (!this.#closed) this.#flush();
  }

  /** Nothing queued or in flight: straight to the transport when its buffer is empty. False: take the queued path. */
  #writeNow(message: Buffer): boolean {
    const sink = this.#sink;
    if (!sink.writeNow || sink.writable?.() === false || sink.bufferedBytes() !== 0) return false;
    if (!sink.writeNow(message)) {
      if (!this.#closed) this.emit('error', new Error('viewer transport is closing'));
      return true;
    }
    this.sent++;
    this.sentBytes += message.length;
    this.#slow = false; // the queue was empty: any "too slow" episode is over
    if (sink.bufferedBytes() > 0) {
      // Not taken at once: it holds a slot until the transport's buffer is seen empty or a later write completes.
      this.#untracked = true;
      this.#inFlight++;
    }
    return true;
  }

  /** The untracked write is done once the transport buffers nothing. */
  #settle(): void {
    if (this.#untracked && this.#sink.bufferedBytes() === 0) this.#release();
  }

  #release(): void {
    this.#untracked = false;
    this.#inFlight--;
  }

  #flush(): void {
    this.#settle();
    if (this.#sink.writable?.() === false) return;
    while (this.#pending.length > 0 && (this.#inFlight === 0 || this.#sink.bufferedBytes() < this.#maxBuffered) && this.#inFlight < this.#queueFrames) {
      const q = this.#pending.shift() as Queued;
      q.message = this.#withOwedMeta(q.message);
      this.#inFlight++;
      this.#sink.write(q.message, (err) => this.#written(q, err));
    }
  }

  #written(q: Queued, err?: Error | null): void {
    this.#inFlight--;
    // Writes complete in order: an untracked write before this one is done too.
    if (this.#untracked) this.#release();
    if (q.burst) this.#burst--;
    if (err) {
      if (!this.#closed) this.emit('error', err);
      return;
    }
    this.sent++;
    this.sentBytes += q.message.length;
    // Keeping up again once the queue drains: a later drop opens a new "too slow" episode.
    if (this.#inFlight === 0 && this.#pending.length === 0) this.#slow = false;
    this.#flush();
  }

  /** Ends the viewer from outside: no more frames; the transport's 'end' listener closes the connection (else 'error' does). */
  end(reason: RevcamError): void {
    if (this.#closed) return;
    this.endedBy = reason;
    this.close();
    this.emit(this.listenerCount('end') > 0 ? 'end' : 'error', reason);
  }

  close(): void {
    this.#closed = true;
    this.#burst -= this.#pending.filter((q) => q.burst).length;
    this.#pending = [];
  }
}
