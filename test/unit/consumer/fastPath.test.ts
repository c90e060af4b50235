import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, type ConsumerSink } from '../../../src/consumer/Consumer.js';
import { h264Frame, tagOf } from '../stream/h264Frames.js';

/**
 * A socket-like sink: writeNow takes a frame at once while `kernelTakes`
 * (bufferedBytes stays 0), else it sits in the buffer like a write the
 * kernel could not take. `drain()` empties the buffer: queued writes'
 * callbacks run in order, and the test kicks the consumer as the transport's
 * 'drain' listener would.
 */
class SocketSink implements ConsumerSink {
  written: { message: Buffer; fast: boolean }[] = [];
  #buffered: { bytes: number; done?: (err?: Error) => void }[] = [];
  kernelTakes = true;
  open = true;
  writeNow(message: Buffer): boolean {
    if (!this.open) return false;
    this.written.push({ message, fast: true });
    if (!this.kernelTakes) this.#buffered.push({ bytes: message.length });
    return true;
  }
  write(message: Buffer, done: (err?: Error) => void): void {
    this.written.push({ message, fast: false });
    if (this.kernelTakes && this.#buffered.length === 0) done();
    else this.#buffered.push({ bytes: message.length, done });
  }
  bufferedBytes(): number {
    return this.#buffered.reduce((n, b) => n + b.bytes, 0);
  }
  drain(): void {
    this.kernelTakes = true;
    for (const b of this.#buffered.splice(0)) b.done?.();
  }
  get tags(): number[] {
    return this.written.map((w) => tagOf(w.message));
  }
}

const opts = (sink: ConsumerSink, queueFrames = 2) => ({ id: 'v', sink, queueFrames, maxBufferedBytes: 1 << 20 });

test('a viewer that keeps up gets every frame through writeNow, with no callback per write', () => {
  const sink = new SocketSink();
  const c = new Consumer(opts(sink));
  for (let i = 0; i < 10; i++) c.push(h264Frame(i, i === 0));
  assert.deepEqual(sink.tags, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(sink.written.every((w) => w.fast));
  assert.equal(c.sent, 10);
  assert.equal(c.queued, 0);
});

test('a fast write the socket could not take holds a slot: the bound and keyframe resume still hold', () => {
  const sink = new SocketSink();
  const c = new Consumer(opts(sink));
  c.useKeyframeResume();
  sink.kernelTakes = false; // the viewer stops reading
  c.push(h264Frame(0, true));
  assert.equal(c.queued, 1, 'the buffered fast write counts against the bound');
  for (let i = 1; i < 10; i++) {
    c.push(h264Frame(i, false));
    assert.ok(c.queuedLive <= 2, `queued ${c.queuedLive} > 2`);
  }
  assert.deepEqual(sink.tags, [0, 1], 'one more frame went to the socket, then the queue was full');
  assert.ok(c.awaitingKeyframe, 'frames were lost: the viewer waits for a keyframe');
  sink.drain();
  c.kick();
  c.push(h264Frame(10, false));
  assert.deepEqual(sink.tags, [0, 1], 'no inter frame after the loss');
  c.push(h264Frame(11, true));
  assert.equal(sink.tags.at(-1), 11, 'it resumes at the keyframe');
  assert.equal(sink.written.at(-1)?.fast, true, 'and the socket is empty again: back on the fast path');
});

test('once the socket is seen empty the untracked write frees its slot without any callback', () => {
  const sink = new SocketSink();
  const c = new Consumer(opts(sink, 1));
  sink.kernelTakes = false;
  c.push(h264Frame(0, true));
  assert.equal(c.queued, 1);
  sink.drain(); // no callback reaches the consumer for a writeNow
  c.push(h264Frame(1, false));
  assert.deepEqual(sink.tags, [0, 1], 'with one slot, the next frame is not dropped once the socket is empty');
  assert.equal(c.dropped, 0);
});

test('a tracked write completing frees the untracked write before it (writes complete in order)', () => {
  const sink = new SocketSink();
  const c = new Consumer(opts(sink));
  sink.kernelTakes = false;
  c.push(h264Frame(0, true)); // fast, buffered
  c.push(h264Frame(1, false)); // queued path, with a callback
  assert.equal(c.queued, 2);
  sink.drain();
  assert.equal(c.queued, 0);
  c.push(h264Frame(2, false));
  assert.equal(sink.written.at(-1)?.fast, true);
});

test('a closing transport refuses writeNow: the consumer reports the error as a failed write would', () => {
  const sink = new SocketSink();
  const c = new Consumer(opts(sink));
  const errors: Error[] = [];
  c.on('error', (e) => errors.push(e));
  sink.open = false;
  c.push(h264Frame(0, true));
  assert.equal(errors.length, 1);
  assert.equal(c.sent, 0);
});

test('a gated viewer (not reading) gets nothing through the fast path', () => {
  let open = false;
  const sink = Object.assign(new SocketSink(), { writable: () => open });
  const c = new Consumer(opts(sink));
  c.push(h264Frame(0, true));
  c.push(h264Frame(1, false));
  assert.equal(sink.written.length, 0);
  open = true;
  c.kick();
  assert.deepEqual(sink.tags, [0, 1]);
});
