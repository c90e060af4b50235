/** Wire frames and sinks for the stream and consumer tests. */
import type { ConsumerSink } from '../../../src/consumer/Consumer.js';
import { decodeFrame, encodeFrame, nowUs } from '../../../src/wire/frame.js';

/** An H.264 wire frame whose one-byte payload is `tag`, so tests can tell frames apart. */
export function h264Frame(tag: number, keyframe: boolean, opts: { captureUs?: number; meta?: unknown; bytes?: number } = {}): Buffer {
  const payload = new Uint8Array(opts.bytes ?? 1).fill(tag);
  return Buffer.from(
    encodeFrame({ version: 1, codec: 'h264', keyframe, discontinuity: false, seq: 0, captureUs: opts.captureUs ?? nowUs(), width: 640, height: 360, payload, ...(opts.meta !== undefined && { meta: opts.meta }) }),
  );
}

export const tagOf = (wire: Buffer): number => decodeFrame(wire).payload[0]!;

/** A sink whose writes complete only when the test says so. */
export class ManualSink implements ConsumerSink {
  written: Buffer[] = [];
  #done: ((err?: Error) => void)[] = [];
  buffered = 0;
  write(message: Buffer, done: (err?: Error) => void): void {
    this.written.push(message);
    this.#done.push(done);
  }
  bufferedBytes(): number {
    return this.buffered;
  }
  complete(n = Infinity): void {
    while (n-- > 0 && this.#done.length) this.#done.shift()?.();
  }
  get frames() {
    return this.written.map((w) => decodeFrame(w));
  }
}

/** A sink that takes every write at once: a viewer that keeps up. */
export class FastSink extends ManualSink {
  override write(message: Buffer, done: (err?: Error) => void): void {
    this.written.push(message);
    done();
  }
}
